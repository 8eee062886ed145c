import { TtngError } from '../errors.js';

/** Codes of the tracer area. Stable: documented in docs/node-tracing.md. */
export const TracerErrorCode = {
  /** A provider or event definition that cannot be traced (bad name, unknown field type...). */
  Definition: 'TTNG_E_TRACER_DEFINITION',
  /** A session option that is not valid (bad mode, size, event rule, context, log level...). */
  Config: 'TTNG_E_TRACER_CONFIG',
  /** The session's filter is not valid; `cause` is the filter area's error. */
  Filter: 'TTNG_E_TRACER_FILTER',
  /** A session is already active in this process (one at a time), or none is. */
  SessionState: 'TTNG_E_TRACER_SESSION_STATE',
  /** The trace directory or one of its files could not be created or written. */
  Output: 'TTNG_E_TRACER_OUTPUT',
  /** The consumer thread failed or did not answer in time. */
  Consumer: 'TTNG_E_TRACER_CONSUMER',
  /** The process-wide registry of event classes is full. */
  RegistryFull: 'TTNG_E_TRACER_REGISTRY_FULL',
} as const;
export type TracerErrorCode = (typeof TracerErrorCode)[keyof typeof TracerErrorCode];

export class TracerError extends TtngError {
  constructor(code: TracerErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'TracerError';
  }
}

/** A user-given value in an error message: never throws (bigints, objects without prototype...). */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  try {
    const s = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
    if (s !== undefined) return s.length > 80 ? `${s.slice(0, 80)}...` : s;
  } catch {
    // Cycles or exotic objects: fall through.
  }
  return Object.prototype.toString.call(v);
}
