/** Worker threads, snapshots and rotations. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { defineProvider, startSession } from '../../src/tracer/index.js';
import { babeltrace2, countByName, removeDir, tempDir } from './helpers.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));
function output(): string {
  const d = tempDir('wsr');
  dirs.push(d);
  return d;
}

const IDLE = new URL('./fixtures/idle-worker.js', import.meta.url);
type Reply = { ready?: boolean; enabled: boolean };
function ask(w: Worker, m: unknown): Promise<Reply> {
  return new Promise((resolve) => {
    w.once('message', resolve);
    w.postMessage(m);
  });
}
function started(w: Worker): Promise<Reply> {
  return new Promise((resolve) => w.once('message', resolve));
}

test('workers: one stream per thread, with its own vtid; workers started before and after the session record', async () => {
  const out = output();
  const before = new Worker(IDLE);
  assert.equal((await started(before)).enabled, false);
  const s = await startSession({ output: out, events: ['wk:*'], contexts: ['vtid'], statedump: false });
  const afterW = new Worker(IDLE);
  assert.equal((await started(afterW)).enabled, true, 'a worker started during a session is enabled at once');
  assert.equal((await ask(before, { emit: 10 })).enabled, true, 'an idle worker learns about the session');
  await ask(afterW, { emit: 20 });
  // A terminated worker: its last packet is taken by the consumer.
  await before.terminate();
  const r = await s.stop();
  await afterW.terminate();
  assert.equal(r.streams.length, 2);
  assert.equal(new Set(r.streams.map((x) => x.vtid)).size, 2);
  assert.ok(r.streams.every((x) => x.vtid !== process.pid));
  const bt = babeltrace2(out, ['--no-delta']);
  assert.equal(bt.status, 0, bt.stderr);
  assert.equal(bt.stderr, '');
  assert.deepEqual(countByName(bt.events), { 'wk:ev': 30 });
  const vtids = new Set(bt.events.map((e) => /vtid = (\d+)/.exec(e)![1]));
  assert.equal(vtids.size, 2);
  assert.deepEqual(
    readdirSync(r.tracePath)
      .filter((f) => f.startsWith('channel0_'))
      .sort(),
    ['channel0_0', 'channel0_1'],
  );
});

test('snapshot mode: nothing is written until snapshot(); each snapshot holds the latest records', async () => {
  const out = output();
  const app = defineProvider('snap', { ev: { fields: [['n', 'i64']] } });
  const s = await startSession({
    output: out,
    events: ['snap:*'],
    snapshot: true,
    // Larger than a page: full packets are copied whole, the current one trimmed.
    subbufSize: 16384,
    numSubbuf: 4,
    statedump: false,
  });
  for (let i = 0; i < 100_000; i++) app.ev(i);
  const p1 = await s.snapshot();
  for (let i = 100_000; i < 100_010; i++) app.ev(i);
  const p2 = await s.snapshot({ name: 'mysnap' });
  const r = await s.stop();
  assert.ok(!existsSync(join(out, 'ust')), 'a snapshot session writes no trace of its own');
  assert.match(basename(join(p1, '..', '..', '..')), /^snapshot-1-\d{8}-\d{6}-0$/);
  assert.match(basename(join(p2, '..', '..', '..')), /^mysnap-\d{8}-\d{6}-1$/);
  assert.equal(r.streams.length, 1);
  for (const [p, last] of [
    [p1, 99_999],
    [p2, 100_009],
  ] as const) {
    const bt = babeltrace2(p, ['--no-delta']);
    assert.equal(bt.status, 0, bt.stderr);
    const ns = bt.events.map((e) => Number(/n = (\d+)/.exec(e)![1]));
    assert.equal(ns.at(-1), last, 'the snapshot ends with the latest record');
    assert.ok(ns.length > 1000 && ns.length < 100_000, `a flight recorder keeps the end only (${ns.length})`);
    assert.equal(bt.stderr, '');
    for (let i = 1; i < ns.length; i++) assert.ok(ns[i]! > ns[i - 1]!);
  }
  await assert.rejects(s.snapshot(), /not active/);
});

test('rotation: each chunk is archived as a complete trace and tracing goes on', async () => {
  const out = output();
  const app = defineProvider('rot', { ev: { fields: [['n', 'i64']] } });
  const s = await startSession({ output: out, events: ['rot:*'], statedump: false });
  for (let i = 0; i < 5; i++) app.ev(i);
  const a1 = await s.rotate();
  assert.match(basename(a1), /^\d{8}T\d{6}[+-]\d{4}-\d{8}T\d{6}[+-]\d{4}-0$/);
  for (let i = 5; i < 8; i++) app.ev(i);
  const r = await s.stop();
  assert.equal(r.archives.length, 2);
  assert.equal(r.archives[0], a1);
  assert.match(basename(r.archives[1]!), /-1$/);
  assert.ok(r.tracePath.startsWith(r.archives[1]!));
  const first = babeltrace2(a1, ['--no-delta']);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(first.stderr, '');
  assert.deepEqual(
    first.events.map((e) => /n = (\d+)/.exec(e)![1]),
    ['0', '1', '2', '3', '4'],
  );
  const second = babeltrace2(r.archives[1]!, ['--no-delta']);
  assert.equal(second.status, 0, second.stderr);
  assert.deepEqual(
    second.events.map((e) => /n = (\d+)/.exec(e)![1]),
    ['5', '6', '7'],
  );
  await assert.rejects(s.rotate(), /not active/);
});

test("switch timer: a quiet thread's partial packet reaches the disk before stop", async () => {
  const out = output();
  const app = defineProvider('quiet', { ev: { fields: [['n', 'i64']] } });
  const s = await startSession({ output: out, events: ['quiet:*'], switchTimerUs: 20_000, statedump: false });
  app.ev(1);
  const file = join(s.tracePath, 'channel0_0');
  const deadline = Date.now() + 2000;
  while ((!existsSync(file) || statSync(file).size === 0) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 10));
  assert.ok(statSync(file).size > 0, 'the timer handed the packet to the consumer while the session runs');
  await s.stop();
  const bt = babeltrace2(out, ['--no-delta']);
  assert.equal(bt.status, 0, bt.stderr);
  assert.deepEqual(bt.events, ['quiet:ev: { n = 1 }']);
});
