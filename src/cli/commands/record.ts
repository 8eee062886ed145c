/**
 * `ttng record`: record kernel events and/or Node programs into one LTTng session directory in
 * one command, like `perf record`: until a command exits, for a duration, or until Ctrl-C
 * (docs/record.md). Kernel events go to DIR/kernel/ through a private tracefs instance; the Node
 * program after `--` (and every node process it starts) is traced by ttng's user-space tracer,
 * loaded by preload (NODE_OPTIONS `--import`) and configured by TTNG_* variables, into
 * DIR/ust/pid/<procname>-<pid>-<date>/. Both use CLOCK_MONOTONIC, so readers merge them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  realpathSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createMuxer, MsgType, openTraces } from '../../ctf/reader/index.js';
import { decodeIndexFile } from '../../ctf/writer/index-file.js';
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
import { PROC_KALLSYMS, readWholeFile } from '../../symbols/index.js';
import { CONTEXT_NAMES, type ContextName } from '../../tracer/contexts.js';
import { checkFilter } from '../../tracer/filters.js';
import { normalizeSessionOptions, sessionOptionsFromEnv } from '../../tracer/session-config.js';
import { UsageError } from '../errors.js';
import { SAVED_KALLSYMS } from '../view-symbols.js';
import { nodeReaderHost } from './view.js';

export const summary = 'Record kernel events and Node programs into one LTTng session directory';

export const usage = `Usage:
  ttng record [-k EVENTS] [--syscall NAMES] [-u PATTERNS] [OPTIONS] [-o DIR] [--duration S] [-- CMD ARGS...]

Records, in one session directory DIR, kernel events through a private tracefs instance (no
kernel module) into DIR/kernel/, and with -u the Node program CMD (and every node process it
starts) into DIR/ust/pid/<procname>-<pid>-<date>/: CTF traces in LTTng's layout, on one clock,
that babeltrace2 and Trace Compass read and merge. Stops when CMD exits, after --duration, or on
Ctrl-C, then prints one line: events, lost events, size, path. Kernel events need root (or
CAP_SYS_ADMIN with access to /sys/kernel/tracing); -u alone does not.

Kernel events:
  -k, --kernel EVENTS      tracepoints, comma-separated: LTTng names (sched_switch,
                           irq_softirq_entry) or system:event (sched:sched_switch); globs
                           with * (sched_*, irq:*). Repeatable.
  -s, --syscall NAMES      syscalls without prefix (openat,read), globs, or "all": recorded as
                           syscall_entry_NAME / syscall_exit_NAME. Repeatable.
  -f, --filter EXPR        LTTng filter on every kernel event (pushed down to ftrace when the
                           kernel computes the same, else evaluated by ttng)
      --userspace-probe [NAME=]LOC
                           a uprobe: LOC is elf:PATH:SYMBOL[+OFFSET] or
                           sdt:PATH:PROVIDER:NAME (semaphores handled); the record is NAME
                           (default SYMBOL, or PROVIDER:NAME). Repeatable.

Node programs (user space; needs -- CMD):
  -u, --userspace PATTERNS event names or globs of ttng's Node tracer, comma-separated
                           ('myapp:*,node:http_*'; \\, for a literal comma). Repeatable.
      --userspace-filter EXPR
                           LTTng filter on every user-space event (its fields, $ctx.vtid...)
      --loglevel LEVEL     only events at least as severe as LEVEL (WARNING, INFO, DEBUG...)
      --loglevel-only LEVEL
                           only events of exactly LEVEL
  -x, --exclude NAMES      event names (globs) left out of the -u patterns
  The traced processes get NODE_OPTIONS="--import=file://<ttng>/dist/src/sources/node/auto.js ..."
  (yours kept after it) and TTNG_* variables; TTNG_SUBBUF_SIZE, TTNG_NUM_SUBBUF,
  TTNG_SWITCH_TIMER_US and TTNG_NODE_ELD_INTERVAL_MS pass through from your environment.

Both:
  -c, --context NAMES      contexts recorded with each event; each name goes to the domain that
                           has it. Kernel: ${KERNEL_CONTEXTS.join(', ')}
                           (cpu_id is always in the packet context); default pid,tid,procname.
                           User space: ${CONTEXT_NAMES.join(', ')};
                           default vpid,vtid,procname.
                           With callstack_kernel, a copy of /proc/kallsyms is saved as
                           DIR/kallsyms, for \`ttng view --kernel-symbols\` on another boot.
      --no-statedump       do not record LTTng's state dumps at start
      --overwrite          flight recorder: overwrite the oldest records when full
                           (default: discard new records, counted as lost)

Output and buffers:
  -o, --output DIR         session directory (default ./ttng-record-YYYYmmdd-HHMMSS)
      --name NAME          session name (tracefs instance ttng-NAME; default record-PID)
      --buffer-size KIB    kernel ring buffer per CPU, KiB (default 8192)
      --subbuf-size KIB    kernel sub-buffer (and packet) size, KiB, a power of two (default 64)
      --ctf2               write the kernel trace with CTF 2 metadata instead of CTF 1.8 (TSDL);
                           not with -u (the Node tracer writes CTF 1.8)

While recording, SIGUSR1 writes the kernel state dump again (LTTng's \`regenerate statedump\`).

When to stop:
      --duration S         stop after S seconds (decimals allowed); with -u, CMD gets SIGINT
                           then (its trace is completed as it exits)
  -p, --pid PIDS           only record kernel events of these processes (comma-separated)
      --only-command       with -- CMD: only record kernel events of CMD and its descendants
  -q, --quiet              no summary line

Exit status: 0 recorded, 1 error (no tracefs, not root, unknown event, refused filter, output
directory not writable, no Node process traced by -u alone), 2 bad usage.`;

/** TtngError code: -u was the only domain and no Node process ran under the preload. */
export const RECORD_NOTHING_TRACED = 'TTNG_E_CLI_RECORD_NOTHING_TRACED';

/** TtngError code: the Node tracer's preload is not built next to this command, or Node cannot load it. */
export const RECORD_PRELOAD = 'TTNG_E_CLI_RECORD_PRELOAD';

/** TtngError code: the session directory cannot be created or written (-u). */
export const RECORD_OUTPUT = 'TTNG_E_CLI_RECORD_OUTPUT';

/** TTNG_* settings a traced program keeps from the user's environment: channel attributes. */
const PASSED_THROUGH = new Set([
  'TTNG_SUBBUF_SIZE',
  'TTNG_NUM_SUBBUF',
  'TTNG_SWITCH_TIMER_US',
  'TTNG_NODE_ELD_INTERVAL_MS',
]);

const DEFAULT_KERNEL_CONTEXTS: readonly KernelContext[] = ['pid', 'tid', 'procname'];
const DEFAULT_UST_CONTEXTS: readonly ContextName[] = ['vpid', 'vtid', 'procname'];

/** How long CMD has to end (and complete its trace) after SIGINT when -u stops early. */
const UST_END_GRACE_MS = 10_000;

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

// Thousands separators by hand: toLocaleString loads ICU data (tens of ms) for one line.
const thousands = (x: number) => String(x).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** The one-line summary of a kernel-only recording (path: the kernel trace). */
export function summaryLine(s: KernelSessionSummary, sizeBytes: number, path: string): string {
  return `ttng record: ${thousands(s.recordsWritten)} events, ${thousands(s.discarded)} lost, ${formatSize(sizeBytes)}, ${path}`;
}

/** What the Node processes of one recording wrote (DIR/ust). */
export interface UserSpaceSummary {
  /** Per-PID trace directories. */
  readonly traces: readonly string[];
  readonly events: number;
  /** True when a trace could not be read to its end: `events` is a lower bound. */
  readonly incomplete: boolean;
  /** events_discarded of every stream's last packet (cumulative counts), summed. */
  readonly lost: number;
  readonly sizeBytes: number;
}

/**
 * The one-line summary when -u is used: both domains' totals, then each domain's share, and the
 * session directory (which holds both traces).
 */
export function sessionSummaryLine(
  kernel: { readonly events: number; readonly lost: number; readonly sizeBytes: number } | undefined,
  ust: UserSpaceSummary,
  sessionDir: string,
): string {
  const events = (kernel?.events ?? 0) + ust.events;
  const lost = (kernel?.lost ?? 0) + ust.lost;
  const n = ust.traces.length;
  const ustPart = `ust ${ust.incomplete ? 'at least ' : ''}${thousands(ust.events)} from ${n} process${n === 1 ? '' : 'es'}`;
  const parts = kernel ? [`kernel ${thousands(kernel.events)}`, ustPart] : [ustPart];
  const lostParts = kernel ? ` (kernel ${thousands(kernel.lost)}, ust ${thousands(ust.lost)})` : '';
  const size = (kernel?.sizeBytes ?? 0) + ust.sizeBytes;
  return `ttng record: ${ust.incomplete ? 'at least ' : ''}${thousands(events)} events (${parts.join(', ')}), ${thousands(lost)} lost${lost > 0 ? lostParts : ''}, ${formatSize(size)}, ${sessionDir}`;
}

/** The preload that loads ttng's Node tracer into a program (compiled next to this file). */
export function userSpacePreloadPath(): string {
  return fileURLToPath(new URL('../../sources/node/auto.js', import.meta.url));
}

/**
 * `--import=<file URL>` for NODE_OPTIONS. A URL, not a path: Node resolves `--import` like an
 * `import()` specifier, so a path holding `#`, `?` or `%` would not load, and the URL's
 * percent-encoding leaves no space, quote or backslash for NODE_OPTIONS' own parser to split on.
 */
export function nodeImportOption(path: string): string {
  return `--import=${pathToFileURL(path).href}`;
}

export interface UserSpaceSettings {
  readonly sessionDir: string;
  readonly name: string;
  /** -u values as given (each a comma-separated list, `\,` escapes kept for the tracer). */
  readonly patterns: readonly string[];
  readonly contexts: readonly ContextName[];
  readonly filter?: string | undefined;
  readonly loglevel?: string | undefined;
  readonly loglevelOnly?: string | undefined;
  readonly exclude?: readonly string[] | undefined;
  readonly overwrite: boolean;
  readonly statedump: boolean;
}

/**
 * The environment of the traced command: the user's, without TTNG_* settings other than channel
 * attributes (a stale TTNG_FILTER must not apply silently), plus this recording's TTNG_* and the
 * preload first in NODE_OPTIONS (so the tracer loads before the user's own preloads).
 */
export function userSpaceEnv(
  base: NodeJS.ProcessEnv,
  s: UserSpaceSettings,
  preloadPath = userSpacePreloadPath(),
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    if (!k.startsWith('TTNG_') || PASSED_THROUGH.has(k)) env[k] = v;
  }
  env.TTNG_OUTPUT = s.sessionDir;
  env.TTNG_SESSION_NAME = s.name;
  env.TTNG_EVENTS = s.patterns.join(',');
  if (s.contexts.length > 0) env.TTNG_CONTEXTS = s.contexts.join(',');
  if (s.filter !== undefined) env.TTNG_FILTER = s.filter;
  if (s.loglevel !== undefined) env.TTNG_LOGLEVEL = s.loglevel;
  if (s.loglevelOnly !== undefined) env.TTNG_LOGLEVEL_ONLY = s.loglevelOnly;
  if (s.exclude && s.exclude.length > 0) env.TTNG_EXCLUDE = s.exclude.join(',');
  if (s.overwrite) env.TTNG_MODE = 'overwrite';
  if (!s.statedump) env.TTNG_STATEDUMP = '0';
  const user = base.NODE_OPTIONS?.trim();
  env.NODE_OPTIONS = `${nodeImportOption(preloadPath)}${user ? ` ${user}` : ''}`;
  return env;
}

/**
 * Checks, here, what each traced process would check at start (rules, contexts, log levels,
 * filters): a mistake is one error before anything runs, not a program that runs untraced.
 */
export function checkUserSpaceEnv(env: NodeJS.ProcessEnv): void {
  const o = sessionOptionsFromEnv(env);
  if (!o) throw new Error('internal: no TTNG_EVENTS in the user-space environment');
  let norm: ReturnType<typeof normalizeSessionOptions>;
  try {
    norm = normalizeSessionOptions(o);
  } catch (e) {
    // The tracer names the rule (`events[0]: ...`); here there is one set of -u options.
    if (e instanceof TtngError)
      throw new TtngError(e.code, `-u: ${e.message.replace(/^events\[\d+\]: /, '')}`, { cause: e });
    throw e;
  }
  for (const r of norm.rules) {
    if (r.filter === null) continue;
    try {
      checkFilter(r.filter);
    } catch (e) {
      if (e instanceof FilterError) {
        throw new TtngError(e.code, `invalid --userspace-filter ${JSON.stringify(r.filter)}: ${e.message}`);
      }
      throw e;
    }
  }
}

/** Where `cmd` runs from: a path as given, else the first executable of that name in PATH. */
function findExecutable(cmd: string, env: NodeJS.ProcessEnv): string | undefined {
  const isFile = (p: string) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (cmd.includes('/')) return isFile(cmd) ? resolve(cmd) : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isFile(join(dir, cmd))) return join(dir, cmd);
  }
  return undefined;
}

/**
 * True when `cmd` is node itself or a script run by node (`#!/usr/bin/env node`: npm, npx...);
 * false for anything else (a shell, a binary), undefined when it is not found.
 */
export function isNodeProgram(cmd: string, env: NodeJS.ProcessEnv = process.env): boolean | undefined {
  const found = findExecutable(cmd, env);
  if (found === undefined) return undefined;
  let real: string;
  try {
    real = realpathSync(found);
    if (real === realpathSync(process.execPath)) return true;
  } catch {
    return undefined;
  }
  if (/^node(js)?[\d.-]*$/.test(basename(real))) return true;
  const head = new Uint8Array(256);
  let n = 0;
  try {
    const fd = openSync(real, 'r');
    try {
      n = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  const text = Buffer.from(head.subarray(0, n)).toString('latin1');
  if (!text.startsWith('#!')) return false;
  return /[\s/]node(js)?(\s|$)/.test(text.split('\n', 1)[0]!);
}

/**
 * Saves /proc/kallsyms as DIR/kallsyms (not in DIR/kernel/, where babeltrace2 would take it for
 * a data stream), so that `ttng view --kernel-symbols` symbolizes the callstacks after a reboot.
 * Read after tracing stops: the copy also has the modules loaded while tracing.
 */
function saveKallsyms(sessionDir: string, warn: (line: string) => void): void {
  const target = join(sessionDir, SAVED_KALLSYMS);
  let bytes: Buffer;
  try {
    bytes = readWholeFile(PROC_KALLSYMS);
  } catch (e) {
    warn(
      `cannot read ${PROC_KALLSYMS} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): the callstacks can only be symbolized on this boot`,
    );
    return;
  }
  // All-zero addresses: the kernel hides them (kernel.kptr_restrict); such a copy is useless.
  if (!/^[0-9a-f]*[1-9a-f]/m.test(bytes.toString('latin1', 0, Math.min(bytes.length, 1 << 16)))) {
    warn(
      `${PROC_KALLSYMS} shows no addresses (kernel.kptr_restrict hides them; set it to 0 or 1 and record as root): no kallsyms copy saved`,
    );
    return;
  }
  try {
    writeFileSync(target, bytes);
  } catch (e) {
    warn(`cannot write ${target}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * After an error: removes what this run created of the session directory when it holds nothing
 * (rmdir only removes empty directories), up to `created`, the first directory it created.
 */
function removeEmptyDirs(sessionDir: string, created: string | undefined): void {
  if (created === undefined) return;
  for (const d of [join(sessionDir, 'ust', 'pid'), join(sessionDir, 'ust')]) {
    try {
      rmdirSync(d);
    } catch {
      // absent or not empty
    }
  }
  for (let d = sessionDir; ; d = dirname(d)) {
    try {
      rmdirSync(d);
    } catch {
      return;
    }
    if (d === created || dirname(d) === d) return;
  }
}

function filesSize(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += filesSize(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

/**
 * What the Node processes wrote under DIR/ust: per-PID traces, their events (read back with the
 * reader: the tracer counts no records), lost events (each stream's last index entry), size.
 */
export function summarizeUserSpace(sessionDir: string, warn: (line: string) => void): UserSpaceSummary {
  const ustDir = join(sessionDir, 'ust');
  const pidDir = join(ustDir, 'pid');
  const traces = existsSync(pidDir)
    ? readdirSync(pidDir)
        .map((d) => join(pidDir, d))
        .filter((d) => existsSync(join(d, 'metadata')))
        .sort()
    : [];
  if (traces.length === 0) return { traces, events: 0, incomplete: false, lost: 0, sizeBytes: 0 };
  let lost = 0;
  for (const t of traces) {
    const idx = join(t, 'index');
    if (!existsSync(idx)) continue;
    for (const f of readdirSync(idx)) {
      if (!f.endsWith('.idx')) continue;
      try {
        const entries = decodeIndexFile(new Uint8Array(readFileSync(join(idx, f))), join(idx, f));
        const last = entries.at(-1);
        if (last) lost += Number(last.eventsDiscarded);
      } catch (e) {
        warn(`cannot read ${join(idx, f)}: ${(e as Error).message}`);
      }
    }
  }
  let events = 0;
  let incomplete = false;
  try {
    const mux = createMuxer(nodeReaderHost, openTraces(nodeReaderHost, [ustDir]), {
      keepBytes: false,
      eventObjects: false,
    });
    try {
      if (mux.canSkipMerging) {
        mux.scanWithoutMerging(() => {
          events++;
        });
      } else {
        for (let m = mux.next(); m; m = mux.next()) if (m.type === MsgType.Event) events++;
      }
    } finally {
      mux.close();
    }
  } catch (e) {
    incomplete = true;
    warn(`cannot read every user-space event to count them: ${(e as Error).message}`);
  }
  return { traces, events, incomplete, lost, sizeBytes: filesSize(ustDir) };
}

/**
 * Spawns CMD behind a gate: a shell that waits for one byte on fd 3 and then execs CMD, so its
 * pid is known (and can be traced) before CMD runs anything.
 */
function spawnGated(
  cmd: readonly string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; release: () => void } {
  const child = spawn('/bin/sh', ['-c', 'read _ <&3; exec 3<&-; exec "$@"', 'sh', ...cmd], {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    env,
  });
  const gate = child.stdio[3] as NodeJS.WritableStream;
  return { child, release: () => gate.end('x\n') };
}

const hasExited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;

/**
 * Ends CMD when the recording stops before it does (-u): SIGINT, to which ttng's Node tracer
 * answers by completing the trace before the process ends; SIGKILL after a grace period.
 */
async function endCommand(child: ChildProcess, warn: (line: string) => void): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise<boolean>((done) => child.once('exit', () => done(true)));
  child.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([
    exited,
    new Promise<boolean>((done) => {
      timer = setTimeout(() => done(false), UST_END_GRACE_MS);
    }),
  ]);
  clearTimeout(timer);
  if (!inTime) {
    warn(
      `the command did not end within ${UST_END_GRACE_MS / 1000} s of SIGINT: killed, its user-space trace may lack its last events`,
    );
    child.kill('SIGKILL');
    await exited;
  }
}

function parse(a: string[]) {
  return parseArgs({
    args: a,
    allowPositionals: false,
    options: {
      kernel: { type: 'string', short: 'k', multiple: true },
      syscall: { type: 'string', short: 's', multiple: true },
      filter: { type: 'string', short: 'f' },
      context: { type: 'string', short: 'c', multiple: true },
      'no-statedump': { type: 'boolean' },
      userspace: { type: 'string', short: 'u', multiple: true },
      'userspace-filter': { type: 'string' },
      loglevel: { type: 'string' },
      'loglevel-only': { type: 'string' },
      exclude: { type: 'string', short: 'x', multiple: true },
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
}

/** Splits -c names between the domains that have them. */
function splitContexts(
  given: readonly string[] | undefined,
  hasKernel: boolean,
  hasUst: boolean,
): { kernel: KernelContext[]; ust: ContextName[] } {
  if (given === undefined) return { kernel: [...DEFAULT_KERNEL_CONTEXTS], ust: [...DEFAULT_UST_CONTEXTS] };
  const kernel: KernelContext[] = [];
  const ust: ContextName[] = [];
  for (const c of given) {
    const isKernel = (KERNEL_CONTEXTS as readonly string[]).includes(c);
    const isUst = (CONTEXT_NAMES as readonly string[]).includes(c);
    if (!isKernel && !isUst) {
      throw new UsageError(
        `unknown context "${c}" (known: kernel ${KERNEL_CONTEXTS.join(', ')}; user space ${CONTEXT_NAMES.join(', ')})`,
      );
    }
    if (isKernel && hasKernel) kernel.push(c as KernelContext);
    if (isUst && hasUst) ust.push(c as ContextName);
    if (isKernel && !isUst && !hasKernel) {
      throw new UsageError(
        `context "${c}" is a kernel context and no kernel event is recorded; Node programs (-u) have ${CONTEXT_NAMES.join(', ')}`,
      );
    }
    if (isUst && !isKernel && !hasUst) {
      throw new UsageError(
        `context "${c}" is a user-space context (-u); kernel events have ${KERNEL_CONTEXTS.join(', ')}`,
      );
    }
  }
  return { kernel, ust };
}

export async function run(args: string[]): Promise<number> {
  const dashdash = args.indexOf('--');
  const own = dashdash >= 0 ? args.slice(0, dashdash) : args;
  const cmd = dashdash >= 0 ? args.slice(dashdash + 1) : [];
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(own);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  const warn = (line: string) => process.stderr.write(`ttng record: warning: ${line}\n`);
  const patterns = (v.userspace ?? []).map((p) => p.trim()).filter((p) => p.length > 0);
  const hasUst = patterns.length > 0;
  const events = splitList(v.kernel);
  const syscalls = splitList(v.syscall);
  const probes = (v['userspace-probe'] ?? []).map((p) => {
    const m = /^([A-Za-z_][\w:.-]*)=((?:elf|sdt):.*)$/.exec(p);
    return m ? { name: m[1]!, location: m[2]! } : { location: p };
  });
  const hasKernel = events.length > 0 || syscalls.length > 0 || probes.length > 0;
  if (!hasKernel && !hasUst) {
    throw new UsageError(
      "name the kernel events to record: -k EVENTS, --syscall NAMES and/or --userspace-probe LOC; or a Node program's with -u PATTERNS -- node app.js",
    );
  }
  if (hasUst && cmd.length === 0) {
    throw new UsageError(
      `-u ${patterns.join(',')} needs the Node tracer loaded into the program as it starts: give the command after -- (ttng record -u '${patterns[0]}' -- node app.js)`,
    );
  }
  if (hasUst && v.ctf2) {
    throw new UsageError('--ctf2 cannot be used with -u: the Node tracer writes CTF 1.8 (TSDL) metadata');
  }
  if (!hasKernel) {
    for (const k of ['filter', 'buffer-size', 'subbuf-size', 'pid', 'only-command'] as const) {
      if (v[k] !== undefined) {
        throw new UsageError(
          `--${k} applies to kernel events, and none is recorded (-k, --syscall)${k === 'filter' ? '; filter Node events with --userspace-filter' : ''}`,
        );
      }
    }
  }
  if (!hasUst) {
    for (const k of ['userspace-filter', 'loglevel', 'loglevel-only', 'exclude'] as const) {
      if (v[k] !== undefined) throw new UsageError(`--${k} applies to Node events, and -u names none`);
    }
  }
  const contexts = splitContexts(v.context ? splitList(v.context) : undefined, hasKernel, hasUst);
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
  const sessionName = v.name ?? `record-${process.pid}`;
  const sessionDir = resolve(v.output ?? `ttng-record-${stamp(new Date())}`);
  const traceDir = `${sessionDir}/kernel`;
  for (const [on, dir] of [
    [hasKernel, traceDir],
    [hasUst, join(sessionDir, 'ust')],
  ] as const) {
    if (on && existsSync(dir) && readdirSync(dir).length > 0) {
      throw new KernelError(
        KernelErrorCode.Usage,
        `${dir} already holds a trace: choose another output directory (-o)`,
      );
    }
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
  let childEnv: NodeJS.ProcessEnv = process.env;
  /** The first directory this run created (-u), removed again if it stays empty after an error. */
  let createdDir: string | undefined;
  if (hasUst) {
    const preload = userSpacePreloadPath();
    if (!existsSync(preload)) {
      throw new TtngError(
        RECORD_PRELOAD,
        `the Node tracer's preload ${preload} is missing: build ttng (npm run build)`,
      );
    }
    if (preload.includes('\\')) {
      // Node refuses `--import` of a file URL with an encoded backslash, and reads a plain one as "/".
      throw new TtngError(
        RECORD_PRELOAD,
        `Node cannot --import the Node tracer's preload ${preload}: its path holds a backslash; move ttng to a directory without one`,
      );
    }
    childEnv = userSpaceEnv(
      process.env,
      {
        sessionDir,
        name: sessionName,
        patterns,
        contexts: contexts.ust,
        filter: v['userspace-filter'],
        loglevel: v.loglevel,
        loglevelOnly: v['loglevel-only'],
        exclude: v.exclude,
        overwrite: v.overwrite ?? false,
        statedump: !v['no-statedump'],
      },
      preload,
    );
    checkUserSpaceEnv(childEnv);
    // Not an error: shells, npm scripts and wrappers start node processes, which inherit the
    // preload; whether any Node process was traced is checked after the run.
    if (isNodeProgram(cmd[0]!, process.env) === false) {
      warn(
        `${cmd[0]} is not a Node program: -u traces the node processes it starts (they inherit NODE_OPTIONS)`,
      );
    }
    // Created here so that a directory the traced processes cannot write is one error now, not
    // a program that runs untraced.
    try {
      createdDir = mkdirSync(sessionDir, { recursive: true });
      accessSync(sessionDir, constants.W_OK | constants.X_OK);
    } catch (e) {
      removeEmptyDirs(sessionDir, createdDir);
      throw new TtngError(
        RECORD_OUTPUT,
        `cannot write to the session directory ${sessionDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; choose another (-o)`,
      );
    }
  }
  try {
    return await recordAndReport();
  } catch (e) {
    removeEmptyDirs(sessionDir, createdDir);
    throw e;
  }

  async function recordAndReport(): Promise<number> {
    // With --only-command, CMD must exist (gated) before the session so its pid can be filtered on.
    let gated: { child: ChildProcess; release: () => void } | undefined;
    if (cmd.length > 0 && v['only-command']) {
      gated = spawnGated(cmd, childEnv);
      if (gated.child.pid === undefined)
        throw new KernelError(KernelErrorCode.Usage, `cannot start ${cmd[0]}`);
      pids.push(gated.child.pid);
    }
    let session: KernelSession | undefined;
    let output: KernelCtfOutput | undefined;
    if (hasKernel) {
      try {
        session = KernelSession.create({
          name: sessionName,
          events,
          syscalls,
          contexts: contexts.kernel,
          statedump: !v['no-statedump'],
          ...(filter ? { filter } : {}),
          ...(probes.length > 0 ? { userspaceProbes: probes } : {}),
          instance: { bufferSizeKb, subbufSizeKb, overwrite: v.overwrite ?? false, pids },
        });
      } catch (e) {
        gated?.child.kill('SIGKILL');
        throw e;
      }
      output = new KernelCtfOutput({
        dir: traceDir,
        traceName: sessionName,
        packetSizeBytes: subbufSizeKb * 1024,
        metadata: v.ctf2 ? 'ctf2' : 'tsdl',
      });
    }
    let result: KernelSessionSummary | undefined;
    const onSignal = { stop: () => {} };
    const stopOnSignal = () => onSignal.stop();
    // LTTng's `regenerate statedump`: SIGUSR1 writes the state dump again, now.
    const dumpOnSignal = () => {
      if (!v['no-statedump']) session?.emitStatedump();
    };
    let cpuAtStart = process.cpuUsage();
    try {
      cpuAtStart = process.cpuUsage();
      if (session && output) session.start(output);
      if (!v.quiet && cmd.length === 0) {
        const until = durationS !== undefined ? `for ${durationS} s` : 'until Ctrl-C';
        process.stderr.write(`ttng record: recording kernel events into ${traceDir} ${until}\n`);
      }
      let child: ChildProcess | undefined;
      if (gated) {
        child = gated.child;
        gated.release();
      } else if (cmd.length > 0) {
        child = spawn(cmd[0]!, cmd.slice(1), { stdio: 'inherit', env: childEnv });
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
      // The Node processes complete their traces as they end: CMD ends before the kernel stops,
      // so the kernel trace covers the user-space one.
      if (hasUst && child) await endCommand(child, warn);
      if (session && output) {
        result = session.stop();
        output.close();
        if (contexts.kernel.includes('callstack_kernel')) saveKallsyms(sessionDir, warn);
      }
    } finally {
      process.off('SIGINT', stopOnSignal);
      process.off('SIGTERM', stopOnSignal);
      process.off('SIGUSR1', dumpOnSignal);
      session?.destroy();
      output?.close();
    }
    if (!hasUst) {
      if (!v.quiet) process.stdout.write(`${summaryLine(result!, output!.sizeBytes, traceDir)}\n`);
    } else {
      const ust = summarizeUserSpace(sessionDir, warn);
      if (ust.traces.length === 0) {
        const what = `no Node process was traced (${cmd[0]} must be node or start node processes, which must keep NODE_OPTIONS; a tracer that could not start said why above)`;
        if (!hasKernel) {
          removeEmptyDirs(sessionDir, createdDir);
          throw new TtngError(RECORD_NOTHING_TRACED, `${what}: nothing was recorded`);
        }
        warn(`${what}: only the kernel trace was recorded`);
      }
      if (!v.quiet) {
        const kernel =
          result && output
            ? { events: result.recordsWritten, lost: result.discarded, sizeBytes: output.sizeBytes }
            : undefined;
        process.stdout.write(`${sessionSummaryLine(kernel, ust, sessionDir)}\n`);
      }
    }
    if (process.env.TTNG_RECORD_CPU && result) {
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
}
