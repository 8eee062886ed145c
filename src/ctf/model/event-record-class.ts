/** Event record class (CTF 2 §5.7; TSDL `event { ... }`). */
import { CtfModelError } from '../errors.js';
import { FieldClassKind, type StructureClass } from './field-class.js';

/** LTTng-UST log levels (TSDL `loglevel = N`); CTF 2 spells them `debug:line` and so on. */
export const LogLevel = {
  EMERG: 0,
  ALERT: 1,
  CRIT: 2,
  ERR: 3,
  WARNING: 4,
  NOTICE: 5,
  INFO: 6,
  DEBUG_SYSTEM: 7,
  DEBUG_PROGRAM: 8,
  DEBUG_PROCESS: 9,
  DEBUG_MODULE: 10,
  DEBUG_UNIT: 11,
  DEBUG_FUNCTION: 12,
  DEBUG_LINE: 13,
  DEBUG: 14,
} as const;
export type LogLevelName = keyof typeof LogLevel;

export interface EventRecordClass {
  readonly id: number;
  readonly name: string;
  /** 0..14 (LTTng levels); absent for kernel events. */
  readonly logLevel?: number;
  readonly emfUri?: string;
  readonly specificContextFieldClass?: StructureClass;
  readonly payloadFieldClass?: StructureClass;
  readonly attributes?: Readonly<Record<string, unknown>>;
}

export function eventRecordClass(o: {
  id: number;
  name: string;
  logLevel?: number;
  emfUri?: string;
  specificContextFieldClass?: StructureClass;
  payloadFieldClass?: StructureClass;
  attributes?: Readonly<Record<string, unknown>>;
}): EventRecordClass {
  if (!Number.isSafeInteger(o.id) || o.id < 0) {
    throw new CtfModelError(`event record class "${o.name}": id ${o.id} is not a non-negative integer`);
  }
  for (const [what, fc] of [
    ['specific context', o.specificContextFieldClass],
    ['payload', o.payloadFieldClass],
  ] as const) {
    if (fc && fc.kind !== FieldClassKind.Structure) {
      throw new CtfModelError(`event record class "${o.name}": the ${what} must be a structure`);
    }
  }
  return Object.freeze({ ...o });
}
