/**
 * The trace class read from metadata (TSDL or CTF 2) as ttng's shared CTF model
 * (src/ctf/model, CTF 2 vocabulary), built with the model's validating factories: LTTng's special
 * members get their CTF 2 roles, TSDL field paths become absolute field locations, text arrays
 * and sequences become static/dynamic-length strings, TSDL names are the printed names (one
 * leading underscore removed) and are decoded from UTF-8.
 *
 * The model is stricter than babeltrace2 in a few places (for example two variant options selected
 * by one value): then a CtfModelError says why; the reader itself does not need the model.
 */
import { type ClockClass, clockClass } from '../model/clock-class.js';
import { type DataStreamClass, dataStreamClass } from '../model/data-stream-class.js';
import { eventRecordClass } from '../model/event-record-class.js';
import {
  type DisplayBase,
  dynamicLengthArray,
  dynamicLengthString,
  type FieldClass,
  type FieldRole,
  fixedLengthBoolean,
  fixedLengthFloatingPointNumber,
  fixedLengthInteger,
  nullTerminatedString,
  type StructureClass,
  staticLengthArray,
  staticLengthString,
  structure,
  variant,
} from '../model/field-class.js';
import { type FieldLocation, type FieldLocationOrigin, fieldLocation } from '../model/field-location.js';
import { type EnvironmentValue, type TraceClass, traceClass } from '../model/trace-class.js';
import {
  type IrClockClass,
  type IrFieldClass,
  type IrFieldPath,
  type IrInt,
  type IrTraceClass,
  Meaning,
  Scope,
} from './ctf-ir.js';
import { byteStringToText } from './decoder-compiler.js';

const ORIGINS: FieldLocationOrigin[] = [
  'packet-header',
  'packet-context',
  'event-record-header',
  'event-record-common-context',
  'event-record-specific-context',
  'event-record-payload',
];

const ROLE_OF_MEANING: Partial<Record<Meaning, FieldRole>> = {
  [Meaning.Magic]: 'packet-magic-number',
  [Meaning.StreamClassId]: 'data-stream-class-id',
  [Meaning.DataStreamId]: 'data-stream-id',
  [Meaning.PacketBeginningTime]: 'default-clock-timestamp',
  [Meaning.PacketEndTime]: 'packet-end-default-clock-timestamp',
  [Meaning.DiscardedEventsCounterSnapshot]: 'discarded-event-record-counter-snapshot',
  [Meaning.PacketCounterSnapshot]: 'packet-sequence-number',
  [Meaning.ExpectedPacketTotalSize]: 'packet-total-length',
  [Meaning.ExpectedPacketContentSize]: 'packet-content-length',
  [Meaning.EventClassId]: 'event-record-class-id',
};

const text = byteStringToText;

class Converter {
  /** The scope roots being converted (to turn index paths into member names). */
  readonly roots: (IrFieldClass | null)[] = [null, null, null, null, null, null];
  readonly clocks = new Map<IrClockClass, ClockClass>();

  location(p: IrFieldPath): FieldLocation {
    let fc = this.roots[p.root] ?? null;
    const names: string[] = [];
    for (const i of p.path) {
      if (!fc) break;
      if (fc.type === 'struct') {
        const m = fc.members[i]!;
        names.push(text(m.name));
        fc = m.fc;
      } else if (fc.type === 'variant') {
        // CTF 2 locations go through variants without naming the option.
        fc = fc.options[i]!.fc;
      } else if (fc.type === 'array' || fc.type === 'sequence') {
        fc = fc.elem;
      } else break;
    }
    return fieldLocation(ORIGINS[p.root]!, ...names);
  }

  int(fc: IrInt): FieldClass {
    if (fc.isBool)
      return fixedLengthBoolean({
        lengthBits: fc.size,
        byteOrder: fc.byteOrder,
        alignmentBits: fc.alignment,
      });
    const roles: FieldRole[] = [];
    const role = ROLE_OF_MEANING[fc.meaning];
    if (role) roles.push(role);
    else if (fc.mappedClock) roles.push('default-clock-timestamp');
    return fixedLengthInteger({
      lengthBits: fc.size,
      signed: fc.isSigned,
      byteOrder: fc.byteOrder,
      alignmentBits: fc.alignment,
      preferredDisplayBase: fc.base as DisplayBase,
      mappings: mergeMappings(fc),
      roles,
      ...(fc.encoding === 'utf8' && fc.size === 8 ? { encoding: 'utf-8' as const } : {}),
      ...(fc.mappedClock ? { mappedClockClassName: text(fc.mappedClock.name) } : {}),
    });
  }

  field(fc: IrFieldClass): FieldClass {
    switch (fc.type) {
      case 'int':
      case 'enum':
        return this.int(fc);
      case 'float':
        return fixedLengthFloatingPointNumber({
          lengthBits: fc.size,
          byteOrder: fc.byteOrder,
          alignmentBits: fc.alignment,
        });
      case 'string':
        return nullTerminatedString();
      case 'struct':
        return this.struct(fc);
      case 'array':
        if (fc.isText) return staticLengthString(fc.length);
        return staticLengthArray(this.field(fc.elem), fc.length, { minimumAlignmentBits: fc.alignment });
      case 'sequence': {
        const loc = this.location(fc.lengthPath!);
        if (fc.isText) return dynamicLengthString(loc);
        return dynamicLengthArray(this.field(fc.elem), loc, { minimumAlignmentBits: fc.alignment });
      }
      case 'variant': {
        const loc = this.location(fc.tagPath!);
        return variant(
          loc,
          fc.options.map((o, i) => ({
            name: text(o.name),
            fieldClass: this.field(o.fc),
            selectorFieldRanges: fc.ranges
              .filter((r) => r.optionIndex === i)
              .map((r) => ({ lower: r.lower, upper: r.upper })),
          })),
        );
      }
    }
  }

  struct(fc: IrFieldClass & { type: 'struct' }): StructureClass {
    return structure(
      fc.members.map((m) => ({ name: text(m.name), fieldClass: this.field(m.fc) })),
      { minimumAlignmentBits: fc.alignment },
    );
  }

  scope(root: Scope, fc: IrFieldClass | null): StructureClass | undefined {
    this.roots[root] = fc;
    if (fc?.type !== 'struct') return undefined;
    return this.struct(fc);
  }
}

/** babeltrace2 allows a label twice (its ranges add up); the model wants one mapping per name. */
function mergeMappings(fc: IrInt): { name: string; ranges: { lower: bigint; upper: bigint }[] }[] {
  const byName = new Map<string, { lower: bigint; upper: bigint }[]>();
  for (const m of fc.mappings) {
    const name = text(m.label);
    const rs = byName.get(name) ?? [];
    for (const r of m.ranges) rs.push({ lower: r.lower, upper: r.upper });
    byName.set(name, rs);
  }
  return [...byName].map(([name, ranges]) => ({ name, ranges }));
}

/** The trace class as ttng's CTF model. Throws CtfModelError where the model is stricter. */
export function irToModel(tc: IrTraceClass): TraceClass {
  const c = new Converter();
  const clocks = tc.clocks.map((cc) => {
    const m = clockClass({
      name: text(cc.name),
      ...(cc.description ? { description: text(cc.description) } : {}),
      frequency: cc.frequency,
      offsetSeconds: cc.offsetSeconds,
      offsetCycles: cc.offsetCycles,
      precisionCycles: cc.precision,
      ...(cc.uuid ? { uuid: cc.uuid } : {}),
      originIsUnixEpoch: cc.isAbsolute,
    });
    c.clocks.set(cc, m);
    return m;
  });
  const packetHeader = c.scope(Scope.PacketHeader, tc.packetHeader);
  const dscs: DataStreamClass[] = tc.streamClasses.map((sc) => {
    const packetContext = c.scope(Scope.PacketContext, sc.packetContext);
    const header = c.scope(Scope.EventHeader, sc.eventHeader);
    const common = c.scope(Scope.EventCommonContext, sc.eventCommonContext);
    const ercs = sc.eventClasses.map((ec) =>
      eventRecordClass({
        id: Number(ec.id),
        name: text(ec.name),
        ...(ec.logLevel !== null ? { logLevel: ec.logLevel } : {}),
        ...(ec.emfUri ? { emfUri: text(ec.emfUri) } : {}),
        ...(ec.specContext
          ? { specificContextFieldClass: c.scope(Scope.EventSpecificContext, ec.specContext)! }
          : {}),
        ...(ec.payload ? { payloadFieldClass: c.scope(Scope.EventPayload, ec.payload)! } : {}),
      }),
    );
    return dataStreamClass({
      id: Number(sc.id),
      ...(sc.defaultClock ? { defaultClockClass: c.clocks.get(sc.defaultClock)! } : {}),
      ...(packetContext ? { packetContextFieldClass: packetContext } : {}),
      ...(header ? { eventRecordHeaderFieldClass: header } : {}),
      ...(common ? { eventRecordCommonContextFieldClass: common } : {}),
      eventRecordClasses: ercs,
    });
  });
  const env = new Map<string, EnvironmentValue>();
  for (const [k, v] of tc.env) env.set(text(k), v.type === 'string' ? text(v.value) : v.value);
  return traceClass({
    ...(tc.uuid ? { uuid: tc.uuid } : {}),
    nativeByteOrder: tc.defaultByteOrder,
    environment: env,
    ...(packetHeader ? { packetHeaderFieldClass: packetHeader } : {}),
    clockClasses: clocks,
    dataStreamClasses: dscs,
  });
}
