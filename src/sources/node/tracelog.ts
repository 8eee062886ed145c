/**
 * `log(level, message)`: LTTng-UST's tracelog (lttng_ust_tracelog(3)) for JavaScript. Each level
 * is its own event, named as lttng-ust 2.13 names them,
 * `lttng_ust_tracelog:LTTNG_UST_TRACEPOINT_LOGLEVEL_<LEVEL>`, with the fields lttng-ust writes:
 * `line`, `file`, `func` (the caller's, from a one-frame stack capture, taken only when the event
 * is enabled) and the message as a text sequence (`_msg_length`, `msg`). Rules select levels
 * with their log level conditions (`loglevel: 'WARNING'`), as with lttng-ust.
 */
import { fileURLToPath } from 'node:url';
import { LogLevel, type LogLevelName, parseLogLevel } from '../../tracer/log-level.js';
import { defineProvider, type Tracepoint } from '../../tracer/provider.js';

const FIELDS = [
  ['line', 'i32'],
  ['file', 'string'],
  ['func', 'string'],
  ['msg', { type: 'text' }],
] as const;

const names = Object.keys(LogLevel) as LogLevelName[];
const definitions: Record<string, { loglevel: number; fields: typeof FIELDS }> = {};
for (const n of names)
  definitions[`LTTNG_UST_TRACEPOINT_LOGLEVEL_${n}`] = { loglevel: LogLevel[n], fields: FIELDS };

export const tracelogProvider = defineProvider('lttng_ust_tracelog', definitions);

type TracelogTracepoint = Tracepoint<[number, string, string, string]>;
/** Tracepoint of each level, indexed by level number. */
const byLevel: TracelogTracepoint[] = names.map(
  (n) =>
    (tracelogProvider as unknown as Record<string, TracelogTracepoint>)[
      `LTTNG_UST_TRACEPOINT_LOGLEVEL_${n}`
    ]!,
);

const CALLER = /^\s*at (?:(.*?) \()?(.*?):(\d+):\d+\)?$/;

/** The caller of `log`: function name, file, line. */
function callerOf(): { func: string; file: string; line: number } {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1;
  Error.captureStackTrace(holder, log);
  Error.stackTraceLimit = limit;
  const frame = holder.stack?.split('\n')[1];
  const m = frame ? CALLER.exec(frame) : null;
  if (!m) return { func: '', file: '', line: 0 };
  let file = m[2] ?? '';
  if (file.startsWith('file://')) {
    try {
      file = fileURLToPath(file);
    } catch {
      // Keep the URL.
    }
  }
  return { func: m[1] ?? '', file, line: Number(m[3]) };
}

/**
 * Records `message` at `level` (`'WARNING'`, `'TRACE_ERR'`, `3`...) as an LTTng tracelog event,
 * when a session's rules enable that level's event. Otherwise costs one lookup and one branch.
 */
export function log(level: LogLevelName | `TRACE_${LogLevelName}` | number, message: string): void {
  const tp = byLevel[typeof level === 'number' ? level : parseLogLevel(level, 'log()')];
  if (tp === undefined) {
    parseLogLevel(level, 'log()');
    return;
  }
  if (!tp.enabled) return;
  const c = callerOf();
  tp(c.line, c.file, c.func, String(message));
}
