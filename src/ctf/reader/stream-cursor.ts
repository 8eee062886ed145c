/**
 * One data stream (a group of stream files sharing a stream class and stream instance ID) read
 * packet by packet, producing babeltrace2's message sequence: stream beginning, discarded events,
 * discarded packets, packet beginning, events, packet end, stream end. The rules (where the clock
 * is updated, when a truncated stream is an error, how discarded counts are computed) follow
 * babeltrace2 2.0's `ctf_msg_iter` so that the muxed order and the errors match.
 *
 * Memory is bounded: the stream file is read through a window (a byte buffer) that slides as
 * events are decoded and grows only for an event larger than the window.
 */

import { DecodeState, DecodeStatus, U32_FIELD } from './decode-state.js';
import { type ScopeFn, updateClock } from './decoder-compiler.js';
import { DecodeError } from './errors.js';
import { EventObject } from './event-object.js';
import type { ReaderHost } from './host.js';
import type { EventRuntime, StreamClassRuntime, TraceRuntime } from './trace-runtime.js';

/** Message types, in babeltrace2's tie-break weight order (see `weight`). */
export const MsgType = {
  StreamBeginning: 0,
  PacketBeginning: 1,
  Event: 2,
  DiscardedEvents: 3,
  PacketEnd: 4,
  DiscardedPackets: 5,
  StreamEnd: 6,
} as const;
export type MsgType = (typeof MsgType)[keyof typeof MsgType];

/** babeltrace2's `message_type_weight`: a higher weight goes first on a tie. */
export const MSG_WEIGHT: readonly number[] = [7, 6, 5, 4, 3, 1, 0];

/** One packet of a data stream: where it is. */
export interface IndexEntry {
  readonly path: string;
  readonly offsetBytes: number;
  readonly sizeBytes: number;
  /** Packet beginning/end times from the index (cycles; null when absent) and in ns (or null). */
  tsBegin: bigint | null;
  tsEnd: bigint | null;
  tsBeginNs: bigint | null;
  tsEndNs: bigint | null;
  readonly seqNum: bigint | null;
}

/** What the packet header and context of one packet say. */
export interface PacketProps {
  readonly sc: StreamClassRuntime;
  /** -1n when the packet header has no `stream_instance_id`. */
  readonly dataStreamId: bigint;
  /** Bits; -1 when unknown (int64 semantics: negative means unknown). */
  readonly totalBits: number;
  readonly contentBits: number;
  readonly tsBegin: bigint | null;
  readonly tsEnd: bigint | null;
  readonly discarded: bigint | null;
  readonly seqNum: bigint | null;
}

/**
 * Text output formatted while decoding (see compileTextLine): each event's line is written into
 * `st.out` at `st.o` by the line function of its class, once, instead of a skip pass then a text
 * pass. The owner (MuxInput) points `st.out` at a region that stays untouched until the line is
 * printed.
 */
export interface LineProvider {
  /** The compiled line function of an event record class (called once per class and run). */
  lineFor(ev: EventRuntime): ScopeFn;
  /** Emulate babeltrace2's event object pools (its empty-string quirk). */
  readonly eventObjects: boolean;
}

/** A window buffer. Records of messages not yet consumed pin it (it is then never overwritten). */
export class WinBuf {
  readonly dv: DataView;
  pins = 0;
  constructor(readonly u8: Uint8Array) {
    this.dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  }
}

const U64_MASK = (1n << 64n) - 1n;
const U64_MAX = U64_MASK;
const TWO32 = 4294967296;
const DEFAULT_WINDOW = 1 << 20;
const MAX_WINDOW = 1 << 27;

enum State {
  SwitchPacket,
  CheckDiscardedEvents,
  CheckDiscardedPackets,
  PacketBeginning,
  EventOrEnd,
  AfterPacketEndMulti,
  AfterPacketEndSingle,
  QueuedEvent,
  QueuedPacketEnd,
  StreamEnd,
  Done,
}

function big64(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** babeltrace2 uses UINT64_C(-1) as "not set". */
function snap(set: boolean, hi: number, lo: number): bigint | null {
  if (!set) return null;
  const v = big64(hi, lo);
  return v === U64_MAX ? null : v;
}

export class StreamCursor {
  readonly st: DecodeState;
  // --- window on the current file
  private win: WinBuf;
  private spare: WinBuf | null = null;
  private fd = -1;
  private curPath = '';
  private fileSize = 0;
  /** File offset of buf[0]. */
  private winOff = 0;
  private winLen = 0;

  // --- iteration over index entries
  private entryIdx = 0;
  private state = State.SwitchPacket;

  // --- babeltrace2 message iterator state
  private metaSc: StreamClassRuntime | null = null;
  private totalBits = -1;
  private contentBits = -1;
  private packetFileOff = 0;
  private tsBegin: bigint | null = null;
  private tsEnd: bigint | null = null;
  private disc: bigint | null = null;
  private seq: bigint | null = null;
  private prevTsEnd: bigint | null = null;
  private prevDisc: bigint | null = null;
  private prevSeq: bigint | null = null;
  private emitSB = true;
  private emitSE = false;
  private delayedPB = false;

  // --- current message (the stream's head)
  type: MsgType = MsgType.StreamBeginning;
  /** The message has a default clock snapshot (cycles in csHi:csLo). */
  hasCs = false;
  csHi = U32_FIELD;
  csLo = U32_FIELD;
  /** Discarded events/packets: count (null: unknown) and time range (cycles). */
  count: bigint | null = null;
  rangeBegin: bigint | null = null;
  rangeEnd: bigint | null = null;
  /** Event: its class and where its scopes start (bits in the window). */
  ev: EventRuntime | null = null;
  evBodyBits = 0;
  evCommonBits = 0;
  evSpecBits = 0;
  evPayloadBits = 0;
  /**
   * Called when a packet's header and context were decoded (its bytes are in the window); what
   * it returns is kept as `packetUser` (e.g. the formatted packet context).
   */
  onPacket: ((c: StreamCursor) => unknown) | null = null;
  packetUser: unknown = null;
  /** Bit position of the current event's first bit (in the window). */
  evStartBits = 0;
  /** Packet of the current message: increments per packet (for caching the packet context). */
  packetSerial = 0;
  /** Window bit position of the current packet's context (valid while the packet is current). */
  ctxStartBits = 0;
  ctxEndBits = 0;

  /** Set when the stream ended: normally, or silently (truncated last packet, as babeltrace2). */
  ended = false;

  /** Text lines: formats each event while decoding it (null: skip flavour only). */
  lines: LineProvider | null = null;
  /** Text lines: the current event's line is `lineBuf[lineStart, lineEnd)`. */
  lineBuf: Uint8Array = new Uint8Array(0);
  lineStart = 0;
  lineEnd = 0;
  /** Text lines: the current event's object (babeltrace2's recycled event), or null. */
  evObj: EventObject | null = null;
  /** The object taken from the pool for the event being decoded (kept across refills). */
  private pendingObj: EventObject | null = null;

  constructor(
    private readonly host: ReaderHost,
    readonly trace: TraceRuntime,
    readonly entries: readonly IndexEntry[],
    /** The stream class the group was formed with. */
    readonly groupSc: StreamClassRuntime | null,
    windowBytes = DEFAULT_WINDOW,
  ) {
    this.st = new DecodeState(trace.tc.storedValueCount);
    this.win = new WinBuf(new Uint8Array(windowBytes));
    this.setWindowViews();
  }

  /** The window buffer the current message's bytes are in. */
  get buffer(): WinBuf {
    return this.win;
  }

  /** A buffer of `size` bytes that no record pins (the current one when possible). */
  private writableBuffer(size: number): WinBuf {
    if (this.win.pins === 0 && this.win.u8.length === size) return this.win;
    const sp = this.spare;
    if (sp && sp.pins === 0 && sp.u8.length === size) {
      this.spare = this.win.u8.length === size ? this.win : null;
      return sp;
    }
    if (this.win.u8.length === size) this.spare = this.win;
    return new WinBuf(new Uint8Array(size));
  }

  close(): void {
    if (this.fd >= 0) this.host.close(this.fd);
    this.fd = -1;
    this.curPath = '';
  }

  /** File currently read and the file offset of a window bit position (for errors). */
  where(bits: number): { file: string; offsetBytes: number } {
    return { file: this.curPath, offsetBytes: this.winOff + Math.floor(bits / 8) };
  }

  private fail(message: string, bits: number): never {
    const w = this.where(bits);
    this.close();
    throw new DecodeError(message, w.file, w.offsetBytes);
  }

  private setWindowViews(): void {
    const st = this.st;
    st.u8 = this.win.u8;
    st.dv = this.win.dv;
  }

  private syncLimits(): void {
    this.st.lim = this.winLen * 8;
    this.st.atEof = this.winOff + this.winLen >= this.fileSize;
  }

  /** Makes the window start at file offset `fileOff` of `path` and fills it. */
  private loadAt(path: string, fileOff: number): void {
    if (path !== this.curPath) {
      if (this.fd >= 0) this.host.close(this.fd);
      this.fd = this.host.open(path);
      this.curPath = path;
      this.fileSize = this.host.fileSize(path);
    }
    this.win = this.writableBuffer(this.win.u8.length);
    this.setWindowViews();
    this.winOff = fileOff;
    this.winLen = this.readInto(0, fileOff);
    this.syncLimits();
  }

  private readInto(at: number, fileOff: number): number {
    const buf = this.win.u8;
    const want = Math.min(buf.length - at, this.fileSize - fileOff);
    let got = 0;
    while (got < want) {
      const n = this.host.read(this.fd, buf, at + got, want - got, fileOff + got);
      if (n <= 0) break;
      got += n;
    }
    return at + got;
  }

  /**
   * More bytes are needed by a decode that started at window byte `keepByte`: slide the window so
   * that it starts there (growing it if it already did) and read more. Returns the bit shift
   * applied to window positions.
   */
  private refill(keepByte: number): number {
    const old = this.win;
    let size = old.u8.length;
    if (keepByte === 0 || this.winLen - keepByte > size / 2) {
      if (size >= MAX_WINDOW) {
        this.fail(`event record or packet header larger than ${MAX_WINDOW} bytes is not supported`, 0);
      }
      size *= 2;
    }
    const next = this.writableBuffer(size);
    if (next === old) old.u8.copyWithin(0, keepByte, this.winLen);
    else next.u8.set(old.u8.subarray(keepByte, this.winLen));
    this.win = next;
    this.setWindowViews();
    const kept = this.winLen - keepByte;
    this.winOff += keepByte;
    this.winLen = this.readInto(kept, this.winOff + kept);
    this.syncLimits();
    const shift = keepByte * 8;
    this.st.pb -= shift;
    return shift;
  }

  // ---------------------------------------------------------------------------------------------
  // Packet header and context

  /** Positions the window at an index entry (packet start). */
  private seekEntry(e: IndexEntry): void {
    if (
      e.path === this.curPath &&
      e.offsetBytes >= this.winOff &&
      e.offsetBytes < this.winOff + this.winLen
    ) {
      this.st.pb = (e.offsetBytes - this.winOff) * 8;
    } else {
      this.loadAt(e.path, e.offsetBytes);
      this.st.pb = 0;
    }
    this.st.p = this.st.pb;
    this.packetFileOff = e.offsetBytes;
  }

  /**
   * Decodes the packet header and context at st.pb. Returns the props, or null when the stream
   * silently ends (babeltrace2: end of file exactly at the end of a packet of known size).
   */
  private decodePacketStart(): PacketProps | null {
    const st = this.st;
    const tr = this.trace;
    const clkHi = st.clkHi;
    const clkLo = st.clkLo;
    for (;;) {
      st.p = st.pb;
      st.scId = -1;
      st.dsIdSet = false;
      st.tsBeginSet = false;
      st.tsEndSet = false;
      st.discSet = false;
      st.seqSet = false;
      st.packetSizeBits = -1;
      st.contentSizeBits = -1;
      st.clkHi = clkHi;
      st.clkLo = clkLo;
      let status: number = tr.skipPacketHeader(st);
      let sc: StreamClassRuntime | null = null;
      if (status === DecodeStatus.Ok) {
        sc = tr.streamClass(st.scId);
        if (!sc) {
          if (st.scId === -1) {
            this.fail(
              `the packet header has no stream class ID but the trace has ${tr.tc.streamClasses.length} stream classes`,
              st.pb,
            );
          }
          this.fail(`no stream class with ID ${String(st.scId)} in the metadata`, st.pb);
        }
        this.ctxStartBits = st.p;
        status = sc.skipContext(st);
        this.ctxEndBits = st.p;
      }
      if (status === DecodeStatus.NeedMore) {
        this.refill(st.pb >>> 3);
        continue;
      }
      if (status === DecodeStatus.Error) {
        // While decoding the context, babeltrace2 knows the size only from `packet_size`.
        if (this.silentEnd(st.packetSizeBits)) return null;
        this.fail(st.err, st.errAt);
      }
      const total = st.packetSizeBits;
      const content = st.contentSizeBits;
      let totalBits = total;
      let contentBits = content;
      if (total === -1) {
        if (content !== -1) totalBits = content;
      } else if (content === -1) {
        contentBits = total;
      }
      if (contentBits > totalBits) {
        this.fail(
          `invalid packet: content size (${contentBits} bits) is greater than packet size (${totalBits} bits)`,
          st.pb,
        );
      }
      return {
        sc: sc!,
        dataStreamId: st.dsIdSet ? BigInt.asIntN(64, big64(st.dsIdHi, st.dsIdLo)) : -1n,
        totalBits,
        contentBits,
        tsBegin: snap(st.tsBeginSet, st.tsBeginHi, st.tsBeginLo),
        tsEnd: snap(st.tsEndSet, st.tsEndHi, st.tsEndLo),
        discarded: snap(st.discSet, st.discHi, st.discLo),
        seqNum: snap(st.seqSet, st.seqHi, st.seqLo),
      };
    }
  }

  /**
   * babeltrace2 accepts the end of the file in the middle of a decode when the packet size is
   * known and the packet ends exactly at the end of the file: the stream just ends there.
   */
  private silentEnd(size: number): boolean {
    const st = this.st;
    if (!st.errShort) return false;
    if (size < 0) return false;
    const fileEndBits = (this.fileSize - this.packetFileOff) * 8;
    return fileEndBits === size;
  }

  /** Reads the header and context of the packet at `e` on its own (index building). */
  readPacketProps(e: IndexEntry): PacketProps {
    this.seekEntry(e);
    this.st.clkHi = 0;
    this.st.clkLo = 0;
    const props = this.decodePacketStart();
    if (!props) this.fail('the data stream ends in the middle of the packet header or context', this.st.pb);
    return props;
  }

  // ---------------------------------------------------------------------------------------------
  // Message production

  /**
   * Advances to the next message. Returns false at the end of the stream. Throws DecodeError on
   * malformed data (after every message before the problem was produced).
   */
  next(): boolean {
    // Most messages are events: their state first, without the switch.
    if (this.state === State.EventOrEnd) return this.eventOrEnd();
    for (;;) {
      switch (this.state) {
        case State.SwitchPacket: {
          if (this.entryIdx >= this.entries.length) {
            this.state = State.StreamEnd;
            continue;
          }
          const e = this.entries[this.entryIdx++]!;
          this.seekEntry(e);
          this.prevTsEnd = this.tsEnd;
          this.prevDisc = this.disc;
          this.prevSeq = this.seq;
          const props = this.decodePacketStart();
          if (!props) return this.endSilently();
          if (this.metaSc && props.sc !== this.metaSc) {
            this.fail(
              `two packets of the same data stream refer to different stream classes (IDs ${this.metaSc.id} and ${props.sc.id})`,
              this.st.pb,
            );
          }
          if (!this.metaSc && this.groupSc && props.sc !== this.groupSc) {
            this.fail(
              `packet of stream class ${props.sc.id} in a data stream of stream class ${this.groupSc.id}`,
              this.st.pb,
            );
          }
          this.metaSc = props.sc;
          this.totalBits = props.totalBits;
          this.contentBits = props.contentBits;
          this.tsBegin = props.tsBegin;
          this.tsEnd = props.tsEnd;
          this.disc = props.discarded;
          this.seq = props.seqNum;
          this.packetSerial++;
          if (this.onPacket) {
            const pu = this.onPacket(this);
            this.packetUser = pu;
            // For the line functions, once per packet: stored per event, these new (young)
            // objects cost a write barrier call each time (bench/view, perf: RecordWrite).
            if (pu instanceof Uint8Array) this.st.setPacketContextText(pu);
          }
          this.state = State.CheckDiscardedEvents;
          if (this.emitSB) {
            this.emitSB = false;
            this.emitSE = true;
            this.setMsg(MsgType.StreamBeginning);
            return true;
          }
          continue;
        }
        case State.CheckDiscardedEvents: {
          this.state = State.CheckDiscardedPackets;
          if (this.discardedEvents()) return true;
          continue;
        }
        case State.CheckDiscardedPackets: {
          this.state = State.PacketBeginning;
          if (this.discardedPackets()) return true;
          continue;
        }
        case State.PacketBeginning: {
          this.state = State.EventOrEnd;
          if (this.trace.quirks.barectfEventBeforePacket) {
            this.delayedPB = true;
            continue;
          }
          this.packetBeginning(false);
          return true;
        }
        case State.EventOrEnd:
          return this.eventOrEnd();
        case State.QueuedEvent: {
          this.state = State.EventOrEnd;
          this.restoreQueuedEvent();
          return true;
        }
        case State.QueuedPacketEnd: {
          this.state = State.AfterPacketEndSingle;
          this.packetEnd();
          return true;
        }
        case State.AfterPacketEndMulti:
          // babeltrace2 skips the padding up to the packet size read from the packet context.
          if (this.totalBits > (this.fileSize - this.packetFileOff) * 8) {
            this.fail(
              `packet size (${this.totalBits} bits) goes past the end of the file (${this.fileSize} bytes)`,
              (this.packetFileOff - this.winOff) * 8,
            );
          }
          this.state = State.SwitchPacket;
          continue;
        case State.AfterPacketEndSingle:
          this.state = State.StreamEnd;
          continue;
        case State.StreamEnd: {
          this.state = State.Done;
          if (this.emitSE) {
            this.emitSE = false;
            this.setMsg(MsgType.StreamEnd);
            return true;
          }
          continue;
        }
        case State.Done:
          this.ended = true;
          this.close();
          return false;
      }
    }
  }

  /** State.EventOrEnd: the next event, or the end of the packet. */
  private eventOrEnd(): boolean {
    const r = this.decodeEvent();
    if (r === 1) {
      if (this.delayedPB) {
        this.delayedPB = false;
        this.state = State.QueuedEvent;
        this.packetBeginningDelayed();
      }
      return true;
    }
    if (r === 2) return this.endSilently();
    // End of packet.
    this.state = r === 0 ? State.AfterPacketEndMulti : State.AfterPacketEndSingle;
    if (this.delayedPB) {
      // babeltrace2 then emits the packet end and ends the stream, whatever follows.
      this.delayedPB = false;
      this.state = State.QueuedPacketEnd;
      this.packetBeginningDelayed();
      return true;
    }
    this.packetEnd();
    return true;
  }

  private queuedEv: EventRuntime | null = null;
  private queuedPos: number[] = [0, 0, 0];
  private queuedEvBody = 0;
  private queuedEvStart = 0;
  private queuedCsHi = U32_FIELD;
  private queuedCsLo = U32_FIELD;
  private queuedLine: [Uint8Array, number, number, EventObject | null] | null = null;

  private endSilently(): boolean {
    this.state = State.Done;
    this.ended = true;
    this.close();
    return false;
  }

  private setMsg(type: MsgType): void {
    this.type = type;
    this.hasCs = false;
    this.ev = null;
  }

  private setCs(v: bigint): void {
    this.hasCs = true;
    this.csHi = Number(v >> 32n);
    this.csLo = Number(v & 0xffffffffn);
  }

  private clockBig(): bigint {
    return big64(this.st.clkHi, this.st.clkLo);
  }

  private setClock(v: bigint): void {
    this.st.clkHi = Number(v >> 32n);
    this.st.clkLo = Number(v & 0xffffffffn);
  }

  private discardedEvents(): boolean {
    const sc = this.metaSc!.sc;
    if (!sc.hasDiscardedEvents) return false;
    const cur = this.disc;
    const prev = this.prevDisc;
    if (prev === null) {
      if (cur === 0n || cur === null) return false;
    } else if (cur === null || ((cur - prev) & U64_MASK) === 0n) {
      return false;
    }
    this.setMsg(MsgType.DiscardedEvents);
    this.count = prev === null ? null : (cur! - prev) & U64_MASK;
    if (this.count === U64_MAX) this.count = null;
    this.rangeBegin = null;
    this.rangeEnd = null;
    if (sc.discardedEventsHaveCs) {
      this.rangeBegin = prev === null ? this.tsBegin : this.prevTsEnd;
      this.rangeEnd = this.tsEnd;
      if (this.rangeBegin !== null) this.setCs(this.rangeBegin);
    }
    return true;
  }

  private discardedPackets(): boolean {
    const sc = this.metaSc!.sc;
    if (!sc.hasDiscardedPackets) return false;
    const prev = this.prevSeq;
    const cur = this.seq;
    if (prev === null || cur === null) return false;
    if (((cur - prev) & U64_MASK) <= 1n) return false;
    this.setMsg(MsgType.DiscardedPackets);
    this.count = (cur - prev - 1n) & U64_MASK;
    if (this.count === U64_MAX) this.count = null;
    this.rangeBegin = null;
    this.rangeEnd = null;
    if (sc.discardedPacketsHaveCs) {
      this.rangeBegin = this.prevTsEnd;
      this.rangeEnd = this.tsBegin;
      if (this.rangeBegin !== null) this.setCs(this.rangeBegin);
    }
    return true;
  }

  private packetBeginning(useClock: boolean): void {
    this.setMsg(MsgType.PacketBeginning);
    if (this.metaSc!.sc.packetsHaveTsBegin && this.tsBegin !== null) {
      this.setCs(useClock ? this.clockBig() : this.tsBegin);
    }
  }

  /** barectf quirk: the packet beginning is emitted with the first event (or the packet end). */
  private packetBeginningDelayed(): void {
    // Keep the event (if any) to emit it right after.
    this.queuedEv = this.ev;
    this.queuedPos = [this.evCommonBits, this.evSpecBits, this.evPayloadBits];
    this.queuedEvBody = this.evBodyBits;
    this.queuedEvStart = this.evStartBits;
    this.queuedCsHi = this.csHi;
    this.queuedCsLo = this.csLo;
    this.queuedLine = [this.lineBuf, this.lineStart, this.lineEnd, this.evObj];
    const fix = this.tsBegin !== null && this.clockBig() < this.tsBegin;
    this.packetBeginning(fix);
  }

  private restoreQueuedEvent(): void {
    this.setMsg(MsgType.Event);
    this.ev = this.queuedEv;
    [this.evCommonBits, this.evSpecBits, this.evPayloadBits] = this.queuedPos as [number, number, number];
    this.evBodyBits = this.queuedEvBody;
    this.evStartBits = this.queuedEvStart;
    if (this.queuedLine) {
      [this.lineBuf, this.lineStart, this.lineEnd, this.evObj] = this.queuedLine;
      this.queuedLine = null;
    }
    if (this.ev!.sc.clock) {
      this.hasCs = true;
      this.csHi = this.queuedCsHi;
      this.csLo = this.queuedCsLo;
    }
  }

  private packetEnd(): void {
    let update = true;
    const q = this.trace.quirks;
    if (q.lttngCrash && this.tsBegin !== 0n && this.tsBegin !== null && this.tsEnd === 0n) update = false;
    if (q.lttngEventAfterPacket && this.tsEnd !== null && this.tsEnd < this.clockBig()) update = false;
    if (this.tsEnd !== null && update) this.setClock(this.tsEnd);
    this.setMsg(MsgType.PacketEnd);
    if (this.metaSc!.sc.packetsHaveTsEnd && this.tsEnd !== null) this.setCs(this.clockBig());
  }

  /**
   * Decodes the next event of the current packet. Returns 1 (event), 0 (end of packet, more
   * packets may follow), 3 (end of packet of unknown size: end of stream), 2 (silent end).
   */
  private decodeEvent(): number {
    const st = this.st;
    const sc = this.metaSc!;
    for (;;) {
      const at = st.p - st.pb;
      if (this.contentBits >= 0) {
        if (at === this.contentBits) return 0;
        if (at > this.contentBits) {
          this.fail(
            `event record goes past the end of the packet content (${this.contentBits} bits from the packet start at file offset ${this.packetFileOff})`,
            st.p,
          );
        }
      } else if (st.p >= st.lim) {
        if (st.atEof && st.p === st.lim) return 3;
        if (!st.atEof) {
          st.p -= this.refill(st.p >>> 3);
          continue;
        }
      }
      const start = st.p;
      const clkHi = st.clkHi;
      const clkLo = st.clkLo;
      st.ecId = -1;
      let status: number = sc.skipHeader(st);
      let ev: EventRuntime | null = null;
      if (status === DecodeStatus.Ok) {
        ev = sc.eventClass(st.ecId);
        if (!ev) {
          if (st.ecId === -1) {
            this.fail(
              `the event header has no event class ID but stream class ${sc.id} has ${sc.sc.eventClasses.length} event classes`,
              start,
            );
          }
          this.fail(`no event class with ID ${String(st.ecId)} in stream class ${sc.id}`, start);
        }
        this.evBodyBits = st.p;
        this.evCommonBits = st.p;
        this.csHi = st.clkHi;
        this.csLo = st.clkLo;
        const lines = this.lines;
        if (lines !== null) {
          // One pass: validate and format the line (see LineProvider).
          let fn = ev.lineFn;
          if (fn === null) {
            fn = lines.lineFor(ev);
            ev.lineFn = fn;
          }
          if (lines.eventObjects && this.pendingObj === null) {
            this.pendingObj = ev.pool.pop() ?? new EventObject();
          }
          st.obj = this.pendingObj;
          st.o0 = st.o;
          status = fn(st);
          if (status === DecodeStatus.Ok) {
            this.lineBuf = st.out;
            this.lineStart = st.o0;
            this.lineEnd = st.o;
            this.evObj = this.pendingObj;
            this.pendingObj = null;
          } else st.o = st.o0;
        } else {
          status = ev.skipBody(st);
          this.evSpecBits = st.marks[0]!;
          this.evPayloadBits = st.marks[1]!;
        }
      }
      if (status === DecodeStatus.NeedMore) {
        st.clkHi = clkHi;
        st.clkLo = clkLo;
        st.p = start - this.refill(start >>> 3);
        continue;
      }
      if (status === DecodeStatus.Error) {
        if (this.silentEnd(this.totalBits)) return 2;
        this.fail(st.err, st.errAt);
      }
      if (st.p === start) {
        // babeltrace2 loops forever on an empty event record in a packet that has room left.
        this.fail('event record of zero bits: the packet content would never end', start);
      }
      this.type = MsgType.Event;
      this.ev = ev;
      this.evStartBits = start;
      this.hasCs = sc.clock !== null;
      return 1;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Dry runs used while opening a trace (babeltrace2's index fix-ups decode some packets).

  /** Clock value after the last event of the packet at `e` (or its beginning time). */
  lastEventClock(e: IndexEntry): bigint {
    const props = this.readPacketProps(e);
    this.metaSc = props.sc;
    this.totalBits = props.totalBits;
    this.contentBits = props.contentBits;
    for (;;) {
      const r = this.decodeEvent();
      if (r === 1) continue;
      if (r === 2) this.fail('the data stream ends in the middle of an event record', this.st.p);
      return this.clockBig();
    }
  }

  /** Clock value after the first event header of the packet at `e`. */
  firstEventClock(e: IndexEntry): bigint {
    const props = this.readPacketProps(e);
    this.metaSc = props.sc;
    this.totalBits = props.totalBits;
    this.contentBits = props.contentBits;
    const r = this.decodeEvent();
    if (r === 2) this.fail('the data stream ends in the middle of an event record', this.st.p);
    return r === 1 ? big64(this.csHi, this.csLo) : this.clockBig();
  }

  /** Stream class of the current packet. */
  get packetStreamClass(): StreamClassRuntime | null {
    return this.metaSc;
  }

  /** Current packet's file offset (for messages). */
  get packetOffsetBytes(): number {
    return this.packetFileOff;
  }

  /** Current data stream file. */
  get path(): string {
    return this.curPath;
  }
}

export { TWO32, updateClock };
