/**
 * Decoder of ftrace ring-buffer pages as `trace_pipe_raw` returns them (ftrace-raw.md §3-4), in
 * the manner of libtraceevent's kbuffer-parse.c: byte order and word size are decided once, when
 * the decoder is created; the per-record loop never branches on them. Kernel names are kept
 * (`type_len`, `time_delta`, `TIME_EXTEND`, `commit`) so this reads next to
 * kernel/trace/ring_buffer.c. Timestamps are kept exact as two u32 halves (no bigint per record).
 *
 * Statuses, not exceptions: `next()` returns `KBUFFER_RECORD`, `KBUFFER_END`, or a negative
 * error code whose message is in `KBUFFER_ERRORS`.
 */
import type { HeaderPage } from './format-parser.js';

/** `type_len` values with a meaning of their own (header_event). */
export const RINGBUF_TYPE_DATA_TYPE_LEN_MAX = 28;
export const RINGBUF_TYPE_PADDING = 29;
export const RINGBUF_TYPE_TIME_EXTEND = 30;
export const RINGBUF_TYPE_TIME_STAMP = 31;

/** Flags in the low 32 bits of `commit` (kernel `RB_MISSED_EVENTS`, `RB_MISSED_STORED`). */
export const RB_MISSED_EVENTS = 0x80000000;
export const RB_MISSED_STORED = 0x40000000;
/** libtraceevent's COMMIT_MASK: the data length part of `commit`. */
export const COMMIT_MASK = (1 << 27) - 1;

const TWO32 = 4294967296;
const TS_DELTA_BITS_FACTOR = 134217728; // 2^27

/** `next()` found a data record: read `payloadOffset`, `payloadLength`, `tsHigh`/`tsLow`. */
export const KBUFFER_RECORD = 1;
/** No more records on this page. */
export const KBUFFER_END = 0;

/** Error codes (negative) and their messages: one table, as kbuffer-parse.c has. */
export const KbufferError = {
  PageTooShort: -1,
  CommitPastEnd: -2,
  RecordPastCommit: -3,
  ZeroLengthData: -4,
  ExtendWithoutData: -5,
} as const;
export type KbufferError = (typeof KbufferError)[keyof typeof KbufferError];

export const KBUFFER_ERRORS: Readonly<Record<number, string>> = Object.freeze({
  [KbufferError.PageTooShort]: 'the page is shorter than its header',
  [KbufferError.CommitPastEnd]: 'commit says more data than the page holds',
  [KbufferError.RecordPastCommit]: 'a record runs past the committed data',
  [KbufferError.ZeroLengthData]: 'a data record (type_len 0) declares no payload',
  [KbufferError.ExtendWithoutData]: 'a time extend ends the committed data',
});

export class KBuffer {
  // Decided once.
  private readonly littleEndian: boolean;
  private readonly tsOffset: number;
  /** Offset of the low 32 bits of `commit` (which holds the flags). */
  private readonly commitLowOffset: number;
  private readonly commitSize: number;
  private readonly dataOffset: number;
  /** Where type_len and time_delta sit in the record header word: decided by the byte order. */
  private readonly typeLenShift: number;
  private readonly timeDeltaShift: number;

  // The loaded page.
  private page: Uint8Array = new Uint8Array(0);
  /** DataView over the loaded page (read payload fields through it). */
  view: DataView = new DataView(new ArrayBuffer(8));
  private end = 0;
  private pos = 0;

  /** Data bytes after the page header (`commit` with the flags masked off). */
  commitBytes = 0;
  /** The page carries `RB_MISSED_EVENTS`: records were lost before it on this CPU. */
  hasMissedEvents = false;
  /** The number of lost records when the kernel stored it, else -1 (or 0 without the flag). */
  missedEvents = 0;
  /** Page time stamp, high and low 32 bits. */
  pageTsHigh = 0;
  pageTsLow = 0;

  // The current record.
  /**
   * Time stamp of the current record: high (0) and low (1) 32 bits of the trace clock value. An
   * array, so that consumers hand it on without boxing a low half above 2^30 at each call.
   */
  readonly ts = new Uint32Array(2);
  /** High 32 bits of the current record's time stamp (`ts[0]`). */
  get tsHigh(): number {
    return this.ts[0]!;
  }
  /** Low 32 bits of the current record's time stamp (`ts[1]`). */
  get tsLow(): number {
    return this.ts[1]!;
  }
  /** Offset in the page of the payload (the event's `common_type` is its first 2 bytes). */
  payloadOffset = 0;
  /** Payload length in bytes (a multiple of 4 for short records: may include padding). */
  payloadLength = 0;
  /** Offset in the page of the current record header, for error messages. */
  recordOffset = 0;

  constructor(headerPage: HeaderPage, o: { littleEndian: boolean }) {
    this.littleEndian = o.littleEndian;
    this.tsOffset = headerPage.timestampOffsetBytes;
    this.commitSize = headerPage.commitSizeBytes;
    this.commitLowOffset = o.littleEndian
      ? headerPage.commitOffsetBytes
      : headerPage.commitOffsetBytes + headerPage.commitSizeBytes - 4;
    this.dataOffset = headerPage.dataOffsetBytes;
    // LE: type_len is the low 5 bits; BE kernels put it in the top 5 (ring_buffer_event bitfields).
    this.typeLenShift = o.littleEndian ? 0 : 27;
    this.timeDeltaShift = o.littleEndian ? 5 : 0;
  }

  /** Current record's time stamp as a number: exact below 2^53 (104 days of ns). */
  get tsNumber(): number {
    return this.tsHigh * TWO32 + this.tsLow;
  }

  /** Current record's time stamp, exact. Allocates: not for the per-record path. */
  get tsBigInt(): bigint {
    return (BigInt(this.tsHigh) << 32n) | BigInt(this.tsLow);
  }

  /**
   * Loads a page (`lengthBytes` bytes of `page`, normally one whole sub-buffer). Returns
   * KBUFFER_RECORD when it is well formed (records may follow), or an error code. `view`: a
   * DataView over `page` (same bytes, same offset) the caller keeps with it, so that switching
   * between reused pages allocates nothing.
   */
  loadPage(page: Uint8Array, lengthBytes: number, view?: DataView): number {
    if (lengthBytes < this.dataOffset) return KbufferError.PageTooShort;
    if (this.page !== page) {
      this.page = page;
      this.view = view ?? new DataView(page.buffer, page.byteOffset, page.byteLength);
    }
    const v = this.view;
    const le = this.littleEndian;
    const t0 = v.getUint32(this.tsOffset, le);
    const t1 = v.getUint32(this.tsOffset + 4, le);
    this.pageTsHigh = le ? t1 : t0;
    this.pageTsLow = le ? t0 : t1;
    // The flags are int constants added to a long: test them in the low 32 bits only.
    const c = v.getUint32(this.commitLowOffset, le);
    this.commitBytes = c & COMMIT_MASK;
    this.hasMissedEvents = (c & RB_MISSED_EVENTS) !== 0;
    const end = this.dataOffset + this.commitBytes;
    if (end > lengthBytes) return KbufferError.CommitPastEnd;
    this.missedEvents = 0;
    if (this.hasMissedEvents) {
      this.missedEvents = -1;
      if ((c & RB_MISSED_STORED) !== 0 && end + this.commitSize <= lengthBytes) {
        this.missedEvents = this.commitSize === 8 ? this.readU64Number(end) : v.getUint32(end, le);
      }
    }
    this.end = end;
    this.pos = this.dataOffset;
    this.ts[0] = this.pageTsHigh;
    this.ts[1] = this.pageTsLow;
    return KBUFFER_RECORD;
  }

  private readU64Number(off: number): number {
    const v = this.view;
    const a = v.getUint32(off, this.littleEndian);
    const b = v.getUint32(off + 4, this.littleEndian);
    return this.littleEndian ? b * TWO32 + a : a * TWO32 + b;
  }

  private addDelta(deltaHigh: number, deltaLow: number): void {
    // 32-bit arithmetic that wraps (`>>> 0`): the JIT then adds words, with no overflow check to
    // fail when a low half passes 2^31 (a deoptimization and a recompilation otherwise).
    const ts = this.ts;
    const lo = ts[1]!;
    const sum = (lo + deltaLow) >>> 0;
    ts[1] = sum;
    ts[0] = (ts[0]! + deltaHigh + (sum < lo ? 1 : 0)) >>> 0;
  }

  /**
   * Advances to the next data record. Returns KBUFFER_RECORD (read the record fields),
   * KBUFFER_END, or a negative KbufferError.
   */
  next(): number {
    const v = this.view;
    const le = this.littleEndian;
    const end = this.end;
    while (this.pos < end) {
      const pos = this.pos;
      if (pos + 4 > end) return KbufferError.RecordPastCommit;
      this.recordOffset = pos;
      const w = v.getUint32(pos, le);
      const typeLen = (w >>> this.typeLenShift) & 0x1f;
      const timeDelta = (w >>> this.timeDeltaShift) & 0x7ffffff;
      if (typeLen >= 1 && typeLen <= RINGBUF_TYPE_DATA_TYPE_LEN_MAX) {
        const len = typeLen * 4;
        if (pos + 4 + len > end) return KbufferError.RecordPastCommit;
        this.pos = pos + 4 + len;
        this.addDelta(0, timeDelta);
        this.payloadOffset = pos + 4;
        this.payloadLength = len;
        return KBUFFER_RECORD;
      }
      if (typeLen === 0) {
        if (pos + 8 > end) return KbufferError.RecordPastCommit;
        const array0 = v.getUint32(pos + 4, le);
        if (array0 <= 4) return KbufferError.ZeroLengthData;
        if (pos + 4 + array0 > end) return KbufferError.RecordPastCommit;
        this.pos = pos + 4 + array0;
        this.addDelta(0, timeDelta);
        this.payloadOffset = pos + 8;
        this.payloadLength = array0 - 4;
        return KBUFFER_RECORD;
      }
      if (typeLen === RINGBUF_TYPE_PADDING) {
        // time_delta 0: the rest of the page is unused. Else a discarded record: skip it; the
        // kernel's own reader ignores its delta, and so do we, to print what `trace` prints.
        if (timeDelta === 0) {
          this.pos = end;
          return KBUFFER_END;
        }
        if (pos + 8 > end) return KbufferError.RecordPastCommit;
        const array0 = v.getUint32(pos + 4, le);
        if (pos + 4 + array0 > end || array0 < 4) return KbufferError.RecordPastCommit;
        this.pos = pos + 4 + array0;
        continue;
      }
      if (pos + 8 > end) return KbufferError.ExtendWithoutData;
      const array0 = v.getUint32(pos + 4, le);
      this.pos = pos + 8;
      // (array0 << 27) + time_delta, split at bit 32: array0's low 5 bits go to the low half.
      const high = Math.floor(array0 / 32);
      const low = (array0 % 32) * TS_DELTA_BITS_FACTOR + timeDelta;
      if (typeLen === RINGBUF_TYPE_TIME_EXTEND) {
        this.addDelta(high, low);
        continue;
      }
      // RINGBUF_TYPE_TIME_STAMP: absolute, low 59 bits; restore the 5 top bits from the
      // running time stamp, and carry when that makes it go backwards (ring_buffer.c).
      const ts = this.ts;
      const topBits = ts[0]! & 0xf8000000;
      let absHigh = (high | topBits) >>> 0;
      if (topBits !== 0 && (absHigh < ts[0]! || (absHigh === ts[0]! && low < ts[1]!))) {
        absHigh = (absHigh + 0x08000000) >>> 0;
      }
      ts[0] = absHigh;
      ts[1] = low;
    }
    return KBUFFER_END;
  }
}
