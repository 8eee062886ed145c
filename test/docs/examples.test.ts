/**
 * The user docs' examples run and print what the docs say.
 *
 * - Transcripts: in every docs/*.md code block, a line `$ ttng ARGS` is run (bash, at the
 *   repository root, `ttng` being this checkout's CLI) and what it prints (stdout then stderr) must
 *   equal the lines that follow it, up to the next `$ ` line or the end of the block; `$ echo $?`
 *   checks the previous command's exit status. Commands that name files outside the repository
 *   (`~/...`, `/tmp/...`) or need root (`sudo`) are not run: the list of skipped ones is printed.
 * - docs/node-tracing.md's quick start runs as written (its output directory moved to a temporary
 *   one) and babeltrace2 prints the events the docs show, timestamps and ids aside.
 * (docs/writing-traces.md's examples have their own test: test/ctf/writer/docs-examples.test.ts.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { babeltrace2Path, CLI_PATH, REPO_ROOT } from '../helpers/paths.js';

interface Transcript {
  doc: string;
  line: number;
  command: string;
  expected: string[];
  expectedStatus?: number;
}

const DOCS_DIR = join(REPO_ROOT, 'docs');

function codeBlocks(text: string): { startLine: number; lines: string[] }[] {
  const out: { startLine: number; lines: string[] }[] = [];
  const lines = text.split('\n');
  let current: { startLine: number; lines: string[] } | null = null;
  lines.forEach((l, i) => {
    if (l.startsWith('```')) {
      if (current) {
        out.push(current);
        current = null;
      } else current = { startLine: i + 2, lines: [] };
    } else if (current) current.lines.push(l);
  });
  return out;
}

function transcripts(doc: string): Transcript[] {
  const out: Transcript[] = [];
  for (const block of codeBlocks(readFileSync(join(DOCS_DIR, doc), 'utf8'))) {
    let cur: Transcript | null = null;
    block.lines.forEach((l, i) => {
      if (l.startsWith('$ ')) {
        const command = l.slice(2);
        if (command === 'echo $?') {
          if (cur) cur.expectedStatus = Number(block.lines[i + 1]);
          return;
        }
        cur = { doc, line: block.startLine + i, command, expected: [] };
        out.push(cur);
      } else if (cur && !(i > 0 && block.lines[i - 1] === '$ echo $?')) {
        cur.expected.push(l);
      }
    });
  }
  for (const t of out) while (t.expected.length > 0 && t.expected.at(-1) === '') t.expected.pop();
  return out;
}

const docs = readdirSync(DOCS_DIR).filter((f) => f.endsWith('.md'));
const all = docs.flatMap(transcripts);
const runnable = all.filter(
  (t) => t.command.startsWith('ttng ') && !/(^|\s)(~|\/tmp\/)|sudo/.test(t.command),
);

test('docs: the transcripts that can run here are found', () => {
  const skipped = all.filter((t) => !runnable.includes(t));
  for (const t of skipped)
    console.log(`# not run (needs files or rights outside the repository): ${t.doc}:${t.line} ${t.command}`);
  assert.ok(runnable.length >= 6, `${runnable.length} runnable transcripts`);
});

for (const t of runnable) {
  test(`docs/${t.doc}:${t.line}: ${t.command}`, () => {
    const r = spawnSync(
      'bash',
      ['-c', `ttng() { "${process.execPath}" "${CLI_PATH}" "$@"; }\n${t.command}`],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, TZ: 'UTC' },
      },
    );
    const printed = (r.stdout + r.stderr).split('\n');
    while (printed.length > 0 && printed.at(-1) === '') printed.pop();
    assert.deepEqual(printed, t.expected);
    if (t.expectedStatus !== undefined) assert.equal(r.status, t.expectedStatus);
    else assert.equal(r.status, 0, r.stderr);
  });
}

const bt2 = babeltrace2Path();
test('docs/node-tracing.md: the quick start records what the docs show', {
  skip: bt2 ? false : 'babeltrace2 is not installed',
}, () => {
  const doc = readFileSync(join(DOCS_DIR, 'node-tracing.md'), 'utf8');
  const blocks = codeBlocks(doc);
  const quick = blocks.findIndex((b) => b.lines.some((l) => l.includes('startSession({')));
  assert.ok(quick >= 0, 'quick start found');
  const code = blocks[quick]!.lines.join('\n');
  const shown = blocks[quick + 1]!.lines;
  assert.equal(shown[0], '$ babeltrace2 /tmp/trace');
  const out = mkdtempSync(join(tmpdir(), 'ttng-docs-node-'));
  try {
    const trace = join(out, 'trace');
    assert.ok(code.includes("'/tmp/trace'"));
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', code.replace("'/tmp/trace'", JSON.stringify(trace))],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      },
    );
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    const bt = spawnSync(bt2!, [trace], { encoding: 'utf8' });
    assert.equal(bt.status, 0, bt.stderr);
    assert.equal(bt.stderr, '');
    // Times, ids and the host name differ from run to run; the rest must be what the docs show.
    const normalize = (l: string) =>
      l
        .replace(/^\[[\d:.]+\] \(\+[\d.?]+\) \S+:node:\(\d+\)/, '[T] (+D) HOST:node:(PID)')
        .replace(/(vpid|vtid) = \d+/g, '$1 = N');
    assert.deepEqual(bt.stdout.trimEnd().split('\n').map(normalize), shown.slice(1).map(normalize));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
