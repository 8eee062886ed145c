/**
 * The tracer of one thread (the main thread or a worker): its tracepoints, its view of the active
 * session, and its ring buffers, one per channel, created when the thread first records into the
 * channel and handed to the consumer thread over the process's BroadcastChannel.
 *
 * How a thread learns about sessions: at start it reads the process-wide control buffer (so a
 * worker started while a session is active records from its first event); afterwards a
 * `session` message makes it read the control buffer again. A thread that never returns to its
 * event loop does not see a session started after it began its loop (as a process that does not
 * serve lttng-ust's listener thread); see docs/node-tracing.md.
 *
 * Enabling a tracepoint sets its switch and installs a trampoline: the first call compiles the
 * real implementation (serializer from the CTF writer, filters from the filter area, generated
 * record code), creates the ring buffer if needed, swaps itself out and records.
 */
import { executionAsyncId, triggerAsyncId } from 'node:async_hooks';
import { BroadcastChannel } from 'node:worker_threads';
import type { DataStreamClass } from '../ctf/model/index.js';
import { uuidFromString } from '../ctf/model/index.js';
import { CTF_PACKET_MAGIC } from '../ctf/model/lttng-layout.js';
import {
  compileEventRecordSerializer,
  type PositionalWriteFunction,
} from '../ctf/writer/serializer-compiler.js';
import { type MonotonicClock, RingBuffer, type RingBufferMode } from '../ringbuffer/index.js';
import {
  type ChannelTarget,
  type ContextReaders,
  generateTracepointFunction,
  generateTracepointImpl,
  noop,
  type TracepointSwitch,
} from './codegen.js';
import { fixedTextBytes } from './contexts.js';
import { type EventClassDef, eventClassKey, eventClassToJson } from './event-class-def.js';
import { type ChannelSelection, selectChannels } from './event-rule.js';
import { compileTracepointFilter, type FilterContextValues } from './filters.js';
import { hostName, type ThreadIdentity, threadIdentity } from './process-info.js';
import type { ChannelConfig, SessionConfig } from './session-config.js';
import { threadMonotonicClock } from './trace-clock.js';
import { channelStreamClassOf, clockClassOf, eventRecordClassOf, PacketOffsets } from './trace-model.js';
import { ControlWord, TracerControl } from './tracer-control.js';

/** Messages on the process's tracer BroadcastChannel. */
export type TracerMessage =
  | { readonly t: 'session'; readonly gen: number }
  | {
      readonly t: 'stream';
      readonly gen: number;
      readonly channel: string;
      readonly streamIndex: number;
      readonly sab: SharedArrayBuffer;
      readonly vtid: number;
      readonly threadId: number;
    }
  | { readonly t: 'flush'; readonly req: number }
  | { readonly t: 'flushed'; readonly req: number; readonly threadId: number }
  | { readonly t: 'thread-exit'; readonly threadId: number };

export interface TracepointRecord {
  readonly def: EventClassDef;
  /** Process-wide event class id. */
  readonly id: number;
  readonly st: TracepointSwitch;
  readonly fn: (...args: unknown[]) => void;
  readonly listeners: Set<(enabled: boolean) => void>;
}

class ThreadChannel {
  rb: RingBuffer | null = null;
  streamIndex = -1;
  readonly dsc: DataStreamClass;
  readonly serializers = new Map<number, PositionalWriteFunction>();
  readonly contextArgs: string[];
  timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    readonly config: ChannelConfig,
    session: SessionConfig,
    identity: ThreadIdentity,
  ) {
    this.dsc = channelStreamClassOf({
      id: config.id,
      name: config.name,
      clockClass: clockClassOf(BigInt(session.trace.clockOffsetNs), session.trace.bootId),
      contexts: config.contexts,
    });
    const text = (s: string, n: number) =>
      JSON.stringify(new TextDecoder().decode(fixedTextBytes(s, n)).replace(/\0+$/, ''));
    this.contextArgs = config.contexts.map((c) => {
      switch (c) {
        case 'vpid':
          return String(identity.pid);
        case 'vtid':
          return String(identity.vtid);
        case 'procname':
          return text(identity.procname, 17);
        case 'hostname':
          return text(session.trace.hostname, 65);
        case 'async_id':
          return 'X.executionAsyncId()';
        default:
          return 'X.triggerAsyncId()';
      }
    });
  }
}

class ThreadSession {
  readonly channels = new Map<string, ThreadChannel>();
  constructor(
    readonly gen: number,
    readonly config: SessionConfig,
    identity: ThreadIdentity,
  ) {
    for (const c of config.channels) this.channels.set(c.name, new ThreadChannel(c, config, identity));
  }
}

const READERS: ContextReaders = Object.freeze({
  executionAsyncId,
  triggerAsyncId,
  utf8Length: (s: unknown) => (typeof s === 'string' ? Buffer.byteLength(s, 'utf8') : 0),
});

let instance: ThreadTracer | undefined;

export class ThreadTracer {
  readonly control: TracerControl;
  readonly identity: ThreadIdentity;
  private readonly records: TracepointRecord[] = [];
  private readonly seen = new Map<string, { key: string; id: number }>();
  private readonly cursor = { count: 0, bytes: 0 };
  private readonly bc: BroadcastChannel;
  private session: ThreadSession | null = null;
  private clock: MonotonicClock | null = null;
  private readonly filterContext: FilterContextValues;
  /** Called after this thread applied a session change (the node source subscribes here). */
  readonly sessionListeners = new Set<(active: boolean) => void>();

  private constructor() {
    this.control = TracerControl.forThisThread();
    this.identity = threadIdentity();
    this.filterContext = {
      vpid: this.identity.pid,
      vtid: this.identity.vtid,
      procname: this.identity.procname,
      hostname: hostName(),
    };
    this.bc = new BroadcastChannel(this.control.channelName);
    this.bc.onmessage = (e: unknown) => this.onMessage((e as { data: TracerMessage }).data);
    // The channel must not keep a thread alive: tracing never changes when a program ends.
    (this.bc as unknown as { unref?: () => void }).unref?.();
    process.on('exit', () => this.closeStreams());
    process.on('worker', (w) => {
      const id = w.threadId;
      w.once('exit', () => this.post({ t: 'thread-exit', threadId: id }));
    });
  }

  /** This thread's tracer (created at the first call). */
  static get(): ThreadTracer {
    if (instance === undefined) {
      instance = new ThreadTracer();
      instance.sync();
    }
    return instance;
  }

  /** The tracer if it exists already (exit paths must not create one). */
  static peek(): ThreadTracer | undefined {
    return instance;
  }

  post(m: TracerMessage): void {
    this.bc.postMessage(m);
  }

  private onMessage(m: TracerMessage): void {
    if (m.t === 'session') this.sync();
    else if (m.t === 'flush') {
      this.flushStreams();
      this.post({ t: 'flushed', req: m.req, threadId: this.identity.threadId });
    }
  }

  get activeSession(): SessionConfig | null {
    return this.session?.config ?? null;
  }

  get tracepoints(): readonly TracepointRecord[] {
    return this.records;
  }

  // -------------------------------------------------------------------------------------------
  // Definitions.

  /** Registers an event class (process-wide id) and returns its tracepoint. */
  define(def: EventClassDef): TracepointRecord {
    const id = this.control.registerEventClass(
      def.name,
      eventClassKey(def),
      eventClassToJson(def),
      this.seen,
      this.cursor,
    );
    // Wakes the consumer so the metadata gets the new class before records of it are read.
    this.control.ringDoorbell();
    const st: TracepointSwitch = { on: 0, impl: noop };
    const rec: TracepointRecord = {
      def,
      id,
      st,
      fn: generateTracepointFunction(def.name, def.fields.length, st),
      listeners: new Set(),
    };
    this.records.push(rec);
    if (this.session) this.activateTracepoint(rec, this.session);
    return rec;
  }

  // -------------------------------------------------------------------------------------------
  // Sessions.

  /** Applies the control buffer's session (call after a `session` message, or to be sure). */
  sync(): void {
    const s = this.control.readSession();
    const gen = s?.gen ?? -1;
    if (this.session && this.session.gen === gen) return;
    if (this.session) this.deactivate();
    if (s) {
      this.session = new ThreadSession(s.gen, s.config as SessionConfig, this.identity);
      for (const rec of this.records) this.activateTracepoint(rec, this.session);
    }
    for (const l of this.sessionListeners) l(this.session !== null);
  }

  private setEnabled(rec: TracepointRecord, on: boolean, impl: (...args: unknown[]) => void): void {
    const was = rec.st.on === 1;
    // Store only what changes: V8 treats a field never written since its creation as a constant,
    // so a tracepoint that was never enabled costs no load at all (bench/node/tracepoint.bench.ts,
    // "disabled (session, event not enabled)").
    if (rec.st.impl !== impl) rec.st.impl = impl;
    if (was !== on) {
      rec.st.on = on ? 1 : 0;
      for (const l of rec.listeners) l(on);
    }
  }

  private activateTracepoint(rec: TracepointRecord, session: ThreadSession): void {
    const selections = selectChannels(session.config.rules, rec.def.name, rec.def.logLevel);
    if (selections.length === 0) {
      this.setEnabled(rec, false, noop);
      return;
    }
    const trampoline = (...args: unknown[]): void => {
      if (this.session !== session) return;
      const impl = this.buildImpl(rec, session, selections);
      rec.st.impl = impl;
      impl(...args);
    };
    this.setEnabled(rec, true, trampoline);
  }

  private buildImpl(
    rec: TracepointRecord,
    session: ThreadSession,
    selections: readonly ChannelSelection[],
  ): (...args: unknown[]) => void {
    const clock = this.threadClock();
    const targets: ChannelTarget[] = selections.map((sel) => {
      const ch = session.channels.get(sel.channel)!;
      const rb = this.ringBufferOf(ch, session);
      let write = ch.serializers.get(rec.id);
      if (!write) {
        write = compileEventRecordSerializer({
          dataStreamClass: ch.dsc,
          eventRecordClass: eventRecordClassOf(rec.def, rec.id),
        }).write;
        ch.serializers.set(rec.id, write);
      }
      return {
        rb,
        write,
        contextArgs: ch.contextArgs,
        filters: sel.filters.map((f) => compileTracepointFilter(f, rec.def, this.filterContext)),
      };
    });
    return generateTracepointImpl(rec.def.name, rec.def.fields.length, clock, targets, READERS).impl;
  }

  private threadClock(): MonotonicClock {
    if (this.clock === null) this.clock = threadMonotonicClock();
    return this.clock;
  }

  private ringBufferOf(ch: ThreadChannel, session: ThreadSession): RingBuffer {
    if (ch.rb) return ch.rb;
    const streamIndex = Atomics.add(this.control.words, ControlWord.StreamCount, 1);
    const template = new Uint8Array(PacketOffsets.size);
    const dv = new DataView(template.buffer);
    dv.setUint32(PacketOffsets.magic, CTF_PACKET_MAGIC, true);
    template.set(uuidFromString(session.config.trace.uuid), PacketOffsets.uuid);
    dv.setUint32(PacketOffsets.streamId, ch.config.id, true);
    dv.setBigUint64(PacketOffsets.streamInstanceId, BigInt(streamIndex), true);
    const rb = RingBuffer.create(
      {
        subbufSizeBytes: ch.config.subbufSizeBytes,
        numSubbuf: ch.config.numSubbuf,
        mode: ch.config.mode as RingBufferMode,
        packetLayout: {
          template,
          tsBeginOffsetBytes: PacketOffsets.tsBegin,
          tsEndOffsetBytes: PacketOffsets.tsEnd,
          contentSizeOffsetBytes: PacketOffsets.contentSize,
          packetSizeOffsetBytes: PacketOffsets.packetSize,
          seqNumOffsetBytes: PacketOffsets.seqNum,
          discardedOffsetBytes: PacketOffsets.discarded,
        },
      },
      this.threadClock(),
      { words: this.control.words, index: ControlWord.Doorbell },
    );
    ch.rb = rb;
    ch.streamIndex = streamIndex;
    this.post({
      t: 'stream',
      gen: session.gen,
      channel: ch.config.name,
      streamIndex,
      sab: rb.sab,
      vtid: this.identity.vtid,
      threadId: this.identity.threadId,
    });
    if (ch.config.switchTimerUs > 0) {
      ch.timer = setInterval(() => rb.flush(), Math.max(1, Math.round(ch.config.switchTimerUs / 1000)));
      ch.timer.unref();
    }
    return rb;
  }

  /** Disables every tracepoint and closes this thread's ring buffers (session stop). */
  private deactivate(): void {
    const s = this.session;
    this.session = null;
    for (const rec of this.records) this.setEnabled(rec, false, noop);
    if (s) this.closeSessionStreams(s);
  }

  private closeSessionStreams(s: ThreadSession): void {
    for (const ch of s.channels.values()) {
      if (ch.timer) clearInterval(ch.timer);
      ch.timer = null;
      ch.rb?.close();
    }
  }

  /** Hands every partial packet of this thread to the consumer (rotation, snapshot, stop). */
  flushStreams(): void {
    if (!this.session) return;
    for (const ch of this.session.channels.values()) ch.rb?.flush();
  }

  /**
   * Final flush at thread or process exit: tracepoints off, packets complete, ring buffers marked
   * closed. The session stays known (gen) so nothing reopens it in this thread.
   */
  closeStreams(): void {
    const s = this.session;
    if (!s) return;
    for (const rec of this.records) this.setEnabled(rec, false, noop);
    this.closeSessionStreams(s);
  }
}

// The process-wide control buffer must exist before this thread starts any worker (workers
// inherit it when they are created): create this thread's tracer as soon as the tracer is loaded.
ThreadTracer.get();
