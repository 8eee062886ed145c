import { TtngError } from '../errors.js';

/** Codes of the CTF area (model, writer, reader). */
export const CtfErrorCode = {
  /** A model object was built with properties CTF does not allow. */
  Model: 'TTNG_E_CTF_MODEL',
  /** A value given to the writer does not fit its field class. */
  Value: 'TTNG_E_CTF_VALUE',
  /** Writer misuse (closed stream, packet too small for one record...). */
  Writer: 'TTNG_E_CTF_WRITER',
  /** Metadata text or JSON that cannot be parsed or resolved. */
  Metadata: 'TTNG_E_CTF_METADATA',
  /** A data stream that cannot be decoded. */
  Decode: 'TTNG_E_CTF_DECODE',
  /** An index file that does not match its data stream. */
  Index: 'TTNG_E_CTF_INDEX',
} as const;
export type CtfErrorCode = (typeof CtfErrorCode)[keyof typeof CtfErrorCode];

export class CtfModelError extends TtngError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(CtfErrorCode.Model, message, options);
    this.name = 'CtfModelError';
  }
}
