/**
 * `ttng view --output-format json`: one JSON object per event, one per line (JSON Lines).
 * Integers beyond 2^53 are written with all their digits (exact JSON numbers); non-finite floats
 * become null; strings are decoded as UTF-8.
 */
import {
  byteStringToText,
  type DecodeState,
  DecodeStatus,
  type MsgRecord,
  type NsTime,
  type StreamCursor,
  type TraceRuntime,
} from '../ctf/reader/index.js';
import {
  type DebugInfoFields,
  debugInfoFieldsOf,
  LTTNG_UST_PREFIX,
  payloadFromValues,
  type TraceDebugInfo,
  valueToBig,
  withDebugInfo,
} from './debug-info.js';
import { type KernelStackAnnotator, withCallstackSymbols } from './kernel-symbols.js';
import { discardedWarning, type SinkIo, wallSeconds } from './text-sink.js';

const FLUSH_AT = 1 << 20;

export function toJson(v: unknown): string {
  switch (typeof v) {
    case 'bigint':
      return v.toString();
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
      const parts: string[] = [];
      for (const [k, x] of Object.entries(v)) parts.push(`${JSON.stringify(k)}:${toJson(x)}`);
      return `{${parts.join(',')}}`;
    }
    default:
      return 'null';
  }
}

export class JsonSink {
  private chunks: string[] = [];
  private size = 0;
  private readonly ts: NsTime = { sec: 0, nsec: 0 };
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly io: SinkIo,
    /** `--kernel-symbols`: the annotators of the kernel traces that record callstack_kernel. */
    private readonly annotators: ReadonlyMap<TraceRuntime, KernelStackAnnotator> | null = null,
    /** `--debug-info`: the state of a trace (one per trace, made on first use). */
    private readonly debugInfo: ((trace: TraceRuntime) => TraceDebugInfo) | null = null,
  ) {}

  /** `--debug-info`: per stream class, where `ip` and `vpid` are (null: not compatible). */
  private readonly dbgFields = new Map<unknown, DebugInfoFields | null>();

  onPacket(c: StreamCursor): unknown {
    const rt = c.packetStreamClass;
    if (!rt?.contextPrinted) return null;
    const st = c.st;
    const save = st.p;
    st.p = c.ctxStartBits;
    if (rt.valuesContext()(st) !== DecodeStatus.Ok)
      throw new Error('packet context decoding failed after validation');
    st.p = save;
    return st.value;
  }

  private run(st: DecodeState, at: number, fn: (st: DecodeState) => number): unknown {
    st.p = at;
    if (fn(st) !== DecodeStatus.Ok) throw new Error('event decoding failed after validation');
    return st.value;
  }

  event(m: MsgRecord): void {
    const c = m;
    const ev = m.ev!;
    const ds = m.input.ds;
    const sc = ev.sc;
    const o: Record<string, unknown> = {
      trace: byteStringToText(ds.trace.name),
      stream_class_id: sc.id,
      stream_id: ds.streamId,
      name: byteStringToText(ev.ec.name),
    };
    if (sc.clock) {
      const cycles = (BigInt(c.csHi) << 32n) | BigInt(c.csLo);
      const t = this.ts;
      o.clock = sc.clock.toNs(c.csHi, c.csLo, t)
        ? { cycles, ns_from_origin: BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec) }
        : { cycles };
    }
    const st = m.input.stateFor(m);
    if (sc.contextPrinted) o.packet_context = m.packetUser;
    if (sc.commonPrinted) o.common_context = this.run(st, m.evCommonBits, sc.valuesCommon());
    if (ev.specPrinted) o.specific_context = this.run(st, m.evSpecBits, ev.valuesSpec());
    const annotator = this.annotators?.get(sc.trace);
    if (annotator) {
      if (o.common_context !== undefined)
        o.common_context = withCallstackSymbols(o.common_context, annotator);
      if (o.specific_context !== undefined)
        o.specific_context = withCallstackSymbols(o.specific_context, annotator);
    }
    if (ev.payloadPrinted) o.payload = this.run(st, m.evPayloadBits, ev.valuesPayload());
    if (this.debugInfo !== null) this.addDebugInfo(o, sc.trace, sc.sc, ev.ec.name);
    const line = `${toJson(o)}\n`;
    this.chunks.push(line);
    this.size += line.length;
    if (this.size >= FLUSH_AT) this.flush();
  }

  /** `debug_info` last in the common context, after the event's own state change (if any). */
  private addDebugInfo(
    o: Record<string, unknown>,
    trace: TraceRuntime,
    sc: Parameters<typeof debugInfoFieldsOf>[0],
    name: string,
  ): void {
    let f = this.dbgFields.get(sc);
    if (f === undefined) {
      f = debugInfoFieldsOf(sc);
      this.dbgFields.set(sc, f);
    }
    const ctx = o.common_context;
    if (f === null || ctx === null || typeof ctx !== 'object') return;
    const c = ctx as Record<string, unknown>;
    const vpid = Number(c.vpid);
    const ip = valueToBig(c.ip) ?? 0n;
    const state = this.debugInfo!(trace);
    if (name.startsWith(LTTNG_UST_PREFIX)) state.onStateEvent(name, vpid, payloadFromValues(o.payload));
    o.common_context = withDebugInfo(c, state.resolve(vpid, ip));
  }

  discarded(m: MsgRecord): void {
    this.flush();
    this.io.warn(discardedWarning(m, (cycles) => wallSeconds(m, cycles)));
  }

  flush(): void {
    if (this.chunks.length === 0) return;
    this.io.write(this.encoder.encode(this.chunks.join('')));
    this.chunks = [];
    this.size = 0;
  }
}
