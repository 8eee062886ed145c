#!/usr/bin/env node
// Runs the compiled benchmarks (dist/bench/**/*.bench.js) one after the other, never in parallel:
// the machines are small and shared, so each benchmark measures its peer in the same run.
// Arguments are substrings selecting benchmark files (`npm run bench -- ctf`).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const benchDir = join(root, 'dist', 'bench');

function walk(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.bench.js')) out.push(p);
  }
  return out;
}

const wanted = process.argv.slice(2);
const files = walk(benchDir, []).filter(
  (f) => wanted.length === 0 || wanted.some((w) => relative(benchDir, f).includes(w)),
);
let failed = 0;
for (const f of files) {
  console.log(`\n## ${relative(benchDir, f)}`);
  const r = spawnSync(process.execPath, ['--expose-gc', f], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
