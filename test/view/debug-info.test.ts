/**
 * `ttng view --debug-info` on committed LTTng-UST traces (test/data/view/debug-info: recorded
 * with LTTng 2.13, the binaries they reference under root/): the output is byte for byte
 * babeltrace2 2.0's golden text (and a fresh babeltrace2 run when it is installed) for binaries
 * without DWARF, missing binaries, binaries without build ID, a build ID mismatch, `--names none`
 * and `--debug-info-full-path`; with DWARF, only `src` differs (ttng leaves it empty); JSON gets the
 * same strings; traces without ip/vpid and the default output are unchanged.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { babeltrace2Path, CLI_PATH, REPO_ROOT } from '../helpers/paths.js';

const D = 'test/data/view/debug-info';
const DIR = join(REPO_ROOT, D);
const work = mkdtempSync(join(tmpdir(), 'ttng-view-dbgi-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Case {
  readonly name: string;
  readonly trace: string;
  readonly args: string[];
  readonly dwarf?: boolean;
}
const CASES = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as Case[];

function run(cmd: string, args: string[]) {
  // Relative prefixes in cases.json: run from the repository root, like make-golden.sh.
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, env: { ...process.env, TZ: 'UTC' }, maxBuffer: 1 << 26 });
  return { status: r.status, stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString('latin1') };
}
const view = (args: string[]) => run(process.execPath, [CLI_PATH, 'view', '--clock-gmt', ...args]);
const bt2 = babeltrace2Path();
const expected = (name: string): string => readFileSync(join(DIR, 'expected', `${name}.txt`), 'latin1');

for (const c of CASES.filter((x) => !x.dwarf)) {
  test(`--debug-info golden: ${c.name} (${c.args.join(' ') || 'no option'})`, () => {
    const r = view([...c.args, join(D, 'traces', c.trace)]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, expected(c.name));
    assert.equal(r.stderr, '');
  });
  test(`--debug-info golden is babeltrace2's: ${c.name}`, { skip: bt2 === null }, () => {
    const b = run(bt2!, ['--clock-gmt', ...c.args, join(D, 'traces', c.trace)]);
    assert.equal(b.status, 0, b.stderr);
    assert.equal(b.stdout, expected(c.name));
  });
}

test('the goldens show what they are meant to show', () => {
  const dbgi = (name: string) =>
    expected(name)
      .split('\n')
      .filter((l) => / dbgi(lib)?:ev: /.test(l));
  // Resolved from ELF symbols, PIC offsets, src empty.
  assert.match(
    dbgi('nodebug')[0]!,
    /debug_info = \{ bin = "prog\+0x[0-9a-f]+", func = "main\+0x[0-9a-f]+", src = "" \}/,
  );
  assert.ok(dbgi('nodebug').some((l) => l.includes('func = "local_fn+0x')));
  assert.ok(dbgi('nodebug').some((l) => l.includes('bin = "libdbgi.so+0x')));
  // Missing binaries whose build ID the trace records: nothing at all.
  assert.ok(dbgi('nodebug-missing').every((l) => l.includes('bin = "", func = "", src = ""')));
  // Missing binaries without a build ID: the binary and offset, no function.
  assert.ok(
    dbgi('nobuildid-missing').every((l) =>
      /bin = "test\/data\/view\/debug-info\/no-such-dir\/tmp\/ttng-dbgi\/nobuildid\/(prog|libdbgi\.so)\+0x[0-9a-f]+", func = ""/.test(
        l,
      ),
    ),
  );
  // Another build of prog at its path: its events get nothing, the library still resolves.
  const mm = dbgi('mismatch');
  assert.ok(
    mm.filter((l) => l.includes(' dbgi:ev')).every((l) => l.includes('bin = "", func = "", src = ""')),
  );
  assert.ok(mm.filter((l) => l.includes(' dbgilib:ev')).every((l) => l.includes('func = "lib_work+0x')));
  // The plain output has no debug_info at all.
  assert.ok(!expected('nodebug-plain').includes('debug_info'));
});

test('--debug-info golden: a binary with another build ID at the path (mismatch)', () => {
  const root = join(work, 'mismatch');
  const dir = join(root, 'tmp/ttng-dbgi/nodebug');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(DIR, 'root/tmp/ttng-dbgi/debug/prog'), join(dir, 'prog'));
  copyFileSync(join(DIR, 'root/tmp/ttng-dbgi/nodebug/libdbgi.so'), join(dir, 'libdbgi.so'));
  const args = [`--debug-info-target-prefix=${root}`, join(D, 'traces/nodebug')];
  const r = view(args);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, expected('mismatch'));
  if (bt2 !== null) assert.equal(run(bt2, ['--clock-gmt', ...args]).stdout, expected('mismatch'));
});

/** babeltrace2's `src = "FILE:LINE"` (from DWARF) as ttng prints it: empty. */
const SRC = /src = "[^"]+"/g;

test('--debug-info with DWARF: everything but src is babeltrace2s, src stays empty, a warning says why', () => {
  const c = CASES.find((x) => x.dwarf)!;
  const golden = expected(c.name);
  // babeltrace2 read DWARF: source lines for the fixture's tracepoints.
  assert.match(golden, /func = "main\+0x[0-9a-f]+", src = "prog\.c:\d+"/);
  assert.match(golden, /func = "lib_work\+0x[0-9a-f]+", src = "lib\.c:\d+"/);
  const r = view([...c.args, join(D, 'traces', c.trace)]);
  assert.equal(r.status, 0, r.stderr);
  assert.notEqual(r.stdout, golden);
  assert.equal(r.stdout, golden.replace(SRC, 'src = ""'));
  // The function names are the same (non-inlined C functions: ELF and DWARF agree).
  const funcs = (t: string) => [...t.matchAll(/func = "([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(funcs(r.stdout), funcs(golden));
  assert.match(r.stderr, /debug\/prog has DWARF debugging information, which ttng does not read/);
  assert.match(r.stderr, /debug\/libdbgi\.so has DWARF/);
});

test('--debug-info JSON: a debug_info object last in common_context, with the text output strings', () => {
  const c = CASES.find((x) => x.name === 'nodebug')!;
  const r = view(['--output-format=json', ...c.args, join(D, 'traces', c.trace)]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  const text = expected('nodebug').trimEnd().split('\n');
  assert.equal(lines.length, text.length);
  lines.forEach((l, i) => {
    const o = JSON.parse(l) as { common_context: Record<string, unknown> };
    const keys = Object.keys(o.common_context);
    assert.deepEqual(keys, ['vpid', 'ip', 'debug_info']);
    const m = /debug_info = \{ bin = "([^"]*)", func = "([^"]*)", src = "([^"]*)" \}/.exec(text[i]!)!;
    assert.deepEqual(o.common_context.debug_info, { bin: m[1], func: m[2], src: m[3] });
  });
  // Without the option: no debug_info.
  const plain = view(['--output-format=json', join(D, 'traces/nodebug')]);
  assert.ok(!plain.stdout.includes('debug_info'));
});

test('--debug-info on a trace without ip/vpid contexts changes nothing (like babeltrace2)', () => {
  const trace = 'test/data/view/kernel-callstack';
  const with_ = view(['--debug-info', trace]);
  const without = view([trace]);
  assert.equal(with_.status, 0, with_.stderr);
  assert.equal(with_.stdout, without.stdout);
  assert.ok(with_.stdout.length > 0);
  if (bt2 !== null) assert.equal(run(bt2, ['--clock-gmt', '--debug-info', trace]).stdout, with_.stdout);
});

test('--debug-info --count counts as without it', () => {
  const a = view(['--count', '--debug-info', join(D, 'traces/nodebug')]);
  const b = view(['--count', join(D, 'traces/nodebug')]);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
});
