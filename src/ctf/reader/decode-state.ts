/**
 * The mutable state a data stream's generated decoders work on. One per data stream, reused for
 * every packet and event (no per-event allocation). Positions are in bits from the start of the
 * current window (a byte buffer holding part of the stream file).
 */
import type { StringSlots } from './decoder-compiler.js';

/** The string slots of a (recycled) event object, one set per scope (see EventObject). */
export interface EventSlots {
  readonly common: StringSlots;
  readonly spec: StringSlots;
  readonly payload: StringSlots;
  /**
   * Text lines: what the line function captured for the printer (TextLineScope.captures and
   * endMark), read when the event is printed (after the decoding of later events).
   */
  readonly caps: Float64Array;
  /** Text lines: the strings the line function captured (TextLineScope.captures). */
  readonly strs: string[];
}

import type { Regs } from './text-helpers.js';

/** What a generated decoder returns. */
export const DecodeStatus = {
  Ok: 0,
  /** The window ends before the field; the file has more bytes: refill and retry. */
  NeedMore: 1,
  /** Malformed data (S.err says why, S.errAt where). */
  Error: 2,
} as const;
export type DecodeStatus = (typeof DecodeStatus)[keyof typeof DecodeStatus];

/**
 * The initial value of the fields that hold unsigned 32-bit halves: -0, a heap number, so that V8
 * stores them as doubles from the start. Started as a small integer, a field changes
 * representation when it first holds a value of 2^31 or more (a clock's low half does, at some
 * point of most traces), and every optimized function that uses the object is deoptimized then
 * (bench/view, 2 M-event user-space trace: half way through the run, ten functions deoptimized and
 * compiled again). -0 equals 0 in every use.
 */
export const U32_FIELD = -0;

export class DecodeState implements Regs {
  u8: Uint8Array = new Uint8Array(0);
  dv: DataView = new DataView(new ArrayBuffer(0));
  /** Current position (bits from the window start). */
  p = 0;
  /** Start of the current packet (bits from the window start; may be negative). */
  pb = 0;
  /** End of the readable bits of the window. */
  lim = 0;
  /** True when `lim` is the end of the file (no refill possible). */
  atEof = false;

  /** Default clock value: two unsigned 32-bit halves. */
  clkHi = U32_FIELD;
  clkLo = U32_FIELD;

  /** Stored values (sequence lengths, variant selectors): exact when below 2^53, else NaN + svBig. */
  sv: Float64Array;
  svBig: (bigint | undefined)[];

  // Special meanings, set while decoding headers and packet contexts.
  ecId = -1;
  scId = -1;
  dsIdHi = U32_FIELD;
  dsIdLo = U32_FIELD;
  dsIdSet = false;
  tsBeginHi = U32_FIELD;
  tsBeginLo = U32_FIELD;
  tsBeginSet = false;
  tsEndHi = U32_FIELD;
  tsEndLo = U32_FIELD;
  tsEndSet = false;
  discHi = U32_FIELD;
  discLo = U32_FIELD;
  discSet = false;
  seqHi = U32_FIELD;
  seqLo = U32_FIELD;
  seqSet = false;
  /** Bits; -1 when unknown. */
  packetSizeBits = -1;
  contentSizeBits = -1;

  /** Where the scopes after the first start (compileSkipScopes). */
  readonly marks = new Float64Array(4);

  /** Scratch registers for 64-bit reads. */
  hi = U32_FIELD;
  lo = U32_FIELD;

  /** Text output: bytes are written at `o`, up to `oend` (exclusive). */
  out: Uint8Array;
  o = 0;
  oend: number;
  /** Text lines: where the line being written started (moved by `grow` with the line). */
  o0 = 0;
  /**
   * Makes room for `need` more bytes after `o`, updating `out`, `o` and `oend` (the default
   * copies `out[0, o)` into a larger buffer; owners may set another policy).
   */
  grow: (need: number) => void;

  /** Text mode: the string fields of the event object being printed (null: plain strings). */
  slots: StringSlots | null = null;
  /** Text lines (compileTextLine): the event object (its string slots), or null. */
  obj: EventSlots | null = null;
  /**
   * Text lines: the packet context's text, when the stream class prints it, as little-endian
   * 32-bit words (the line copies four bytes at a time).
   */
  pctxW: Int32Array = new Int32Array(0);

  /** The text's length in bytes, and its first four words (PCTX_WORDS: most packet contexts fit). */
  pctxLen = 0;
  pctx0 = 0;
  pctx1 = 0;
  pctx2 = 0;
  pctx3 = 0;

  /** Sets the packet context's text (once per packet: the line functions read it for every event). */
  setPacketContextText(b: Uint8Array): void {
    const w = new Int32Array(Math.max(4, Math.ceil(b.length / 4)));
    for (let i = 0; i < b.length; i++) w[i >>> 2]! |= b[i]! << ((i & 3) * 8);
    this.pctxW = w;
    this.pctxLen = b.length;
    this.pctx0 = w[0]!;
    this.pctx1 = w[1]!;
    this.pctx2 = w[2]!;
    this.pctx3 = w[3]!;
  }

  /** Values mode: the value built by the last decoder run. */
  value: unknown = undefined;

  /** Error message and bit position. */
  err = '';
  errAt = 0;
  /** The error is the data ending before a field (babeltrace2 sometimes accepts that). */
  errShort = false;

  constructor(storedValueCount: number) {
    this.sv = new Float64Array(Math.max(1, storedValueCount));
    this.svBig = new Array(Math.max(1, storedValueCount)).fill(undefined);
    this.out = new Uint8Array(1 << 16);
    this.oend = this.out.length;
    this.grow = (need: number): void => {
      let size = this.out.length;
      while (this.o + need > size) size *= 2;
      const n = new Uint8Array(size);
      n.set(this.out.subarray(0, this.o));
      this.out = n;
      this.oend = size;
    };
  }

  /** A read of `bits` at `p` goes past `lim`: need more data, or truncated data. */
  short(p: number, bits: number, what: string): DecodeStatus {
    this.p = p;
    if (!this.atEof) return DecodeStatus.NeedMore;
    this.err = `${what}: ${bits} bit${bits === 1 ? '' : 's'} needed but the data stream file ends first`;
    this.errAt = p;
    this.errShort = true;
    return DecodeStatus.Error;
  }

  fail(p: number, msg: string): DecodeStatus {
    this.p = p;
    this.errShort = false;
    this.err = msg;
    this.errAt = p;
    return DecodeStatus.Error;
  }
}
