/**
 * babeltrace2 2.0's `sink.text.pretty`, byte for byte: one line per event written straight into a
 * large output buffer (flushed in big chunks), and the discarded events/packets warnings on stderr.
 *
 * Each event's line after the timestamp is formatted while the event is decoded, by a function
 * compiled per event record class (compileTextLine: the constant parts, trace fields and name,
 * are in it), into a region of the same buffer as the output (TextLines); printing an event is
 * formatting its timestamp and delta, then one `copyWithin`.
 */
import type {
  ElementAnnotator,
  EventRuntime,
  IrFieldClass,
  MsgRecord,
  NsTime,
  PrintOptions,
  ScopeFn,
  StreamCursor,
  TextLines,
  TraceRuntime,
} from '../ctf/reader/index.js';
import { compileTextLine, DecodeStatus, MsgType, TEXT_SLACK, wnano, wudec } from '../ctf/reader/index.js';
import { CAP, type DebugInfoText, type TextPlan } from './debug-info.js';
import type { KernelStackAnnotator } from './kernel-symbols.js';
import { callstackArrayOf } from './kernel-symbols.js';
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
/**
 * The first write comes sooner: the first lines reach a pager or `head` without waiting for a
 * full chunk, and batch() has run its flush call before V8 optimizes it (its first flush used
 * to throw the optimized code away, bench/view).
 */
const FIRST_FLUSH_AT = 1 << 16;
const copyWithin = Uint8Array.prototype.copyWithin;
const NS = 1_000_000_000;

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

/** Output bytes before a flush; the output region is larger by PREFIX_MAX + slack. */
const OUT_BYTES = FLUSH_AT + (1 << 18);
/** Room for a timestamp and delta, whatever the options. */
const PREFIX_MAX = 256;

/** Bytes of each of an input's two line regions (see TextLines), by number of inputs. */
function regionBytesFor(inputs: number): number {
  const per = Math.floor((16 << 20) / Math.max(1, 2 * inputs));
  return Math.max(1 << 13, Math.min(1 << 16, 2 ** Math.floor(Math.log2(Math.max(1, per)))));
}

/**
 * "000".."999" as little-endian 32-bit words (three ASCII digits, then a byte that the next
 * write covers). 4 KB: it stays in the L1 cache, where a 10000-entry table (40 KB) missed on
 * most lookups of the low digits (bench/view, perf annotate of the timestamp code).
 */
const DIGITS3 = (() => {
  const t = new Uint32Array(1000);
  for (let i = 0; i < 1000; i++) {
    const d0 = 48 + Math.floor(i / 100);
    const d1 = 48 + (Math.floor(i / 10) % 10);
    const d2 = 48 + (i % 10);
    t[i] = d0 | (d1 << 8) | (d2 << 16);
  }
  return t;
})();

export class TextSink {
  /**
   * The output region `[0, OUT_BYTES)`, then the line regions of the inputs (TextLines): lines
   * are copied to the output with `copyWithin`.
   */
  readonly mem: Uint8Array;
  private readonly dv: DataView;
  private o = 0;
  /** For MuxOptions.lines. */
  readonly lines: TextLines;
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
  /** The common case: `[time] (+delta) ` without names, cycles or fallbacks. */
  private readonly plain: boolean;
  /** opts.clockSeconds and opts.delta (read per event). */
  private readonly clockSeconds: boolean;
  private readonly delta: boolean;
  /** Cached `[HH:MM:SS.` (or date) of `cachedSec` as little-endian words (see cacheWall). */
  private cachedSec = Number.NaN;
  private cachedWords = new Uint32Array(8);
  private cachedLen = 0;
  /** The first three of cachedWords (the whole prefix without --clock-date). */
  private cachedW0 = 0;
  private cachedW1 = 0;
  private cachedW2 = 0;

  constructor(
    private readonly opts: TextOptions,
    private readonly io: SinkIo,
    /** Number of muxer inputs (data streams): sizes the line regions. */
    inputs = 1,
    /** `--kernel-symbols`: the annotators of the kernel traces that record callstack_kernel. */
    private readonly annotators: ReadonlyMap<TraceRuntime, KernelStackAnnotator> | null = null,
    /** `--debug-info`: the states of the traces and the lines' plans. */
    private readonly debugInfo: DebugInfoText | null = null,
  ) {
    this.print = { payloadNames: opts.names.payload, contextNames: opts.names.context };
    this.wall = new WallClock(opts);
    const regionBytes = regionBytesFor(inputs);
    this.mem = new Uint8Array(OUT_BYTES + 2 * inputs * regionBytes);
    this.dv = new DataView(this.mem.buffer);
    this.plain = !opts.names.header && !opts.clockCycles;
    this.clockSeconds = opts.clockSeconds;
    this.delta = opts.delta;
    this.plans = debugInfo ? new Map() : null;
    this.lines = {
      mem: this.mem,
      regionBase: OUT_BYTES,
      regionBytes,
      eventObjects: true,
      lineFor: (ev) => this.compileLine(ev),
    };
  }

  /** `--debug-info`: the plans of the event record classes that get a `debug_info` member. */
  private readonly plans: Map<EventRuntime, TextPlan> | null;

  /** The line function of an event record class (everything after the timestamp). */
  private compileLine(ev: EventRuntime): ScopeFn {
    const sc = ev.sc;
    const names = this.opts.names;
    // The insertion point is the end of the common context's text: it must be printed.
    const plan = sc.commonPrinted
      ? (this.debugInfo?.plan(sc.trace, sc.sc, ev.ec.name, ev.ec.payload) ?? null)
      : null;
    if (plan !== null) this.plans!.set(ev, plan);
    const annotator = this.annotators?.get(sc.trace);
    const annotate = (fc: IrFieldClass | null): { annotators?: Map<IrFieldClass, ElementAnnotator> } => {
      const arr = annotator ? callstackArrayOf(fc) : null;
      return arr ? { annotators: new Map([[arr, annotator!.annotate]]) } : {};
    };
    return compileTextLine({
      prefix: ev.textHeader ?? this.header(ev, sc.trace, sc.clock !== null),
      packetContext: sc.contextPrinted,
      scopeNames: names.scope,
      scopes: [
        {
          fc: sc.sc.eventCommonContext,
          name: 'stream.event.context',
          printed: sc.commonPrinted,
          printNames: names.context,
          slots: 'common',
          ...annotate(sc.sc.eventCommonContext),
          ...(plan ? plan.common : {}),
        },
        {
          fc: ev.ec.specContext,
          name: 'event.context',
          printed: ev.specPrinted,
          printNames: names.context,
          slots: 'spec',
          ...annotate(ev.ec.specContext),
        },
        {
          fc: ev.ec.payload,
          name: 'event.fields',
          printed: ev.payloadPrinted,
          printNames: names.payload,
          slots: 'payload',
          ...(plan?.payload ? { captures: plan.payload } : {}),
        },
      ],
    });
  }

  /** Formats a packet's context right after it is decoded (its bytes are in the window). */
  onPacket(c: StreamCursor): Uint8Array | null {
    const rt = c.packetStreamClass;
    if (!rt?.contextPrinted) return null;
    const st = c.st;
    const saveP = st.p;
    const saveO = st.o;
    const saveOut = st.out;
    const saveEnd = st.oend;
    const saveO0 = st.o0;
    const saveGrow = st.grow;
    const saveSlots = st.slots;
    st.out = this.scratch;
    st.o = 0;
    st.oend = this.scratch.length;
    st.grow = (need: number): void => {
      const b = new Uint8Array(2 * (st.o + need));
      b.set(st.out.subarray(0, st.o));
      st.out = b;
      st.oend = b.length;
    };
    st.p = c.ctxStartBits;
    st.slots = null;
    const fn = rt.textContext(this.print);
    if (fn(st) !== DecodeStatus.Ok) throw new Error('packet context decoding failed after validation');
    this.scratch = st.out;
    const bytes = this.scratch.slice(0, st.o);
    st.p = saveP;
    st.o = saveO;
    st.out = saveOut;
    st.oend = saveEnd;
    st.o0 = saveO0;
    st.grow = saveGrow;
    st.slots = saveSlots;
    return bytes;
  }

  private scratch: Uint8Array = new Uint8Array(2 * TEXT_SLACK);

  private putAscii(s: string): void {
    const out = this.mem;
    let o = this.o;
    for (let i = 0; i < s.length; i++) out[o++] = s.charCodeAt(i) & 0xff;
    this.o = o;
  }

  /** Output bytes that trigger a write (FIRST_FLUSH_AT, then FLUSH_AT). */
  private flushAt = FIRST_FLUSH_AT;

  flush(): void {
    if (this.o > 0) {
      this.io.write(this.mem.subarray(0, this.o));
      this.o = 0;
    }
    this.flushAt = FLUSH_AT;
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
          const out = this.mem;
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
    this.o = wudec(this.mem, this.o, sec);
    this.putAscii('.');
    this.o = wnano(this.mem, this.o, nsec);
  }

  /**
   * Prints a batch of messages (Muxer.fill: `out[0, n)`) in order: the events, and the warnings
   * of the discarded events/packets messages. Returns the number of events. The usual event
   * (plain `[time] (+delta) ` prefix, line in the shared buffer) is printed here with the output
   * position and the last time in locals (bench/view: fewer stores per event than event());
   * anything else goes through event().
   */
  batch(out: readonly MsgRecord[], n: number): number {
    const mem = this.mem;
    const fast = this.plain && this.plans === null;
    const clockSeconds = this.clockSeconds;
    let events = 0;
    let o = this.o;
    let lastSec = this.lastSec;
    let lastNsec = this.lastNsec;
    let lastSet = this.lastSet;
    for (let i = 0; i < n; i++) {
      const r = out[i]!;
      const type = r.type;
      if (type !== MsgType.Event) {
        if (type === MsgType.DiscardedEvents || type === MsgType.DiscardedPackets) {
          this.o = o;
          this.discarded(r);
          o = this.o;
        }
        continue;
      }
      events++;
      const sec = r.sec;
      const ls = r.lineStart;
      const le = r.lineEnd;
      if (
        !fast ||
        r.tsState !== 1 ||
        sec < 0 ||
        r.lineBuf !== mem ||
        o + (le - ls) + PREFIX_MAX > OUT_BYTES ||
        (!clockSeconds && sec !== this.cachedSec)
      ) {
        this.o = o;
        this.lastSec = lastSec;
        this.lastNsec = lastNsec;
        this.lastSet = lastSet;
        this.event(r);
        o = this.o;
        lastSec = this.lastSec;
        lastNsec = this.lastNsec;
        lastSet = this.lastSet;
        continue;
      }
      const nsec = r.nsec;
      o = this.writePlainStamp(o, sec, nsec, lastSec, lastNsec, lastSet);
      lastSec = sec;
      lastNsec = nsec;
      lastSet = true;
      copyWithin.call(mem, o, ls, le);
      o += le - ls;
    }
    this.o = o;
    this.lastSec = lastSec;
    this.lastNsec = lastNsec;
    this.lastSet = lastSet;
    if (o >= this.flushAt) this.flush();
    return events;
  }

  /** Prints an event record: its timestamp, then its line (formatted while it was decoded). */
  event(r: MsgRecord): void {
    if (this.plans !== null) {
      const plan = this.plans.get(r.ev!);
      if (plan !== undefined && r.obj !== null) {
        this.eventWithDebugInfo(r, plan);
        return;
      }
    }
    const ls = r.lineStart;
    const le = r.lineEnd;
    const len = le - ls;
    if (this.o + len + PREFIX_MAX > OUT_BYTES) {
      this.flush();
      if (len + PREFIX_MAX > OUT_BYTES) {
        this.bigLine(r);
        return;
      }
    }
    this.stamp(r);
    const buf = r.lineBuf!;
    const mem = this.mem;
    // copyWithin: no view allocated (bench/view: a line is copied per event). Called through a
    // constant: `mem.copyWithin` was a generic property load per event in the optimized code.
    if (buf === mem) copyWithin.call(mem, this.o, ls, le);
    else mem.set(buf.subarray(ls, le), this.o);
    this.o += len;
    if (this.o >= this.flushAt) this.flush();
  }

  /**
   * `--debug-info`: the line with `debug_info` inserted before the closing ` }` of the common
   * context (the state is updated first: events are printed in babeltrace2's order).
   */
  private eventWithDebugInfo(r: MsgRecord, plan: TextPlan): void {
    const obj = r.obj!;
    const ins = plan.insertion(obj.caps, obj.strs);
    const ls = r.lineStart;
    const le = r.lineEnd;
    const at = ls + obj.caps[CAP.end]! - 2;
    const buf = r.lineBuf!;
    const len = le - ls + ins.length;
    if (this.o + len + PREFIX_MAX > OUT_BYTES) {
      this.flush();
      if (len + PREFIX_MAX > OUT_BYTES) {
        if (r.ev!.sc.clock !== null) this.timestampEvent(r);
        this.flush();
        this.io.write(buf.subarray(ls, at));
        this.io.write(ins);
        this.io.write(buf.subarray(at, le));
        return;
      }
    }
    this.stamp(r);
    const mem = this.mem;
    mem.set(buf.subarray(ls, at), this.o);
    this.o += at - ls;
    mem.set(ins, this.o);
    this.o += ins.length;
    mem.set(buf.subarray(at, le), this.o);
    this.o += le - at;
    if (this.o >= this.flushAt) this.flush();
  }

  /** The timestamp and delta of an event record (none when its stream class has no clock). */
  private stamp(r: MsgRecord): void {
    // tsState is 0 exactly when the stream class has no clock (an event record then has none).
    if (r.tsState !== 0) {
      const sec = r.sec;
      if (
        this.plain &&
        r.tsState === 1 &&
        sec >= 0 &&
        (this.clockSeconds || sec === this.cachedSec || this.cacheWall(sec))
      ) {
        this.plainTimestamp(sec, r.nsec);
      } else this.timestampEvent(r);
    }
  }

  /** A line larger than the output region: written on its own. */
  private bigLine(r: MsgRecord): void {
    if (r.ev!.sc.clock !== null) this.timestampEvent(r);
    this.flush();
    this.io.write(r.lineBuf!.subarray(r.lineStart, r.lineEnd));
  }

  /** `[HH:MM:SS.nnnnnnnnn] (+S.NNNNNNNNN) ` (or `[SEC.nnnnnnnnn]`): the usual prefix, fast. */
  private plainTimestamp(sec: number, nsec: number): void {
    this.o = this.writePlainStamp(this.o, sec, nsec, this.lastSec, this.lastNsec, this.lastSet);
    this.lastSec = sec;
    this.lastNsec = nsec;
    this.lastSet = true;
  }

  /**
   * plainTimestamp()'s text at `o`, after an event at `lastSec.lastNsec` (`lastSet` false: the
   * first event); returns the new position. The caller keeps the last time (batch() keeps it in
   * locals). Small, so that it is inlined into batch(): the rare cases are calls (bench/view).
   */
  private writePlainStamp(
    o: number,
    sec: number,
    nsec: number,
    lastSec: number,
    lastNsec: number,
    lastSet: boolean,
  ): number {
    const dv = this.dv;
    const n = this.cachedLen;
    if (this.clockSeconds || n > 12) o = this.writeSecondsPrefix(o, sec);
    else {
      // `[HH:MM:SS.` in three stores (the bytes written past it are overwritten next).
      dv.setUint32(o, this.cachedW0, true);
      dv.setUint32(o + 4, this.cachedW1, true);
      dv.setUint32(o + 8, this.cachedW2, true);
      o += n;
    }
    o = nano9(dv, o, nsec);
    if (!this.delta) {
      dv.setUint16(o, 0x205d, true);
      return o + 2;
    }
    // `] (+` in one store.
    dv.setUint32(o, 0x2b28205d, true);
    o += 4;
    let ds = sec - lastSec;
    let dn = nsec - lastNsec;
    if (dn < 0) {
      dn += NS;
      ds--;
    }
    if (lastSet && ds === 0) {
      dv.setUint16(o, 0x2e30, true);
      o = nano9(dv, o + 2, dn);
    } else o = this.writeOtherDelta(o, ds, dn, lastSet);
    dv.setUint16(o, 0x2029, true);
    return o + 2;
  }

  /** `[SEC.` (--clock-seconds) or a wall-clock prefix longer than 12 bytes (--clock-date). */
  private writeSecondsPrefix(o: number, sec: number): number {
    const mem = this.mem;
    if (this.clockSeconds) {
      mem[o++] = 91;
      o = wudec(mem, o, sec);
      mem[o++] = 46;
      return o;
    }
    const n = this.cachedLen;
    const w = this.cachedWords;
    for (let i = 0, k = 0; k < n; i++, k += 4) this.dv.setUint32(o + k, w[i]!, true);
    return o + n;
  }

  /** The delta after `(+` when it is not `0.NNNNNNNNN`: the first event, a second or more, negative. */
  private writeOtherDelta(o: number, ds: number, dn: number, lastSet: boolean): number {
    const mem = this.mem;
    const dv = this.dv;
    if (!lastSet) {
      // +?.?????????
      dv.setUint32(o, 0x3f2e3f, true);
      dv.setUint32(o + 3, 0x3f3f3f3f, true);
      dv.setUint32(o + 7, 0x3f3f3f3f, true);
      return o + 11;
    }
    if (ds > 0) {
      o = wudec(mem, o, ds);
      mem[o++] = 46;
      return nano9(dv, o, dn);
    }
    // A negative int64 delta printed as uint64 (rare: the `+` is part of the text).
    const t = negativeDelta(ds, dn);
    o--;
    for (let j = 0; j < t.length; j++) mem[o++] = t.charCodeAt(j);
    return o;
  }

  /** Caches the `HH:MM:SS.` of a second (false: out of range; the general path reports it). */
  private cacheWall(sec: number): boolean {
    const hms = this.wall.hms(sec);
    if (hms === null) return false;
    // With the opening bracket.
    const n = hms.length + 1;
    const words = new Uint32Array(Math.ceil(n / 4) + 1);
    for (let i = 0; i < n; i++) words[i >>> 2]! |= (i === 0 ? 91 : hms[i - 1]!) << ((i & 3) * 8);
    this.cachedWords = words;
    this.cachedW0 = words[0]!;
    this.cachedW1 = words.length > 1 ? words[1]! : 0;
    this.cachedW2 = words.length > 2 ? words[2]! : 0;
    this.cachedLen = n;
    this.cachedSec = sec;
    return true;
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
    const ok = c.tsState === 1;
    t.sec = c.sec;
    t.nsec = c.nsec;
    if (names) this.putAscii('timestamp = ');
    else this.mem[this.o++] = 91;
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
          this.deltaKind = 2;
          this.deltaBig = negativeDelta(ds, dn);
        }
      }
      this.lastSec = t.sec;
      this.lastNsec = t.nsec;
      this.lastSet = true;
      if (this.opts.clockSeconds && t.sec >= 0) {
        let o = wudec(this.mem, this.o, t.sec);
        this.mem[o++] = 46;
        this.o = wnano(this.mem, o, t.nsec);
      } else this.wallTime(t);
    }
    const out = this.mem;
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
    this.flush();
    const line = discardedWarning(r, (cycles) => this.wallString(r, cycles));
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
    const s = String.fromCharCode.apply(null, this.mem.subarray(saveO, this.o) as unknown as number[]);
    this.o = saveO;
    return s;
  }

  /** Count of the current line's bytes written since the last flush (tests). */
  get pending(): number {
    return this.o;
  }
}

/**
 * Nine digits of `v` (0..999999999) at `o`, and one byte more that the caller overwrites. `v | 0`
 * first: int32 divisions by constants compile to multiplications (a double `v` gave two `divsd`
 * per call, bench/view).
 */
function nano9(dv: DataView, o: number, v: number): number {
  const x = v | 0;
  const a = (x / 1000000) | 0;
  const r = x - a * 1000000;
  const b = (r / 1000) | 0;
  dv.setUint32(o, DIGITS3[a]!, true);
  dv.setUint32(o + 3, DIGITS3[b]!, true);
  dv.setUint32(o + 6, DIGITS3[r - b * 1000]!, true);
  return o + 9;
}

/** A negative int64 delta printed as uint64 (`+S.NNNNNNNNN`). */
function negativeDelta(ds: number, dn: number): string {
  const d = BigInt.asUintN(64, BigInt(ds) * 1_000_000_000n + BigInt(dn));
  return `+${d / 1_000_000_000n}.${(d % 1_000_000_000n).toString().padStart(9, '0')}`;
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
