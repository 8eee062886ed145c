/**
 * The metadata stream of one trace chunk: the TSDL preamble and one `stream` block per channel
 * when the chunk opens, then `event` blocks appended as event classes register (in any thread),
 * each append in new 4096-byte metadata packets, as LTTng appends to its metadata stream.
 * Each event class is declared in every channel, with the same id (ids are process-wide).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { DataStreamClass, EventRecordClass, TraceClass } from '../ctf/model/index.js';
import { packetizeMetadata } from '../ctf/writer/metadata-stream.js';
import {
  type TsdlPreamble,
  tsdlDataStreamClass,
  tsdlEventRecordClass,
  tsdlPreamble,
} from '../ctf/writer/tsdl-emitter.js';
import { type EventClassDef, eventClassFromJson } from './event-class-def.js';
import type { SessionConfig } from './session-config.js';
import { channelStreamClassOf, clockClassOf, eventRecordClassOf, traceClassOf } from './trace-model.js';
import type { TracerControl } from './tracer-control.js';

/** The trace class and channel stream classes of a session (no event classes: they are appended). */
export function sessionTraceClass(config: SessionConfig): { tc: TraceClass; streams: DataStreamClass[] } {
  const clock = clockClassOf(BigInt(config.trace.clockOffsetNs), config.trace.bootId);
  const streams = config.channels.map((c) =>
    channelStreamClassOf({ id: c.id, name: c.name, clockClass: clock, contexts: c.contexts }),
  );
  const tc = traceClassOf({
    uuid: config.trace.uuid,
    clockClass: clock,
    env: {
      pid: config.trace.pid,
      procname: config.trace.procname,
      hostname: config.trace.hostname,
      sessionName: config.name,
      creationDateTime: config.trace.creationDateTime,
      vpidDateTime: config.trace.vpidDateTime,
    },
    dataStreamClasses: streams,
  });
  return { tc, streams };
}

export class MetadataWriter {
  private readonly fd: number;
  private readonly pre: TsdlPreamble;
  /** Event classes read from the registry so far (id -> definition). */
  readonly eventClasses = new Map<number, EventClassDef>();
  private readonly uuid: Uint8Array;

  constructor(
    path: string,
    private readonly tc: TraceClass,
    private readonly streams: readonly DataStreamClass[],
  ) {
    this.fd = openSync(path, 'w');
    this.uuid = tc.uuid!;
    this.pre = tsdlPreamble(tc);
    const text = [this.pre.text, ...streams.map((s) => tsdlDataStreamClass(tc, this.pre, s))].join('\n');
    this.append(text);
  }

  private append(text: string): void {
    const bytes = packetizeMetadata(text, { uuid: this.uuid });
    writeSync(this.fd, bytes, 0, bytes.length);
  }

  /** Declares event classes not written yet (given as definitions by id). */
  addEventClasses(defs: ReadonlyMap<number, EventClassDef>): void {
    const parts: string[] = [];
    for (const [id, def] of defs) {
      if (this.eventClasses.has(id)) continue;
      this.eventClasses.set(id, def);
      const erc: EventRecordClass = eventRecordClassOf(def, id);
      for (const s of this.streams) parts.push(tsdlEventRecordClass(this.tc, s, erc));
    }
    if (parts.length > 0) this.append(parts.join('\n'));
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Reads new registry entries of the control buffer into `into` (id -> definition). */
export function readRegistry(
  control: TracerControl,
  cursor: { count: number; bytes: number },
  into: Map<number, EventClassDef>,
): boolean {
  const before = cursor.count;
  control.readNewEntries(null, cursor, (id, _name, description) =>
    into.set(id, eventClassFromJson(description)),
  );
  return cursor.count > before;
}
