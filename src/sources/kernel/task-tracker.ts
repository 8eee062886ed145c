/**
 * What ftrace records do not carry but LTTng's records do: the thread group id (`pid`), the
 * command name (`procname`) and the priority (`prio`) of a thread. Seeded from the state dump,
 * then kept current from the scheduler's own events as the consumer sees them in time order:
 * `sched_switch` (comm and prio of both tasks), `task_newtask` (clone flags: a thread joins its
 * parent's group, a process starts its own), `task_rename` (exec and prctl), `sched_process_free`.
 *
 * A thread never seen (created before the dump and gone from /proc, or its fork record lost) is
 * looked up in /proc once; failing that its tid stands for its pid, its name is empty and its
 * priority is 20 (nice 0).
 */
import { readFileSync } from 'node:fs';
import { parseTaskStat } from '../statedump/statedump.js';
import type { TaskLookup } from './event-decoder.js';

/** CLONE_THREAD: the child shares its parent's thread group. */
export const CLONE_THREAD = 0x00010000;
/** Default `prio - 100` of a normal task (nice 0). */
export const DEFAULT_PRIO = 20;

export class TaskTracker implements TaskLookup {
  private readonly tgids = new Map<number, number>();
  private readonly comms = new Map<number, string>();
  private readonly prios = new Map<number, number>();
  private readonly procRoot: string;
  /** Threads looked up in /proc (counted for the tests and the docs' claims). */
  procLookups = 0;
  /**
   * Grows at every change of what the tracker knows (not at /proc lookups, which only add what
   * it would have answered anyway): a context computed at version v stays right while it is v.
   */
  version = 0;

  constructor(o: { procRoot?: string } = {}) {
    this.procRoot = o.procRoot ?? '/proc';
  }

  /** A thread as the state dump saw it. `prio` is LTTng's (prio - 100). */
  seed(tid: number, tgid: number, comm: string, prio: number): void {
    this.version++;
    this.tgids.set(tid, tgid);
    this.comms.set(tid, comm);
    this.prios.set(tid, prio);
  }

  tgidOf(tid: number): number {
    const t = this.tgids.get(tid);
    if (t !== undefined) return t;
    return this.lookup(tid);
  }

  commOf(tid: number): string {
    const c = this.comms.get(tid);
    if (c !== undefined) return c;
    this.lookup(tid);
    return this.comms.get(tid) ?? '';
  }

  prioOf(tid: number): number {
    const p = this.prios.get(tid);
    if (p !== undefined) return p;
    this.lookup(tid);
    return this.prios.get(tid) ?? DEFAULT_PRIO;
  }

  /** `sched_switch`: both tasks' names and priorities as of now (prio already minus 100). */
  onSwitch(
    prevTid: number,
    prevComm: string,
    prevPrio: number,
    nextTid: number,
    nextComm: string,
    nextPrio: number,
  ): void {
    this.version++;
    if (prevTid !== 0) {
      this.comms.set(prevTid, prevComm);
      this.prios.set(prevTid, prevPrio);
    }
    if (nextTid !== 0) {
      this.comms.set(nextTid, nextComm);
      this.prios.set(nextTid, nextPrio);
    }
  }

  /** `task_newtask` in the parent's context: the child's group follows from the clone flags. */
  onNewTask(parentTid: number, childTid: number, childComm: string, cloneFlags: number): void {
    this.version++;
    this.tgids.set(childTid, (cloneFlags & CLONE_THREAD) !== 0 ? this.tgidOf(parentTid) : childTid);
    this.comms.set(childTid, childComm);
    const p = this.prios.get(parentTid);
    if (p !== undefined) this.prios.set(childTid, p);
  }

  /** `task_rename` (exec, prctl(PR_SET_NAME)). */
  onRename(tid: number, newComm: string): void {
    this.version++;
    this.comms.set(tid, newComm);
  }

  /** `sched_process_free`: the tid may be reused from now on. */
  onFree(tid: number): void {
    this.version++;
    this.tgids.delete(tid);
    this.comms.delete(tid);
    this.prios.delete(tid);
  }

  private lookup(tid: number): number {
    this.procLookups++;
    let tgid = tid;
    let comm = '';
    let prio = DEFAULT_PRIO;
    try {
      const status = readFileSync(`${this.procRoot}/${tid}/status`, 'latin1');
      const t = /^Tgid:\s*(\d+)/m.exec(status);
      if (t) tgid = Number(t[1]);
      // stat's name is task->comm as events carry it (parseTaskStat drops /proc's additions).
      const st = parseTaskStat(readFileSync(`${this.procRoot}/${tid}/stat`, 'latin1'));
      if (st) {
        comm = st.comm;
        prio = st.prio;
      }
    } catch {
      // Gone: keep the defaults.
    }
    // Remembered either way: one /proc lookup per unknown thread, not one per record.
    this.tgids.set(tid, tgid);
    if (!this.comms.has(tid)) this.comms.set(tid, comm);
    if (!this.prios.has(tid)) this.prios.set(tid, prio);
    return tgid;
  }
}
