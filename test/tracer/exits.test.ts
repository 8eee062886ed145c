/**
 * A program traced through the environment leaves a complete trace however it ends: normal end,
 * process.exit(), an uncaught exception, SIGINT and SIGTERM (which still end the process as the
 * signal does by default), and with a worker still running.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { REPO_ROOT } from '../helpers/paths.js';
import { babeltrace2, countByName, removeDir, runFixture, tempDir } from './helpers.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

function run(mode: string, count = 1000) {
  const out = tempDir(`exit-${mode}`);
  dirs.push(out);
  const r = runFixture('exit-modes', [mode, String(count)], { TTNG_OUTPUT: out, TTNG_EVENTS: 'exitapp:*' });
  const bt = babeltrace2(out, ['--no-delta']);
  assert.equal(bt.status, 0, `${mode}: ${bt.stderr}`);
  assert.equal(bt.stderr, '', mode);
  return { r, bt };
}

test('normal end: every event is in the trace', () => {
  const { r, bt } = run('normal');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(countByName(bt.events), { 'exitapp:tick': 1000 });
  assert.equal(bt.events.at(-1), 'exitapp:tick: { n = 999 }');
});

test('process.exit(3): complete trace, exit status kept', () => {
  const { r, bt } = run('exit');
  assert.equal(r.status, 3);
  assert.deepEqual(countByName(bt.events), { 'exitapp:tick': 1000 });
});

test('uncaught exception: complete trace, the error printed, exit status 1', () => {
  const { r, bt } = run('throw');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Error: boom/);
  assert.deepEqual(countByName(bt.events), { 'exitapp:tick': 1000 });
});

test('SIGINT and SIGTERM: complete trace, and the process still dies by the signal', () => {
  for (const [mode, sig] of [
    ['sigint', 'SIGINT'],
    ['sigterm', 'SIGTERM'],
  ] as const) {
    const { r, bt } = run(mode);
    assert.equal(r.signal, sig, `${mode}: status ${r.status}, stderr ${r.stderr}`);
    assert.deepEqual(countByName(bt.events), { 'exitapp:tick': 1000 });
  }
});

test("SIGINT with the program's own handler: the program decides, the trace is complete at its exit", () => {
  const { r, bt } = run('sigint-handler');
  assert.equal(r.status, 0);
  assert.deepEqual(countByName(bt.events), { 'exitapp:tick': 1001 });
  assert.equal(bt.events.at(-1), 'exitapp:tick: { n = -2 }');
});

test("process.exit() while a worker is alive: the worker's events are in the trace too", () => {
  const { r, bt } = run('worker', 500);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(countByName(bt.events), { 'exitapp:tick': 1000 });
});

test('a bad environment setting is reported on stderr and the program runs untraced', () => {
  const out = tempDir('exit-bad');
  dirs.push(out);
  const r = runFixture('exit-modes', ['normal', '10'], {
    TTNG_OUTPUT: out,
    TTNG_EVENTS: 'exitapp:*',
    TTNG_FILTER: 'n +',
  });
  assert.equal(r.status, 0);
  assert.match(r.stderr, /^ttng: tracing not started: .*syntax/);
});

test('a program that does not import ttng, traced with the preload (--import ttng/auto)', () => {
  const out = tempDir('exit-auto');
  dirs.push(out);
  const auto = join(REPO_ROOT, 'dist', 'src', 'sources', 'node', 'auto.js');
  const r = runFixture('plain-program', [], { TTNG_OUTPUT: out, TTNG_EVENTS: 'node:http_*' }, 60_000, [
    '--import',
    auto,
  ]);
  assert.equal(r.status, 0, r.stderr);
  const bt = babeltrace2(out, ['--no-delta']);
  assert.equal(bt.status, 0, bt.stderr);
  assert.equal(bt.stderr, '');
  assert.deepEqual(countByName(bt.events), {
    'node:http_client_request_start': 1,
    'node:http_server_request_start': 1,
    'node:http_server_response_finish': 1,
    'node:http_client_response_finish': 1,
  });
});
