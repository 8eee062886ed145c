#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner.
// Arguments are substrings: only test files whose path contains one of them run
// (`node scripts/run-tests.mjs filter ctf/reader`).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const testDir = join(root, 'dist', 'test');

function walk(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const wanted = process.argv.slice(2);
const files = walk(testDir, []).filter(
  (f) => wanted.length === 0 || wanted.some((w) => relative(testDir, f).includes(w)),
);
if (files.length === 0) {
  console.error(`run-tests: no test file matches ${wanted.join(' ') || '(all)'} under ${testDir}`);
  process.exit(1);
}
// Test files that use the machine's tracefs (instances, events, uprobe_events) or run `ttng record`
// check that they leave the global tracefs state as they found it, so two of them must never run
// at the same time: they run one after the other, after the others (which run in parallel).
const EXCLUSIVE = ['sources/kernel/', 'cli/', 'view/tracer-traces', 'filter/ftrace-pushdown'];
const isExclusive = (f) => EXCLUSIVE.some((e) => relative(testDir, f).includes(e));
const parallel = files.filter((f) => !isExclusive(f));
const serial = files.filter(isExclusive);

let status = 0;
for (const [group, extra] of [
  [parallel, []],
  [serial, ['--test-concurrency=1']],
]) {
  if (group.length === 0) continue;
  const r = spawnSync(process.execPath, ['--test', ...extra, '--test-reporter=spec', ...group], {
    stdio: 'inherit',
    cwd: root,
  });
  if (r.status !== 0) status = r.status ?? 1;
}
process.exit(status);
