/**
 * The reader's decoding-ready trace description ("CTF IR"). Both metadata front ends (TSDL and
 * CTF 2 JSON) build it; passes (ctf-ir-passes.ts) then derive what decoding needs: special
 * meanings, resolved length/selector paths, which fields reach the printed output (`inIr`), and
 * stored-value slots. It is converted to the public model (src/ctf/model) by ir-to-model.ts.
 * Names are byte strings (one JS char per byte).
 */

export type IrByteOrder = 'le' | 'be';

/** Integer meanings babeltrace2 gives to well-known member names (CTF 2 roles). */
export const Meaning = {
  None: 0,
  PacketBeginningTime: 1,
  PacketEndTime: 2,
  EventClassId: 3,
  StreamClassId: 4,
  DataStreamId: 5,
  Magic: 6,
  PacketCounterSnapshot: 7,
  DiscardedEventsCounterSnapshot: 8,
  ExpectedPacketTotalSize: 9,
  ExpectedPacketContentSize: 10,
} as const;
export type Meaning = (typeof Meaning)[keyof typeof Meaning];

export const Scope = {
  PacketHeader: 0,
  PacketContext: 1,
  EventHeader: 2,
  EventCommonContext: 3,
  EventSpecificContext: 4,
  EventPayload: 5,
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

export const SCOPE_NAMES = [
  'trace.packet.header',
  'stream.packet.context',
  'stream.event.header',
  'stream.event.context',
  'event.context',
  'event.fields',
] as const;

export interface IrClockClass {
  name: string;
  description: string;
  frequency: bigint;
  precision: bigint;
  offsetSeconds: bigint;
  offsetCycles: bigint;
  uuid: Uint8Array | null;
  isAbsolute: boolean;
}

export interface IrRange {
  lower: bigint;
  upper: bigint;
}

export interface IrEnumMapping {
  label: string;
  ranges: IrRange[];
}

interface IrBase {
  alignment: number;
  /** Reaches the printed/IR output (babeltrace2's `in_ir`). */
  inIr: boolean;
}

export interface IrInt extends IrBase {
  type: 'int' | 'enum';
  size: number;
  byteOrder: IrByteOrder;
  isSigned: boolean;
  base: 2 | 8 | 10 | 16;
  encoding: 'none' | 'utf8';
  mappedClock: IrClockClass | null;
  meaning: Meaning;
  /** Slot in the stored-values array (sequence lengths, variant selectors), or -1. */
  storingIndex: number;
  /** Enumeration mappings (type 'enum'). */
  mappings: IrEnumMapping[];
  /** CTF 2 boolean: printed `true`/`false`. */
  isBool?: boolean;
}

export interface IrFloat extends IrBase {
  type: 'float';
  size: 32 | 64;
  byteOrder: IrByteOrder;
}

export interface IrString extends IrBase {
  type: 'string';
  encoding: 'none' | 'utf8';
}

export interface IrNamed {
  /** Name with one leading `_` removed (what is printed). */
  name: string;
  /** Name as written (what paths refer to). */
  origName: string;
  fc: IrFieldClass;
}

export interface IrStruct extends IrBase {
  type: 'struct';
  members: IrNamed[];
}

export interface IrFieldPath {
  root: Scope;
  /** Indexes from the root; -1 means "the current element" of an array or sequence. */
  path: number[];
}

export interface IrArray extends IrBase {
  type: 'array';
  elem: IrFieldClass;
  length: number;
  isText: boolean;
  /** The packet header `uuid` array. */
  isUuid: boolean;
}

export interface IrSequence extends IrBase {
  type: 'sequence';
  elem: IrFieldClass;
  lengthRef: string;
  lengthPath: IrFieldPath | null;
  lengthFc: IrInt | null;
  isText: boolean;
  storedLengthIndex: number;
}

export interface IrVariantRange {
  lower: bigint;
  upper: bigint;
  optionIndex: number;
}

export interface IrVariant extends IrBase {
  type: 'variant';
  options: IrNamed[];
  tagRef: string;
  tagPath: IrFieldPath | null;
  tagFc: IrInt | null;
  /** Selector ranges, in the selector enumeration's mapping order. */
  ranges: IrVariantRange[];
  /** CTF 2: the ranges are given by the metadata (any integer selector). */
  explicitRanges?: boolean;
  storedTagIndex: number;
}

export type IrFieldClass = IrInt | IrFloat | IrString | IrStruct | IrArray | IrSequence | IrVariant;

export interface IrEventClass {
  id: bigint;
  name: string;
  logLevel: number | null;
  emfUri: string;
  specContext: IrFieldClass | null;
  payload: IrFieldClass | null;
}

export interface IrStreamClass {
  id: bigint;
  packetContext: IrFieldClass | null;
  eventHeader: IrFieldClass | null;
  eventCommonContext: IrFieldClass | null;
  eventClasses: IrEventClass[];
  defaultClock: IrClockClass | null;
  packetsHaveTsBegin: boolean;
  packetsHaveTsEnd: boolean;
  hasDiscardedEvents: boolean;
  discardedEventsHaveCs: boolean;
  hasDiscardedPackets: boolean;
  discardedPacketsHaveCs: boolean;
}

export type IrEnvValue = { type: 'string'; value: string } | { type: 'int'; value: bigint };

export interface IrTraceClass {
  major: number;
  minor: number;
  uuid: Uint8Array | null;
  defaultByteOrder: IrByteOrder;
  packetHeader: IrFieldClass | null;
  clocks: IrClockClass[];
  streamClasses: IrStreamClass[];
  /** In declaration order; a repeated name replaces the value in place. */
  env: Map<string, IrEnvValue>;
  storedValueCount: number;
  /** Metadata format the trace class came from. */
  format: 'tsdl' | 'ctf2';
}

/** babeltrace2 strips one leading underscore from TSDL member names. */
export function strippedName(orig: string): string {
  return orig.startsWith('_') ? orig.slice(1) : orig;
}

export function irNamed(origName: string, fc: IrFieldClass): IrNamed {
  return { name: strippedName(origName), origName, fc };
}

export function isIrInt(fc: IrFieldClass | null | undefined): fc is IrInt {
  return !!fc && (fc.type === 'int' || fc.type === 'enum');
}

/** Deep copy (declarations are copied where used, as babeltrace2 does). */
function recopyNamed(m: IrNamed): IrNamed {
  return {
    ...m,
    origName: m.name,
    name: m.name.startsWith('_') ? m.name.slice(1) : m.name,
    fc: copyFieldClass(m.fc),
  };
}

export function copyFieldClass(fc: IrFieldClass): IrFieldClass {
  switch (fc.type) {
    case 'int':
    case 'enum':
      return {
        ...fc,
        mappings: fc.mappings.map((m) => ({ label: m.label, ranges: m.ranges.map((r) => ({ ...r })) })),
      };
    case 'float':
    case 'string':
      return { ...fc };
    case 'struct':
      // babeltrace2 copies members under their already-unescaped name, which is unescaped once more.
      return { ...fc, members: fc.members.map((m) => recopyNamed(m)) };
    case 'array':
      return { ...fc, elem: copyFieldClass(fc.elem) };
    case 'sequence':
      return { ...fc, elem: copyFieldClass(fc.elem), lengthPath: null, lengthFc: null };
    case 'variant':
      return {
        ...fc,
        options: fc.options.map((m) => recopyNamed(m)),
        tagPath: null,
        tagFc: null,
        ranges: [],
      };
  }
}

export function newStreamClass(id: bigint): IrStreamClass {
  return {
    id,
    packetContext: null,
    eventHeader: null,
    eventCommonContext: null,
    eventClasses: [],
    defaultClock: null,
    packetsHaveTsBegin: false,
    packetsHaveTsEnd: false,
    hasDiscardedEvents: false,
    discardedEventsHaveCs: false,
    hasDiscardedPackets: false,
    discardedPacketsHaveCs: false,
  };
}

/** Children of a compound field class (structure members, variant options, array element). */
export function compoundChildren(fc: IrFieldClass): IrFieldClass[] {
  switch (fc.type) {
    case 'struct':
      return fc.members.map((m) => m.fc);
    case 'variant':
      return fc.options.map((m) => m.fc);
    case 'array':
    case 'sequence':
      return [fc.elem];
    default:
      return [];
  }
}

export function structMemberByName(fc: IrFieldClass | null, name: string): IrNamed | undefined {
  if (fc?.type !== 'struct') return undefined;
  return fc.members.find((m) => m.name === name);
}
