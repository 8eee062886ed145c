/**
 * Names and paths of LTTng's trace layout (specs/lttng.md §3.1) for one traced Node process:
 *
 *     <output>/ust/pid/<procname>-<pid>-<YYYYmmdd-HHMMSS>/{metadata, <channel>_<n>, index/<channel>_<n>.idx}
 *     <output>/archives/<BEGIN>-<END>-<ID>/ust/pid/...           after a rotation
 *     <output>/<snapshot-name>-<YYYYmmdd-HHMMSS>-<N>/ust/pid/...  after a snapshot
 *
 * One stream per thread and channel: `<n>` is the order in which threads first recorded into the
 * channel (the packet header's stream_instance_id).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** `YYYYmmdd-HHMMSS` in local time, as LTTng names sessions and per-PID directories. */
export function localDateTime(d: Date): string {
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

/** ISO 8601 basic with the UTC offset, as LTTng's `trace_creation_datetime` and archive names. */
export function isoBasicDateTime(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}T${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}${sign}${pad(Math.floor(a / 60))}${pad(a % 60)}`;
}

/** Where traces go when no output is given: `$LTTNG_HOME/lttng-traces` (LTTNG_HOME defaults to HOME). */
export function defaultTracesDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.LTTNG_HOME || env.HOME || homedir(), 'lttng-traces');
}

/** The per-PID trace directory, relative to a session (or chunk) output directory. */
export function perPidTraceDir(procname: string, pid: number, registered: Date): string {
  return join('ust', 'pid', `${procname}-${pid}-${localDateTime(registered)}`);
}

export function streamFileName(channel: string, streamIndex: number): string {
  return `${channel}_${streamIndex}`;
}

export function indexFileName(channel: string, streamIndex: number): string {
  return join('index', `${channel}_${streamIndex}.idx`);
}

/** `archives/<BEGIN>-<END>-<ID>` (rotation). */
export function archiveDirName(begin: Date, end: Date, id: number): string {
  return join('archives', `${isoBasicDateTime(begin)}-${isoBasicDateTime(end)}-${id}`);
}

/** `<name>-<YYYYmmdd-HHMMSS>-<N>` (snapshot). */
export function snapshotDirName(name: string, at: Date, seq: number): string {
  return `${name}-${localDateTime(at)}-${seq}`;
}
