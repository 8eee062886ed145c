/**
 * `ttng record` end to end, on the real kernel, read back by the real babeltrace2 (issue 5,
 * acceptance 1 and 3): LTTng's event names, fields, env and packet context; exit 0 and nothing
 * on stderr when nothing was lost; with tiny buffers, the losses babeltrace2 reports equal the
 * summary's (the kernel's counters) and every record decodes. Then the one-sentence errors.
 * Skipped, with the reason, without root, tracefs or babeltrace2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { babeltrace2Path, CLI_PATH } from '../../helpers/paths.js';
import { expectedSymbols, printedFrames, withoutSymbols } from '../../view/kernel-symbols-expect.js';
import { checkGlobalTracefsStateKept, globalTracefsState, liveTracefsUnavailable } from './helpers.js';

const bt2 = babeltrace2Path();
const skip = liveTracefsUnavailable() ?? (bt2 ? undefined : 'babeltrace2 is not installed');
if (skip) console.log(`# ttng record tests skipped: ${skip}`);
const work = mkdtempSync(join(tmpdir(), 'ttng-record-test-'));
after(() => rmSync(work, { recursive: true, force: true }));
checkGlobalTracefsStateKept(skip);

function ttng(args: string[], o: { uid?: number } = {}) {
  return spawnSync(process.execPath, [CLI_PATH, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    ...(o.uid !== undefined ? { uid: o.uid, gid: o.uid } : {}),
  });
}

const BUSY = `for i in $(seq 30); do cat /etc/passwd /etc/hostname > /dev/null; ls / > /dev/null; done`;

test('a recording of scheduler, irq and syscall events reads in babeltrace2 with exit 0, no warning, LTTng names and fields', {
  skip,
  timeout: 120_000,
}, () => {
  const dir = join(work, 'a1');
  const r = ttng([
    'record',
    '-k',
    'sched_switch,sched_waking,sched_process_fork,sched_process_exec,sched_process_exit,irq_handler_entry,irq_handler_exit,irq_softirq_entry,irq_softirq_exit',
    '--syscall',
    'openat,read,write,close',
    '-c',
    'pid,tid,procname,prio',
    '-o',
    dir,
    '--',
    'sh',
    '-c',
    BUSY,
  ]);
  assert.equal(r.status, 0, r.stderr);
  const m = /^ttng record: ([\d,]+) events, ([\d,]+) lost, [\d.]+ [KMG]?i?B, (.*)$/m.exec(r.stdout);
  assert.ok(m, `summary line: ${r.stdout}`);
  assert.equal(m[3], join(dir, 'kernel'));
  const events = Number(m[1]!.replace(/,/g, ''));
  assert.equal(m[2], '0', 'events were lost: the no-warning check needs a clean recording');
  assert.deepEqual(
    readdirSync(join(dir, 'kernel'))
      .sort()
      .filter((f) => !f.startsWith('channel0_')),
    ['index', 'metadata'],
  );

  const view = spawnSync(bt2!, [join(dir, 'kernel')], { encoding: 'utf8', maxBuffer: 1 << 30 });
  assert.equal(view.status, 0, view.stderr);
  assert.equal(view.stderr, '', 'babeltrace2 warned');
  const lines = view.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, events, 'babeltrace2 shows every event the summary counted');
  const first = (name: string) =>
    lines.find((l) => new RegExp(`\\] \\(\\+[?\\d.]+\\) \\S+ ${name}: `).test(l));
  const ctx = String.raw`\{ cpu_id = \d+ \}, \{ pid = \d+, tid = \d+, procname = "[^"]*", prio = -?\d+ \}`;
  const expectations: [string, string][] = [
    [
      'sched_switch',
      String.raw`\{ prev_comm = "[^"]*", prev_tid = \d+, prev_prio = -?\d+, prev_state = \d+, next_comm = "[^"]*", next_tid = \d+, next_prio = -?\d+ \}`,
    ],
    ['sched_waking', String.raw`\{ comm = "[^"]*", tid = \d+, prio = -?\d+, target_cpu = \d+ \}`],
    [
      'sched_process_fork',
      String.raw`\{ parent_comm = "[^"]*", parent_tid = \d+, parent_pid = \d+, child_comm = "[^"]*", child_tid = \d+, child_pid = \d+ \}`,
    ],
    ['sched_process_exec', String.raw`\{ filename = "[^"]*", tid = \d+, old_tid = \d+ \}`],
    ['irq_softirq_entry', String.raw`\{ vec = \d+ \}`],
    [
      'syscall_entry_openat',
      String.raw`\{ dfd = -?\d+, filename = 0x[0-9A-F]+, flags = -?\d+, mode = \d+ \}`,
    ],
    ['syscall_exit_openat', String.raw`\{ ret = -?\d+ \}`],
    ['syscall_entry_read', String.raw`\{ fd = \d+, buf = 0x[0-9A-F]+, count = \d+ \}`],
    [
      'lttng_statedump_process_state',
      String.raw`\{ tid = \d+, pid = \d+, ppid = -?\d+, name = "[^"]*", type = \d, mode = 5, submode = 0, status = \d, cpu = \d+, file_table_address = 0x[0-9A-F]+ \}`,
    ],
  ];
  for (const [name, payload] of expectations) {
    const l = first(name);
    assert.ok(l, `no ${name} in the trace`);
    assert.match(l, new RegExp(`${name}: ${ctx}, ${payload}$`), l);
  }
  // The env that makes Trace Compass and babeltrace2 take it for an LTTng kernel trace.
  const meta = spawnSync(bt2!, ['--output-format=ctf-metadata', join(dir, 'kernel')], { encoding: 'utf8' });
  assert.equal(meta.status, 0, meta.stderr);
  for (const kv of [
    'domain = "kernel"',
    'tracer_name = "lttng-modules"',
    'tracer_major = 2',
    'tracer_minor = 13',
    'trace_buffering_scheme = "global"',
  ]) {
    assert.ok(meta.stdout.includes(kv), `metadata env lacks ${kv}`);
  }
  assert.match(meta.stdout, /uint32_t cpu_id;/);
});

test('lost events: tiny buffers and a syscall storm; babeltrace2 reports exactly the losses the summary gives, every record decodes', {
  skip,
  timeout: 120_000,
}, () => {
  const dir = join(work, 'a3');
  const r = ttng([
    'record',
    '--syscall',
    'getppid',
    '--no-statedump',
    '--buffer-size',
    '16',
    '--subbuf-size',
    '4',
    '--only-command',
    '-o',
    dir,
    '--',
    process.execPath,
    '-e',
    'for (let i = 0; i < 200000; i++) process.ppid',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const m = /^ttng record: ([\d,]+) events, ([\d,]+) lost/m.exec(r.stdout)!;
  const events = Number(m[1]!.replace(/,/g, ''));
  const lost = Number(m[2]!.replace(/,/g, ''));
  assert.ok(lost > 0, 'nothing was lost: the buffers were not small enough');
  // The storm issued 2 * 200000 records, plus the getppid calls of the shell gate and node's start-up.
  assert.ok(events + lost >= 400_000, `${events} + ${lost}`);
  const view = spawnSync(bt2!, [join(dir, 'kernel')], { encoding: 'utf8', maxBuffer: 1 << 30 });
  assert.equal(view.status, 0, view.stderr);
  const reported = [...view.stderr.matchAll(/Tracer discarded (\d+) events/g)].reduce(
    (a, x) => a + Number(x[1]),
    0,
  );
  assert.equal(reported, lost, 'babeltrace2 reports the losses');
  const lines = view.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, events);
  // Every exit returns the same parent pid; a corrupt record would not.
  const rets = new Set(
    lines.filter((l) => l.includes('syscall_exit_getppid')).map((l) => /ret = (-?\d+)/.exec(l)?.[1]),
  );
  assert.equal(rets.size, 1, `getppid returned ${[...rets].join(', ')}`);
});

test('one clear sentence and a non-zero exit for each error; nothing left behind', { skip }, () => {
  const unknown = ttng(['record', '-k', 'sched_swich', '-o', join(work, 'e1'), '--duration', '0.1']);
  assert.equal(unknown.status, 1);
  assert.match(
    unknown.stderr,
    /^ttng record: error: no kernel event matches "sched_swich" \(did you mean "sched_switch"\?\)/,
  );
  const badFilter = ttng([
    'record',
    '-k',
    'sched_switch',
    '-f',
    'prev_tid ==',
    '-o',
    join(work, 'e2'),
    '--duration',
    '0.1',
  ]);
  assert.equal(badFilter.status, 1);
  assert.match(badFilter.stderr, /^ttng record: error: invalid filter "prev_tid ==": .*column/);
  const usage = ttng(['record', '-o', join(work, 'e3')]);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /name the kernel events to record/);
  const userspace = ttng(['record', '-k', 'sched_switch', '-u', 'myapp:*']);
  assert.equal(userspace.status, 2);
  assert.match(userspace.stderr, /needs the Node tracer/);
  const notRoot = ttng(
    ['record', '-k', 'sched_switch', '-o', join(tmpdir(), `ttng-nobody-${process.pid}`), '--duration', '0.1'],
    { uid: 65534 },
  );
  assert.equal(notRoot.status, 1);
  assert.match(notRoot.stderr, /^ttng record: error: kernel tracing needs root .*sudo/);
  assert.equal(globalTracefsState().ttngInstances, '');
});

test('--duration stops the recording', { skip, timeout: 60_000 }, () => {
  const t0 = Date.now();
  const r = ttng([
    'record',
    '-k',
    'sched_switch',
    '--no-statedump',
    '-o',
    join(work, 'd0'),
    '--duration',
    '0.5',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Date.now() - t0 < 20_000);
  assert.match(r.stderr, /recording kernel events into .* for 0\.5 s/);
});

test('a pushed-down filter keeps only matching events', { skip, timeout: 60_000 }, () => {
  const dir = join(work, 'd1');
  // sleep blocks, so it is switched out (prev_comm) and back in (next_comm): matches for sure.
  const r = ttng([
    'record',
    '-k',
    'sched_switch',
    '-f',
    'prev_comm == "sleep" || next_comm == "sleep"',
    '--no-statedump',
    '-o',
    dir,
    '--',
    'sleep',
    '0.2',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const view = spawnSync(bt2!, [join(dir, 'kernel')], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(view.status, 0, view.stderr);
  const lines = view.stdout.split('\n').filter(Boolean);
  assert.ok(lines.length >= 2, `only ${lines.length} records`);
  for (const l of lines) assert.match(l, /prev_comm = "sleep"|next_comm = "sleep"/);
});

/** [start, end) of a kernel function, from /proc/kallsyms (the next symbol's address ends it). */
function kallsymsRange(name: string): [bigint, bigint] | undefined {
  const lines = readFileSync('/proc/kallsyms', 'latin1').split('\n');
  const syms = lines
    .map((l) => l.split(' '))
    .filter((p) => p.length >= 3)
    .map((p) => ({ addr: BigInt(`0x${p[0]}`), name: p[2]! }))
    .filter((s) => s.addr !== 0n)
    .sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
  const i = syms.findIndex((s) => s.name === name);
  if (i < 0) return undefined;
  const start = syms[i]!.addr;
  const next = syms.slice(i + 1).find((s) => s.addr > start);
  return next ? [start, next.addr] : undefined;
}

test('callstack_kernel: each event carries its kernel stack, taken by the stacktrace trigger', {
  skip,
  timeout: 60_000,
}, (t) => {
  const probe = kallsymsRange('trace_event_raw_event_sched_switch');
  if (!probe) {
    t.skip('/proc/kallsyms hides addresses here');
    return;
  }
  const dir = join(work, 'cs');
  const r = ttng([
    'record',
    '-k',
    'sched_switch',
    '--no-statedump',
    '-c',
    'tid,callstack_kernel',
    '-o',
    dir,
    '--',
    'sleep',
    '0.2',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const view = spawnSync(bt2!, [join(dir, 'kernel')], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(view.status, 0, view.stderr);
  assert.equal(view.stderr, '');
  const lines = view.stdout.split('\n').filter(Boolean);
  assert.ok(lines.length > 0);
  let withStack = 0;
  for (const l of lines) {
    const m = /_callstack_kernel_length = (\d+), callstack_kernel = \[ \[0\] = 0x([0-9A-F]+)/.exec(l);
    if (!m) continue;
    withStack++;
    // The innermost frame is the tracepoint's own probe: the kernel's symbol table says which.
    const a = BigInt(`0x${m[2]}`);
    assert.ok(a >= probe[0] && a < probe[1], `frame 0 ${m[2]} is not in trace_event_raw_event_sched_switch`);
  }
  // A stack can be lost with its buffer space, never in a small run like this one.
  assert.equal(withStack, lines.length, 'every sched_switch has its stack');
});

test('callstack_kernel: DIR/kallsyms is saved, and `ttng view --kernel-symbols DIR` prints the symbols `ttng symbols lookup` gives', {
  skip,
  timeout: 90_000,
}, (t) => {
  if (!kallsymsRange('__schedule')) {
    t.skip('/proc/kallsyms hides addresses here');
    return;
  }
  const dir = join(work, 'cs-symbols');
  const r = ttng([
    'record',
    '-k',
    'sched_switch',
    '-c',
    'tid,callstack_kernel',
    '-o',
    dir,
    '--',
    'sleep',
    '0.1',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const saved = join(dir, 'kallsyms');
  assert.ok(existsSync(saved), 'the session directory holds kallsyms');
  assert.deepEqual(
    readdirSync(join(dir, 'kernel'))
      .filter((f) => !f.startsWith('channel0_'))
      .sort(),
    ['index', 'metadata'],
  );
  // babeltrace2 reads the session directory, kallsyms file included, without a word.
  const bt = spawnSync(bt2!, [dir], { encoding: 'latin1', maxBuffer: 1 << 28 });
  assert.equal(bt.status, 0, bt.stderr);
  assert.equal(bt.stderr, '');
  const viewCmd = (args: string[]) =>
    spawnSync(process.execPath, [CLI_PATH, 'view', ...args], { encoding: 'latin1', maxBuffer: 1 << 28 });
  const plain = viewCmd([dir]);
  assert.equal(plain.status, 0, plain.stderr);
  assert.ok(plain.stdout === bt.stdout, 'ttng view without the option prints what babeltrace2 prints');
  const v = viewCmd(['--kernel-symbols', dir]);
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stderr, '', 'the saved kallsyms is used: no warning');
  assert.ok(withoutSymbols(v.stdout) === bt.stdout, 'the option only adds the symbols');
  const frames = printedFrames(v.stdout);
  assert.ok(frames.length > 0, 'frames are printed');
  const expected = expectedSymbols(
    saved,
    frames.map((f) => f.address),
  );
  for (const f of frames) assert.equal(f.symbol, expected.get(f.address), `0x${f.address}`);
  // Plausible stacks: a sched_switch comes from the scheduler, its probe is the innermost frame.
  let switches = 0;
  for (const line of v.stdout.split('\n')) {
    if (!line.includes(' sched_switch: ')) continue;
    switches++;
    const names = printedFrames(line).map((f) => f.symbol.replace(/[+-]0x.*$/, ''));
    assert.ok(names.includes('__schedule') || names.includes('schedule'), `no __schedule in ${line}`);
    assert.equal(names[0], 'trace_event_raw_event_sched_switch', line);
  }
  assert.ok(switches > 0);
});

test('--userspace-probe elf: one record per call of a libc function, probes removed afterwards', {
  skip,
  timeout: 60_000,
}, (t) => {
  const libc = [
    '/usr/lib/x86_64-linux-gnu/libc.so.6',
    '/lib/x86_64-linux-gnu/libc.so.6',
    '/usr/lib64/libc.so.6',
  ].find((p) => existsSync(p));
  if (!libc) {
    t.skip('no libc.so.6 at a known path');
    return;
  }
  const dir = join(work, 'up');
  const before = readFileSync('/sys/kernel/tracing/uprobe_events', 'latin1');
  // process.ppid calls libc's getppid() each time (uv_os_getppid).
  const r = ttng([
    'record',
    '--userspace-probe',
    `elf:${libc}:getppid`,
    '--no-statedump',
    '--only-command',
    '-o',
    dir,
    '--',
    process.execPath,
    '-e',
    'for (let i = 0; i < 1000; i++) process.ppid',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    readFileSync('/sys/kernel/tracing/uprobe_events', 'latin1'),
    before,
    'probe definitions left behind',
  );
  const view = spawnSync(bt2!, [join(dir, 'kernel')], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(view.status, 0, view.stderr);
  const lines = view.stdout.split('\n').filter(Boolean);
  assert.ok(lines.length >= 1000, `${lines.length} getppid records`);
  assert.ok(lines.every((l) => / getppid: /.test(l)));
});

test('--userspace-probe sdt: the libstdc++ throw probe fires once per C++ throw, with its arguments', {
  skip,
  timeout: 120_000,
}, (t) => {
  const gxx = spawnSync('g++', ['--version'], { encoding: 'utf8' });
  const libstdcxx = ['/usr/lib/x86_64-linux-gnu/libstdc++.so.6', '/lib/x86_64-linux-gnu/libstdc++.so.6'].find(
    (p) => existsSync(p),
  );
  if (gxx.error || !libstdcxx) {
    t.skip('needs g++ and libstdc++.so.6 (with its SDT notes)');
    return;
  }
  const src = join(work, 'thrower.cc');
  const bin = join(work, 'thrower');
  writeFileSync(
    src,
    '#include <stdexcept>\nint main() { int n = 0; for (int i = 0; i < 100; i++) { try { throw std::runtime_error("x"); } catch (const std::exception&) { n++; } } return n == 100 ? 0 : 1; }\n',
  );
  const cc = spawnSync('g++', ['-O1', '-o', bin, src], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  const dir = join(work, 'sdt');
  const r = ttng([
    'record',
    '--userspace-probe',
    `sdt:${libstdcxx}:libstdcxx:throw`,
    '--no-statedump',
    '--only-command',
    '-o',
    dir,
    '--',
    bin,
  ]);
  assert.equal(r.status, 0, r.stderr);
  const view = spawnSync(bt2!, [join(dir, 'kernel')], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(view.status, 0, view.stderr);
  const lines = view.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 100);
  for (const l of lines)
    assert.match(
      l,
      /libstdcxx:throw: \{ cpu_id = \d+ \}, \{ pid = \d+, tid = \d+, procname = "thrower" \}, \{ arg1 = \d+, arg2 = \d+ \}/,
    );
});
