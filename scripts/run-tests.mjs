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
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(r.status ?? 1);
