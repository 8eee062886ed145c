/**
 * LTTng's filter grammar (lttng-tools `filter-parser.y`) as a recursive-descent parser. Precedence,
 * loosest first: `||`, `&&`, `== !=`, `< > <= >=`, `|`, `^`, `&`, `<< >>`, `+ -`, `* / %`, unary.
 * The bitwise operators bind tighter than the comparisons, unlike C. Every binary level is left
 * associative. Constants are converted as lttng-ctl's `sscanf` calls do (widths and all).
 */
import type { AstNode, BinaryOp, RefSegment, UnaryOp } from './ast.js';
import { FilterError } from './errors.js';
import { type Token, tokenize } from './lexer.js';

const U64_MAX = (1n << 64n) - 1n;

function describe(t: Token): string {
  switch (t.kind) {
    case 'EOF':
      return 'end of expression';
    case 'STRING':
      return 'string literal';
    case 'CHAR':
      return 'character constant';
    case 'ERROR':
      return `unexpected character '${t.text}'`;
    default:
      return `'${t.text}'`;
  }
}

function syntaxError(t: Token, what?: string): FilterError {
  return new FilterError('syntax', 'syntax error', t.column, what ?? `unexpected ${describe(t)}`);
}

/** `sscanf("%20" SCNu64)`: at most 20 digits, saturating at UINT64_MAX like strtoull. */
function scanDecimal(text: string): bigint {
  const digits = /^[0-9]*/.exec(text)![0].slice(0, 20);
  const v = BigInt(digits);
  return v > U64_MAX ? U64_MAX : v;
}

/** `"0"` or `sscanf("0%22" SCNo64)`; `0u` and the like fail ("cannot scanf octal constant"). */
function scanOctal(text: string): bigint | undefined {
  if (text === '0') return 0n;
  const digits = /^[0-7]*/.exec(text.slice(1))![0].slice(0, 22);
  if (digits.length === 0) return undefined;
  const v = BigInt(`0o${digits}`);
  return v > U64_MAX ? U64_MAX : v;
}

/** `sscanf("0x%17" SCNx64)`: the `x` must be lower case; at most 17 digits, saturating. */
function scanHex(text: string): bigint | undefined {
  if (!text.startsWith('0x')) return undefined;
  const digits = /^[0-9a-fA-F]*/.exec(text.slice(2))![0].slice(0, 17);
  if (digits.length === 0) return undefined;
  const v = BigInt(`0x${digits}`);
  return v > U64_MAX ? U64_MAX : v;
}

/** `sscanf("%lg")`, that is strtod: decimal and hexadecimal floats; a suffix f/l is ignored. */
export function scanFloat(text: string): number {
  const t = text.replace(/[fFlL]$/, '');
  if (/^0[xX]/.test(t)) {
    const m = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?[0-9]+))?$/.exec(t)!;
    const intPart = m[1] ?? '';
    const fracPart = m[2] ?? '';
    const exp = m[3] ? Number(m[3]) - 4 * fracPart.length : -4 * fracPart.length;
    const mant = BigInt(`0x${intPart}${fracPart}` === '0x' ? '0x0' : `0x${intPart}${fracPart}`);
    return scaleBinary(mant, exp);
  }
  return Number(t);
}

/** mant * 2^exp with one rounding, as strtod does for hexadecimal input. */
function scaleBinary(mant: bigint, exp: number): number {
  if (mant === 0n) return 0;
  // Keep 64 significant bits so Number() rounds once; shift the rest into the exponent.
  const bits = mant.toString(2).length;
  if (bits > 64) {
    const drop = bits - 64;
    const sticky = (mant & ((1n << BigInt(drop)) - 1n)) !== 0n ? 1n : 0n;
    mant = (mant >> BigInt(drop)) | sticky;
    exp += drop;
  }
  let v = Number(mant);
  // Apply the exponent in steps that stay exact while in the normal range.
  while (exp > 0) {
    const s = Math.min(exp, 1000);
    v *= 2 ** s;
    exp -= s;
    if (!Number.isFinite(v)) return v;
  }
  while (exp < 0) {
    const s = Math.min(-exp, 1000);
    v /= 2 ** s;
    exp += s;
    if (v === 0) return v;
  }
  return v;
}

/**
 * Nesting limit (parentheses, unary operators, brackets). bison gives up with "memory exhausted"
 * past YYMAXDEPTH (10,000) parser states; we stop earlier, at a depth no real filter reaches, so
 * that every later pass can recurse safely.
 */
export const MAX_NESTING = 200;

class Parser {
  private pos = 0;
  private nesting = 0;

  private enter(t: Token): void {
    if (++this.nesting > MAX_NESTING)
      throw new FilterError(
        'syntax',
        'memory exhausted',
        t.column,
        `nested deeper than ${MAX_NESTING} levels`,
      );
  }
  constructor(private readonly toks: Token[]) {}

  private peek(): Token {
    return this.toks[this.pos]!;
  }
  private next(): Token {
    return this.toks[this.pos++]!;
  }
  private isPunct(p: string): boolean {
    const t = this.peek();
    return t.kind === 'PUNCT' && t.text === p;
  }
  private expectPunct(p: string): Token {
    const t = this.peek();
    if (t.kind !== 'PUNCT' || t.text !== p) throw syntaxError(t, `expected '${p}', found ${describe(t)}`);
    return this.next();
  }

  parseTranslationUnit(): AstNode {
    const e = this.expression();
    const t = this.peek();
    if (t.kind !== 'EOF') throw syntaxError(t);
    return e;
  }

  private expression(): AstNode {
    return this.binaryLevel(0);
  }

  private static readonly LEVELS: readonly (readonly BinaryOp[])[] = [
    ['||'],
    ['&&'],
    ['==', '!='],
    ['<', '>', '<=', '>='],
    ['|'],
    ['^'],
    ['&'],
    ['<<', '>>'],
    ['+', '-'],
    ['*', '/', '%'],
  ];

  private binaryLevel(level: number): AstNode {
    if (level === Parser.LEVELS.length) return this.unary();
    const ops = Parser.LEVELS[level]!;
    let left = this.binaryLevel(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'PUNCT' || !ops.includes(t.text as BinaryOp)) return left;
      this.next();
      const right = this.binaryLevel(level + 1);
      left = { type: 'binary', op: t.text as BinaryOp, left, right, column: t.column };
    }
  }

  private unary(): AstNode {
    const t = this.peek();
    if (t.kind === 'PUNCT' && (t.text === '+' || t.text === '-' || t.text === '!' || t.text === '~')) {
      this.next();
      this.enter(t);
      const child = this.unary();
      this.nesting--;
      return { type: 'unary', op: t.text as UnaryOp, child, column: t.column };
    }
    if (t.kind === 'IDENT' || t.kind === 'GLOBAL_IDENT') return this.postfix();
    return this.primary();
  }

  /** postfix := prefix ( ('.' | '->') prefix )* ; prefix := identifier ( '[' unary ']' )* */
  private postfix(): AstNode {
    const segments: RefSegment[] = [this.prefix()];
    while (this.isPunct('.') || this.isPunct('->')) {
      this.next();
      const t = this.peek();
      if (t.kind !== 'IDENT' && t.kind !== 'GLOBAL_IDENT')
        throw syntaxError(t, `expected a field name, found ${describe(t)}`);
      segments.push(this.prefix());
    }
    return { type: 'ref', segments, column: segments[0]!.column };
  }

  private prefix(): RefSegment {
    const id = this.next();
    const brackets: AstNode[] = [];
    while (this.isPunct('[')) {
      this.enter(this.next());
      brackets.push(this.unary());
      this.expectPunct(']');
      this.nesting--;
    }
    return { name: id.text, isGlobal: id.kind === 'GLOBAL_IDENT', column: id.column, brackets };
  }

  private primary(): AstNode {
    const t = this.next();
    switch (t.kind) {
      case 'INT': {
        let value: bigint | undefined;
        if (/^0[xX]/.test(t.text)) {
          value = scanHex(t.text);
          if (value === undefined)
            throw new FilterError('syntax', 'parse error: cannot scanf hexadecimal constant', t.column);
        } else if (t.text.startsWith('0')) {
          value = scanOctal(t.text);
          if (value === undefined)
            throw new FilterError('syntax', 'parse error: cannot scanf octal constant', t.column);
        } else {
          value = scanDecimal(t.text);
        }
        return { type: 'int', value, text: t.text, column: t.column };
      }
      case 'FLOAT':
        return { type: 'float', value: scanFloat(t.text), text: t.text, column: t.column };
      case 'STRING':
      case 'CHAR': {
        if (t.hasEscSeqToken)
          throw new FilterError('syntax', 'parse error: escape sequences not supported yet', t.column);
        if (!t.isTerminated) throw syntaxError(t, `unterminated ${describe(t)}`);
        // `''` is not a character constant: c_char_sequence needs at least one character.
        if (t.kind === 'CHAR' && t.text.length === 0) throw syntaxError(t, 'empty character constant');
        return { type: 'string', value: t.text, column: t.column };
      }
      case 'PUNCT':
        if (t.text === '(') {
          this.enter(t);
          const child = this.expression();
          this.expectPunct(')');
          this.nesting--;
          return { type: 'nested', child, column: t.column };
        }
        throw syntaxError(t);
      default:
        throw syntaxError(t);
    }
  }
}

/** Parses a filter expression. Throws FilterError (category `syntax`) with the column. */
export function parseFilter(src: string): AstNode {
  return new Parser(tokenize(src)).parseTranslationUnit();
}
