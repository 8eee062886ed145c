/**
 * Recording sessions of a Node process (LTTng's `create` + `enable-channel` + `enable-event` +
 * `add-context` + `start`, then `stop` + `destroy`), one at a time per process. The thread that
 * starts a session owns its consumer thread and its exit handling:
 *
 * - `stop()` turns every tracepoint off in every thread, waits for the threads to close their
 *   ring buffers (busy threads: up to `timeoutMs`, then their last packet is copied), and resolves
 *   once the consumer wrote everything and closed the files: the trace is complete.
 * - At process exit (end of the event loop, `process.exit()`, an uncaught exception) the owner's
 *   'exit' handler closes its buffers and blocks (Atomics.wait) while the consumer drains
 *   everything, so the trace is complete then too. SIGINT and SIGTERM do the same when the program
 *   has no handler of its own, then re-raise the signal so the default behaviour (termination by
 *   that signal) is kept.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { waitAsync } from '../ringbuffer/index.js';
import type { ConsumerCommand, ConsumerReply, StreamStats } from './consumer.js';
import { TracerError, TracerErrorCode } from './errors.js';
import { checkFilter } from './filters.js';
import { bootId, hostName, processProcname } from './process-info.js';
import {
  type NormalizedSessionOptions,
  normalizeSessionOptions,
  type SessionConfig,
  type SessionOptions,
  sessionOptionsFromEnv,
} from './session-config.js';
import { ThreadTracer } from './thread-tracer.js';
import { realtimeOffsetNs } from './trace-clock.js';
import { defaultTracesDir, isoBasicDateTime, localDateTime, perPidTraceDir } from './trace-layout.js';
import { ControlWord } from './tracer-control.js';

/** When this process loaded the tracer: the date in its per-PID directory name (LTTng: app registration). */
const REGISTERED_AT = new Date();

export interface SessionStopResult {
  /** The per-PID trace directory (the last chunk's, in `archives/` after rotations). */
  readonly tracePath: string;
  /** Chunks archived by rotations (and the last one, when there were rotations). */
  readonly archives: readonly string[];
  /** One entry per stream (thread x channel). */
  readonly streams: readonly StreamStats[];
}

/** Called in the owner thread once a session is active (the node source emits its state dump). */
type StartHook = (session: Session) => void;
const startHooks: StartHook[] = [];

/** Registers a function run after every session start, in the thread that started it. */
export function onSessionStart(hook: StartHook): void {
  startHooks.push(hook);
}

let current: Session | null = null;

/** The session this thread started and that is still active, if any. */
export function activeSession(): Session | null {
  return current;
}

export class Session {
  readonly name: string;
  /** Session output directory. */
  readonly outputDir: string;
  /** This process's trace: `<outputDir>/ust/pid/<procname>-<pid>-<YYYYmmdd-HHMMSS>`. */
  readonly tracePath: string;
  readonly config: SessionConfig;
  private state: 'active' | 'stopping' | 'stopped' = 'active';
  private queue: Promise<unknown> = Promise.resolve();
  private waiting: { resolve: (r: ConsumerReply) => void; reject: (e: Error) => void } | null = null;
  private stopResult: Promise<SessionStopResult> | null = null;
  private snapshotSeq = 0;
  private readonly onExit = (): void => this.finishAtExit();
  private readonly onSignal = (sig: NodeJS.Signals): void => this.signal(sig);

  /** @internal use startSession(). */
  constructor(
    config: SessionConfig,
    private readonly worker: Worker,
  ) {
    this.config = config;
    this.name = config.name;
    this.outputDir = config.outputDir;
    this.tracePath = join(config.outputDir, config.trace.perPidDir);
    worker.on('message', (r: ConsumerReply) => {
      const w = this.waiting;
      this.waiting = null;
      if (!w) return;
      if (r.t === 'error') w.reject(new TracerError(TracerErrorCode.Consumer, `consumer: ${r.message}`));
      else w.resolve(r);
    });
    const lost = (why: string) => {
      const w = this.waiting;
      this.waiting = null;
      w?.reject(
        new TracerError(TracerErrorCode.Consumer, `the consumer thread ${why}; the trace may be incomplete`),
      );
    };
    worker.on('error', (e) => lost(`failed: ${e.message}`));
    worker.on('exit', () => lost('exited'));
    process.on('exit', this.onExit);
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    // The consumer must never keep the program alive (listeners above re-reference its port);
    // exit handling ends it properly.
    worker.unref();
  }

  get isActive(): boolean {
    return this.state === 'active';
  }

  private command(cmd: ConsumerCommand): Promise<ConsumerReply> {
    // Referenced while a command runs: `await session.stop()` keeps the program alive until done.
    const run = () =>
      new Promise<ConsumerReply>((resolve, reject) => {
        this.worker.ref();
        const done = () => this.worker.unref();
        this.waiting = {
          resolve: (r) => {
            done();
            resolve(r);
          },
          reject: (e) => {
            done();
            reject(e);
          },
        };
        this.worker.postMessage(cmd);
      });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Stops recording, writes everything, closes the files. The trace is complete when it resolves. */
  stop(): Promise<SessionStopResult> {
    if (this.stopResult) return this.stopResult;
    this.stopResult = (async () => {
      this.state = 'stopping';
      const tracer = ThreadTracer.get();
      const gen = tracer.control.publishSession(null);
      tracer.post({ t: 'session', gen });
      tracer.sync();
      try {
        const r = await this.command({ t: 'stop' });
        if (r.t !== 'stopped')
          throw new TracerError(TracerErrorCode.Consumer, `consumer: unexpected reply ${r.t}`);
        const last = r.archives.at(-1);
        return {
          tracePath: last ? join(last, this.config.trace.perPidDir) : this.tracePath,
          archives: r.archives,
          streams: r.streams,
        };
      } finally {
        this.detach();
      }
    })();
    return this.stopResult;
  }

  /** `lttng snapshot record`: writes the current buffers to `<output>/<name>-<date>-<N>/`; returns the trace path. */
  async snapshot(o: { name?: string } = {}): Promise<string> {
    if (!this.config.snapshot) {
      throw new TracerError(
        TracerErrorCode.SessionState,
        `session "${this.name}" was not started in snapshot mode (snapshot: true)`,
      );
    }
    if (this.state !== 'active')
      throw new TracerError(TracerErrorCode.SessionState, `session "${this.name}" is not active`);
    const r = await this.command({ t: 'snapshot', name: o.name ?? 'snapshot-1', seq: this.snapshotSeq++ });
    if (r.t !== 'snapshot-done')
      throw new TracerError(TracerErrorCode.Consumer, `consumer: unexpected reply ${r.t}`);
    return r.path;
  }

  /** `lttng rotate`: archives the trace so far into `<output>/archives/BEGIN-END-ID/`; returns that path. */
  async rotate(): Promise<string> {
    if (this.config.snapshot) {
      throw new TracerError(
        TracerErrorCode.SessionState,
        `session "${this.name}" is in snapshot mode: rotation needs a session that writes its trace`,
      );
    }
    if (this.state !== 'active')
      throw new TracerError(TracerErrorCode.SessionState, `session "${this.name}" is not active`);
    const r = await this.command({ t: 'rotate' });
    if (r.t !== 'rotated')
      throw new TracerError(TracerErrorCode.Consumer, `consumer: unexpected reply ${r.t}`);
    return r.path;
  }

  private detach(): void {
    this.state = 'stopped';
    process.removeListener('exit', this.onExit);
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
    if (current === this) current = null;
  }

  /** Synchronous end of the session at process exit: the consumer drains while this thread waits. */
  private finishAtExit(): void {
    if (this.state === 'stopped') return;
    const tracer = ThreadTracer.get();
    tracer.closeStreams();
    const w = tracer.control.words;
    Atomics.store(w, ControlWord.ExitRequest, 1);
    tracer.control.ringDoorbell();
    Atomics.wait(w, ControlWord.ExitDone, 0, this.config.timeoutMs);
    tracer.control.publishSession(null);
    this.detach();
  }

  private signal(sig: NodeJS.Signals): void {
    // Another handler decides what the signal does; the 'exit' handler will flush if it exits.
    if (process.listenerCount(sig) > 1) return;
    this.finishAtExit();
    // Keep the default behaviour: die by this signal (exit status 128 + signal number).
    process.kill(process.pid, sig);
  }
}

function prepare(options: SessionOptions): { norm: NormalizedSessionOptions; config: SessionConfig } {
  const norm = normalizeSessionOptions(options);
  // LTTng checks filters when the rule is created: an invalid one rejects the whole start.
  for (const r of norm.rules) if (r.filter !== null) checkFilter(r.filter);
  const tracer = ThreadTracer.get();
  if (current !== null || Atomics.load(tracer.control.words, ControlWord.SessionActive) === 1) {
    throw new TracerError(
      TracerErrorCode.SessionState,
      'a session is already active in this process; stop it first (one session at a time)',
    );
  }
  const now = new Date();
  const name = norm.name || `auto-${localDateTime(now)}`;
  const outputDir = resolve(norm.output ?? join(defaultTracesDir(), `${name}-${localDateTime(now)}`));
  const procname = processProcname();
  const config: SessionConfig = {
    name,
    outputDir,
    snapshot: norm.snapshot,
    statedump: norm.statedump,
    timeoutMs: norm.timeoutMs,
    channels: norm.channels,
    rules: norm.rules,
    trace: {
      uuid: randomUUID(),
      clockOffsetNs: realtimeOffsetNs().toString(),
      bootId: bootId(),
      hostname: hostName(),
      procname,
      pid: process.pid,
      creationDateTime: isoBasicDateTime(now),
      vpidDateTime: localDateTime(REGISTERED_AT),
      perPidDir: perPidTraceDir(procname, process.pid, REGISTERED_AT),
    },
  };
  try {
    mkdirSync(outputDir, { recursive: true });
  } catch (e) {
    throw new TracerError(
      TracerErrorCode.Output,
      `cannot create the session output directory ${outputDir}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  return { norm, config };
}

/** Thread ids of the tracer's own consumer workers: `node:worker_*` events leave them out. */
const consumerThreadIds = new Set<number>();

/** Whether `threadId` is one of the tracer's own threads rather than the program's. */
export function isTracerThread(threadId: number): boolean {
  return consumerThreadIds.has(threadId);
}

function spawnConsumer(config: SessionConfig): { worker: Worker; gen: number } {
  const tracer = ThreadTracer.get();
  const w = tracer.control.words;
  Atomics.store(w, ControlWord.StreamCount, 0);
  Atomics.store(w, ControlWord.ExitRequest, 0);
  Atomics.store(w, ControlWord.ExitDone, 0);
  Atomics.store(w, ControlWord.ConsumerState, 0);
  const gen = tracer.control.sessionGen + 1;
  const worker = new Worker(new URL('./consumer-worker.js', import.meta.url), {
    workerData: { controlSab: tracer.control.sab, config, gen },
    // The consumer is not user code: keep the program's flags (--inspect...) out of it.
    execArgv: [],
    stdout: false,
    stderr: false,
  });
  consumerThreadIds.add(worker.threadId);
  // Referenced while it starts (startSession awaits it); the Session unreferences it.
  return { worker, gen };
}

function activate(config: SessionConfig, worker: Worker, gen: number): Session {
  const tracer = ThreadTracer.get();
  const published = tracer.control.publishSession(config);
  if (published !== gen) {
    throw new TracerError(
      TracerErrorCode.SessionState,
      'another session was started at the same time in this process',
    );
  }
  const session = new Session(config, worker);
  current = session;
  tracer.post({ t: 'session', gen });
  tracer.sync();
  for (const h of startHooks) h(session);
  return session;
}

function consumerFailed(worker: Worker): TracerError {
  void worker.terminate();
  return new TracerError(
    TracerErrorCode.Consumer,
    'the consumer thread could not start (see the trace output directory permissions)',
  );
}

/**
 * Starts a recording session: every tracepoint the event rules select records, in every thread
 * of the process, until `stop()` or the process ends. Rejects with the filter area's error when a
 * filter is not valid, and with a TracerError for bad options or an output directory that cannot
 * be created.
 */
export async function startSession(options: SessionOptions = {}): Promise<Session> {
  const { config } = prepare(options);
  const { worker, gen } = spawnConsumer(config);
  const w = ThreadTracer.get().control.words;
  const errors: string[] = [];
  worker.once('message', (r: ConsumerReply) => {
    if (r.t === 'error') errors.push(r.message);
  });
  const deadline = Date.now() + Math.max(config.timeoutMs, 10_000);
  while (Atomics.load(w, ControlWord.ConsumerState) === 0 && Date.now() < deadline) {
    await waitAsync(w, ControlWord.ConsumerState, 0, 50);
  }
  if (Atomics.load(w, ControlWord.ConsumerState) !== 1) {
    // Let the error message arrive.
    await new Promise((r) => setTimeout(r, 10));
    const e = consumerFailed(worker);
    if (errors.length) e.message = `the consumer thread could not start: ${errors[0]}`;
    throw e;
  }
  return activate(config, worker, gen);
}

/**
 * Same as startSession, blocking (like lttng-ust's registration wait at program start, at most
 * 3 s) until the consumer listens. Used by the environment start at load time.
 */
export function startSessionSync(options: SessionOptions = {}): Session {
  const { config } = prepare(options);
  const { worker, gen } = spawnConsumer(config);
  const w = ThreadTracer.get().control.words;
  Atomics.wait(w, ControlWord.ConsumerState, 0, Math.max(3000, config.timeoutMs));
  if (Atomics.load(w, ControlWord.ConsumerState) !== 1) throw consumerFailed(worker);
  return activate(config, worker, gen);
}

/**
 * Starts a session from `TTNG_*` environment variables when TTNG_EVENTS or TTNG_OUTPUT is set
 * (main thread only). A bad setting is reported on stderr and tracing stays off: tracing never
 * stops a program.
 */
export function startSessionFromEnv(env: NodeJS.ProcessEnv = process.env): Session | null {
  const o = sessionOptionsFromEnv(env);
  if (!o || current !== null) return null;
  try {
    return startSessionSync(o);
  } catch (e) {
    process.stderr.write(`ttng: tracing not started: ${(e as Error).message}\n`);
    return null;
  }
}
