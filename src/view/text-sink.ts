/**
 * babeltrace2 2.0's `sink.text.pretty`, byte for byte: one line per event written straight into a
 * large output buffer (flushed in big chunks), and the discarded events/packets warnings on stderr.
 *
 * Everything of a line that depends only on the event class (trace fields, log level, name) is
 * built once per event class; the timestamp and the scopes are formatted per event.
 */
import type {
  DecodeState,
  EventRuntime,
  MsgRecord,
  NsTime,
  PrintOptions,
  StreamCursor,
  TraceRuntime,
} from '../ctf/reader/index.js';
import { DecodeStatus, MsgType, TEXT_SLACK, wnano, wudec } from '../ctf/reader/index.js';
import type { TextOptions } from './view-options.js';

const LOG_LEVEL_NAMES = [
  'TRACE_EMERG',
  'TRACE_ALERT',
  'TRACE_CRIT',
  'TRACE_ERR',
  'TRACE_WARNING',
  'TRACE_NOTICE',
  'TRACE_INFO',
  'TRACE_DEBUG_SYSTEM',
  'TRACE_DEBUG_PROGRAM',
  'TRACE_DEBUG_PROCESS',
  'TRACE_DEBUG_MODULE',
  'TRACE_DEBUG_UNIT',
  'TRACE_DEBUG_FUNCTION',
  'TRACE_DEBUG_LINE',
  'TRACE_DEBUG',
];

const FLUSH_AT = 1 << 20;
const NS = 1_000_000_000;

/** Writes a latin1 string (room already made). */
function putLatin1(out: Uint8Array, o: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[o++] = s.charCodeAt(i) & 0xff;
  return o;
}

function latin1(s: string): number[] {
  const a: number[] = [];
  for (let i = 0; i < s.length; i++) a.push(s.charCodeAt(i) & 0xff);
  return a;
}

/** Formats times the way `print_timestamp_wall` does (local time through the process TZ). */
class WallClock {
  private cachedSec = Number.NaN;
  private cached: Uint8Array = new Uint8Array(0);

  constructor(private readonly opts: TextOptions) {}

  /** `HH:MM:SS` (with `YYYY-MM-DD ` first for --clock-date) of a second, or null if out of range. */
  hms(sec: number): Uint8Array | null {
    if (sec === this.cachedSec) return this.cached;
    const d = new Date(sec * 1000);
    if (Number.isNaN(d.getTime())) return null;
    const gmt = this.opts.clockGmt;
    const h = gmt ? d.getUTCHours() : d.getHours();
    const m = gmt ? d.getUTCMinutes() : d.getMinutes();
    const s = gmt ? d.getUTCSeconds() : d.getSeconds();
    let out = '';
    if (this.opts.clockDate) {
      const y = gmt ? d.getUTCFullYear() : d.getFullYear();
      const mo = (gmt ? d.getUTCMonth() : d.getMonth()) + 1;
      const da = gmt ? d.getUTCDate() : d.getDate();
      out = `${y}-${String(mo).padStart(2, '0')}-${String(da).padStart(2, '0')} `;
    }
    out += `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.`;
    this.cachedSec = sec;
    this.cached = Uint8Array.from(latin1(out));
    return this.cached;
  }
}

export interface SinkIo {
  /** Writes bytes to stdout; must consume them before returning (the buffer is reused). */
  write(bytes: Uint8Array): void;
  /** Writes one line (with its newline) to stderr. */
  warn(line: string): void;
}

export class TextSink {
  private out: Uint8Array = new Uint8Array(FLUSH_AT + (1 << 16));
  private o = 0;
  private readonly print: PrintOptions;
  private readonly wall: WallClock;
  // babeltrace2's last_real_timestamp / last_cycles_timestamp (-1: none yet).
  private lastSet = false;
  private lastSec = 0;
  private lastNsec = 0;
  private lastCyclesSet = false;
  private lastCycles = 0n;
  private negativeWarned = false;
  private readonly ts: NsTime = { sec: 0, nsec: 0 };

  constructor(
    private readonly opts: TextOptions,
    private readonly io: SinkIo,
  ) {
    this.print = { payloadNames: opts.names.payload, contextNames: opts.names.context };
    this.wall = new WallClock(opts);
  }

  /** Formats a packet's context right after it is decoded (its bytes are in the window). */
  onPacket(c: StreamCursor): Uint8Array | null {
    const rt = c.packetStreamClass;
    if (!rt?.contextPrinted) return null;
    const st = c.st;
    const saveP = st.p;
    const saveO = st.o;
    const saveOut = st.out;
    const saveSlots = st.slots;
    st.out = this.scratch;
    st.o = 0;
    st.p = c.ctxStartBits;
    st.slots = null;
    const fn = rt.textContext(this.print);
    if (fn(st) !== DecodeStatus.Ok) throw new Error('packet context decoding failed after validation');
    this.scratch = st.out;
    const bytes = this.scratch.slice(0, st.o);
    st.p = saveP;
    st.o = saveO;
    st.out = saveOut;
    st.slots = saveSlots;
    return bytes;
  }

  private scratch: Uint8Array = new Uint8Array(2 * TEXT_SLACK);

  private room(n: number): void {
    if (this.o + n <= this.out.length) return;
    let size = this.out.length;
    while (this.o + n > size) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.out.subarray(0, this.o));
    this.out = b;
  }

  private putAscii(s: string): void {
    this.room(s.length);
    const out = this.out;
    let o = this.o;
    for (let i = 0; i < s.length; i++) out[o++] = s.charCodeAt(i) & 0xff;
    this.o = o;
  }

  flush(): void {
    if (this.o > 0) {
      this.io.write(this.out.subarray(0, this.o));
      this.o = 0;
    }
  }

  /** The part of the line between the timestamp and the first scope (constant per class). */
  private header(ev: EventRuntime, trace: TraceRuntime, hasClock: boolean): Uint8Array {
    let h = ev.textHeader;
    if (h) return h;
    const f = this.opts.fields;
    const names = this.opts.names.header;
    const b: number[] = [];
    const put = (s: string): void => {
      for (const c of latin1(s)) b.push(c);
    };
    let startLine = hasClock ? !names : true;
    let domPrint = false;
    if (f.trace) {
      if (!startLine) put(', ');
      if (names) put('trace = ');
      put(trace.name);
      if (names) put(', ');
    }
    const env = trace.tc.env;
    const envText = (k: string): string | null => {
      const v = env.get(k);
      if (!v) return null;
      return v.type === 'string' ? v.value : v.value.toString();
    };
    if (f.hostname) {
      const v = envText('hostname');
      if (v !== null) {
        if (!startLine) put(', ');
        if (names) put('trace:hostname = ');
        put(v);
        domPrint = true;
      }
    }
    if (f.domain) {
      const v = envText('domain');
      if (v !== null) {
        if (!startLine) put(', ');
        if (names) put('trace:domain = ');
        else if (domPrint) put(':');
        put(v);
        domPrint = true;
      }
    }
    if (f.procname) {
      const v = envText('procname');
      if (v !== null) {
        if (!startLine) put(', ');
        if (names) put('trace:procname = ');
        else if (domPrint) put(':');
        put(v);
        domPrint = true;
      }
    }
    if (f.vpid) {
      const v = env.get('vpid');
      if (v) {
        if (!startLine) put(', ');
        if (names) put('trace:vpid = ');
        else if (domPrint) put(':');
        put(`(${v.type === 'int' ? BigInt.asIntN(64, v.value).toString() : '0'})`);
        domPrint = true;
      }
    }
    if (
      f.loglevel &&
      ev.ec.logLevel !== null &&
      ev.ec.logLevel >= 0 &&
      ev.ec.logLevel < LOG_LEVEL_NAMES.length
    ) {
      if (!startLine) put(', ');
      if (names) put('loglevel = ');
      else if (domPrint) put(':');
      put(`${LOG_LEVEL_NAMES[ev.ec.logLevel]} (${ev.ec.logLevel})`);
      domPrint = true;
    }
    if (f.emf && ev.ec.emfUri !== '') {
      if (!startLine) put(', ');
      if (names) put('model.emf.uri = ');
      else if (domPrint) put(':');
      put(ev.ec.emfUri);
      domPrint = true;
    }
    if (domPrint && !names) put(' ');
    if (!startLine) put(', ');
    startLine = true;
    if (names) put('name = ');
    for (const c of ev.nameBytes) b.push(c);
    put(names ? ', ' : ': ');
    h = Uint8Array.from(b);
    ev.textHeader = h;
    return h;
  }

  /** Writes `HH:MM:SS.nnnnnnnnn` or `sec.nnnnnnnnn` (babeltrace2's print_timestamp_wall). */
  private wallTime(t: NsTime): void {
    // babeltrace2 splits int64 nanoseconds with C division (toward zero).
    let sec = t.sec;
    let nsec = t.nsec;
    let negative = false;
    if (sec < 0) {
      negative = true;
      if (nsec > 0) {
        // ts_sec < 0 && ts_nsec > 0 in C terms: the same absolute value.
        sec = -(sec + 1);
        nsec = NS - nsec;
      } else sec = -sec;
    }
    if (!this.opts.clockSeconds) {
      let fallback = false;
      if (negative && !this.negativeWarned) {
        this.flush();
        this.io.warn('[warning] Fallback to [sec.ns] to print negative time value. Use --clock-seconds.');
        this.negativeWarned = true;
        fallback = true;
      }
      if (!fallback) {
        const hms = this.wall.hms(sec);
        if (hms !== null) {
          this.room(hms.length + 9);
          const out = this.out;
          let o = this.o;
          for (let i = 0; i < hms.length; i++) out[o++] = hms[i]!;
          this.o = wnano(out, o, nsec);
          return;
        }
        this.flush();
        this.io.warn(`[warning] Unable to get ${this.opts.clockGmt ? 'gmtime' : 'localtime'}.`);
      }
    }
    if (negative) this.putAscii('-');
    this.room(32);
    this.o = wudec(this.out, this.o, sec);
    this.putAscii('.');
    this.put9(nsec);
  }

  private put9(n: number): void {
    this.room(9);
    this.o = wnano(this.out, this.o, n);
  }

  /** Prints an event record (its bytes are still in its window buffer). */
  event(r: MsgRecord): void {
    const ev = r.ev!;
    const sc = ev.sc;
    const hasClock = sc.clock !== null;
    if (hasClock) this.timestampEvent(r);
    const h = ev.textHeader ?? this.header(ev, r.input.ds.trace, hasClock);
    const pt = sc.contextPrinted ? (r.packetUser as Uint8Array | null) : null;
    this.room(h.length + (pt ? pt.length : 0) + 64 + TEXT_SLACK);
    let out = this.out;
    let o = this.o;
    for (let i = 0; i < h.length; i++) out[o++] = h[i]!;
    let startLine = true;
    const scopeNames = this.opts.names.scope;
    if (pt) {
      if (scopeNames) o = putLatin1(out, o, 'stream.packet.context = ');
      for (let i = 0; i < pt.length; i++) out[o++] = pt[i]!;
      startLine = false;
    }
    if (sc.commonPrinted || ev.specPrinted || ev.payloadPrinted) {
      const st = r.input.stateFor(r);
      const obj = r.obj;
      if (sc.commonPrinted) {
        if (!startLine) {
          out[o++] = 44;
          out[o++] = 32;
        }
        startLine = false;
        if (scopeNames) o = putLatin1(out, o, 'stream.event.context = ');
        st.slots = obj ? obj.common : null;
        this.o = o;
        this.runText(st, r.evCommonBits, sc.textCommon(this.print));
        out = this.out;
        o = this.o;
      }
      if (ev.specPrinted) {
        if (!startLine) {
          out[o++] = 44;
          out[o++] = 32;
        }
        startLine = false;
        if (scopeNames) o = putLatin1(out, o, 'event.context = ');
        st.slots = obj ? obj.spec : null;
        this.o = o;
        this.runText(st, r.evSpecBits, ev.textSpec(this.print));
        out = this.out;
        o = this.o;
      }
      if (ev.payloadPrinted) {
        if (!startLine) {
          out[o++] = 44;
          out[o++] = 32;
        }
        if (scopeNames) o = putLatin1(out, o, 'event.fields = ');
        st.slots = obj ? obj.payload : null;
        this.o = o;
        this.runText(st, r.evPayloadBits, ev.textPayload(this.print));
        out = this.out;
        o = this.o;
      }
    }
    out[o++] = 10;
    this.o = o;
    if (o >= FLUSH_AT) this.flush();
  }

  /** Runs a text decoder at `at`; leaves TEXT_SLACK + 64 bytes free after its output. */
  private runText(st: DecodeState, at: number, fn: (st: DecodeState) => number): void {
    this.room(TEXT_SLACK + 64);
    st.p = at;
    st.out = this.out;
    st.o = this.o;
    if (fn(st) !== DecodeStatus.Ok) throw new Error('event decoding failed after validation');
    this.out = st.out;
    this.o = st.o;
    this.room(TEXT_SLACK + 64);
  }

  private timestampEvent(c: MsgRecord): void {
    const names = this.opts.names.header;
    if (this.opts.clockCycles) {
      this.putAscii(names ? 'timestamp = ' : '[');
      const cur = (BigInt(c.csHi) << 32n) | BigInt(c.csLo);
      this.putAscii(cur.toString().padStart(20, '0'));
      const delta = this.lastCyclesSet
        ? `+${BigInt.asUintN(64, cur - this.lastCycles)
            .toString()
            .padStart(12, '0')}`
        : '+????????????';
      this.lastCycles = cur;
      this.lastCyclesSet = true;
      this.closeTimestamp(delta);
      return;
    }
    const t = this.ts;
    const ok = c.input.ds.sc.clock!.toNs(c.csHi, c.csLo, t);
    this.room(128);
    if (names) this.putAscii('timestamp = ');
    else this.out[this.o++] = 91;
    if (!ok) {
      // Unreachable after the muxer (it fails first); babeltrace2 keeps the previous delta.
      this.putAscii('Error');
    } else {
      if (this.lastSet) {
        let ds = t.sec - this.lastSec;
        let dn = t.nsec - this.lastNsec;
        if (dn < 0) {
          dn += NS;
          ds--;
        }
        if (ds >= 0) {
          this.deltaKind = 1;
          this.deltaSec = ds;
          this.deltaNsec = dn;
        } else {
          // A negative int64 delta printed as uint64.
          const d = BigInt.asUintN(64, BigInt(ds) * 1_000_000_000n + BigInt(dn));
          this.deltaKind = 2;
          this.deltaBig = `+${d / 1_000_000_000n}.${(d % 1_000_000_000n).toString().padStart(9, '0')}`;
        }
      }
      this.lastSec = t.sec;
      this.lastNsec = t.nsec;
      this.lastSet = true;
      if (this.opts.clockSeconds && t.sec >= 0) {
        let o = wudec(this.out, this.o, t.sec);
        this.out[o++] = 46;
        this.o = wnano(this.out, o, t.nsec);
      } else this.wallTime(t);
    }
    const out = this.out;
    let o = this.o;
    if (!names) {
      out[o++] = 93;
      out[o++] = 32;
    }
    if (this.opts.delta) {
      if (names) {
        this.o = o;
        this.putAscii(', delta = ');
        o = this.o;
      } else {
        out[o++] = 40;
      }
      if (this.deltaKind === 1) {
        out[o++] = 43;
        o = wudec(out, o, this.deltaSec);
        out[o++] = 46;
        o = wnano(out, o, this.deltaNsec);
        this.o = o;
      } else {
        this.o = o;
        this.putAscii(this.deltaKind === 2 ? this.deltaBig : '+?.?????????');
        o = this.o;
      }
      if (!names) {
        out[o++] = 41;
        out[o++] = 32;
      }
    }
    this.o = o;
  }

  private deltaKind = 0;
  private deltaSec = 0;
  private deltaNsec = 0;
  private deltaBig = '';

  private closeTimestamp(delta: string): void {
    const names = this.opts.names.header;
    if (!names) this.putAscii('] ');
    if (this.opts.delta) {
      this.putAscii(names ? ', delta = ' : '(');
      this.putAscii(delta);
      if (!names) this.putAscii(') ');
    }
  }

  /** A discarded events/packets message: babeltrace2's stderr warning. */
  discarded(r: MsgRecord): void {
    const line = discardedWarning(r, (cycles) => this.wallString(r, cycles));
    this.flush();
    this.io.warn(line);
  }

  /** print_timestamp_wall(..., update_last = false) as a string. */
  private wallString(r: MsgRecord, cycles: bigint): string {
    const clock = r.input.ds.sc.clock;
    if (!clock) return '??:??:??.?????????';
    const t: NsTime = { sec: 0, nsec: 0 };
    if (!clock.toNs(Number(cycles >> 32n), Number(cycles & 0xffffffffn), t)) return 'Error';
    const saveO = this.o;
    this.wallTime(t);
    const s = String.fromCharCode.apply(null, this.out.subarray(saveO, this.o) as unknown as number[]);
    this.o = saveO;
    return s;
  }

  /** Count of the current line's bytes written since the last flush (tests). */
  get pending(): number {
    return this.o;
  }
}

export function formatUuid(u: Uint8Array): string {
  const h = Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** babeltrace2's "WARNING: Tracer discarded ..." line for a discarded events/packets record. */
export function discardedWarning(r: MsgRecord, time: (cycles: bigint) => string): string {
  const isEvents = r.type === MsgType.DiscardedEvents;
  const elem = isEvents ? 'event' : 'packet';
  const ds = r.input.ds;
  let line = `WARNING: ${r.count === null ? 'Tracer may have discarded' : 'Tracer discarded'} `;
  line += r.count === null ? `${elem}s` : `${r.count} ${elem}${r.count === 1n ? '' : 's'}`;
  line += ' ';
  const sc = ds.sc.sc;
  const withCs = isEvents ? sc.discardedEventsHaveCs : sc.discardedPacketsHaveCs;
  if (withCs && r.rangeBegin !== null && r.rangeEnd !== null) {
    line += `between [${time(r.rangeBegin)}] and [${time(r.rangeEnd)}]`;
  } else line += '(unknown time range)';
  const trace = ds.trace;
  line += ` in trace "${trace.name}" `;
  const u = trace.tc.uuid;
  line += u ? `(UUID: ${formatUuid(u)}) ` : '(no UUID) ';
  line += `within stream "${ds.name}" (stream class ID: ${ds.sc.id}, `;
  const sid = BigInt.asIntN(64, ds.streamId);
  line += sid >= 0n ? `stream ID: ${ds.streamId}` : 'no stream ID';
  line += ').';
  return line;
}

/** A clock value of the record's stream as `SEC.NNNNNNNNN` (or `Error`). */
export function wallSeconds(r: MsgRecord, cycles: bigint): string {
  const clock = r.input.ds.sc.clock;
  if (!clock) return '??:??:??.?????????';
  const t: NsTime = { sec: 0, nsec: 0 };
  if (!clock.toNs(Number(cycles >> 32n), Number(cycles & 0xffffffffn), t)) return 'Error';
  if (t.sec < 0 && t.nsec > 0) return `-${-(t.sec + 1)}.${String(NS - t.nsec).padStart(9, '0')}`;
  return `${t.sec < 0 ? '-' : ''}${Math.abs(t.sec)}.${String(t.nsec).padStart(9, '0')}`;
}
