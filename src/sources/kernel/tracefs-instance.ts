/**
 * A private tracefs instance (`instances/ttng-<name>`): its own ring buffers, events, filters
 * and clock; the global buffer is never touched. Set up in the order ftrace-raw.md §1 gives;
 * `free_buffer` is held open for the instance's whole life so that, if the process dies, the
 * kernel stops tracing and frees the buffers (`disable_on_free`), and the next start removes the
 * left-over directory (`sweepStaleInstances`).
 */
import { closeSync, constants, mkdirSync, openSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { KernelError, KernelErrorCode } from './errors.js';
import { readTracefsText, type Tracefs, tryWriteTracefsText, writeTracefsText } from './tracefs.js';

/** Prefix of every instance ttng creates; nothing else is ever removed. */
export const INSTANCE_PREFIX = 'ttng-';

const INSTANCE_NAME = /^[A-Za-z0-9_.-]{1,200}$/;

/** For a 1 ms synchronous wait (Atomics.wait on a word nobody notifies). */
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

export interface InstanceOptions {
  /** Sub-buffer ("page") size in KiB: a power of two, 4..512 on 6.x kernels. Default 4. */
  readonly subbufSizeKb?: number;
  /** Per-CPU ring buffer size in KiB (the kernel rounds it; read `bufferSizeKb` back). */
  readonly bufferSizeKb?: number;
  /** `trace_clock` name. Default `mono` (CLOCK_MONOTONIC, LTTng's kernel clock). */
  readonly clock?: string;
  /** true: flight recorder (oldest records overwritten); false (default, LTTng's): new records dropped. */
  readonly overwrite?: boolean;
  /** Only record events of these tasks (`set_event_pid`); empty or absent: every task. */
  readonly pids?: readonly number[];
  /** With `pids`: also follow their children as they fork (`options/event-fork`). Default true. */
  readonly followForks?: boolean;
}

/** One per-CPU `stats` file, parsed (ftrace-raw.md §7). Counters are cumulative since the instance began. */
export interface CpuStats {
  readonly entries: number;
  readonly overrun: number;
  readonly commitOverrun: number;
  readonly bytes: number;
  readonly droppedEvents: number;
  readonly readEvents: number;
}

export function parseCpuStats(text: string): CpuStats {
  const get = (key: string): number => {
    const m = new RegExp(`^${key}:\\s*(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };
  return {
    entries: get('entries'),
    overrun: get('overrun'),
    commitOverrun: get('commit overrun'),
    bytes: get('bytes'),
    droppedEvents: get('dropped events'),
    readEvents: get('read events'),
  };
}

/**
 * Removes `instances/ttng-*` directories that no live process holds: a running ttng keeps
 * `free_buffer` open, so the kernel refuses their removal (EBUSY) and they stay. Returns the
 * names removed.
 */
export function sweepStaleInstances(tracefs: Tracefs): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(tracefs.path('instances'));
  } catch {
    return removed;
  }
  for (const n of names) {
    if (!n.startsWith(INSTANCE_PREFIX)) continue;
    try {
      rmdirSync(tracefs.path(`instances/${n}`));
      removed.push(n);
    } catch {
      // EBUSY: in use by a live session. ENOENT: someone else removed it first.
    }
  }
  return removed;
}

export class TracefsInstance {
  readonly tracefs: Tracefs;
  /** Directory name under `instances/`, `ttng-<name>`. */
  readonly name: string;
  /** Absolute path of the instance directory. */
  readonly dir: string;
  /** Sub-buffer size in bytes: what one `trace_pipe_raw` read returns. */
  readonly subbufSizeBytes: number;
  /** Per-CPU buffer size the kernel settled on, in KiB. */
  readonly bufferSizeKb: number;
  readonly clock: string;
  readonly overwrite: boolean;
  /** CPU numbers that have a `per_cpu/cpuN` directory (every possible CPU). */
  readonly cpuIds: readonly number[];
  private freeBufferFd: number;
  private readonly enabled: string[] = [];
  private readonly triggers: { sysEvent: string; trigger: string }[] = [];
  private removed = false;

  private constructor(tracefs: Tracefs, name: string, fd: number, o: Required<InstanceOptions>) {
    this.tracefs = tracefs;
    this.name = name;
    this.dir = tracefs.path(`instances/${name}`);
    this.freeBufferFd = fd;
    this.clock = o.clock;
    this.overwrite = o.overwrite;
    this.cpuIds = Object.freeze(
      readdirSync(join(this.dir, 'per_cpu'))
        .map((d) => /^cpu(\d+)$/.exec(d))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => Number(m[1]))
        .sort((a, b) => a - b),
    );
    // Set up in ftrace-raw.md §1's order: stop, sub-buffer size (clears), size, clock (clears), mode.
    this.write('tracing_on', '0');
    this.write('buffer_subbuf_size_kb', String(o.subbufSizeKb));
    this.subbufSizeBytes = Number.parseInt(this.read('buffer_subbuf_size_kb'), 10) * 1024;
    this.write('buffer_size_kb', String(o.bufferSizeKb));
    this.bufferSizeKb = Number.parseInt(this.read('buffer_size_kb'), 10);
    const clockErr = tryWriteTracefsText(join(this.dir, 'trace_clock'), o.clock);
    if (clockErr !== undefined) {
      const offered = this.read('trace_clock').replace(/[[\]]/g, '').trim();
      throw new KernelError(
        KernelErrorCode.Unsupported,
        `this kernel has no trace clock "${o.clock}" (it offers: ${offered})`,
      );
    }
    this.write('options/overwrite', o.overwrite ? '1' : '0');
    this.write('options/disable_on_free', '1');
    if (o.pids.length > 0) {
      this.write('options/event-fork', o.followForks ? '1' : '0');
      this.write('set_event_pid', o.pids.join(' '));
    }
  }

  /**
   * Creates `instances/ttng-<name>` and sets it up (tracing off until `start`). Stale instances
   * of killed runs are removed first; a name held by a running session is refused.
   */
  static create(tracefs: Tracefs, name: string, o: InstanceOptions = {}): TracefsInstance {
    const dirName = name.startsWith(INSTANCE_PREFIX) ? name : INSTANCE_PREFIX + name;
    if (!INSTANCE_NAME.test(dirName)) {
      throw new KernelError(
        KernelErrorCode.Usage,
        `"${name}" is not a valid session name for a tracefs instance (letters, digits, "_", "." and "-")`,
      );
    }
    const subbufSizeKb = o.subbufSizeKb ?? 4;
    if (!Number.isInteger(subbufSizeKb) || subbufSizeKb < 1) {
      throw new KernelError(
        KernelErrorCode.Usage,
        `sub-buffer size ${subbufSizeKb} KiB is not a positive integer`,
      );
    }
    const full: Required<InstanceOptions> = {
      subbufSizeKb,
      bufferSizeKb: o.bufferSizeKb ?? 1408,
      clock: o.clock ?? 'mono',
      overwrite: o.overwrite ?? false,
      pids: o.pids ?? [],
      followForks: o.followForks ?? true,
    };
    sweepStaleInstances(tracefs);
    const dir = tracefs.path(`instances/${dirName}`);
    for (let attempt = 0; ; attempt++) {
      try {
        mkdirSync(dir);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' && attempt > 0 && attempt < 8) {
          // Ours, removed by a concurrent sweep and not gone yet: wait for the kernel to finish.
          Atomics.wait(SLEEPER, 0, 0, 1);
          continue;
        }
        if (code === 'EEXIST') {
          throw new KernelError(
            KernelErrorCode.InstanceBusy,
            `the tracefs instance ${dir} is in use by another running session: choose another session name`,
          );
        }
        throw new KernelError(KernelErrorCode.Tracefs, `cannot create the tracefs instance ${dir}: ${code}`, {
          cause: e,
        });
      }
      let fd: number;
      try {
        fd = openSync(join(dir, 'free_buffer'), 'r');
      } catch (e) {
        // Another ttng's sweep removed it between mkdir and open (ENOENT, or ENODEV while the
        // kernel tears it down): make it again; the sweeps of concurrent starts are short.
        const code = (e as NodeJS.ErrnoException).code;
        if ((code === 'ENOENT' || code === 'ENODEV') && attempt < 8) continue;
        throw new KernelError(KernelErrorCode.Tracefs, `cannot open ${dir}/free_buffer`, { cause: e });
      }
      try {
        return new TracefsInstance(tracefs, dirName, fd, full);
      } catch (e) {
        closeSync(fd);
        try {
          rmdirSync(dir);
        } catch {
          // Left for the next sweep.
        }
        throw e;
      }
    }
  }

  path(rel: string): string {
    return join(this.dir, rel);
  }

  read(rel: string): string {
    return readTracefsText(join(this.dir, rel));
  }

  write(rel: string, text: string, o: { append?: boolean } = {}): void {
    writeTracefsText(join(this.dir, rel), text, o);
  }

  /**
   * Sets an event's ftrace filter. A filter the kernel refuses throws `TTNG_E_KERNEL_BAD_FILTER`
   * with the kernel's own message and caret (read back from the `filter` file).
   */
  setFilter(system: string, event: string, filter: string): void {
    const rel = `events/${system}/${event}/filter`;
    const err = tryWriteTracefsText(join(this.dir, rel), filter);
    if (err === undefined) return;
    const explained = err === 'EINVAL' ? this.read(rel).trimEnd() : err;
    throw new KernelError(
      KernelErrorCode.BadFilter,
      `the kernel refused the filter for ${system}:${event}:\n${explained.replace(/^/gm, '  ')}`,
    );
  }

  /** Adds a trigger (`stacktrace`, `traceoff`, ...) to an event; removed by `remove()`. */
  addTrigger(system: string, event: string, trigger: string): void {
    const rel = `events/${system}/${event}/trigger`;
    const err = tryWriteTracefsText(join(this.dir, rel), trigger, { append: true });
    if (err !== undefined) {
      const log = this.read('error_log').trimEnd().split('\n').slice(-3).join('\n');
      throw new KernelError(
        KernelErrorCode.BadFilter,
        `the kernel refused the trigger "${trigger}" on ${system}:${event} (${err})${log ? `:\n${log}` : ''}`,
      );
    }
    this.triggers.push({ sysEvent: `${system}/${event}`, trigger });
  }

  enableEvent(system: string, event: string): void {
    this.write(`events/${system}/${event}/enable`, '1');
    this.enabled.push(`${system}/${event}`);
  }

  /** Enables every event of a system with one write (`events/<sys>/enable`). */
  enableSystem(system: string): void {
    this.write(`events/${system}/enable`, '1');
    this.enabled.push(system);
  }

  disableEvents(): void {
    for (const { sysEvent, trigger } of this.triggers.splice(0)) {
      tryWriteTracefsText(join(this.dir, `events/${sysEvent}/trigger`), `!${trigger}`, { append: true });
    }
    for (const se of this.enabled.splice(0)) {
      tryWriteTracefsText(join(this.dir, `events/${se}/enable`), '0');
    }
  }

  setTracingOn(on: boolean): void {
    this.write('tracing_on', on ? '1' : '0');
  }

  cpuStats(cpuId: number): CpuStats {
    return parseCpuStats(this.read(`per_cpu/cpu${cpuId}/stats`));
  }

  /** Opens `per_cpu/cpuN/trace_pipe_raw` non-blocking (the consumer polls; ftrace-raw.md §2). */
  openPipe(cpuId: number): number {
    try {
      return openSync(
        this.path(`per_cpu/cpu${cpuId}/trace_pipe_raw`),
        constants.O_RDONLY | constants.O_NONBLOCK,
      );
    } catch (e) {
      throw new KernelError(KernelErrorCode.Tracefs, `cannot open the raw pipe of CPU ${cpuId}`, {
        cause: e,
      });
    }
  }

  get isRemoved(): boolean {
    return this.removed;
  }

  /**
   * Stops tracing, disables events and triggers, releases the buffers and removes the directory.
   * Idempotent. Callers close their `trace_pipe_raw` descriptors first (an open one keeps the
   * directory busy).
   */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    tryWriteTracefsText(join(this.dir, 'tracing_on'), '0');
    this.disableEvents();
    if (this.freeBufferFd >= 0) {
      closeSync(this.freeBufferFd);
      this.freeBufferFd = -1;
    }
    try {
      rmdirSync(this.dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOENT, ENODEV: another ttng's sweep removed it once free_buffer was closed: gone, as wanted.
      if (code !== 'ENOENT' && code !== 'ENODEV') {
        throw new KernelError(
          KernelErrorCode.Tracefs,
          `cannot remove the tracefs instance ${this.dir} (${code}): a descriptor of it is still open; the next ttng start removes it`,
        );
      }
    }
  }
}
