/**
 * A kernel recording session: resolves the events a user asked for, sets up a private tracefs
 * instance, runs the consumer, keeps the task tracker current, emits the state dump, and hands
 * every record, re-shaped as LTTng's, to a `KernelTraceSink` (the CTF output, or a test).
 *
 * Lifecycle: `KernelSession.create` (validates and sets up; tracing off) -> `start(sink)` ->
 * `stop()` (drains, counts, removes the instance). `destroy()` removes the instance at any point
 * and is idempotent: call it in `finally`.
 */
import type { FieldClass } from '../../ctf/model/index.js';
import { dynamicLengthArray, fieldLocation, fixedLengthInteger } from '../../ctf/model/index.js';
import { dumpState, STATEDUMP_EVENT_CLASSES, type StatedumpSummary } from '../statedump/statedump.js';
import { KernelConsumer, type RecordSink } from './consumer.js';
import { KernelError, KernelErrorCode } from './errors.js';
import { EventCatalog, type KernelEventRef } from './event-catalog.js';
import {
  compileValuesDecoder,
  DECODER_HELPERS,
  type EventValues,
  fieldReadCode,
  type TaskLookup,
  type ValuesDecoder,
} from './event-decoder.js';
import { parseHeaderEvent, parseHeaderPage } from './format-parser.js';
import { buildEventLayout, type EventLayout, textArrayClass } from './lttng-layout.js';
import { TaskTracker } from './task-tracker.js';
import { Tracefs } from './tracefs.js';
import { type InstanceOptions, TracefsInstance } from './tracefs-instance.js';
import {
  type DefinedUprobe,
  defineUprobes,
  removeUprobes,
  resolveUserspaceProbes,
  sweepStaleUprobes,
  type UserspaceProbeSpec,
  uprobeGroupOf,
} from './uprobes.js';

/** Channel contexts ttng records (LTTng's `add-context -k -t`); `cpu_id` is always in the packet context. */
export type KernelContext = 'pid' | 'tid' | 'procname' | 'prio' | 'callstack_kernel';
export const KERNEL_CONTEXTS: readonly KernelContext[] = Object.freeze([
  'pid',
  'tid',
  'procname',
  'prio',
  'callstack_kernel',
]);

const S32 = fixedLengthInteger({ lengthBits: 32, signed: true, alignmentBits: 8 });

/**
 * The fields each context adds to `stream.event.context`, LTTng's (`lttng-context-*.c`):
 * `callstack_kernel` is a length and a sequence of return addresses (lttng-context-callstack.c).
 */
export const CONTEXT_FIELDS: Readonly<
  Record<KernelContext, readonly { name: string; fieldClass: FieldClass }[]>
> = Object.freeze({
  pid: [{ name: 'pid', fieldClass: S32 }],
  tid: [{ name: 'tid', fieldClass: S32 }],
  procname: [{ name: 'procname', fieldClass: textArrayClass(16) }],
  prio: [{ name: 'prio', fieldClass: S32 }],
  callstack_kernel: [
    {
      name: '_callstack_kernel_length',
      fieldClass: fixedLengthInteger({ lengthBits: 32, signed: false, alignmentBits: 8 }),
    },
    {
      name: 'callstack_kernel',
      fieldClass: dynamicLengthArray(
        fixedLengthInteger({ lengthBits: 64, signed: false, alignmentBits: 8, preferredDisplayBase: 16 }),
        fieldLocation('event-record-common-context', '_callstack_kernel_length'),
      ),
    },
  ],
});

/** One event record class of the kernel channel. */
export interface KernelEventClass {
  /** Event record class id in the channel (registration order). */
  readonly id: number;
  /** LTTng's record name. */
  readonly name: string;
  readonly fields: readonly { readonly name: string; readonly fieldClass: FieldClass }[];
  /** From ftrace (with its layout) or from the state dump. */
  readonly layout?: EventLayout;
}

/** Where records go. Calls come in time stamp order per CPU. */
export interface KernelTraceSink {
  /** Once, before any record. */
  begin(info: {
    readonly classes: readonly KernelEventClass[];
    readonly contexts: readonly KernelContext[];
    readonly cpuIds: readonly number[];
  }): void;
  /**
   * One record. `tsHigh`/`tsLow`: the trace clock value (ns for `mono`) as two u32 halves.
   * `context` holds the context fields (absent without contexts); objects are reused: copy to keep.
   */
  record(
    cpuId: number,
    classId: number,
    tsHigh: number,
    tsLow: number,
    context: EventValues | undefined,
    payload: EventValues,
  ): void;
  /** `count` records were lost on `cpuId` at this point of its stream. */
  discarded(cpuId: number, count: number): void;
  /** A batch ended: a good time to write out what is buffered. */
  flush(): void;
  /**
   * Optional fast path: a function writing one record of `classId` on `cpuId` straight from the
   * ftrace payload (`bytes`/`view` over the page, payload at `p`, `len` bytes, time stamp in
   * `ts`), with no values object in between. Used for events no filter needs to see decoded and
   * no stack trace must be attached to.
   */
  rawWriter?(cpuId: number, classId: number, layout: EventLayout, littleEndian: boolean): RawRecordWriter;
}

/** See KernelTraceSink.rawWriter. `tasks` answers thread group ids (sched_process_fork). */
export type RawRecordWriter = (
  view: DataView,
  bytes: Uint8Array,
  p: number,
  len: number,
  ts: Uint32Array,
  context: EventValues | undefined,
  tasks: TaskLookup,
) => void;

/** A filter plan per event, from the filter area: pushed down to ftrace, or run in user space. */
export interface KernelFilterPlan {
  /** The ftrace filter text when it means exactly the same for this event, else undefined. */
  ftraceFilter(layout: EventLayout): string | undefined;
  /** A predicate over the decoded LTTng fields and the context (true = record). */
  compile(layout: EventLayout): (payload: EventValues, context: EventValues) => boolean;
}

export interface KernelSessionOptions {
  /** Session name: the instance is `instances/ttng-<name>`. */
  readonly name: string;
  /** Tracepoints: `system:event` or LTTng names, globs allowed. */
  readonly events?: readonly string[];
  /** Syscall names (`openat`), globs, or `all`. */
  readonly syscalls?: readonly string[];
  readonly contexts?: readonly KernelContext[];
  readonly filter?: KernelFilterPlan;
  /** User-space probes (`elf:PATH:SYMBOL`, `sdt:PATH:PROVIDER:NAME`), through uprobe_events. */
  readonly userspaceProbes?: readonly UserspaceProbeSpec[];
  /** Emit LTTng's state dump at start. Default true (needs the `mono` clock). */
  readonly statedump?: boolean;
  readonly instance?: InstanceOptions;
  readonly pollIntervalMs?: number;
  /** tracefs mount point (default: found). */
  readonly tracefsRoot?: string;
}

export interface KernelSessionSummary {
  /** Records written, per LTTng event name. */
  readonly recordsWritten: number;
  readonly byEvent: ReadonlyMap<string, number>;
  /** Records read from the kernel (written, filtered out, or consumed internally). */
  readonly recordsRead: number;
  /** Records the kernel lost, per CPU (exact: kernel stats deltas). */
  readonly discardedByCpu: ReadonlyMap<number, number>;
  readonly discarded: number;
  /** Records dropped by the user-space filter. */
  readonly filteredOut: number;
  readonly statedump?: StatedumpSummary;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Per ftrace id: what to do with a record. */
interface Route {
  readonly layout: EventLayout;
  /** Compiled at the first record of this event (most of `--syscall all` never fires). */
  decoder: ValuesDecoder | undefined;
  values: EventValues | undefined;
  /** Class id in the channel, or -1 for a record read only for the tracker. */
  readonly classId: number;
  readonly tracker: number;
  /**
   * Updates the task tracker from the record's bytes (compiled from the layout for its role), or
   * undefined for records the tracker does not read.
   */
  readonly updateTracker: TrackerUpdate | undefined;
  readonly filter?: (payload: EventValues, context: EventValues) => boolean;
  /** Per CPU: the sink's raw writer, when the record needs no decoding here. */
  readonly raw: (RawRecordWriter | undefined)[] | undefined;
}

/** A record held until the kernel_stack record the stacktrace trigger writes after it. */
interface PendingRecord {
  readonly classId: number;
  readonly tsHigh: number;
  readonly tsLow: number;
  readonly tid: number;
  readonly context: EventValues;
  readonly payload: EventValues;
  stack: (number | bigint)[] | undefined;
}

/** Records a CPU may hold waiting for stacks before the oldest is written without one. */
const MAX_PENDING_STACKS = 64;

const TrackerRole = { None: 0, Switch: 1, NewTask: 2, Rename: 3, Free: 4 } as const;

/** `(tracker, view, bytes, p, len, tid)`: one tracker call with the fields read from the record. */
type TrackerUpdate = (
  tracker: TaskTracker,
  view: DataView,
  bytes: Uint8Array,
  p: number,
  len: number,
  tid: number,
) => void;

/** What each role hands the tracker: a method and its arguments (LTTng field names, or the tid). */
const TRACKER_CALLS: Readonly<Record<number, readonly [string, readonly string[]]>> = Object.freeze({
  [TrackerRole.Switch]: [
    'onSwitch',
    ['prev_tid', 'prev_comm', 'prev_prio', 'next_tid', 'next_comm', 'next_prio'],
  ] as const,
  [TrackerRole.NewTask]: ['onNewTask', ['$tid', 'pid', 'comm', 'Number:clone_flags']] as const,
  [TrackerRole.Rename]: ['onRename', ['pid', 'newcomm']] as const,
  [TrackerRole.Free]: ['onFree', ['tid']] as const,
});

/**
 * Compiles the tracker update of one role from the event's layout: fields read straight from the
 * record (names through the decoder's string cache), no values object.
 */
function compileTrackerUpdate(layout: EventLayout, role: number, littleEndian: boolean): TrackerUpdate {
  const [method, args] = TRACKER_CALLS[role]!;
  const pre: string[] = ['let loc = 0, s = 0, e = 0, n = 0, a = null;'];
  const exprs = args.map((arg) => {
    if (arg === '$tid') return 'tid';
    const asNumber = arg.startsWith('Number:');
    const name = asNumber ? arg.slice(7) : arg;
    const i = layout.fields.findIndex((f) => f.name === name);
    if (i < 0) {
      throw new KernelError(
        KernelErrorCode.Format,
        `${layout.system}:${layout.event} has no field "${name}", which the task tracker reads`,
      );
    }
    const code = fieldReadCode(layout, i, { littleEndian });
    if (code.pre) pre.push(code.pre);
    return asNumber ? `Number(${code.expr})` : code.expr;
  });
  return new Function(
    'H',
    `const { cString, int64Value, rwbsFlags } = H;
return function track_${layout.ftraceId}(tracker, view, bytes, p, len, tid) {
${pre.join('\n')}
tracker.${method}(${exprs.join(', ')});
};`,
  )(DECODER_HELPERS) as TrackerUpdate;
}

/** Events the task tracker reads to keep pid, procname and prio exact. */
const TRACKER_EVENTS: readonly [string, string, number][] = [
  ['sched', 'sched_switch', TrackerRole.Switch],
  ['task', 'task_newtask', TrackerRole.NewTask],
  ['task', 'task_rename', TrackerRole.Rename],
  ['sched', 'sched_process_free', TrackerRole.Free],
];

export class KernelSession implements RecordSink {
  readonly tracefs: Tracefs;
  readonly instance: TracefsInstance;
  readonly classes: readonly KernelEventClass[];
  readonly contexts: readonly KernelContext[];
  readonly tracker: TaskTracker;
  private readonly routes: (Route | undefined)[];
  private readonly statedumpClassIds = new Map<string, number>();
  private readonly withStatedump: boolean;
  /**
   * Records must come in one time order across CPUs: contexts (and filters reading $ctx) use
   * state another CPU's events change. Fork records do not: their task_newtask comes just before,
   * on the same CPU.
   */
  private readonly ordered: boolean;
  /** ftrace id of `ftrace:kernel_stack` when recording callstack_kernel, else -1. */
  private readonly kernelStackId: number;
  /** Per CPU: records waiting for their kernel stack, in arrival order. */
  private readonly pendingByCpu: PendingRecord[][];
  private readonly pollIntervalMs: number;
  private consumer: KernelConsumer | undefined;
  private sink: KernelTraceSink | undefined;
  private readonly contextValues: EventValues;
  /**
   * Per CPU: the context of the thread its last record had, and the tracker version it was
   * computed at. Consecutive records of a CPU mostly come from one thread (a syscall loop): the
   * context is then reused, not looked up again (bench/kernel/record.bench.ts).
   */
  private readonly contextByCpu: EventValues[] = [];
  private readonly contextTid: number[] = [];
  private readonly contextVersion: number[] = [];
  /** The stream the state dump goes to (the first CPU's). */
  private readonly dumpCpu: number;
  private readonly hasContext: boolean;
  private started = false;
  private stopped = false;
  private recordsWritten = 0;
  private filteredOut = 0;
  private readonly writtenByClass: number[];
  private statedumpSummary: StatedumpSummary | undefined;
  /** State dump records waiting for CPU 0's stream to reach their time stamp. */
  private pendingDump: { tsHigh: number; tsLow: number; classId: number; values: EventValues }[] = [];

  private constructor(
    tracefs: Tracefs,
    instance: TracefsInstance,
    classes: KernelEventClass[],
    routes: (Route | undefined)[],
    o: KernelSessionOptions,
    statedumpIds: Map<string, number>,
    kernelStackId: number,
  ) {
    this.tracefs = tracefs;
    this.instance = instance;
    this.classes = Object.freeze(classes);
    this.routes = routes;
    this.contexts = Object.freeze([...(o.contexts ?? [])]);
    this.tracker = new TaskTracker();
    this.withStatedump = o.statedump ?? true;
    this.ordered =
      this.contexts.some((c) => c !== 'tid' && c !== 'callstack_kernel') ||
      routes.some((r) => r !== undefined && r.filter !== undefined);
    this.kernelStackId = o.contexts?.includes('callstack_kernel') ? kernelStackId : -1;
    this.pendingByCpu = instance.cpuIds.map(() => []);
    this.pollIntervalMs = o.pollIntervalMs ?? 100;
    this.statedumpClassIds = statedumpIds;
    this.writtenByClass = classes.map(() => 0);
    const ctx: EventValues = {};
    for (const c of this.contexts) ctx[c] = c === 'procname' ? '' : c === 'callstack_kernel' ? [] : 0;
    this.contextValues = ctx;
    this.dumpCpu = instance.cpuIds[0] ?? 0;
    this.fillContext = this.compileFillContext();
    this.hasContext = this.contexts.length > 0;
  }

  /**
   * Resolves the events, creates and sets up the instance (tracing off). Throws one clear error
   * for: no tracefs, not root, an unknown event, a refused filter. Nothing is left behind.
   */
  static create(o: KernelSessionOptions): KernelSession {
    const tracefs = Tracefs.open(o.tracefsRoot);
    const catalog = new EventCatalog(tracefs);
    const wanted: KernelEventRef[] = [];
    const seen = new Set<string>();
    const add = (r: KernelEventRef) => {
      const k = `${r.system}:${r.event}`;
      if (!seen.has(k)) {
        seen.add(k);
        wanted.push(r);
      }
    };
    for (const p of o.events ?? []) for (const r of catalog.tracepoints(p)) add(r);
    for (const s of catalog.syscalls(o.syscalls ?? [])) {
      add(s.entry);
      add(s.exit);
    }
    // Probe locations are resolved now (ELF files read): a bad one fails before anything is set up.
    const resolvedProbes = resolveUserspaceProbes(o.userspaceProbes ?? []);
    if (wanted.length === 0 && resolvedProbes.length === 0 && o.statedump === false) {
      throw new KernelError(KernelErrorCode.Usage, 'no kernel event to record: name tracepoints or syscalls');
    }
    const clock = o.instance?.clock ?? 'mono';
    const withStatedump = o.statedump ?? true;
    if (withStatedump && clock !== 'mono') {
      throw new KernelError(
        KernelErrorCode.Usage,
        `the state dump is stamped with CLOCK_MONOTONIC: it needs trace clock "mono", not "${clock}"`,
      );
    }
    const contexts = o.contexts ?? [];
    for (const c of contexts) {
      if (!KERNEL_CONTEXTS.includes(c)) {
        throw new KernelError(
          KernelErrorCode.Usage,
          `unknown kernel context "${c}" (known: ${KERNEL_CONTEXTS.join(', ')})`,
        );
      }
    }
    const layouts = wanted.map((r) => buildEventLayout(catalog.format(r)));
    // Filters first: one that runs in user space may read $ctx, which needs the task tracker.
    const pushedFilters = new Map<EventLayout, string>();
    const userFilters = new Map<EventLayout, (payload: EventValues, context: EventValues) => boolean>();
    if (o.filter) {
      for (const layout of layouts) {
        const pushed = o.filter.ftraceFilter(layout);
        if (pushed !== undefined) pushedFilters.set(layout, pushed);
        else userFilters.set(layout, o.filter.compile(layout));
      }
    }
    const needsTracker =
      contexts.some((c) => c !== 'tid' && c !== 'callstack_kernel') ||
      layouts.some((l) => l.needsTracker) ||
      userFilters.size > 0;
    // callstack_kernel: the `stacktrace` trigger writes a kernel_stack record after each event.
    const callstack = contexts.includes('callstack_kernel');
    // ftrace's own events are not in available_events: read the format directly.
    let kernelStackId = -1;
    if (callstack) {
      try {
        kernelStackId = catalog.format({ system: 'ftrace', event: 'kernel_stack' }).id;
      } catch (e) {
        throw new KernelError(
          KernelErrorCode.Unsupported,
          'this kernel has no ftrace:kernel_stack event: callstack_kernel is not available',
          { cause: e },
        );
      }
    }
    // Classes: the state dump's first (LTTng enables them with the session), then the user's.
    const classes: KernelEventClass[] = [];
    const statedumpIds = new Map<string, number>();
    if (withStatedump) {
      for (const c of STATEDUMP_EVENT_CLASSES) {
        statedumpIds.set(c.name, classes.length);
        classes.push(Object.freeze({ id: classes.length, name: c.name, fields: c.fields }));
      }
    }
    // Indexed by ftrace id (u16): dense, so the per-record lookup stays a fast element load.
    const routes: (Route | undefined)[] = new Array<Route | undefined>(65536).fill(undefined);
    const makeRoute = (
      layout: EventLayout,
      classId: number,
      tracker: number,
      filter?: Route['filter'],
    ): Route => ({
      layout,
      decoder: undefined,
      values: undefined,
      classId,
      tracker,
      updateTracker:
        tracker === TrackerRole.None ? undefined : compileTrackerUpdate(layout, tracker, LITTLE_ENDIAN),
      ...(filter ? { filter } : {}),
      // Records waiting for their stack are copied and queued: never the raw path then.
      raw: classId >= 0 && !filter && !callstack ? [] : undefined,
    });
    for (const layout of layouts) {
      const id = classes.length;
      classes.push(Object.freeze({ id, name: layout.lttngName, fields: layout.fields, layout }));
      const role =
        TRACKER_EVENTS.find(([s, e]) => s === layout.system && e === layout.event)?.[2] ?? TrackerRole.None;
      routes[layout.ftraceId] = makeRoute(
        layout,
        id,
        needsTracker ? role : TrackerRole.None,
        userFilters.get(layout),
      );
    }
    const internal: EventLayout[] = [];
    if (needsTracker) {
      for (const [system, event, role] of TRACKER_EVENTS) {
        const ref = catalog.find(system, event);
        if (!ref) continue;
        const layout = buildEventLayout(catalog.format(ref));
        if (routes[layout.ftraceId]) continue;
        routes[layout.ftraceId] = makeRoute(layout, -1, role);
        internal.push(layout);
      }
    }

    const instance = TracefsInstance.create(tracefs, o.name, { ...o.instance, clock });
    let uprobes: DefinedUprobe[] = [];
    try {
      parseHeaderEvent(instance.read('events/header_event'));
      if (resolvedProbes.length > 0) {
        // Definitions are global: in the session's own group, after stale groups are removed.
        const group = uprobeGroupOf(instance.name);
        sweepStaleUprobes(tracefs, group);
        uprobes = defineUprobes(tracefs, group, resolvedProbes);
        const byName = new Map<string, number>();
        for (const u of uprobes) {
          const format = catalog.format({ system: u.system, event: u.event });
          const generic = buildEventLayout(format);
          // LTTng's uprobe records carry no payload; ttng keeps the SDT arguments (not the probe ip).
          const layout: EventLayout = Object.freeze({
            ...generic,
            lttngName: u.recordName,
            fields: generic.fields.filter((f) => f.name !== '__probe_ip'),
          });
          // All sites of one SDT probe are one record class.
          let id = byName.get(u.recordName);
          if (id === undefined) {
            id = classes.length;
            byName.set(u.recordName, id);
            classes.push(Object.freeze({ id, name: u.recordName, fields: layout.fields, layout }));
          }
          routes[layout.ftraceId] = makeRoute(layout, id, TrackerRole.None);
          instance.enableEvent(u.system, u.event);
        }
      }
      for (const [layout, f] of pushedFilters) instance.setFilter(layout.system, layout.event, f);
      // A whole system (`--syscall all`, `sched:*`) is enabled with one write, not hundreds.
      const all = [...layouts, ...internal];
      const perSystem = new Map<string, number>();
      for (const l of all) perSystem.set(l.system, (perSystem.get(l.system) ?? 0) + 1);
      const inKernel = new Map<string, number>();
      for (const e of catalog.events) inKernel.set(e.system, (inKernel.get(e.system) ?? 0) + 1);
      const whole = new Set([...perSystem].filter(([sys, n]) => n === inKernel.get(sys)).map(([sys]) => sys));
      for (const system of whole) instance.enableSystem(system);
      for (const l of all) if (!whole.has(l.system)) instance.enableEvent(l.system, l.event);
      if (callstack) {
        for (const l of layouts) {
          try {
            instance.addTrigger(l.system, l.event, 'stacktrace');
          } catch (e) {
            throw new KernelError(
              KernelErrorCode.Unsupported,
              `this kernel refuses the stacktrace trigger on ${l.system}:${l.event}, which callstack_kernel needs`,
              { cause: e },
            );
          }
        }
      }
      const session = new KernelSession(tracefs, instance, classes, routes, o, statedumpIds, kernelStackId);
      session.uprobes = uprobes;
      return session;
    } catch (e) {
      instance.remove();
      removeUprobes(tracefs, uprobes);
      throw e;
    }
  }

  /** Opens the pipes, starts tracing, emits the state dump and starts polling. */
  start(sink: KernelTraceSink): void {
    if (this.started) throw new KernelError(KernelErrorCode.Usage, 'the session is already started');
    this.started = true;
    this.sink = sink;
    const headerPage = parseHeaderPage(this.instance.read('events/header_page'));
    const consumer = new KernelConsumer(
      this.instance,
      // The session is the consumer's sink itself: one call per record, not two.
      this,
      // One timeline across CPUs only when contexts or filters read state other CPUs change.
      {
        littleEndian: LITTLE_ENDIAN,
        headerPage,
        pollIntervalMs: this.pollIntervalMs,
        ordered: this.ordered,
      },
    );
    this.consumer = consumer;
    sink.begin({ classes: this.classes, contexts: this.contexts, cpuIds: this.instance.cpuIds });
    consumer.open();
    this.instance.setTracingOn(true);
    if (this.withStatedump) this.emitStatedump();
    consumer.startTimer();
  }

  /** Re-emits the state dump now (LTTng's `regenerate statedump`). */
  emitStatedump(): StatedumpSummary {
    const tracker = this.tracker;
    const summary = dumpState((name, values) => {
      const classId = this.statedumpClassIds.get(name);
      if (classId === undefined) return;
      const ts = process.hrtime.bigint();
      this.pendingDump.push({ tsHigh: Number(ts >> 32n), tsLow: Number(ts & 0xffffffffn), classId, values });
    });
    for (const [tid, t] of summary.tasks) tracker.seed(tid, t.pid, t.name, t.prio);
    this.statedumpSummary = summary;
    return summary;
  }

  /** Writes the state dump records stamped at or before (hi, lo) into CPU 0's stream. */
  private flushDump(tsHigh: number, tsLow: number, all: boolean): void {
    const q = this.pendingDump;
    let i = 0;
    const sink = this.sink!;
    const cpu0 = this.dumpCpu;
    while (i < q.length) {
      const r = q[i]!;
      if (!all && (r.tsHigh > tsHigh || (r.tsHigh === tsHigh && r.tsLow > tsLow))) break;
      sink.record(
        cpu0,
        r.classId,
        r.tsHigh,
        r.tsLow,
        this.hasContext ? this.dumpContext() : undefined,
        r.values,
      );
      this.writtenByClass[r.classId]!++;
      this.recordsWritten++;
      i++;
    }
    if (i > 0) this.pendingDump = q.slice(i);
  }

  /** The context of state dump records: the dumping process itself, as LTTng's session daemon. */
  private dumpContext(): EventValues {
    const c = this.contextValues;
    const pid = process.pid;
    if ('pid' in c) c.pid = pid;
    if ('tid' in c) c.tid = pid;
    if ('procname' in c) c.procname = this.tracker.commOf(pid);
    if ('prio' in c) c.prio = this.tracker.prioOf(pid);
    return c;
  }

  /** @internal RecordSink: the consumer's records, in order. */
  onDiscarded(cpuId: number, count: number): void {
    this.sink!.discarded(cpuId, count);
  }

  /** @internal RecordSink: end of a batch. */
  onBatchEnd(): void {
    this.sink!.flush();
  }

  /** @internal RecordSink: one record (see RecordSink.onRecord). */
  onRecord(
    cpuId: number,
    eventId: number,
    page: Uint8Array,
    view: DataView,
    p: number,
    len: number,
    ts: Uint32Array,
  ): void {
    const route = this.routes[eventId];
    if (route === undefined) {
      if (eventId === this.kernelStackId) this.onStack(cpuId, view, p, len);
      return;
    }
    // The per-record path stays small (it is compiled with its callers inlined): the rare cases
    // are methods of their own.
    const classId = route.classId;
    if (classId >= 0) {
      if (this.pendingDump.length > 0 && cpuId === this.dumpCpu) this.flushDump(ts[0]!, ts[1]!, false);
      const ctx = this.hasContext ? this.contextOf(view.getInt32(p + 4, LITTLE_ENDIAN), cpuId) : undefined;
      const raw = route.raw === undefined ? undefined : (route.raw[cpuId] ?? this.rawOf(route, cpuId));
      if (raw !== undefined) {
        raw(view, page, p, len, ts, ctx, this.tracker);
        this.writtenByClass[classId]!++;
        this.recordsWritten++;
      } else {
        this.decodedRecord(route, cpuId, page, view, p, len, ts[0]!, ts[1]!, ctx);
      }
    }
    // Tracker updates come after the record: its context is the state before its own effect.
    const update = route.updateTracker;
    if (update !== undefined) update(this.tracker, view, page, p, len, view.getInt32(p + 4, LITTLE_ENDIAN));
  }

  /** The sink's raw writer of a route on a CPU, made at its first record (undefined: none). */
  private rawOf(route: Route, cpuId: number): RawRecordWriter | undefined {
    const sink = this.sink!;
    if (!sink.rawWriter) return undefined;
    const raw = sink.rawWriter(cpuId, route.classId, route.layout, LITTLE_ENDIAN);
    route.raw![cpuId] = raw;
    return raw;
  }

  /** The context of a record of thread `tid` on `cpuId`: that CPU's, refilled when it changed. */
  private contextOf(tid: number, cpuId: number): EventValues {
    let ctx = this.contextByCpu[cpuId];
    if (ctx === undefined) {
      ctx = { ...this.contextValues };
      this.contextByCpu[cpuId] = ctx;
      this.contextTid[cpuId] = -1;
    }
    const version = this.tracker.version;
    if (tid !== this.contextTid[cpuId] || version !== this.contextVersion[cpuId]) {
      this.fillContext(ctx, tid, cpuId);
      this.contextTid[cpuId] = tid;
      this.contextVersion[cpuId] = version;
    }
    return ctx;
  }

  /** The slow path: decoded values, for filters, held records (stacks) and generic sinks. */
  private decodedRecord(
    route: Route,
    cpuId: number,
    page: Uint8Array,
    view: DataView,
    p: number,
    len: number,
    tsHigh: number,
    tsLow: number,
    ctx: EventValues | undefined,
  ): void {
    const tid = view.getInt32(p + 4, LITTLE_ENDIAN);
    let decoder = route.decoder;
    if (decoder === undefined) {
      decoder = compileValuesDecoder(route.layout, { littleEndian: LITTLE_ENDIAN });
      route.decoder = decoder;
      route.values = decoder.newValues();
    }
    const values = route.values!;
    decoder.decode(page, view, p, len, values, this.tracker);
    if (route.filter && !route.filter(values, this.filterContextOf(tid, cpuId))) {
      this.filteredOut++;
    } else if (this.kernelStackId >= 0) {
      this.holdForStack(cpuId, route.classId, tsHigh, tsLow, tid, ctx!, values);
    } else {
      this.sink!.record(cpuId, route.classId, tsHigh, tsLow, ctx, values);
      this.writtenByClass[route.classId]!++;
      this.recordsWritten++;
    }
  }

  /**
   * Fills the context object for a record of thread `tid` on `cpuId`. Compiled once per session
   * from the context list (one assignment per context, no loop, no switch per record).
   */
  private readonly fillContext: (ctx: EventValues, tid: number, cpuId: number) => void;

  private compileFillContext(): (ctx: EventValues, tid: number, cpuId: number) => void {
    const set: Record<KernelContext, [string, string]> = {
      // [value for the idle task (tid 0, one per CPU, not in /proc), value otherwise]
      pid: ['0', 'tracker.tgidOf(tid)'],
      tid: ['0', 'tid'],
      procname: ['swapper(cpuId)', 'tracker.commOf(tid)'],
      prio: ['20', 'tracker.prioOf(tid)'],
      // Attached later, from the kernel_stack record that follows the event (onStack).
      callstack_kernel: ['ctx.callstack_kernel', 'ctx.callstack_kernel'],
    };
    const idle = this.contexts.map((c) => `ctx.${c} = ${set[c][0]};`).join(' ');
    const busy = this.contexts.map((c) => `ctx.${c} = ${set[c][1]};`).join(' ');
    return new Function(
      'tracker',
      'swapper',
      `return function fillContext(ctx, tid, cpuId) { if (tid === 0) { ${idle} } else { ${busy} } };`,
    )(this.tracker, (cpuId: number) => this.swapperName(cpuId));
  }

  /** Every context a filter may read (`$ctx.NAME`), filled only when a filter runs. */
  private readonly filterContext: EventValues = { pid: 0, tid: 0, procname: '', prio: 0, cpu_id: 0 };
  private filterContextOf(tid: number, cpuId: number): EventValues {
    const c = this.filterContext;
    c.tid = tid;
    c.cpu_id = cpuId;
    if (tid === 0) {
      c.pid = 0;
      c.procname = this.swapperName(cpuId);
      c.prio = 20;
    } else {
      c.pid = this.tracker.tgidOf(tid);
      c.procname = this.tracker.commOf(tid);
      c.prio = this.tracker.prioOf(tid);
    }
    return c;
  }

  /** Queues a copy of a record until its kernel stack arrives (or the queue is too long). */
  private holdForStack(
    cpuId: number,
    classId: number,
    tsHigh: number,
    tsLow: number,
    tid: number,
    ctx: EventValues,
    payload: EventValues,
  ): void {
    const q = this.pendingByCpu[this.instance.cpuIds.indexOf(cpuId)]!;
    q.push({ classId, tsHigh, tsLow, tid, context: { ...ctx }, payload: { ...payload }, stack: undefined });
    if (q.length > MAX_PENDING_STACKS) {
      // Its stack was lost (or never taken): write it with an empty one rather than hold forever.
      q[0]!.stack ??= [];
      this.writeReady(cpuId, q);
    }
  }

  /**
   * `ftrace:kernel_stack`: the stack of the most recent record of this CPU still without one
   * and of the same thread (an interrupt's event and stack can come between an event and its
   * stack: they nest), then writes every record at the head of the queue that has its stack.
   */
  private onStack(cpuId: number, view: DataView, p: number, len: number): void {
    const q = this.pendingByCpu[this.instance.cpuIds.indexOf(cpuId)]!;
    const tid = view.getInt32(p + 4, LITTLE_ENDIAN);
    const n = Math.max(0, Math.min(view.getInt32(p + 8, LITTLE_ENDIAN), Math.floor((len - 16) / 8)));
    const stack = new Array<number | bigint>(n);
    for (let i = 0; i < n; i++) {
      const lo = view.getUint32(p + 16 + 8 * i, LITTLE_ENDIAN);
      const hi = view.getUint32(p + 20 + 8 * i, LITTLE_ENDIAN);
      stack[i] = hi < 0x200000 ? hi * 4294967296 + lo : (BigInt(hi) << 32n) | BigInt(lo);
    }
    for (let i = q.length - 1; i >= 0; i--) {
      const r = q[i]!;
      if (r.stack === undefined && r.tid === tid) {
        r.stack = stack;
        break;
      }
    }
    this.writeReady(cpuId, q);
  }

  private writeReady(cpuId: number, q: PendingRecord[]): void {
    let i = 0;
    while (i < q.length && q[i]!.stack !== undefined) {
      const r = q[i]!;
      r.context.callstack_kernel = r.stack!;
      this.sink!.record(cpuId, r.classId, r.tsHigh, r.tsLow, r.context, r.payload);
      this.writtenByClass[r.classId]!++;
      this.recordsWritten++;
      i++;
    }
    if (i > 0) q.splice(0, i);
  }

  /** At stop: records whose stack never came are written with an empty one. */
  private flushStacks(): void {
    this.instance.cpuIds.forEach((cpuId, k) => {
      const q = this.pendingByCpu[k]!;
      for (const r of q) r.stack ??= [];
      this.writeReady(cpuId, q);
    });
  }

  private readonly swapperNames: string[] = [];
  private swapperName(cpuId: number): string {
    let n = this.swapperNames[cpuId];
    if (n === undefined) this.swapperNames[cpuId] = n = `swapper/${cpuId}`;
    return n;
  }

  /** Polls once now (tests drive the consumer without the timer this way). */
  pollNow(): void {
    this.consumer?.poll();
  }

  /**
   * Stops tracing, reads everything left, takes the exact loss counts and removes the instance.
   */
  stop(): KernelSessionSummary {
    if (!this.started || this.stopped)
      throw new KernelError(KernelErrorCode.Usage, 'the session is not running');
    this.stopped = true;
    const consumer = this.consumer!;
    try {
      this.instance.setTracingOn(false);
      consumer.drainAndClose();
      this.flushStacks();
      this.flushDump(0, 0, true);
      this.sink!.flush();
    } finally {
      consumer.close();
      this.destroy();
    }
    const byEvent = new Map<string, number>();
    this.classes.forEach((c, i) => {
      const n = this.writtenByClass[i]!;
      if (n > 0) byEvent.set(c.name, (byEvent.get(c.name) ?? 0) + n);
    });
    const discardedByCpu = new Map<number, number>();
    let discarded = 0;
    let recordsRead = 0;
    for (const s of consumer.cpuStats) {
      discardedByCpu.set(s.cpuId, s.discarded);
      discarded += s.discarded;
      recordsRead += s.recordsRead;
    }
    return {
      recordsWritten: this.recordsWritten,
      byEvent,
      recordsRead,
      discardedByCpu,
      discarded,
      filteredOut: this.filteredOut,
      ...(this.statedumpSummary ? { statedump: this.statedumpSummary } : {}),
    };
  }

  /** Probe definitions this session added to uprobe_events (removed by `destroy`). */
  private uprobes: DefinedUprobe[] = [];

  /** Removes the instance (tracing off, events disabled) and the session's probes. Idempotent; safe in `finally`. */
  destroy(): void {
    this.consumer?.close();
    this.instance.remove();
    removeUprobes(this.tracefs, this.uprobes);
    this.uprobes = [];
  }
}
