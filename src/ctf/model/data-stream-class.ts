/** Data stream class (CTF 2 §5.6; TSDL `stream { ... }`). LTTng calls it a channel. */
import { CtfModelError } from '../errors.js';
import type { ClockClass } from './clock-class.js';
import type { EventRecordClass } from './event-record-class.js';
import type { StructureClass } from './field-class.js';

export interface DataStreamClass {
  readonly id: number;
  readonly name?: string;
  readonly defaultClockClass?: ClockClass;
  readonly packetContextFieldClass?: StructureClass;
  readonly eventRecordHeaderFieldClass?: StructureClass;
  readonly eventRecordCommonContextFieldClass?: StructureClass;
  /**
   * The event record classes known when this object was built. A writer that registers classes
   * as they appear keeps its own growing list and appends them to the metadata stream.
   */
  readonly eventRecordClasses: readonly EventRecordClass[];
}

export function dataStreamClass(o: {
  id: number;
  name?: string;
  defaultClockClass?: ClockClass;
  packetContextFieldClass?: StructureClass;
  eventRecordHeaderFieldClass?: StructureClass;
  eventRecordCommonContextFieldClass?: StructureClass;
  eventRecordClasses?: readonly EventRecordClass[];
}): DataStreamClass {
  if (!Number.isSafeInteger(o.id) || o.id < 0) {
    throw new CtfModelError(`data stream class: id ${o.id} is not a non-negative integer`);
  }
  const ids = new Set<number>();
  for (const erc of o.eventRecordClasses ?? []) {
    if (ids.has(erc.id)) {
      throw new CtfModelError(`data stream class ${o.id}: two event record classes have the id ${erc.id}`);
    }
    ids.add(erc.id);
  }
  return Object.freeze({ ...o, eventRecordClasses: Object.freeze([...(o.eventRecordClasses ?? [])]) });
}
