/**
 * LTTng's standard trace layout (specs/lttng.md §3.2-3.3), built from the model factories so the
 * writer, the tracers and the tests share one definition: the packet header, the packet context,
 * the compact and large event headers (with their extended variant) and the `monotonic` clock.
 *
 * `alignment: 'byte'` is what LTTng writes on x86 (every integer `align = 8`, no padding inside a
 * record); `'natural'` is what it writes where unaligned access is slow (`align = size`).
 */
import { CtfModelError } from '../errors.js';
import { type ClockClass, clockClass } from './clock-class.js';
import { type DataStreamClass, dataStreamClass } from './data-stream-class.js';
import type { EventRecordClass } from './event-record-class.js';
import {
  type ByteOrder,
  FieldClassKind,
  type FixedLengthIntegerClass,
  fixedLengthInteger,
  type StructureClass,
  staticLengthArray,
  structure,
  variantFromEnumeration,
} from './field-class.js';
import { fieldLocation } from './field-location.js';
import { type EnvironmentValue, type TraceClass, traceClass } from './trace-class.js';

export type LttngAlignment = 'byte' | 'natural';
export type LttngEventHeaderKind = 'compact' | 'large';

export interface LttngLayoutOptions {
  /** The trace's native byte order. Default `le`. */
  byteOrder?: ByteOrder;
  /** Default `byte` (x86). */
  alignment?: LttngAlignment;
  /** Clock class name the timestamps map to. Default `monotonic`. */
  clockClassName?: string;
}

/** `magic` of every data packet (CTF 1.8 §5). */
export const CTF_PACKET_MAGIC = 0xc1fc1fc1;
/** Event ids a compact header stores inline (5 bits: 0..30; 31 means "extended"). */
export const LTTNG_COMPACT_ID_LIMIT = 31;
/** Event ids a large header stores inline (16 bits: 0..65534; 65535 means "extended"). */
export const LTTNG_LARGE_ID_LIMIT = 65535;
/** Timestamp bits a compact (27) or large (32) header keeps in its compact variant. */
export const LTTNG_COMPACT_TIMESTAMP_BITS = 27;
export const LTTNG_LARGE_TIMESTAMP_BITS = 32;

function opts(o: LttngLayoutOptions | undefined): Required<LttngLayoutOptions> {
  return {
    byteOrder: o?.byteOrder ?? 'le',
    alignment: o?.alignment ?? 'byte',
    clockClassName: o?.clockClassName ?? 'monotonic',
  };
}

/** LTTng's `uintN_t` typealiases: byte-aligned or naturally aligned, in the native byte order. */
export function lttngUnsignedInteger(
  lengthBits: number,
  o?: LttngLayoutOptions & { mapsClock?: boolean; roles?: FixedLengthIntegerClass['roles'] },
): FixedLengthIntegerClass {
  const { byteOrder, alignment, clockClassName } = opts(o);
  const alignmentBits = lengthBits % 8 !== 0 ? 1 : alignment === 'byte' ? 8 : lengthBits;
  return fixedLengthInteger({
    lengthBits,
    byteOrder,
    alignmentBits,
    ...(o?.mapsClock ? { mappedClockClassName: clockClassName } : {}),
    ...(o?.roles ? { roles: o.roles } : {}),
  });
}

/** `struct { uint32_t magic; uint8_t uuid[16]; uint32_t stream_id; uint64_t stream_instance_id; }` */
export function lttngPacketHeaderFieldClass(o?: LttngLayoutOptions): StructureClass {
  return structure([
    { name: 'magic', fieldClass: lttngUnsignedInteger(32, { ...o, roles: ['packet-magic-number'] }) },
    { name: 'uuid', fieldClass: staticLengthArray(lttngUnsignedInteger(8, o), 16) },
    { name: 'stream_id', fieldClass: lttngUnsignedInteger(32, { ...o, roles: ['data-stream-class-id'] }) },
    { name: 'stream_instance_id', fieldClass: lttngUnsignedInteger(64, { ...o, roles: ['data-stream-id'] }) },
  ]);
}

/** LTTng's `struct packet_context` (timestamps, sizes in bits, sequence number, discarded, cpu). */
export function lttngPacketContextFieldClass(o?: LttngLayoutOptions): StructureClass {
  const u64 = (roles: FixedLengthIntegerClass['roles'], mapsClock = false) =>
    lttngUnsignedInteger(64, { ...o, roles, mapsClock });
  return structure([
    { name: 'timestamp_begin', fieldClass: u64(['default-clock-timestamp'], true) },
    { name: 'timestamp_end', fieldClass: u64(['packet-end-default-clock-timestamp'], true) },
    { name: 'content_size', fieldClass: u64(['packet-content-length']) },
    { name: 'packet_size', fieldClass: u64(['packet-total-length']) },
    { name: 'packet_seq_num', fieldClass: u64(['packet-sequence-number']) },
    { name: 'events_discarded', fieldClass: u64(['discarded-event-record-counter-snapshot']) },
    { name: 'cpu_id', fieldClass: lttngUnsignedInteger(32, o) },
  ]);
}

function eventHeader(kind: LttngEventHeaderKind, o?: LttngLayoutOptions): StructureClass {
  const { alignment } = opts(o);
  const idBits = kind === 'compact' ? 5 : 16;
  const limit = kind === 'compact' ? LTTNG_COMPACT_ID_LIMIT : LTTNG_LARGE_ID_LIMIT;
  const tsBits = kind === 'compact' ? LTTNG_COMPACT_TIMESTAMP_BITS : LTTNG_LARGE_TIMESTAMP_BITS;
  const base = lttngUnsignedInteger(idBits, o);
  const id = fixedLengthInteger({
    lengthBits: idBits,
    byteOrder: base.byteOrder,
    alignmentBits: base.alignmentBits,
    roles: ['event-record-class-id'],
    mappings: [
      { name: 'compact', ranges: [{ lower: 0n, upper: BigInt(limit - 1) }] },
      { name: 'extended', ranges: [{ lower: BigInt(limit), upper: BigInt(limit) }] },
    ],
  });
  const compact = structure([
    {
      name: 'timestamp',
      fieldClass: lttngUnsignedInteger(tsBits, { ...o, mapsClock: true, roles: ['default-clock-timestamp'] }),
    },
  ]);
  const extended = structure([
    { name: 'id', fieldClass: lttngUnsignedInteger(32, { ...o, roles: ['event-record-class-id'] }) },
    {
      name: 'timestamp',
      fieldClass: lttngUnsignedInteger(64, { ...o, mapsClock: true, roles: ['default-clock-timestamp'] }),
    },
  ]);
  const v = variantFromEnumeration(id, fieldLocation('event-record-header', 'id'), [
    { name: 'compact', fieldClass: compact },
    { name: 'extended', fieldClass: extended },
  ]);
  // LTTng: `} align(8)` on x86; natural alignment: the largest member (32 compact, 16 large).
  const minimumAlignmentBits = alignment === 'byte' ? 8 : kind === 'compact' ? 32 : 16;
  return structure(
    [
      { name: 'id', fieldClass: id },
      { name: 'v', fieldClass: v },
    ],
    { minimumAlignmentBits },
  );
}

/** `struct event_header_compact`: 5-bit id, 27-bit timestamp, extended variant. */
export function lttngEventHeaderCompactFieldClass(o?: LttngLayoutOptions): StructureClass {
  return eventHeader('compact', o);
}

/** `struct event_header_large`: 16-bit id, 32-bit timestamp, extended variant. */
export function lttngEventHeaderLargeFieldClass(o?: LttngLayoutOptions): StructureClass {
  return eventHeader('large', o);
}

function sameShape(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return (
      a instanceof Uint8Array &&
      b instanceof Uint8Array &&
      a.length === b.length &&
      a.every((x, i) => x === b[i])
    );
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!sameShape((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** Structural equality of two model objects (field classes, structures...). */
export function sameFieldClass(a: unknown, b: unknown): boolean {
  return sameShape(a, b);
}

/**
 * Which LTTng event header this structure is, if it is one (structurally, so a header read back
 * from TSDL is recognized too), with the layout options it was built with.
 */
export function lttngEventHeaderKindOf(
  fc: StructureClass | undefined,
): { kind: LttngEventHeaderKind; options: Required<LttngLayoutOptions> } | undefined {
  if (!fc || fc.kind !== FieldClassKind.Structure || fc.memberClasses.length !== 2) return undefined;
  const id = fc.memberClasses[0]!.fieldClass;
  if (id.kind !== FieldClassKind.FixedLengthUnsignedInteger) return undefined;
  const kind: LttngEventHeaderKind | undefined =
    id.lengthBits === 5 ? 'compact' : id.lengthBits === 16 ? 'large' : undefined;
  if (!kind) return undefined;
  // The clock the compact variant's timestamp maps to names the typealiases.
  const v = fc.memberClasses[1]!.fieldClass;
  const compactTs =
    v.kind === FieldClassKind.Variant && v.options[0]?.fieldClass.kind === FieldClassKind.Structure
      ? v.options[0].fieldClass.memberClasses[0]?.fieldClass
      : undefined;
  const clockClassName =
    compactTs?.kind === FieldClassKind.FixedLengthUnsignedInteger
      ? (compactTs.mappedClockClassName ?? 'monotonic')
      : 'monotonic';
  for (const byteOrder of ['le', 'be'] as const) {
    for (const alignment of ['byte', 'natural'] as const) {
      const o = { byteOrder, alignment, clockClassName };
      if (sameShape(fc, eventHeader(kind, o))) return { kind, options: o };
    }
  }
  return undefined;
}

/** The layout options a packet header/context pair was built with, if it is LTTng's. */
export function lttngPacketLayoutOf(
  packetHeader: StructureClass | undefined,
  packetContext: StructureClass | undefined,
): Required<LttngLayoutOptions> | undefined {
  for (const byteOrder of ['le', 'be'] as const) {
    for (const alignment of ['byte', 'natural'] as const) {
      const ts = packetContext?.memberClasses[0]?.fieldClass as FixedLengthIntegerClass | undefined;
      const o = { byteOrder, alignment, clockClassName: ts?.mappedClockClassName ?? 'monotonic' };
      if (
        (packetHeader === undefined || sameShape(packetHeader, lttngPacketHeaderFieldClass(o))) &&
        (packetContext === undefined || sameShape(packetContext, lttngPacketContextFieldClass(o)))
      ) {
        return o;
      }
    }
  }
  return undefined;
}

/**
 * LTTng's clock class: `monotonic`, 1 GHz, offset = realtime minus monotonic in ns, uuid = the
 * boot id (/proc/sys/kernel/random/boot_id).
 */
export function lttngClockClass(o: {
  offsetNs?: bigint;
  uuid?: Uint8Array;
  name?: string;
  description?: string;
}): ClockClass {
  const offsetNs = o.offsetNs ?? 0n;
  return clockClass({
    name: o.name ?? 'monotonic',
    description: o.description ?? 'Monotonic Clock',
    frequency: 1_000_000_000n,
    offsetSeconds: 0n,
    offsetCycles: offsetNs,
    ...(o.uuid ? { uuid: o.uuid } : {}),
    originIsUnixEpoch: true,
  });
}

/**
 * The clock offset LTTng writes: realtime minus the midpoint of two monotonic reads, keeping the
 * sample whose monotonic reads are closest together (lttng-ust's "best of several samples").
 * The reads are injected so this stays free of node:*.
 */
export function sampleClockOffsetNs(
  readRealtimeNs: () => bigint,
  readMonotonicNs: () => bigint,
  samples = 10,
): bigint {
  let best: bigint | undefined;
  let bestDelta: bigint | undefined;
  for (let i = 0; i < samples; i++) {
    const m1 = readMonotonicNs();
    const r = readRealtimeNs();
    const m2 = readMonotonicNs();
    const delta = m2 - m1;
    if (bestDelta === undefined || delta < bestDelta) {
      bestDelta = delta;
      best = r - (m1 + delta / 2n);
    }
  }
  return best ?? 0n;
}

/** An LTTng channel: a data stream class with LTTng's packet context and event header. */
export function lttngDataStreamClass(
  o: LttngLayoutOptions & {
    id: number;
    name?: string;
    eventHeader?: LttngEventHeaderKind;
    clockClass: ClockClass;
    /** Channel contexts (`add-context`), in order: LTTng's `stream.event.context`. */
    commonContextFieldClass?: StructureClass;
    eventRecordClasses?: readonly EventRecordClass[];
  },
): DataStreamClass {
  const lo: LttngLayoutOptions = {
    byteOrder: o.byteOrder ?? 'le',
    alignment: o.alignment ?? 'byte',
    clockClassName: o.clockClass.name,
  };
  const header =
    (o.eventHeader ?? 'large') === 'compact' ? eventHeader('compact', lo) : eventHeader('large', lo);
  return dataStreamClass({
    id: o.id,
    name: o.name ?? `channel${o.id}`,
    defaultClockClass: o.clockClass,
    packetContextFieldClass: lttngPacketContextFieldClass(lo),
    eventRecordHeaderFieldClass: header,
    ...(o.commonContextFieldClass ? { eventRecordCommonContextFieldClass: o.commonContextFieldClass } : {}),
    ...(o.eventRecordClasses ? { eventRecordClasses: o.eventRecordClasses } : {}),
  });
}

/** A trace class with LTTng's packet header, one clock class and the given channels. */
export function lttngTraceClass(
  o: LttngLayoutOptions & {
    uuid: Uint8Array;
    clockClass: ClockClass;
    environment?: ReadonlyMap<string, EnvironmentValue> | Readonly<Record<string, EnvironmentValue>>;
    dataStreamClasses: readonly DataStreamClass[];
  },
): TraceClass {
  if (o.uuid.length !== 16)
    throw new CtfModelError(`LTTng trace class: a UUID has 16 bytes, not ${o.uuid.length}`);
  return traceClass({
    uuid: o.uuid,
    nativeByteOrder: o.byteOrder ?? 'le',
    ...(o.environment ? { environment: o.environment } : {}),
    packetHeaderFieldClass: lttngPacketHeaderFieldClass({
      byteOrder: o.byteOrder ?? 'le',
      alignment: o.alignment ?? 'byte',
      clockClassName: o.clockClass.name,
    }),
    clockClasses: [o.clockClass],
    dataStreamClasses: o.dataStreamClasses,
    // CTF 2 trace class identity LTTng 2.14 writes.
    namespace: 'lttng.org,2009',
    name: '',
  });
}
