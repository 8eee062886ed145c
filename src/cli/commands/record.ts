/**
 * `ttng record`: record kernel events into an LTTng-layout trace in one command, like
 * `perf record`: until a command exits, for a duration, or until Ctrl-C (docs/kernel-tracing.md).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TtngError } from '../../errors.js';
import { FilterError } from '../../filter/index.js';
import { KernelCtfOutput } from '../../sources/kernel/ctf-output.js';
import { KernelError, KernelErrorCode } from '../../sources/kernel/errors.js';
import { type KernelFilter, kernelFilter } from '../../sources/kernel/kernel-filter.js';
import {
  KERNEL_CONTEXTS,
  type KernelContext,
  KernelSession,
  type KernelSessionSummary,
} from '../../sources/kernel/kernel-session.js';
import { UsageError } from '../errors.js';

export const summary = 'Record kernel events into an LTTng-layout trace (like perf record)';

export const usage = `Usage:
  ttng record [-k EVENTS] [--syscall NAMES] [-f FILTER] [-o DIR] [--duration S] [-- CMD ARGS...]

Records kernel events through a private tracefs instance (no kernel module) into DIR/kernel/,
a CTF trace in LTTng's kernel layout that babeltrace2 and Trace Compass read. Stops when CMD
exits, after --duration, or on Ctrl-C, then prints one line: events, lost events, size, path.
Needs root (or CAP_SYS_ADMIN with access to /sys/kernel/tracing).

Events:
  -k, --kernel EVENTS      tracepoints, comma-separated: LTTng names (sched_switch,
                           irq_softirq_entry) or system:event (sched:sched_switch); globs
                           with * (sched_*, irq:*). Repeatable.
  -s, --syscall NAMES      syscalls without prefix (openat,read), globs, or "all": recorded as
                           syscall_entry_NAME / syscall_exit_NAME. Repeatable.
  -f, --filter EXPR        LTTng filter on every event (pushed down to ftrace when the kernel
                           computes the same, else evaluated by ttng)
  -c, --context NAMES      contexts to record with each event: ${KERNEL_CONTEXTS.join(', ')}
                           (cpu_id is always in the packet context). Default: pid,tid,procname
      --no-statedump       do not record LTTng's state dump at start
  -u, --userspace PATTERN  also trace Node programs (needs the Node tracer: see docs)
      --userspace-probe [NAME=]LOC
                           a uprobe: LOC is elf:PATH:SYMBOL[+OFFSET] or
                           sdt:PATH:PROVIDER:NAME (semaphores handled); the record is NAME
                           (default SYMBOL, or PROVIDER:NAME). Repeatable.

Output and buffers:
  -o, --output DIR         session directory (default ./ttng-record-YYYYmmdd-HHMMSS); the
                           trace goes to DIR/kernel
      --name NAME          session name (tracefs instance ttng-NAME; default record-PID)
      --buffer-size KIB    ring buffer per CPU, KiB (default 8192)
      --subbuf-size KIB    sub-buffer (and packet) size, KiB, a power of two (default 64)
      --overwrite          flight recorder: overwrite the oldest records when full
                           (default: discard new records, counted as lost)
      --ctf2               write CTF 2 metadata instead of CTF 1.8 (TSDL)

While recording, SIGUSR1 writes the state dump again (LTTng's \`regenerate statedump\`).

When to stop:
      --duration S         stop after S seconds (decimals allowed)
  -p, --pid PIDS           only record events of these processes (comma-separated)
      --only-command       with -- CMD: only record CMD and its descendants
  -q, --quiet              no summary line

Exit status: 0 recorded, 1 error (no tracefs, not root, unknown event, refused filter),
2 bad usage.`;

/** `-u`: the Node tracer's hook. It is not in this build; say so rather than pretend. */
function startUserSpace(patterns: readonly string[]): never {
  throw new UsageError(
    `-u ${patterns.join(',')}: tracing Node programs from \`ttng record\` needs the Node tracer, which this build does not wire in yet; record the kernel here and the Node program with its own session`,
  );
}

function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

function positiveNumber(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${name} ${JSON.stringify(v)} is not a positive number`);
  return n;
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/** The one-line summary. */
export function summaryLine(s: KernelSessionSummary, sizeBytes: number, path: string): string {
  // Thousands separators by hand: toLocaleString loads ICU data (tens of ms) for one line.
  const n = (x: number) => String(x).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `ttng record: ${n(s.recordsWritten)} events, ${n(s.discarded)} lost, ${formatSize(sizeBytes)}, ${path}`;
}

/**
 * Spawns CMD behind a gate: a shell that waits for one byte on fd 3 and then execs CMD, so its
 * pid is known (and can be traced) before CMD runs anything.
 */
function spawnGated(cmd: readonly string[]): { child: ChildProcess; release: () => void } {
  const child = spawn('/bin/sh', ['-c', 'read _ <&3; exec 3<&-; exec "$@"', 'sh', ...cmd], {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
  });
  const gate = child.stdio[3] as NodeJS.WritableStream;
  return { child, release: () => gate.end('x\n') };
}

export async function run(args: string[]): Promise<number> {
  const dashdash = args.indexOf('--');
  const own = dashdash >= 0 ? args.slice(0, dashdash) : args;
  const cmd = dashdash >= 0 ? args.slice(dashdash + 1) : [];
  let parsed: ReturnType<typeof parse>;
  const parse = (a: string[]) =>
    parseArgs({
      args: a,
      allowPositionals: false,
      options: {
        kernel: { type: 'string', short: 'k', multiple: true },
        syscall: { type: 'string', short: 's', multiple: true },
        filter: { type: 'string', short: 'f' },
        context: { type: 'string', short: 'c', multiple: true },
        'no-statedump': { type: 'boolean' },
        userspace: { type: 'string', short: 'u', multiple: true },
        'userspace-probe': { type: 'string', multiple: true },
        output: { type: 'string', short: 'o' },
        name: { type: 'string' },
        'buffer-size': { type: 'string' },
        'subbuf-size': { type: 'string' },
        overwrite: { type: 'boolean' },
        ctf2: { type: 'boolean' },
        duration: { type: 'string' },
        pid: { type: 'string', short: 'p', multiple: true },
        'only-command': { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
      },
    });
  try {
    parsed = parse(own);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.userspace && v.userspace.length > 0) startUserSpace(splitList(v.userspace));
  const events = splitList(v.kernel);
  const syscalls = splitList(v.syscall);
  const probes = (v['userspace-probe'] ?? []).map((p) => {
    const m = /^([A-Za-z_][\w:.-]*)=((?:elf|sdt):.*)$/.exec(p);
    return m ? { name: m[1]!, location: m[2]! } : { location: p };
  });
  if (events.length === 0 && syscalls.length === 0 && probes.length === 0) {
    throw new UsageError(
      'name the kernel events to record: -k EVENTS, --syscall NAMES and/or --userspace-probe LOC',
    );
  }
  const contexts = (v.context ? splitList(v.context) : ['pid', 'tid', 'procname']) as KernelContext[];
  for (const c of contexts) {
    if (!KERNEL_CONTEXTS.includes(c))
      throw new UsageError(`unknown context "${c}" (known: ${KERNEL_CONTEXTS.join(', ')})`);
  }
  const durationS = positiveNumber('--duration', v.duration);
  const bufferSizeKb = positiveNumber('--buffer-size', v['buffer-size']) ?? 8192;
  const subbufSizeKb = positiveNumber('--subbuf-size', v['subbuf-size']) ?? 64;
  if (!Number.isInteger(Math.log2(subbufSizeKb)) || subbufSizeKb < 4) {
    throw new UsageError(`--subbuf-size ${subbufSizeKb}: a power of two of at least 4 KiB is needed`);
  }
  const pids = splitList(v.pid).map((p) => {
    if (!/^\d+$/.test(p)) throw new UsageError(`--pid: "${p}" is not a process id`);
    return Number(p);
  });
  if (v['only-command'] && cmd.length === 0) throw new UsageError('--only-command needs a command after --');
  const sessionDir = resolve(v.output ?? `ttng-record-${stamp(new Date())}`);
  const traceDir = `${sessionDir}/kernel`;
  if (existsSync(traceDir) && readdirSync(traceDir).length > 0) {
    throw new KernelError(
      KernelErrorCode.Usage,
      `${traceDir} already holds a trace: choose another output directory (-o)`,
    );
  }
  let filter: KernelFilter | undefined;
  if (v.filter !== undefined) {
    try {
      filter = kernelFilter(v.filter);
    } catch (e) {
      if (e instanceof FilterError) {
        throw new TtngError(e.code, `invalid filter ${JSON.stringify(v.filter)}: ${e.message}`);
      }
      throw e;
    }
  }

  // With --only-command, CMD must exist (gated) before the session so its pid can be filtered on.
  let gated: { child: ChildProcess; release: () => void } | undefined;
  if (cmd.length > 0 && v['only-command']) {
    gated = spawnGated(cmd);
    if (gated.child.pid === undefined) throw new KernelError(KernelErrorCode.Usage, `cannot start ${cmd[0]}`);
    pids.push(gated.child.pid);
  }
  let session: KernelSession;
  try {
    session = KernelSession.create({
      name: v.name ?? `record-${process.pid}`,
      events,
      syscalls,
      contexts,
      statedump: !v['no-statedump'],
      ...(filter ? { filter } : {}),
      ...(probes.length > 0 ? { userspaceProbes: probes } : {}),
      instance: { bufferSizeKb, subbufSizeKb, overwrite: v.overwrite ?? false, pids },
    });
  } catch (e) {
    gated?.child.kill('SIGKILL');
    throw e;
  }
  const output = new KernelCtfOutput({
    dir: traceDir,
    traceName: v.name ?? `record-${process.pid}`,
    packetSizeBytes: subbufSizeKb * 1024,
    metadata: v.ctf2 ? 'ctf2' : 'tsdl',
  });
  let result: KernelSessionSummary;
  const onSignal = { stop: () => {} };
  const stopOnSignal = () => onSignal.stop();
  // LTTng's `regenerate statedump`: SIGUSR1 writes the state dump again, now.
  const dumpOnSignal = () => {
    if (!v['no-statedump']) session.emitStatedump();
  };
  let cpuAtStart = process.cpuUsage();
  try {
    cpuAtStart = process.cpuUsage();
    session.start(output);
    if (!v.quiet && cmd.length === 0) {
      const until = durationS !== undefined ? `for ${durationS} s` : 'until Ctrl-C';
      process.stderr.write(`ttng record: recording kernel events into ${traceDir} ${until}\n`);
    }
    let child: ChildProcess | undefined;
    if (gated) {
      child = gated.child;
      gated.release();
    } else if (cmd.length > 0) {
      child = spawn(cmd[0]!, cmd.slice(1), { stdio: 'inherit' });
    }
    await new Promise<void>((done, fail) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        if (timer) clearTimeout(timer);
        done();
      };
      onSignal.stop = finish;
      process.on('SIGINT', stopOnSignal);
      process.on('SIGTERM', stopOnSignal);
      process.on('SIGUSR1', dumpOnSignal);
      if (durationS !== undefined) timer = setTimeout(finish, durationS * 1000);
      if (child) {
        child.once('exit', finish);
        child.once('error', (e) =>
          fail(
            new KernelError(
              KernelErrorCode.Usage,
              `cannot run ${cmd[0]}: ${(e as NodeJS.ErrnoException).code ?? e.message}`,
            ),
          ),
        );
      }
    });
    result = session.stop();
    output.close();
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    process.off('SIGUSR1', dumpOnSignal);
    session.destroy();
    output.close();
  }
  if (!v.quiet) process.stdout.write(`${summaryLine(result, output.sizeBytes, traceDir)}\n`);
  if (process.env.TTNG_RECORD_CPU) {
    // For benchmarks: the consumer's own CPU time, from start to the last byte written.
    const c = process.cpuUsage(cpuAtStart);
    process.stderr.write(
      `ttng record: consumer CPU ${((c.user + c.system) / 1e6).toFixed(3)} s for ${result.recordsRead} records read\n`,
    );
  }
  if (filter && process.env.TTNG_DEBUG_FILTER) {
    for (const [ev, d] of filter.decisions) process.stderr.write(`filter ${ev}: ${JSON.stringify(d)}\n`);
  }
  return 0;
}
