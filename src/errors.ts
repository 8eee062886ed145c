/**
 * The base of every error ttng throws on purpose. Each area defines its own codes in its own
 * `errors.ts`; the CLI prints `message` as one sentence and maps `code` to an exit status.
 * Expected conditions on hot paths are statuses, never errors.
 */
export class TtngError extends Error {
  /** Stable, documented: `TTNG_E_<AREA>_<WHAT>`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'TtngError';
  }
}

export function isTtngError(e: unknown): e is TtngError {
  return e instanceof TtngError;
}
