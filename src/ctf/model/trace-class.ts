/** Trace class (CTF 2 §5.4; TSDL `trace { ... }` and `env { ... }`). */
import { CtfModelError } from '../errors.js';
import type { ClockClass } from './clock-class.js';
import type { DataStreamClass } from './data-stream-class.js';
import type { ByteOrder, StructureClass } from './field-class.js';

/** Environment values are strings or integers (TSDL `env`). */
export type EnvironmentValue = string | bigint;

export interface TraceClass {
  /** 16 bytes; LTTng writes one per trace. */
  readonly uuid?: Uint8Array;
  /** TSDL `byte_order`: the default of every field class that does not name its own. */
  readonly nativeByteOrder: ByteOrder;
  /** In declaration order. */
  readonly environment: ReadonlyMap<string, EnvironmentValue>;
  readonly packetHeaderFieldClass?: StructureClass;
  readonly clockClasses: readonly ClockClass[];
  readonly dataStreamClasses: readonly DataStreamClass[];
  /** CTF 2 namespace/name/uid of the trace class, when the metadata gives them. */
  readonly namespace?: string;
  readonly name?: string;
}

export function traceClass(o: {
  uuid?: Uint8Array;
  nativeByteOrder?: ByteOrder;
  environment?: ReadonlyMap<string, EnvironmentValue> | Readonly<Record<string, EnvironmentValue>>;
  packetHeaderFieldClass?: StructureClass;
  clockClasses?: readonly ClockClass[];
  dataStreamClasses?: readonly DataStreamClass[];
  namespace?: string;
  name?: string;
}): TraceClass {
  if (o.uuid && o.uuid.length !== 16)
    throw new CtfModelError(`trace class: a UUID has 16 bytes, not ${o.uuid.length}`);
  const env =
    o.environment instanceof Map
      ? new Map(o.environment)
      : new Map(Object.entries((o.environment as Record<string, EnvironmentValue> | undefined) ?? {}));
  for (const [k, v] of env) {
    if (typeof v !== 'string' && typeof v !== 'bigint') {
      throw new CtfModelError(`trace class: environment entry "${k}" must be a string or a bigint`);
    }
  }
  const clockNames = new Set<string>();
  for (const cc of o.clockClasses ?? []) {
    if (clockNames.has(cc.name))
      throw new CtfModelError(`trace class: two clock classes are named "${cc.name}"`);
    clockNames.add(cc.name);
  }
  const dscIds = new Set<number>();
  for (const dsc of o.dataStreamClasses ?? []) {
    if (dscIds.has(dsc.id))
      throw new CtfModelError(`trace class: two data stream classes have the id ${dsc.id}`);
    dscIds.add(dsc.id);
  }
  return Object.freeze({
    ...(o.uuid ? { uuid: o.uuid } : {}),
    nativeByteOrder: o.nativeByteOrder ?? 'le',
    environment: env,
    ...(o.packetHeaderFieldClass ? { packetHeaderFieldClass: o.packetHeaderFieldClass } : {}),
    clockClasses: Object.freeze([...(o.clockClasses ?? [])]),
    dataStreamClasses: Object.freeze([...(o.dataStreamClasses ?? [])]),
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
    ...(o.name !== undefined ? { name: o.name } : {}),
  });
}

export function uuidToString(uuid: Uint8Array): string {
  const h = Array.from(uuid, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function uuidFromString(s: string): Uint8Array {
  const h = s.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(h)) throw new CtfModelError(`"${s}" is not a UUID`);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = Number.parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}
