/**
 * LTTng-UST log levels (specs/lttng.md §1.3): EMERG 0 ... DEBUG 14, lower is more severe.
 * Accepted spellings: `INFO`, `TRACE_INFO`, `info`, CTF 2's `debug:line`, or the number.
 */
import { LogLevel, type LogLevelName } from '../ctf/model/index.js';
import { describeValue, TracerError, TracerErrorCode } from './errors.js';

export { LogLevel, type LogLevelName };

/** What a tracepoint without a log level gets, as LTTng-UST (TRACE_DEFAULT = DEBUG_LINE). */
export const DEFAULT_LOG_LEVEL = LogLevel.DEBUG_LINE;

/** CTF 2 spellings, in level order. */
export const CTF2_LOG_LEVEL_NAMES = [
  'emergency',
  'alert',
  'critical',
  'error',
  'warning',
  'notice',
  'info',
  'debug:system',
  'debug:program',
  'debug:process',
  'debug:module',
  'debug:unit',
  'debug:function',
  'debug:line',
  'debug',
] as const;

export type LogLevelSpec = LogLevelName | `TRACE_${LogLevelName}` | Lowercase<LogLevelName> | number;

const BY_NAME: Map<string, number> = new Map();
for (const [name, value] of Object.entries(LogLevel)) {
  BY_NAME.set(name, value);
  BY_NAME.set(`TRACE_${name}`, value);
}
for (let i = 0; i < CTF2_LOG_LEVEL_NAMES.length; i++) BY_NAME.set(CTF2_LOG_LEVEL_NAMES[i]!.toUpperCase(), i);

/** Parses a log level; `where` names the definition or option for the error. */
export function parseLogLevel(
  spec: unknown,
  where: string,
  code: TracerErrorCode = TracerErrorCode.Config,
): number {
  if (typeof spec === 'number' && Number.isInteger(spec) && spec >= 0 && spec <= 14) return spec;
  if (typeof spec === 'string') {
    const trimmed = spec.trim();
    if (/^\d+$/.test(trimmed)) return parseLogLevel(Number(trimmed), where, code);
    const v = BY_NAME.get(trimmed.toUpperCase());
    if (v !== undefined) return v;
  }
  throw new TracerError(
    code,
    `${where}: log level ${describeValue(spec)} is not one of ${Object.keys(LogLevel).join(' ')} (or 0..14, TRACE_ prefix allowed)`,
  );
}

/** `EMERG` ... `DEBUG` for a level number. */
export function logLevelName(level: number): string {
  return Object.keys(LogLevel)[level] ?? String(level);
}
