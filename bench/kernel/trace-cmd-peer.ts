/**
 * What the benchmarks that run trace-cmd next to ttng share: whether they can run, trace-cmd's
 * recording command (the one issue 5 names), and saving/restoring the global tracefs state that
 * `trace-cmd record` changes (ftrace-raw.md §1: clock, tracer, event enables, pid filter, buffer
 * size, options, tracing_on).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const T = '/sys/kernel/tracing';

const OPTIONS = ['options/function-trace', 'options/overwrite', 'options/record-tgid', 'options/event-fork'];
const GLOBAL_FILES = [
  'tracing_on',
  'trace_clock',
  'current_tracer',
  'set_event_pid',
  'buffer_size_kb',
  ...OPTIONS,
];

/** Why trace-cmd cannot be benchmarked here, or undefined. */
export function traceCmdUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync(`${T}/instances`)) return 'no tracefs';
  if (spawnSync('trace-cmd', ['--help'], { stdio: 'ignore' }).error) return 'trace-cmd is not installed';
  return undefined;
}

/**
 * `trace-cmd record` of sched, syscalls and irq into `dat` (global buffer, its own defaults),
 * started in the background and stopped with SIGINT (its `-- CMD` form crashes on this kernel);
 * line-buffered so that its "Hit Ctrl^C" shows when it records (TRACE_CMD_READY).
 */
export function traceCmdRecordArgv(dat: string): string[] {
  return [
    'stdbuf',
    '-oL',
    '-eL',
    'trace-cmd',
    'record',
    '-d',
    '--no-filter',
    '-e',
    'sched',
    '-e',
    'syscalls',
    '-e',
    'irq',
    '-o',
    dat,
  ];
}

/** What trace-cmd record prints once it records. */
export const TRACE_CMD_READY = /Hit Ctrl\^C|recording/;

export function saveGlobal(): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of GLOBAL_FILES) m.set(f, readFileSync(`${T}/${f}`, 'latin1'));
  m.set('set_event', readFileSync(`${T}/set_event`, 'latin1'));
  return m;
}

export function restoreGlobal(m: Map<string, string>): void {
  const w = (f: string, v: string): void => {
    try {
      writeFileSync(`${T}/${f}`, v);
    } catch {}
  };
  // Events first (O_TRUNC on set_event clears them all), then the saved ones back.
  w('set_event', '');
  for (const e of m.get('set_event')!.split('\n').filter(Boolean)) {
    writeFileSync(`${T}/set_event`, e, { flag: 'a' });
  }
  const clock = /\[(\S+)\]/.exec(m.get('trace_clock')!)?.[1];
  if (clock) w('trace_clock', clock);
  w('current_tracer', m.get('current_tracer')!.trim());
  w('set_event_pid', m.get('set_event_pid')!.trim() || ' ');
  const size = /^(\d+)/.exec(m.get('buffer_size_kb')!);
  // "7 (expanded: 1408)": unexpanded until first use; the expanded size is what it grows to.
  const expanded = /expanded: (\d+)/.exec(m.get('buffer_size_kb')!)?.[1];
  if (expanded) w('buffer_size_kb', expanded);
  else if (size) w('buffer_size_kb', size[1]!);
  for (const f of OPTIONS) w(f, m.get(f)!.trim());
  w('tracing_on', m.get('tracing_on')!.trim());
}
