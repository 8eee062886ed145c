/**
 * The kernel trace in LTTng's layout, through the CTF writer: `DIR/{metadata,channel0_<cpu>,
 * index/}`, one stream per CPU with `cpu_id` in the packet context, LTTng's kernel environment
 * (`domain = "kernel"`, `tracer_name = "lttng-modules"`, 2.13) so Trace Compass and babeltrace2
 * take it for an LTTng kernel trace, the compact event header when the channel has fewer than 31
 * event record classes (as lttng-modules decides), and `events_discarded` from the kernel's
 * exact loss counts.
 */
import * as fs from 'node:fs';
import { hostname, type as osType, version as osVersion, release } from 'node:os';
import type { FieldClass } from '../../ctf/model/index.js';
import { uuidFromString } from '../../ctf/model/index.js';
import {
  type CompiledEventRecordTranscoder,
  createDirectorySink,
  createTraceWriter,
  type FieldSource,
  type StreamWriter,
  type TraceSink,
  type TraceWriter,
} from '../../ctf/writer/index.js';
import { bootId } from '../../tracer/process-info.js';
import { realtimeOffsetNs } from '../../tracer/trace-clock.js';
import { DECODER_HELPERS, type EventValues, fieldReadCode } from './event-decoder.js';
import { FtraceFieldKind } from './format-parser.js';
import {
  CONTEXT_FIELDS,
  type KernelContext,
  type KernelEventClass,
  type KernelTraceSink,
  type RawRecordWriter,
} from './kernel-session.js';
import { type EventLayout, type LayoutField, SourceKind } from './lttng-layout.js';

/** lttng-modules' version that ttng's kernel traces claim (Trace Compass picks its layout from it). */
export const LTTNG_MODULES_VERSION = Object.freeze({ major: 2, minor: 13, patchlevel: 0 });
/** lttng-modules switches to the large event header at this many event ids. */
export const COMPACT_HEADER_CLASS_LIMIT = 31;

export interface KernelCtfOutputOptions {
  /** The trace directory (`<session dir>/kernel`). */
  readonly dir: string;
  /** LTTng's `trace_name` (the session name). */
  readonly traceName: string;
  /** Packet size in bytes (a multiple of 4096). Default 65536. */
  readonly packetSizeBytes?: number;
  /** `tsdl` (default, as LTTng 2.13) or `ctf2`. */
  readonly metadata?: 'tsdl' | 'ctf2';
  /** Extra env keys (ttng's own), appended after LTTng's. */
  readonly environment?: Readonly<Record<string, string | number>>;
  /** Realtime minus monotonic, ns. Default: sampled now. */
  readonly clockOffsetNs?: bigint;
  /** Trace UUID (16 bytes). Default: random. */
  readonly uuid?: Uint8Array;
}

/** `YYYYmmddTHHMMSS+hhmm` in local time, as lttng-modules writes `trace_creation_datetime`. */
export function lttngDatetime(d: Date): string {
  const p = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}T${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}${off >= 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`;
}

type Emit = (tsHi: number, tsLo: number, ...args: unknown[]) => void;

interface TranscoderPlan {
  readonly transcoder: CompiledEventRecordTranscoder;
  /** The raw writer of one CPU's stream. */
  readonly make: (stream: StreamWriter) => RawRecordWriter;
}

/**
 * Gathers small appends (4 KiB packets, 72-byte index entries, metadata packets) per file into
 * writes of up to BATCH_BYTES, written at each batch end (`flush`) and at close; large appends
 * (whole 64 KiB packets) go straight through, after what is gathered for their file. One write
 * syscall per packet and per index entry otherwise.
 */
class BatchingSink {
  private readonly target: TraceSink;
  private readonly pending = new Map<string, { buf: Uint8Array; used: number }>();

  constructor(target: TraceSink) {
    this.target = target;
  }

  append(path: string, bytes: Uint8Array): void {
    let p = this.pending.get(path);
    if (bytes.length >= BATCH_DIRECT_BYTES) {
      if (p && p.used > 0) this.flushOne(path, p);
      this.target.append(path, bytes);
      return;
    }
    if (!p) {
      p = { buf: new Uint8Array(BATCH_BYTES), used: 0 };
      this.pending.set(path, p);
    }
    if (p.used + bytes.length > p.buf.length) this.flushOne(path, p);
    p.buf.set(bytes, p.used);
    p.used += bytes.length;
  }

  private flushOne(path: string, p: { buf: Uint8Array; used: number }): void {
    this.target.append(path, p.buf.subarray(0, p.used));
    p.used = 0;
  }

  flush(): void {
    for (const [path, p] of this.pending) if (p.used > 0) this.flushOne(path, p);
  }

  close(): void {
    this.flush();
    this.target.close?.();
  }
}

/** BatchingSink: appends of at least this many bytes are written at once. */
const BATCH_DIRECT_BYTES = 32768;
/** BatchingSink: bytes gathered per file before a write. */
const BATCH_BYTES = 262144;

/** The raw writer of a class whose every field comes from the record's bytes. */
function bytesOnlyWriter(stream: StreamWriter, t: CompiledEventRecordTranscoder): RawRecordWriter {
  return (view, bytes, p, len, ts) => stream.transcode(t, ts, bytes, view, p, len, undefined);
}

/** Where a layout field's CTF value is in the ftrace record, when the bytes say it all. */
export function fieldSource(f: LayoutField, byteOrder: 'le' | 'be'): FieldSource | undefined {
  const ft = f.ftrace;
  if (!ft) return undefined;
  switch (f.source) {
    case SourceKind.Integer: {
      // Truncation (syscall slots declared narrower): the low bytes, wherever the order puts them.
      const offsetBytes = ft.offsetBytes + (byteOrder === 'le' ? 0 : ft.sizeBytes - f.outSizeBytes);
      const sizeBytes = f.outSizeBytes as 1 | 2 | 4 | 8;
      if (![1, 2, 4, 8].includes(sizeBytes)) return undefined;
      return {
        kind: 'integer',
        offsetBytes,
        sizeBytes,
        signed: f.outSigned,
        byteOrder,
        ...(f.addend !== 0 ? { addend: f.addend } : {}),
      };
    }
    case SourceKind.CharArray:
      return { kind: 'bytes', offsetBytes: ft.offsetBytes };
    case SourceKind.String:
      if (ft.kind === FtraceFieldKind.DataLocString)
        return { kind: 'located-string', descriptorOffsetBytes: ft.offsetBytes, byteOrder };
      if (ft.kind === FtraceFieldKind.RelLocString)
        return { kind: 'located-string', descriptorOffsetBytes: ft.offsetBytes, byteOrder, relative: true };
      return { kind: 'string', offsetBytes: ft.offsetBytes };
    case SourceKind.IntegerArray: {
      const sizeBytes = f.outSizeBytes as 1 | 2 | 4 | 8;
      if (![1, 2, 4, 8].includes(sizeBytes)) return undefined;
      return {
        kind: 'integer-array',
        offsetBytes: ft.offsetBytes,
        sizeBytes,
        signed: f.outSigned,
        byteOrder,
      };
    }
    default:
      // Sequences, thread group ids, block flags: values.
      return undefined;
  }
}
type Caller = (
  emit: Emit,
  tsHi: number,
  tsLo: number,
  ctx: EventValues | undefined,
  payload: EventValues,
) => void;

export class KernelCtfOutput implements KernelTraceSink {
  readonly dir: string;
  private readonly o: KernelCtfOutputOptions;
  private writer: TraceWriter | undefined;
  private streams: StreamWriter[] = [];
  /** [cpuId][classId] -> emitter, built on first use. */
  private emitters: Emit[][] = [];
  private callers: Caller[] = [];
  private classes: readonly KernelEventClass[] = [];
  private contexts: readonly KernelContext[] = [];
  private readonly transcoders = new Map<EventLayout, TranscoderPlan>();
  private ercs: ReturnType<TraceWriter['addEventRecordClass']>[] = [];
  private bytesWritten = 0;
  private batching: BatchingSink | undefined;
  private closed = false;

  constructor(o: KernelCtfOutputOptions) {
    this.o = o;
    this.dir = o.dir;
  }

  /** Bytes written to the trace directory so far (metadata, streams, indexes). */
  get sizeBytes(): number {
    return this.bytesWritten;
  }

  begin(info: {
    classes: readonly KernelEventClass[];
    contexts: readonly KernelContext[];
    cpuIds: readonly number[];
  }): void {
    const boot = bootId();
    const commonContext: Record<string, FieldClass> = {};
    for (const c of info.contexts) for (const f of CONTEXT_FIELDS[c]) commonContext[f.name] = f.fieldClass;
    const batching = new BatchingSink(createDirectorySink(this.dir, fs));
    this.batching = batching;
    const counting = {
      append: (path: string, bytes: Uint8Array) => {
        this.bytesWritten += bytes.length;
        batching.append(path, bytes);
      },
      close: () => batching.close(),
    };
    const now = new Date();
    this.writer = createTraceWriter({
      sink: counting,
      ...(this.o.uuid ? { uuid: this.o.uuid } : {}),
      environment: {
        hostname: hostname(),
        domain: 'kernel',
        sysname: osType(),
        kernel_release: release(),
        kernel_version: osVersion(),
        tracer_name: 'lttng-modules',
        tracer_major: LTTNG_MODULES_VERSION.major,
        tracer_minor: LTTNG_MODULES_VERSION.minor,
        tracer_patchlevel: LTTNG_MODULES_VERSION.patchlevel,
        trace_buffering_scheme: 'global',
        trace_name: this.o.traceName,
        trace_creation_datetime: lttngDatetime(now),
        ttng_tracer: 'ttng',
        ttng_kernel_source: 'tracefs',
        ...this.o.environment,
      },
      clock: {
        offsetNs: this.o.clockOffsetNs ?? realtimeOffsetNs(),
        ...(boot ? { uuid: uuidFromString(boot) } : {}),
      },
      dataStreamClasses: [
        {
          name: 'channel0',
          eventHeader: info.classes.length < COMPACT_HEADER_CLASS_LIMIT ? 'compact' : 'large',
          ...(info.contexts.length > 0 ? { commonContext } : {}),
        },
      ],
      metadata: this.o.metadata ?? 'tsdl',
      packetSizeBytes: this.o.packetSizeBytes ?? 65536,
    });
    this.classes = info.classes;
    this.contexts = info.contexts;
    this.writer.flushMetadata();
    for (const cpu of info.cpuIds) {
      this.streams[cpu] = this.writer.createStream(0, { instanceId: cpu });
      this.emitters[cpu] = [];
    }
  }

  /**
   * The writer's class for a session class, registered at its first record: metadata then holds
   * the events that occurred (a `--syscall all` session fires a few dozen of 700), and start-up
   * does not compile 700 serializers. The id stays the session's.
   */
  private erc(classId: number): ReturnType<TraceWriter['addEventRecordClass']> {
    let erc = this.ercs[classId];
    if (erc === undefined) {
      const c = this.classes[classId]!;
      const payload: Record<string, FieldClass> = {};
      for (const f of c.fields) payload[f.name] = f.fieldClass;
      // Records of the class are transcoded: its serializer is compiled only if `record` needs it.
      erc = this.writer!.addEventRecordClass(
        0,
        { name: c.name, id: c.id, payload },
        { compileSerializer: false },
      );
      this.ercs[classId] = erc;
    }
    return erc;
  }

  private emitterOf(cpuId: number, classId: number): Emit {
    const perCpu = this.emitters[cpuId]!;
    let emit = perCpu[classId];
    if (emit === undefined) {
      emit = this.streams[cpuId]!.emitter(this.erc(classId));
      perCpu[classId] = emit;
    }
    return emit;
  }

  record(
    cpuId: number,
    classId: number,
    tsHigh: number,
    tsLow: number,
    context: EventValues | undefined,
    payload: EventValues,
  ): void {
    const emit = this.emitterOf(cpuId, classId);
    let caller = this.callers[classId];
    if (caller === undefined) {
      // Picks the positional arguments out of the context and payload objects.
      const names = this.writer!.serializer(this.erc(classId)).argumentNames;
      const args = names.map((n) =>
        n.startsWith('context.') ? `ctx[${JSON.stringify(n.slice(8))}]` : `p[${JSON.stringify(n)}]`,
      );
      caller = new Function(
        'emit',
        'hi',
        'lo',
        'ctx',
        'p',
        `emit(hi, lo${args.map((a) => `, ${a}`).join('')});`,
      ) as Caller;
      this.callers[classId] = caller;
    }
    caller(emit, tsHigh, tsLow, context, payload);
  }

  /**
   * The raw writer of a class on a CPU (KernelTraceSink.rawWriter): the ftrace record's bytes go
   * straight into the stream's packet through a transcoder compiled once per layout (integers
   * read and written as 32-bit words, `prio - 100` computed in place, `char[16]` copied, strings
   * copied up to their NUL); only what ftrace does not carry (contexts from the task tracker,
   * thread group ids, block flags, sequences) passes through a reused values array.
   */
  rawWriter(cpuId: number, classId: number, layout: EventLayout, littleEndian: boolean): RawRecordWriter {
    return this.transcodingWriter(cpuId, classId, layout, littleEndian);
  }

  private transcodingWriter(
    cpuId: number,
    classId: number,
    layout: EventLayout,
    littleEndian: boolean,
  ): RawRecordWriter {
    // Per layout, not per class: the sites of one SDT probe share a class but not a format.
    let plan = this.transcoders.get(layout);
    if (plan === undefined) {
      plan = this.planTranscoder(classId, layout, littleEndian);
      this.transcoders.set(layout, plan);
    }
    return plan.make(this.streams[cpuId]!);
  }

  private planTranscoder(classId: number, layout: EventLayout, littleEndian: boolean): TranscoderPlan {
    const c = this.classes[classId]!;
    const erc = this.erc(classId);
    const byteOrder = littleEndian ? 'le' : 'be';
    const index = new Map(layout.fields.map((f, i) => [f.name, i]));
    const sources: Record<string, FieldSource> = {};
    // The thread id is ftrace's own common_pid; the other contexts come from the tracker.
    const commonPid = layout.format.commonFields.find((f) => f.name === 'common_pid');
    if (this.contexts.includes('tid') && commonPid && commonPid.sizeBytes === 4) {
      sources['context.tid'] = {
        kind: 'integer',
        offsetBytes: commonPid.offsetBytes,
        sizeBytes: 4,
        signed: true,
        byteOrder,
      };
    }
    for (const f of layout.fields) {
      const src = fieldSource(f, byteOrder);
      if (src) sources[f.name] = src;
    }
    const t = this.writer!.transcoder(erc, sources);
    for (const name of t.valueArgumentNames) {
      if (!name.startsWith('context.') && !index.has(name))
        throw new Error(`${c.name}: the serializer wants "${name}", which the layout lacks`);
    }
    // The values the transcoder cannot read itself, into one reused array per layout.
    const pre: string[] = ['let loc = 0, s = 0, e = 0, n = 0, a = null;'];
    t.valueArgumentNames.forEach((name, k) => {
      if (name.startsWith('context.')) {
        pre.push(`V[${k}] = ctx[${JSON.stringify(name.slice(8))}];`);
        return;
      }
      const i = index.get(name)!;
      const code = fieldReadCode(layout, i, { littleEndian });
      if (code.pre) pre.push(code.pre);
      pre.push(`V[${k}] = ${code.expr};`);
    });
    if (t.valueArgumentNames.length === 0) {
      // One closure code for every such class: it warms up once, not once per class.
      return { transcoder: t, make: (stream) => bytesOnlyWriter(stream, t) };
    }
    const src = `return function makeTranscoding_${classId}(S) {
return function transcode_${classId}(view, bytes, p, len, ts, ctx, tasks) {
${pre.join('\n')}
S.transcode(T, ts, bytes, view, p, len, V);
}; };`;
    const make = new Function('H', 'T', 'V', `const { cString, int64Value, rwbsFlags } = H;\n${src}`)(
      DECODER_HELPERS,
      t,
      new Array(t.valueArgumentNames.length).fill(0),
    ) as (s: StreamWriter) => RawRecordWriter;
    return { transcoder: t, make };
  }

  discarded(cpuId: number, count: number): void {
    const s = this.streams[cpuId];
    if (!s) return;
    // The losses came after the records written so far (the consumer samples them after a
    // batch). Readers count a stream's losses between two packets; in its first packet they are
    // only "events may have been discarded" (babeltrace2). So the first packet ends here, empty
    // when the CPU had no record yet (losses right after a task moved to it).
    if (s.packetCount === 0) s.flush(undefined, { evenIfEmpty: true });
    s.discard(count);
  }

  flush(): void {
    this.writer?.flushMetadata();
    this.batching?.flush();
  }

  /** Writes the last packets and the indexes, and closes the files. */
  close(): void {
    if (this.closed || !this.writer) return;
    this.closed = true;
    this.writer.close();
  }

  /** Names of the event record classes (for summaries). */
  get classNames(): readonly string[] {
    return this.classes.map((c) => c.name);
  }
}
