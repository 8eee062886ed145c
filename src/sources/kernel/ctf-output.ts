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
  createDirectorySink,
  createTraceWriter,
  type StreamWriter,
  type TraceWriter,
} from '../../ctf/writer/index.js';
import { bootId } from '../../tracer/process-info.js';
import { realtimeOffsetNs } from '../../tracer/trace-clock.js';
import { DECODER_HELPERS, type EventValues, fieldReadCode } from './event-decoder.js';
import {
  CONTEXT_FIELDS,
  type KernelContext,
  type KernelEventClass,
  type KernelTraceSink,
  type RawRecordWriter,
} from './kernel-session.js';
import { type EventLayout, SourceKind } from './lttng-layout.js';

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
}

/** `YYYYmmddTHHMMSS+hhmm` in local time, as lttng-modules writes `trace_creation_datetime`. */
export function lttngDatetime(d: Date): string {
  const p = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}T${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}${off >= 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`;
}

type Emit = (tsHi: number, tsLo: number, ...args: unknown[]) => void;
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
  private readonly rawFactories = new Map<EventLayout, (emit: Emit) => RawRecordWriter>();
  private ercs: ReturnType<TraceWriter['addEventRecordClass']>[] = [];
  private bytesWritten = 0;
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
    const dirSink = createDirectorySink(this.dir, fs);
    const counting = {
      append: (path: string, bytes: Uint8Array) => {
        this.bytesWritten += bytes.length;
        dirSink.append(path, bytes);
      },
      close: () => dirSink.close?.(),
    };
    const now = new Date();
    this.writer = createTraceWriter({
      sink: counting,
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
      erc = this.writer!.addEventRecordClass(0, { name: c.name, id: c.id, payload });
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
   * One function per CPU and class that reads the ftrace record's fields and hands them to the
   * stream's emitter: no values object, text arrays passed as bytes, strings from the decoder's
   * cache.
   */
  rawWriter(cpuId: number, classId: number, layout: EventLayout, littleEndian: boolean): RawRecordWriter {
    // Per layout, not per class: the sites of one SDT probe share a class but not a format.
    let factory = this.rawFactories.get(layout);
    if (factory === undefined) {
      factory = this.compileRawFactory(classId, layout, littleEndian);
      this.rawFactories.set(layout, factory);
    }
    return factory(this.emitterOf(cpuId, classId));
  }

  /**
   * Compiles, once per class, a factory of raw writers: every CPU's writer is the same function
   * (one compilation, one JIT warm-up) closed over that CPU's stream emitter.
   */
  private compileRawFactory(
    classId: number,
    layout: EventLayout,
    littleEndian: boolean,
  ): (emit: Emit) => RawRecordWriter {
    const c = this.classes[classId]!;
    const names = this.writer!.serializer(this.erc(classId)).argumentNames;
    const index = new Map(layout.fields.map((f, i) => [f.name, i]));
    const pre: string[] = ['let loc = 0, s = 0, e = 0, n = 0, a = null;'];
    const args: string[] = [];
    const scratchSizes: number[] = [];
    for (const name of names) {
      if (name.startsWith('context.')) {
        args.push(`ctx[${JSON.stringify(name.slice(8))}]`);
        continue;
      }
      const i = index.get(name);
      if (i === undefined)
        throw new Error(`${c.name}: the serializer wants "${name}", which the layout lacks`);
      const code = fieldReadCode(layout, i, { littleEndian, charArraysAsBytes: true });
      if (code.pre) pre.push(code.pre);
      pre.push(`const v${i} = ${code.expr};`);
      args.push(`v${i}`);
      const f = layout.fields[i]!;
      if (f.source === SourceKind.CharArray && f.ftrace) scratchSizes[i] = f.ftrace.sizeBytes;
    }
    // Text arrays are copied into per-writer scratch bytes (the emitter reads them synchronously).
    const scratchDecl = scratchSizes
      .map((n, i) => (n === undefined ? '' : `const scratch${i} = new Uint8Array(${n});`))
      .join(' ');
    const src = `return function makeRaw_${classId}(emit) { ${scratchDecl}
return function raw_${classId}(view, bytes, p, len, hi, lo, ctx, tasks) {
${pre.join('\n')}
emit(hi, lo${args.map((a) => `, ${a}`).join('')});
}; };`;
    // The decoder's helpers, by name, for the generated code.
    return new Function('H', `const { cString, int64Value, rwbsFlags } = H;\n${src}`)(DECODER_HELPERS) as (
      emit: Emit,
    ) => RawRecordWriter;
  }

  discarded(cpuId: number, count: number): void {
    this.streams[cpuId]?.discard(count);
  }

  flush(): void {
    this.writer?.flushMetadata();
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
