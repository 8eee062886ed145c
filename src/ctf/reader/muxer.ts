/**
 * Merges the messages of many data streams by time, exactly as babeltrace2 2.0's `flt.utils.muxer`:
 * the youngest head message goes first; ties are broken by trace UUID, trace name, stream class ID,
 * stream ID, then message type (stream beginning < packet beginning < event < discarded events <
 * packet end < discarded packets < stream end); messages without a clock snapshot take the last
 * returned time; a message older than the last returned one is an error, as are clock classes that
 * cannot be correlated (absolute vs not, different UUIDs).
 */
import { type ClockConverter, compareNsTime, type NsTime } from './clock-time.js';
import { DecodeState } from './decode-state.js';
import { TraceError } from './errors.js';
import { EventObject } from './event-object.js';
import { type LineProvider, MSG_WEIGHT, MsgType, type StreamCursor, type WinBuf } from './stream-cursor.js';
import type { EventRuntime } from './trace-runtime.js';
import type { DataStream } from './trace-set.js';

enum Expect {
  Any,
  Absolute,
  NotAbsNoUuid,
  NotAbsUuid,
  None,
}

/** INT64_MIN nanoseconds as seconds + nanoseconds. */
const MIN_SEC = -9223372037;
const MIN_NSEC = 145224192;

/** babeltrace2 moves messages between iterators in batches of this many (MSG_BATCH_SIZE). */
export const BATCH = 15;

/**
 * One message, kept from the moment its batch is fetched until the consumer is done with the
 * muxer's output batch it went into (see MuxInput.queue: records are reused, never freed).
 */
export class MsgRecord {
  type: MsgType = MsgType.StreamBeginning;
  hasCs = false;
  /**
   * The clock snapshot's 32-bit halves as int32 (`| 0`): small integers, stored in the object.
   * A uint32 above 2^31 would make the field a boxed double for every record (bench/view).
   */
  csHiI = 0;
  csLoI = 0;
  /** 0: no clock snapshot, 1: `sec`/`nsec` hold its time, 2: conversion overflow. */
  tsState = 0;
  /**
   * The message's time (an NsTime). Written as small integers whenever they are (see record()):
   * one double stored there once makes the field a boxed double for every record, an extra
   * load per read (bench/view: nextOne and the text sink read them per message).
   */
  sec = 0;
  nsec = 0;
  count: bigint | null = null;
  rangeBegin: bigint | null = null;
  rangeEnd: bigint | null = null;
  ev: EventRuntime | null = null;
  /** Buffer holding the event's bytes and positions in it (bits). */
  buf: WinBuf | null = null;
  pb = 0;
  evCommonBits = 0;
  evSpecBits = 0;
  evPayloadBits = 0;
  /** Stored values (sequence lengths, selectors) as they were after the event was decoded. */
  sv: Float64Array;
  svBig: (bigint | undefined)[] | null = null;
  packetUser: unknown = null;
  obj: EventObject | null = null;
  /** Text lines (MuxOptions.lines): the event's line is `lineBuf[lineStart, lineEnd)`. */
  lineBuf: Uint8Array | null = null;
  lineStart = 0;
  lineEnd = 0;
  /** File of the message (errors). */
  path = '';

  constructor(
    readonly input: MuxInput,
    svCount: number,
  ) {
    this.sv = new Float64Array(Math.max(1, svCount));
  }

  /** The clock snapshot's high 32 bits (unsigned). */
  get csHi(): number {
    return this.csHiI >>> 0;
  }

  /** The clock snapshot's low 32 bits (unsigned). */
  get csLo(): number {
    return this.csLoI >>> 0;
  }
}

export interface MuxOptions {
  /** Keep each event's bytes until it is consumed (printing); false for counting. */
  readonly keepBytes: boolean;
  /** Emulate babeltrace2's event object pools (its empty-string quirk in text output). */
  readonly eventObjects: boolean;
  /** Format each event's text line while decoding it (text output), instead of keeping its bytes. */
  readonly lines?: TextLines;
}

/**
 * Where the lines formatted while decoding go. Input `i` writes the lines of a batch in region
 * `2 * i + (batch number & 1)` of `mem` (`regionBytes` each, from `regionBase`), or in a buffer of
 * its own when they do not fit: a batch is fetched only once every record of the batch before the
 * previous one was consumed (a batch holds BATCH messages and at most BATCH - 1 records wait in
 * the muxer's output batch), so a region is never overwritten while one of its lines waits.
 * Sharing one buffer with the output lets the printer copy a line with `copyWithin`.
 */
export interface TextLines extends LineProvider {
  readonly mem: Uint8Array;
  readonly regionBase: number;
  readonly regionBytes: number;
}

export class MuxInput {
  readonly uuidKey: string | null;
  /**
   * The fetched batch: queue[qHead .. qLen). Two sets of BATCH records, used in turn by the
   * batches (`parity`): a record is written again two fetches later, when it was consumed (the
   * argument of TextLines: at most BATCH - 1 records wait in the muxer's output batch), so no
   * record is allocated or freed per message.
   */
  readonly queue: MsgRecord[] = [];
  qHead = 0;
  qLen = 0;
  private savedError: unknown = null;
  ended = false;
  private readonly svCount: number;
  /** The stream class's clock converter (null: no clock). */
  private readonly clock: ClockConverter | null;
  /** A decode state for consumers re-decoding records (printing), made on first use. */
  private pst: DecodeState | null = null;
  /** Clock conversions outside the converter's cached second. */
  private readonly t: NsTime = { sec: 0, nsec: 0 };
  /** Text lines: the two regions of this input in `lines.mem`, and the next one to use. */
  private lines: TextLines | null = null;
  private regionA = 0;
  private regionB = 0;
  /** Which half of `queue` (and which line region) the next batch goes to. */
  private parity = 0;

  constructor(
    readonly cursor: StreamCursor,
    readonly ds: DataStream,
  ) {
    const u = ds.trace.tc.uuid;
    this.uuidKey = u ? Array.from(u, (b) => String.fromCharCode(b)).join('') : null;
    this.svCount = ds.trace.tc.storedValueCount;
    this.clock = ds.sc.clock;
    for (let i = 0; i < 2 * BATCH; i++) this.queue.push(new MsgRecord(this, this.svCount));
  }

  /** Formats lines while decoding (MuxOptions.lines); `index` picks this input's regions. */
  useLines(lines: TextLines, index: number): void {
    this.lines = lines;
    this.regionA = lines.regionBase + 2 * index * lines.regionBytes;
    this.regionB = this.regionA + lines.regionBytes;
    const c = this.cursor;
    c.lines = lines;
    const st = c.st;
    // A line that does not fit its region moves to a buffer of its own, with the lines after it
    // in the batch (the lines before stay where they are).
    st.grow = (need: number): void => {
      const len = st.o - st.o0;
      const size = Math.max(1 << 16, 2 * (len + need));
      const b = new Uint8Array(size);
      b.set(st.out.subarray(st.o0, st.o));
      st.out = b;
      st.o0 = 0;
      st.o = len;
      st.oend = size;
    };
  }

  /** A decode state positioned on record `r`'s bytes and stored values (for text/values decoders). */
  stateFor(r: MsgRecord): DecodeState {
    let st = this.pst;
    if (!st) {
      st = new DecodeState(this.svCount);
      this.pst = st;
    }
    const b = r.buf!;
    st.u8 = b.u8;
    st.dv = b.dv;
    st.pb = r.pb;
    st.lim = b.u8.length * 8;
    if (this.svCount > 0) {
      st.sv.set(r.sv);
      if (r.svBig) for (let i = 0; i < r.svBig.length; i++) st.svBig[i] = r.svBig[i];
    }
    return st;
  }

  get queued(): number {
    return this.qLen - this.qHead;
  }

  head(): MsgRecord {
    return this.queue[this.qHead]!;
  }

  shift(): MsgRecord {
    return this.queue[this.qHead++]!;
  }

  /**
   * babeltrace2's upstream `next`: up to BATCH messages; an error after some messages is kept for
   * the next call (the messages before it are delivered first).
   */
  fetch(opts: MuxOptions): void {
    if (this.savedError !== null) {
      const e = this.savedError;
      this.savedError = null;
      throw e;
    }
    const odd = this.parity;
    this.parity ^= 1;
    const base = odd === 0 ? 0 : BATCH;
    this.qHead = base;
    this.qLen = base;
    const c = this.cursor;
    const q = this.queue;
    const lines = this.lines;
    if (lines !== null) {
      const st = c.st;
      const at = odd === 0 ? this.regionA : this.regionB;
      st.out = lines.mem;
      st.o = at;
      st.o0 = at;
      st.oend = at + lines.regionBytes;
    }
    let k = 0;
    try {
      for (; k < BATCH; k++) {
        if (!c.next()) {
          if (k === 0) this.ended = true;
          break;
        }
        this.record(q[base + k]!, opts);
      }
    } catch (e) {
      if (k === 0) throw e;
      this.savedError = e;
    }
    this.qLen = base + k;
  }

  private record(r: MsgRecord, opts: MuxOptions): void {
    const c = this.cursor;
    const type = c.type;
    r.type = type;
    r.hasCs = c.hasCs;
    r.csHiI = c.csHi | 0;
    r.csLoI = c.csLo | 0;
    // Only discarded events/packets messages use these (compareMessages, the warnings).
    if (type !== MsgType.Event) {
      r.count = c.count;
      r.rangeBegin = c.rangeBegin;
      r.rangeEnd = c.rangeEnd;
    }
    r.ev = c.ev;
    r.path = c.path;
    r.tsState = 0;
    if (c.hasCs) {
      const clock = this.clock;
      if (clock !== null) {
        // The converter's cached second first (ClockConverter.toNs does the same, after a call).
        const hi = c.csHi;
        const v = hi * 4294967296 + c.csLo;
        // Small integers kept small (see MsgRecord.sec): nsec is below 10^9.
        if (hi < 0x200000 && v >= clock.winLo && v < clock.winHi) {
          const sec = clock.winSec;
          r.sec = (sec | 0) === sec ? sec | 0 : sec;
          r.nsec = (v - clock.winLo) | 0;
          r.tsState = 1;
        } else this.convert(r, clock, hi, c.csLo);
      }
    }
    if (type === MsgType.Event && this.lines !== null) {
      // The line holds the packet context already (no packetUser).
      r.lineBuf = c.lineBuf;
      r.lineStart = c.lineStart;
      r.lineEnd = c.lineEnd;
      r.obj = c.evObj;
      c.evObj = null;
    } else if (type === MsgType.Event && opts.keepBytes) this.keepBytes(r, opts);
  }

  /** A time outside the converter's cached second (rare: kept out of record(), which inlines). */
  private convert(r: MsgRecord, clock: ClockConverter, hi: number, lo: number): void {
    const t = this.t;
    if (clock.toNs(hi, lo, t)) {
      const sec = t.sec;
      r.sec = (sec | 0) === sec ? sec | 0 : sec;
      r.nsec = t.nsec | 0;
      r.tsState = 1;
    } else r.tsState = 2;
  }

  /** An event's bytes, positions and stored values, for consumers that decode it again. */
  private keepBytes(r: MsgRecord, opts: MuxOptions): void {
    const c = this.cursor;
    const st = c.st;
    r.buf = c.buffer;
    r.buf.pins++;
    r.pb = st.pb;
    r.evCommonBits = c.evCommonBits;
    r.evSpecBits = c.evSpecBits;
    r.evPayloadBits = c.evPayloadBits;
    r.packetUser = c.packetUser;
    if (this.svCount > 0) {
      r.sv.set(st.sv);
      r.svBig = null;
      for (let i = 0; i < this.svCount; i++) {
        if (Number.isNaN(st.sv[i]!)) {
          r.svBig = st.svBig.slice();
          break;
        }
      }
    }
    if (opts.eventObjects) r.obj = c.ev!.pool.pop() ?? new EventObject();
  }
}

/** The consumer is done with `r`: its event object goes back to the pool (LIFO), its bytes unpinned. */
function release(r: MsgRecord): void {
  const obj = r.obj;
  if (obj !== null) {
    r.ev!.pool.push(obj);
    r.obj = null;
  }
  const buf = r.buf;
  if (buf !== null) {
    buf.pins--;
    r.buf = null;
    r.packetUser = null;
  }
  // The other fields are overwritten before they are read again (no clearing per message).
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpU64(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** babeltrace2's `int ret = uint64 a - uint64 b` (the difference truncated to an int). */
function truncDiff(a: bigint, b: bigint): number {
  return Number(BigInt.asIntN(32, a - b));
}

/** babeltrace2's `common_muxing_compare_messages`: < 0 when `a` goes first. */
export function compareMessages(ra: MsgRecord, rb: MsgRecord): number {
  const a = ra.input;
  const b = rb.input;
  const ua = a.uuidKey;
  const ub = b.uuidKey;
  if (ua !== null && ub === null) return -1;
  if (ua === null && ub !== null) return 1;
  if (ua !== null && ub !== null) {
    const r = cmpStr(ua, ub);
    if (r) return r;
  }
  let r = cmpStr(a.ds.trace.name, b.ds.trace.name);
  if (r) return r;
  r = cmpU64(a.ds.sc.id, b.ds.sc.id);
  if (r) return r;
  r = cmpU64(a.ds.streamId, b.ds.streamId);
  if (r) return r;
  const ta = ra.type;
  const tb = rb.type;
  if (ta !== tb) return MSG_WEIGHT[tb]! - MSG_WEIGHT[ta]!;
  switch (ta) {
    case MsgType.Event: {
      const ea = ra.ev!.ec;
      const eb = rb.ev!.ec;
      r = cmpU64(ea.id, eb.id);
      if (r) return r;
      r = cmpStr(ea.name, eb.name);
      if (r) return r;
      if (ea.logLevel !== null && eb.logLevel !== null) {
        r = ea.logLevel - eb.logLevel;
        if (r) return r;
      } else if (ea.logLevel !== null) return -1;
      else if (eb.logLevel !== null) return 1;
      if (ea.emfUri !== '' && eb.emfUri !== '') {
        r = cmpStr(ea.emfUri, eb.emfUri);
        if (r) return r;
      } else if (ea.emfUri !== '') return -1;
      else if (eb.emfUri !== '') return 1;
      return cmpStr(a.ds.name, b.ds.name);
    }
    case MsgType.DiscardedEvents:
    case MsgType.DiscardedPackets: {
      r = cmpStr(a.ds.name, b.ds.name);
      if (r) return r;
      const ca = ra;
      const cb = rb;
      if (ca.rangeBegin !== null && cb.rangeBegin !== null) {
        r = truncDiff(ca.rangeBegin, cb.rangeBegin);
        if (r) return r;
      }
      if (ca.rangeEnd !== null && cb.rangeEnd !== null) {
        r = truncDiff(ca.rangeEnd, cb.rangeEnd);
        if (r) return r;
      }
      if (ca.count !== null && cb.count !== null) return truncDiff(ca.count, cb.count);
      if (ca.count !== null) return -1;
      if (cb.count !== null) return 1;
      return 0;
    }
    default:
      return cmpStr(a.ds.name, b.ds.name);
  }
}

/** Two inputs by head (timed heads): < 0 when `a`'s goes first. */
function compareHeads(a: MuxInput, b: MuxInput): number {
  const x = a.queue[a.qHead]!;
  const y = b.queue[b.qHead]!;
  if (x.sec !== y.sec) return x.sec < y.sec ? -1 : 1;
  if (x.nsec !== y.nsec) return x.nsec < y.nsec ? -1 : 1;
  return compareMessages(x, y);
}

function fmtNs(t: NsTime): string {
  if (t.sec === MIN_SEC && t.nsec === MIN_NSEC) return '-9223372036854775808 ns';
  return `${t.sec}.${String(t.nsec).padStart(9, '0')} s`;
}

export class Muxer {
  private readonly active: MuxInput[];
  private expect = Expect.Any;
  private expectedUuid: string | null = null;
  private readonly last: NsTime = { sec: MIN_SEC, nsec: MIN_NSEC };
  /**
   * The output batch (babeltrace2's muxer fills BATCH messages per call): `out[0, outLen)` after
   * fill(), consumed by next() from `outPos`.
   */
  readonly out: MsgRecord[] = [];
  private outPos = 0;
  private outLen = 0;
  private pendingError: unknown = null;
  /** Every input must be fetched (start); afterwards only the one last taken from can be empty. */
  private fetchAll = true;
  /** The input the last message came from. */
  private lastInput: MuxInput | null = null;
  /**
   * The active inputs sorted by head in babeltrace2's order (`ord[0]` is the input the last
   * message came from), valid when every head has a time and no two heads compare equal
   * (`ordValid`). The next message is then found by moving the last input to its new head's
   * place: a comparison or two instead of one per input (bench/view: the leader changes on most
   * events). Anything else (a head without time, an end of stream, a tie) goes through the full
   * comparison, which rebuilds it.
   */
  private readonly ord: MuxInput[] = [];
  private ordValid = false;
  /** Full comparisons left before sorting again, after heads compared equal (rare: no sort per message). */
  private sortBackoff = 0;

  constructor(
    readonly inputs: readonly MuxInput[],
    private readonly opts: MuxOptions = { keepBytes: true, eventObjects: true },
  ) {
    this.active = inputs.slice();
    const lines = opts.lines;
    if (lines) {
      for (let i = 0; i < inputs.length; i++) inputs[i]!.useLines(lines, i);
    }
  }

  /**
   * The next message in babeltrace2's order, or null at the end. Records are reused: do not keep
   * one across calls. Throws the first error, after every message before it. (fill() does the
   * same a batch at a time; use one or the other.)
   */
  next(): MsgRecord | null {
    if (this.outPos < this.outLen) return this.out[this.outPos++]!;
    if (this.fill() === 0) return null;
    this.outPos = 1;
    return this.out[0]!;
  }

  /**
   * The next batch of messages in babeltrace2's order, in `out[0, n)`; 0 at the end. The records
   * of the previous batch are released first (do not keep them across calls): releasing them
   * one by one as they are consumed gives the same pools, since only fetching reads the pools
   * and it happens here, after the whole previous batch was consumed. Throws the first error,
   * after every message before it (a batch then ends at the error).
   */
  fill(): number {
    const out = this.out;
    for (let i = 0; i < this.outLen; i++) release(out[i]!);
    this.outPos = 0;
    this.outLen = 0;
    if (this.pendingError !== null) {
      const e = this.pendingError;
      this.pendingError = null;
      throw e;
    }
    let n = 0;
    try {
      while (n < BATCH) {
        if (this.ordValid) {
          n = this.run(n);
          if (n === BATCH) break;
        }
        const r = this.nextOne();
        if (r === null) break;
        out[n++] = r;
      }
    } catch (e) {
      if (n === 0) throw e;
      this.pendingError = e;
    }
    this.outLen = n;
    return n;
  }

  /**
   * nextOne()'s fast path in a loop, from `out[n]` on (bench/view: no call and fewer loads and
   * stores per message): while the order of the heads is known (`ord`, see there), the input the
   * last message came from has a message with a time, and no two heads compare equal. Returns the
   * new `n`; nextOne() takes over for anything else (a fetch, a head without time, a tie, time
   * going back), where it finds the same state and decides the same way.
   */
  private run(n: number): number {
    const out = this.out;
    const ord = this.ord;
    const last = this.last;
    let lastSec = last.sec;
    let lastNsec = last.nsec;
    let from = ord[0]!;
    while (n < BATCH) {
      const qh = from.qHead;
      if (qh >= from.qLen) break;
      const h = from.queue[qh]!;
      if (h.tsState !== 1) break;
      const i = this.placeOf(h);
      if (i < 0) break;
      // The next leader: `from` again, or the runner-up (ord[0] once `from` moved to its place).
      const next = i === 1 ? from : ord[1]!;
      const b = i === 1 ? h : next.queue[next.qHead]!;
      const bs = b.sec;
      const bn = b.nsec;
      // Time going back: nextOne() fails there (nothing moved yet: this never throws, so that
      // the messages already in `out` are delivered).
      if (bs < lastSec || (bs === lastSec && bn < lastNsec)) break;
      for (let k = 1; k < i; k++) ord[k - 1] = ord[k]!;
      ord[i - 1] = from;
      from = next;
      lastSec = bs;
      lastNsec = bn;
      from.qHead++;
      out[n++] = b;
    }
    last.sec = lastSec;
    last.nsec = lastNsec;
    this.lastInput = from;
    return n;
  }

  /**
   * Where `h`, the new head of `ord[0]`, goes among the other heads (sorted): the index it is to
   * be moved before (1: it stays first; `ord.length`: last), or -1 when it compares equal to one
   * of them (the full comparison then decides, by position in `active`).
   */
  private placeOf(h: MsgRecord): number {
    const ord = this.ord;
    const m = ord.length;
    const sec = h.sec;
    const nsec = h.nsec;
    let i = 1;
    for (; i < m; i++) {
      const inp = ord[i]!;
      const g = inp.queue[inp.qHead]!;
      const gs = g.sec;
      if (sec < gs) break;
      if (sec === gs) {
        const gn = g.nsec;
        if (nsec < gn) break;
        if (nsec === gn) {
          const c = compareMessages(h, g);
          if (c < 0) break;
          if (c === 0) return -1;
        }
      }
    }
    return i;
  }

  /** babeltrace2's `muxer_msg_iter_do_next_one`. */
  private nextOne(): MsgRecord | null {
    const active = this.active;
    const opts = this.opts;
    let from = this.lastInput;
    if (this.fetchAll) {
      this.fetchAll = false;
      from = null;
      this.ordValid = false;
      for (let i = 0; i < active.length; i++) {
        const inp = active[i]!;
        if (inp.qHead < inp.qLen) continue;
        inp.fetch(opts);
        if (inp.ended) {
          active[i] = active[active.length - 1]!;
          active.pop();
          i--;
        }
      }
    } else if (from !== null && from.qHead >= from.qLen) {
      from.fetch(opts);
      if (from.ended) {
        // Rare: the input's place in `active` is looked up.
        const i = active.indexOf(from);
        active[i] = active[active.length - 1]!;
        active.pop();
        from = null;
        // Not fetched again (a call after the end finds no message).
        this.lastInput = null;
        this.ordValid = false;
      }
    }
    const last = this.last;
    if (from !== null && this.ordValid) {
      const h = from.queue[from.qHead]!;
      if (h.tsState === 1) {
        const ord = this.ord;
        const i = this.placeOf(h);
        if (i > 0) {
          for (let k = 1; k < i; k++) ord[k - 1] = ord[k]!;
          ord[i - 1] = from;
          const inp = ord[0]!;
          const b = inp.queue[inp.qHead]!;
          if (b.sec < last.sec || (b.sec === last.sec && b.nsec < last.nsec))
            this.backwards(b, b.sec, b.nsec);
          last.sec = b.sec;
          last.nsec = b.nsec;
          this.lastInput = inp;
          inp.qHead++;
          return b;
        }
      }
      this.ordValid = false;
    }
    let best: MsgRecord | null = null;
    let bestSec = 0;
    let bestNsec = 0;
    /** Heads whose time is the last returned one (it moves: no runner-up shortcut then). */
    let untimed = 0;
    for (let i = 0; i < active.length; i++) {
      const inp = active[i]!;
      const h = inp.queue[inp.qHead]!;
      const ts = h.tsState;
      let sec: number;
      let nsec: number;
      // Timed heads first (the rule): a stream beginning has no clock snapshot.
      if (ts === 1 && this.expect !== Expect.None) {
        sec = h.sec;
        nsec = h.nsec;
      } else {
        if (ts !== 1) untimed++;
        if (h.type === MsgType.StreamBeginning) this.validateStream(h.input.ds);
        if (this.expect === Expect.None || ts === 0) {
          sec = last.sec;
          nsec = last.nsec;
        } else if (ts === 2) {
          throw new TraceError(
            `${h.path || h.input.ds.name}: cannot convert a clock value (${clockValue(h)} cycles of clock \`${h.input.ds.sc.clock!.clock.name}\`) to nanoseconds from origin: it does not fit 64 bits`,
          );
        } else {
          sec = h.sec;
          nsec = h.nsec;
        }
      }
      if (
        best === null ||
        sec < bestSec ||
        (sec === bestSec && (nsec < bestNsec || (nsec === bestNsec && compareMessages(h, best) < 0)))
      ) {
        best = h;
        bestSec = sec;
        bestNsec = nsec;
      }
    }
    if (!best) return null;
    if (compareNsTime(bestSec, bestNsec, last.sec, last.nsec) < 0) this.backwards(best, bestSec, bestNsec);
    last.sec = bestSec;
    last.nsec = bestNsec;
    const inp = best.input;
    this.lastInput = inp;
    // The other heads' times must not depend on the last time (no clock snapshot, no clock).
    if (untimed === 0 && this.expect !== Expect.None) {
      if (this.sortBackoff > 0) this.sortBackoff--;
      else this.sortHeads(inp);
    }
    return inp.shift();
  }

  /**
   * Builds `ord` after a full comparison that chose `best` (every head has a time): valid only
   * when no two heads compare equal, so that the order is the full comparison's.
   */
  private sortHeads(best: MuxInput): void {
    const ord = this.ord;
    const active = this.active;
    ord.length = 0;
    for (let i = 0; i < active.length; i++) ord.push(active[i]!);
    ord.sort(compareHeads);
    this.ordValid = ord[0] === best;
    for (let i = 1; i < ord.length && this.ordValid; i++) {
      if (compareHeads(ord[i - 1]!, ord[i]!) >= 0) this.ordValid = false;
    }
    if (!this.ordValid) this.sortBackoff = 64;
  }

  private backwards(r: MsgRecord, sec: number, nsec: number): never {
    throw new TraceError(
      `${r.path || r.input.ds.name}: a message at ${fmtNs({ sec, nsec })} comes after one at ${fmtNs(this.last)}: time goes backwards, so the streams cannot be merged (babeltrace2 stops here too)`,
    );
  }

  /**
   * Every message, stream after stream, without merging: for callers that only need the events
   * (counting). The errors are babeltrace2's: when no message without a clock snapshot can come
   * between the timestamps of a stream (`canSkipMerging`), merging fails exactly when a stream's
   * own timestamps go back, so checking each stream is equivalent (only which error is reported
   * first may differ).
   */
  scanWithoutMerging(onEvent: (ev: EventRuntime) => void): void {
    for (const inp of this.inputs) this.validateStream(inp.ds);
    const none = this.expect === Expect.None;
    const t: NsTime = { sec: 0, nsec: 0 };
    for (const inp of this.inputs) {
      const c = inp.cursor;
      const clock = inp.ds.sc.clock;
      let lastSec = MIN_SEC;
      let lastNsec = MIN_NSEC;
      try {
        while (c.next()) {
          if (c.type === MsgType.Event) onEvent(c.ev!);
          if (!c.hasCs || none || !clock) continue;
          if (!clock.toNs(c.csHi, c.csLo, t)) {
            throw new TraceError(
              `${c.path || inp.ds.name}: cannot convert a clock value (${((BigInt(c.csHi) << 32n) | BigInt(c.csLo)).toString()} cycles of clock \`${clock.clock.name}\`) to nanoseconds from origin: it does not fit 64 bits`,
            );
          }
          if (t.sec < lastSec || (t.sec === lastSec && t.nsec < lastNsec)) {
            throw new TraceError(
              `${c.path || inp.ds.name}: a message at ${fmtNs(t)} comes after one at ${fmtNs({ sec: lastSec, nsec: lastNsec })} of the same stream: time goes backwards, so the streams cannot be merged (babeltrace2 stops there too)`,
            );
          }
          lastSec = t.sec;
          lastNsec = t.nsec;
        }
      } finally {
        c.close();
      }
    }
  }

  /** True when scanWithoutMerging() fails exactly when merging would. */
  get canSkipMerging(): boolean {
    for (const inp of this.inputs) {
      const sc = inp.ds.sc.sc;
      if (!sc.defaultClock) continue;
      if (!sc.packetsHaveTsBegin || !sc.packetsHaveTsEnd) return false;
      if (sc.hasDiscardedEvents && !sc.discardedEventsHaveCs) return false;
      if (sc.hasDiscardedPackets && !sc.discardedPacketsHaveCs) return false;
    }
    return true;
  }

  /** babeltrace2's `validate_new_stream_clock_class`. */
  private validateStream(ds: DataStream): void {
    const clock = ds.sc.sc.defaultClock;
    const what = `${ds.name}: stream class ${ds.sc.id}`;
    if (!clock) {
      if (this.expect === Expect.Any) this.expect = Expect.None;
      else if (this.expect !== Expect.None) {
        throw new TraceError(
          `${what} has no clock while other streams have one: their messages cannot be sorted by time`,
        );
      }
      return;
    }
    const uuid = clock.uuid ? Array.from(clock.uuid, (b) => String.fromCharCode(b)).join('') : null;
    if (this.expect === Expect.Any) {
      if (clock.isAbsolute) this.expect = Expect.Absolute;
      else if (uuid !== null) {
        this.expect = Expect.NotAbsUuid;
        this.expectedUuid = uuid;
      } else this.expect = Expect.NotAbsNoUuid;
    }
    const name = `clock \`${clock.name}\``;
    switch (this.expect) {
      case Expect.Absolute:
        if (!clock.isAbsolute) {
          throw new TraceError(
            `${what}: ${name} is not absolute while other clocks are: the traces cannot be merged by time`,
          );
        }
        break;
      case Expect.NotAbsNoUuid:
        if (clock.isAbsolute) {
          throw new TraceError(
            `${what}: ${name} is absolute while other clocks are not: the traces cannot be merged by time`,
          );
        }
        if (uuid !== null) {
          throw new TraceError(
            `${what}: ${name} has a UUID while other clocks have none: the traces cannot be merged by time`,
          );
        }
        break;
      case Expect.NotAbsUuid:
        if (clock.isAbsolute) {
          throw new TraceError(
            `${what}: ${name} is absolute while other clocks are not: the traces cannot be merged by time`,
          );
        }
        if (uuid === null) {
          throw new TraceError(
            `${what}: ${name} has no UUID while other clocks have one: the traces cannot be merged by time`,
          );
        }
        if (uuid !== this.expectedUuid) {
          throw new TraceError(
            `${what}: ${name} has a different UUID from the other clocks: the traces cannot be merged by time`,
          );
        }
        break;
      case Expect.None:
        throw new TraceError(
          `${what} has a clock while other streams have none: their messages cannot be sorted by time`,
        );
      default:
        break;
    }
  }

  /** Closes every stream file. */
  close(): void {
    for (const inp of this.active) inp.cursor.close();
  }
}

function clockValue(r: MsgRecord): string {
  return ((BigInt(r.csHi) << 32n) | BigInt(r.csLo)).toString();
}
