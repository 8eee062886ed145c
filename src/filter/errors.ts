import { TtngError } from '../errors.js';

/**
 * Categories of a rejected filter, as lttng-ctl reports them (its stderr line and return code).
 * `syntax`: the bison parser failed ("error syntax error" / "Parse error"). `unsupported`: one of
 * `* / % +` or binary `-` ("binary operation '+' not supported"). `semantic`: an IR check failed
 * (string root, unary op on a string, operand mismatch, logical op on a string, `$ctx` alone, ...).
 * `escape`: a string literal holds an escape other than `\*` and `\\`. `globbing`: two globbing
 * patterns compared, or a pattern used with an operator other than `==`/`!=`. `too-long`: the
 * bytecode would exceed 65,536 bytes.
 */
export type FilterErrorCategory = 'syntax' | 'unsupported' | 'semantic' | 'escape' | 'globbing' | 'too-long';

const CODES: Record<FilterErrorCategory, string> = {
  syntax: 'TTNG_E_FILTER_SYNTAX',
  unsupported: 'TTNG_E_FILTER_UNSUPPORTED',
  semantic: 'TTNG_E_FILTER_SEMANTIC',
  escape: 'TTNG_E_FILTER_ESCAPE',
  globbing: 'TTNG_E_FILTER_GLOBBING',
  'too-long': 'TTNG_E_FILTER_TOO_LONG',
};

/** A filter expression lttng-ctl would reject. `column` is 1-based, in UTF-16 units of the source. */
export class FilterError extends TtngError {
  readonly category: FilterErrorCategory;
  readonly column: number;
  /** LTTng's own text for this fault (without our location), e.g. "String cannot be root data type". */
  readonly lttngMessage: string;

  constructor(category: FilterErrorCategory, lttngMessage: string, column: number, hint?: string) {
    super(CODES[category], `${lttngMessage} (column ${column})${hint ? `: ${hint}` : ''}`);
    this.name = 'FilterError';
    this.category = category;
    this.column = column;
    this.lttngMessage = lttngMessage;
  }
}

/** Bytecode that must not be run: malformed, truncated, or using opcodes a client never emits. */
export class BytecodeError extends TtngError {
  /** Byte offset in the bytecode data (after the 48-byte header), or -1 for the header itself. */
  readonly offsetBytes: number;

  constructor(message: string, offsetBytes: number) {
    super(
      'TTNG_E_FILTER_BYTECODE',
      offsetBytes >= 0
        ? `invalid filter bytecode at data offset ${offsetBytes}: ${message}`
        : `invalid filter bytecode: ${message}`,
    );
    this.name = 'BytecodeError';
    this.offsetBytes = offsetBytes;
  }
}
