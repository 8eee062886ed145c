/**
 * `ttng record` against `trace-cmd record` on the same workload, in the same run (issue 5,
 * acceptance 5): events recorded and lost, the recorder's CPU time per million events, and the
 * speed of reading the result (`ttng view` against `trace-cmd report`, when `ttng view` exists;
 * babeltrace2 is timed too, for scale).
 *
 * Both recorders run as commands, started in the background and stopped with SIGINT (trace-cmd's
 * `-- CMD` form crashes on this kernel, ftrace-raw.md §1); the CPU time of each is its process
 * tree's, read from a wrapping shell's `cutime + cstime` after it is reaped. trace-cmd records
 * into the global buffer and changes global state: it is saved before and restored after.
 *
 * Two workloads: `sustained`, dd copying 8 KiB blocks (about 700,000 events/s here, the rate
 * trace-cmd is known to keep up with), and `burst`, dd copying 1-byte blocks (about 2,000,000
 * events/s, beyond it), each followed by a few short processes (fork, exec, exit).
 *
 * Needs root, tracefs and trace-cmd; says why and exits 0 without them.
 * Environment: BENCH_ROUNDS (default 1), BENCH_WORKLOADS (default "sustained,burst").
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  restoreGlobal,
  saveGlobal,
  TRACE_CMD_READY,
  traceCmdRecordArgv,
  traceCmdUnavailable,
} from './trace-cmd-peer.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const WORKLOADS: Record<string, string> = {
  sustained: 'dd if=/dev/zero of=/dev/null bs=8192 count=1200000 2>/dev/null',
  burst: 'dd if=/dev/zero of=/dev/null bs=1 count=300000 2>/dev/null',
};
const CHOSEN = (process.env.BENCH_WORKLOADS ?? 'sustained,burst').split(',').filter((w) => WORKLOADS[w]);
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

function workload(name: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve) => {
    const c = spawn(
      'sh',
      ['-c', `${WORKLOADS[name]}; for i in $(seq 40); do cat /etc/passwd > /dev/null; done`],
      {
        stdio: 'ignore',
      },
    );
    c.once('exit', () => resolve(Number(process.hrtime.bigint() - t0) / 1e9));
  });
}

/** Recorders started and not yet stopped (stopped on failure). */
const live = new Set<() => void>();

interface RecorderRun {
  cpuS: number;
  stdout: string;
  stderr: string;
  workloadS: number;
}

/**
 * Runs `argv` under `sh`, waits until its stderr or stdout shows `ready`, runs the workload,
 * sends SIGINT, and returns the CPU time of its whole process tree.
 */
async function runRecorder(argv: string[], ready: RegExp, work: string): Promise<RecorderRun> {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const sh = spawn('sh', ['-c', `${quoted} & echo "pid $!" >&2; wait $!; cat /proc/$$/stat >&2`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TTNG_RECORD_CPU: '1' },
  });
  let out = '';
  let err = '';
  let pid = 0;
  let isReady = false;
  const readyP = new Promise<void>((resolve) => {
    const check = () => {
      const m = /^pid (\d+)$/m.exec(err);
      if (m) pid = Number(m[1]);
      if (!isReady && pid && ready.test(out + err)) {
        isReady = true;
        resolve();
      }
    };
    sh.stdout.on('data', (d) => {
      out += d;
      check();
    });
    sh.stderr.on('data', (d) => {
      err += d;
      check();
    });
  });
  const exited = new Promise<void>((r) => sh.once('exit', () => r()));
  live.add(() => {
    // On a failure elsewhere: stop the recorder, so it restores what it changed and exits.
    if (pid) {
      try {
        process.kill(pid, 'SIGINT');
      } catch {}
    }
  });
  await readyP;
  await new Promise((r) => setTimeout(r, 300));
  const workloadS = await workload(work);
  await new Promise((r) => setTimeout(r, 200));
  process.kill(pid, 'SIGINT');
  await exited;
  live.clear();
  const statLine = err.trim().split('\n').at(-1)!;
  const f = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 (cutime, cstime): fields are numbered from 1, rest[0] is field 3.
  const cpuS = (Number(f[13]) + Number(f[14])) / CLK_TCK;
  return { cpuS, stdout: out, stderr: err, workloadS };
}

function dirSize(d: string): number {
  let n = 0;
  for (const e of readdirSync(d)) {
    const p = join(d, e);
    const st = statSync(p);
    n += st.isDirectory() ? dirSize(p) : st.size;
  }
  return n;
}

function timeCommand(cmd: string, args: string[]): { seconds: number; lines: number; ok: boolean } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', `${[cmd, ...args].map((a) => `'${a}'`).join(' ')} 2>/dev/null | wc -l`], {
    encoding: 'utf8',
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, lines: Number(r.stdout.trim()), ok: r.status === 0 };
}

async function main(): Promise<void> {
  const skip = traceCmdUnavailable();
  if (skip) {
    console.log(`kernel record bench skipped: ${skip}`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'ttng-bench-'));
  const saved = saveGlobal();
  const rows: string[] = [];
  const results: {
    workload: string;
    tool: string;
    events: number;
    lost: number;
    cpuS: number;
    bytes: number;
    viewEps?: number;
    consumerCpuS?: number;
    consumerRead?: number;
  }[] = [];
  try {
    for (const wl of CHOSEN)
      for (let round = 0; round < ROUNDS; round++) {
        // trace-cmd: global buffer, sched + syscalls + irq, overwrite mode, its own defaults.
        const dat = join(work, `tc-${round}.dat`);
        const tc = await runRecorder(traceCmdRecordArgv(dat), TRACE_CMD_READY, wl);
        restoreGlobal(saved);
        const stat = spawnSync('trace-cmd', ['report', '--stat', '-i', dat], { encoding: 'utf8' }).stdout;
        const sum = (k: string) =>
          [...stat.matchAll(new RegExp(`^${k}: (\\d+)`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
        const report = timeCommand('trace-cmd', ['report', '-i', dat]);
        // trace-cmd report prints one header line ("cpus=N") before the events.
        const tcEvents = Math.max(0, report.lines - 1);
        const tcLost = sum('overrun') + sum('dropped events') + sum('commit overrun');
        results.push({
          workload: wl,
          tool: 'trace-cmd',
          events: tcEvents,
          lost: tcLost,
          cpuS: tc.cpuS,
          bytes: statSync(dat).size,
          viewEps: tcEvents / report.seconds,
        });
        rows.push(
          `${wl} trace-cmd  round ${round}: ${((tcEvents + tcLost) / tc.workloadS / 1000) | 0} k events/s, ${tcEvents} events, ${tcLost} lost (+${sum('entries')} left unread in the buffer), ${tc.cpuS.toFixed(2)} s CPU, ${((tc.cpuS / tcEvents) * 1e6).toFixed(3)} s/M events, report ${(tcEvents / report.seconds / 1000).toFixed(0)} k events/s`,
        );
        rmSync(dat, { force: true });

        // ttng: a private instance, the same events, CTF in LTTng's layout.
        const out = join(work, `ttng-${round}`);
        const tt = await runRecorder(
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
            out,
          ],
          /recording kernel events/,
          wl,
        );
        const m = /ttng record: ([\d,]+) events, ([\d,]+) lost/.exec(tt.stdout);
        if (!m) throw new Error(`ttng record did not print its summary:\n${tt.stdout}\n${tt.stderr}`);
        const events = Number(m[1]!.replace(/,/g, ''));
        const lost = Number(m[2]!.replace(/,/g, ''));
        const consumer = /consumer CPU ([\d.]+) s for (\d+) records read/.exec(tt.stderr);
        const consumerCpuS = consumer ? Number(consumer[1]) : Number.NaN;
        const consumerRead = consumer ? Number(consumer[2]) : 0;
        let viewEps: number | undefined;
        let viewNote = '';
        const hasView = existsSync(join(CLI, '..', 'commands', 'view.js'));
        if (hasView) {
          const v = timeCommand(process.execPath, [CLI, 'view', `${out}/kernel`]);
          viewEps = v.ok ? v.lines / v.seconds : undefined;
          viewNote = v.ok
            ? `, ttng view ${(v.lines / v.seconds / 1000).toFixed(0)} k events/s`
            : ', ttng view failed';
        } else {
          viewNote = ', ttng view: not in this build';
        }
        const bt = timeCommand('babeltrace2', [`${out}/kernel`]);
        results.push({
          workload: wl,
          tool: 'ttng',
          events,
          lost,
          cpuS: tt.cpuS,
          bytes: dirSize(out),
          consumerCpuS,
          consumerRead,
          ...(viewEps ? { viewEps } : {}),
        });
        rows.push(
          `${wl} ttng       round ${round}: ${((events + lost) / tt.workloadS / 1000) | 0} k events/s, ${events} events, ${lost} lost, ${tt.cpuS.toFixed(2)} s CPU (consumer alone ${consumerCpuS.toFixed(2)} s: ${((consumerCpuS / consumerRead) * 1e6).toFixed(3)} s/M), ${((tt.cpuS / events) * 1e6).toFixed(3)} s/M events${viewNote}, babeltrace2 ${(bt.lines / bt.seconds / 1000).toFixed(0)} k events/s`,
        );
        rmSync(out, { recursive: true, force: true });
      }
  } finally {
    for (const stop of live) stop();
    // Give a stopped trace-cmd time to write its own restores before ours.
    if (live.size > 0) await new Promise((r) => setTimeout(r, 3000));
    restoreGlobal(saved);
    rmSync(work, { recursive: true, force: true });
  }
  for (const r of rows) console.log(r);
  for (const wl of CHOSEN) {
    const per = (tool: string) => {
      const rs = results.filter((r) => r.tool === tool && r.workload === wl);
      const events = rs.reduce((x, r) => x + r.events, 0);
      const cpuPerM = rs.reduce((x, r) => x + r.cpuS, 0) / (events / 1e6);
      const consumerPerM =
        rs.reduce((x, r) => x + (r.consumerCpuS ?? 0), 0) /
        (rs.reduce((x, r) => x + (r.consumerRead ?? 0), 0) / 1e6);
      const lost = rs.reduce((x, r) => x + r.lost, 0);
      const eps = rs.every((r) => r.viewEps) ? rs.reduce((x, r) => x + r.viewEps!, 0) / rs.length : undefined;
      return { cpuPerM, consumerPerM, lost, eps };
    };
    const a = per('ttng');
    const b = per('trace-cmd');
    console.log(`\n[${wl}]`);
    console.log(
      `CPU per million events, whole process with start-up: ttng ${a.cpuPerM.toFixed(3)} s, trace-cmd ${b.cpuPerM.toFixed(3)} s, ratio ${(a.cpuPerM / b.cpuPerM).toFixed(2)} (target <= 2)`,
    );
    console.log(
      `CPU per million events, ttng's consumer alone (start to stop): ${a.consumerPerM.toFixed(3)} s, ratio to trace-cmd ${(a.consumerPerM / b.cpuPerM).toFixed(2)}`,
    );
    console.log(`lost events: ttng ${a.lost}, trace-cmd ${b.lost} (target: none where trace-cmd loses none)`);
    if (a.eps && b.eps)
      console.log(
        `reading: ttng view ${(a.eps / 1000).toFixed(0)} k/s, trace-cmd report ${(b.eps / 1000).toFixed(0)} k/s, ratio ${(a.eps / b.eps).toFixed(2)} (target >= 5)`,
      );
    else
      console.log(
        `reading: trace-cmd report ${((b.eps ?? 0) / 1000).toFixed(0)} k events/s; ttng view not measured`,
      );
  }
}

await main();
