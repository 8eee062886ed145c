/**
 * Two ttng runs at once: each start sweeps `instances/ttng-*` left by killed runs, and a sweep can
 * catch another run's instance between its mkdir and its open of free_buffer, or between closing
 * free_buffer and its rmdir (the kernel then answers ENOENT or ENODEV). Neither run may fail for it.
 * A child process sweeps in a loop while this one creates and removes instances.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Tracefs } from '../../../src/sources/kernel/tracefs.js';
import { TracefsInstance } from '../../../src/sources/kernel/tracefs-instance.js';
import { checkGlobalTracefsStateKept, liveTracefsUnavailable } from './helpers.js';

const skip = liveTracefsUnavailable();
if (skip) console.log(`# kernel tests skipped: ${skip}`);
checkGlobalTracefsStateKept(skip);

const SWEEPER = `
import { Tracefs } from ${JSON.stringify(fileURLToPath(new URL('../../../src/sources/kernel/tracefs.js', import.meta.url)))};
import { sweepStaleInstances } from ${JSON.stringify(fileURLToPath(new URL('../../../src/sources/kernel/tracefs-instance.js', import.meta.url)))};
const t = Tracefs.open();
const end = Date.now() + Number(process.argv[1]);
let n = 0;
process.stdout.write('ready\\n');
while (Date.now() < end) { sweepStaleInstances(t); n++; }
process.stdout.write(String(n) + '\\n');
`;

test('instances survive another run sweeping stale ones at the same time', {
  skip,
  timeout: 60_000,
}, async () => {
  const tracefs = Tracefs.open();
  const child = spawn(process.execPath, ['--input-type=module', '-e', SWEEPER, '3000'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  await new Promise<void>((resolve) =>
    child.stdout.on('data', (d: string) => {
      out += d;
      if (out.includes('ready')) resolve();
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let created = 0;
  const failures: string[] = [];
  let running = true;
  void exited.then(() => {
    running = false;
  });
  while (running) {
    try {
      const inst = TracefsInstance.create(tracefs, `unit-sweep-${process.pid}`, { bufferSizeKb: 16 });
      inst.remove();
      created++;
    } catch (e) {
      failures.push((e as Error).message);
    }
    // Let the exit event through now and then.
    if (created % 8 === 0) await new Promise((r) => setImmediate(r));
  }
  assert.equal(await exited, 0);
  const sweeps = Number(out.trim().split('\n').at(-1));
  console.log(`# ${created} instances created and removed against ${sweeps} sweeps`);
  assert.ok(sweeps > 100 && created > 10, `${sweeps} sweeps, ${created} instances: too few to race`);
  assert.deepEqual(failures, []);
});
