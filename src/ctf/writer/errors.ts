/**
 * Errors of the CTF writer. Codes come from the CTF area's table (src/ctf/errors.ts):
 * `TTNG_E_CTF_VALUE` for a value that does not fit its field class, `TTNG_E_CTF_WRITER` for
 * misuse (a class TSDL cannot express, a closed stream, a record larger than a packet).
 */
import { TtngError } from '../../errors.js';
import { CtfErrorCode } from '../errors.js';

/** A value given to a serializer does not fit its field class. Nothing was written. */
export class CtfValueError extends TtngError {
  constructor(message: string) {
    super(CtfErrorCode.Value, message);
    this.name = 'CtfValueError';
  }
}

/** The writer cannot do what was asked (unsupported class, bad identifier, closed stream...). */
export class CtfWriterError extends TtngError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(CtfErrorCode.Writer, message, options);
    this.name = 'CtfWriterError';
  }
}
