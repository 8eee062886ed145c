/**
 * Live kernel sessions (root and tracefs needed; skipped with the reason otherwise):
 * - exactness: every record ttng hands to its sink equals what the kernel's own text shows for
 *   the same instance (trace_clock x86-tsc: raw cycles, exact), and every record of a second
 *   instance recording at the same time appears with equal fields, same CPU, same order;
 * - lost events: a getppid storm into tiny buffers: recorded + discarded = issued, exactly;
 * - errors: unknown event, bad filter, nothing left behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { KernelSession } from '../../../src/sources/kernel/kernel-session.js';
import { Tracefs } from '../../../src/sources/kernel/tracefs.js';
import { TracefsInstance } from '../../../src/sources/kernel/tracefs-instance.js';
import { resolveUprobe, uprobeDefinition } from '../../../src/symbols/index.js';
import {
  CollectingSink,
  checkGlobalTracefsStateKept,
  expectedFromText,
  globalTracefsState,
  liveTracefsUnavailable,
  parseTraceText,
  type SunkRecord,
  type TextRecord,
} from './helpers.js';

const skip = liveTracefsUnavailable();
if (skip) console.log(`# kernel tests skipped: ${skip}`);
checkGlobalTracefsStateKept(skip);

const EVENTS = [
  'sched_switch',
  'sched_waking',
  'sched_process_fork',
  'sched_process_exec',
  'irq_softirq_entry',
];

function workload(): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      'sh',
      ['-c', 'for i in 1 2 3 4 5 6; do cat /etc/hostname /etc/passwd > /dev/null; done'],
      { stdio: 'ignore' },
    );
    c.once('error', reject);
    c.once('exit', () => resolve());
  });
}

function sameFields(r: SunkRecord, exp: { lttngName: string; fields: Record<string, unknown> }): boolean {
  if (r.name !== exp.lttngName) return false;
  for (const [k, v] of Object.entries(exp.fields)) if (r.values[k] !== v) return false;
  return true;
}

test('exactness: ttng records equal the kernel text of the same instance, and match a second instance', {
  skip,
  timeout: 60_000,
}, async () => {
  const tfs = Tracefs.open();
  const session = KernelSession.create({
    name: 'unit-exact',
    events: EVENTS,
    syscalls: ['openat'],
    contexts: ['tid'],
    statedump: false,
    // x86-tsc: the text shows raw cycles, so the comparison is exact; a long poll period keeps
    // every record in the buffer until the text is read.
    instance: { clock: 'x86-tsc', bufferSizeKb: 8192 },
    pollIntervalMs: 600_000,
  });
  const sink = new CollectingSink();
  const second = TracefsInstance.create(tfs, 'unit-exact-ref', { clock: 'x86-tsc', bufferSizeKb: 8192 });
  let ownText: TextRecord[] = [];
  let refText: TextRecord[] = [];
  try {
    for (const [s, e] of [
      ['sched', 'sched_switch'],
      ['sched', 'sched_waking'],
      ['sched', 'sched_process_fork'],
      ['sched', 'sched_process_exec'],
      ['irq', 'softirq_entry'],
      ['syscalls', 'sys_enter_openat'],
      ['syscalls', 'sys_exit_openat'],
    ] as const) {
      second.enableEvent(s, e);
    }
    session.start(sink);
    second.setTracingOn(true); // the second window lies inside ttng's
    await workload();
    second.setTracingOn(false);
    session.instance.setTracingOn(false);
    for (const cpu of session.instance.cpuIds) {
      ownText.push(...parseTraceText(session.instance.read(`per_cpu/cpu${cpu}/trace`)));
      refText.push(...parseTraceText(second.read(`per_cpu/cpu${cpu}/trace`)));
    }
    session.stop();
  } finally {
    second.remove();
    session.destroy();
  }
  ownText = ownText.filter((t) => expectedFromText(t));
  refText = refText.filter((t) => expectedFromText(t));
  assert.ok(ownText.length > 200, `only ${ownText.length} records`);
  // (1) Same instance: one to one, in order per CPU, equal time stamps and fields.
  for (const cpu of session.instance.cpuIds) {
    const mine = sink.records.filter((r) => r.cpuId === cpu);
    const text = ownText.filter((t) => t.cpuId === cpu);
    assert.equal(mine.length, text.length, `cpu ${cpu}: record count`);
    text.forEach((t, i) => {
      const r = mine[i]!;
      const exp = expectedFromText(t)!;
      assert.equal(r.ts, t.ts, `cpu ${cpu} #${i} ${t.body}: time stamp`);
      assert.equal(r.context?.tid, t.pid, `cpu ${cpu} #${i}: tid`);
      assert.ok(sameFields(r, exp), `cpu ${cpu} #${i}: ${JSON.stringify(r.values)} vs ${t.body}`);
    });
  }
  // (2) Second instance: every record is in ttng's, same CPU, same fields and thread, in order.
  // Time stamps cannot be equal across instances (each ring buffer reads the clock itself); they
  // must be close: within 50 µs of TSC cycles.
  let matched = 0;
  for (const cpu of session.instance.cpuIds) {
    const mine = sink.records.filter((r) => r.cpuId === cpu);
    const used = new Set<number>();
    let ptr = 0;
    for (const t of refText.filter((x) => x.cpuId === cpu)) {
      const exp = expectedFromText(t)!;
      // Identical records (a softirq of the same thread) repeat: take the closest in time.
      let found = -1;
      let best = 0n;
      for (let j = Math.max(0, ptr - 16); j < Math.min(mine.length, ptr + 256); j++) {
        if (!used.has(j) && mine[j]!.context?.tid === t.pid && sameFields(mine[j]!, exp)) {
          const d = mine[j]!.ts > t.ts ? mine[j]!.ts - t.ts : t.ts - mine[j]!.ts;
          if (found < 0 || d < best) {
            found = j;
            best = d;
          }
        }
      }
      assert.ok(
        found >= 0,
        `cpu ${cpu}: the second instance's "${t.body}" at ${t.ts} is not in ttng's records`,
      );
      used.add(found);
      ptr = found + 1;
      const d = mine[found]!.ts - t.ts;
      assert.ok(
        d > -200_000n && d < 200_000n,
        `cpu ${cpu}: ${t.body}: time stamps ${mine[found]!.ts} and ${t.ts} are far apart`,
      );
      matched++;
    }
  }
  assert.ok(matched > 100, `only ${matched} records of the second instance`);
});

test('lost events: a getppid storm into tiny buffers; recorded + discarded = issued, exactly', {
  skip,
  timeout: 60_000,
}, async () => {
  const N = 200_000;
  // The storm waits on stdin so its pid is in set_event_pid before its first getppid.
  const child = spawn(
    process.execPath,
    ['-e', `require('fs').readSync(0, Buffer.alloc(1)); for (let i = 0; i < ${N}; i++) process.ppid;`],
    {
      stdio: ['pipe', 'ignore', 'inherit'],
    },
  );
  const session = KernelSession.create({
    name: 'unit-lost',
    syscalls: ['getppid'],
    statedump: false,
    instance: { bufferSizeKb: 16, pids: [child.pid!] },
    pollIntervalMs: 50,
  });
  const sink = new CollectingSink();
  let summary: ReturnType<KernelSession['stop']>;
  try {
    session.start(sink);
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin!.end('x');
    await exited;
    summary = session.stop();
  } finally {
    session.destroy();
  }
  const entries = sink.records.filter((r) => r.name === 'syscall_entry_getppid').length;
  const exits = sink.records.filter((r) => r.name === 'syscall_exit_getppid');
  assert.ok(summary.discarded > 0, 'the buffers were large enough: nothing was lost');
  assert.equal(
    entries + exits.length + summary.discarded,
    2 * N,
    `recorded ${entries}+${exits.length}, discarded ${summary.discarded}`,
  );
  let sinkDiscarded = 0;
  for (const n of sink.discardedByCpu.values()) sinkDiscarded += n;
  assert.equal(sinkDiscarded, summary.discarded);
  // No corrupt record: every exit returns our pid (the storm's parent).
  for (const r of exits) assert.equal(r.values.ret, process.pid);
});

test('errors: unknown event (with a suggestion), bad filter text from the kernel; nothing left behind', {
  skip,
}, () => {
  assert.throws(() => KernelSession.create({ name: 'unit-err', events: ['sched_swich'] }), {
    code: 'TTNG_E_KERNEL_UNKNOWN_EVENT',
    message: /no kernel event matches "sched_swich" \(did you mean "sched_switch"\?\)/,
  });
  assert.throws(() => KernelSession.create({ name: 'unit-err', syscalls: ['nosuchcall'] }), {
    code: 'TTNG_E_KERNEL_UNKNOWN_EVENT',
  });
  assert.throws(
    () =>
      KernelSession.create({
        name: 'unit-err',
        events: ['sched_switch'],
        filter: { ftraceFilter: () => 'bogus ==', compile: () => () => true },
      }),
    { code: 'TTNG_E_KERNEL_BAD_FILTER' },
  );
  assert.equal(globalTracefsState().ttngInstances, '');
});

test('lost events in overwrite mode: recorded + overwritten = issued, exactly', {
  skip,
  timeout: 60_000,
}, async () => {
  const N = 100_000;
  const child = spawn(
    process.execPath,
    ['-e', `require('fs').readSync(0, Buffer.alloc(1)); for (let i = 0; i < ${N}; i++) process.ppid;`],
    {
      stdio: ['pipe', 'ignore', 'inherit'],
    },
  );
  const session = KernelSession.create({
    name: 'unit-lost-ow',
    syscalls: ['getppid'],
    statedump: false,
    instance: { bufferSizeKb: 16, subbufSizeKb: 4, overwrite: true, pids: [child.pid!] },
    pollIntervalMs: 50,
  });
  const sink = new CollectingSink();
  let summary: ReturnType<KernelSession['stop']>;
  try {
    session.start(sink);
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin!.end('x');
    await exited;
    summary = session.stop();
  } finally {
    session.destroy();
  }
  assert.ok(summary.discarded > 0, 'nothing was overwritten');
  assert.equal(sink.records.length + summary.discarded, 2 * N);
  for (const r of sink.records)
    if (r.name === 'syscall_exit_getppid') assert.equal(r.values.ret, process.pid);
});

test('contexts: pid is the thread group, procname follows exec, for threads and processes', {
  skip,
  timeout: 60_000,
}, async () => {
  const session = KernelSession.create({
    name: 'unit-ctx',
    events: ['sched_switch', 'sched_process_fork'],
    syscalls: ['openat'],
    contexts: ['pid', 'tid', 'procname', 'prio'],
  });
  const sink = new CollectingSink();
  let workerTid = 0;
  let shPid = 0;
  try {
    session.start(sink);
    // A thread of ours: it tells its tid, then opens files.
    const { Worker } = await import('node:worker_threads');
    const w = new Worker(
      `const fs = require('fs'); const { parentPort } = require('worker_threads');
       const tid = Number(fs.readFileSync('/proc/thread-self/stat', 'latin1').split(' ')[0]);
       for (let i = 0; i < 20; i++) fs.readFileSync('/etc/hostname');
       parentPort.postMessage(tid);`,
      { eval: true },
    );
    workerTid = await new Promise<number>((r) => w.once('message', r));
    await w.terminate();
    // A process that execs: sh becomes sleep, which blocks (switched out as "sleep").
    const c = spawn('sh', ['-c', 'exec sleep 0.2'], { stdio: 'ignore' });
    shPid = c.pid!;
    await new Promise((r) => c.once('exit', r));
    session.stop();
  } finally {
    session.destroy();
  }
  const workerRecs = sink.records.filter((r) => r.context?.tid === workerTid);
  assert.ok(workerRecs.length >= 20, `${workerRecs.length} records of the worker thread`);
  for (const r of workerRecs) assert.equal(r.context?.pid, process.pid, 'a thread records its process id');
  const sleepOut = sink.records.filter(
    (r) => r.name === 'sched_switch' && r.values.prev_tid === shPid && r.values.prev_comm === 'sleep',
  );
  assert.ok(sleepOut.length > 0, 'sleep was never switched out');
  for (const r of sleepOut) {
    assert.equal(r.context?.procname, 'sleep');
    assert.equal(r.context?.pid, shPid);
    assert.equal(r.context?.prio, r.values.prev_prio);
  }
  const fork = sink.records.find((r) => r.name === 'sched_process_fork' && r.values.child_tid === shPid);
  assert.ok(fork, 'the fork of sh');
  assert.equal(fork.values.child_pid, shPid, 'a new process is its own thread group');
  assert.equal(fork.values.parent_pid, process.pid);
  const threadFork = sink.records.find(
    (r) => r.name === 'sched_process_fork' && r.values.child_tid === workerTid,
  );
  assert.ok(threadFork, 'the creation of the worker thread');
  assert.equal(
    threadFork.values.child_pid,
    process.pid,
    'a new thread joins its parent thread group (CLONE_THREAD)',
  );
});

test('uprobe groups left by a killed run are removed by the next session that defines probes', {
  skip,
}, (t) => {
  const libc = ['/usr/lib/x86_64-linux-gnu/libc.so.6', '/lib/x86_64-linux-gnu/libc.so.6'].find((p) =>
    existsSync(p),
  );
  if (!libc) {
    t.skip('no libc.so.6 at a known path');
    return;
  }
  const events = '/sys/kernel/tracing/uprobe_events';
  const before = readFileSync(events, 'latin1');
  const [loc] = resolveUprobe(`elf:${libc}:getppid`);
  // What a killed session leaves: a definition in its group, and no instance of that name.
  writeFileSync(events, `${uprobeDefinition(loc!, 'ttng_unit_killed', 'getppid')}\n`, { flag: 'a' });
  assert.match(readFileSync(events, 'latin1'), /ttng_unit_killed\/getppid/);
  const session = KernelSession.create({
    name: 'unit-uprobe',
    statedump: false,
    userspaceProbes: [{ location: `elf:${libc}:getppid` }],
  });
  try {
    const now = readFileSync(events, 'latin1');
    assert.doesNotMatch(now, /ttng_unit_killed/);
    assert.match(now, /ttng_unit_uprobe\/getppid/);
  } finally {
    session.destroy();
  }
  assert.equal(readFileSync(events, 'latin1'), before);
});
