/**
 * Generates one JavaScript function per event record class (barectf's idea) that writes the event
 * header, the common context, the specific context and the payload straight into a byte buffer,
 * following CTF's alignment and bit-packing rules exactly. Everything the model says is decided
 * here, once: byte order, alignment, sizes, bounds checks, which length fields are computed from
 * which arrays. The generated code only moves bits.
 *
 * Positions are bit offsets (`b`), kept with a compile-time offset (`off`) from the last run-time
 * synchronization, so a run of fixed-size fields costs one bounds check and constant offsets.
 * When the alignment of `b` is known to be at least 8, `p` is `b >>> 3` and fields whose bit
 * offset inside their byte is known at compile time are written with DataView calls or unrolled
 * byte stores; elsewhere a run-time bit writer is called.
 *
 * Every byte a record touches is written completely (bits after a bit field's end are cleared,
 * alignment gaps are zeroed), so a record's bytes do not depend on what the buffer held before. A
 * failed write (no room, bad value) zeroes what it touched and does not advance the position.
 */
import type { DataStreamClass } from '../model/data-stream-class.js';
import type { EventRecordClass } from '../model/event-record-class.js';
import {
  type DynamicLengthArrayClass,
  type FieldClass,
  FieldClassKind,
  type FixedLengthIntegerClass,
  fieldClassAlignmentBits,
  type StructureClass,
} from '../model/field-class.js';
import type { FieldLocation, FieldLocationOrigin } from '../model/field-location.js';
import {
  LTTNG_COMPACT_ID_LIMIT,
  LTTNG_COMPACT_TIMESTAMP_BITS,
  LTTNG_LARGE_ID_LIMIT,
  LTTNG_LARGE_TIMESTAMP_BITS,
  lttngEventHeaderKindOf,
} from '../model/lttng-layout.js';
import type { TraceClass } from '../model/trace-class.js';
import { CtfWriterError } from './errors.js';
import * as runtime from './serializer-runtime.js';

// ---------------------------------------------------------------------------------------------
// Public types

/** Indexes of the caller-provided timestamp state (a Uint32Array of TS_STATE_LENGTH). */
export const TsState = {
  /** High 32 bits of the previous record's timestamp in this buffer. */
  LastHi: 0,
  /** Low 32 bits of the previous record's timestamp. */
  LastLo: 1,
  /** Non-zero: the next record must carry its full timestamp (set it when a packet begins). */
  ForceFull: 2,
} as const;
export const TS_STATE_LENGTH = 3;

/** A fresh timestamp state: the first record gets a full (extended) timestamp. */
export function createTimestampState(): Uint32Array {
  const st = new Uint32Array(TS_STATE_LENGTH);
  st[TsState.ForceFull] = 1;
  return st;
}

/**
 * `write(u8, dv, atBits, endBits, tsState, tsHi, tsLo, ...args)`: writes one record at `atBits`
 * (aligned up to the event header's alignment) and returns the bit position after it, or
 * `SerializeStatus.NoSpace` (-1) when it would pass `endBits`. `u8` and `dv` view the same bytes
 * from the same offset; positions are below 2^31 bits (buffers up to 256 MiB). `tsHi`/`tsLo` are
 * the timestamp's 32-bit halves. Throws CtfValueError for a value that does not fit its field.
 */
export type PositionalWriteFunction = (
  u8: Uint8Array,
  dv: DataView,
  atBits: number,
  endBits: number,
  tsState: Uint32Array,
  tsHi: number,
  tsLo: number,
  ...args: unknown[]
) => number;

/** Same as PositionalWriteFunction with the three scopes as objects keyed by member name. */
export type ObjectWriteFunction = (
  u8: Uint8Array,
  dv: DataView,
  atBits: number,
  endBits: number,
  tsState: Uint32Array,
  tsHi: number,
  tsLo: number,
  commonContext: unknown,
  specificContext: unknown,
  payload: unknown,
) => number;

export interface CompiledEventRecordSerializer {
  readonly dataStreamClass: DataStreamClass;
  readonly eventRecordClass: EventRecordClass;
  /**
   * The positional arguments after `tsLo`, in order: common context members, specific context
   * members, payload members (declaration order), without the length fields the serializer
   * computes. Context members are named `context.NAME` and `event-context.NAME`.
   */
  readonly argumentNames: readonly string[];
  readonly write: PositionalWriteFunction;
  readonly writeObjects: ObjectWriteFunction;
  /** Which event header the stream uses. */
  readonly eventHeader: 'lttng-compact' | 'lttng-large' | 'generic' | 'none';
  /** The generated source, for debugging and tests. */
  readonly source: string;
}

/**
 * Where a transcoded field's value comes from: bytes of a source record (another tracer's binary
 * record, such as an ftrace event), at offsets from the record's start (`sp`). The generated code
 * reads them with the source's byte order and writes them in the field's, with no JavaScript value
 * in between. Integers are written modulo 2^lengthBits (their low bits): when the value is in the
 * field's range, the bytes are those the serializer writes for that value.
 */
export type FieldSource =
  /**
   * A fixed-length integer (enumerations and bit arrays too) from the integer of `sizeBytes` (1,
   * 2, 4 or 8) at `offsetBytes`, plus `addend` (sources of up to 4 bytes only). A narrower source
   * is sign- or zero-extended (`signed`), a wider one truncated.
   */
  | {
      readonly kind: 'integer';
      readonly offsetBytes: number;
      readonly sizeBytes: 1 | 2 | 4 | 8;
      readonly signed: boolean;
      readonly byteOrder: ByteOrderName;
      readonly addend?: number;
    }
  /**
   * A static-length array of fixed-length integers (alignment of at least 8 bits, sizes multiple
   * of 8) from consecutive source integers of `sizeBytes` each, starting at `offsetBytes`.
   */
  | {
      readonly kind: 'integer-array';
      readonly offsetBytes: number;
      readonly sizeBytes: 1 | 2 | 4 | 8;
      readonly signed: boolean;
      readonly byteOrder: ByteOrderName;
    }
  /**
   * A static-length array of 8-bit integers (LTTng's text arrays: `char comm[16]`) or a
   * static-length blob: its bytes copied as they are from `offsetBytes`.
   */
  | { readonly kind: 'bytes'; readonly offsetBytes: number }
  /**
   * A null-terminated string: the source bytes from `offsetBytes` to the end of the source record
   * (`sl`), up to the first NUL, copied as they are, then a NUL.
   */
  | { readonly kind: 'string'; readonly offsetBytes: number }
  /**
   * A null-terminated string whose place is given by a 32-bit descriptor at
   * `descriptorOffsetBytes`: `(lengthBytes << 16) | offsetBytes` (ftrace's `__data_loc`), the
   * offset counted from the record's start, or from the end of the descriptor when `relative`
   * (`__rel_loc`). The range is clipped to the record; the bytes up to the first NUL are copied.
   */
  | {
      readonly kind: 'located-string';
      readonly descriptorOffsetBytes: number;
      readonly byteOrder: ByteOrderName;
      readonly relative?: boolean;
    };

type ByteOrderName = 'le' | 'be';

/**
 * `write(u8, dv, atBits, endBits, tsState, ts, src, sv, sp, sl, values)`: as
 * PositionalWriteFunction, with the timestamp in `ts` (a Uint32Array: high half at 0, low half at
 * 1), the sourced fields read from the source record `[sp, sp + sl)` of `src` (a Uint8Array) and
 * `sv` (a DataView over the same bytes from the same offset), and the other arguments taken from
 * `values` (an array, in `valueArgumentNames` order; ignored when there are none). Fixed-offset
 * sources must lie inside the record: the caller vouches for that. The timestamp comes in an
 * array because a transcoder is called through sites that see many classes: a low half above
 * 2^30 passed as a number would be boxed (allocated) at each call.
 */
export type TranscodeWriteFunction = (
  u8: Uint8Array,
  dv: DataView,
  atBits: number,
  endBits: number,
  tsState: Uint32Array,
  ts: Uint32Array,
  src: Uint8Array,
  sv: DataView,
  sp: number,
  sl: number,
  values: readonly unknown[] | undefined,
) => number;

export interface CompiledEventRecordTranscoder {
  readonly dataStreamClass: DataStreamClass;
  readonly eventRecordClass: EventRecordClass;
  /** Every argument, as the serializer's `argumentNames`. */
  readonly argumentNames: readonly string[];
  /** The arguments that have no source, in the order `values` gives them. */
  readonly valueArgumentNames: readonly string[];
  readonly write: TranscodeWriteFunction;
  readonly eventHeader: 'lttng-compact' | 'lttng-large' | 'generic' | 'none';
  /** The generated source, for debugging and tests. */
  readonly source: string;
}

/** `(u8, dv, atBits, endBits, value) => newAtBits | -1` for one structure given as an object. */
export type StructureWriteFunction = (
  u8: Uint8Array,
  dv: DataView,
  atBits: number,
  endBits: number,
  value: unknown,
) => number;

// ---------------------------------------------------------------------------------------------
// Static layout facts

function lowBit(n: number): number {
  // Largest power of two dividing n (n > 0), capped so it stays an int.
  if (n === 0) return 1 << 30;
  return n & -n;
}

function roundUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Size in bits of a field of this class when it never varies, else null. */
export function fixedSizeBits(fc: FieldClass): number | null {
  switch (fc.kind) {
    case FieldClassKind.FixedLengthBitArray:
    case FieldClassKind.FixedLengthBoolean:
    case FieldClassKind.FixedLengthUnsignedInteger:
    case FieldClassKind.FixedLengthSignedInteger:
    case FieldClassKind.FixedLengthFloatingPointNumber:
      return fc.lengthBits;
    case FieldClassKind.StaticLengthString:
    case FieldClassKind.StaticLengthBlob:
      return fc.lengthBytes * 8;
    case FieldClassKind.Structure: {
      let off = 0;
      for (const m of fc.memberClasses) {
        const s = fixedSizeBits(m.fieldClass);
        if (s === null) return null;
        off = roundUp(off, fieldClassAlignmentBits(m.fieldClass)) + s;
      }
      return off;
    }
    case FieldClassKind.StaticLengthArray: {
      if (fc.length === 0) return 0;
      const s = fixedSizeBits(fc.elementFieldClass);
      if (s === null) return null;
      const a = fieldClassAlignmentBits(fc.elementFieldClass);
      return (fc.length - 1) * roundUp(s, a) + s;
    }
    default:
      return null;
  }
}

function isTextElement(fc: FieldClass): boolean {
  return fc.kind === FieldClassKind.FixedLengthUnsignedInteger ||
    fc.kind === FieldClassKind.FixedLengthSignedInteger
    ? fc.lengthBits === 8 && fc.encoding === 'utf-8' && fc.alignmentBits <= 8 && fc.mappings.length === 0
    : false;
}

const ORIGIN_PREFIX: Record<FieldLocationOrigin, string> = {
  'packet-header': 'packet.header.',
  'packet-context': 'packet.context.',
  'event-record-header': 'header.',
  'event-record-common-context': 'context.',
  'event-record-specific-context': 'event-context.',
  'event-record-payload': '',
};

function locKey(origin: FieldLocationOrigin, path: readonly string[]): string {
  return `${origin}\u0000${path.join('\u0000')}`;
}

interface FieldInfo {
  readonly fc: FieldClass;
  readonly origin: FieldLocationOrigin;
  /** Member names from the scope's root structure (arrays, variants, optionals are transparent). */
  readonly path: readonly string[];
  /** Class at each prefix of `path` (chain[i] is the class of the member path[i]). */
  readonly chain: readonly FieldClass[];
}

interface Target {
  readonly kind: 'length' | 'selector';
  readonly varName: string;
  readonly fc: FieldClass;
  readonly label: string;
  readonly referrers: FieldInfo[];
}

/** Resolves a field location to its class, through structures only. */
function classAt(root: FieldClass | undefined, path: readonly string[]): FieldClass | undefined {
  if (path.length === 0) return root;
  let cur: FieldClass | undefined = root;
  // Arrays, optionals and variants are transparent in a location path (CTF 2 §5.3.6); a variant
  // stands for the option that has the member.
  while (cur) {
    if (cur.kind === FieldClassKind.StaticLengthArray || cur.kind === FieldClassKind.DynamicLengthArray) {
      cur = cur.elementFieldClass;
    } else if (cur.kind === FieldClassKind.Optional) cur = cur.fieldClass;
    else if (cur.kind === FieldClassKind.Variant) {
      for (const o of cur.options) {
        const r = classAt(o.fieldClass, path);
        if (r) return r;
      }
      return undefined;
    } else break;
  }
  if (!cur || cur.kind !== FieldClassKind.Structure) return undefined;
  const [name, ...rest] = path;
  return classAt(cur.memberClasses.find((m) => m.name === name)?.fieldClass, rest);
}

// ---------------------------------------------------------------------------------------------
// The generator

type Raw = { lo: string; hi: string | null };

interface PosState {
  off: number;
  balign: number;
  checked: number;
}

interface ScopeEntry {
  expr: string;
  fc: FieldClass;
  /** For arrays: the entry stands for the current element. */
  inside: boolean;
}

class Generator {
  readonly lines: string[] = [];
  private depth = 1;
  private n = 0;
  readonly decls: string[] = [];
  readonly consts: unknown[] = [];
  private s: PosState = { off: 0, balign: 8, checked: 0 };
  private readonly scope = new Map<string, ScopeEntry>();
  private readonly assigned = new Set<string>();
  /** Fields whose value the generator computes (length fields), by location key. */
  readonly targets = new Map<string, Target>();
  private lastByteOrder: 'le' | 'be' | null = null;
  /** True until the record's first write: a failed bounds check there has nothing to zero. */
  atRecordStart = false;
  /** Transcoders: fields read from a source record instead of a value, by location key. */
  sources: ReadonlyMap<string, FieldSource> | undefined;

  constructor(
    /** JS string literal of the event record class name, for messages. */
    readonly ercLit: string,
    readonly ercName: string,
    readonly roots: Partial<Record<FieldLocationOrigin, StructureClass>>,
  ) {}

  // --- emission -------------------------------------------------------------------------------

  emit(line: string): void {
    this.lines.push('  '.repeat(this.depth) + line);
  }
  open(line: string): void {
    this.emit(line);
    this.depth++;
  }
  close(line = '}'): void {
    this.depth--;
    this.emit(line);
  }
  /** Closes a block and opens the next one (`} else {`). */
  elseBranch(line = '} else {'): void {
    this.close(line);
    this.depth++;
  }
  v(prefix: string): string {
    return `${prefix}${this.n++}`;
  }
  /** A constant of the generated code: `K<i>`, a closure variable (see instantiate). */
  konst(value: unknown): string {
    this.consts.push(value);
    return `K${this.consts.length - 1}`;
  }

  /** Byte index of the current position + `bits` (requires balign >= 8 and a byte boundary). */
  private byteAt(bits: number): string {
    const k = bits >>> 3;
    return k === 0 ? 'p' : `p + ${k}`;
  }
  private curByteExpr(): string {
    return this.s.off === 0 ? '((b + 7) >>> 3)' : `((b + ${this.s.off + 7}) >>> 3)`;
  }
  noSpace(): string {
    // Before the record's first write (the event header's bounds check) there is nothing to zero.
    if (this.atRecordStart && this.s.off === 0) return 'return -1;';
    return `{ $zero(u8, s0, ${this.curByteExpr()}); return -1; }`;
  }
  /** The value as a variable: itself when it is one (an argument), else a new constant. */
  valueVar(valueExpr: string): string {
    if (/^[A-Za-z_$][\w$]*$/.test(valueExpr)) return valueExpr;
    const x = this.v('x');
    this.emit(`const ${x} = ${valueExpr};`);
    return x;
  }
  /**
   * A cold-path descriptor (runtime.ColdField) for the field at the current position, as a `K[i]`
   * expression, and the extra argument giving the field's path when it is only known at run time.
   */
  cold(
    pathJs: string,
    o: {
      lengthBits?: number;
      signed?: boolean;
      labels?: ReadonlyMap<string, number | bigint> | null;
      message?: ((x: unknown, path: string) => string) | null;
      lengthBytes?: number;
      le?: boolean;
    } = {},
  ): { d: string; pathArg: string } {
    const len = o.lengthBits ?? 0;
    const signed = o.signed ?? false;
    let path = '';
    let pathArg = '';
    try {
      const v: unknown = JSON.parse(pathJs);
      if (typeof v === 'string') path = v;
      else pathArg = `, ${pathJs}`;
    } catch {
      pathArg = `, ${pathJs}`;
    }
    const d: runtime.ColdField = {
      erc: this.ercName,
      path,
      offBits: this.s.off,
      lengthBits: len,
      signed,
      min: signed ? -(2 ** (len - 1)) : 0,
      maxP1: signed ? 2 ** (len - 1) : 2 ** len,
      loMask: len >= 32 ? -1 : 2 ** len - 1,
      hiMask: len > 32 ? (len === 64 ? -1 : 2 ** (len - 32) - 1) : 0,
      labels: o.labels ?? null,
      message: o.message ?? null,
      lengthBytes: o.lengthBytes ?? 0,
      le: o.le ?? true,
    };
    return { d: this.konst(Object.freeze(d)), pathArg };
  }
  fail(msgExpr: string, toByteExpr?: string): string {
    return `throw $fail(u8, s0, ${toByteExpr ?? this.curByteExpr()}, ${msgExpr});`;
  }

  // --- positions ------------------------------------------------------------------------------

  sync(): void {
    const off = this.s.off;
    if (off === 0) return;
    this.emit(`b += ${off};`);
    this.s.balign = Math.min(this.s.balign, lowBit(off));
    if (this.s.balign >= 8) this.emit('p = b >>> 3;');
    this.s.checked = this.s.checked === Number.POSITIVE_INFINITY ? this.s.checked : this.s.checked - off;
    this.s.off = 0;
  }

  /** Compile-time offset of the next field of alignment `a`, when the alignment of b allows. */
  alignedOff(a: number): number | null {
    if (a <= 1) return this.s.off;
    if (this.s.balign >= a) return roundUp(this.s.off, a);
    return null;
  }

  /** Bounds check: b + extent <= end. */
  ensure(extent: number): void {
    if (extent <= this.s.checked) return;
    this.emit(`if (b + ${extent} > end) ${this.noSpace()}`);
    this.s.checked = extent;
  }

  /**
   * Aligns to `a` bits, zeroing whole gap bytes. `needAfter` bits after the aligned position are
   * checked when the alignment happens at run time.
   */
  alignTo(a: number, needAfter: number): void {
    if (a <= 1) return;
    const off = this.alignedOff(a);
    if (off !== null) {
      // Whole bytes between the end of the last field and the aligned position.
      const fromByte = Math.ceil(this.s.off / 8);
      const toByte = off / 8;
      if (toByte > fromByte) {
        this.ensure(off + needAfter);
        if (this.s.balign >= 8) {
          for (let k = fromByte; k < toByte; k++) this.emit(`u8[${this.byteAt(k * 8)}] = 0;`);
        } else {
          this.emit(`$zero(u8, (b + ${fromByte * 8}) >>> 3, (b + ${toByte * 8}) >>> 3);`);
        }
      }
      this.s.off = off;
      return;
    }
    this.sync();
    const nb = this.v('nb');
    this.emit(`const ${nb} = (b + ${a - 1}) & ${-a};`);
    this.emit(`if (${nb} + ${needAfter} > end) ${this.noSpace()}`);
    this.emit(`for (let z = (b + 7) >>> 3; z < ${nb} >>> 3; z++) u8[z] = 0;`);
    this.emit(`b = ${nb};`);
    this.emit('p = b >>> 3;');
    this.s.balign = a;
    this.s.checked = needAfter;
    this.s.off = 0;
  }

  // --- integers -------------------------------------------------------------------------------

  /** Byte `j` of a field at in-byte bit offset `s`: bits [q, q+8) of hi:lo. */
  private valueByte(lo: string, hi: string | null, q: number): string {
    if (q < 0) return `((${lo} << ${-q}) & 255)`;
    if (q < 32) {
      if (q === 0) return `(${lo} & 255)`;
      if (q > 24 && hi !== null) return `(((${lo} >>> ${q}) | (${hi} << ${32 - q})) & 255)`;
      return `((${lo} >>> ${q}) & 255)`;
    }
    if (hi === null || q >= 64) return '0';
    return q === 32 ? `(${hi} & 255)` : `((${hi} >>> ${q - 32}) & 255)`;
  }

  /**
   * Writes `lengthBits` already-valid bits (hi null when <= 32 bits) at the next position aligned
   * for `fc`. The caller has checked the room (ensure) and aligned.
   */
  private checkByteOrder(byteOrder: 'le' | 'be'): void {
    if (this.lastByteOrder !== null && this.lastByteOrder !== byteOrder) {
      if (this.s.balign < 8 || this.s.off % 8 !== 0) {
        throw new CtfWriterError(
          `${this.ercName}: a field changes byte order in the middle of a byte; CTF readers reject that, give it an alignment of at least 8 bits`,
        );
      }
    }
    this.lastByteOrder = byteOrder;
  }

  writeBits(lengthBits: number, byteOrder: 'le' | 'be', raw: Raw): void {
    const le = byteOrder === 'le';
    this.checkByteOrder(byteOrder);
    const { lo, hi } = raw;
    if (this.s.balign >= 8) {
      const s = this.s.off & 7;
      const at = this.s.off - s;
      if (s === 0) {
        const P = this.byteAt(at);
        if (lengthBits === 8) {
          this.emit(`u8[${P}] = ${lo};`);
          this.s.off += 8;
          return;
        }
        if (lengthBits === 16) {
          this.emit(`dv.setUint16(${P}, ${lo}, ${le});`);
          this.s.off += 16;
          return;
        }
        if (lengthBits === 32) {
          this.emit(`dv.setUint32(${P}, ${lo}, ${le});`);
          this.s.off += 32;
          return;
        }
        if (lengthBits === 64 && hi !== null) {
          this.emit(`dv.setUint32(${P}, ${le ? lo : hi}, ${le});`);
          this.emit(`dv.setUint32(${this.byteAt(at + 32)}, ${le ? hi : lo}, ${le});`);
          this.s.off += 64;
          return;
        }
      }
      // Unrolled bytes with constant shifts.
      const nb = (s + lengthBits + 7) >>> 3;
      const top = s + lengthBits - 8;
      for (let j = 0; j < nb; j++) {
        const P = this.byteAt(at + 8 * j);
        const q = le ? 8 * j - s : top - 8 * j;
        let e = this.valueByte(lo, hi, q);
        if (j === 0 && s > 0) {
          const keep = le ? (1 << s) - 1 : (0xff << (8 - s)) & 0xff;
          e = `(u8[${P}] & ${keep}) | ${e}`;
        }
        this.emit(`u8[${P}] = ${e};`);
      }
      this.s.off += lengthBits;
      return;
    }
    const pos = this.s.off === 0 ? 'b' : `b + ${this.s.off}`;
    this.emit(`${le ? '$wLE' : '$wBE'}(u8, ${pos}, ${lengthBits}, ${lo}, ${hi ?? 0});`);
    this.s.off += lengthBits;
  }

  /** Aligns, checks and writes a fixed-length field of `lengthBits` from raw bits. */
  fixedRaw(lengthBits: number, alignmentBits: number, byteOrder: 'le' | 'be', raw: Raw): void {
    const start = this.alignedOff(alignmentBits);
    if (start !== null) {
      this.ensure(start + lengthBits);
      this.alignTo(alignmentBits, lengthBits);
    } else this.alignTo(alignmentBits, lengthBits);
    this.ensure(this.s.off + lengthBits);
    this.writeBits(lengthBits, byteOrder, raw);
  }

  /**
   * Validates an integer value and writes it. Sets `x` (the numeric value, after a label is
   * mapped) for selectors and returns its variable name.
   */
  integer(
    fc:
      | FixedLengthIntegerClass
      | { kind: number; lengthBits: number; alignmentBits: number; byteOrder: 'le' | 'be' },
    valueExpr: string,
    pathJs: string,
    o: {
      message?: (x: unknown, path: string) => string;
      bool?: boolean;
      /** The value is a selector: the generated code needs it after labels are mapped. */
      selector?: boolean;
    } = {},
  ): string {
    const len = fc.lengthBits;
    const signed = fc.kind === FieldClassKind.FixedLengthSignedInteger;
    let labels: Map<string, number | bigint> | null = null;
    if ('mappings' in fc && fc.mappings.length > 0) {
      labels = new Map<string, number | bigint>();
      for (const m of fc.mappings) {
        const r = m.ranges[0];
        if (!r) continue;
        labels.set(
          m.name,
          r.lower >= BigInt(Number.MIN_SAFE_INTEGER) && r.lower <= BigInt(Number.MAX_SAFE_INTEGER)
            ? Number(r.lower)
            : r.lower,
        );
      }
    }
    let x: string;
    if (o.bool || (labels !== null && o.selector)) {
      x = this.v('x');
      this.emit(`let ${x} = ${valueExpr};`);
      if (labels !== null) {
        // The mapped value is needed here (a selector): labels are mapped inline.
        const K = this.konst(labels);
        this.open(`if (typeof ${x} === 'string') {`);
        this.emit(`const y = ${K}.get(${x});`);
        this.emit(`if (y === undefined) ${this.fail(`$labelMsg(${this.ercLit}, ${pathJs}, ${x}, ${K})`)}`);
        this.emit(`${x} = y;`);
        this.close();
        labels = null;
      }
    } else x = this.valueVar(valueExpr);
    if (o.bool) {
      // Booleans: true/false (or 0/1).
      const w = this.v('w');
      this.emit(
        `const ${w} = ${x} === true ? 1 : ${x} === false ? 0 : ${x} === 1 ? 1 : ${x} === 0 ? 0 : -1;`,
      );
      this.emit(`if (${w} < 0) ${this.fail(`$valMsg(${this.ercLit}, ${pathJs}, "a boolean", ${x})`)}`);
      this.fixedRaw(len, fc.alignmentBits, fc.byteOrder, { lo: w, hi: len > 32 ? '0' : null });
      return x;
    }
    // Fast path: a number that fits in 32 bits, a few operations. Everything else (labels,
    // bigints, wider numbers, bad values) is one call to integerCold, so that a serializer stays
    // under V8's inlining limit (bench/node/tracepoint.bench.ts, "one int64").
    const cold = () => {
      const { d, pathArg } = this.cold(pathJs, {
        lengthBits: len,
        signed,
        labels,
        message: o.message ?? null,
      });
      return `$ci(${x}, u8, s0, b, ${d}${pathArg})`;
    };
    if (len <= 32) {
      const w = this.v('w');
      let fast: string;
      let conv: string;
      if (!signed) {
        fast = len === 32 ? `(${x} >>> 0) === ${x}` : `(${x} & ${2 ** len - 1}) === ${x}`;
        conv = x;
      } else if (len === 32) {
        fast = `(${x} | 0) === ${x}`;
        conv = `${x} >>> 0`;
      } else {
        fast = `((${x} << ${32 - len}) >> ${32 - len}) === ${x}`;
        conv = `${x} & ${2 ** len - 1}`;
      }
      this.emit(`const ${w} = typeof ${x} === 'number' && ${fast} ? ${conv} : ${cold()};`);
      this.fixedRaw(len, fc.alignmentBits, fc.byteOrder, { lo: w, hi: null });
      return x;
    }
    const lo = this.v('lo');
    const hi = this.v('hi');
    // Small integers (`(x | 0) === x`, `(x >>> 0) === x`) first: the high word is their sign.
    this.emit(`let ${lo}, ${hi};`);
    if (signed) {
      const hiConv = len === 64 ? `${x} >> 31` : `(${x} >> 31) & ${2 ** (len - 32) - 1}`;
      this.emit(`if (typeof ${x} === 'number' && (${x} | 0) === ${x}) { ${lo} = ${x}; ${hi} = ${hiConv}; }`);
    } else {
      this.emit(`if (typeof ${x} === 'number' && (${x} >>> 0) === ${x}) { ${lo} = ${x}; ${hi} = 0; }`);
    }
    this.emit(`else { ${lo} = ${cold()}; ${hi} = $I[1]; }`);
    this.fixedRaw(len, fc.alignmentBits, fc.byteOrder, { lo, hi });
    return x;
  }

  // --- scopes and references ------------------------------------------------------------------

  setScope(key: string, e: ScopeEntry | undefined): ScopeEntry | undefined {
    const old = this.scope.get(key);
    if (e) this.scope.set(key, e);
    else this.scope.delete(key);
    return old;
  }

  /** JS expression of a referrer's value at the current point, or a reason it has none. */
  resolve(ref: FieldInfo): string | { error: string } {
    const { origin, path, chain } = ref;
    for (let k = path.length; k >= 1; k--) {
      const e = this.scope.get(locKey(origin, path.slice(0, k)));
      if (!e) continue;
      if (k === path.length) return e.expr;
      let expr = e.expr;
      let fc = e.fc;
      if (
        (fc.kind === FieldClassKind.StaticLengthArray || fc.kind === FieldClassKind.DynamicLengthArray) &&
        e.inside
      ) {
        fc = fc.elementFieldClass;
      }
      if (fc.kind !== FieldClassKind.Structure) {
        return {
          error: `it is inside "${path.slice(0, k).join('.')}", which is not written at the same time`,
        };
      }
      for (let i = k; i < path.length; i++) {
        if (i > k && chain[i - 1]!.kind !== FieldClassKind.Structure) {
          return {
            error: `it is inside "${path.slice(0, i).join('.')}", an array or variant that does not enclose its length field`,
          };
        }
        expr = `${expr}[${JSON.stringify(path[i])}]`;
      }
      return expr;
    }
    return { error: 'it is not in scope where its length field is written' };
  }

  markAssigned(key: string): void {
    this.assigned.add(key);
  }
  isAssigned(key: string): boolean {
    return this.assigned.has(key);
  }

  // --- fields ---------------------------------------------------------------------------------

  /**
   * Generates one field. `key` is its location key (for length/selector bookkeeping), `pathJs` a
   * JS expression of its path for messages, `valueExpr` a JS expression of its value.
   */
  field(
    fc: FieldClass,
    valueExpr: string,
    origin: FieldLocationOrigin,
    path: readonly string[],
    pathJs: string,
  ): void {
    const key = locKey(origin, path);
    const source = this.sources?.get(key);
    if (source !== undefined) {
      this.sourcedField(fc, source);
      return;
    }
    const target = this.targets.get(key);
    if (target?.kind === 'length') {
      this.lengthField(fc, target, key, pathJs);
      return;
    }
    switch (fc.kind) {
      case FieldClassKind.FixedLengthUnsignedInteger:
      case FieldClassKind.FixedLengthSignedInteger:
      case FieldClassKind.FixedLengthBitArray:
      case FieldClassKind.FixedLengthBoolean: {
        const isBool = fc.kind === FieldClassKind.FixedLengthBoolean;
        const asInt =
          fc.kind === FieldClassKind.FixedLengthBitArray || isBool
            ? { ...fc, kind: FieldClassKind.FixedLengthUnsignedInteger }
            : fc;
        const x = this.integer(asInt as FixedLengthIntegerClass, valueExpr, pathJs, {
          bool: isBool,
          selector: target?.kind === 'selector',
        });
        if (target?.kind === 'selector') {
          this.emit(`${target.varName} = ${x};`);
          this.markAssigned(key);
        }
        return;
      }
      case FieldClassKind.FixedLengthFloatingPointNumber: {
        const x = this.v('x');
        this.emit(`let ${x} = ${valueExpr};`);
        // Bigints (converted) and errors out of line (see integer()).
        const { d, pathArg } = this.cold(pathJs);
        this.emit(`if (typeof ${x} !== 'number') ${x} = $cf(${x}, u8, s0, b, ${d}${pathArg});`);
        const len = fc.lengthBits;
        const start = this.alignedOff(fc.alignmentBits);
        if (start !== null) this.ensure(start + len);
        this.alignTo(fc.alignmentBits, len);
        this.ensure(this.s.off + len);
        if (this.s.balign >= 8 && this.s.off % 8 === 0) {
          this.checkByteOrder(fc.byteOrder);
          this.emit(`dv.setFloat${len}(${this.byteAt(this.s.off)}, ${x}, ${fc.byteOrder === 'le'});`);
          this.s.off += len;
        } else if (len === 32) {
          const w = this.v('w');
          this.emit(`$F.f32[0] = ${x};`);
          this.emit(`const ${w} = $F.u32[0];`);
          this.writeBits(32, fc.byteOrder, { lo: w, hi: null });
        } else {
          const lo = this.v('lo');
          const hi = this.v('hi');
          this.emit(`$F.f64[0] = ${x};`);
          this.emit(`const ${lo} = $F.u32[$F.loIndex], ${hi} = $F.u32[$F.hiIndex];`);
          this.writeBits(64, fc.byteOrder, { lo, hi });
        }
        return;
      }
      case FieldClassKind.VariableLengthUnsignedInteger:
      case FieldClassKind.VariableLengthSignedInteger: {
        const x = this.v('x');
        this.emit(`let ${x} = ${valueExpr};`);
        if (fc.mappings.length > 0) {
          const labels = new Map<string, number | bigint>();
          for (const m of fc.mappings) if (m.ranges[0]) labels.set(m.name, m.ranges[0].lower);
          const K = this.konst(labels);
          this.open(`if (typeof ${x} === 'string') {`);
          this.emit(`const y = ${K}.get(${x});`);
          this.emit(`if (y === undefined) ${this.fail(`$labelMsg(${this.ercLit}, ${pathJs}, ${x}, ${K})`)}`);
          this.emit(`${x} = y;`);
          this.close();
        }
        this.alignTo(8, 8);
        this.sync();
        const r = this.v('r');
        const signed = fc.kind === FieldClassKind.VariableLengthSignedInteger;
        this.emit(`const ${r} = ${signed ? '$sleb' : '$uleb'}(u8, p, end >>> 3, ${x});`);
        this.open(`if (${r} < 0) {`);
        this.emit(`if (${r} === -1) ${this.noSpace()}`);
        this.emit(
          this.fail(
            `$intMsg(${this.ercLit}, ${pathJs}, ${x}, ${JSON.stringify(signed ? 'a signed LEB128 integer (64-bit range)' : 'an unsigned LEB128 integer (64-bit range)')})`,
          ),
        );
        this.close();
        this.emit(`b = ${r} * 8;`);
        this.emit(`p = ${r};`);
        this.s = { off: 0, balign: 8, checked: 0 };
        if (target?.kind === 'selector') {
          this.emit(`${target.varName} = ${x};`);
          this.markAssigned(key);
        }
        return;
      }
      case FieldClassKind.NullTerminatedString: {
        const x = this.valueVar(valueExpr);
        this.alignTo(8, 8);
        this.sync();
        // No room, not a string, a NUL, non-ASCII that does not fit: one cold call (see integer()).
        const r = this.v('r');
        const { d, pathArg } = this.cold(pathJs);
        // Through the field's cache of its last string (see CStringCache).
        const cache = this.konst(new runtime.CStringCache());
        this.emit(
          `const ${r} = typeof ${x} === 'string' ? $cstrc(u8, dv, p, end >>> 3, ${x}, ${cache}) : -3;`,
        );
        this.emit(`if (${r} < 0) return $cs(${r}, ${x}, u8, s0, p, end, ${d}${pathArg});`);
        this.emit(`b = ${r} * 8;`);
        this.emit(`p = ${r};`);
        this.s = { off: 0, balign: 8, checked: 0 };
        this.lastByteOrder = null;
        return;
      }
      case FieldClassKind.StaticLengthString:
        this.staticText(fc.lengthBytes, valueExpr, pathJs);
        return;
      case FieldClassKind.StaticLengthBlob: {
        const x = this.v('x');
        this.emit(`const ${x} = ${valueExpr};`);
        const n = fc.lengthBytes;
        const start = this.alignedOff(8);
        if (start !== null) this.ensure(start + n * 8);
        this.alignTo(8, n * 8);
        this.ensure(this.s.off + n * 8);
        this.emit(
          `if (!(${x} instanceof Uint8Array) || ${x}.length !== ${n}) ${this.fail(`$valMsg(${this.ercLit}, ${pathJs}, "a Uint8Array of ${n} bytes", ${x})`)}`,
        );
        if (n > 0) this.emit(`u8.set(${x}, ${this.byteAt(this.s.off)});`);
        this.s.off += n * 8;
        this.lastByteOrder = null;
        return;
      }
      case FieldClassKind.DynamicLengthString:
      case FieldClassKind.DynamicLengthBlob:
        this.dynamicBytes(fc, valueExpr, origin, path, pathJs);
        return;
      case FieldClassKind.Structure: {
        const x = this.v('x');
        this.emit(`const ${x} = ${valueExpr};`);
        this.emit(
          `if (typeof ${x} !== 'object' || ${x} === null) ${this.fail(`$valMsg(${this.ercLit}, ${pathJs}, "an object (structure)", ${x})`)}`,
        );
        const old = this.setScope(key, { expr: x, fc, inside: false });
        this.structure(fc, origin, path, pathJs, (name) => `${x}[${JSON.stringify(name)}]`);
        this.setScope(key, old);
        return;
      }
      case FieldClassKind.StaticLengthArray:
        this.staticArray(fc, valueExpr, origin, path, pathJs, key);
        return;
      case FieldClassKind.DynamicLengthArray:
        this.dynamicArray(fc, valueExpr, origin, path, pathJs, key);
        return;
      case FieldClassKind.Variant:
        this.variantField(fc, valueExpr, origin, path, pathJs, key);
        return;
      case FieldClassKind.Optional:
        this.optionalField(fc, valueExpr, origin, path, pathJs, key);
        return;
    }
  }

  /** Members of a structure, with one bounds check per run of fixed-size members. */
  structure(
    fc: StructureClass,
    origin: FieldLocationOrigin,
    path: readonly string[],
    pathJs: string,
    memberExpr: (name: string) => string,
  ): void {
    const a = fieldClassAlignmentBits(fc);
    const size = fixedSizeBits(fc);
    const start = this.alignedOff(a);
    if (start !== null && size !== null) this.ensure(start + size);
    this.alignTo(a, size ?? 0);
    let runEnd = -1;
    this.members(
      fc.memberClasses.map((m) => m.fieldClass),
      (i) => {
        if (i <= runEnd) return;
        const n = this.integerRun(fc, i, origin, path, pathJs, memberExpr);
        if (n > 0) {
          runEnd = i + n - 1;
          return;
        }
        const m = fc.memberClasses[i]!;
        const childPath = [...path, m.name];
        const childPathJs =
          pathJs === '""'
            ? JSON.stringify(ORIGIN_PREFIX[origin] + m.name)
            : `${pathJs} + ${JSON.stringify(`.${m.name}`)}`;
        this.field(m.fieldClass, memberExpr(m.name), origin, childPath, childPathJs);
      },
    );
  }

  // --- transcoded fields (read from a source record) ------------------------------------------

  /**
   * Raw words of a `lengthBits` field from an integer source at `sp + offsetBytes + extra` (extra:
   * a JS expression, for array elements). Reads into locals first: the writers below may use a
   * word more than once.
   */
  private sourceIntegerRaw(
    src: {
      sizeBytes: number;
      signed: boolean;
      byteOrder: ByteOrderName;
      offsetBytes: number;
      addend?: number;
    },
    extra: string,
    lengthBits: number,
  ): Raw {
    const le = src.byteOrder === 'le';
    const at = (k: number) => `sp + ${src.offsetBytes + k}${extra ? ` + ${extra}` : ''}`;
    const addend = src.addend ?? 0;
    const mask = (bits: number, w: string) => (bits === 32 ? w : bits < 32 ? `(${w} & ${2 ** bits - 1})` : w);
    if (src.sizeBytes === 8) {
      const lo = this.v('lo');
      const hi = this.v('hi');
      this.emit(`const ${lo} = sv.getUint32(${at(le ? 0 : 4)}, ${le});`);
      if (lengthBits <= 32) return { lo: mask(lengthBits, lo), hi: null };
      this.emit(`const ${hi} = sv.getUint32(${at(le ? 4 : 0)}, ${le});`);
      return { lo, hi: lengthBits === 64 ? hi : `(${hi} & ${2 ** (lengthBits - 32) - 1})` };
    }
    const bits = src.sizeBytes * 8;
    const read =
      src.sizeBytes === 1
        ? `sv.get${src.signed ? 'Int8' : 'Uint8'}(${at(0)})`
        : `sv.get${src.signed ? `Int${bits}` : `Uint${bits}`}(${at(0)}, ${le})`;
    const x = this.v('x');
    // With an addend the sum is exact in a double; without, the read value is an int32/uint32.
    this.emit(`const ${x} = ${addend !== 0 ? `${read} + ${addend}` : read};`);
    if (lengthBits <= 32) return { lo: mask(lengthBits, x), hi: null };
    const hiMask = lengthBits === 64 ? '>>> 0' : `& ${2 ** (lengthBits - 32) - 1}`;
    if (addend !== 0) {
      return { lo: `(${x} >>> 0)`, hi: `(Math.floor(${x} / 4294967296) ${hiMask})` };
    }
    return { lo: `(${x} >>> 0)`, hi: src.signed ? `((${x} >> 31) ${hiMask})` : '0' };
  }

  /** A field written from the source record (see FieldSource). Checked by checkSource first. */
  private sourcedField(fc: FieldClass, src: FieldSource): void {
    switch (src.kind) {
      case 'integer': {
        const f = fc as FixedLengthIntegerClass;
        const raw = this.sourceIntegerRaw(src, '', f.lengthBits);
        this.fixedRaw(f.lengthBits, f.alignmentBits, f.byteOrder, raw);
        return;
      }
      case 'integer-array': {
        const arr = fc as FieldClass & { kind: typeof FieldClassKind.StaticLengthArray };
        const elem = arr.elementFieldClass as FixedLengthIntegerClass;
        const n = arr.length;
        const L = elem.lengthBits;
        const size = fixedSizeBits(arr)!;
        const a = fieldClassAlignmentBits(arr);
        const start = this.alignedOff(a);
        if (start !== null) this.ensure(start + size);
        this.alignTo(a, size);
        this.ensure(this.s.off + size);
        if (n <= 4) {
          for (let i = 0; i < n; i++) {
            const raw = this.sourceIntegerRaw(src, String(i * src.sizeBytes), L);
            this.fixedRaw(L, elem.alignmentBits, elem.byteOrder, raw);
          }
        } else {
          this.sync();
          const pre = { ...this.s };
          const i = this.v('i');
          this.open(`for (let ${i} = 0; ${i} < ${n}; ${i}++) {`);
          this.s = { off: 0, balign: Math.min(pre.balign, lowBit(L)), checked: Number.POSITIVE_INFINITY };
          this.lastByteOrder = null;
          const raw = this.sourceIntegerRaw(src, `${i} * ${src.sizeBytes}`, L);
          this.fixedRaw(L, elem.alignmentBits, elem.byteOrder, raw);
          this.sync();
          this.close();
          this.s = { off: 0, balign: Math.min(pre.balign, lowBit(L)), checked: 0 };
        }
        this.lastByteOrder = null;
        return;
      }
      case 'bytes': {
        const n =
          fc.kind === FieldClassKind.StaticLengthBlob
            ? fc.lengthBytes
            : (fc as FieldClass & { kind: typeof FieldClassKind.StaticLengthArray }).length;
        const a = Math.max(8, fieldClassAlignmentBits(fc));
        const start = this.alignedOff(a);
        if (start !== null) this.ensure(start + n * 8);
        this.alignTo(a, n * 8);
        this.ensure(this.s.off + n * 8);
        const P = this.byteAt(this.s.off);
        const q = `sp + ${src.offsetBytes}`;
        if (n % 4 === 0 && n <= 64) {
          // Same byte order on both sides: 32-bit words move the bytes as they are.
          for (let k = 0; k < n; k += 4) {
            this.emit(`dv.setUint32(${P} + ${k}, sv.getUint32(${q} + ${k}, true), true);`);
          }
        } else if (n <= 16) {
          for (let k = 0; k < n; k++) this.emit(`u8[${P} + ${k}] = src[${q} + ${k}];`);
        } else if (n > 0) {
          this.emit(`for (let k = 0; k < ${n}; k++) u8[${P} + k] = src[${q} + k];`);
        }
        this.s.off += n * 8;
        this.lastByteOrder = null;
        return;
      }
      case 'string':
      case 'located-string': {
        // Prefixes of their own: `s0` is the record's start.
        const s = this.v('ss');
        const e = this.v('se');
        if (src.kind === 'string') {
          this.emit(`let ${s} = sp + ${src.offsetBytes}, ${e} = sp + sl;`);
        } else {
          const d = this.v('sd');
          const le = src.byteOrder === 'le';
          const o = src.descriptorOffsetBytes;
          this.emit(`const ${d} = sv.getUint32(sp + ${o}, ${le});`);
          this.emit(
            `let ${s} = sp + ${src.relative ? o + 4 : 0} + (${d} & 65535), ${e} = ${s} + (${d} >>> 16);`,
          );
          this.emit(`if (${e} > sp + sl) ${e} = sp + sl;`);
        }
        this.emit(`if (${s} > ${e}) ${s} = ${e};`);
        const z = this.v('sz');
        this.emit(`let ${z} = ${s};`);
        this.emit(`while (${z} < ${e} && src[${z}] !== 0) ${z}++;`);
        this.alignTo(8, 8);
        this.sync();
        this.emit(`if (b + (${z} - ${s} + 1) * 8 > end) ${this.noSpace()}`);
        this.emit(`for (let k = ${s}; k < ${z}; k++) u8[p++] = src[k];`);
        this.emit('u8[p++] = 0;');
        this.emit('b = p * 8;');
        this.s = { off: 0, balign: 8, checked: 0 };
        this.lastByteOrder = null;
        return;
      }
    }
  }

  /**
   * A run of whole-byte integer members from member `i` (8, 16, 32 or 64 bits, byte-aligned,
   * already bounds-checked, given as arguments, not length fields or selectors), as in LTTng's
   * layout: one test that every value is a number that fits in 32 bits, then the stores; anything
   * else is one call, integerRunCold, which converts and writes each member in order (or throws
   * for the first bad one, as the member-by-member code). The least code for a run of integers,
   * so that the serializer is inlined into the tracepoint (bench/node/tracepoint.bench.ts, "four
   * int64": ~15 ns less per event than not inlined). Returns how many members it wrote (0: none).
   */
  private integerRun(
    fc: StructureClass,
    i: number,
    origin: FieldLocationOrigin,
    path: readonly string[],
    pathJs: string,
    memberExpr: (name: string) => string,
  ): number {
    const fields: { x: string; f: FixedLengthIntegerClass; offBits: number; path: string }[] = [];
    let off = this.s.off;
    for (let k = i; k < fc.memberClasses.length; k++) {
      const m = fc.memberClasses[k]!;
      const f = m.fieldClass;
      if (
        f.kind !== FieldClassKind.FixedLengthUnsignedInteger &&
        f.kind !== FieldClassKind.FixedLengthSignedInteger
      )
        break;
      const len = f.lengthBits;
      if (len !== 8 && len !== 16 && len !== 32 && len !== 64) break;
      if (this.s.balign < 8 || off % 8 !== 0 || roundUp(off, f.alignmentBits) !== off) break;
      if (off + len > this.s.checked) break;
      const key = locKey(origin, [...path, m.name]);
      if (this.targets.has(key) || this.sources?.has(key)) break;
      const x = memberExpr(m.name);
      if (!/^[A-Za-z_$][\w$]*$/.test(x) || x === 'undefined' || pathJs !== '""') break;
      fields.push({ x, f, offBits: off, path: ORIGIN_PREFIX[origin] + m.name });
      off += len;
    }
    if (fields.length === 0) return 0;
    const conds: string[] = [];
    const stores: string[] = [];
    const infos: runtime.ColdField[] = [];
    for (const { x, f, offBits, path: fieldPath } of fields) {
      const len = f.lengthBits;
      const signed = f.kind === FieldClassKind.FixedLengthSignedInteger;
      const le = f.byteOrder === 'le';
      this.checkByteOrder(f.byteOrder);
      let fast: string;
      if (len === 32 || len === 64) fast = signed ? `(${x} | 0) === ${x}` : `(${x} >>> 0) === ${x}`;
      else if (signed) fast = `((${x} << ${32 - len}) >> ${32 - len}) === ${x}`;
      else fast = `(${x} & ${2 ** len - 1}) === ${x}`;
      conds.push(`typeof ${x} === 'number' && ${fast}`);
      const P = this.byteAt(offBits);
      if (len === 8) stores.push(`u8[${P}] = ${x};`);
      else if (len === 16) stores.push(`dv.setUint16(${P}, ${x}, ${le});`);
      else if (len === 32) stores.push(`dv.setUint32(${P}, ${x}, ${le});`);
      else {
        const hi = signed ? `${x} >> 31` : '0';
        const P4 = this.byteAt(offBits + 32);
        stores.push(
          `dv.setUint32(${le ? P : P4}, ${x}, ${le});`,
          `dv.setUint32(${le ? P4 : P}, ${hi}, ${le});`,
        );
      }
      let labels: Map<string, number | bigint> | null = null;
      if (f.mappings.length > 0) {
        labels = new Map();
        for (const mp of f.mappings) {
          const r = mp.ranges[0];
          if (!r) continue;
          labels.set(
            mp.name,
            r.lower >= BigInt(Number.MIN_SAFE_INTEGER) && r.lower <= BigInt(Number.MAX_SAFE_INTEGER)
              ? Number(r.lower)
              : r.lower,
          );
        }
      }
      infos.push(
        Object.freeze({
          erc: this.ercName,
          path: fieldPath,
          offBits,
          lengthBits: len,
          signed,
          min: signed ? -(2 ** (len - 1)) : 0,
          maxP1: signed ? 2 ** (len - 1) : 2 ** len,
          loMask: len >= 32 ? -1 : 2 ** len - 1,
          hiMask: len > 32 ? -1 : 0,
          labels,
          message: null,
          lengthBytes: 0,
          le,
        }),
      );
    }
    const d = this.konst(Object.freeze(infos));
    this.open(`if (${conds.join(' && ')}) {`);
    for (const st of stores) this.emit(st);
    this.close(`} else $ciRun(u8, s0, b, ${d}, ${fields.map((f) => f.x).join(', ')});`);
    this.s.off = off;
    return fields.length;
  }

  /** Generates a sequence of fields, merging the bounds checks of consecutive fixed-size ones. */
  members(classes: readonly FieldClass[], gen: (i: number) => void): void {
    let coveredTo = -1;
    for (let i = 0; i < classes.length; i++) {
      if (i > coveredTo) {
        let off = this.s.off;
        let j = i;
        for (; j < classes.length; j++) {
          const c = classes[j]!;
          const sz = fixedSizeBits(c);
          const al = fieldClassAlignmentBits(c);
          if (sz === null || al > this.s.balign) break;
          off = roundUp(off, al) + sz;
        }
        if (j > i) {
          this.ensure(off);
          coveredTo = j - 1;
        }
      }
      gen(i);
    }
  }

  private staticText(lengthBytes: number, valueExpr: string, pathJs: string, already?: string): void {
    const x = already ?? this.valueVar(valueExpr);
    const n = lengthBytes;
    const start = this.alignedOff(8);
    if (start !== null) this.ensure(start + n * 8);
    this.alignTo(8, n * 8);
    this.ensure(this.s.off + n * 8);
    if (n > 0) {
      // Not a string, a NUL, too long: one cold call (see integer()).
      const r = this.v('r');
      const P = this.byteAt(this.s.off);
      const { d, pathArg } = this.cold(pathJs, { lengthBytes: n });
      this.emit(`const ${r} = typeof ${x} === 'string' ? $fstr(u8, ${P}, ${n}, ${x}) : -4;`);
      this.emit(`if (${r} !== 0) $cx(${r}, ${x}, u8, s0, ${P}, ${d}${pathArg});`);
    } else {
      this.emit(
        `if (typeof ${x} !== 'string') ${this.fail(`$valMsg(${this.ercLit}, ${pathJs}, "a string", ${x})`)}`,
      );
      this.emit(`if (${x}.length !== 0) ${this.fail(`$strMsg(${this.ercLit}, ${pathJs}, ${x}, -3, 0)`)}`);
    }
    this.s.off += n * 8;
    this.lastByteOrder = null;
  }

  /** A length field: its value is the length of the field(s) that refer to it. */
  private lengthField(fc: FieldClass, target: Target, key: string, pathJs: string): void {
    const primary = target.referrers[0]!;
    const refExpr = this.resolve(primary);
    if (typeof refExpr !== 'string') {
      throw new CtfWriterError(
        `${this.ercName}: cannot compute the length field "${target.label}" from "${ORIGIN_PREFIX[primary.origin]}${primary.path.join('.')}": ${refExpr.error}`,
      );
    }
    const refPath = JSON.stringify(ORIGIN_PREFIX[primary.origin] + primary.path.join('.'));
    const L = target.varName;
    const r = this.v('r');
    this.emit(`const ${r} = ${refExpr};`);
    const rf = primary.fc;
    let unit = 'elements';
    if (rf.kind === FieldClassKind.DynamicLengthString) {
      unit = 'bytes';
      this.emit(
        `if (typeof ${r} !== 'string') ${this.fail(`$valMsg(${this.ercLit}, ${refPath}, "a string", ${r})`)}`,
      );
      this.emit(`${L} = $utf8Len(${r});`);
      this.emit(`if (${L} < 0) ${this.fail(`$strMsg(${this.ercLit}, ${refPath}, ${r}, -1)`)}`);
    } else if (rf.kind === FieldClassKind.DynamicLengthBlob) {
      unit = 'bytes';
      this.emit(
        `if (!(${r} instanceof Uint8Array)) ${this.fail(`$valMsg(${this.ercLit}, ${refPath}, "a Uint8Array", ${r})`)}`,
      );
      this.emit(`${L} = ${r}.length;`);
    } else {
      const text = isTextElement((rf as DynamicLengthArrayClass).elementFieldClass);
      if (text) {
        this.open(`if (typeof ${r} === 'string') {`);
        this.emit(`${L} = $utf8Len(${r});`);
        this.emit(`if (${L} < 0) ${this.fail(`$strMsg(${this.ercLit}, ${refPath}, ${r}, -1)`)}`);
        this.close('} else {');
        this.depth++;
      }
      this.emit(
        `if (typeof ${r} !== 'object' || ${r} === null || typeof ${r}.length !== 'number') ${this.fail(`$valMsg(${this.ercLit}, ${refPath}, "an array", ${r})`)}`,
      );
      this.emit(`${L} = ${r}.length;`);
      if (text) this.close();
    }
    this.markAssigned(key);
    if (fc.kind === FieldClassKind.FixedLengthUnsignedInteger) {
      const max = (2n ** BigInt(fc.lengthBits) - 1n).toString();
      const typeName = runtime.integerTypeName(fc.lengthBits, false);
      const erc = this.ercName;
      const refPathText = JSON.parse(refPath) as string;
      this.integer(fc, L, pathJs, {
        message: (x, path) => runtime.lengthMessage(erc, refPathText, x as number, unit, path, typeName, max),
      });
    } else if (fc.kind === FieldClassKind.VariableLengthUnsignedInteger) {
      this.field({ ...fc, mappings: [] } as FieldClass, L, 'event-record-payload', ['\u0000length'], pathJs);
    } else {
      throw new CtfWriterError(
        `${this.ercName}: the length field "${target.label}" is not an unsigned integer`,
      );
    }
  }

  /** Value check shared by the referrers of a length field. */
  private lengthOf(origin: FieldLocationOrigin, path: readonly string[], fc: FieldClass): Target {
    const loc = (fc as { lengthFieldLocation: FieldLocation }).lengthFieldLocation;
    const key = locKey(loc.origin, loc.path);
    const t = this.targets.get(key);
    if (!t) throw new Error('internal: length target not collected');
    if (!this.isAssigned(key)) {
      throw new CtfWriterError(
        `${this.ercName}: the length field "${t.label}" of "${ORIGIN_PREFIX[origin]}${path.join('.')}" must come before it`,
      );
    }
    return t;
  }

  private isPrimary(t: Target, origin: FieldLocationOrigin, path: readonly string[]): boolean {
    const p = t.referrers[0]!;
    return p.origin === origin && p.path.join('\u0000') === path.join('\u0000');
  }

  private dynamicBytes(
    fc: FieldClass,
    valueExpr: string,
    origin: FieldLocationOrigin,
    path: readonly string[],
    pathJs: string,
  ): void {
    const t = this.lengthOf(origin, path, fc);
    const L = t.varName;
    const x = this.v('x');
    this.emit(`const ${x} = ${valueExpr};`);
    const isString = fc.kind === FieldClassKind.DynamicLengthString;
    if (!this.isPrimary(t, origin, path)) {
      const n = isString
        ? `(typeof ${x} === 'string' ? $utf8Len(${x}) : -1)`
        : `(${x} instanceof Uint8Array ? ${x}.length : -1)`;
      this.emit(
        `if (${n} !== ${L}) ${this.fail(`$mismatchMsg(${this.ercLit}, ${pathJs}, ${n}, ${JSON.stringify(t.label)}, ${L})`)}`,
      );
    }
    this.alignTo(8, 0);
    this.sync();
    this.emit(`if (b + ${L} * 8 > end) ${this.noSpace()}`);
    if (isString) this.emit(`p = $utf8w(u8, p, ${x});`);
    else {
      this.emit(`u8.set(${x}, p);`);
      this.emit(`p += ${L};`);
    }
    this.emit('b = p * 8;');
    this.s = { off: 0, balign: 8, checked: 0 };
    this.lastByteOrder = null;
  }

  private loop(
    countExpr: string,
    elem: FieldClass,
    arrExpr: string,
    origin: FieldLocationOrigin,
    path: readonly string[],
    pathJs: string,
    key: string,
    arrFc: FieldClass,
    prechecked: boolean,
  ): void {
    const a = fieldClassAlignmentBits(elem);
    const size = fixedSizeBits(elem);
    this.alignTo(a, 0);
    this.sync();
    const pre = { ...this.s };
    if (size !== null && !prechecked) {
      this.emit(
        `if (${countExpr} > 0 && b + (${countExpr} - 1) * ${roundUp(size, a)} + ${size} > end) ${this.noSpace()}`,
      );
    }
    const i = this.v('i');
    this.open(`for (let ${i} = 0; ${i} < ${countExpr}; ${i}++) {`);
    const e = this.v('e');
    this.emit(`const ${e} = ${arrExpr}[${i}];`);
    // Each iteration starts where the previous element ended, then aligns to `a` (a no-op on the
    // first one): known at compile time only when the element size is a multiple of `a`.
    const bodyAlign = size === null ? 1 : size === 0 ? pre.balign : Math.min(pre.balign, lowBit(size));
    const covered = size !== null;
    this.s = { off: 0, balign: Math.max(1, bodyAlign), checked: covered ? Number.POSITIVE_INFINITY : 0 };
    // Byte-order changes across iterations are not tracked: start each element afresh.
    this.lastByteOrder = null;
    const old = this.setScope(key, { expr: e, fc: arrFc, inside: true });
    this.field(elem, e, origin, path, `${pathJs} + "[" + ${i} + "]"`);
    this.setScope(key, old);
    this.sync();
    const endAlign = this.s.balign;
    this.close();
    this.s = { off: 0, balign: Math.min(pre.balign, endAlign), checked: 0 };
    this.lastByteOrder = null;
  }

  private staticArray(
    fc: FieldClass & { kind: typeof FieldClassKind.StaticLengthArray },
    valueExpr: string,
    origin: FieldLocationOrigin,
    path: readonly string[],
    pathJs: string,
    key: string,
  ): void {
    const x = this.v('x');
    this.emit(`const ${x} = ${valueExpr};`);
    const n = fc.length;
    const size = fixedSizeBits(fc);
    const a = fieldClassAlignmentBits(fc);
    const start = this.alignedOff(a);
    const prechecked = size !== null && start !== null;
    if (prechecked) this.ensure(start! + size!);
    // Readers align an array before its first element even when it has none.
    this.alignTo(a, size ?? 0);
    if (isTextElement(fc.elementFieldClass)) {
      // A text array takes a string too (LTTng's ctf_array_text).
      this.open(`if (typeof ${x} === 'string') {`);
      const saved = { ...this.s };
      const bo = this.lastByteOrder;
      this.staticText(n, '', pathJs, x);
      this.sync();
      const afterA = { ...this.s };
      this.close('} else {');
      this.depth++;
      this.s = saved;
      this.lastByteOrder = bo;
      this.arrayBody(fc, x, n, origin, path, pathJs, key, prechecked);
      this.sync();
      this.close();
      this.s = { off: 0, balign: Math.min(afterA.balign, this.s.balign), checked: 0 };
      this.lastByteOrder = null;
      return;
    }
    this.arrayBody(fc, x, n, origin, path, pathJs, key, prechecked);
  }

  private arrayBody(
    fc: FieldClass & { kind: typeof FieldClassKind.StaticLengthArray },
    x: string,
    n: number,
    origin: FieldLocationOrigin,
    path: readonly string[],
    pathJs: string,
    key: string,
    prechecked: boolean,
  ): void {
    this.emit(
      `if (typeof ${x} !== 'object' || ${x} === null || ${x}.length !== ${n}) ${this.fail(`$arrMsg(${this.ercLit}, ${pathJs}, ${n}, ${x})`)}`,
    );
    if (n === 0) return;
    const size = fixedSizeBits(fc.elementFieldClass);
    if (size !== null && n <= 4 && prechecked) {
      // Short fixed arrays: unrolled, constant offsets.
      const old = this.setScope(key, { expr: x, fc, inside: false });
      for (let i = 0; i < n; i++) {
        const e = this.v('e');
        this.emit(`const ${e} = ${x}[${i}];`);
        this.setScope(key, { expr: e, fc, inside: true });
        this.field(fc.elementFieldClass, e, origin, path, `${pathJs} + "[${i}]"`);
      }
      this.setScope(key, old);
      return;
    }
    this.loop(String(n), fc.elementFieldClass, x, origin, path, pathJs, key, fc, prechecked);
  }

  private dynamicArray(
    fc: DynamicLengthArrayClass,
    valueExpr: string,
    origin: FieldLocationOrigin,
    path: readonly string[],
    pathJs: string,
    key: string,
  ): void {
    const t = this.lengthOf(origin, path, fc);
    const L = t.varName;
    const x = this.v('x');
    this.emit(`const ${x} = ${valueExpr};`);
    const text = isTextElement(fc.elementFieldClass);
    const primary = this.isPrimary(t, origin, path);
    if (text) {
      this.open(`if (typeof ${x} === 'string') {`);
      const saved = { ...this.s };
      const bo = this.lastByteOrder;
      if (!primary) {
        this.emit(
          `if ($utf8Len(${x}) !== ${L}) ${this.fail(`$mismatchMsg(${this.ercLit}, ${pathJs}, $utf8Len(${x}), ${JSON.stringify(t.label)}, ${L})`)}`,
        );
      }
      this.alignTo(8, 0);
      this.sync();
      this.emit(`if (b + ${L} * 8 > end) ${this.noSpace()}`);
      this.emit(`p = $utf8w(u8, p, ${x});`);
      this.emit('b = p * 8;');
      const afterA = 8;
      this.close('} else {');
      this.depth++;
      this.s = saved;
      this.lastByteOrder = bo;
      this.emit(
        `if (typeof ${x} !== 'object' || ${x} === null || ${x}.length !== ${L}) ${this.fail(`$mismatchMsg(${this.ercLit}, ${pathJs}, ${x} && ${x}.length, ${JSON.stringify(t.label)}, ${L})`)}`,
      );
      this.loop(L, fc.elementFieldClass, x, origin, path, pathJs, key, fc, false);
      this.close();
      this.s = { off: 0, balign: Math.min(afterA, this.s.balign), checked: 0 };
      this.lastByteOrder = null;
      return;
    }
    if (!primary) {
      this.emit(
        `if (typeof ${x} !== 'object' || ${x} === null || ${x}.length !== ${L}) ${this.fail(`$mismatchMsg(${this.ercLit}, ${pathJs}, ${x} && ${x}.length, ${JSON.stringify(t.label)}, ${L})`)}`,
      );
    }
    this.loop(L, fc.elementFieldClass, x, origin, path, pathJs, key, fc, false);
  }

  private selectorOf(
    fc: { selectorFieldLocation: FieldLocation },
    origin: FieldLocationOrigin,
    path: readonly string[],
  ): Target {
    const loc = fc.selectorFieldLocation;
    const key = locKey(loc.origin, loc.path);
    const t = this.targets.get(key);
    if (!t) throw new Error('internal: selector target not collected');
    if (!this.isAssigned(key)) {
      throw new CtfWriterError(
        `${this.ercName}: the selector "${t.label}" of "${ORIGIN_PREFIX[origin]}${path.join('.')}" must come before it`,
      );
    }
    return t;
  }

  private rangeTest(s: string, ranges: readonly { lower: bigint; upper: bigint }[]): string {
    const lit = (v: bigint) =>
      v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? String(v) : `${v}n`;
    const parts = ranges.map((r) =>
      r.lower === r.upper
        ? `${s} == ${lit(r.lower)}`
        : `(${s} >= ${lit(r.lower)} && ${s} <= ${lit(r.upper)})`,
    );
    return parts.length === 0 ? 'false' : parts.join(' || ');
  }

  private variantField(
    fc: FieldClass & { kind: typeof FieldClassKind.Variant },
    valueExpr: string,
    origin: FieldLocationOrigin,
    path: readonly string[],
    pathJs: string,
    key: string,
  ): void {
    const t = this.selectorOf(fc, origin, path);
    const x = this.v('x');
    this.emit(`const ${x} = ${valueExpr};`);
    const pre = { ...this.s };
    const preBo = this.lastByteOrder;
    let endAlign = Number.POSITIVE_INFINITY;
    fc.options.forEach((opt, i) => {
      this.open(`${i === 0 ? '' : '} else '}if (${this.rangeTest(t.varName, opt.selectorFieldRanges)}) {`);
      this.s = { ...pre };
      this.lastByteOrder = preBo;
      const old = this.setScope(key, { expr: x, fc: opt.fieldClass, inside: false });
      this.field(opt.fieldClass, x, origin, path, pathJs);
      this.setScope(key, old);
      this.sync();
      endAlign = Math.min(endAlign, this.s.balign);
      this.depth--;
    });
    this.emit('} else {');
    this.depth++;
    this.s = { ...pre };
    this.emit(this.fail(`$selMsg(${this.ercLit}, ${pathJs}, ${JSON.stringify(t.label)}, ${t.varName})`));
    this.close();
    this.s = { off: 0, balign: Math.max(1, endAlign), checked: 0 };
    this.lastByteOrder = null;
  }

  private optionalField(
    fc: FieldClass & { kind: typeof FieldClassKind.Optional },
    valueExpr: string,
    origin: FieldLocationOrigin,
    path: readonly string[],
    pathJs: string,
    key: string,
  ): void {
    const t = this.selectorOf(fc, origin, path);
    const x = this.v('x');
    this.emit(`const ${x} = ${valueExpr};`);
    this.sync();
    const pre = { ...this.s };
    const cond = fc.selectorFieldRanges
      ? this.rangeTest(t.varName, fc.selectorFieldRanges)
      : `(${t.varName} === true || ${t.varName} === 1)`;
    this.open(`if (${cond}) {`);
    this.emit(`if (${x} === null || ${x} === undefined) ${this.fail(`$optMsg(${this.ercLit}, ${pathJs})`)}`);
    const old = this.setScope(key, { expr: x, fc: fc.fieldClass, inside: false });
    this.field(fc.fieldClass, x, origin, path, pathJs);
    this.setScope(key, old);
    this.sync();
    const endAlign = this.s.balign;
    this.close();
    this.s = { off: 0, balign: Math.min(pre.balign, endAlign), checked: 0 };
    this.lastByteOrder = null;
  }

  // --- state for branches ---------------------------------------------------------------------

  get state(): PosState {
    return { ...this.s };
  }
  set state(s: PosState) {
    this.s = { ...s };
  }
  resetByteOrder(): void {
    this.lastByteOrder = null;
  }
}

// ---------------------------------------------------------------------------------------------
// Pre-pass: which fields are length fields and selectors, and who refers to them.

function collectTargets(
  g: Generator,
  roots: Partial<Record<FieldLocationOrigin, StructureClass>>,
  writableOrigins: readonly FieldLocationOrigin[],
  ercName: string,
): void {
  let nL = 0;
  let nS = 0;
  const visit = (fc: FieldClass, origin: FieldLocationOrigin, path: string[], chain: FieldClass[]): void => {
    const info: FieldInfo = { fc, origin, path, chain };
    const addRef = (loc: FieldLocation, kind: 'length' | 'selector') => {
      const where = `${ORIGIN_PREFIX[origin]}${path.join('.')}`;
      if (!writableOrigins.includes(loc.origin)) {
        throw new CtfWriterError(
          `${ercName}: the ${kind} field of "${where}" is in the ${loc.origin} scope; the writer only computes lengths and reads selectors inside the record it writes`,
        );
      }
      const tfc = classAt(roots[loc.origin], loc.path);
      if (!tfc) {
        throw new CtfWriterError(
          `${ercName}: the ${kind} field of "${where}" (${loc.origin}: ${loc.path.join('.')}) does not exist`,
        );
      }
      const key = locKey(loc.origin, loc.path);
      let t = g.targets.get(key);
      if (t && t.kind !== kind) {
        throw new CtfWriterError(
          `${ercName}: "${loc.path.join('.')}" is used both as a length and as a selector`,
        );
      }
      if (!t) {
        t = {
          kind,
          varName: kind === 'length' ? `L${nL++}` : `S${nS++}`,
          fc: tfc,
          label: ORIGIN_PREFIX[loc.origin] + loc.path.join('.'),
          referrers: [],
        };
        g.targets.set(key, t);
      }
      t.referrers.push(info);
    };
    switch (fc.kind) {
      case FieldClassKind.Structure:
        for (const m of fc.memberClasses)
          visit(m.fieldClass, origin, [...path, m.name], [...chain, m.fieldClass]);
        return;
      case FieldClassKind.StaticLengthArray:
        visit(fc.elementFieldClass, origin, path, chain);
        return;
      case FieldClassKind.DynamicLengthArray:
        addRef(fc.lengthFieldLocation, 'length');
        visit(fc.elementFieldClass, origin, path, chain);
        return;
      case FieldClassKind.DynamicLengthString:
      case FieldClassKind.DynamicLengthBlob:
        addRef(fc.lengthFieldLocation, 'length');
        return;
      case FieldClassKind.Variant:
        addRef(fc.selectorFieldLocation, 'selector');
        for (const o of fc.options) visit(o.fieldClass, origin, path, chain);
        return;
      case FieldClassKind.Optional:
        addRef(fc.selectorFieldLocation, 'selector');
        visit(fc.fieldClass, origin, path, chain);
        return;
      default:
        return;
    }
  };
  for (const origin of writableOrigins) {
    const root = roots[origin];
    if (root) visit(root, origin, [], []);
  }
  for (const t of g.targets.values()) {
    if (t.kind === 'length') {
      const k = t.fc.kind;
      if (
        k !== FieldClassKind.FixedLengthUnsignedInteger &&
        k !== FieldClassKind.VariableLengthUnsignedInteger
      ) {
        throw new CtfWriterError(`${ercName}: the length field "${t.label}" is not an unsigned integer`);
      }
    } else {
      const k = t.fc.kind;
      if (
        k !== FieldClassKind.FixedLengthUnsignedInteger &&
        k !== FieldClassKind.FixedLengthSignedInteger &&
        k !== FieldClassKind.FixedLengthBoolean &&
        k !== FieldClassKind.VariableLengthUnsignedInteger &&
        k !== FieldClassKind.VariableLengthSignedInteger
      ) {
        throw new CtfWriterError(`${ercName}: the selector "${t.label}" is not an integer or a boolean`);
      }
    }
  }
}

// `var`, not `const`: the generated functions read these from their closure, and a `const`
// costs a hole check there, bytes that count against V8's inlining budget (see integer()).
const HELPERS = `"use strict";
var $wLE = $.writeBitsLE, $wBE = $.writeBitsBE, $zero = $.zeroFill, $cstr = $.writeCString,
  $fstr = $.writeFixedString, $utf8Len = $.utf8Length, $utf8w = $.writeUtf8, $int = $.integerToWords,
  $uleb = $.writeUleb128, $sleb = $.writeSleb128, $fail = $.failure, $F = $.floatScratch,
  $intMsg = $.integerMessage, $valMsg = $.valueMessage, $strMsg = $.stringMessage, $labelMsg = $.labelMessage,
  $lenMsg = $.lengthMessage, $mismatchMsg = $.lengthMismatchMessage, $selMsg = $.selectorMessage,
  $optMsg = $.optionalMessage, $arrMsg = $.arrayMessage, $ci = $.integerCold, $cf = $.floatCold,
  $cs = $.cStringCold, $cx = $.fixedStringCold, $I = $.intScratch, $cstrc = $.writeCStringCached,
  $ciRun = $.integerRunCold, $lhLE = $.lttngLargeHeaderLE, $lhBE = $.lttngLargeHeaderBE;
var $T = new Uint32Array(2);
`;

function instantiate<T>(source: string, consts: unknown[]): T {
  // The only dynamic code in ttng: built from the model, never from values.
  // Constants become closure variables `K<i>`: one load where `K[i]` takes three bytecodes, which
  // count against V8's inlining budget (bench/node/tracepoint.bench.ts, see integer()).
  const decls = consts.length === 0 ? '' : `var ${consts.map((_, i) => `K${i} = K[${i}]`).join(', ')};\n`;
  const strict = '"use strict";\n';
  const body = source.startsWith(strict) ? `${strict}${decls}${source.slice(strict.length)}` : decls + source;
  const factory = new Function('$', 'K', body) as (rt: typeof runtime, k: unknown[]) => T;
  return factory(runtime, consts);
}

// ---------------------------------------------------------------------------------------------
// Event record serializers

type HeaderPlan =
  | { kind: 'lttng-compact' | 'lttng-large'; fc: StructureClass }
  | { kind: 'generic'; fc: StructureClass }
  | { kind: 'none' };

/**
 * lttngEventHeaderKindOf per header class (model classes are immutable): a deep comparison, which
 * otherwise costs every compiled class 0.4 ms (the kernel consumer compiles a class at its first
 * record: bench/kernel/record.bench.ts).
 */
const headerKinds = new WeakMap<StructureClass, ReturnType<typeof lttngEventHeaderKindOf> | null>();

function headerPlan(dsc: DataStreamClass, ercName: string): HeaderPlan {
  const fc = dsc.eventRecordHeaderFieldClass;
  if (!fc) return { kind: 'none' };
  let l = headerKinds.get(fc);
  if (l === undefined) {
    l = lttngEventHeaderKindOf(fc) ?? null;
    headerKinds.set(fc, l);
  }
  if (l) return { kind: l.kind === 'compact' ? 'lttng-compact' : 'lttng-large', fc };
  for (const m of fc.memberClasses) {
    const f = m.fieldClass;
    const ok =
      f.kind === FieldClassKind.FixedLengthUnsignedInteger &&
      f.mappings.length === 0 &&
      (f.roles.includes('event-record-class-id') || f.roles.includes('default-clock-timestamp'));
    if (!ok) {
      throw new CtfWriterError(
        `${ercName}: the event header member "${m.name}" is neither an id nor a timestamp; the writer knows LTTng's compact and large headers, and headers made of id and timestamp integers`,
      );
    }
  }
  return { kind: 'generic', fc };
}

/** Raw (already valid) bits for a header integer with a role. */
function roleRaw(f: FixedLengthIntegerClass, id: number, ercName: string): Raw {
  if (f.roles.includes('event-record-class-id')) {
    if (f.lengthBits < 53 && id >= 2 ** f.lengthBits) {
      throw new CtfWriterError(
        `${ercName}: its id ${id} does not fit in the ${f.lengthBits}-bit id field of the event header`,
      );
    }
    return f.lengthBits > 32
      ? { lo: String(id >>> 0), hi: String(Math.floor(id / 2 ** 32)) }
      : { lo: String(id), hi: null };
  }
  // Timestamp: the low lengthBits bits.
  if (f.lengthBits > 32) {
    return { lo: 'tsLo', hi: f.lengthBits === 64 ? 'tsHi' : `(tsHi & ${2 ** (f.lengthBits - 32) - 1})` };
  }
  return { lo: f.lengthBits === 32 ? 'tsLo' : `(tsLo & ${2 ** f.lengthBits - 1})`, hi: null };
}

function writeHeaderStruct(
  g: Generator,
  fc: StructureClass,
  raws: (f: FixedLengthIntegerClass) => Raw,
): void {
  g.alignTo(fieldClassAlignmentBits(fc), 0);
  for (const m of fc.memberClasses) {
    const f = m.fieldClass as FixedLengthIntegerClass;
    g.fixedRaw(f.lengthBits, f.alignmentBits, f.byteOrder, raws(f));
  }
}

/** Size of a structure of fixed integers when laid out from an offset with a known alignment. */
function layoutEnd(fc: StructureClass, off: number): number {
  off = roundUp(off, fieldClassAlignmentBits(fc));
  for (const m of fc.memberClasses) {
    off = roundUp(off, fieldClassAlignmentBits(m.fieldClass)) + (fixedSizeBits(m.fieldClass) ?? 0);
  }
  return off;
}

export interface CompileEventRecordSerializerOptions {
  traceClass?: TraceClass;
  dataStreamClass: DataStreamClass;
  eventRecordClass: EventRecordClass;
}

/** Compiles the serializer of one event record class of a data stream class. */
export function compileEventRecordSerializer(
  o: CompileEventRecordSerializerOptions,
): CompiledEventRecordSerializer {
  const r = generateEventRecordWriter(o, undefined);
  const fns = instantiate<{ write: PositionalWriteFunction; writeObjects: ObjectWriteFunction }>(
    r.source,
    r.consts,
  );
  return Object.freeze({
    dataStreamClass: o.dataStreamClass,
    eventRecordClass: o.eventRecordClass,
    argumentNames: Object.freeze(r.argNames),
    write: fns.write,
    writeObjects: fns.writeObjects,
    eventHeader: r.headerKind,
    source: r.source,
  });
}

export interface CompileEventRecordTranscoderOptions extends CompileEventRecordSerializerOptions {
  /**
   * Where fields come from, by argument name (as in the serializer's `argumentNames`:
   * `context.NAME`, `event-context.NAME`, payload members by name). Arguments without a source
   * are taken from the `values` array.
   */
  readonly sources: Readonly<Record<string, FieldSource>>;
}

/**
 * Compiles a transcoder of one event record class: the serializer's code (same header decision,
 * alignment, bounds checks, statuses), where the sourced fields are read from a source record's
 * bytes instead of JavaScript values (see FieldSource). For tracers that re-encode another
 * binary format (ftrace records) with no value per field in between. For the same values, the
 * record is byte for byte what `compileEventRecordSerializer`'s `write` writes.
 */
export function compileEventRecordTranscoder(
  o: CompileEventRecordTranscoderOptions,
): CompiledEventRecordTranscoder {
  const r = generateEventRecordWriter(o, o.sources);
  const fns = instantiate<{ write: TranscodeWriteFunction }>(r.source, r.consts);
  return Object.freeze({
    dataStreamClass: o.dataStreamClass,
    eventRecordClass: o.eventRecordClass,
    argumentNames: Object.freeze(r.argNames),
    valueArgumentNames: Object.freeze(r.valueArgNames),
    write: fns.write,
    eventHeader: r.headerKind,
    source: r.source,
  });
}

/** Checks that a source can fill a field of this class (compile time, with the field named). */
function checkSource(ercName: string, name: string, fc: FieldClass, src: FieldSource): void {
  const bad = (why: string): never => {
    throw new CtfWriterError(`${ercName}: field "${name}": ${why}`);
  };
  const isInt = (f: FieldClass): f is FixedLengthIntegerClass =>
    f.kind === FieldClassKind.FixedLengthUnsignedInteger ||
    f.kind === FieldClassKind.FixedLengthSignedInteger;
  const offset = (n: number, what: string) => {
    if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) bad(`the source ${what} ${n} is not a byte offset`);
  };
  const order = (b: string) => {
    if (b !== 'le' && b !== 'be') bad(`the source byte order "${b}" is neither "le" nor "be"`);
  };
  switch (src.kind) {
    case 'integer':
    case 'integer-array': {
      offset(src.offsetBytes, 'offset');
      order(src.byteOrder);
      if (![1, 2, 4, 8].includes(src.sizeBytes))
        bad(`a source integer has 1, 2, 4 or 8 bytes, not ${src.sizeBytes}`);
      if (src.kind === 'integer') {
        const a = src.addend ?? 0;
        if (!Number.isInteger(a) || Math.abs(a) >= 2 ** 31) bad(`the addend ${a} is not a 32-bit integer`);
        if (a !== 0 && src.sizeBytes === 8) bad('an addend needs a source integer of at most 4 bytes');
        if (!isInt(fc) && fc.kind !== FieldClassKind.FixedLengthBitArray)
          bad('an integer source needs a fixed-length integer or bit array field');
        return;
      }
      if (fc.kind !== FieldClassKind.StaticLengthArray || !isInt(fc.elementFieldClass))
        bad('an integer-array source needs a static-length array of fixed-length integers');
      const e = (fc as { elementFieldClass: FixedLengthIntegerClass }).elementFieldClass;
      if (e.lengthBits % 8 !== 0 || e.alignmentBits < 8)
        bad('an integer-array source needs elements of whole bytes aligned on at least 8 bits');
      return;
    }
    case 'bytes': {
      offset(src.offsetBytes, 'offset');
      if (fc.kind === FieldClassKind.StaticLengthBlob) return;
      if (
        fc.kind !== FieldClassKind.StaticLengthArray ||
        !isInt(fc.elementFieldClass) ||
        fc.elementFieldClass.lengthBits !== 8 ||
        fc.elementFieldClass.alignmentBits !== 8
      ) {
        bad(
          'a bytes source needs a static-length blob or a static-length array of 8-bit integers aligned on 8 bits',
        );
      }
      return;
    }
    case 'string':
    case 'located-string':
      if (src.kind === 'string') offset(src.offsetBytes, 'offset');
      else {
        offset(src.descriptorOffsetBytes, 'descriptor offset');
        order(src.byteOrder);
      }
      if (fc.kind !== FieldClassKind.NullTerminatedString)
        bad('a string source needs a null-terminated string field');
      return;
    default:
      bad(`unknown source kind "${(src as { kind: string }).kind}"`);
  }
}

/** Generates the serializer (no sources) or a transcoder of one event record class. */
function generateEventRecordWriter(
  o: CompileEventRecordSerializerOptions,
  sourcesByArg: Readonly<Record<string, FieldSource>> | undefined,
): {
  source: string;
  consts: unknown[];
  argNames: string[];
  valueArgNames: string[];
  headerKind: CompiledEventRecordSerializer['eventHeader'];
} {
  const { dataStreamClass: dsc, eventRecordClass: erc } = o;
  const ercName = erc.name;
  const plan = headerPlan(dsc, ercName);
  const roots: Partial<Record<FieldLocationOrigin, StructureClass>> = {};
  if (dsc.eventRecordCommonContextFieldClass)
    roots['event-record-common-context'] = dsc.eventRecordCommonContextFieldClass;
  if (erc.specificContextFieldClass) roots['event-record-specific-context'] = erc.specificContextFieldClass;
  if (erc.payloadFieldClass) roots['event-record-payload'] = erc.payloadFieldClass;
  const scopes: FieldLocationOrigin[] = [
    'event-record-common-context',
    'event-record-specific-context',
    'event-record-payload',
  ];
  const g = new Generator(JSON.stringify(ercName), ercName, roots);
  collectTargets(g, roots, scopes, ercName);

  // Positional arguments: root members that are not computed length fields.
  const argNames: string[] = [];
  const argExprs = new Map<string, string>();
  const objectArgs: { scope: number; name: string }[] = [];
  // Transcoders: sourced arguments by location key; the others come from `V`.
  const sourced = new Map<string, FieldSource>();
  const valueArgNames: string[] = [];
  const valueLoads: string[] = [];
  scopes.forEach((origin, si) => {
    const root = roots[origin];
    if (!root) return;
    for (const m of root.memberClasses) {
      const key = locKey(origin, [m.name]);
      if (g.targets.get(key)?.kind === 'length') continue;
      const a = `a${argNames.length}`;
      const argName = ORIGIN_PREFIX[origin] + m.name;
      argNames.push(argName);
      const src = sourcesByArg && Object.hasOwn(sourcesByArg, argName) ? sourcesByArg[argName] : undefined;
      if (src !== undefined) {
        if (g.targets.has(key)) {
          throw new CtfWriterError(
            `${ercName}: field "${argName}" selects a variant option: give it as a value`,
          );
        }
        checkSource(ercName, argName, m.fieldClass, src);
        sourced.set(key, src);
        continue;
      }
      if (sourcesByArg) {
        valueLoads.push(`  const ${a} = V[${valueArgNames.length}];`);
        valueArgNames.push(argName);
      }
      argExprs.set(key, a);
      objectArgs.push({ scope: si, name: m.name });
      g.setScope(key, { expr: a, fc: m.fieldClass, inside: false });
    }
  });
  if (sourcesByArg) {
    for (const name of Object.keys(sourcesByArg)) {
      if (!argNames.includes(name)) {
        throw new CtfWriterError(
          `${ercName}: a source is given for "${name}", which is not an argument (${argNames.join(', ') || 'none'})`,
        );
      }
    }
    g.sources = sourced;
  }

  // Header.
  const headerAlign = plan.kind === 'none' ? 8 : fieldClassAlignmentBits(plan.fc);
  if (headerAlign < 8) {
    throw new CtfWriterError(
      `${ercName}: the event header is aligned on ${headerAlign} bits; records must start on a byte (align it to at least 8 bits)`,
    );
  }
  g.emit(`let b = (at + ${headerAlign - 1}) & ${-headerAlign};`);
  g.emit('const s0 = b >>> 3;');
  g.emit('let p = s0;');
  // With a header, its bounds check comes first and covers `b > end`.
  if (plan.kind === 'none') g.emit('if (b > end) return -1;');
  // Alignment gap bytes: none when the header is byte-aligned (LTTng's layout), as
  // `(at + 7) >>> 3 === s0` then; the loop stays out of the generated code.
  if (headerAlign > 8) g.emit('for (let z = (at + 7) >>> 3; z < s0; z++) u8[z] = 0;');
  const declAt = g.lines.length;
  g.state = { off: 0, balign: headerAlign, checked: 0 };

  const bodyClasses = scopes.map((s) => roots[s]).filter((x): x is StructureClass => !!x);
  const bodyRunExtent = (state: { off: number; balign: number }): number => {
    let off = state.off;
    for (const c of bodyClasses) {
      const sz = fixedSizeBits(c);
      const al = fieldClassAlignmentBits(c);
      if (sz === null || al > state.balign) {
        // Cover the run of fixed members at the start of this scope.
        if (al <= state.balign) {
          off = roundUp(off, al);
          for (const m of c.memberClasses) {
            const s2 = fixedSizeBits(m.fieldClass);
            const a2 = fieldClassAlignmentBits(m.fieldClass);
            if (s2 === null || a2 > state.balign) break;
            off = roundUp(off, a2) + s2;
          }
        }
        return off;
      }
      off = roundUp(off, al) + sz;
    }
    return off;
  };

  let headerKind: CompiledEventRecordSerializer['eventHeader'] = 'none';
  if (plan.kind === 'lttng-compact' || plan.kind === 'lttng-large') {
    headerKind = plan.kind;
    const compact = plan.kind === 'lttng-compact';
    const limit = compact ? LTTNG_COMPACT_ID_LIMIT : LTTNG_LARGE_ID_LIMIT;
    const tsBits = compact ? LTTNG_COMPACT_TIMESTAMP_BITS : LTTNG_LARGE_TIMESTAMP_BITS;
    const idFc = plan.fc.memberClasses[0]!.fieldClass as FixedLengthIntegerClass;
    const variantFc = plan.fc.memberClasses[1]!.fieldClass as FieldClass & {
      kind: typeof FieldClassKind.Variant;
    };
    const compactFc = variantFc.options.find((x) => x.name === 'compact')!.fieldClass as StructureClass;
    const extendedFc = variantFc.options.find((x) => x.name === 'extended')!.fieldClass as StructureClass;
    const idFits = erc.id < limit;
    const s0 = g.state;
    const m = (f: StructureClass, i: number) => f.memberClasses[i]?.fieldClass as FixedLengthIntegerClass;
    const byteInt = (f: FixedLengthIntegerClass | undefined, bits: number) =>
      f !== undefined && f.lengthBits === bits && f.alignmentBits === 8 && f.byteOrder === idFc.byteOrder;
    if (
      !compact &&
      idFits &&
      s0.off === 0 &&
      s0.balign === 8 &&
      byteInt(idFc, 16) &&
      extendedFc.memberClasses.length === 2 &&
      byteInt(m(extendedFc, 0), 32) &&
      m(extendedFc, 0).roles.includes('event-record-class-id') &&
      byteInt(m(extendedFc, 1), 64) &&
      compactFc.memberClasses.length === 1 &&
      byteInt(m(compactFc, 0), 32)
    ) {
      // lttng-ust's large header, byte-aligned: one call of a shared function instead of two
      // branches of stores (bench/node/tracepoint.bench.ts: the serializer stays small enough to
      // be inlined into the tracepoint). Same bounds checks, same bytes.
      const body = bodyRunExtent({ off: 0, balign: 8 });
      const h = g.konst(
        Object.freeze({ id: erc.id, extendedNeedBits: 112 + body, compactNeedBits: 48 + body }),
      );
      g.emit(`b = ${idFc.byteOrder === 'le' ? '$lhLE' : '$lhBE'}(dv, b, end, st, tsHi, tsLo, ${h});`);
      g.emit('if (b < 0) return -1;');
      g.emit('p = b >>> 3;');
      g.state = { off: 0, balign: 8, checked: body };
      g.resetByteOrder();
    } else {
      // LTTng (lttng_write_event_header): extended when the id does not fit, or when the bits of the
      // timestamp above the compact variant's changed since the previous record of this buffer.
      const tsChanged =
        tsBits === 32 ? 'tsHi !== st[0]' : `tsHi !== st[0] || (tsLo >>> ${tsBits}) !== (st[1] >>> ${tsBits})`;
      g.emit(idFits ? `const ext = st[2] !== 0 || ${tsChanged};` : 'const ext = true;');
      const branch = (isExt: boolean): PosState => {
        g.state = s0;
        g.resetByteOrder();
        const idEnd = roundUp(s0.off, idFc.alignmentBits) + idFc.lengthBits;
        const end = layoutEnd(isExt ? extendedFc : compactFc, idEnd);
        const after = { off: 0, balign: Math.min(s0.balign, lowBit(end)) };
        g.atRecordStart = true;
        g.ensure(end + bodyRunExtent(after));
        g.atRecordStart = false;
        g.fixedRaw(idFc.lengthBits, idFc.alignmentBits, idFc.byteOrder, {
          lo: String(isExt ? limit : erc.id),
          hi: null,
        });
        writeHeaderStruct(g, isExt ? extendedFc : compactFc, (f) =>
          f.roles.includes('event-record-class-id')
            ? { lo: String(erc.id >>> 0), hi: null }
            : roleRaw(f, erc.id, ercName),
        );
        g.sync();
        return g.state;
      };
      if (idFits) {
        g.open('if (ext) {');
        const e = branch(true);
        g.elseBranch();
        const c = branch(false);
        g.close();
        const balign = Math.min(e.balign, c.balign);
        g.state = { off: 0, balign, checked: Math.min(e.checked, c.checked) };
      } else {
        const e = branch(true);
        g.state = e;
      }
      g.resetByteOrder();
    }
  } else if (plan.kind === 'generic') {
    headerKind = 'generic';
    const end = layoutEnd(plan.fc, 0);
    g.atRecordStart = true;
    g.ensure(end + bodyRunExtent({ off: 0, balign: Math.min(headerAlign, lowBit(end)) }));
    g.atRecordStart = false;
    writeHeaderStruct(g, plan.fc, (f) => roleRaw(f, erc.id, ercName));
    g.resetByteOrder();
  } else {
    g.atRecordStart = true;
    g.ensure(bodyRunExtent(g.state));
    g.atRecordStart = false;
  }

  // Scopes.
  g.members(bodyClasses, (i) => {
    const c = bodyClasses[i]!;
    const origin = scopes.filter((s) => roots[s])[i]!;
    g.resetByteOrder();
    g.structure(c, origin, [], '""', (name) => argExprs.get(locKey(origin, [name])) ?? 'undefined');
  });
  // The record's end: returned, not stored (nothing follows).
  const tail = g.state.off;
  g.emit('st[0] = tsHi;');
  g.emit('st[1] = tsLo;');
  g.emit('st[2] = 0;');
  g.emit(tail === 0 ? 'return b;' : `return b + ${tail};`);

  const decls: string[] = [];
  for (const t of g.targets.values())
    decls.push(`let ${t.varName} = ${t.kind === 'length' ? -1 : 'undefined'};`);
  const body = [...g.lines.slice(0, declAt), ...decls.map((d) => `  ${d}`), ...g.lines.slice(declAt)];
  if (sourcesByArg) {
    const tname = `transcode_${ercName.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 80);
    const tparams = ['u8', 'dv', 'at', 'end', 'st', 'ts', 'src', 'sv', 'sp', 'sl', 'V'];
    const tsource = `${HELPERS}
const ${tname} = function ${tname}(${tparams.join(', ')}) {
  const tsHi = ts[0], tsLo = ts[1];
${[...valueLoads, ...body].join('\n')}
};
return { write: ${tname} };
`;
    return { source: tsource, consts: g.consts, argNames, valueArgNames, headerKind };
  }
  const params = ['u8', 'dv', 'at', 'end', 'st', 'tsHi', 'tsLo', ...argNames.map((_, i) => `a${i}`)];
  const fname = `write_${ercName.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 80);
  const objArgs = objectArgs.map(({ scope, name }) => `${['c', 'x', 'f'][scope]}[${JSON.stringify(name)}]`);
  const scopeChecks = [0, 1, 2]
    .filter((si) => objectArgs.some((a) => a.scope === si))
    .map((si) => {
      const v = ['c', 'x', 'f'][si];
      const what = ['the common context', 'the specific context', 'the payload'][si];
      return `  if (typeof ${v} !== 'object' || ${v} === null) throw new $.CtfValueErrorCtor(${JSON.stringify(`${ercName}: ${what} must be an object keyed by member name`)} + ", got " + $.describeValue(${v}));`;
    });
  const source = `${HELPERS}
const ${fname} = function ${fname}(${params.join(', ')}) {
${body.join('\n')}
};
const objects = function ${fname}_objects(u8, dv, at, end, st, tsHi, tsLo, c, x, f) {
${scopeChecks.join('\n')}
  return ${fname}(u8, dv, at, end, st, tsHi, tsLo${objArgs.map((a) => `, ${a}`).join('')});
};
return { write: ${fname}, writeObjects: objects };
`;
  return { source, consts: g.consts, argNames, valueArgNames, headerKind };
}

/**
 * Compiles a writer for one structure given as an object (packet header, packet context):
 * `(u8, dv, atBits, endBits, value) => newAtBits | -1`.
 */
export function compileStructureSerializer(
  fc: StructureClass,
  origin: FieldLocationOrigin,
  label: string,
): { write: StructureWriteFunction; source: string; fixedSizeBits: number | null } {
  const roots: Partial<Record<FieldLocationOrigin, StructureClass>> = { [origin]: fc };
  const g = new Generator(JSON.stringify(label), label, roots);
  collectTargets(g, roots, [origin], label);
  const a = Math.max(8, fieldClassAlignmentBits(fc));
  g.emit(`let b = (at + ${a - 1}) & ${-a};`);
  g.emit('const s0 = b >>> 3;');
  g.emit('let p = s0;');
  const declAt = g.lines.length;
  g.state = { off: 0, balign: a, checked: 0 };
  g.emit(
    `if (typeof v !== 'object' || v === null) throw new $.CtfValueErrorCtor(${JSON.stringify(`${label}: expected an object keyed by member name`)});`,
  );
  for (const m of fc.memberClasses) {
    g.setScope(locKey(origin, [m.name]), {
      expr: `v[${JSON.stringify(m.name)}]`,
      fc: m.fieldClass,
      inside: false,
    });
  }
  g.structure(fc, origin, [], '""', (name) => `v[${JSON.stringify(name)}]`);
  g.sync();
  g.emit('return b;');
  const decls: string[] = [];
  for (const t of g.targets.values())
    decls.push(`  let ${t.varName} = ${t.kind === 'length' ? -1 : 'undefined'};`);
  const body = [...g.lines.slice(0, declAt), ...decls, ...g.lines.slice(declAt)];
  const source = `${HELPERS}
return function write_structure(u8, dv, at, end, v) {
${body.join('\n')}
};
`;
  return {
    write: instantiate<StructureWriteFunction>(source, g.consts),
    source,
    fixedSizeBits: fixedSizeBits(fc),
  };
}
