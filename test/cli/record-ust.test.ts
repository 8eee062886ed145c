/**
 * `ttng record -u`: a Node program traced by ttng's user-space tracer into the session directory
 * (DIR/ust/pid/<procname>-<pid>-<date>/), without root; with root and tracefs, in the same run as
 * the kernel (DIR/kernel/), on one timeline: the real babeltrace2 reads DIR (both traces) with
 * exit 0 and nothing on stderr, and the user-space event emitted just before each getppid() call
 * comes, in its merged output, right before that thread's syscall_entry_getppid and after the
 * previous one. Then the options that reach the traced program, and the one-sentence errors.
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { babeltrace2Path } from '../helpers/paths.js';
import {
  cleanupKernelLeftovers,
  globalTracefsState,
  liveTracefsUnavailable,
} from '../sources/kernel/helpers.js';
import {
  babeltrace2,
  DEMO_APP,
  NOBODY,
  nobodyCanRun,
  parseSessionSummary,
  type TextEvent,
  ttng,
} from './helpers.js';

const bt2 = babeltrace2Path();
const noBt2 = bt2 ? undefined : 'babeltrace2 is not installed (CI installs it)';
const noKernel = liveTracefsUnavailable() ?? noBt2;
if (noBt2) console.log(`# record -u trace checks skipped: ${noBt2}`);
if (noKernel) console.log(`# kernel + user space in one session skipped: ${noKernel}`);

const work = mkdtempSync(join(tmpdir(), 'ttng-record-ust-'));
// `nobody` writes here in the no-root test.
chmodSync(work, 0o777);
const globalBefore = noKernel ? undefined : globalTracefsState();
after(() => {
  rmSync(work, { recursive: true, force: true });
  if (globalBefore) {
    cleanupKernelLeftovers();
    assert.deepEqual(globalTracefsState(), globalBefore, 'global tracefs state changed');
  }
});

/** The per-PID trace directories of a session, checked against LTTng's naming. */
function perPidTraces(sessionDir: string): { dir: string; procname: string; pid: number }[] {
  const root = join(sessionDir, 'ust', 'pid');
  return readdirSync(root)
    .sort()
    .map((d) => {
      const m = /^(.+)-(\d+)-(\d{8}-\d{6})$/.exec(d);
      assert.ok(m, `per-PID directory name ${d} is not <procname>-<pid>-<YYYYmmdd-HHMMSS>`);
      return { dir: join(root, d), procname: m[1]!, pid: Number(m[2]) };
    });
}

/** `-o DIR` inserted before `--` (or at the end). */
function withOutput(args: readonly string[], dir: string): string[] {
  const dd = args.indexOf('--');
  return dd < 0 ? [...args, '-o', dir] : [...args.slice(0, dd), '-o', dir, ...args.slice(dd)];
}

const demoNames = (events: readonly TextEvent[]) =>
  events.filter((e) => e.name.startsWith('demo:')).map((e) => e.name);

const expectedDemo = (rounds: number) => [
  'demo:start',
  ...Array.from({ length: rounds }, () => ['demo:before_getppid', 'demo:request_done']).flat(),
  'demo:end',
];

test('-u traces a Node program into DIR/ust/pid/<procname>-<pid>-<date>/, without root, and babeltrace2 reads it cleanly', {
  skip: noBt2,
  timeout: 60_000,
}, () => {
  // As root, run as `nobody` when it can read the checkout: -u alone must not need root.
  const asNobody = nobodyCanRun() === true;
  if (!asNobody) console.log('# running as the current user (not root, or nobody cannot read the checkout)');
  const dir = join(work, 'alone');
  const rounds = 4;
  const r = ttng(['record', '-u', 'demo:*', '-o', dir, '--', process.execPath, DEMO_APP, String(rounds)], {
    ...(asNobody ? { uid: NOBODY } : {}),
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, new RegExp(`^demo-app: ${rounds} rounds`, 'm'));
  const s = parseSessionSummary(r.stdout);
  assert.ok(s, `summary line: ${r.stdout}`);
  assert.equal(s.kernel, undefined);
  assert.equal(s.processes, 1);
  assert.equal(s.lost, 0);
  assert.equal(s.path, dir);
  assert.deepEqual(readdirSync(dir), ['ust'], 'user space only: no kernel directory');
  const [t, ...others] = perPidTraces(dir);
  assert.equal(others.length, 0);
  assert.equal(t!.procname, 'node');
  assert.deepEqual(readdirSync(t!.dir).sort(), ['channel0_0', 'index', 'metadata']);
  if (asNobody) assert.equal(statSync(join(t!.dir, 'metadata')).uid, NOBODY);

  const v = babeltrace2(dir);
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stderr, '');
  assert.equal(v.events.length, s.events, 'the summary counts every event babeltrace2 prints');
  assert.equal(s.ust, s.events);
  assert.deepEqual(demoNames(v.events), expectedDemo(rounds));
  for (const e of v.events) {
    // Default user-space contexts: vpid, vtid, procname; LTTng-UST's trace name host:procname:(vpid).
    assert.equal(e.fields.get('vpid'), String(t!.pid), e.line);
    assert.equal(e.fields.get('vtid'), String(t!.pid), e.line);
    assert.equal(e.fields.get('procname'), '"node"', e.line);
    assert.ok(e.trace.endsWith(`:node:(${t!.pid})`), e.line);
  }
  assert.deepEqual(
    v.events.filter((e) => e.name === 'demo:before_getppid').map((e) => e.fields.get('round')),
    ['0', '1', '2', '3'],
  );
});

test('kernel and user space in one session: babeltrace2 merges DIR/kernel and DIR/ust, and each event emitted before getppid() comes right before that syscall of its thread', {
  skip: noKernel,
  timeout: 120_000,
}, () => {
  const dir = join(work, 'both');
  const rounds = 20;
  const r = ttng([
    'record',
    '-k',
    'sched_switch',
    '--syscall',
    'getppid',
    '-u',
    'demo:*',
    '-o',
    dir,
    '--',
    process.execPath,
    DEMO_APP,
    String(rounds),
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const s = parseSessionSummary(r.stdout);
  assert.ok(s, `summary line: ${r.stdout}`);
  assert.ok(s.kernel! > 0 && s.ust > 0, r.stdout);
  assert.equal(s.events, s.kernel! + s.ust);
  assert.equal(s.lost, 0, 'events were lost: the no-warning check needs a clean recording');
  assert.equal(s.path, dir);
  assert.deepEqual(readdirSync(dir).sort(), ['kernel', 'ust']);
  const [t] = perPidTraces(dir);

  const v = babeltrace2(dir);
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stderr, '', 'babeltrace2 warned');
  assert.equal(v.events.length, s.events, 'babeltrace2 shows every event of both traces');
  const user = v.events.filter((e) => e.name.includes(':'));
  assert.equal(user.length, s.ust);
  assert.deepEqual(demoNames(v.events), expectedDemo(rounds));
  assert.ok(
    v.events.some((e) => e.name === 'sched_switch' && e.fields.get('pid') === String(t!.pid)),
    'the kernel trace shows the traced program being scheduled',
  );

  // The same-timeline claim. The main thread's user-space marks and getppid() entries, in
  // babeltrace2's merged order: each mark is followed by a getppid entry (its own call) and
  // preceded by one (the previous round's), never by another mark.
  const vtid = t!.pid;
  const seq = v.events
    .filter(
      (e) =>
        (e.name === 'demo:before_getppid' && e.fields.get('vtid') === String(vtid)) ||
        (e.name === 'syscall_entry_getppid' && e.fields.get('tid') === String(vtid)),
    )
    .map((e) => (e.name === 'syscall_entry_getppid' ? 'K' : `U${e.fields.get('round')}`));
  const marks = seq.flatMap((x, i) => (x.startsWith('U') ? [i] : []));
  assert.equal(marks.length, rounds, seq.join(' '));
  for (const i of marks) {
    assert.equal(seq[i + 1], 'K', `${seq[i]} is not followed by its getppid entry: ${seq.join(' ')}`);
    if (i > 0) assert.equal(seq[i - 1], 'K', `${seq[i]} follows another mark: ${seq.join(' ')}`);
  }
});

test("node processes started by the command are traced too; the user's NODE_OPTIONS is kept; stale TTNG_* settings are not", {
  skip: noBt2,
  timeout: 60_000,
}, () => {
  const dir = join(work, 'children');
  const marks = join(work, 'preload-marks');
  mkdirSync(marks);
  // A preload of the user's own (CommonJS, --require) that must still run in the traced
  // programs (those have TTNG_OUTPUT; `ttng record` itself, also a node process, has not).
  const preload = join(work, 'mark preload.cjs');
  writeFileSync(
    preload,
    `const e = process.env;
if (e.TTNG_OUTPUT) require('fs').writeFileSync(require('path').join(e.MARK_DIR, String(process.pid)), JSON.stringify([e.TTNG_EVENTS, e.TTNG_FILTER, e.TTNG_SUBBUF_SIZE]));\n`,
  );
  const env = {
    ...process.env,
    NODE_OPTIONS: `--require="${preload}"`,
    MARK_DIR: marks,
    // Left from another run: would record nothing (no event has this field) if it applied.
    TTNG_FILTER: 'no_such_field == 1',
    // A channel attribute: passes through.
    TTNG_SUBBUF_SIZE: '8k',
  };
  const script = `"${process.execPath}" "${DEMO_APP}" 1 && "${process.execPath}" "${DEMO_APP}" 2`;
  const r = ttng(['record', '-u', 'demo:*', '-o', dir, '--', 'sh', '-c', script], { env });
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    /^ttng record: warning: sh is not a Node program: -u traces the node processes it starts/,
  );
  const s = parseSessionSummary(r.stdout);
  assert.ok(s, r.stdout);
  assert.equal(s.processes, 2);
  const traces = perPidTraces(dir);
  assert.equal(traces.length, 2);
  assert.deepEqual(
    readdirSync(marks).sort(),
    traces.map((t) => String(t.pid)).sort(),
    'the user preload ran in each',
  );
  for (const t of traces) {
    // What each traced program saw: this recording's rules, no stale filter, the channel attribute.
    assert.deepEqual(JSON.parse(readFileSync(join(marks, String(t.pid)), 'utf8')), ['demo:*', null, '8k']);
  }
  const v = babeltrace2(dir);
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stderr, '');
  assert.equal(v.events.length, s.events);
  // Both programs' events, each in its own trace: 1 round, then 2.
  const byPid = (pid: number) => demoNames(v.events.filter((e) => e.fields.get('vpid') === String(pid)));
  assert.deepEqual(traces.map((t) => byPid(t.pid).length).sort(), [
    expectedDemo(1).length,
    expectedDemo(2).length,
  ]);
});

test('--userspace-filter, --loglevel, --exclude and -c reach the traced program', {
  skip: noBt2,
  timeout: 60_000,
}, () => {
  const rounds = 4;
  const run = (name: string, opts: string[]) => {
    const dir = join(work, name);
    const r = ttng([
      'record',
      '-u',
      'demo:*',
      ...opts,
      '-o',
      dir,
      '--',
      process.execPath,
      DEMO_APP,
      String(rounds),
    ]);
    assert.equal(r.status, 0, r.stderr);
    const v = babeltrace2(dir);
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stderr, '');
    assert.equal(v.events.length, parseSessionSummary(r.stdout)?.events);
    return v.events;
  };
  // A filter on a field only before_getppid has: LTTng records nothing where it cannot evaluate.
  const filtered = run('filter', ['--userspace-filter', 'round >= 2 && $ctx.vtid > 0', '-c', 'vtid']);
  assert.deepEqual(
    filtered.map((e) => `${e.name} ${e.fields.get('round')}`),
    ['demo:before_getppid 2', 'demo:before_getppid 3'],
  );
  for (const e of filtered) {
    assert.ok(e.fields.has('vtid') && !e.fields.has('vpid') && !e.fields.has('procname'), e.line);
  }
  // INFO and more severe (start, request_done, end; before_getppid is DEBUG), end excluded.
  const levels = run('loglevel', ['--loglevel', 'INFO', '-x', 'demo:end', '-c', 'procname,hostname']);
  assert.deepEqual(demoNames(levels), ['demo:start', ...Array(rounds).fill('demo:request_done')]);
  for (const e of levels) assert.ok(e.fields.has('hostname') && !e.fields.has('vtid'), e.line);
  const only = run('loglevel-only', ['--loglevel-only', 'DEBUG']);
  assert.deepEqual(demoNames(only), Array(rounds).fill('demo:before_getppid'));
});

test('--duration ends the Node program with SIGINT, and its trace is complete', {
  skip: noBt2,
  timeout: 60_000,
}, () => {
  const dir = join(work, 'duration');
  const prog = `import { defineProvider } from 'ttng';
const p = defineProvider('demo', { tick: { fields: [['n', 'u32']] } });
let n = 0;
setInterval(() => p.tick(n++), 5);`;
  const t0 = Date.now();
  const r = ttng([
    'record',
    '-u',
    'demo:*',
    '--duration',
    '2',
    '-o',
    dir,
    '--',
    process.execPath,
    '--input-type=module',
    '-e',
    prog,
  ]);
  const ms = Date.now() - t0;
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.ok(ms < 9000, `took ${ms} ms: the program did not end at SIGINT`);
  const s = parseSessionSummary(r.stdout);
  assert.ok(s && s.events > 0, r.stdout);
  const v = babeltrace2(dir);
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stderr, '');
  assert.equal(v.events.length, s.events);
  // Every tick from the first to the last: nothing lost when the program was stopped.
  assert.deepEqual(
    v.events.map((e) => Number(e.fields.get('n'))),
    Array.from({ length: v.events.length }, (_, i) => i),
  );
});

test('-u errors: one sentence each, the documented exit status, nothing left behind', {
  timeout: 60_000,
}, () => {
  const app = ['--', process.execPath, DEMO_APP, '1'];
  const usage: [string[], RegExp][] = [
    [
      ['-u', 'demo:*'],
      /-u demo:\* needs the Node tracer loaded into the program as it starts: give the command after --/,
    ],
    [
      ['-u', 'demo:*', '-f', 'a == 1', ...app],
      /--filter applies to kernel events, and none is recorded .*--userspace-filter/,
    ],
    [['-u', 'demo:*', '--buffer-size', '64', ...app], /--buffer-size applies to kernel events/],
    [['-u', 'demo:*', '--ctf2', ...app], /--ctf2 cannot be used with -u/],
    [
      ['-u', 'demo:*', '-c', 'pid', ...app],
      /context "pid" is a kernel context and no kernel event is recorded/,
    ],
    [['-u', 'demo:*', '-c', 'vtid,bogus', ...app], /unknown context "bogus"/],
    [
      ['-k', 'sched_switch', '-c', 'vtid', '--duration', '1'],
      /context "vtid" is a user-space context \(-u\)/,
    ],
    [
      ['-k', 'sched_switch', '--loglevel', 'INFO', '--duration', '1'],
      /--loglevel applies to Node events, and -u names none/,
    ],
    [['--duration', '1'], /name the kernel events to record: .* or a Node program's with -u PATTERNS/],
  ];
  for (const [args, message] of usage) {
    const dir = join(work, 'usage');
    const r = ttng(['record', ...withOutput(args, dir)]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(existsSync(dir), false, `${args.join(' ')} left ${dir}`);
  }
  const failures: [string[], RegExp][] = [
    [
      ['-u', 'demo:*', '--userspace-filter', 'round ==', ...app],
      /^ttng record: error: invalid --userspace-filter "round ==": .*column/,
    ],
    [
      ['-u', 'demo:*', '--loglevel', 'LOUD', ...app],
      /^ttng record: error: -u: log level "LOUD" is not one of/,
    ],
    [
      ['-u', 'demo:*', '--', 'no-such-command-ttng'],
      /^ttng record: error: cannot run no-such-command-ttng: ENOENT/,
    ],
    [
      ['-u', 'demo:*', '--', 'true'],
      /warning: true is not a Node program[^\n]*\nttng record: error: no Node process was traced .*nothing was recorded/,
    ],
  ];
  for (const [args, message] of failures) {
    const dir = join(work, 'failure');
    const r = ttng(['record', ...withOutput(args, dir)]);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout.includes('ttng record:'), false, 'no summary after an error');
    assert.equal(existsSync(dir), false, `${args.join(' ')} left ${dir}`);
  }
  // A session directory the traced processes could not write: one error before anything runs.
  const readOnly = join(work, 'read-only');
  mkdirSync(readOnly, { mode: 0o555 });
  chmodSync(readOnly, 0o555);
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!asRoot || nobodyCanRun()) {
    const r = ttng(
      ['record', '-u', 'demo:*', '-o', join(readOnly, 'x'), ...app],
      asRoot ? { uid: NOBODY } : {},
    );
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /^ttng record: error: cannot write to the session directory .*read-only\/x: EACCES; choose another \(-o\)\n$/,
    );
    assert.equal(r.stdout, '', 'the program did not run');
  }
  // A session directory that already holds a user-space trace is not overwritten.
  const used = join(work, 'alone');
  if (existsSync(join(used, 'ust'))) {
    const before = readdirSync(join(used, 'ust', 'pid'));
    const r = ttng(['record', '-u', 'demo:*', '-o', used, ...app]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /ust already holds a trace: choose another output directory/);
    assert.deepEqual(readdirSync(join(used, 'ust', 'pid')), before);
  }
});
