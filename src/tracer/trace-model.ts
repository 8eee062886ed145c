/**
 * The CTF model of a Node process's trace, in LTTng-UST's per-PID shape: the trace class (UUID,
 * env), the `monotonic` clock class, one data stream class per channel (LTTng's large event
 * header, the channel's contexts), and one event record class per tracepoint definition. Integers
 * are byte-aligned (`align = 8`), as LTTng writes them on x86, so records have no padding.
 */
import {
  type ClockClass,
  type DataStreamClass,
  dataStreamClass,
  dynamicLengthArray,
  dynamicLengthString,
  type EventRecordClass,
  eventRecordClass,
  type FieldClass,
  fieldLocation,
  fixedLengthFloatingPointNumber,
  fixedLengthInteger,
  nullTerminatedString,
  type StructureClass,
  staticLengthArray,
  staticLengthString,
  structure,
  type TraceClass,
  uuidFromString,
} from '../ctf/model/index.js';
import {
  lttngClockClass,
  lttngEventHeaderLargeFieldClass,
  lttngTraceClass,
  lttngUnsignedInteger,
} from '../ctf/model/lttng-layout.js';
import { CONTEXT_DEFS, type ContextName } from './contexts.js';
import type { EventClassDef } from './event-class-def.js';
import { type IntType, type NormalizedType, type ScalarType, TypeKind } from './field-spec.js';

function intClass(t: IntType): FieldClass {
  return fixedLengthInteger({
    lengthBits: t.sizeBits,
    signed: t.signed,
    byteOrder: t.byteOrder,
    alignmentBits: 8,
    preferredDisplayBase: t.base,
  });
}

function scalarClass(t: ScalarType): FieldClass {
  switch (t.kind) {
    case TypeKind.Int:
      return intClass(t);
    case TypeKind.Float:
      return fixedLengthFloatingPointNumber({ lengthBits: t.sizeBits, alignmentBits: 8 });
    case TypeKind.String:
      return nullTerminatedString();
    case TypeKind.Enum:
      return fixedLengthInteger({
        lengthBits: t.container.sizeBits,
        signed: t.container.signed,
        alignmentBits: 8,
        mappings: t.labels.map((l) => ({ name: l.name, ranges: [{ lower: l.low, upper: l.high }] })),
      });
  }
}

/** Name of the length member LTTng writes before a sequence: `_<name>_length`. */
export function sequenceLengthName(name: string): string {
  return `_${name}_length`;
}

/** Payload structure members for one field (two for a sequence: its length, then itself). */
function payloadMembers(name: string, t: NormalizedType): { name: string; fieldClass: FieldClass }[] {
  switch (t.kind) {
    case TypeKind.Array:
      return [{ name, fieldClass: staticLengthArray(scalarClass(t.element), t.length) }];
    case TypeKind.Sequence: {
      const len = sequenceLengthName(name);
      return [
        { name: len, fieldClass: intClass(t.lengthType) },
        {
          name,
          fieldClass: dynamicLengthArray(scalarClass(t.element), fieldLocation('event-record-payload', len)),
        },
      ];
    }
    case TypeKind.Text:
      return [{ name, fieldClass: staticLengthString(t.lengthBytes) }];
    case TypeKind.DynamicText: {
      const len = sequenceLengthName(name);
      return [
        { name: len, fieldClass: intClass(t.lengthType) },
        { name, fieldClass: dynamicLengthString(fieldLocation('event-record-payload', len)) },
      ];
    }
    default:
      return [{ name, fieldClass: scalarClass(t) }];
  }
}

export function payloadClassOf(def: EventClassDef): StructureClass {
  return structure(def.fields.flatMap((f) => payloadMembers(f.name, f.type)));
}

export function eventRecordClassOf(def: EventClassDef, id: number): EventRecordClass {
  return eventRecordClass({
    id,
    name: def.name,
    logLevel: def.logLevel,
    ...(def.emfUri !== undefined ? { emfUri: def.emfUri } : {}),
    payloadFieldClass: payloadClassOf(def),
  });
}

function contextClass(name: ContextName): FieldClass {
  const d = CONTEXT_DEFS[name];
  if (d.kind === 'i32-const') return fixedLengthInteger({ lengthBits: 32, signed: true, alignmentBits: 8 });
  if (d.kind === 'text-const') return staticLengthString(d.lengthBytes);
  return fixedLengthInteger({ lengthBits: 64, signed: true, alignmentBits: 8 });
}

/** The channel's `stream.event.context`, or undefined without contexts. */
export function commonContextClassOf(contexts: readonly ContextName[]): StructureClass | undefined {
  if (contexts.length === 0) return undefined;
  return structure(contexts.map((c) => ({ name: c, fieldClass: contextClass(c) })));
}

/**
 * LTTng's packet context without `cpu_id`: these buffers are per thread, not per CPU (as LTTng
 * 2.14's per-channel buffers, which drop it too).
 */
export function packetContextClass(): StructureClass {
  const u64 = (
    roles: (
      | 'default-clock-timestamp'
      | 'packet-end-default-clock-timestamp'
      | 'packet-content-length'
      | 'packet-total-length'
      | 'packet-sequence-number'
      | 'discarded-event-record-counter-snapshot'
    )[],
    mapsClock = false,
  ) => lttngUnsignedInteger(64, { roles, mapsClock });
  return structure([
    { name: 'timestamp_begin', fieldClass: u64(['default-clock-timestamp'], true) },
    { name: 'timestamp_end', fieldClass: u64(['packet-end-default-clock-timestamp'], true) },
    { name: 'content_size', fieldClass: u64(['packet-content-length']) },
    { name: 'packet_size', fieldClass: u64(['packet-total-length']) },
    { name: 'packet_seq_num', fieldClass: u64(['packet-sequence-number']) },
    { name: 'events_discarded', fieldClass: u64(['discarded-event-record-counter-snapshot']) },
  ]);
}

/** Byte offsets of the packet fields in the header + context (LTTng's layout, byte-aligned). */
export const PacketOffsets = {
  magic: 0,
  uuid: 4,
  streamId: 20,
  streamInstanceId: 24,
  tsBegin: 32,
  tsEnd: 40,
  contentSize: 48,
  packetSize: 56,
  seqNum: 64,
  discarded: 72,
  /** Total bytes of packet header + context. */
  size: 80,
} as const;

export function channelStreamClassOf(o: {
  id: number;
  name: string;
  clockClass: ClockClass;
  contexts: readonly ContextName[];
  eventRecordClasses?: readonly EventRecordClass[];
}): DataStreamClass {
  const ctx = commonContextClassOf(o.contexts);
  return dataStreamClass({
    id: o.id,
    name: o.name,
    defaultClockClass: o.clockClass,
    packetContextFieldClass: packetContextClass(),
    eventRecordHeaderFieldClass: lttngEventHeaderLargeFieldClass({ clockClassName: o.clockClass.name }),
    ...(ctx ? { eventRecordCommonContextFieldClass: ctx } : {}),
    eventRecordClasses: o.eventRecordClasses ?? [],
  });
}

export function clockClassOf(offsetNs: bigint, bootId: string | null): ClockClass {
  return lttngClockClass({ offsetNs, ...(bootId ? { uuid: uuidFromString(bootId) } : {}) });
}

export interface TraceEnvInfo {
  readonly pid: number;
  readonly procname: string;
  readonly hostname: string;
  readonly sessionName: string;
  /** `YYYYmmddTHHMMSS+hhmm`. */
  readonly creationDateTime: string;
  /** `YYYYmmdd-HHMMSS` of the process's registration (the per-PID directory's date). */
  readonly vpidDateTime: string;
}

/** The env LTTng-UST writes for a per-PID trace (specs/lttng.md §3.3). */
export function traceEnvironmentOf(e: TraceEnvInfo): Map<string, string | bigint> {
  return new Map<string, string | bigint>([
    ['domain', 'ust'],
    ['tracer_name', 'lttng-ust'],
    ['tracer_major', 2n],
    ['tracer_minor', 13n],
    ['tracer_patchlevel', 0n],
    ['tracer_buffering_scheme', 'pid'],
    ['tracer_buffering_id', BigInt(e.pid)],
    ['architecture_bit_width', 64n],
    ['vpid', BigInt(e.pid)],
    ['procname', e.procname],
    ['vpid_datetime', e.vpidDateTime],
    ['trace_name', e.sessionName],
    ['trace_creation_datetime', e.creationDateTime],
    ['hostname', e.hostname],
  ]);
}

export function traceClassOf(o: {
  uuid: string;
  clockClass: ClockClass;
  env: TraceEnvInfo;
  dataStreamClasses: readonly DataStreamClass[];
}): TraceClass {
  return lttngTraceClass({
    uuid: uuidFromString(o.uuid),
    clockClass: o.clockClass,
    environment: traceEnvironmentOf(o.env),
    dataStreamClasses: o.dataStreamClasses,
  });
}
