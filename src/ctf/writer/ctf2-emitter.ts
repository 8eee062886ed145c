/**
 * CTF 2 metadata (specs/lttng.md §3.4; CTF2-SPEC-2.0): a JSON text sequence (RFC 7464), each
 * fragment `0x1E` + one JSON object + `\n`: preamble, trace class, clock classes, data stream
 * classes, event record classes. Appending a class appends its fragment. Integers beyond 2^53
 * (enumeration ranges, clock offsets) are written exactly.
 */
import type { ClockClass } from '../model/clock-class.js';
import type { DataStreamClass } from '../model/data-stream-class.js';
import { type EventRecordClass, LogLevel } from '../model/event-record-class.js';
import {
  type FieldClass,
  FieldClassKind,
  type IntegerRange,
  type StructureClass,
} from '../model/field-class.js';
import type { FieldLocation } from '../model/field-location.js';
import { type TraceClass, uuidToString } from '../model/trace-class.js';

/** Record separator that starts every fragment. */
export const CTF2_RECORD_SEPARATOR = '\u001e';

/** LTTng's namespace for its attributes and its trace class. */
export const LTTNG_NAMESPACE = 'lttng.org,2009';

type Json =
  | null
  | boolean
  | number
  | bigint
  | string
  | readonly Json[]
  | { readonly [k: string]: Json | undefined };

/** JSON text with bigints written as exact integers. */
export function toJson(v: Json): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'bigint':
      return v.toString();
    case 'number':
      if (!Number.isFinite(v)) throw new Error(`JSON cannot hold ${v}`);
      return JSON.stringify(v);
    case 'string':
    case 'boolean':
      return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${(v as readonly Json[]).map(toJson).join(',')}]`;
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v as Record<string, Json | undefined>)) {
    if (x === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${toJson(x)}`);
  }
  return `{${parts.join(',')}}`;
}

function fragment(o: Json): string {
  return `${CTF2_RECORD_SEPARATOR}${toJson(o)}\n`;
}

const byteOrderName = (bo: 'le' | 'be') => (bo === 'le' ? 'little-endian' : 'big-endian');

function ranges(rs: readonly IntegerRange[]): Json {
  return rs.map((r) => [r.lower, r.upper]);
}

function location(loc: FieldLocation): Json {
  return { origin: loc.origin, path: [...loc.path] };
}

function withAttributes(o: Record<string, Json | undefined>, attributes?: Readonly<Record<string, unknown>>) {
  if (attributes && Object.keys(attributes).length > 0) o.attributes = attributes as Json;
  return o;
}

/** The CTF 2 JSON of a field class. */
export function ctf2FieldClass(fc: FieldClass): Json {
  switch (fc.kind) {
    case FieldClassKind.FixedLengthBitArray:
    case FieldClassKind.FixedLengthBoolean:
      return {
        type:
          fc.kind === FieldClassKind.FixedLengthBoolean ? 'fixed-length-boolean' : 'fixed-length-bit-array',
        length: fc.lengthBits,
        'byte-order': byteOrderName(fc.byteOrder),
        alignment: fc.alignmentBits === 1 ? undefined : fc.alignmentBits,
      };
    case FieldClassKind.FixedLengthUnsignedInteger:
    case FieldClassKind.FixedLengthSignedInteger: {
      const mappings: Record<string, Json> = {};
      for (const m of fc.mappings) mappings[m.name] = ranges(m.ranges);
      return withAttributes(
        {
          type:
            fc.kind === FieldClassKind.FixedLengthSignedInteger
              ? 'fixed-length-signed-integer'
              : 'fixed-length-unsigned-integer',
          length: fc.lengthBits,
          'byte-order': byteOrderName(fc.byteOrder),
          alignment: fc.alignmentBits === 1 ? undefined : fc.alignmentBits,
          'preferred-display-base': fc.preferredDisplayBase === 10 ? undefined : fc.preferredDisplayBase,
          mappings: fc.mappings.length ? mappings : undefined,
          roles: fc.roles.length ? [...fc.roles] : undefined,
        },
        fc.attributes,
      );
    }
    case FieldClassKind.FixedLengthFloatingPointNumber:
      return withAttributes(
        {
          type: 'fixed-length-floating-point-number',
          length: fc.lengthBits,
          'byte-order': byteOrderName(fc.byteOrder),
          alignment: fc.alignmentBits === 1 ? undefined : fc.alignmentBits,
        },
        fc.attributes,
      );
    case FieldClassKind.VariableLengthUnsignedInteger:
    case FieldClassKind.VariableLengthSignedInteger: {
      const mappings: Record<string, Json> = {};
      for (const m of fc.mappings) mappings[m.name] = ranges(m.ranges);
      return {
        type:
          fc.kind === FieldClassKind.VariableLengthSignedInteger
            ? 'variable-length-signed-integer'
            : 'variable-length-unsigned-integer',
        'preferred-display-base': fc.preferredDisplayBase === 10 ? undefined : fc.preferredDisplayBase,
        mappings: fc.mappings.length ? mappings : undefined,
        roles: fc.roles.length ? [...fc.roles] : undefined,
      };
    }
    case FieldClassKind.NullTerminatedString:
      return withAttributes({ type: 'null-terminated-string' }, fc.attributes);
    case FieldClassKind.StaticLengthString:
      return { type: 'static-length-string', length: fc.lengthBytes };
    case FieldClassKind.DynamicLengthString:
      return { type: 'dynamic-length-string', 'length-field-location': location(fc.lengthFieldLocation) };
    case FieldClassKind.StaticLengthBlob:
      return {
        type: 'static-length-blob',
        length: fc.lengthBytes,
        'media-type': fc.mediaType === 'application/octet-stream' ? undefined : fc.mediaType,
        roles: fc.roles.length ? [...fc.roles] : undefined,
      };
    case FieldClassKind.DynamicLengthBlob:
      return {
        type: 'dynamic-length-blob',
        'length-field-location': location(fc.lengthFieldLocation),
        'media-type': fc.mediaType === 'application/octet-stream' ? undefined : fc.mediaType,
      };
    case FieldClassKind.Structure:
      return withAttributes(
        {
          type: 'structure',
          'member-classes': fc.memberClasses.map((m) =>
            withAttributes({ name: m.name, 'field-class': ctf2FieldClass(m.fieldClass) }, m.attributes),
          ),
          'minimum-alignment': fc.minimumAlignmentBits === 1 ? undefined : fc.minimumAlignmentBits,
        },
        fc.attributes,
      );
    case FieldClassKind.StaticLengthArray:
      return {
        type: 'static-length-array',
        'element-field-class': ctf2FieldClass(fc.elementFieldClass),
        length: fc.length,
        'minimum-alignment': fc.minimumAlignmentBits === 1 ? undefined : fc.minimumAlignmentBits,
      };
    case FieldClassKind.DynamicLengthArray:
      return {
        type: 'dynamic-length-array',
        'element-field-class': ctf2FieldClass(fc.elementFieldClass),
        'length-field-location': location(fc.lengthFieldLocation),
        'minimum-alignment': fc.minimumAlignmentBits === 1 ? undefined : fc.minimumAlignmentBits,
      };
    case FieldClassKind.Optional:
      return {
        type: 'optional',
        'field-class': ctf2FieldClass(fc.fieldClass),
        'selector-field-location': location(fc.selectorFieldLocation),
        'selector-field-ranges': fc.selectorFieldRanges ? ranges(fc.selectorFieldRanges) : undefined,
      };
    case FieldClassKind.Variant:
      return {
        type: 'variant',
        'selector-field-location': location(fc.selectorFieldLocation),
        options: fc.options.map((o) =>
          withAttributes(
            {
              name: o.name,
              'field-class': ctf2FieldClass(o.fieldClass),
              'selector-field-ranges': ranges(o.selectorFieldRanges),
            },
            o.attributes,
          ),
        ),
      };
  }
}

const LOG_LEVEL_NAMES: Record<number, string> = {
  [LogLevel.EMERG]: 'emergency',
  [LogLevel.ALERT]: 'alert',
  [LogLevel.CRIT]: 'critical',
  [LogLevel.ERR]: 'error',
  [LogLevel.WARNING]: 'warning',
  [LogLevel.NOTICE]: 'notice',
  [LogLevel.INFO]: 'info',
  [LogLevel.DEBUG_SYSTEM]: 'debug:system',
  [LogLevel.DEBUG_PROGRAM]: 'debug:program',
  [LogLevel.DEBUG_PROCESS]: 'debug:process',
  [LogLevel.DEBUG_MODULE]: 'debug:module',
  [LogLevel.DEBUG_UNIT]: 'debug:unit',
  [LogLevel.DEBUG_FUNCTION]: 'debug:function',
  [LogLevel.DEBUG_LINE]: 'debug:line',
  [LogLevel.DEBUG]: 'debug',
};

/** CTF 2 spelling of an LTTng log level (`debug:line`). */
export function ctf2LogLevelName(level: number): string {
  return LOG_LEVEL_NAMES[level] ?? String(level);
}

function clockFragment(cc: ClockClass): string {
  const total = cc.offsetSeconds * cc.frequency + cc.offsetCycles;
  let seconds = total / cc.frequency;
  let cycles = total - seconds * cc.frequency;
  if (cycles < 0n) {
    seconds -= 1n;
    cycles += cc.frequency;
  }
  return fragment({
    type: 'clock-class',
    id: cc.name,
    name: cc.name,
    description: cc.description,
    frequency: cc.frequency,
    origin: cc.originIsUnixEpoch ? 'unix-epoch' : undefined,
    'offset-from-origin': { seconds, cycles },
    precision: cc.precisionCycles,
    uid: cc.uuid ? uuidToString(cc.uuid) : undefined,
  });
}

/**
 * The packet header, with LTTng's `uint8_t uuid[16]` written as CTF 2 writes it: a 16-byte blob
 * with the `metadata-stream-uuid` role (same bytes, same alignment).
 */
function packetHeader(fc: StructureClass): Json {
  const json = ctf2FieldClass(fc) as { 'member-classes': { name: string; 'field-class': Json }[] };
  fc.memberClasses.forEach((m, i) => {
    const f = m.fieldClass;
    if (
      m.name === 'uuid' &&
      f.kind === FieldClassKind.StaticLengthArray &&
      f.length === 16 &&
      f.elementFieldClass.kind === FieldClassKind.FixedLengthUnsignedInteger &&
      f.elementFieldClass.lengthBits === 8 &&
      f.elementFieldClass.alignmentBits === 8
    ) {
      json['member-classes'][i]!['field-class'] = {
        type: 'static-length-blob',
        length: 16,
        roles: ['metadata-stream-uuid'],
      };
    }
  });
  return json as Json;
}

/** Preamble, trace class and clock class fragments. */
export function ctf2Preamble(tc: TraceClass): string {
  const env: Record<string, Json> = {};
  for (const [k, v] of tc.environment) env[k] = v;
  return [
    fragment({ type: 'preamble', version: 2, uuid: tc.uuid ? Array.from(tc.uuid) : undefined }),
    fragment({
      type: 'trace-class',
      namespace: tc.namespace,
      name: tc.name,
      uid: tc.uuid ? uuidToString(tc.uuid) : undefined,
      environment: tc.environment.size ? env : undefined,
      'packet-header-field-class': tc.packetHeaderFieldClass
        ? packetHeader(tc.packetHeaderFieldClass)
        : undefined,
    }),
    ...tc.clockClasses.map(clockFragment),
  ].join('');
}

export function ctf2DataStreamClass(dsc: DataStreamClass): string {
  return fragment({
    type: 'data-stream-class',
    id: dsc.id,
    name: dsc.name,
    'default-clock-class-id': dsc.defaultClockClass?.name,
    'packet-context-field-class': dsc.packetContextFieldClass
      ? ctf2FieldClass(dsc.packetContextFieldClass)
      : undefined,
    'event-record-header-field-class': dsc.eventRecordHeaderFieldClass
      ? ctf2FieldClass(dsc.eventRecordHeaderFieldClass)
      : undefined,
    'event-record-common-context-field-class': dsc.eventRecordCommonContextFieldClass
      ? ctf2FieldClass(dsc.eventRecordCommonContextFieldClass)
      : undefined,
  });
}

export function ctf2EventRecordClass(dsc: DataStreamClass, erc: EventRecordClass): string {
  const lttng: Record<string, Json> = {};
  if (erc.logLevel !== undefined) lttng['log-level'] = ctf2LogLevelName(erc.logLevel);
  if (erc.emfUri !== undefined) lttng['emf-uri'] = erc.emfUri;
  const attributes = { ...(erc.attributes as Record<string, Json> | undefined) };
  if (Object.keys(lttng).length)
    attributes[LTTNG_NAMESPACE] = { ...(attributes[LTTNG_NAMESPACE] as object), ...lttng };
  return fragment({
    type: 'event-record-class',
    id: erc.id,
    'data-stream-class-id': dsc.id,
    name: erc.name,
    'specific-context-field-class': erc.specificContextFieldClass
      ? ctf2FieldClass(erc.specificContextFieldClass)
      : undefined,
    'payload-field-class': erc.payloadFieldClass ? ctf2FieldClass(erc.payloadFieldClass) : undefined,
    attributes: Object.keys(attributes).length ? attributes : undefined,
  });
}

/** The whole CTF 2 metadata stream for a trace class. */
export function emitCtf2(
  tc: TraceClass,
  eventRecordClasses?: ReadonlyMap<number, readonly EventRecordClass[]>,
): string {
  const parts = [ctf2Preamble(tc)];
  for (const dsc of tc.dataStreamClasses) parts.push(ctf2DataStreamClass(dsc));
  for (const dsc of tc.dataStreamClasses) {
    for (const erc of eventRecordClasses?.get(dsc.id) ?? dsc.eventRecordClasses)
      parts.push(ctf2EventRecordClass(dsc, erc));
  }
  return parts.join('');
}
