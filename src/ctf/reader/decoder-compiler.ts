/**
 * Compiles CTF IR field classes into specialized JavaScript (yactfr's idea: decide everything once,
 * per field class, instead of per field at decode time). Three flavours per scope:
 *
 * - `skip`: validates and steps over a scope, applying special meanings (event class ID, packet
 *   sizes, timestamps...), clock updates and stored values. Used to find event boundaries, detect
 *   malformed data before anything is printed, and count events.
 * - `text`: decodes and prints the scope in babeltrace2's text format straight into a byte buffer.
 * - `values`: decodes the scope into plain JS values (API, JSON).
 *
 * Generated functions take a DecodeState and return a DecodeStatus. Field layout facts known at
 * compile time (byte alignment, fixed sizes) remove alignment code and merge bounds checks.
 */

import { type IrFieldClass, type IrInt, isIrInt, Meaning } from './ctf-ir.js';
import { type DecodeState, DecodeStatus } from './decode-state.js';
import * as H from './text-helpers.js';

export type ScopeFn = (st: DecodeState) => number;

export type CompileMode = 'skip' | 'text' | 'values';

export interface CompileOptions {
  readonly mode: CompileMode;
  /** Text mode: print member names (`a = 1`) and array indexes (`[0] = 1`). */
  readonly printNames?: boolean;
  /**
   * Text mode: also validate, apply special meanings, clock updates and stored values, exactly
   * as the skip flavour does (same checks at the same places, so the same errors): one pass
   * instead of a skip pass then a text pass.
   */
  readonly validate?: boolean;
  /** Used in error messages: `event.fields`, `stream.packet.context`, ... */
  readonly scopeName: string;
}

const TWO32 = 4294967296;

/** Output bytes a text decoder may write before checking: callers leave that much free. */
export const TEXT_SLACK = 4096;
/** Packet context texts up to this many words are written without a loop (DecodeState.pctx0..). */
export const PCTX_WORDS = 4;

/** Exact number of a 64-bit pattern, or NaN when not exactly representable. */
function num64(hi: number, lo: number, signed: boolean): number {
  if (signed && hi >= 0x80000000) {
    if (hi >= 0xffe00000) return (hi - TWO32) * TWO32 + lo;
    return Number.NaN;
  }
  return hi < 0x200000 ? hi * TWO32 + lo : Number.NaN;
}

/** A 64-bit pattern read as int64 (babeltrace2 keeps packet sizes in int64), as a number. */
function i64(hi: number, lo: number): number {
  if (hi >= 0x80000000) return -((~hi >>> 0) * TWO32 + (~lo >>> 0) + 1);
  return hi * TWO32 + lo;
}

/** babeltrace2's default clock update: the new value gives the low `size` bits. */
export function updateClock(st: DecodeState, hi: number, lo: number, size: number): void {
  if (size === 64) {
    st.clkHi = hi;
    st.clkLo = lo;
    return;
  }
  if (size <= 32) {
    const m = size === 32 ? TWO32 : 2 ** size;
    const curMasked = st.clkLo % m;
    let cHi = st.clkHi;
    let cLo = st.clkLo;
    if (lo < curMasked) {
      // Wrapped once on `size` bits.
      if (size === 32) cHi = (cHi + 1) % TWO32;
      else {
        cLo += m;
        if (cLo >= TWO32) {
          cLo -= TWO32;
          cHi = (cHi + 1) % TWO32;
        }
      }
    }
    st.clkHi = cHi;
    st.clkLo = cLo - (cLo % m) + lo;
    return;
  }
  const mh = 2 ** (size - 32);
  const curHiMasked = st.clkHi % mh;
  let cHi = st.clkHi;
  if (hi < curHiMasked || (hi === curHiMasked && lo < st.clkLo)) cHi = (cHi + mh) % TWO32;
  st.clkHi = cHi - (cHi % mh) + hi;
  st.clkLo = lo;
}

/** Last value of string fields of one scope of a (recycled) babeltrace2 event object. */
export interface StringSlots {
  readonly a: (Slot | undefined)[];
  readonly m: Map<string, Slot>;
}

interface Slot {
  b: Uint8Array;
  /** A view of `b` (the fused copy stores four bytes at a time). */
  d: DataView;
  n: number;
}

function newSlot(size: number): Slot {
  const b = new Uint8Array(size);
  return { b, d: new DataView(b.buffer), n: 0 };
}

/** 1 for each pair of bytes (little-endian 16-bit value) of which one is 0 or is escaped. */
const STOP2 = (() => {
  const t = new Uint8Array(65536);
  for (let h = 0; h < 65536; h++) t[h] = H.NEEDS_ESCAPE[h & 0xff]! | H.NEEDS_ESCAPE[h >>> 8]!;
  return t;
})();

/** Where the fused copy writes when there is no event object (never read). */
const SCRATCH = new Uint8Array(1 << 16);

export function newStringSlots(): StringSlots {
  return { a: [], m: new Map() };
}

function saveSlot(s: Slot | undefined, u8: Uint8Array, t: number, n: number): Slot {
  const len = n - t;
  if (!s) s = newSlot(Math.max(32, len));
  else if (s.b.length < len) {
    s.b = new Uint8Array(len * 2);
    s.d = new DataView(s.b.buffer);
  }
  const b = s.b;
  // A loop: short strings are the rule, and subarray() would allocate.
  for (let i = 0; i < len; i++) b[i] = u8[t + i]!;
  s.n = len;
  return s;
}

const HELPERS = {
  wstr: H.wstr,
  slotLenA(sl: StringSlots, k: number): number {
    return sl.a[k]?.n ?? 0;
  },
  slotLenM(sl: StringSlots, k: string): number {
    return sl.m.get(k)?.n ?? 0;
  },
  wslotA(out: Uint8Array, o: number, sl: StringSlots, k: number): number {
    const s = sl.a[k];
    return s ? H.wqstr(out, o, s.b, 0, s.n) : H.wqstr(out, o, s as unknown as Uint8Array, 0, 0);
  },
  wslotM(out: Uint8Array, o: number, sl: StringSlots, k: string): number {
    const s = sl.m.get(k);
    return s ? H.wqstr(out, o, s.b, 0, s.n) : H.wqstr(out, o, s as unknown as Uint8Array, 0, 0);
  },
  /** A new, empty slot `k` (room for common strings, so the fused copy can fill it). */
  newSlotA(sl: StringSlots, k: number): Slot {
    const s = newSlot(64);
    sl.a[k] = s;
    return s;
  },
  SCRATCH,
  SCRATCH_VIEW: new DataView(SCRATCH.buffer),
  STOP2,
  saveSlotA(sl: StringSlots, k: number, u8: Uint8Array, t: number, n: number): void {
    sl.a[k] = saveSlot(sl.a[k], u8, t, n);
  },
  saveSlotM(sl: StringSlots, k: string, u8: Uint8Array, t: number, n: number): void {
    sl.m.set(k, saveSlot(sl.m.get(k), u8, t, n));
  },
  readLe32: H.readLe32,
  readBe32: H.readBe32,
  readLe64: H.readLe64,
  readBe64: H.readBe64,
  signExtend32: H.signExtend32,
  signExtend64: H.signExtend64,
  toBigU: H.toBigU,
  toBigS: H.toBigS,
  wudec: H.wudec,
  wu32: H.wu32,
  ws32: H.ws32,
  ESC: H.NEEDS_ESCAPE,
  wsdec: H.wsdec,
  wudec64: H.wudec64,
  wsdec64: H.wsdec64,
  whex: H.whex,
  whex64: H.whex64,
  woct64: H.woct64,
  wbin64: H.wbin64,
  mask64: H.mask64,
  wfloat: H.wfloat,
  wqstr: H.wqstr,
  wqlabel: H.wqlabel,
  bitsToF32: H.bitsToF32,
  bitsToF64: H.bitsToF64,
  num64,
  i64,
  updateClock,
  utf8: new TextDecoder('utf-8'),
  latin1Bytes(s: string): Uint8Array {
    const b = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
    return b;
  },
};

/** A latin1 (byte) string as a proper JS string (names are UTF-8 in practice). */
export function byteStringToText(s: string): string {
  return HELPERS.utf8.decode(HELPERS.latin1Bytes(s));
}

/** Position facts known at compile time: (p - packet start) ≡ rem (mod mod). */
interface Known {
  mod: number;
  rem: number;
}

/** Fixed size in bits of a field class whose layout never varies, or -1. */
export function fixedSizeBits(fc: IrFieldClass): number {
  switch (fc.type) {
    case 'int':
    case 'enum':
    case 'float':
      return fc.size;
    case 'string':
    case 'sequence':
    case 'variant':
      return -1;
    case 'array': {
      if (fc.length === 0) return 0;
      const s = fixedSizeBits(fc.elem);
      if (s < 0) return -1;
      const a = fc.elem.alignment;
      // Elements are contiguous only if the size keeps the alignment.
      if (s % a !== 0) return -1;
      return fc.length * s;
    }
    case 'struct': {
      let pos = 0;
      for (const m of fc.members) {
        const a = m.fc.alignment;
        if (a > fc.alignment) return -1;
        pos = Math.ceil(pos / a) * a;
        const s = fixedSizeBits(m.fc);
        if (s < 0) return -1;
        pos += s;
      }
      return pos;
    }
  }
}

/** True if decoding the field class in skip mode needs to look at its bits. */
function skipNeedsRead(fc: IrFieldClass): boolean {
  switch (fc.type) {
    case 'int':
    case 'enum':
      return (
        (!fc.isSigned && (fc.meaning !== Meaning.None || fc.mappedClock !== null)) || fc.storingIndex >= 0
      );
    case 'float':
    case 'string':
      return fc.type === 'string';
    case 'struct':
      return fc.members.some((m) => skipNeedsRead(m.fc));
    case 'array':
      return skipNeedsRead(fc.elem);
    case 'sequence':
    case 'variant':
      return true;
  }
}

/** True if the text/values flavour must read the field (printed or stored). */
function outNeedsRead(fc: IrFieldClass): boolean {
  switch (fc.type) {
    case 'int':
    case 'enum':
      return fc.inIr || fc.storingIndex >= 0;
    case 'float':
      return fc.inIr;
    case 'string':
      return true;
    case 'struct':
      return fc.members.some((m) => outNeedsRead(m.fc));
    case 'array':
      return fc.inIr || outNeedsRead(fc.elem);
    case 'sequence':
    case 'variant':
      return true;
  }
}

function byteOrdersIn(fc: IrFieldClass, out: Set<string>): void {
  switch (fc.type) {
    case 'int':
    case 'enum':
    case 'float':
      out.add(fc.byteOrder);
      break;
    case 'struct':
      for (const m of fc.members) byteOrdersIn(m.fc, out);
      break;
    case 'variant':
      for (const m of fc.options) byteOrdersIn(m.fc, out);
      break;
    case 'array':
    case 'sequence':
      byteOrdersIn(fc.elem, out);
      break;
    default:
      break;
  }
}

/** Code making `need` (a JS expression) bytes free after `o`: st.grow, then the output's new buffer. */
function roomCheck(need: string): string {
  return `if (o + ${need} > oend) { st.o = o; st.grow(${need}); out = st.out; o = st.o; oend = st.oend; odv = VIEW(out); }`;
}

class Gen {
  private readonly lines: string[] = [];
  private indent = 1;
  private loopVar = 0;
  private tmpVar = 0;
  private readonly consts: Uint8Array[] = [];
  private readonly constIndex = new Map<string, number>();
  readonly strs: string[] = [];
  private known: Known = { mod: 1, rem: 0 };
  /** The scope mixes byte orders: track the last one at run time (babeltrace2's rule). */
  private readonly trackBo: boolean;
  /** Text flavour that validates like the skip flavour (CompileOptions.validate). */
  private readonly validate: boolean;
  /** > 0 while a merged bounds check covers the fields being generated. */
  private suppress = 0;
  /** Text lines: arrays whose integer elements are followed by an annotation (index into `annotators`). */
  private readonly annotated = new Map<IrFieldClass, number>();
  private readonly annotators: ElementAnnotator[] = [];
  /** Text lines: integer fields whose values go to the event object's caps (TextLineScope.captures). */
  private readonly captured = new Map<IrFieldClass, number>();

  constructor(
    private opts: CompileOptions,
    ...roots: IrFieldClass[]
  ) {
    this.validate = opts.mode === 'text' && opts.validate === true;
    // babeltrace2 checks byte order changes within one scope (one BFCR run).
    this.trackBo =
      (opts.mode === 'skip' || this.validate) &&
      roots.some((root) => {
        const bos = new Set<string>();
        byteOrdersIn(root, bos);
        return bos.size > 1;
      });
  }

  get mode(): CompileMode {
    return this.opts.mode;
  }

  /** Bounds checks, meanings and malformed-data errors are generated (skip or validating text). */
  private get checking(): boolean {
    return this.opts.mode === 'skip' || (this.opts.mode === 'text' && this.validate);
  }

  emit(s: string): void {
    if (this.pend !== '') this.flushPend();
    this.lines.push('  '.repeat(this.indent) + s);
  }

  /**
   * A statement that neither writes output nor reads `o`, or that returns early (the output of a
   * line that fails is dropped): constant text pending before it stays pending (see put).
   */
  private emitPure(s: string): void {
    this.lines.push('  '.repeat(this.indent) + s);
  }

  private block(head: string, body: () => void, tail = '}'): void {
    this.emit(head);
    this.indent++;
    body();
    this.indent--;
    this.emit(tail);
  }

  private newLoopVar(): string {
    return `i${this.loopVar++}`;
  }

  private newTmp(): string {
    return `x${this.tmpVar++}`;
  }

  private str(s: string): string {
    this.strs.push(s);
    return `S[${this.strs.length - 1}]`;
  }

  /**
   * Constant text not written yet: consecutive put() calls (`' }'`, `', '`, `'{ '`, a name...)
   * become one run of four-byte stores (bench/view: a kernel line's constants went from 27
   * stores to 13).
   */
  private pend = '';

  /** Code writing the latin1 string `s` at `o` (pending until the next statement that needs it). */
  private put(s: string): void {
    if (this.mode !== 'text' || s.length === 0) return;
    if (s.length <= 64) {
      this.pend += s;
      if (this.pend.length >= 64) this.flushPend();
      return;
    }
    if (this.pend !== '') this.flushPend();
    let k = this.constIndex.get(s);
    if (k === undefined) {
      k = this.consts.length;
      this.consts.push(HELPERS.latin1Bytes(s));
      this.constIndex.set(s, k);
    }
    this.emit(`out.set(K[${k}], o); o += ${s.length};`);
  }

  /**
   * Writes the pending constant text: unrolled four-byte stores, cheaper than a TypedArray#set
   * call or byte stores (bench/view). The last store may cover up to 3 bytes past the text (the
   * next write overwrites them) when the bytes reserved by the last room check leave room for
   * them; otherwise the tail is written a byte at a time.
   */
  private flushPend(): void {
    const s = this.pend;
    this.pend = '';
    const parts: string[] = [];
    const byte = (i: number): number => (i < s.length ? s.charCodeAt(i) & 0xff : 0);
    const word = (i: number): number =>
      (byte(i) | (byte(i + 1) << 8) | (byte(i + 2) << 16) | (byte(i + 3) << 24)) >>> 0;
    let i = 0;
    for (; i + 4 <= s.length; i += 4) parts.push(`odv.setUint32(o + ${i}, ${word(i)}, true);`);
    const overrun = i < s.length && this.staticUsed + 3 <= TEXT_SLACK;
    if (overrun) parts.push(`odv.setUint32(o + ${i}, ${word(i)}, true);`);
    else for (; i < s.length; i++) parts.push(`out[o + ${i}] = ${byte(i)};`);
    parts.push(`o += ${s.length};`);
    this.lines.push('  '.repeat(this.indent) + parts.join(' '));
  }

  /** Makes room for `n` more output bytes (JS expression). */
  /** Static output bytes written since the last room check (the caller guarantees TEXT_SLACK). */
  private staticUsed = 0;

  /**
   * Makes room for `n` more output bytes. A constant `n` is counted against the TEXT_SLACK bytes
   * known to be free (no code); a check reserves TEXT_SLACK more so that the next constant
   * writes need none.
   */
  private room(n: string): void {
    if (this.mode !== 'text') return;
    const k = /^\d+$/.test(n) ? Number(n) : -1;
    if (k >= 0 && this.staticUsed + k <= TEXT_SLACK) {
      this.staticUsed += k;
      return;
    }
    if (k > TEXT_SLACK) {
      this.emit(roomCheck(String(k + TEXT_SLACK)));
      this.staticUsed = 0;
      return;
    }
    this.emit(roomCheck(k >= 0 ? String(TEXT_SLACK) : `${n} + ${TEXT_SLACK}`));
    this.staticUsed = k >= 0 ? k : 0;
  }

  /** After code that may or may not run (loops, branches): assume nothing is reserved. */
  private roomUnknown(): void {
    this.staticUsed = TEXT_SLACK + 1;
  }

  private align(a: number): void {
    if (a <= 1) return;
    const k = this.known;
    if (k.mod >= a && k.rem % a === 0) return;
    if (a <= 8) this.emitPure(`p = (p + ${a - 1}) & ${-a};`);
    else this.emit(`t = (p - pb) % ${a}; if (t !== 0) p += ${a} - t;`);
    this.known = { mod: a, rem: 0 };
  }

  private advanceKnown(bits: number): void {
    this.known = { mod: this.known.mod, rem: (this.known.rem + bits) % this.known.mod };
  }

  private get byteAligned(): boolean {
    return this.known.mod >= 8 && this.known.rem % 8 === 0;
  }

  private check(bits: string, what: string): void {
    if (!this.checking || this.suppress > 0) return;
    this.emitPure(`if (p + ${bits} > lim) return st.short(p, ${bits}, ${this.str(what)});`);
  }

  private boCheck(bo: string, what: string): void {
    if (!this.trackBo) return;
    const code = bo === 'le' ? 1 : 2;
    this.emit(
      `if (lbo !== 0 && lbo !== ${code} && ((p - pb) & 7) !== 0) return st.fail(p, ${this.str(`${what}: two different byte orders not at a byte boundary`)}); lbo = ${code};`,
    );
  }

  /** Reads an integer at p (aligned), leaving v (<= 32 bits) or hi/lo (> 32 bits); advances p. */
  private readInt(size: number, bo: string, signed: boolean): void {
    const le = bo === 'le';
    if (size <= 32) {
      if (this.byteAligned && (size === 8 || size === 16 || size === 32)) {
        const fn = `${signed ? 'getInt' : 'getUint'}${size}`;
        this.emit(size === 8 ? `v = dv.${fn}(p >>> 3);` : `v = dv.${fn}(p >>> 3, ${le});`);
      } else {
        this.emit(`v = H.${le ? 'readLe32' : 'readBe32'}(u8, p, ${size});`);
        if (signed) this.emit(`v = H.signExtend32(v, ${size});`);
      }
    } else {
      if (this.byteAligned && size === 64) {
        if (le) this.emit('lo = dv.getUint32(p >>> 3, true); hi = dv.getUint32((p >>> 3) + 4, true);');
        else this.emit('hi = dv.getUint32(p >>> 3, false); lo = dv.getUint32((p >>> 3) + 4, false);');
      } else {
        this.emit(`H.${le ? 'readLe64' : 'readBe64'}(u8, p, ${size}, st); hi = st.hi; lo = st.lo;`);
      }
      if (signed && size < 64) this.emit(`st.hi = hi; st.lo = lo; H.signExtend64(st, ${size}); hi = st.hi;`);
    }
    this.emit(`p += ${size};`);
    this.advanceKnown(size);
  }

  /** Expression of the current integer value as an exact number (or NaN). */
  private numExpr(fc: IrInt): string {
    if (fc.size <= 32) return 'v';
    return `H.num64(hi, lo, ${fc.isSigned})`;
  }

  private storeInt(fc: IrInt): void {
    if (fc.storingIndex < 0) return;
    const k = fc.storingIndex;
    if (fc.size <= 32) {
      this.emit(`sv[${k}] = v;`);
    } else {
      this.emit(
        `n = H.num64(hi, lo, ${fc.isSigned}); sv[${k}] = n; if (n !== n) st.svBig[${k}] = ${fc.isSigned ? 'H.toBigS' : 'H.toBigU'}(hi, lo);`,
      );
    }
  }

  private meaningAndClock(fc: IrInt, what: string): void {
    if (fc.isSigned) return;
    const hiE = fc.size <= 32 ? '0' : 'hi';
    const loE = fc.size <= 32 ? 'v' : 'lo';
    switch (fc.meaning) {
      case Meaning.None:
        break;
      case Meaning.EventClassId:
        this.emit(`st.ecId = ${this.numExpr(fc)};`);
        break;
      case Meaning.StreamClassId:
        this.emit(`st.scId = ${this.numExpr(fc)};`);
        break;
      case Meaning.DataStreamId:
        this.emit(`st.dsIdHi = ${hiE}; st.dsIdLo = ${loE}; st.dsIdSet = true;`);
        break;
      case Meaning.PacketBeginningTime:
        this.emit(`st.tsBeginHi = ${hiE}; st.tsBeginLo = ${loE}; st.tsBeginSet = true;`);
        break;
      case Meaning.PacketEndTime:
        this.emit(`st.tsEndHi = ${hiE}; st.tsEndLo = ${loE}; st.tsEndSet = true;`);
        break;
      case Meaning.Magic:
        this.emit(
          `if (${hiE} !== 0 || ${loE} !== 0xc1fc1fc1) return st.fail(p - ${fc.size}, ${this.str(`${what}: invalid CTF magic number`)} + ' 0x' + (${hiE} * 4294967296 + ${loE}).toString(16));`,
        );
        break;
      case Meaning.PacketCounterSnapshot:
        this.emit(`st.seqHi = ${hiE}; st.seqLo = ${loE}; st.seqSet = true;`);
        break;
      case Meaning.DiscardedEventsCounterSnapshot:
        this.emit(`st.discHi = ${hiE}; st.discLo = ${loE}; st.discSet = true;`);
        break;
      case Meaning.ExpectedPacketTotalSize:
        this.emit(`st.packetSizeBits = H.i64(${hiE}, ${loE});`);
        break;
      case Meaning.ExpectedPacketContentSize:
        this.emit(`st.contentSizeBits = H.i64(${hiE}, ${loE});`);
        break;
    }
    if (!fc.mappedClock) return;
    // updateClock inline for compact timestamps (27 and 32 bits in LTTng's headers): bit
    // operations instead of a call and float modulos (bench/view: once per event).
    if (fc.size === 32) {
      this.emit('if (v < st.clkLo) st.clkHi = (st.clkHi + 1) % 4294967296; st.clkLo = v;');
    } else if (fc.size < 32) {
      const m = 2 ** fc.size;
      this.emit(
        `{ let cl = st.clkLo; if (v < (cl & ${m - 1})) { cl += ${m}; if (cl >= 4294967296) { cl -= 4294967296; st.clkHi = (st.clkHi + 1) % 4294967296; } } st.clkLo = cl - (cl & ${m - 1}) + v; }`,
      );
    } else this.emit(`H.updateClock(st, ${hiE}, ${loE}, ${fc.size});`);
  }

  // --- text output of integers

  private printInt(fc: IrInt): void {
    this.room('160');
    if (fc.type === 'enum') {
      this.printEnum(fc);
      return;
    }
    this.printIntValue(fc);
  }

  private printIntValue(fc: IrInt): void {
    const size = fc.size;
    if (fc.isBool) {
      if (size <= 32) this.emit(`o = H.wstr(out, o, v !== 0 ? 'true' : 'false');`);
      else this.emit(`o = H.wstr(out, o, (hi | lo) !== 0 ? 'true' : 'false');`);
      return;
    }
    switch (fc.base) {
      case 10:
        if (size <= 32) this.emit(fc.isSigned ? 'o = H.ws32(out, o, v);' : 'o = H.wu32(out, o, v);');
        else this.emit(fc.isSigned ? 'o = H.wsdec64(out, o, hi, lo);' : 'o = H.wudec64(out, o, hi, lo);');
        return;
      case 16: {
        this.toHiLo(fc);
        if (size < 64) {
          const rounded = (size + 3) & ~3;
          // babeltrace2 masks to the size rounded to a nibble, signed or not; for 61..63-bit
          // fields it shifts 1 by 64 (x86: by 0), so the mask is 0 and it prints 0x0.
          if (rounded >= 64) this.emit('hi = 0; lo = 0;');
          else if (fc.isSigned)
            this.emit(`st.hi = hi; st.lo = lo; H.mask64(st, ${rounded}); hi = st.hi; lo = st.lo;`);
        }
        this.emit('o = H.whex64(out, o, hi, lo);');
        return;
      }
      case 8: {
        this.toHiLo(fc);
        if (fc.isSigned && size < 64) {
          const rounded = Math.floor((size - 1) / 3 + 1) * 3;
          this.emit(`st.hi = hi; st.lo = lo; H.mask64(st, ${rounded}); hi = st.hi; lo = st.lo;`);
        }
        this.emit('o = H.woct64(out, o, hi, lo);');
        return;
      }
      case 2:
        this.toHiLo(fc);
        this.emit(`o = H.wbin64(out, o, hi, lo, ${size});`);
        return;
    }
  }

  /** Normalizes the current value into hi/lo (two's complement on 64 bits). */
  private toHiLo(fc: IrInt): void {
    if (fc.size > 32) return;
    if (fc.isSigned)
      this.emit('if (v < 0) { hi = 4294967295; lo = v + 4294967296; } else { hi = 0; lo = v; }');
    else this.emit('hi = 0; lo = v;');
  }

  private printEnum(fc: IrInt): void {
    const useBig = fc.size > 32;
    const valueExpr = useBig ? (fc.isSigned ? 'H.toBigS(hi, lo)' : 'H.toBigU(hi, lo)') : 'v';
    const val = this.newTmp();
    this.emit(`const ${val} = ${valueExpr};`);
    this.put('( ');
    this.emit('n = 0;');
    for (const m of fc.mappings) {
      const conds = m.ranges.map((r) =>
        useBig
          ? `(${val} >= ${r.lower}n && ${val} <= ${r.upper}n)`
          : `(${val} >= ${Number(r.lower)} && ${val} <= ${Number(r.upper)})`,
      );
      if (conds.length === 0) continue;
      this.block(`if (${conds.join(' || ')}) {`, () => {
        this.emit('if (n++ !== 0) { out[o++] = 44; out[o++] = 32; }');
        this.room(String(4 * m.label.length + 8));
        this.emit(`o = H.wqlabel(out, o, ${this.str(m.label)});`);
      });
    }
    // Room checks inside the label branches hold only on their own path.
    this.roomUnknown();
    this.room('16');
    this.emit(`if (n === 0) { ${this.putInline('<unknown>')} }`);
    this.put(' : container = ');
    this.printIntValue(fc);
    this.put(' )');
  }

  private putInline(s: string): string {
    const parts: string[] = [];
    for (let i = 0; i < s.length; i++) parts.push(`out[o++] = ${s.charCodeAt(i)};`);
    return parts.join(' ');
  }

  // --- values mode

  private valueOfInt(fc: IrInt): string {
    if (fc.isBool) return fc.size <= 32 ? 'v !== 0' : '(hi | lo) !== 0';
    if (fc.size <= 32) return 'v';
    return `((n = H.num64(hi, lo, ${fc.isSigned})) === n ? n : ${fc.isSigned ? 'H.toBigS' : 'H.toBigU'}(hi, lo))`;
  }

  // --- fields

  /**
   * Emits the code of one field. In values mode, `target` is a JS assignment target prefix
   * (e.g. `o1["name"] = `) receiving the value.
   */
  field(fc: IrFieldClass, what: string, target: string | null): void {
    switch (fc.type) {
      case 'int':
      case 'enum':
        this.intField(fc, what, target);
        return;
      case 'float':
        this.floatField(fc, what, target);
        return;
      case 'string':
        this.stringField(what, target, fc);
        return;
      case 'struct':
        this.structField(fc, what, target);
        return;
      case 'array':
      case 'sequence':
        this.arrayField(fc, what, target);
        return;
      case 'variant':
        this.variantField(fc, what, target);
        return;
    }
  }

  private intField(fc: IrInt, what: string, target: string | null): void {
    this.align(fc.alignment);
    const mode = this.mode;
    const needRead =
      mode === 'skip'
        ? skipNeedsRead(fc)
        : fc.inIr || fc.storingIndex >= 0 || (this.checking && skipNeedsRead(fc));
    this.check(String(fc.size), what);
    this.boCheck(fc.byteOrder, what);
    if (!needRead) {
      this.emit(`p += ${fc.size};`);
      this.advanceKnown(fc.size);
      return;
    }
    this.readInt(fc.size, fc.byteOrder, fc.isSigned);
    this.storeInt(fc);
    if (this.checking) this.meaningAndClock(fc, what);
    if (mode === 'text' && fc.inIr) {
      const k = this.captured.get(fc);
      if (k !== undefined) this.captureInt(fc, k);
      this.printInt(fc);
    } else if (mode === 'values' && fc.inIr && target !== null) this.emit(`${target}${this.valueOfInt(fc)};`);
  }

  /** TextLineScope.captures: the value (before printing, which may mask it) into ob.caps. */
  private captureInt(fc: IrInt, k: number): void {
    if (this.loops.length > 0) {
      // An array element (a build ID's bytes): element i at k + i, as long as caps has room.
      const i = this.loops[this.loops.length - 1]!;
      if (fc.size <= 32)
        this.emit(`if (ob !== null && ${k} + ${i} < ${CAPS_LENGTH}) ob.caps[${k} + ${i}] = v;`);
      return;
    }
    if (fc.size <= 32) this.emit(`if (ob !== null) ob.caps[${k}] = v;`);
    else this.emit(`if (ob !== null) { ob.caps[${k}] = hi; ob.caps[${k + 1}] = lo; }`);
  }

  private floatField(fc: IrFieldClass & { type: 'float' }, what: string, target: string | null): void {
    this.align(fc.alignment);
    this.check(String(fc.size), what);
    this.boCheck(fc.byteOrder, what);
    if (this.mode === 'skip' || !fc.inIr) {
      this.emit(`p += ${fc.size};`);
      this.advanceKnown(fc.size);
      return;
    }
    const le = fc.byteOrder === 'le';
    if (fc.size === 32) {
      if (this.byteAligned) this.emit(`d = dv.getFloat32(p >>> 3, ${le});`);
      else this.emit(`d = H.bitsToF32(H.${le ? 'readLe32' : 'readBe32'}(u8, p, 32));`);
    } else if (this.byteAligned) {
      this.emit(`d = dv.getFloat64(p >>> 3, ${le});`);
    } else {
      this.emit(`H.${le ? 'readLe64' : 'readBe64'}(u8, p, 64, st); d = H.bitsToF64(st.hi, st.lo);`);
    }
    this.emit(`p += ${fc.size};`);
    this.advanceKnown(fc.size);
    if (this.mode === 'text') {
      this.room('40');
      this.emit('o = H.wfloat(out, o, d);');
    } else if (target !== null) this.emit(`${target}d;`);
  }

  private stringSlot = 0;
  /** Loop variables of the enclosing arrays (string slots inside arrays are per element). */
  private readonly loops: string[] = [];

  /**
   * Prints bytes [t, n) as a quoted string. babeltrace2 2.0 prints an empty string as the last
   * value of the same field in the (recycled) event object: `st.slots` emulates those fields.
   */
  private textString(): void {
    const id = this.stringSlot++;
    const key =
      this.loops.length === 0 ? String(id) : `'${id}' + ${this.loops.map((l) => `':' + ${l}`).join(' + ')}`;
    const kind = this.loops.length === 0 ? 'A' : 'M';
    this.emit(`if (n === t && sl !== null) {`);
    this.indent++;
    this.room(`H.slotLen${kind}(sl, ${key}) * 4 + 2`);
    this.emit(`o = H.wslot${kind}(out, o, sl, ${key});`);
    this.indent--;
    this.emit('} else {');
    this.indent++;
    this.room('(n - t) * 4 + 2');
    this.emit('o = H.wqstr(out, o, u8, t, n);');
    this.emit(`if (sl !== null) H.saveSlot${kind}(sl, ${key}, u8, t, n);`);
    this.indent--;
    this.emit('}');
  }

  /**
   * A null-terminated string in text mode. Fast path, one loop: copy the bytes after a quote
   * while looking for the null and for bytes to escape, bounded by the window and by the output
   * room (keeping TEXT_SLACK free after it). Anything else (empty string: babeltrace2's stale
   * value; escapes; no null in reach; little room) takes the general path from the start.
   * bench/view: indexOf is a C++ builtin call, and strings are copied twice without this.
   */
  private textStringFast(what: string): void {
    this.emit('t = p >>> 3; n = lim >>> 3;');
    this.fusedTextCopy('n', true, () => {
      this.emit('n = u8.indexOf(0, t);');
      if (this.checking) {
        this.emit(
          `if (n < 0 || n >= (lim >>> 3)) return st.short(p, ((lim >>> 3) - t + 1) * 8, ${this.str(`${what}: unterminated string`)});`,
        );
      }
    });
    this.emit('p = (n + 1) * 8;');
    this.known = { mod: 8, rem: 0 };
  }

  /**
   * The fused copy of a string at byte `t`, ending at byte `end` (a variable or constant
   * expression) or at its first null (`nullRequired`: the null must be found before `end`).
   * Leaves the string's end in `n`; `general` finds `n` for the general path.
   */
  private fusedTextCopy(end: string, nullRequired: boolean, general: () => void): void {
    const id = this.stringSlot;
    // The event object's slot keeps the value (babeltrace2's stale empty strings): its bytes
    // are stored in the same loop (bench/view: a second copy loop cost about a third of a line).
    this.emit(
      `if (sl !== null) { ss = sl.a[${id}]; if (ss === undefined) ss = H.newSlotA(sl, ${id}); sb = ss.b; sd = ss.d; } else { ss = null; sb = H.SCRATCH; sd = H.SCRATCH_VIEW; }`,
    );
    this.emit(
      `q = o + 1; m = t + (oend - q - ${TEXT_SLACK + 1}); if (m > ${end}) m = ${end}; if (m > t + sb.length) m = t + sb.length;`,
    );
    this.emit('n = t; x = 0;');
    // Four bytes at a time while none is 0 or escaped (bench/view: strings are most of a line's
    // time), then byte by byte up to the null.
    this.emit(
      'while (n + 4 <= m) { w = dv.getInt32(n, true); if ((S2[w & 0xffff] | S2[w >>> 16]) !== 0) break; odv.setInt32(q, w, true); sd.setInt32(n - t, w, true); q += 4; n += 4; }',
    );
    this.emit(
      'while (n < m) { c = u8[n]; if (c === 0) break; out[q++] = c; sb[n - t] = c; x |= E[c]; n++; }',
    );
    this.emit(`if (${nullRequired ? 'n < m' : `(n < m || n === ${end})`} && n !== t && x === 0) {`);
    this.indent++;
    this.emit('out[o] = 34; out[q] = 34; o = q + 1;');
    this.emit('if (ss !== null) ss.n = n - t;');
    this.indent--;
    this.emit('} else {');
    this.indent++;
    general();
    this.textString();
    this.indent--;
    this.emit('}');
    // Both branches leave TEXT_SLACK bytes free.
    this.staticUsed = 0;
  }

  private stringField(what: string, target: string | null, fc?: IrFieldClass): void {
    this.align(8);
    const k = fc && this.mode === 'text' ? this.captured.get(fc) : undefined;
    if (k !== undefined) {
      // TextLineScope.captures: the string's bytes, decoded once the line is done with them.
      const start = this.newTmp();
      this.emit(`const ${start} = p >>> 3;`);
      this.stringField(what, target);
      this.emit(`if (ob !== null) ob.strs[${k}] = H.utf8.decode(u8.subarray(${start}, (p >>> 3) - 1));`);
      return;
    }
    if (this.mode === 'text' && this.loops.length === 0) {
      this.textStringFast(what);
      return;
    }
    this.emit('t = p >>> 3; n = u8.indexOf(0, t);');
    if (this.checking) {
      this.emit(
        `if (n < 0 || n >= (lim >>> 3)) return st.short(p, ((lim >>> 3) - t + 1) * 8, ${this.str(`${what}: unterminated string`)});`,
      );
    }
    if (this.mode === 'text') {
      this.textString();
    } else if (this.mode === 'values' && target !== null) {
      this.emit(`${target}H.utf8.decode(u8.subarray(t, n));`);
    }
    this.emit('p = (n + 1) * 8;');
    this.known = { mod: 8, rem: 0 };
  }

  private structField(fc: IrFieldClass & { type: 'struct' }, what: string, target: string | null): void {
    this.align(fc.alignment);
    const mode = this.mode;
    if (mode === 'skip') {
      const size = fixedSizeBits(fc);
      if (size >= 0 && !skipNeedsRead(fc) && !this.trackBo && this.byteAligned) {
        this.check(String(size), what);
        this.emit(`p += ${size};`);
        this.advanceKnown(size);
        return;
      }
      // Merge the bounds checks of a fixed layout.
      if (size >= 0 && this.known.mod >= fc.alignment) {
        this.check(String(size), what);
        this.withoutChecks(() => {
          for (const m of fc.members) this.field(m.fc, `${what}.${m.name}`, null);
        });
        return;
      }
      for (const m of fc.members) this.field(m.fc, `${what}.${m.name}`, null);
      return;
    }
    const printed = fc.inIr;
    if (mode === 'text' && this.validate) {
      // The skip flavour's merged bounds checks, at the same places (same errors).
      const size = fixedSizeBits(fc);
      if (
        size >= 0 &&
        ((!skipNeedsRead(fc) && !this.trackBo && this.byteAligned) || this.known.mod >= fc.alignment)
      ) {
        this.check(String(size), what);
        this.suppress++;
        try {
          this.textStruct(fc, what);
        } finally {
          this.suppress--;
        }
        return;
      }
    }
    if (mode === 'text') {
      this.textStruct(fc, what);
      return;
    }
    // values
    const obj = printed && target !== null ? this.newTmp() : null;
    if (obj) this.emit(`const ${obj} = {};`);
    for (const m of fc.members) {
      const t = obj && m.fc.inIr ? `${obj}[${JSON.stringify(byteStringToText(m.name))}] = ` : null;
      this.field(m.fc, `${what}.${m.name}`, t);
    }
    if (obj && target !== null) this.emit(`${target}${obj};`);
  }

  private textStruct(fc: IrFieldClass & { type: 'struct' }, what: string): void {
    if (!fc.inIr) {
      this.withMuted(() => {
        for (const m of fc.members) this.field(m.fc, `${what}.${m.name}`, null);
      });
      return;
    }
    this.room('4');
    this.put('{');
    let first = true;
    for (const m of fc.members) {
      if (!m.fc.inIr) {
        this.withMuted(() => this.field(m.fc, `${what}.${m.name}`, null));
        continue;
      }
      this.room(String(m.name.length + 8));
      this.put(first ? ' ' : ', ');
      first = false;
      if (this.opts.printNames) this.put(`${m.name} = `);
      this.field(m.fc, `${what}.${m.name}`, null);
    }
    this.room('4');
    this.put(' }');
  }

  private lengthExpr(fc: IrFieldClass & { type: 'array' | 'sequence' }, what: string): string {
    if (fc.type === 'array') return String(fc.length);
    const k = fc.storedLengthIndex;
    const nv = this.newTmp();
    this.emit(`const ${nv} = sv[${k}];`);
    if (this.checking) {
      this.emit(
        `if (!(${nv} >= 0 && ${nv} <= 9007199254740991)) return st.fail(p, ${this.str(`${what}: invalid sequence length`)} + ' ' + (${nv} === ${nv} ? ${nv} : st.svBig[${k}]));`,
      );
    }
    return nv;
  }

  private arrayField(
    fc: IrFieldClass & { type: 'array' | 'sequence' },
    what: string,
    target: string | null,
  ): void {
    const mode = this.mode;
    if (mode === 'text' && this.validate && !fc.inIr) {
      // Not printed: exactly the skip flavour (same checks).
      this.withMuted(() => this.arrayField(fc, what, null));
      return;
    }
    const len = this.lengthExpr(fc, what);
    const isStatic = fc.type === 'array';
    const elem = fc.elem;
    // babeltrace2 aligns an array or sequence to its element's alignment even when it is empty.
    this.align(fc.elem.alignment);
    const aligned = this.known;
    if (fc.isText) {
      this.check(`${len} * 8`, what);
      if (mode === 'text' && fc.inIr && this.loops.length === 0) {
        this.emit(`t = p >>> 3; ze = t + ${len};`);
        this.fusedTextCopy('ze', false, () => {
          this.emit('n = t; while (n < ze && u8[n] !== 0) n++;');
        });
      } else if (mode === 'text' && fc.inIr) {
        this.emit(`t = p >>> 3; n = t; while (n < t + ${len} && u8[n] !== 0) n++;`);
        this.textString();
      } else if (mode === 'values' && fc.inIr && target !== null) {
        this.emit(`t = p >>> 3; n = t; while (n < t + ${len} && u8[n] !== 0) n++;`);
        this.emit(`${target}H.utf8.decode(u8.subarray(t, n));`);
      }
      this.emit(`p += ${len} * 8;`);
      this.known = isStatic
        ? { mod: aligned.mod, rem: (aligned.rem + fc.length * 8) % aligned.mod }
        : this.afterDynamic(aligned, 8);
      return;
    }
    const elemSize = fixedSizeBits(elem);
    const elemAlign = elem.alignment;
    if (
      mode === 'skip' &&
      elemSize >= 0 &&
      !skipNeedsRead(elem) &&
      !this.trackBo &&
      elemSize % elemAlign === 0
    ) {
      this.check(`${len} * ${elemSize}`, what);
      this.emit(`p += ${len} * ${elemSize};`);
      this.known = isStatic
        ? this.afterFixed(aligned, fc.length * elemSize)
        : this.afterDynamic(aligned, elemSize);
      return;
    }
    // Validating text: the skip flavour checks such an array at once; so do we.
    const oneCheck =
      mode === 'text' &&
      this.validate &&
      elemSize >= 0 &&
      !skipNeedsRead(elem) &&
      !this.trackBo &&
      elemSize % elemAlign === 0;
    if (oneCheck) {
      this.check(`${len} * ${elemSize}`, what);
      this.suppress++;
    }
    const printed = fc.inIr && mode !== 'skip';
    const i = this.newLoopVar();
    let arr: string | null = null;
    if (mode === 'text' && printed) {
      this.room('4');
      this.put('[');
    } else if (mode === 'values' && printed && target !== null) {
      arr = this.newTmp();
      this.emit(`const ${arr} = [];`);
    }
    // Inside the loop the start of each element is aligned to elemAlign when its size keeps it.
    const bodyKnown: Known =
      elemSize >= 0 && elemSize % elemAlign === 0 && elemAlign > 1
        ? { mod: elemAlign, rem: 0 }
        : { mod: 1, rem: 0 };
    const guard = elemSize === 0 && !isStatic;
    this.loops.push(i);
    this.roomUnknown();
    this.block(`for (let ${i} = 0; ${i} < ${len}; ${i}++) {`, () => {
      this.roomUnknown();
      if (guard) {
        this.emit(
          `if (${i} >= 16777216) return st.fail(p, ${this.str(`${what}: sequence of empty elements is too long`)});`,
        );
      }
      if (bodyKnown.mod > 1) this.align(elemAlign);
      this.known = bodyKnown.mod > 1 ? bodyKnown : { mod: 1, rem: 0 };
      if (mode === 'text' && printed) {
        this.room('32');
        this.emit(`if (${i} !== 0) { out[o++] = 44; out[o++] = 32; } else { out[o++] = 32; }`);
        if (this.opts.printNames) {
          this.emit(
            `out[o++] = 91; o = H.wudec(out, o, ${i}); out[o++] = 93; out[o++] = 32; out[o++] = 61; out[o++] = 32;`,
          );
        }
        this.field(elem, `${what}[]`, null);
        this.annotateElement(fc, elem);
      } else if (arr) {
        this.field(elem, `${what}[]`, `${arr}[${i}] = `);
      } else if (mode === 'text') {
        this.withMuted(() => this.field(elem, `${what}[]`, null));
      } else {
        this.field(elem, `${what}[]`, null);
      }
    });
    this.loops.pop();
    this.roomUnknown();
    if (mode === 'text' && printed) {
      this.room('4');
      this.put(' ]');
    } else if (arr && target !== null) {
      this.emit(`${target}${arr};`);
    }
    if (oneCheck) this.suppress--;
    this.known =
      isStatic && elemSize >= 0 && elemSize % elemAlign === 0
        ? this.afterFixed(aligned, fc.length * elemSize)
        : this.afterDynamic(aligned, elemSize);
  }

  /**
   * After a printed element of an annotated array (TextLineScope.annotators): the annotator's
   * bytes for the element's value. Only unsigned integers of 32 or 64 bits (addresses).
   */
  private annotateElement(fc: IrFieldClass, elem: IrFieldClass): void {
    const k = this.annotated.get(fc);
    if (k === undefined || !isIrInt(elem) || elem.isSigned || (elem.size !== 32 && elem.size !== 64)) return;
    const a = this.newTmp();
    this.emit(`const ${a} = A[${k}](${elem.size === 64 ? 'hi, lo' : '0, v'});`);
    this.room(`${a}.length`);
    this.emit(`out.set(${a}, o); o += ${a}.length;`);
  }

  /** Knowledge after `bits` bits from a position known as `k`. */
  private afterFixed(k: Known, bits: number): Known {
    return { mod: k.mod, rem: (k.rem + bits) % k.mod };
  }

  /** After a construct of unknown length made of `unit`-bit pieces. */
  private afterDynamic(before: Known, unit: number): Known {
    if (unit > 0 && unit % 8 === 0 && before.mod >= 8 && before.rem % 8 === 0) return { mod: 8, rem: 0 };
    return { mod: 1, rem: 0 };
  }

  private variantField(fc: IrFieldClass & { type: 'variant' }, what: string, target: string | null): void {
    const k = fc.storedTagIndex;
    const tag = this.newTmp();
    const opt = this.newTmp();
    this.emit(`const ${tag} = sv[${k}];`);
    this.emit(`let ${opt} = -1;`);
    const allSafe = fc.ranges.every((r) => r.lower >= -9007199254740991n && r.upper <= 9007199254740991n);
    const conds = fc.ranges.map((r) => [r, r.optionIndex] as const);
    if (allSafe) {
      this.block(`if (${tag} === ${tag}) {`, () => {
        conds.forEach(([r, idx], j) => {
          this.emit(
            `${j === 0 ? '' : 'else '}if (${tag} >= ${Number(r.lower)} && ${tag} <= ${Number(r.upper)}) ${opt} = ${idx};`,
          );
        });
      });
    }
    this.block(`${allSafe ? 'else ' : ''}{`, () => {
      this.emit(
        `const b = ${allSafe ? `st.svBig[${k}]` : `(${tag} === ${tag} ? BigInt(${tag}) : st.svBig[${k}])`};`,
      );
      conds.forEach(([r, idx], j) => {
        this.emit(`${j === 0 ? '' : 'else '}if (b >= ${r.lower}n && b <= ${r.upper}n) ${opt} = ${idx};`);
      });
    });
    if (this.checking) {
      this.emit(
        `if (${opt} < 0) return st.fail(p, ${this.str(`${what}: no variant option is selected by`)} + ' ' + (${tag} === ${tag} ? ${tag} : st.svBig[${k}]));`,
      );
    }
    const printed = fc.inIr && this.mode !== 'skip';
    const before = this.known;
    const after: Known[] = [];
    this.roomUnknown();
    this.block(`switch (${opt}) {`, () => {
      fc.options.forEach((o, idx) => {
        this.block(`case ${idx}: {`, () => {
          this.known = before;
          this.roomUnknown();
          if (this.mode === 'text' && printed) {
            this.room('4');
            this.put('{ ');
            this.field(o.fc, `${what}.${o.name}`, null);
            this.room('4');
            this.put(' }');
          } else if (this.mode === 'text') {
            this.withMuted(() => this.field(o.fc, `${what}.${o.name}`, null));
          } else {
            this.field(o.fc, `${what}.${o.name}`, printed ? target : null);
          }
          after.push(this.known);
          this.emit('break;');
        });
      });
    });
    this.roomUnknown();
    // Common knowledge after the variant: only what every option agrees on.
    let mod = 64;
    let rem = -1;
    for (const a of after) {
      while (mod > 1 && (a.mod % mod !== 0 || (rem >= 0 && a.rem % mod !== rem % mod))) mod /= 2;
      if (rem < 0) rem = a.rem % mod;
    }
    this.known =
      after.length === 0 ? before : { mod: Math.max(1, mod), rem: rem < 0 ? 0 : rem % Math.max(1, mod) };
  }

  /**
   * Text mode: decode without printing (stored values only; when validating, exactly the skip
   * flavour, which also checks).
   */
  private withMuted(f: () => void): void {
    const saved = this.opts;
    this.opts = { ...saved, mode: this.validate ? 'skip' : 'values' };
    try {
      f();
    } finally {
      this.opts = saved;
    }
  }

  /** Skip flavour under a merged bounds check. */
  private withoutChecks(f: () => void): void {
    const saved = this.opts;
    this.opts = { ...saved, mode: 'skip' };
    this.suppress++;
    try {
      f();
    } finally {
      this.suppress--;
      this.opts = saved;
    }
  }

  /**
   * An event record's whole text line after the timestamp (see compileTextLine): the constant
   * prefix, the packet context text (DecodeState.setPacketContextText), the scopes with their
   * separators, the newline.
   */
  buildLine(spec: TextLineSpec): ScopeFn {
    this.roomUnknown();
    const prefix = spec.prefix;
    this.room(String(prefix.length + 64));
    this.put(String.fromCharCode(...prefix));
    let startLine = true;
    if (spec.packetContext) {
      if (spec.scopeNames) this.put('stream.packet.context = ');
      // Whole words: up to 3 bytes past the text, overwritten next (the room checks cover them).
      // Up to 16 bytes (`{ cpu_id = 12 }`), four stores from the state's fields, no loop
      // (bench/view: the loop was 6 % of a user-space line).
      this.room(String(PCTX_WORDS * 4));
      this.emit('{');
      this.emit('  const pn = st.pctxLen;');
      this.emit(
        `  if (pn <= ${PCTX_WORDS * 4}) { ${Array.from({ length: PCTX_WORDS }, (_, i) => `odv.setInt32(o + ${4 * i}, st.pctx${i}, true);`).join(' ')} }`,
      );
      this.emit('  else {');
      this.emit(`    ${roomCheck(`pn + ${TEXT_SLACK}`)}`);
      this.emit('    const pw = st.pctxW;');
      this.emit('    for (let j = 0, k = 0; k < pn; j++, k += 4) odv.setInt32(o + k, pw[j], true);');
      this.emit('  }');
      this.emit('  o += pn;');
      this.emit('}');
      startLine = false;
    }
    for (const sc of spec.scopes) {
      if (this.trackBo) this.emit('lbo = 0;');
      if (!sc.fc) continue;
      if (!sc.printed) {
        this.withMuted(() => this.field(sc.fc!, sc.name, null));
        continue;
      }
      this.room(String(sc.name.length + 8));
      if (!startLine) this.put(', ');
      startLine = false;
      if (spec.scopeNames) this.put(`${sc.name} = `);
      this.emitPure(`sl = ob === null ? null : ob.${sc.slots};`);
      this.opts = { ...this.opts, printNames: sc.printNames };
      if (sc.annotators) {
        for (const [afc, fn] of sc.annotators) {
          this.annotated.set(afc, this.annotators.length);
          this.annotators.push(fn);
        }
      }
      if (sc.captures) for (const [cfc, k] of sc.captures) this.captured.set(cfc, k);
      this.field(sc.fc, sc.name, null);
      if (sc.endMark !== undefined) this.emit(`if (ob !== null) ob.caps[${sc.endMark}] = o - st.o0;`);
    }
    this.room('1');
    this.put('\n');
    return this.finish(true);
  }

  /**
   * Several scopes one after the other (an event's contexts and payload) in one function; the
   * position where scope i + 1 starts is left in `st.marks[i]`.
   */
  buildMany(roots: readonly (IrFieldClass | null)[], names: readonly string[]): ScopeFn {
    roots.forEach((root, i) => {
      if (i > 0) this.emit(`st.marks[${i - 1}] = p;`);
      if (!root) return;
      if (this.trackBo) this.emit('lbo = 0;');
      this.field(root, names[i]!, null);
    });
    return this.finish();
  }

  build(root: IrFieldClass): ScopeFn {
    const mode = this.mode;
    if (mode === 'values') this.field(root, this.opts.scopeName, 'st.value = ');
    else this.field(root, this.opts.scopeName, null);
    return this.finish();
  }

  private finish(line = false): ScopeFn {
    if (this.pend !== '') this.flushPend();
    const mode = this.mode;
    const head = [
      'const u8 = st.u8, dv = st.dv, lim = st.lim, pb = st.pb, sv = st.sv;',
      'let p = st.p, v = 0, hi = 0, lo = 0, t = 0, n = 0, d = 0;',
      this.trackBo ? 'let lbo = 0;' : '',
      mode === 'text'
        ? 'let out = st.out, o = st.o, oend = st.oend, q = 0, m = 0, c = 0, x = 0, ze = 0, ss = null, sb = H.SCRATCH, sd = H.SCRATCH_VIEW, w = 0, odv = out === LO ? LD : VIEW(out); const E = H.ESC, S2 = H.STOP2;'
        : '',
      mode === 'text' ? (line ? 'let sl = null; const ob = st.obj;' : 'const sl = st.slots;') : '',
    ];
    const tail = mode === 'text' ? ['st.p = p; st.o = o; return 0;'] : ['st.p = p; return 0;'];
    const body = [...head.map((l) => `  ${l}`), ...this.lines, ...tail.map((l) => `  ${l}`)].join('\n');
    // The output's DataView (constants are stored four bytes at a time), made again only when
    // the output buffer changes.
    const view =
      mode === 'text'
        ? 'let LO = null, LD = null;\nfunction VIEW(b) { LO = b; LD = new DataView(b.buffer, b.byteOffset, b.byteLength); return LD; }\n'
        : '';
    const src = `${view}return function ${mode}Scope(st) {\n${body}\n};`;
    const factory = new Function('H', 'K', 'S', 'A', src) as (
      h: typeof HELPERS,
      k: Uint8Array[],
      s: string[],
      a: ElementAnnotator[],
    ) => ScopeFn;
    return factory(HELPERS, this.consts, this.strs, this.annotators);
  }
}

/** One scope of an event record's text line. */
export interface TextLineScope {
  /** The scope's field class (null: the scope is absent). */
  readonly fc: IrFieldClass | null;
  /** `stream.event.context`, `event.context` or `event.fields` (errors, `--names scope`). */
  readonly name: string;
  /** babeltrace2 prints the scope (scopeIsPrinted); otherwise it is only validated. */
  readonly printed: boolean;
  readonly printNames: boolean;
  /** Which string slots of the event object (st.obj) the scope uses. */
  readonly slots: 'common' | 'spec' | 'payload';
  /**
   * Arrays or sequences of this scope (their field classes) whose unsigned 32/64-bit integer
   * elements are each followed by the bytes their annotator returns (`ttng view
   * --kernel-symbols`: ` <symbol+0x10>` after a `callstack_kernel` address). The annotator gets
   * the value as unsigned 32-bit halves and must return bytes it keeps (no copy is made).
   */
  readonly annotators?: ReadonlyMap<IrFieldClass, ElementAnnotator>;
  /**
   * Integer fields of this scope whose values the line stores in the event object's caps at the
   * given index (`ttng view --debug-info`: ip and vpid, used when the event is printed): 32 bits
   * or less: caps[k] = the value; more: caps[k] = high 32 bits, caps[k + 1] = low 32 bits
   * (unsigned halves; a signed value's high half as read); an element of an array of 32-bit or
   * smaller integers: caps[k + i] = element i (while k + i < CAPS_LENGTH); a string: strs[k].
   * Only with event objects.
   */
  readonly captures?: ReadonlyMap<IrFieldClass, number>;
  /**
   * Index in the event object's caps where the line stores the offset, from the line's start,
   * just after this scope's text (`--debug-info` inserts a member before the closing ` }`).
   */
  readonly endMark?: number;
}

/** Length of EventSlots.caps. */
export const CAPS_LENGTH = 64;

/** Bytes printed after an array element: `(high 32 bits, low 32 bits) => bytes`. */
export type ElementAnnotator = (hi: number, lo: number) => Uint8Array;

export interface TextLineSpec {
  /** Bytes printed first (trace fields, event name: constant per event record class). */
  readonly prefix: Uint8Array;
  /** The stream class prints its packet context (its text: DecodeState.setPacketContextText). */
  readonly packetContext: boolean;
  /** `--names scope`: `stream.packet.context = ` etc. before each scope. */
  readonly scopeNames: boolean;
  readonly scopes: readonly TextLineScope[];
}

/**
 * Compiles an event record class into one function that validates its contexts and payload
 * (exactly as compileSkipScopes does: same checks, same errors, same stored values) and writes
 * its whole babeltrace2 text line after the timestamp into st.out at st.o (room is made through
 * st.grow when st.oend is reached). Strings use the string slots of st.obj (babeltrace2's
 * recycled event object, see EventObject). One pass instead of a skip pass and a text pass.
 */
export function compileTextLine(spec: TextLineSpec): ScopeFn {
  const present = spec.scopes.flatMap((s) => (s.fc ? [s.fc] : []));
  const g = new Gen({ mode: 'text', validate: true, scopeName: spec.scopes[0]?.name ?? '' }, ...present);
  return g.buildLine(spec);
}

/** Compiles consecutive scopes into one skip function (marks: where each next scope starts). */
export function compileSkipScopes(
  roots: readonly (IrFieldClass | null)[],
  names: readonly string[],
): ScopeFn {
  const present = roots.filter((r): r is IrFieldClass => r !== null);
  const g = new Gen({ mode: 'skip', scopeName: names[0] ?? '' }, ...present);
  return g.buildMany(roots, names);
}

/** Compiles one scope. A null field class gives a no-op. */
export function compileScope(fc: IrFieldClass | null, opts: CompileOptions): ScopeFn {
  if (!fc) return () => DecodeStatus.Ok;
  const g = new Gen(opts, fc);
  return g.build(fc);
}

/** True if the scope prints anything (babeltrace2: a root with an immediate member in IR). */
export function scopeIsPrinted(fc: IrFieldClass | null): boolean {
  if (fc?.type !== 'struct') return false;
  if (fc.members.length === 0) return true;
  return fc.members.some((m) => m.fc.inIr);
}

export { isIrInt, outNeedsRead, TWO32 };
