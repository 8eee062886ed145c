/**
 * `ttng view` as a command: exit statuses (0 ok, 1 unreadable trace, 2 bad usage), one-line errors
 * on stderr without stack traces, data on stdout, `--count`, `--output-format json`, and a reader
 * that goes away (`| head`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CLI_PATH, REPO_ROOT } from '../helpers/paths.js';

const CORPUS = join(REPO_ROOT, 'test/data/ctf-reader/fuzz-corpus');
const work = mkdtempSync(join(tmpdir(), 'ttng-view-cli-'));
after(() => rmSync(work, { recursive: true, force: true }));

function ttng(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI_PATH, 'view', ...args], {
    env: { ...process.env, TZ: 'UTC' },
    maxBuffer: 1 << 26,
    ...(input !== undefined ? { input } : {}),
  });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

test('bad usage exits with 2 and a hint', () => {
  for (const args of [
    [],
    ['--bogus', CORPUS],
    ['--names=nope', CORPUS],
    ['--output-format=xml', CORPUS],
    ['--clock-offset=1.5', CORPUS],
  ]) {
    const r = ttng(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^ttng view: .+\nRun `ttng view --help` for usage\.\n$/);
    assert.equal(r.stdout, '');
  }
});

test('--help prints the usage and exits with 0', () => {
  const r = ttng(['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^Usage: ttng view/);
  assert.match(r.stdout, /--clock-offset-ns/);
});

test('a missing path or a directory without traces exits with 1 and one line', () => {
  for (const p of [join(work, 'nope'), work]) {
    const r = ttng([p]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^ttng view: error: .*\n$/);
    assert.equal(r.stderr.split('\n').length, 2);
  }
});

test('a broken trace: the events before the problem on stdout, one error line on stderr, exit 1', () => {
  // Three 32-bit events, then two bytes of a fourth: no packet context, so the data ends mid-event.
  const dir = join(work, 'broken');
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'metadata'),
    '/* CTF 1.8 */\ntrace { major = 1; minor = 8; byte_order = le; };\nevent { name = ev; fields := struct { integer { size = 32; } x; }; };\n',
  );
  writeFileSync(join(dir, 'stream'), Uint8Array.from([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0]));
  const r = ttng([dir]);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, 'ev: { x = 1 }\nev: { x = 2 }\nev: { x = 3 }\n');
  assert.match(r.stderr, /^ttng view: error: .*stream: at byte 12: .*\n$/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('--count prints events per event name, then the total', () => {
  const r = ttng(['--count', join(CORPUS, 'kernel')]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const total = lines.pop()!;
  const sum = lines.reduce((n, l) => n + Number(l.split('\t')[0]), 0);
  assert.equal(total, `${sum}\t(total)`);
  assert.equal(sum, 120);
  assert.ok(lines.every((l) => /^\d+\t\S+$/.test(l)));
});

test('--output-format json: one object per event with exact 64-bit values', () => {
  const r = ttng(['--output-format=json', join(CORPUS, 'rich')]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 80);
  const first = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(first.name, 'rich:event');
  assert.equal(first.trace, 'rich');
  assert.ok(typeof first.payload === 'object');
  // 64-bit unsigned values are written with all their digits.
  assert.match(lines[0]!, /"big":\d{10,20}[,}]/);
  const text = ttng(['--clock-cycles', join(CORPUS, 'rich')]).stdout.split('\n')[0]!;
  const cycles = /^\[(\d+)\]/.exec(text)![1]!;
  assert.match(lines[0]!, new RegExp(`"cycles":${BigInt(cycles)}[,}]`));
});

test('a reader that stops early (| head) ends the output quietly', () => {
  const r = spawnSync(
    'sh',
    ['-c', `"${process.execPath}" "${CLI_PATH}" view "${join(CORPUS, 'ust')}" | head -n 2`],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0);
  assert.equal(r.stdout.split('\n').length, 3);
  assert.equal(r.stderr, '');
});
