#!/usr/bin/env node
// Counts the instructions of `ttng view` runs, for comparing two builds on a noisy machine:
//   node scripts/count-instructions.mjs [--dist DIR]... TRACE [VIEW OPTIONS...]
// Each DIR (default: this checkout's dist/) is run once under valgrind's cachegrind with
// `node --predictable` (no concurrent compilation, so the JIT does the same work in every run).
// Two runs of one build agree within about 0.01 %, where wall times on this 2-vCPU VM move by
// 1.5x from one second to the next (docs/view.md, "Measuring"). Instructions are not time: a
// change that trades a runtime call for more JavaScript (copyWithin -> a word loop) can count
// more and still run faster, so confirm with `npm run bench`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const dists = [];
while (args[0] === '--dist') {
  args.shift();
  const d = args.shift();
  if (!d) usage('--dist needs a directory');
  dists.push(resolve(d));
}
if (args.length === 0) usage('no trace given');
if (dists.length === 0) dists.push(resolve(new URL('../dist', import.meta.url).pathname));
for (const d of dists) {
  if (!existsSync(join(d, 'src/cli/main.js')))
    usage(`${d}/src/cli/main.js does not exist (run npm run build)`);
}
if (spawnSync('valgrind', ['--version']).status !== 0)
  usage('valgrind is not installed (Debian package valgrind)');

function usage(why) {
  console.error(`count-instructions: ${why}`);
  console.error('usage: node scripts/count-instructions.mjs [--dist DIR]... TRACE [VIEW OPTIONS...]');
  process.exit(2);
}

/** Instructions of one run (the "I refs" line of cachegrind's summary). */
function count(dist) {
  return new Promise((resolveCount, reject) => {
    const argv = [
      '--tool=cachegrind',
      '--cache-sim=no',
      '--cachegrind-out-file=/dev/null',
      process.execPath,
      '--predictable',
      join(dist, 'src/cli/main.js'),
      'view',
      ...args,
    ];
    const child = spawn('valgrind', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => {
      const m = /I\s+refs:\s+([\d,]+)/.exec(err);
      if (code !== 0 || !m) reject(new Error(`${dist}: valgrind exited with ${code}:\n${err.slice(-2000)}`));
      else resolveCount(Number(m[1].replaceAll(',', '')));
    });
  });
}

// Two at a time: one per core of the machines this runs on.
const results = [];
for (let i = 0; i < dists.length; i += 2) {
  results.push(...(await Promise.all(dists.slice(i, i + 2).map(count))));
}
const first = results[0];
dists.forEach((d, i) => {
  const r = results[i];
  const rel = i === 0 ? '' : `  (${((100 * (r - first)) / first).toFixed(2)} % vs the first)`;
  console.log(`${(r / 1e6).toFixed(1).padStart(10)} M instructions  ${d}${rel}`);
});
