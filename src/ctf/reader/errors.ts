/**
 * Errors of the CTF reader. Metadata errors carry the metadata line and column; decode errors the
 * data stream file and the byte offset. Codes come from src/ctf/errors.ts (`TTNG_E_CTF_METADATA`,
 * `TTNG_E_CTF_DECODE`, `TTNG_E_CTF_INDEX`).
 */
import { TtngError } from '../../errors.js';
import { CtfErrorCode } from '../errors.js';

/** Where in a metadata text an error is: 1-based line and column. */
export interface TextLocation {
  readonly line: number;
  readonly column: number;
}

export class MetadataError extends TtngError {
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly file: string | undefined;
  /** The message without the location prefix. */
  readonly detail: string;

  constructor(detail: string, at?: TextLocation, file?: string, options?: { cause?: unknown }) {
    let where = file ?? 'metadata';
    if (at) where += `:${at.line}:${at.column}`;
    super(CtfErrorCode.Metadata, `${where}: ${detail}`, options);
    this.name = 'MetadataError';
    this.line = at?.line;
    this.column = at?.column;
    this.file = file;
    this.detail = detail;
  }

  /** The same error, naming the metadata file. */
  inFile(file: string): MetadataError {
    return new MetadataError(
      this.detail,
      this.line !== undefined ? { line: this.line, column: this.column ?? 1 } : undefined,
      file,
      { cause: this.cause },
    );
  }
}

export class DecodeError extends TtngError {
  /** The data stream file. */
  readonly file: string;
  /** Byte offset in the file where decoding failed. */
  readonly offsetBytes: number;

  constructor(message: string, file: string, offsetBytes: number, options?: { cause?: unknown }) {
    super(CtfErrorCode.Decode, `${file}: at byte ${offsetBytes}: ${message}`, options);
    this.name = 'DecodeError';
    this.file = file;
    this.offsetBytes = offsetBytes;
  }
}

/** A trace-level problem: no metadata file, clocks that cannot be correlated, time going back. */
export class TraceError extends TtngError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(CtfErrorCode.Decode, message, options);
    this.name = 'TraceError';
  }
}
