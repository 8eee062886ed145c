import { TtngError } from '../errors.js';

/** Codes of the ring buffer area. Stable: documented in docs/node-tracing.md. */
export const RingBufferErrorCode = {
  /** Sizes, counts or packet layout that a ring buffer cannot have. */
  Config: 'TTNG_E_RINGBUFFER_CONFIG',
  /** A SharedArrayBuffer that is not a ttng ring buffer (wrong magic or version). */
  Attach: 'TTNG_E_RINGBUFFER_ATTACH',
} as const;
export type RingBufferErrorCode = (typeof RingBufferErrorCode)[keyof typeof RingBufferErrorCode];

export class RingBufferError extends TtngError {
  constructor(code: RingBufferErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'RingBufferError';
  }
}
