/**
 * Reading a real kernel trace: `ttng view` of a trace recorded by `ttng record -k` against
 * `trace-cmd report` of the same workload recorded by `trace-cmd record`, in the same run
 * (issue 5, acceptance 5, last part: target 5 times trace-cmd report's events/s). babeltrace2
 * reads ttng's trace too, for scale.
 *
 * Workload: dd copying 8 KiB blocks (a read and a write syscall per block) plus a few short
 * processes, recorded with scheduler, irq and every syscall event (2.4 M events or more). Both
 * recorders run in the background and are stopped with SIGINT (trace-cmd's `-- CMD` form crashes
 * on this kernel, ftrace-raw.md §1). trace-cmd records into the global buffer and changes global
 * tracefs state: it is saved before and restored after.
 *
 * Each reader runs ROUNDS times (default 3), alternating, output to /dev/null; the events/s range
 * and the ratios of the best runs and of the medians are printed, with peak RSS (GNU time) and the
 * load (`uptime`) before and after.
 * One extra run of each through a pipe (`| wc -l`) counts the events and gives the piped rate.
 *
 * Needs root, tracefs, trace-cmd and GNU time; says why and exits 0 without them.
 * Environment: BENCH_ROUNDS (default 3), BENCH_DD_BLOCKS (default 600000).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  restoreGlobal,
  saveGlobal,
  TRACE_CMD_READY,
  traceCmdRecordArgv,
  traceCmdUnavailable,
} from '../kernel/trace-cmd-peer.js';
import { median } from '../stats.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BLOCKS = Number(process.env.BENCH_DD_BLOCKS ?? 600_000);
const WORKLOAD = `dd if=/dev/zero of=/dev/null bs=8192 count=${BLOCKS} 2>/dev/null; for i in $(seq 20); do cat /etc/passwd > /dev/null; done`;
const TIME = '/usr/bin/time';

function why(): string | undefined {
  const peer = traceCmdUnavailable();
  if (peer) return peer;
  if (!existsSync(TIME)) return `${TIME} (GNU time) is missing`;
  return undefined;
}

/** Runs `argv` in the background until `ready` shows on its output, runs the workload, SIGINT. */
async function record(argv: string[], ready: RegExp): Promise<string> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await new Promise<void>((resolve, reject) => {
    const check = (d: Buffer): void => {
      out += d.toString();
      if (ready.test(out)) resolve();
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', () => reject(new Error(`${argv.join(' ')} exited before recording:\n${out}`)));
  });
  await new Promise((r) => setTimeout(r, 300));
  spawnSync('sh', ['-c', WORKLOAD], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 200));
  child.kill('SIGINT');
  await exited;
  return out;
}

interface Timed {
  seconds: number;
  rssMB: number;
}

/** One run under GNU time, stdout to /dev/null. */
function timed(cmd: string, args: string[], statsFile: string): Timed {
  const q = [cmd, ...args].map((a) => `'${a}'`).join(' ');
  const t0 = performance.now();
  const r = spawnSync('sh', ['-c', `${TIME} -f '%M' -o ${statsFile} ${q} > /dev/null 2>/dev/null`], {
    env: { ...process.env, TZ: 'UTC', LC_ALL: 'C.UTF-8', BABELTRACE_TERM_COLOR: 'NEVER' },
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${q} failed (status ${r.status})`);
  return { seconds, rssMB: Number(readFileSync(statsFile, 'utf8').trim().split('\n').at(-1)) / 1024 };
}

/** One run through a pipe: the number of lines and the time. */
function piped(cmd: string, args: string[]): { lines: number; seconds: number } {
  const q = [cmd, ...args].map((a) => `'${a}'`).join(' ');
  const t0 = performance.now();
  const r = spawnSync('sh', ['-c', `${q} 2>/dev/null | wc -l`], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC', LC_ALL: 'C.UTF-8', BABELTRACE_TERM_COLOR: 'NEVER' },
  });
  return { lines: Number(r.stdout.trim()), seconds: (performance.now() - t0) / 1000 };
}

const load = (): string => spawnSync('uptime', { encoding: 'utf8' }).stdout.trim();
const k = (eps: number): string => `${(eps / 1000).toFixed(0)} k events/s`;

async function main(): Promise<void> {
  const skip = why();
  if (skip) {
    console.log(`real kernel trace bench skipped: ${skip}`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'ttng-bench-real-'));
  const stats = join(work, 'time.txt');
  const saved = saveGlobal();
  try {
    const dir = join(work, 'ttng');
    const rec = await record(
      [
        process.execPath,
        CLI,
        'record',
        '-k',
        'sched:*,irq:*',
        '--syscall',
        'all',
        '--no-statedump',
        '-c',
        'tid',
        '-o',
        dir,
      ],
      /recording kernel events/,
    );
    const summary = /ttng record: ([\d,]+) events, ([\d,]+) lost/.exec(rec);
    const dat = join(work, 'trace.dat');
    try {
      await record(traceCmdRecordArgv(dat), TRACE_CMD_READY);
    } finally {
      restoreGlobal(saved);
    }
    const kernel = join(dir, 'kernel');
    const ttngArgs = [CLI, 'view', kernel];
    const tcArgs = ['report', '-i', dat];
    // Event counts (and the piped rates): trace-cmd report prints a `cpus=N` line first.
    const tPipe = piped(process.execPath, ttngArgs);
    const cPipe = piped('trace-cmd', tcArgs);
    const tEvents = tPipe.lines;
    const cEvents = cPipe.lines - 1;
    console.log(`load before: ${load()}`);
    console.log(
      `ttng record: ${summary ? `${summary[1]} events, ${summary[2]} lost` : 'no summary'}; trace-cmd record: ${cEvents} events`,
    );
    const tRuns: Timed[] = [];
    const cRuns: Timed[] = [];
    const bRuns: Timed[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      tRuns.push(timed(process.execPath, ttngArgs, stats));
      cRuns.push(timed('trace-cmd', tcArgs, stats));
      bRuns.push(timed('babeltrace2', [kernel], stats));
    }
    const range = (runs: Timed[], events: number): string => {
      const r = runs.map((x) => events / x.seconds).sort((a, b) => a - b);
      return `${k(r[0]!)} .. ${k(r.at(-1)!)} (${runs.map((x) => x.seconds.toFixed(2)).join(', ')} s), peak RSS ${Math.max(...runs.map((x) => x.rssMB)).toFixed(0)} MB`;
    };
    const best = (runs: Timed[], events: number): number => Math.max(...runs.map((x) => events / x.seconds));
    const medianRate = (runs: Timed[], events: number): number => median(runs.map((x) => events / x.seconds));
    console.log(`ttng view > /dev/null          ${range(tRuns, tEvents)}`);
    console.log(`trace-cmd report > /dev/null   ${range(cRuns, cEvents)}`);
    console.log(`babeltrace2 > /dev/null        ${range(bRuns, tEvents)}`);
    console.log(
      `piped (| wc -l): ttng view ${k(tEvents / tPipe.seconds)}, trace-cmd report ${k(cEvents / cPipe.seconds)}`,
    );
    console.log(
      `ratio ttng view / trace-cmd report: ${(best(tRuns, tEvents) / best(cRuns, cEvents)).toFixed(2)}x events/s (best runs), ${(medianRate(tRuns, tEvents) / medianRate(cRuns, cEvents)).toFixed(2)}x (medians) (target >= 5); ttng view / babeltrace2: ${(best(tRuns, tEvents) / best(bRuns, tEvents)).toFixed(2)}x (best runs)`,
    );
    console.log(`load after: ${load()}`);
  } finally {
    restoreGlobal(saved);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
