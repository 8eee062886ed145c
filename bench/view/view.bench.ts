/**
 * `ttng view` against babeltrace2 2.0.4, in the same run, on two traces of EVENTS events written by
 * ttng's CTF writer (bench/view/make-traces.ts; cached under the temp dir):
 *
 * - LTTng user space layout: 4 per-CPU streams, large headers, `vpid`/`vtid`/`procname` contexts,
 *   an integer and a string in each payload;
 * - LTTng kernel layout: 4 streams, compact headers, scheduler/syscall/irq-like events.
 *
 * For each: events/s of `ttng view > /dev/null` and `babeltrace2 > /dev/null` (text), of
 * `ttng view --count` and `babeltrace2 -o dummy` (decoding only), the ratios, and the peak RSS of
 * each process (GNU time's %M). Every run is checked: exit 0, and the same number of output lines
 * for the text runs. Each timed run is repeated BENCH_ROUNDS times (default 3), the readers
 * alternating; the ratios are given for the best runs and for the medians. `TTNG_BENCH_EVENTS`
 * overrides the size (default 5 million).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../stats.js';
import { writeKernelTrace, writeUstTrace } from './make-traces.js';

const EVENTS = Number(process.env.TTNG_BENCH_EVENTS ?? 5_000_000);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const CACHE = join(tmpdir(), 'ttng-bench-view-v1');
const TIME = '/usr/bin/time';

function duSize(dir: string): number {
  const r = spawnSync('du', ['-sb', dir], { encoding: 'utf8' });
  return Number(r.stdout.split('\t')[0]);
}

function traceDir(kind: 'ust' | 'kernel'): string {
  const dir = join(CACHE, `${kind}-${EVENTS}`);
  const done = join(CACHE, `${kind}-${EVENTS}.done`);
  if (!existsSync(done)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(CACHE, { recursive: true });
    const t0 = performance.now();
    if (kind === 'ust') writeUstTrace(dir, EVENTS, 4);
    else writeKernelTrace(dir, EVENTS, 4);
    writeFileSync(done, '');
    console.log(
      `  wrote ${kind} trace: ${EVENTS} events, ${(duSize(dir) / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s (${dir})`,
    );
  }
  return dir;
}

interface Run {
  seconds: number;
  rssMB: number;
  lines: number;
}

/** Runs a command under GNU time; stdout goes to /dev/null or is counted. */
function measure(cmd: string, args: string[], countLines: boolean): Run {
  const stats = join(CACHE, 'time.txt');
  const shell = countLines
    ? `${TIME} -f '%e %M' -o ${stats} ${[cmd, ...args].map((a) => `'${a}'`).join(' ')} | wc -l`
    : `${TIME} -f '%e %M' -o ${stats} ${[cmd, ...args].map((a) => `'${a}'`).join(' ')} > /dev/null`;
  const t0 = performance.now();
  const r = spawnSync('sh', ['-c', shell], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC', LC_ALL: 'C.UTF-8', BABELTRACE_TERM_COLOR: 'NEVER' },
  });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const [, rss] = spawnSync('cat', [stats], { encoding: 'utf8' }).stdout.trim().split(/\s+/);
  return { seconds: wall, rssMB: Number(rss) / 1024, lines: countLines ? Number(r.stdout.trim()) : 0 };
}

/** Rounds of each timed run, alternating the readers (`BENCH_ROUNDS`, default 3). */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

/**
 * Runs every reader of `runs` once per round, alternating, and returns each one's runs. The VM
 * this was developed on changes speed by up to 1.5x every few seconds (docs/view.md, "Measuring
 * on a noisy machine"): alternating puts each reader in every phase.
 */
function rounds(runs: readonly (() => Run)[]): Run[][] {
  const out: Run[][] = runs.map(() => []);
  for (let i = 0; i < ROUNDS; i++) {
    for (let k = 0; k < runs.length; k++) out[k]!.push(runs[k]!());
  }
  return out;
}

function bestOf(rs: readonly Run[]): Run {
  return rs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

function medianSeconds(rs: readonly Run[]): number {
  return median(rs.map((r) => r.seconds));
}

function report(what: string, label: string, rs: readonly Run[]): void {
  const b = bestOf(rs);
  const all = rs.map((r) => r.seconds.toFixed(2)).join(', ');
  console.log(
    `  ${what} ${label.padEnd(26)} best ${b.seconds.toFixed(2)} s  ${fmtRate(b.seconds)}  (runs ${all} s)  peak RSS ${b.rssMB.toFixed(0)} MB`,
  );
}

function ratios(what: string, ttng: readonly Run[], peer: readonly Run[]): void {
  const best = bestOf(peer).seconds / bestOf(ttng).seconds;
  const mid = medianSeconds(peer) / medianSeconds(ttng);
  console.log(
    `  ${what} ratio ttng/babeltrace2: ${best.toFixed(2)}x events/s (best runs), ${mid.toFixed(2)}x (medians)`,
  );
}

const fmtRate = (s: number): string => `${(EVENTS / s / 1e6).toFixed(2)} M events/s`;

function main(): void {
  if (spawnSync('babeltrace2', ['--version']).status !== 0) {
    console.log('babeltrace2 is not installed: nothing to compare with');
    return;
  }
  if (!existsSync(TIME)) {
    console.log(`${TIME} (GNU time) is missing: cannot measure peak memory`);
    return;
  }
  const node = process.execPath;
  for (const kind of ['ust', 'kernel'] as const) {
    const dir = traceDir(kind);
    const mb = duSize(dir) / 1e6;
    console.log(`\n### ${kind} layout: ${EVENTS} events, ${mb.toFixed(0)} MB`);
    // Text: lines counted once to check both print every event, then timed to /dev/null.
    const tLines = measure(node, [CLI, 'view', '--clock-seconds', dir], true);
    const bLines = measure('babeltrace2', ['--clock-seconds', dir], true);
    if (tLines.lines !== EVENTS || bLines.lines !== EVENTS) {
      throw new Error(`line counts: ttng ${tLines.lines}, babeltrace2 ${bLines.lines}, expected ${EVENTS}`);
    }
    const [tText, bText, tCount, bCount] = rounds([
      () => measure(node, [CLI, 'view', dir], false),
      () => measure('babeltrace2', [dir], false),
      () => measure(node, [CLI, 'view', '--count', dir], false),
      () => measure('babeltrace2', [dir, '-o', 'dummy'], false),
    ]) as [Run[], Run[], Run[], Run[]];
    report('text ', 'ttng view > /dev/null', tText);
    report('text ', 'babeltrace2 > /dev/null', bText);
    ratios('text ', tText, bText);
    report('count', 'ttng view --count', tCount);
    report('count', 'babeltrace2 -o dummy', bCount);
    ratios('count', tCount, bCount);
    void statSync;
  }
}

main();
