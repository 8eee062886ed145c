/**
 * `ttng demo` (what `npm run demo` runs): a real recording of examples/demo-app.js, with the
 * kernel in the same session when tracefs may be used, user space only otherwise (shown by
 * running it as `nobody` when this process is root), printed shortened with a count and the path;
 * `--sample` writes the writer-only sample trace. babeltrace2 reads what it wrote.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { kernelUnavailable } from '../../src/cli/commands/demo.js';
import { babeltrace2Path } from '../helpers/paths.js';
import { cleanupKernelLeftovers, globalTracefsState } from '../sources/kernel/helpers.js';
import { babeltrace2, NOBODY, nobodyCanRun, parseSessionSummary, ttng } from './helpers.js';

const bt2 = babeltrace2Path();
const noBt2 = bt2 ? undefined : 'babeltrace2 is not installed (CI installs it)';
const kernelReason = kernelUnavailable();
const work = mkdtempSync(join(tmpdir(), 'ttng-demo-test-'));
chmodSync(work, 0o777);
const globalBefore = kernelReason ? undefined : globalTracefsState();
after(() => {
  rmSync(work, { recursive: true, force: true });
  if (globalBefore) {
    cleanupKernelLeftovers();
    assert.deepEqual(globalTracefsState(), globalBefore, 'global tracefs state changed');
  }
});

/** Checks one demo run's output and trace; `kernel`: whether the kernel was recorded. */
function checkDemo(
  dir: string,
  r: { status: number | null; stdout: string; stderr: string },
  kernel: boolean,
) {
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const out = r.stdout;
  assert.equal(/^Kernel events are left out: /m.test(out), !kernel, out);
  assert.match(
    out,
    new RegExp(
      `^\\$ ttng record ${kernel ? '-k sched_switch .*' : ''}-u 'demo:\\*,node:http_\\*' -o ${dir} -- \\S+ examples/demo-app.js 3$`,
      'm',
    ),
  );
  assert.match(out, /^demo-app: 3 rounds, parent \d+$/m);
  const s = parseSessionSummary(out);
  assert.ok(s, out);
  assert.equal(s.path, dir);
  assert.equal(s.kernel !== undefined, kernel);
  // The shortened view: the header, at most 8 event lines from demo:start, the count.
  const lines = out.split('\n');
  const head = lines.findIndex(
    (l) => l.startsWith(`$ ttng view ${dir}`) || l.startsWith(`$ babeltrace2 ${dir}`),
  );
  assert.ok(head > 0, out);
  const shown = lines.slice(head + 1).filter((l) => l.startsWith('['));
  assert.equal(shown.length, 8);
  assert.match(shown[0]!, / demo:start: /);
  const all = new RegExp(
    `^\\.\\.\\. ${s.events.toLocaleString('en-US')} events in all${kernel ? `: ${s.kernel!.toLocaleString('en-US')} kernel, ${s.ust} user space` : ''}$`,
    'm',
  );
  assert.match(out, all);
  assert.match(
    out,
    new RegExp(
      `^Trace: ${dir} \\(${kernel ? 'kernel/ and ' : ''}ust/pid/\\.\\.\\.\\); the whole of it: ttng view ${dir}$`,
      'm',
    ),
  );
  assert.deepEqual(readdirSync(dir).sort(), kernel ? ['kernel', 'ust'] : ['ust']);
  const v = babeltrace2(dir);
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stderr, '');
  assert.equal(v.events.length, s.events);
  // The program's events and Node's HTTP events of its 3 requests to itself.
  const names = v.events.filter((e) => e.name.includes(':')).map((e) => e.name);
  for (const n of [
    'demo:start',
    'demo:end',
    'node:http_client_request_start',
    'node:http_server_request_start',
    'node:http_server_response_finish',
    'node:http_client_response_finish',
  ]) {
    assert.equal(names.filter((x) => x === n).length, n.startsWith('demo:') ? 1 : 3, n);
  }
  if (kernel) {
    assert.equal(v.events.filter((e) => e.name === 'syscall_entry_getppid').length >= 3, true);
    assert.ok(v.events.some((e) => e.name === 'syscall_entry_accept4'));
  }
}

test('ttng demo records the example program (and the kernel where permitted) and prints the merged trace, shortened', {
  skip: noBt2,
  timeout: 120_000,
}, () => {
  if (kernelReason) console.log(`# kernel part not exercised here: ${kernelReason}`);
  const dir = join(work, 'demo');
  checkDemo(dir, ttng(['demo', '--rounds', '3', '--lines', '8', dir]), kernelReason === undefined);
});

test('without root, ttng demo says the kernel is left out and records the Node program', {
  skip: noBt2 ?? (nobodyCanRun() === true ? undefined : 'needs root, and nobody able to read the checkout'),
  timeout: 120_000,
}, () => {
  const dir = join(work, 'nobody');
  const r = ttng(['demo', '--rounds', '3', '--lines', '8', dir], { uid: NOBODY });
  assert.match(
    r.stdout,
    /^Kernel events are left out: kernel tracing needs root .*Recording the Node program only/m,
  );
  checkDemo(dir, r, false);
});

test('ttng demo --sample writes the writer-only sample trace and prints it', {
  skip: noBt2,
  timeout: 60_000,
}, () => {
  const dir = join(work, 'sample');
  const r = ttng(['demo', '--sample', dir]);
  assert.equal(r.status, 0, r.stderr);
  const m = /^Trace written to (.*)$/m.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.match(m[1]!, new RegExp(`^${dir}/ust/pid/ttng-demo-\\d+-\\d{8}-\\d{6}$`));
  const v = babeltrace2(m[1]!);
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stderr, '');
  // Every event printed, as babeltrace2 prints them.
  for (const e of v.events) assert.ok(r.stdout.includes(e.line.slice(e.line.indexOf(') ') + 2)), e.line);
  assert.ok(v.events.some((e) => e.name === 'demo:every_field_kind'));
});

test('ttng demo: bad use is exit 2', () => {
  for (const args of [['--rounds', 'x'], ['--sample', '--lines', '3'], ['a', 'b'], ['--bogus']]) {
    const r = ttng(['demo', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
  }
  assert.equal(existsSync(join(work, 'a')), false);
});
