/**
 * The state dump against this machine's /proc and /sys: every task /proc lists before and after
 * the dump is in it with the right pid, tid, ppid and name; LTTng's order and fields; our own
 * file descriptors, a worker thread, the loopback interface, the CPUs.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import {
  dumpState,
  kernelDevT,
  parseTaskStat,
  STATEDUMP_EVENT_CLASSES,
  type StatedumpValues,
} from '../../../src/sources/statedump/statedump.js';

interface ProcTask {
  pid: number;
  tid: number;
  ppid: number;
  name: string;
}

function procTasks(): Map<number, ProcTask> {
  const out = new Map<number, ProcTask>();
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tids) {
      try {
        const st = parseTaskStat(readFileSync(`/proc/${p}/task/${t}/stat`, 'latin1'));
        if (st) out.set(Number(t), { pid: Number(p), tid: Number(t), ppid: st.ppid, name: st.comm });
      } catch {}
    }
  }
  return out;
}

function runDump(): { events: [string, StatedumpValues][]; summary: ReturnType<typeof dumpState> } {
  const events: [string, StatedumpValues][] = [];
  const summary = dumpState((n, v) => events.push([n, v]));
  return { events, summary };
}

test('every task /proc lists around the dump is in it, with the right pid, tid, ppid and name', async () => {
  // A thread of our own, so threads (tid != pid) are covered for sure.
  const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
  await new Promise((r) => worker.once('online', r));
  try {
    const before = procTasks();
    const { events } = runDump();
    const afterTasks = procTasks();
    const dumped = new Map<number, StatedumpValues>();
    for (const [n, v] of events) if (n === 'lttng_statedump_process_state') dumped.set(v.tid as number, v);
    let stable = 0;
    for (const [tid, t] of before) {
      const a = afterTasks.get(tid);
      if (!a || a.pid !== t.pid || a.name !== t.name) continue; // gone or changed during the dump
      stable++;
      const d = dumped.get(tid);
      assert.ok(d, `task ${tid} (${t.name}) is missing from the dump`);
      assert.equal(d.pid, t.pid, `task ${tid}: pid`);
      assert.equal(d.ppid, t.ppid, `task ${tid}: ppid`);
      assert.equal(d.name, t.name, `task ${tid}: name`);
    }
    assert.ok(stable > 20, `only ${stable} stable tasks`);
    const ours = [...dumped.values()].filter((v) => v.pid === process.pid);
    assert.ok(ours.length >= 2, 'our worker thread is listed');
    assert.ok(ours.some((v) => v.tid !== process.pid));
    assert.ok(ours.every((v) => v.type === 0 && v.mode === 5 && v.submode === 0));
    const kthreadd = dumped.get(2);
    if (kthreadd) assert.equal(kthreadd.type, 1, 'kthreadd is a kernel thread');
  } finally {
    await worker.terminate();
  }
});

test("LTTng's order and fields: start first, end last, namespaces after each thread, fds per process", () => {
  const fd = openSync('/etc/hostname', 'r');
  try {
    const { events, summary } = runDump();
    assert.equal(events[0]![0], 'lttng_statedump_start');
    assert.equal(events.at(-1)![0], 'lttng_statedump_end');
    const fields = new Map(STATEDUMP_EVENT_CLASSES.map((c) => [c.name, c.fields.map((f) => f.name)]));
    for (const [n, v] of events)
      assert.deepEqual(Object.keys(v), fields.get(n), `${n}: fields in LTTng's order`);
    // After each process_state come that thread's namespace records.
    for (let i = 0; i < events.length; i++) {
      if (events[i]![0] !== 'lttng_statedump_process_state') continue;
      const tid = events[i]![1].tid;
      assert.equal(events[i + 1]![0], 'lttng_statedump_process_pid_ns');
      assert.equal(events[i + 1]![1].tid, tid);
    }
    const myFds = events.filter(
      ([n, v]) => n === 'lttng_statedump_file_descriptor' && v.file_table_address === process.pid,
    );
    const mine = myFds.find(([, v]) => v.fd === fd);
    assert.ok(mine, 'our open file is listed');
    assert.equal(mine[1].filename, realpathSync('/etc/hostname'));
    assert.equal((mine[1].flags as number) & 3, 0, 'O_RDONLY');
    assert.equal(mine[1].fmode, 1, 'FMODE_READ');
    assert.equal(summary.counts.get('lttng_statedump_process_state'), summary.tasks.size);
    const lo = events.find(([n, v]) => n === 'lttng_statedump_network_interface' && v.name === 'lo');
    assert.ok(lo);
    assert.equal(lo[1].address_ipv4, 0x7f000001);
    const cpus = readFileSync('/proc/cpuinfo', 'latin1').match(/^processor\s*:/gm)!.length;
    assert.equal(summary.counts.get('lttng_statedump_cpu_topology'), cpus);
    const maps = events.filter(([n, v]) => n === 'lttng_statedump_vm_map' && v.pid === process.pid);
    assert.ok(
      maps.some(([, v]) => ((v.flags as number) & 4) !== 0),
      'an executable mapping of ours',
    );
  } finally {
    closeSync(fd);
  }
});

test('block devices: the kernel dev_t encoding and only non-empty devices', () => {
  assert.equal(kernelDevT(254, 0), 254 << 20);
  assert.equal(kernelDevT(8, 17), (8 << 20) | 17);
  const { events } = runDump();
  for (const [n, v] of events) {
    if (n !== 'lttng_statedump_block_device') continue;
    const size = Number(readFileSync(`/sys/class/block/${v.diskname}/size`, 'latin1'));
    assert.ok(size > 0);
    const [maj, min] = readFileSync(`/sys/class/block/${v.diskname}/dev`, 'latin1')
      .trim()
      .split(':')
      .map(Number);
    assert.equal(v.dev, kernelDevT(maj!, min!));
  }
});

test('parseTaskStat: names with spaces and parentheses', () => {
  const line =
    '42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 100 1000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0';
  const st = parseTaskStat(line)!;
  assert.equal(st.comm, 'a (b) c');
  assert.equal(st.state, 'S');
  assert.equal(st.ppid, 1);
  assert.equal(st.prio, 20);
  assert.equal(st.processor, 1);
  assert.equal(parseTaskStat('garbage'), undefined);
});
