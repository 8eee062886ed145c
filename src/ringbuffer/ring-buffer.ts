/**
 * A per-thread ring buffer in a SharedArrayBuffer, after lttng-ust's: N sub-buffers, each holding
 * one CTF packet. One thread produces (the thread whose tracepoints write into it); one consumer
 * thread reads full sub-buffers and gives them back.
 *
 * Producer fast path (inlined by generated code):
 *
 *     let off = ctl[WriteOffset];
 *     if (off + size > ctl[WriteEnd]) { off = rb.reserveSlow(size); if (off < 0) return; }
 *     ...write the record at off...
 *     ctl[WriteOffset] = off + written;
 *
 * Writers that try first and learn there is no room (the CTF writer's generated serializers get
 * `ctl[WriteEnd]` as their end and return -1) call `switchForRetry()` instead of `reserveSlow`.
 *
 * There is a single producer, so reserve needs no atomic operation; the write offset lives in
 * the shared control words only so that the consumer can still read a thread's last packet after
 * the thread is gone. `reserveSlow` is the sub-buffer switch: it closes the current packet
 * (timestamp_end, content_size, packet_size, events_discarded), hands it to the consumer with one
 * Atomics.store and rings the doorbell, then opens the next sub-buffer (packet header and context
 * template, timestamp_begin, packet_seq_num). When the next sub-buffer is still owned by the
 * consumer, discard mode drops the record and counts it exactly; overwrite mode takes back the
 * oldest unread packet instead (a gap in packet_seq_num, as in LTTng) unless the consumer is in the
 * middle of reading it, in which case the record is dropped and counted.
 *
 * Sub-buffer states (Int32, changed with Atomics): Free -> Writing (producer) -> Full (producer)
 * -> Reading (consumer, compareExchange) -> Free (consumed) or Full (snapshot copy). In overwrite
 * mode the producer may also take Full -> Writing with compareExchange. Only the consumer waits.
 */
import { RingBufferError, RingBufferErrorCode } from './errors.js';
import { type MonotonicClock, TWO_POW_32 } from './monotonic-clock.js';

export const RingBufferMode = { Discard: 0, Overwrite: 1 } as const;
export type RingBufferMode = (typeof RingBufferMode)[keyof typeof RingBufferMode];

export const SubbufState = { Free: 0, Writing: 1, Full: 2, Reading: 3 } as const;
export type SubbufState = (typeof SubbufState)[keyof typeof SubbufState];

/** Indexes of the Int32 control words at the start of the SharedArrayBuffer. */
export const Ctl = {
  /** Absolute byte offset where the next record goes. Producer-owned, plain stores. */
  WriteOffset: 0,
  /** End (exclusive) of the current sub-buffer; 0 while there is none, so every reserve is slow. */
  WriteEnd: 1,
  /** Index of the sub-buffer being written, -1 when none. */
  Current: 2,
  /** Records written since creation are not counted (that would cost a store per record). */
  Reserved3: 3,
  /** 1 once the producer has flushed for the last time. */
  Closed: 4,
  Magic: 5,
  NumSubbuf: 6,
  SubbufSizeBytes: 7,
  Mode: 8,
  /** Bytes of packet header + context at the start of every sub-buffer. */
  HeaderSizeBytes: 9,
  TsBeginOffset: 10,
  TsEndOffset: 11,
  ContentSizeOffset: 12,
  PacketSizeOffset: 13,
  SeqNumOffset: 14,
  DiscardedOffset: 15,
  DataOffset: 16,
  /** Sub-buffer to try when Current is -1. */
  NextSubbuf: 17,
  /**
   * Timestamp state of the event header writer (three words, `tsState`): high and low 32 bits of
   * the previous record's timestamp in this packet, and a flag forcing the next record to carry
   * its full timestamp, set at each packet start (the CTF writer's TsState layout).
   */
  TsLastHi: 20,
  TsLastLo: 21,
  TsForceFull: 22,
} as const;

/** Float64 slots (index into a Float64Array over the same buffer; bytes 128..255). */
const F64 = {
  /** Cumulative discarded records. Producer-owned. */
  Discarded: 16,
  /** Discarded count written in the last closed packet. */
  DiscardedReported: 17,
  /** packet_seq_num of the next packet to open. */
  NextSeq: 18,
} as const;

const MAGIC = 0x7474_6e67 | 0; // "ttng"
/** Byte 256: per sub-buffer, Int32 [state, generation]; then per sub-buffer, Float64 seq num. */
const STATE_BASE_I32 = 64;
const MAX_SUBBUF = 4096;
/** Data bytes of one ring buffer: bit offsets of every byte must stay below 2^31. */
const MAX_DATA_BYTES = 2 ** 28 - 2 ** 20;

function controlBytesFor(numSubbuf: number): number {
  return align(STATE_BASE_I32 * 4 + 16 * numSubbuf, 64);
}

/** Where the packet fields the ring buffer fills live, in bytes from the start of a packet. -1: absent. */
export interface PacketLayout {
  /** The first bytes of every packet: packet header and context, constant fields filled in. */
  readonly template: Uint8Array;
  readonly tsBeginOffsetBytes: number;
  readonly tsEndOffsetBytes: number;
  /** u64, in bits. */
  readonly contentSizeOffsetBytes: number;
  /** u64, in bits. */
  readonly packetSizeOffsetBytes: number;
  readonly seqNumOffsetBytes: number;
  readonly discardedOffsetBytes: number;
}

export interface RingBufferConfig {
  readonly subbufSizeBytes: number;
  readonly numSubbuf: number;
  readonly mode: RingBufferMode;
  readonly packetLayout: PacketLayout;
}

/** Rung by producers when a sub-buffer becomes readable: one Int32 word shared by a whole process. */
export interface Doorbell {
  readonly words: Int32Array;
  readonly index: number;
}

/** The result of the slow path when no space was found: the record was counted as discarded. */
export const RESERVE_DISCARDED = -1;

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

function setU64(dv: DataView, off: number, value: number): void {
  const lo = value >>> 0;
  dv.setUint32(off, lo, true);
  dv.setUint32(off + 4, (value - lo) / TWO_POW_32, true);
}

function getU64(dv: DataView, off: number): number {
  return dv.getUint32(off, true) + dv.getUint32(off + 4, true) * TWO_POW_32;
}

export function validateRingBufferConfig(c: RingBufferConfig): void {
  const fail = (msg: string): never => {
    throw new RingBufferError(RingBufferErrorCode.Config, msg);
  };
  if (!Number.isInteger(c.numSubbuf) || c.numSubbuf < 2 || c.numSubbuf > MAX_SUBBUF) {
    fail(`ring buffer: numSubbuf ${c.numSubbuf} is not an integer in 2..${MAX_SUBBUF}; use at least 2`);
  }
  if (!Number.isInteger(c.subbufSizeBytes) || c.subbufSizeBytes < 256 || c.subbufSizeBytes % 8 !== 0) {
    fail(`ring buffer: subbufSizeBytes ${c.subbufSizeBytes} must be a multiple of 8, at least 256`);
  }
  if (c.subbufSizeBytes * c.numSubbuf > MAX_DATA_BYTES) {
    // Record positions are passed as bit offsets in 32-bit integers.
    fail(
      `ring buffer: ${c.numSubbuf} x ${c.subbufSizeBytes} bytes exceeds ${MAX_DATA_BYTES / 1048576} MiB per thread`,
    );
  }
  if (c.mode !== RingBufferMode.Discard && c.mode !== RingBufferMode.Overwrite) {
    fail(`ring buffer: mode ${String(c.mode)} is neither discard (0) nor overwrite (1)`);
  }
  const l = c.packetLayout;
  const h = l.template.length;
  if (h + 64 > c.subbufSizeBytes) {
    fail(`ring buffer: a ${h}-byte packet header leaves no room in ${c.subbufSizeBytes}-byte sub-buffers`);
  }
  for (const [name, off] of [
    ['tsBegin', l.tsBeginOffsetBytes],
    ['tsEnd', l.tsEndOffsetBytes],
    ['contentSize', l.contentSizeOffsetBytes],
    ['packetSize', l.packetSizeOffsetBytes],
    ['seqNum', l.seqNumOffsetBytes],
    ['discarded', l.discardedOffsetBytes],
  ] as const) {
    if (off !== -1 && (!Number.isInteger(off) || off < 0 || off + 8 > h)) {
      fail(`ring buffer: packet field ${name} at byte ${off} is outside the ${h}-byte packet header`);
    }
  }
}

/**
 * One ring buffer, seen from one thread. The producer builds it with `create`, the consumer
 * with `attach` on the same SharedArrayBuffer; each side calls only its own methods.
 */
export class RingBuffer {
  readonly sab: SharedArrayBuffer;
  readonly ctl: Int32Array;
  readonly f64: Float64Array;
  readonly dv: DataView;
  readonly u8: Uint8Array;
  /** `[lastHi, lastLo, forceFull]`: the event header writer's timestamp state (Ctl.TsLastHi...). */
  readonly tsState: Uint32Array;
  readonly numSubbuf: number;
  readonly subbufSizeBytes: number;
  readonly mode: RingBufferMode;
  readonly headerSizeBytes: number;
  readonly dataOffsetBytes: number;
  /** Largest record that fits in an empty sub-buffer. */
  readonly maxRecordSizeBytes: number;
  /** Packet header + context template (constant fields filled in). */
  readonly template: Uint8Array;
  /** Offsets of the packet fields the ring buffer fills, from a packet's start; -1: absent. */
  readonly tsBeginOff: number;
  readonly tsEndOff: number;
  readonly contentSizeOff: number;
  readonly packetSizeOff: number;
  readonly seqNumOff: number;
  readonly discardedOff: number;
  /** Float64 index of sub-buffer 0's packet_seq_num slot. */
  private readonly seqBase: number;
  /** Consumer: packet_seq_num of the sub-buffer the last `oldestFull` scan chose. */
  private scanSeq = -1;

  private constructor(
    sab: SharedArrayBuffer,
    /** Producer: clock of the producing thread. Consumer: its own (for packets it closes). */
    readonly clock: MonotonicClock,
    readonly doorbell: Doorbell | null,
  ) {
    this.sab = sab;
    const head = new Int32Array(sab, 0, STATE_BASE_I32);
    if (sab.byteLength < 512 || head[Ctl.Magic] !== MAGIC) {
      throw new RingBufferError(
        RingBufferErrorCode.Attach,
        'ring buffer: the shared buffer is not a ttng ring buffer (no magic at word 5)',
      );
    }
    const controlBytes = controlBytesFor(head[Ctl.NumSubbuf]!);
    this.ctl = new Int32Array(sab, 0, controlBytes / 4);
    this.f64 = new Float64Array(sab, 0, controlBytes / 8);
    this.seqBase = (STATE_BASE_I32 * 4 + 8 * head[Ctl.NumSubbuf]!) / 8;
    this.dv = new DataView(sab);
    this.u8 = new Uint8Array(sab);
    this.tsState = new Uint32Array(sab, Ctl.TsLastHi * 4, 3);
    const c = this.ctl;
    this.numSubbuf = c[Ctl.NumSubbuf]!;
    this.subbufSizeBytes = c[Ctl.SubbufSizeBytes]!;
    this.mode = c[Ctl.Mode] as RingBufferMode;
    this.headerSizeBytes = c[Ctl.HeaderSizeBytes]!;
    this.dataOffsetBytes = c[Ctl.DataOffset]!;
    this.maxRecordSizeBytes = this.subbufSizeBytes - this.headerSizeBytes;
    this.template = this.u8.slice(this.dataOffsetBytes - this.headerSizeBytes, this.dataOffsetBytes);
    this.tsBeginOff = c[Ctl.TsBeginOffset]!;
    this.tsEndOff = c[Ctl.TsEndOffset]!;
    this.contentSizeOff = c[Ctl.ContentSizeOffset]!;
    this.packetSizeOff = c[Ctl.PacketSizeOffset]!;
    this.seqNumOff = c[Ctl.SeqNumOffset]!;
    this.discardedOff = c[Ctl.DiscardedOffset]!;
  }

  /** Total bytes of the SharedArrayBuffer a configuration needs. */
  static byteLength(config: RingBufferConfig): number {
    const controlBytes = controlBytesFor(config.numSubbuf);
    return (
      align(controlBytes + config.packetLayout.template.length, 64) +
      config.subbufSizeBytes * config.numSubbuf
    );
  }

  /** Producer side: allocates and initializes a new ring buffer. */
  static create(config: RingBufferConfig, clock: MonotonicClock, doorbell: Doorbell | null): RingBuffer {
    validateRingBufferConfig(config);
    const sab = new SharedArrayBuffer(RingBuffer.byteLength(config));
    const ctl = new Int32Array(sab, 0, STATE_BASE_I32);
    const l = config.packetLayout;
    const controlBytes = controlBytesFor(config.numSubbuf);
    // The template sits just before the data area so a consumer can read it from the buffer alone.
    const dataOffset = align(controlBytes + l.template.length, 64);
    new Uint8Array(sab).set(l.template, dataOffset - l.template.length);
    ctl[Ctl.NumSubbuf] = config.numSubbuf;
    ctl[Ctl.SubbufSizeBytes] = config.subbufSizeBytes;
    ctl[Ctl.Mode] = config.mode;
    ctl[Ctl.HeaderSizeBytes] = l.template.length;
    ctl[Ctl.TsBeginOffset] = l.tsBeginOffsetBytes;
    ctl[Ctl.TsEndOffset] = l.tsEndOffsetBytes;
    ctl[Ctl.ContentSizeOffset] = l.contentSizeOffsetBytes;
    ctl[Ctl.PacketSizeOffset] = l.packetSizeOffsetBytes;
    ctl[Ctl.SeqNumOffset] = l.seqNumOffsetBytes;
    ctl[Ctl.DiscardedOffset] = l.discardedOffsetBytes;
    ctl[Ctl.DataOffset] = dataOffset;
    ctl[Ctl.WriteOffset] = 0;
    ctl[Ctl.WriteEnd] = 0;
    ctl[Ctl.Current] = -1;
    ctl[Ctl.NextSubbuf] = 0;
    ctl[Ctl.Magic] = MAGIC;
    const rb = new RingBuffer(sab, clock, doorbell);
    // Open the first packet now so the first record takes the fast path.
    rb.openNext();
    return rb;
  }

  /** Consumer side: a view of a ring buffer another thread created. */
  static attach(sab: SharedArrayBuffer, clock: MonotonicClock): RingBuffer {
    return new RingBuffer(sab, clock, null);
  }

  // -------------------------------------------------------------------------------------------
  // Producer side.

  /**
   * The sub-buffer switch. Called when `ctl[WriteOffset] + sizeBytes > ctl[WriteEnd]`. Returns the
   * offset where the record goes, or RESERVE_DISCARDED after counting the record as discarded.
   */
  reserveSlow(sizeBytes: number): number {
    const ctl = this.ctl;
    if (sizeBytes > this.maxRecordSizeBytes || ctl[Ctl.Closed] === 1) {
      this.countDiscarded();
      return RESERVE_DISCARDED;
    }
    if (ctl[Ctl.Current]! >= 0) this.closeCurrent();
    if (!this.openNext()) {
      this.countDiscarded();
      return RESERVE_DISCARDED;
    }
    return ctl[Ctl.WriteOffset]!;
  }

  /**
   * Slow path for writers that try first and learn there is no room (the CTF writer's generated
   * functions return -1): hands the current packet over and opens the next one. Returns true when
   * the caller should retry in a fresh packet; false when the record was counted as discarded
   * (no free sub-buffer, or the current packet is empty so the record can never fit).
   */
  switchForRetry(): boolean {
    const ctl = this.ctl;
    if (ctl[Ctl.Closed] === 1) {
      // Closed for good (thread or process exit): nothing more reaches the consumer.
      this.countDiscarded();
      return false;
    }
    const cur = ctl[Ctl.Current]!;
    if (cur >= 0) {
      if (ctl[Ctl.WriteOffset]! === this.subbufStart(cur) + this.headerSizeBytes) {
        this.countDiscarded();
        return false;
      }
      this.closeCurrent();
    }
    if (!this.openNext()) {
      this.countDiscarded();
      return false;
    }
    return true;
  }

  /** Counts one discarded record (from generated code too, e.g. a record too big). */
  countDiscarded(): void {
    this.f64[F64.Discarded]! += 1;
  }

  /** Cumulative count of discarded records (read by the producer, or by a consumer after `isClosed`). */
  get discardedCount(): number {
    return this.f64[F64.Discarded]!;
  }

  /**
   * Hands the current packet to the consumer if it holds at least one record (switch timer,
   * session stop, rotation). The next record opens a new packet. Returns true when a packet was
   * handed over.
   */
  flush(): boolean {
    const ctl = this.ctl;
    const cur = ctl[Ctl.Current]!;
    if (cur < 0) return false;
    if (ctl[Ctl.WriteOffset]! === this.subbufStart(cur) + this.headerSizeBytes) return false;
    this.closeCurrent();
    this.openNext();
    return true;
  }

  /**
   * Final flush of the producer: closes the current packet, and when discarded records are not yet
   * reported, writes one empty packet to report them if a sub-buffer is free. Marks the buffer
   * closed; a consumer finishes what is left with `finishAbandoned`.
   */
  close(): void {
    const ctl = this.ctl;
    if (ctl[Ctl.Closed] === 1) return;
    const cur = ctl[Ctl.Current]!;
    if (cur >= 0) {
      const empty = ctl[Ctl.WriteOffset]! === this.subbufStart(cur) + this.headerSizeBytes;
      if (!empty || this.f64[F64.Discarded]! > this.f64[F64.DiscardedReported]!) {
        this.closeCurrent();
      } else {
        this.abandonCurrent();
      }
    } else if (this.f64[F64.Discarded]! > this.f64[F64.DiscardedReported]!) {
      if (this.openNext()) this.closeCurrent();
    }
    ctl[Ctl.WriteEnd] = 0;
    Atomics.store(ctl, Ctl.Closed, 1);
    this.ring();
  }

  /** Gives back an opened, still empty packet: it was never visible, so no seq number is lost. */
  private abandonCurrent(): void {
    const ctl = this.ctl;
    const cur = ctl[Ctl.Current]!;
    this.f64[F64.NextSeq]! -= 1;
    ctl[Ctl.NextSubbuf] = cur;
    ctl[Ctl.Current] = -1;
    ctl[Ctl.WriteEnd] = 0;
    Atomics.store(ctl, STATE_BASE_I32 + 2 * cur, SubbufState.Free);
  }

  private ring(): void {
    const d = this.doorbell;
    if (d !== null) {
      Atomics.add(d.words, d.index, 1);
      Atomics.notify(d.words, d.index);
    }
  }

  private closeCurrent(): void {
    const ctl = this.ctl;
    const cur = ctl[Ctl.Current]!;
    this.fillPacketEnd(cur, ctl[Ctl.WriteOffset]!, this.subbufSizeBytes);
    ctl[Ctl.Current] = -1;
    ctl[Ctl.WriteEnd] = 0;
    ctl[Ctl.NextSubbuf] = (cur + 1) % this.numSubbuf;
    Atomics.store(ctl, STATE_BASE_I32 + 2 * cur, SubbufState.Full);
    this.ring();
  }

  /** Writes the end-of-packet fields of sub-buffer `i` whose records end at `endOffset`. */
  private fillPacketEnd(i: number, endOffset: number, packetSizeBytes: number): void {
    const dv = this.dv;
    const start = this.subbufStart(i);
    const clock = this.clock;
    if (this.tsEndOff >= 0) {
      clock.sample();
      dv.setUint32(start + this.tsEndOff, clock.lo, true);
      dv.setUint32(start + this.tsEndOff + 4, clock.hi, true);
    }
    if (this.contentSizeOff >= 0) setU64(dv, start + this.contentSizeOff, (endOffset - start) * 8);
    if (this.packetSizeOff >= 0) setU64(dv, start + this.packetSizeOff, packetSizeBytes * 8);
    const discarded = this.f64[F64.Discarded]!;
    if (this.discardedOff >= 0) setU64(dv, start + this.discardedOff, discarded);
    this.f64[F64.DiscardedReported] = discarded;
  }

  /** Takes the next sub-buffer and writes its packet header; false when none is free. */
  private openNext(): boolean {
    const ctl = this.ctl;
    const next = ctl[Ctl.NextSubbuf]!;
    const stateIdx = STATE_BASE_I32 + 2 * next;
    let prev = Atomics.compareExchange(ctl, stateIdx, SubbufState.Free, SubbufState.Writing);
    if (prev !== SubbufState.Free) {
      // Overwrite mode takes back the oldest unread packet, unless the consumer is reading it.
      if (this.mode !== RingBufferMode.Overwrite || prev !== SubbufState.Full) return false;
      prev = Atomics.compareExchange(ctl, stateIdx, SubbufState.Full, SubbufState.Writing);
      if (prev !== SubbufState.Full) return false;
    }
    const start = this.subbufStart(next);
    this.u8.set(this.template, start);
    const seq = this.f64[F64.NextSeq]!;
    this.f64[F64.NextSeq] = seq + 1;
    this.f64[this.seqBase + next] = seq;
    const dv = this.dv;
    if (this.seqNumOff >= 0) setU64(dv, start + this.seqNumOff, seq);
    if (this.tsBeginOff >= 0) {
      const clock = this.clock;
      clock.sample();
      dv.setUint32(start + this.tsBeginOff, clock.lo, true);
      dv.setUint32(start + this.tsBeginOff + 4, clock.hi, true);
    }
    // A new generation tells a snapshot copy that the sub-buffer was reused under it.
    Atomics.add(ctl, stateIdx + 1, 1);
    ctl[Ctl.Current] = next;
    // The reader knows no previous timestamp in a new packet: the first record carries all 64 bits.
    this.tsState[2] = 1;
    ctl[Ctl.WriteOffset] = start + this.headerSizeBytes;
    ctl[Ctl.WriteEnd] = start + this.subbufSizeBytes;
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Both sides.

  subbufStart(i: number): number {
    return this.dataOffsetBytes + i * this.subbufSizeBytes;
  }

  state(i: number): SubbufState {
    return Atomics.load(this.ctl, STATE_BASE_I32 + 2 * i) as SubbufState;
  }

  get isClosed(): boolean {
    return Atomics.load(this.ctl, Ctl.Closed) === 1;
  }

  /** packet_seq_num of sub-buffer i's packet. */
  seqNumOf(i: number): number {
    return this.f64[this.seqBase + i]!;
  }

  // -------------------------------------------------------------------------------------------
  // Consumer side.

  /**
   * The oldest full sub-buffer, now owned by the caller (state Reading), or -1. Oldest = lowest
   * packet_seq_num: in overwrite mode the producer may have taken some back, so ring order alone
   * is not enough.
   *
   * One scan is not enough either: it reads the states one at a time, so a sub-buffer seen Writing
   * early in the scan can be closed, and the next one filled and closed, before the scan ends; that
   * scan returns packet n+1 and the next call packet n (a preempted consumer, a fast producer). In
   * overwrite mode the chosen sub-buffer can also be reused for a newer packet before the exchange.
   * So the choice is checked once the packet is held and cannot change: every older packet was
   * closed before it (the producer closes packets in order), so a scan now sees each older one
   * that is still unread as Full, and the held packet is the oldest when that scan finds none.
   */
  acquireFull(): number {
    for (;;) {
      const best = this.oldestFull();
      if (best < 0) return -1;
      // The producer took it back meanwhile (overwrite mode): look again.
      if (!this.tryAcquire(best)) continue;
      const seq = this.seqNumOf(best);
      if (this.oldestFull() < 0 || this.scanSeq > seq) return best;
      this.release(best, false);
    }
  }

  /** The full sub-buffer with the lowest packet_seq_num in one scan, or -1 (its seq num in `scanSeq`). */
  private oldestFull(): number {
    let best = -1;
    let bestSeq = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.numSubbuf; i++) {
      if (this.state(i) === SubbufState.Full) {
        const s = this.f64[this.seqBase + i]!;
        if (s < bestSeq) {
          bestSeq = s;
          best = i;
        }
      }
    }
    this.scanSeq = bestSeq;
    return best;
  }

  /** All full sub-buffers, oldest first (snapshot). Not acquired. */
  listFull(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.numSubbuf; i++) if (this.state(i) === SubbufState.Full) out.push(i);
    return out.sort((a, b) => this.f64[this.seqBase + a]! - this.f64[this.seqBase + b]!);
  }

  /** Acquires a specific full sub-buffer (snapshot); false if it is not full any more. */
  tryAcquire(i: number): boolean {
    const idx = STATE_BASE_I32 + 2 * i;
    return Atomics.compareExchange(this.ctl, idx, SubbufState.Full, SubbufState.Reading) === SubbufState.Full;
  }

  /** Gives back an acquired sub-buffer: Free when consumed, Full again after a snapshot copy. */
  release(i: number, consumed = true): void {
    Atomics.store(this.ctl, STATE_BASE_I32 + 2 * i, consumed ? SubbufState.Free : SubbufState.Full);
  }

  /** Bytes of records plus header in an acquired sub-buffer (content_size / 8). */
  contentSizeBytes(i: number): number {
    if (this.contentSizeOff >= 0) return getU64(this.dv, this.subbufStart(i) + this.contentSizeOff) / 8;
    return this.subbufSizeBytes;
  }

  /** Sets packet_size of an acquired sub-buffer (the consumer trims flushed packets). */
  setPacketSizeBytes(i: number, packetSizeBytes: number): void {
    if (this.packetSizeOff >= 0)
      setU64(this.dv, this.subbufStart(i) + this.packetSizeOff, packetSizeBytes * 8);
  }

  /**
   * For a producer that will never write again (closed, or its thread is gone): closes its
   * current packet in place, or opens and closes an empty one when discarded records are not yet
   * reported and a sub-buffer is free. Call after reading every full sub-buffer; then read again.
   * Returns true when a packet became full.
   */
  finishAbandoned(): boolean {
    const ctl = this.ctl;
    const cur = ctl[Ctl.Current]!;
    const unreported = this.f64[F64.Discarded]! > this.f64[F64.DiscardedReported]!;
    if (cur >= 0) {
      const hasRecords = ctl[Ctl.WriteOffset]! > this.subbufStart(cur) + this.headerSizeBytes;
      if (!hasRecords && !unreported) {
        this.abandonCurrent();
        return false;
      }
      this.closeCurrent();
      return true;
    }
    if (!unreported) return false;
    if (!this.openNext()) return false;
    this.closeCurrent();
    return true;
  }

  /**
   * Copies the packet being written, closed in the copy only, without disturbing a producer that
   * may still be running (snapshot, unresponsive thread). Returns the copy's length in bytes (0:
   * nothing to copy, or the producer moved to this sub-buffer's next use during the copy).
   * The copy relies on the producer storing WriteOffset after the record bytes (program order,
   * which V8 keeps and x86 and arm64 make visible in that order for plain stores to one buffer).
   */
  copyCurrent(into: Uint8Array): number {
    const ctl = this.ctl;
    const cur = Atomics.load(ctl, Ctl.Current);
    if (cur < 0) return 0;
    const genIdx = STATE_BASE_I32 + 2 * cur + 1;
    const gen = Atomics.load(ctl, genIdx);
    const start = this.subbufStart(cur);
    const end = Atomics.load(ctl, Ctl.WriteOffset);
    if (end <= start + this.headerSizeBytes || end > start + this.subbufSizeBytes) return 0;
    const len = end - start;
    if (into.length < len) return 0;
    into.set(this.u8.subarray(start, end), 0);
    if (Atomics.load(ctl, genIdx) !== gen || Atomics.load(ctl, Ctl.Current) !== cur) return 0;
    const dv = new DataView(into.buffer, into.byteOffset, into.byteLength);
    if (this.tsEndOff >= 0) {
      this.clock.sample();
      dv.setUint32(this.tsEndOff, this.clock.lo, true);
      dv.setUint32(this.tsEndOff + 4, this.clock.hi, true);
    }
    if (this.contentSizeOff >= 0) setU64(dv, this.contentSizeOff, len * 8);
    if (this.packetSizeOff >= 0) setU64(dv, this.packetSizeOff, len * 8);
    if (this.discardedOff >= 0) setU64(dv, this.discardedOff, this.f64[F64.Discarded]!);
    return len;
  }
}
