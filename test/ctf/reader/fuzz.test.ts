/**
 * Acceptance 2 of issue 3: a fuzz test. Copies of the saved corpus (test/data/ctf-reader/
 * fuzz-corpus, see PROVENANCE.md) are mutated with a seeded generator: truncation, bit flips,
 * random bytes, wrong packet/content sizes, corrupted index files, metadata text edits. For every
 * mutant, `ttng view` (in process) must either read it or fail with one TtngError of one line,
 * in less than 5 s, never another exception; and where babeltrace2 is installed, a share of the
 * mutants are also given to babeltrace2: when it reads the mutant ttng prints the same bytes,
 * when it rejects it (without crashing) ttng rejects it too after printing the same lines.
 *
 * The seed changes with TTNG_FUZZ_SEED (default fixed, so failures reproduce).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { nodeReaderHost, parseViewArgs } from '../../../src/cli/commands/view.js';
import { parseTsdl } from '../../../src/ctf/reader/index.js';
import { isTtngError } from '../../../src/errors.js';
import { runView } from '../../../src/view/run-view.js';
import { babeltrace2Path, REPO_ROOT } from '../../helpers/paths.js';

const CORPUS = join(REPO_ROOT, 'test/data/ctf-reader/fuzz-corpus');
const SEED = Number(process.env.TTNG_FUZZ_SEED ?? 20261123);
const MUTANTS = 240;
const WITH_BT2 = 40;
const BT2 = babeltrace2Path();
const work = mkdtempSync(join(tmpdir(), 'ttng-fuzz-'));

after(() => rmSync(work, { recursive: true, force: true }));

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

interface Mutant {
  dir: string;
  what: string;
}

/** Makes one mutant copy of a corpus trace. */
function mutate(r: () => number, n: number): Mutant {
  const names = readdirSync(CORPUS).sort();
  const src = names[r() % names.length]!;
  const dir = join(work, `m${n}`);
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(CORPUS, src), dir, { recursive: true });
  const files = readdirSync(dir).filter((f) => f !== 'index');
  const idx = readdirSync(dir).includes('index')
    ? readdirSync(join(dir, 'index')).map((f) => `index/${f}`)
    : [];
  const pick = (l: string[]): string => l[r() % l.length]!;
  const kind = r() % 7;
  let file = pick(files);
  if (kind === 5 && idx.length > 0) file = pick(idx);
  const path = join(dir, file);
  const b = Buffer.from(readFileSync(path));
  let what: string;
  switch (kind) {
    case 0: {
      const at = r() % Math.max(1, b.length);
      writeFileSync(path, b.subarray(0, at));
      what = `truncate ${src}/${file} to ${at} bytes`;
      break;
    }
    case 1: {
      const flips: number[] = [];
      for (let i = 0, k = 1 + (r() % 6); i < k; i++) {
        const at = r() % b.length;
        b[at]! ^= 1 << (r() % 8);
        flips.push(at);
      }
      writeFileSync(path, b);
      what = `flip bits of ${src}/${file} at ${flips.join(',')}`;
      break;
    }
    case 2: {
      const at = r() % b.length;
      b[at] = r() & 0xff;
      writeFileSync(path, b);
      what = `random byte in ${src}/${file} at ${at}`;
      break;
    }
    case 3:
    case 4: {
      // An LTTng packet context's content_size (byte 48) or packet_size (byte 56) of some packet.
      const at = (r() % 2 ? 48 : 56) + 4096 * (r() % 2);
      if (file !== 'metadata' && at + 4 <= b.length && src !== 'rich') {
        const old = b.readUInt32LE(at);
        const v = r() % 3 === 0 ? r() : (old + (r() % 129) - 64) >>> 0;
        b.writeUInt32LE(v, at);
        writeFileSync(path, b);
        what = `packet size field of ${src}/${file} at ${at}: ${old} -> ${v}`;
      } else {
        writeFileSync(path, b.subarray(0, Math.max(0, b.length - 1 - (r() % 64))));
        what = `shorten ${src}/${file}`;
      }
      break;
    }
    case 5: {
      const at = r() % b.length;
      b[at] = r() & 0xff;
      writeFileSync(path, b);
      what = `byte of ${src}/${file} at ${at}`;
      break;
    }
    default: {
      // Duplicate a stretch of the file (wrong sizes everywhere after it).
      const at = r() % b.length;
      const len = 1 + (r() % 32);
      writeFileSync(path, Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]));
      what = `duplicate ${len} bytes of ${src}/${file} at ${at}`;
      break;
    }
  }
  return { dir, what };
}

function ttng(dir: string): { out: Buffer; error: unknown; ms: number } {
  const { options } = parseViewArgs(['--clock-seconds', dir]);
  const chunks: Buffer[] = [];
  const t0 = performance.now();
  let error: unknown = null;
  try {
    runView(nodeReaderHost, [dir], options, { write: (b) => chunks.push(Buffer.from(b)), warn: () => {} });
  } catch (e) {
    error = e;
  }
  return { out: Buffer.concat(chunks), error, ms: performance.now() - t0 };
}

test('fuzz: mutated traces are read or rejected with one clear error, never a crash or a hang', () => {
  const r = xorshift(SEED);
  let read = 0;
  let rejected = 0;
  const problems: string[] = [];
  for (let i = 0; i < MUTANTS; i++) {
    const m = mutate(r, i);
    const t = ttng(m.dir);
    if (t.ms > 5000) problems.push(`${m.what}: ${Math.round(t.ms)} ms`);
    if (t.error === null) read++;
    else if (!isTtngError(t.error)) problems.push(`${m.what}: crash: ${(t.error as Error).stack}`);
    else if ((t.error as Error).message.includes('\n')) problems.push(`${m.what}: multi-line error`);
    else rejected++;
    rmSync(m.dir, { recursive: true, force: true });
  }
  assert.deepEqual(problems, [], `seed ${SEED}`);
  assert.ok(read > 0 && rejected > 0, `read ${read}, rejected ${rejected}`);
});

test('fuzz: ttng agrees with babeltrace2 on mutants babeltrace2 does not crash on', {
  skip: !BT2 && 'babeltrace2 is not installed',
}, () => {
  const r = xorshift(SEED ^ 0x5a5a5a5a);
  const problems: string[] = [];
  let compared = 0;
  for (let i = 0; i < WITH_BT2; i++) {
    const m = mutate(r, 1000 + i);
    const t = ttng(m.dir);
    const b = spawnSync(BT2!, ['--clock-seconds', m.dir], {
      timeout: 20000,
      maxBuffer: 1 << 26,
      env: { ...process.env, TZ: 'UTC', BABELTRACE_TERM_COLOR: 'NEVER' },
    });
    rmSync(m.dir, { recursive: true, force: true });
    if (b.status === null || b.status >= 128) continue;
    compared++;
    const bt2Ok = b.status === 0;
    const ttOk = t.error === null;
    if (bt2Ok !== ttOk) {
      problems.push(
        `${m.what}: babeltrace2 exit ${b.status}, ttng ${ttOk ? 'reads it' : (t.error as Error).message}`,
      );
    } else if (!t.out.equals(b.stdout)) {
      problems.push(`${m.what}: different output (${b.stdout.length} vs ${t.out.length} bytes)`);
    }
  }
  assert.deepEqual(problems, [], `seed ${SEED}`);
  assert.ok(compared > WITH_BT2 / 2);
});

test('fuzz: the TSDL parser survives mutated metadata text', () => {
  const text = readFileSync(join(CORPUS, 'rich', 'metadata'), 'latin1');
  const r = xorshift(SEED + 1);
  const tokens = [
    '{',
    '}',
    ';',
    '=',
    ':=',
    '<',
    '>',
    '[',
    ']',
    'struct',
    'variant',
    'enum',
    'typealias',
    'integer',
    '"',
    "'",
    '0x',
    '/*',
    '//',
    '\\',
  ];
  for (let i = 0; i < 400; i++) {
    let t = text;
    for (let k = 0, n = 1 + (r() % 4); k < n; k++) {
      const at = r() % t.length;
      const op = r() % 3;
      if (op === 0) t = t.slice(0, at) + t.slice(at + 1 + (r() % 8));
      else if (op === 1) t = t.slice(0, at) + tokens[r() % tokens.length] + t.slice(at);
      else t = t.slice(0, at) + String.fromCharCode(r() & 0xff) + t.slice(at + 1);
    }
    try {
      parseTsdl(t);
    } catch (e) {
      assert.ok(isTtngError(e), `mutation ${i}: ${(e as Error).stack}`);
      assert.match((e as Error).message, /^\d+:\d+: |^[^\n]*$/);
    }
  }
});
