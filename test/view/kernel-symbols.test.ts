/**
 * `ttng view --kernel-symbols` on the committed fixture (test/data/view/kernel-callstack: a small
 * kallsyms file and a kernel trace written by the CTF writer), no root needed: the symbols equal
 * what `ttng symbols lookup` gives with the same file, the output without the option (and with
 * the symbols taken out) is byte for byte babeltrace2's, JSON gets `callstack_kernel_symbols`, the
 * saved kallsyms is found from the session or the trace directory, bad kallsyms files are one
 * error sentence (exit 1), including a fuzz test of the file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { nodeReaderHost } from '../../src/cli/commands/view.js';
import { kernelSymbolsProvider } from '../../src/cli/view-symbols.js';
import { openTraces } from '../../src/ctf/reader/index.js';
import { TtngError } from '../../src/errors.js';
import { type AddressSymbolizer, KernelStackAnnotator } from '../../src/view/kernel-symbols.js';
import { babeltrace2Path, CLI_PATH, REPO_ROOT } from '../helpers/paths.js';
import { FIXTURE_STACKS, writeCallstackFixture } from './callstack-fixture.js';
import { expectedSymbols, printedFrames, withoutSymbols } from './kernel-symbols-expect.js';

const FIXTURE = join(REPO_ROOT, 'test/data/view/kernel-callstack');
const KALLSYMS = join(FIXTURE, 'kallsyms');
const FUZZ_CORPUS = join(REPO_ROOT, 'test/data/view/kallsyms-fuzz');
const work = mkdtempSync(join(tmpdir(), 'ttng-view-ksyms-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { env: { ...process.env, TZ: 'UTC' }, maxBuffer: 1 << 26 });
  return { status: r.status, stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString('latin1') };
}
const view = (args: string[]) => run(process.execPath, [CLI_PATH, 'view', ...args]);

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

test('the committed fixture trace is what test/view/callstack-fixture.ts writes', () => {
  const dir = join(work, 'regen');
  writeCallstackFixture(dir);
  const committed = join(FIXTURE, 'kernel');
  assert.deepEqual(filesUnder(dir), filesUnder(committed));
  for (const f of filesUnder(dir)) {
    assert.ok(readFileSync(join(dir, f)).equals(readFileSync(join(committed, f))), `${f} differs`);
  }
});

test('every printed symbol is what `ttng symbols lookup` gives for the address with the same kallsyms', () => {
  const r = view(['--kernel-symbols', FIXTURE]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const frames = printedFrames(r.stdout);
  const all = FIXTURE_STACKS.flat();
  assert.equal(frames.length, all.length, 'one symbol per address');
  assert.deepEqual(
    frames.map((f) => f.address),
    all.map((a) => a.toString(16)),
  );
  const expected = expectedSymbols(
    KALLSYMS,
    frames.map((f) => f.address),
  );
  for (const f of frames) assert.equal(f.symbol, expected.get(f.address), `0x${f.address}`);
  // Every kind of case is in the fixture (so the comparison above covers them).
  const symbols = frames.map((f) => f.symbol);
  for (const re of [/^\?$/, /-0x8 /, /\{@\w+\}$/, / \[ext4\]$/, / \[vfat\]$/, /^__schedule\+0x70$/]) {
    assert.ok(
      symbols.some((s) => re.test(s)),
      `no symbol matches ${re}`,
    );
  }
});

test('the exact text: ` <name+0xOFF annotations>` after each address (golden file)', () => {
  const r = view(['--clock-seconds', `--kernel-symbols=${KALLSYMS}`, join(FIXTURE, 'kernel')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, readFileSync(join(FIXTURE, 'expected-kernel-symbols.txt'), 'latin1'));
});

test('without the option, and with the symbols taken out, the output is byte for byte babeltrace2s', (t) => {
  const plain = view([FIXTURE]);
  assert.equal(plain.status, 0, plain.stderr);
  assert.doesNotMatch(plain.stdout, / </);
  const sym = view(['--kernel-symbols', FIXTURE]);
  assert.equal(withoutSymbols(sym.stdout), plain.stdout);
  const bt2 = babeltrace2Path();
  if (!bt2) {
    t.diagnostic('babeltrace2 is not installed: compared with ttng view only');
    return;
  }
  for (const p of [FIXTURE, join(FIXTURE, 'kernel')]) {
    const ref = run(bt2, [p]);
    assert.equal(ref.status, 0, ref.stderr);
    assert.equal(ref.stderr, '', 'babeltrace2 reads the session directory with its kallsyms file');
    assert.equal(view([p]).stdout, ref.stdout);
  }
});

test('the other options still apply: names, fields, clock', () => {
  for (const opts of [['--names=none'], ['--fields=all', '--clock-cycles'], ['--no-delta', '--clock-gmt']]) {
    const plain = view([...opts, FIXTURE]);
    const sym = view([...opts, '--kernel-symbols', FIXTURE]);
    assert.equal(sym.status, 0, sym.stderr);
    assert.equal(withoutSymbols(sym.stdout), plain.stdout, opts.join(' '));
    assert.notEqual(sym.stdout, plain.stdout);
  }
});

test('JSON: callstack_kernel_symbols right after callstack_kernel, the same symbols as the text', () => {
  const text = printedFrames(view(['--kernel-symbols', FIXTURE]).stdout);
  const r = view(['--output-format=json', '--kernel-symbols', FIXTURE]);
  assert.equal(r.status, 0, r.stderr);
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { common_context: Record<string, unknown> });
  const symbols: string[] = [];
  for (const e of events) {
    const keys = Object.keys(e.common_context);
    assert.deepEqual(keys, [
      'tid',
      '_callstack_kernel_length',
      'callstack_kernel',
      'callstack_kernel_symbols',
    ]);
    const a = e.common_context.callstack_kernel as unknown[];
    const s = e.common_context.callstack_kernel_symbols as string[];
    assert.equal(s.length, a.length);
    symbols.push(...s);
  }
  assert.deepEqual(
    symbols,
    text.map((f) => f.symbol),
  );
  const plain = view(['--output-format=json', FIXTURE]);
  assert.doesNotMatch(plain.stdout, /callstack_kernel_symbols/);
});

test('the saved kallsyms is found from the session or the trace directory; else /proc/kallsyms, with a warning', () => {
  const a = view(['--kernel-symbols', FIXTURE]).stdout;
  assert.equal(view(['--kernel-symbols', join(FIXTURE, 'kernel')]).stdout, a);
  assert.equal(view([`--kernel-symbols=${FIXTURE}`, FIXTURE]).stdout, a, 'FILE may be the session directory');
  // The trace without its kallsyms: /proc/kallsyms of this boot, and a warning saying so.
  const alone = join(work, 'alone');
  cpSync(join(FIXTURE, 'kernel'), join(alone, 'kernel'), { recursive: true });
  const r = view(['--kernel-symbols', alone]);
  const lines = r.stderr.split('\n').filter(Boolean);
  if (r.status === 0) {
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0]!,
      /^ttng view: warning: no kallsyms file saved with the trace .*\/proc\/kallsyms.*another boot/,
    );
    assert.equal(printedFrames(r.stdout).length, FIXTURE_STACKS.flat().length);
  } else {
    // Not allowed to see the addresses (kptr_restrict): one error sentence.
    assert.equal(r.status, 1);
    assert.match(lines.at(-1)!, /^ttng view: error: --kernel-symbols: .*kptr_restrict/);
  }
});

test('traces that are not kernel traces with callstack_kernel are printed unchanged, with a warning', () => {
  const ust = join(REPO_ROOT, 'test/data/ctf-reader/fuzz-corpus/ust');
  const r = view(['--kernel-symbols', ust]);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, view([ust]).stdout);
  assert.match(
    r.stderr,
    /^ttng view: --kernel-symbols: no kernel trace with a callstack_kernel context here/,
  );
});

test('a missing, garbage, empty or address-less kallsyms file: exit 1, one sentence, nothing printed', () => {
  const garbage = join(work, 'garbage');
  writeFileSync(garbage, 'ffffffff81000000 T _text\nthis is not kallsyms\n');
  const empty = join(work, 'empty');
  writeFileSync(empty, '');
  const hidden = join(work, 'hidden');
  writeFileSync(hidden, '0000000000000000 T _text\n0000000000000000 T schedule\n');
  const cases: [string, RegExp][] = [
    [join(work, 'missing'), /cannot read .*missing: ENOENT/],
    [garbage, /garbage:2:1: .*expected "ADDRESS TYPE NAME"/],
    [empty, /empty holds no symbol/],
    [hidden, /kptr_restrict/],
    [work, /is a directory without a saved kallsyms file/],
  ];
  for (const [file, re] of cases) {
    const r = view([`--kernel-symbols=${file}`, FIXTURE]);
    assert.equal(r.status, 1, `${file}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^ttng view: error: --kernel-symbols: [^\n]*\n$/);
    assert.match(r.stderr, re);
  }
  const usage = view(['--kernel-symbols=', FIXTURE]);
  assert.equal(usage.status, 2);
});

test('each distinct address is symbolized once', () => {
  const asked: string[] = [];
  const symbolizer: AddressSymbolizer = {
    symbolize(hi, lo) {
      asked.push(`${hi}:${lo}`);
      return lo === 1 ? null : `f+0x${lo.toString(16)}`;
    },
  };
  const a = new KernelStackAnnotator(symbolizer);
  const first = a.annotate(0xffffffff, 0x10);
  assert.equal(Buffer.from(first).toString('latin1'), ' <f+0x10>');
  assert.equal(a.annotate(0xffffffff, 0x10), first, 'the same bytes again');
  assert.equal(Buffer.from(a.annotate(0xffffffff, 1)).toString('latin1'), ' <?>');
  assert.equal(a.text(0xffffffff, 1), '?');
  assert.equal(a.text(0, 0x10), 'f+0x10');
  a.annotate(0xffffffff, 0x10);
  assert.deepEqual(asked, [`${0xffffffff}:16`, `${0xffffffff}:1`, '0:16']);
  assert.equal(a.size, 3);
});

/** The symbolizer the view would use for the fixture trace with this kallsyms file. */
function loadFor(file: string): AddressSymbolizer {
  const [trace] = openTraces(nodeReaderHost, [join(FIXTURE, 'kernel')]);
  return kernelSymbolsProvider(file, () => assert.fail('no warning when FILE is given'))(trace!.runtime);
}

function checkLoad(file: string): void {
  let s: AddressSymbolizer;
  try {
    s = loadFor(file);
  } catch (e) {
    assert.ok(e instanceof TtngError, `not a TtngError: ${(e as Error).stack}`);
    assert.match(e.message, /^--kernel-symbols: /);
    assert.doesNotMatch(e.message, /\n/);
    return;
  }
  for (const a of FIXTURE_STACKS.flat()) {
    const t = s.symbolize(Number(a >> 32n), Number(a & 0xffffffffn));
    assert.ok(t === null || (t.length > 0 && !t.includes('\n')), String(t));
  }
}

test('fuzz: saved corpus and mutated kallsyms files give a symbol table or one clean error', () => {
  for (const f of readdirSync(FUZZ_CORPUS).sort()) checkLoad(join(FUZZ_CORPUS, f));
  const base = readFileSync(KALLSYMS);
  const file = join(work, 'fuzz');
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(3)), {
        minLength: 1,
        maxLength: 6,
      }),
      fc.nat(base.length),
      (edits, cut) => {
        let b = Buffer.from(base);
        for (const [at, byte, kind] of edits) {
          if (kind === 0) b[at % b.length] = byte;
          else if (kind === 1) b = Buffer.concat([b.subarray(0, at), Buffer.of(byte), b.subarray(at)]);
          else if (kind === 2) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
          else b[at % b.length] = 0x0a;
        }
        writeFileSync(file, b.subarray(0, Math.max(cut, b.length - 40)));
        checkLoad(file);
      },
    ),
    { numRuns: 300, seed: 20261123 },
  );
});
