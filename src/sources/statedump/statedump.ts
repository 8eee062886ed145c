/**
 * LTTng's kernel state dump, from /proc and /sys instead of kernel memory: the
 * `lttng_statedump_*` events with the fields of lttng-modules' `lttng-statedump.h`, in the order
 * `do_lttng_statedump` emits them (start; per thread: process_state then its namespaces; per
 * process: file descriptors; memory maps; interrupts; network interfaces; block devices; CPU
 * topology; end).
 *
 * What /proc cannot give, and what is recorded instead (docs/kernel-tracing.md):
 * - `file_table_address` is a kernel pointer: the thread group id stands in for it. It links
 *   process_state to file_descriptor records, which is what readers use it for.
 * - `mode` is LTTNG_MODE_UNKNOWN and `submode` LTTNG_NONE, as lttng-modules itself records.
 * - `status` comes from the `stat` state letter (R -> WAIT_CPU, S/D/I -> WAIT, Z -> ZOMBIE,
 *   X -> DEAD, else UNNAMED); WAIT_FORK cannot be told apart from WAIT_CPU.
 * - `fmode` holds only FMODE_READ/FMODE_WRITE, derived from the access mode of `flags`.
 * - pid and user namespaces: one record for the task's own namespace (plus the root one when it
 *   differs); parents in between are not visible from /proc.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import {
  type FieldClass,
  type FieldValue,
  fixedLengthInteger,
  nullTerminatedString,
  staticLengthArray,
} from '../../ctf/model/index.js';

export type StatedumpValues = { [field: string]: FieldValue };

export interface StatedumpEventClass {
  readonly name: string;
  readonly fields: readonly { readonly name: string; readonly fieldClass: FieldClass }[];
}

const int = (
  bits: number,
  signed: boolean,
  base: 8 | 10 | 16 = 10,
  byteOrder: 'le' | 'be' = 'le',
): FieldClass =>
  fixedLengthInteger({ lengthBits: bits, signed, alignmentBits: 8, preferredDisplayBase: base, byteOrder });
const S32 = int(32, true);
const U32 = int(32, false);
const U16 = int(16, false);
const U8 = int(8, false);
const U64 = int(64, false);
const X64 = int(64, false, 16);
const STR = nullTerminatedString();
/** LTTng's `ctf_array_text(char, name, p->comm, 16)`: 16 UTF-8 bytes, text up to the first NUL. */
const COMM = staticLengthArray(
  fixedLengthInteger({ lengthBits: 8, signed: false, alignmentBits: 8, encoding: 'utf-8' }),
  16,
);

function cls(name: string, fields: [string, FieldClass][]): StatedumpEventClass {
  return Object.freeze({
    name,
    fields: Object.freeze(fields.map(([n, fc]) => Object.freeze({ name: n, fieldClass: fc }))),
  });
}

const NS_SIMPLE = ['cgroup', 'ipc', 'mnt', 'net', 'uts', 'time'] as const;

/** Every state dump event class, LTTng's names and fields (lttng-statedump.h, Linux >= 6.7). */
export const STATEDUMP_EVENT_CLASSES: readonly StatedumpEventClass[] = Object.freeze([
  cls('lttng_statedump_start', []),
  cls('lttng_statedump_end', []),
  cls('lttng_statedump_process_state', [
    ['tid', S32],
    ['pid', S32],
    ['ppid', S32],
    ['name', COMM],
    ['type', S32],
    ['mode', S32],
    ['submode', S32],
    ['status', S32],
    ['cpu', U32],
    ['file_table_address', X64],
  ]),
  ...NS_SIMPLE.map((ns) =>
    cls(`lttng_statedump_process_${ns}_ns`, [
      ['tid', S32],
      ['ns_inum', U32],
    ]),
  ),
  cls('lttng_statedump_process_pid_ns', [
    ['tid', S32],
    ['vtid', S32],
    ['vpid', S32],
    ['vppid', S32],
    ['ns_level', S32],
    ['ns_inum', U32],
  ]),
  cls('lttng_statedump_process_user_ns', [
    ['tid', S32],
    ['vuid', U32],
    ['vgid', U32],
    ['ns_level', S32],
    ['ns_inum', U32],
  ]),
  cls('lttng_statedump_file_descriptor', [
    ['file_table_address', X64],
    ['fd', S32],
    ['flags', int(32, false, 8)],
    ['fmode', int(32, false, 16)],
    ['filename', STR],
  ]),
  cls('lttng_statedump_vm_map', [
    ['pid', S32],
    ['start', X64],
    ['end', X64],
    ['flags', X64],
    ['inode', U64],
    ['pgoff', U64],
  ]),
  cls('lttng_statedump_interrupt', [
    ['irq', U32],
    ['name', STR],
    ['action', STR],
    ['tid', S32],
  ]),
  cls('lttng_statedump_network_interface', [
    ['name', STR],
    ['address_ipv4', int(32, false, 16, 'be')],
  ]),
  cls('lttng_statedump_block_device', [
    ['dev', U32],
    ['diskname', STR],
  ]),
  cls('lttng_statedump_cpu_topology', [
    ['architecture', STR],
    ['cpu_id', U16],
    ['vendor', STR],
    ['family', U8],
    ['model', U8],
    ['model_name', STR],
    ['physical_id', U16],
    ['core_id', U16],
    ['cores', U16],
  ]),
]);

/** lttng-statedump-impl.c's enums. */
export const LttngThreadType = { User: 0, Kernel: 1 } as const;
export const LttngExecutionMode = { User: 0, Syscall: 1, Trap: 2, Irq: 3, Softirq: 4, Unknown: 5 } as const;
export const LttngExecutionSubmode = { None: 0, Unknown: 1 } as const;
export const LttngProcessStatus = {
  Unnamed: 0,
  WaitFork: 1,
  WaitCpu: 2,
  Exit: 3,
  Zombie: 4,
  Wait: 5,
  Run: 6,
  Dead: 7,
} as const;

/** PF_KTHREAD and PF_WQ_WORKER in `stat`'s flags field. */
const PF_KTHREAD = 0x00200000;
const PF_WQ_WORKER = 0x00000020;
/** TASK_COMM_LEN - 1: what `task->comm`, and so every trace event, holds. */
const COMM_MAX_BYTES = 15;

/**
 * The kernel's `task->comm` from the name /proc shows: /proc adds the workqueue of a kworker
 * (`kworker/0:1-events`) and the full name of a kernel thread; events carry at most 15 bytes.
 */
export function kernelComm(procName: string, flags: number): string {
  let name = procName;
  if ((flags & PF_WQ_WORKER) !== 0) {
    const cut = name.slice(8).search(/[-+]/);
    if (name.startsWith('kworker/') && cut >= 0) name = name.slice(0, 8 + cut);
  }
  const bytes = new TextEncoder().encode(name);
  if (bytes.length <= COMM_MAX_BYTES) return name;
  let n = COMM_MAX_BYTES;
  while (n > 0 && (bytes[n]! & 0xc0) === 0x80) n--; // do not split a UTF-8 sequence
  return new TextDecoder().decode(bytes.subarray(0, n));
}

export interface StatedumpOptions {
  /** Default `/proc` and `/sys` (tests point them elsewhere). */
  readonly procRoot?: string;
  readonly sysRoot?: string;
  /** Also dump memory maps (`lttng_statedump_vm_map`, which lttng-modules 2.13 leaves out). Default true. */
  readonly vmMaps?: boolean;
  /** Also dump file descriptors. Default true. */
  readonly fileDescriptors?: boolean;
}

/** One thread as /proc/<pid>/task/<tid>/stat shows it. */
export interface TaskStat {
  readonly tid: number;
  readonly comm: string;
  readonly state: string;
  readonly ppid: number;
  readonly flags: number;
  /** `priority` field: prio - 100 (MAX_RT_PRIO), LTTng's `prio`. */
  readonly prio: number;
  readonly processor: number;
}

/** Parses a `stat` line; undefined when it is not one (the task vanished mid-read). */
export function parseTaskStat(text: string): TaskStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state); field N is rest[N - 3].
  if (rest.length < 37) return undefined;
  return {
    tid: Number(text.slice(0, open).trim()),
    comm: kernelComm(text.slice(open + 1, close), Number(rest[6])),
    state: rest[0]!,
    ppid: Number(rest[1]),
    flags: Number(rest[6]),
    prio: Number(rest[15]),
    processor: Number(rest[36]),
  };
}

function statusOf(state: string): number {
  switch (state) {
    case 'R':
      return LttngProcessStatus.WaitCpu;
    case 'S':
    case 'D':
    case 'I':
      return LttngProcessStatus.Wait;
    case 'Z':
      return LttngProcessStatus.Zombie;
    case 'X':
      return LttngProcessStatus.Dead;
    default:
      return LttngProcessStatus.Unnamed;
  }
}

function tryRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}

function tryReadlink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

function tryReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

const numericSort = (a: string, b: string) => Number(a) - Number(b);

function nsInum(link: string | undefined): number | undefined {
  const m = link ? /\[(\d+)\]$/.exec(link) : null;
  return m ? Number(m[1]) : undefined;
}

function hexValue(h: string): number | bigint {
  const v = BigInt(`0x${h}`);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function statusLineNumbers(status: string, key: string): number[] {
  const m = new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(status);
  return m ? m[1]!.trim().split(/\s+/).filter(Boolean).map(Number) : [];
}

/** The dump's event count per event name, and the tasks it listed. */
export interface StatedumpSummary {
  readonly counts: ReadonlyMap<string, number>;
  /** tid -> { pid, ppid, name, prio } of every thread listed. */
  readonly tasks: ReadonlyMap<number, { pid: number; ppid: number; name: string; prio: number }>;
}

/**
 * Walks /proc and /sys and calls `emit(eventName, values)` for each state dump record, in
 * LTTng's order. Tasks that exit during the walk are skipped. The values object passed to
 * `emit` is fresh for each call.
 */
export function dumpState(
  emit: (eventName: string, values: StatedumpValues) => void,
  o: StatedumpOptions = {},
): StatedumpSummary {
  const proc = o.procRoot ?? '/proc';
  const sys = o.sysRoot ?? '/sys';
  const counts = new Map<string, number>();
  const tasks = new Map<number, { pid: number; ppid: number; name: string; prio: number }>();
  const out = (name: string, values: StatedumpValues) => {
    counts.set(name, (counts.get(name) ?? 0) + 1);
    emit(name, values);
  };
  const initPidNs = nsInum(tryReadlink(join(proc, '1/ns/pid')));
  const initUserNs = nsInum(tryReadlink(join(proc, '1/ns/user')));

  out('lttng_statedump_start', {});
  const pids = tryReaddir(proc)
    .filter((d) => /^\d+$/.test(d))
    .sort(numericSort);
  const processes: number[] = [];
  for (const pidStr of pids) {
    const pid = Number(pidStr);
    const taskDir = join(proc, pidStr, 'task');
    const tids = tryReaddir(taskDir)
      .filter((d) => /^\d+$/.test(d))
      .sort(numericSort);
    let listed = false;
    for (const tidStr of tids) {
      const tdir = join(taskDir, tidStr);
      const st = parseTaskStat(tryRead(join(tdir, 'stat')) ?? '');
      if (!st) continue;
      const tid = Number(tidStr);
      const exited = st.state === 'Z' || st.state === 'X';
      const type = (st.flags & PF_KTHREAD) !== 0 || exited ? LttngThreadType.Kernel : LttngThreadType.User;
      out('lttng_statedump_process_state', {
        tid,
        pid,
        ppid: st.ppid,
        name: st.comm,
        type,
        mode: LttngExecutionMode.Unknown,
        submode: LttngExecutionSubmode.None,
        status: statusOf(st.state),
        cpu: st.processor,
        file_table_address: pid,
      });
      tasks.set(tid, { pid, ppid: st.ppid, name: st.comm, prio: st.prio });
      listed = true;
      dumpNamespaces(out, tdir, tid, st.ppid, initPidNs, initUserNs);
    }
    if (listed) processes.push(pid);
    if (listed && o.fileDescriptors !== false) dumpFds(out, join(proc, pidStr), pid);
  }
  if (o.vmMaps !== false) {
    for (const pid of processes) dumpMaps(out, join(proc, String(pid)), pid);
  }
  dumpInterrupts(out, sys, tasks);
  dumpNetworkInterfaces(out, sys);
  dumpBlockDevices(out, sys);
  // lttng-modules dumps the CPU topology on x86 only (cpuinfo_x86).
  if (process.arch === 'x64' || process.arch === 'ia32') dumpCpuTopology(out, proc);
  out('lttng_statedump_end', {});
  return { counts, tasks };
}

function dumpNamespaces(
  out: (name: string, values: StatedumpValues) => void,
  tdir: string,
  tid: number,
  ppid: number,
  initPidNs: number | undefined,
  initUserNs: number | undefined,
): void {
  const status = tryRead(join(tdir, 'status')) ?? '';
  const nsPid = statusLineNumbers(status, 'NSpid');
  const nsTgid = statusLineNumbers(status, 'NStgid');
  const pidNs = nsInum(tryReadlink(join(tdir, 'ns/pid')));
  const level = Math.max(0, nsPid.length - 1);
  // The task's own pid namespace, then the root one when it is nested (LTTng walks every parent).
  out('lttng_statedump_process_pid_ns', {
    tid,
    vtid: nsPid[level] ?? tid,
    vpid: nsTgid[level] ?? tid,
    vppid: level === 0 ? ppid : 0,
    ns_level: level,
    ns_inum: pidNs ?? 0,
  });
  if (level > 0) {
    out('lttng_statedump_process_pid_ns', {
      tid,
      vtid: nsPid[0] ?? tid,
      vpid: nsTgid[0] ?? tid,
      vppid: ppid,
      ns_level: 0,
      ns_inum: initPidNs ?? 0,
    });
  }
  const uids = statusLineNumbers(status, 'Uid');
  const gids = statusLineNumbers(status, 'Gid');
  const userNs = nsInum(tryReadlink(join(tdir, 'ns/user')));
  out('lttng_statedump_process_user_ns', {
    tid,
    vuid: uids[0] ?? 0,
    vgid: gids[0] ?? 0,
    ns_level: userNs === undefined || userNs === initUserNs ? 0 : 1,
    ns_inum: userNs ?? 0,
  });
  for (const ns of NS_SIMPLE) {
    const inum = nsInum(tryReadlink(join(tdir, `ns/${ns}`)));
    if (inum !== undefined) out(`lttng_statedump_process_${ns}_ns`, { tid, ns_inum: inum });
  }
}

/** O_ACCMODE -> FMODE_READ (1) | FMODE_WRITE (2). */
function fmodeOf(flags: number): number {
  switch (flags & 3) {
    case 0:
      return 1;
    case 1:
      return 2;
    case 2:
      return 3;
    default:
      return 0;
  }
}

function dumpFds(out: (name: string, values: StatedumpValues) => void, pdir: string, pid: number): void {
  const fds = tryReaddir(join(pdir, 'fd'))
    .filter((d) => /^\d+$/.test(d))
    .sort(numericSort);
  for (const fdStr of fds) {
    const filename = tryReadlink(join(pdir, 'fd', fdStr));
    if (filename === undefined) continue;
    const info = tryRead(join(pdir, 'fdinfo', fdStr)) ?? '';
    const m = /^flags:\s*([0-7]+)/m.exec(info);
    const flags = m ? Number.parseInt(m[1]!, 8) : 0;
    out('lttng_statedump_file_descriptor', {
      file_table_address: pid,
      fd: Number(fdStr),
      flags,
      fmode: fmodeOf(flags),
      filename,
    });
  }
}

const VM_READ = 1;
const VM_WRITE = 2;
const VM_EXEC = 4;
const VM_SHARED = 8;

function dumpMaps(out: (name: string, values: StatedumpValues) => void, pdir: string, pid: number): void {
  const maps = tryRead(join(pdir, 'maps'));
  if (!maps) return;
  for (const line of maps.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+([0-9a-f]+)\s+\S+\s+(\d+)/.exec(line);
    if (!m) continue;
    const perms = m[3]!;
    const flags =
      (perms[0] === 'r' ? VM_READ : 0) |
      (perms[1] === 'w' ? VM_WRITE : 0) |
      (perms[2] === 'x' ? VM_EXEC : 0) |
      (perms[3] === 's' ? VM_SHARED : 0);
    out('lttng_statedump_vm_map', {
      pid,
      start: hexValue(m[1]!),
      end: hexValue(m[2]!),
      flags,
      inode: Number(m[5]),
      pgoff: hexValue(m[4]!),
    });
  }
}

function dumpInterrupts(
  out: (name: string, values: StatedumpValues) => void,
  sys: string,
  tasks: ReadonlyMap<number, { name: string }>,
): void {
  const dir = join(sys, 'kernel/irq');
  // Threaded handlers run in kernel threads named irq/<n>-<action>.
  const irqThreads = new Map<string, number>();
  for (const [tid, t] of tasks) if (t.name.startsWith('irq/')) irqThreads.set(t.name, tid);
  for (const irqStr of tryReaddir(dir)
    .filter((d) => /^\d+$/.test(d))
    .sort(numericSort)) {
    const actions = (tryRead(join(dir, irqStr, 'actions')) ?? '').trim();
    if (actions === '') continue;
    const chip = (tryRead(join(dir, irqStr, 'chip_name')) ?? '').trim() || 'unnamed_irq_chip';
    for (const action of actions.split(',')) {
      const thread = `irq/${irqStr}-${action}`.slice(0, 15);
      out('lttng_statedump_interrupt', {
        irq: Number(irqStr),
        name: chip,
        action,
        tid: irqThreads.get(thread) ?? 0,
      });
    }
  }
}

const IFF_UP = 1;

function dumpNetworkInterfaces(out: (name: string, values: StatedumpValues) => void, sys: string): void {
  const dir = join(sys, 'class/net');
  const addrs = networkInterfaces();
  const names = tryReaddir(dir)
    .map((n) => ({ n, idx: Number(tryRead(join(dir, n, 'ifindex')) ?? 0) }))
    .sort((a, b) => a.idx - b.idx);
  for (const { n } of names) {
    const flags = Number.parseInt((tryRead(join(dir, n, 'flags')) ?? '0').trim(), 16);
    if ((flags & IFF_UP) === 0) {
      out('lttng_statedump_network_interface', { name: n, address_ipv4: 0 });
      continue;
    }
    for (const a of addrs[n] ?? []) {
      if (a.family !== 'IPv4') continue;
      const v = a.address.split('.').reduce((acc, b) => acc * 256 + Number(b), 0);
      out('lttng_statedump_network_interface', { name: n, address_ipv4: v });
    }
  }
}

/** MKDEV: the kernel's dev_t encoding (major << 20 | minor), which LTTng records. */
export function kernelDevT(major: number, minor: number): number {
  return ((major << 20) | minor) >>> 0;
}

function dumpBlockDevices(out: (name: string, values: StatedumpValues) => void, sys: string): void {
  const dir = join(sys, 'class/block');
  for (const n of tryReaddir(dir).sort()) {
    const size = Number((tryRead(join(dir, n, 'size')) ?? '0').trim());
    if (size === 0) continue; // LTTng skips empty devices
    const dev = /^(\d+):(\d+)/.exec((tryRead(join(dir, n, 'dev')) ?? '').trim());
    if (!dev) continue;
    out('lttng_statedump_block_device', { dev: kernelDevT(Number(dev[1]), Number(dev[2])), diskname: n });
  }
}

function dumpCpuTopology(out: (name: string, values: StatedumpValues) => void, proc: string): void {
  const text = tryRead(join(proc, 'cpuinfo'));
  if (!text) return;
  for (const block of text.split(/\n\s*\n/)) {
    const get = (k: string): string | undefined => {
      const m = new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm').exec(block);
      return m ? m[1]!.trim() : undefined;
    };
    const cpu = get('processor');
    if (cpu === undefined) continue;
    out('lttng_statedump_cpu_topology', {
      architecture: 'x86',
      cpu_id: Number(cpu),
      vendor: get('vendor_id') || 'unknown',
      family: Number(get('cpu family') ?? 0) & 0xff,
      model: Number(get('model') ?? 0) & 0xff,
      model_name: get('model name') || 'unknown',
      physical_id: Number(get('physical id') ?? 0),
      core_id: Number(get('core id') ?? 0),
      cores: Number(get('cpu cores') ?? 0),
    });
  }
}
