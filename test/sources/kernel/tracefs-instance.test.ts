/**
 * Private tracefs instances on the real tracefs: set-up order and values, removal, stale
 * instances of killed runs, and the clear errors (no tracefs, not root, busy name, refused
 * filter). Skipped, with the reason printed, where tracefs is not usable.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Tracefs } from '../../../src/sources/kernel/tracefs.js';
import { sweepStaleInstances, TracefsInstance } from '../../../src/sources/kernel/tracefs-instance.js';
import { checkGlobalTracefsStateKept, liveTracefsUnavailable } from './helpers.js';

const skip = liveTracefsUnavailable();
if (skip) console.log(`# kernel tests skipped: ${skip}`);
const T = '/sys/kernel/tracing';
// This file's instances, should a test have failed before removing its own.
checkGlobalTracefsStateKept(skip, () => {
  for (const n of ['unit-a', 'unit-b', 'unit-stale', 'unit-killed']) {
    try {
      TracefsInstance.create(Tracefs.open(), n).remove();
    } catch {}
  }
});

test('an instance is set up in order and removed', { skip }, () => {
  const tfs = Tracefs.open();
  const inst = TracefsInstance.create(tfs, 'unit-a', { bufferSizeKb: 64, subbufSizeKb: 8, overwrite: true });
  try {
    assert.equal(inst.dir, `${T}/instances/ttng-unit-a`);
    assert.equal(inst.read('tracing_on').trim(), '0');
    assert.match(inst.read('trace_clock'), /\[mono\]/);
    assert.equal(inst.subbufSizeBytes, 8192);
    assert.ok(inst.bufferSizeKb >= 64, `buffer ${inst.bufferSizeKb} KiB`);
    assert.equal(inst.read('options/overwrite').trim(), '1');
    assert.equal(inst.read('options/disable_on_free').trim(), '1');
    assert.deepEqual(
      inst.cpuIds,
      readFileSync('/sys/devices/system/cpu/possible', 'latin1').trim() === '0-1' ? [0, 1] : inst.cpuIds,
    );
    inst.enableEvent('sched', 'sched_switch');
    assert.equal(inst.read('events/sched/sched_switch/enable').trim(), '1');
    assert.equal(
      readFileSync(`${T}/events/sched/sched_switch/enable`, 'latin1').trim(),
      '0',
      'the global event stays off',
    );
  } finally {
    inst.remove();
  }
  assert.equal(existsSync(inst.dir), false);
  inst.remove(); // idempotent
});

test('a stale instance (left by a killed run) is removed by the next start; a live one is not', {
  skip,
}, async () => {
  const tfs = Tracefs.open();
  // A run killed with SIGKILL: its instance stays, but its free_buffer is closed, so tracing stopped.
  const script = fileURLToPath(new URL('./fixtures/hold-instance.js', import.meta.url));
  const child = spawn(process.execPath, [script, 'unit-killed'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  assert.ok(existsSync(`${T}/instances/ttng-unit-killed`));
  // While the holder lives, a sweep leaves it alone.
  assert.deepEqual(sweepStaleInstances(tfs).includes('ttng-unit-killed'), false);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.ok(existsSync(`${T}/instances/ttng-unit-killed`), 'the killed run left its instance');
  assert.equal(
    readFileSync(`${T}/instances/ttng-unit-killed/tracing_on`, 'latin1').trim(),
    '0',
    'disable_on_free stopped it',
  );
  mkdirSync(`${T}/instances/ttng-unit-stale`);
  const inst = TracefsInstance.create(tfs, 'unit-a');
  try {
    assert.equal(existsSync(`${T}/instances/ttng-unit-killed`), false);
    assert.equal(existsSync(`${T}/instances/ttng-unit-stale`), false);
  } finally {
    inst.remove();
  }
});

test('a session name in use by a running session is refused with a clear error', { skip }, () => {
  const tfs = Tracefs.open();
  const a = TracefsInstance.create(tfs, 'unit-b');
  try {
    assert.throws(() => TracefsInstance.create(tfs, 'unit-b'), {
      code: 'TTNG_E_KERNEL_INSTANCE_BUSY',
      message: /in use by another running session: choose another session name/,
    });
  } finally {
    a.remove();
  }
  assert.throws(() => TracefsInstance.create(tfs, 'bad/name'), { code: 'TTNG_E_KERNEL_USAGE' });
});

test("a filter the kernel refuses: the kernel's own message and caret", { skip }, () => {
  const inst = TracefsInstance.create(Tracefs.open(), 'unit-a');
  try {
    assert.throws(
      () => inst.setFilter('sched', 'sched_switch', 'nofield == 3'),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'TTNG_E_KERNEL_BAD_FILTER');
        assert.match(e.message, /sched:sched_switch/);
        assert.match(e.message, /Field not found/);
        assert.match(e.message, /\^/);
        return true;
      },
    );
    inst.setFilter('sched', 'sched_switch', 'prev_pid != 0');
    assert.match(inst.read('events/sched/sched_switch/filter'), /prev_pid != 0/);
  } finally {
    inst.remove();
  }
});

test('no tracefs: says how to mount it', () => {
  assert.throws(() => Tracefs.open('/nonexistent/tracing'), {
    code: 'TTNG_E_KERNEL_NO_TRACEFS',
    message: /mount -t tracefs nodev \/sys\/kernel\/tracing/,
  });
});

test('not root: says to use sudo', { skip }, () => {
  const script = fileURLToPath(new URL('./fixtures/open-tracefs.js', import.meta.url));
  const r = spawnSync(process.execPath, [script], { uid: 65534, gid: 65534, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /TTNG_E_KERNEL_NOT_ROOT: kernel tracing needs root .*sudo/);
});
