/**
 * Facts about this process and thread that contexts, the env and the trace directory need,
 * read once: pid, the Linux thread id (vtid) of the calling thread from /proc/thread-self (no
 * native code needed; the main thread's equals the pid), the thread's and the process's command
 * name (procname, 16 characters at most, as the kernel keeps it), the hostname, the boot id.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { isMainThread, threadId } from 'node:worker_threads';

function readTrimmed(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').replace(/\n$/, '');
  } catch {
    return null;
  }
}

/** The Linux thread id of the calling thread. */
export function currentVtid(): number {
  try {
    const link = readlinkSync('/proc/thread-self'); // "<pid>/task/<tid>"
    const tid = Number(link.slice(link.lastIndexOf('/') + 1));
    if (Number.isInteger(tid) && tid > 0) return tid;
  } catch {
    // No /proc (not Linux, or a sandbox without it): fall through.
  }
  return isMainThread ? process.pid : -threadId;
}

/** The calling thread's command name (task comm), as LTTng's procname context records it. */
export function currentThreadProcname(): string {
  return readTrimmed('/proc/thread-self/comm') ?? processProcname();
}

/** The process's command name, as LTTng's per-PID directory and env `procname` use it. */
export function processProcname(): string {
  return readTrimmed('/proc/self/comm') ?? process.title.slice(0, 15);
}

/** /proc/sys/kernel/random/boot_id: LTTng's monotonic clock UUID (same boot = same clock). */
export function bootId(): string | null {
  const id = readTrimmed('/proc/sys/kernel/random/boot_id');
  return id && /^[0-9a-f-]{36}$/.test(id) ? id : null;
}

export function hostName(): string {
  return hostname();
}

export interface ThreadIdentity {
  readonly pid: number;
  readonly vtid: number;
  /** Node's worker thread id (0 for the main thread). */
  readonly threadId: number;
  readonly isMainThread: boolean;
  readonly procname: string;
}

export function threadIdentity(): ThreadIdentity {
  return Object.freeze({
    pid: process.pid,
    vtid: currentVtid(),
    threadId,
    isMainThread,
    procname: currentThreadProcname(),
  });
}
