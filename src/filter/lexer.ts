/**
 * LTTng's filter lexer (lttng-tools `filter-lexer.l`), rule for rule: at each position the longest
 * match wins, ties go to the earlier rule, as in flex. Facts kept from the original:
 * - `:` is an identifier character, `\uXXXX`/`\UXXXXXXXX` may appear in identifiers;
 * - inside `"..."` and `'...'` every character but the closing quote and newline (which is
 *   dropped) is literal, so `\"` ends the string: escapes are checked later, not here;
 * - the lexer rule meant to catch escape sequences is written `ESCSEQ` without braces, so it
 *   matches the six characters "ESCSEQ" inside a string, which the grammar then rejects;
 * - an unterminated `/*` comment or a `//` comment swallows the rest of the input;
 * - any other character is an ERROR token (a syntax error for the parser).
 */

export type TokenKind =
  | 'INT'
  | 'FLOAT'
  | 'STRING'
  | 'CHAR'
  | 'IDENT'
  | 'GLOBAL_IDENT'
  | 'PUNCT'
  | 'ERROR'
  | 'EOF';

export interface Token {
  readonly kind: TokenKind;
  /** Punctuation text, identifier text, number text (as written), or string contents. */
  readonly text: string;
  /** 1-based column of the first character. */
  readonly column: number;
  /** For STRING/CHAR: true when the raw text held the `ESCSEQ` pseudo-token (a parse error). */
  readonly hasEscSeqToken?: boolean;
  /** For STRING/CHAR: false when the closing quote is missing (a parse error at EOF). */
  readonly isTerminated?: boolean;
}

const H = '[a-fA-F0-9]';
const D = '[0-9]';
const E = `(?:[Ee][+-]?${D}+)`;
const P = `(?:[Pp][+-]?${D}+)`;
const FS = '(?:[fFlL])';
// Longest alternatives first: a JS regex takes the first that matches, flex the longest.
const IS = '(?:[uU](?:ll|LL|[lL])|(?:ll|LL|[lL])[uU]|[uU]|ll|LL|[lL])';
const ID_NONDIGIT = '(?:[a-zA-Z_:]|\\\\u[0-9A-Fa-f]{4}|\\\\U[0-9A-Fa-f]{8})';
const IDENTIFIER = `${ID_NONDIGIT}(?:${ID_NONDIGIT}|[0-9])*`;

type Rule = { re: RegExp; kind: TokenKind | 'COMMENT_ML' | 'COMMENT_SL' | 'STR' | 'CHR' | 'WS' };

const rule = (src: string, kind: Rule['kind']): Rule => ({ re: new RegExp(src, 'y'), kind });

/** In the order of filter-lexer.l; the order breaks ties between matches of equal length. */
const RULES: readonly Rule[] = [
  rule('/\\*', 'COMMENT_ML'),
  rule('//', 'COMMENT_SL'),
  rule("L'", 'CHR'),
  rule("'", 'CHR'),
  rule('L"', 'STR'),
  rule('"', 'STR'),
  rule(`0[xX]${H}+${IS}?`, 'INT'),
  rule(`0[0-7]*${IS}?`, 'INT'),
  rule(`[1-9]${D}*${IS}?`, 'INT'),
  rule(`${D}+${E}${FS}?`, 'FLOAT'),
  rule(`${D}*\\.${D}+${E}?${FS}?`, 'FLOAT'),
  rule(`${D}+\\.${D}*${E}?${FS}?`, 'FLOAT'),
  rule(`0[xX]${H}+${P}${FS}?`, 'FLOAT'),
  rule(`0[xX]${H}*\\.${H}+${P}?${FS}?`, 'FLOAT'),
  rule(`0[xX]${H}+\\.${H}*${P}?${FS}?`, 'FLOAT'),
  ...[
    '[',
    ']',
    '(',
    ')',
    '{',
    '}',
    '->',
    '*',
    '+',
    '-',
    '%',
    '/',
    '>>',
    '<<',
    '==',
    '!=',
    '<=',
    '>=',
    '<',
    '>',
    '&&',
    '||',
    '!',
    ':=',
    ':',
    ';',
    '...',
    '.',
    '=',
    ',',
    '^',
    '&',
    '|',
    '~',
  ].map((p) => rule(p.replace(/[[\](){}*+\-%/.|^$?]/g, '\\$&'), 'PUNCT')),
  rule(`\\$${IDENTIFIER}`, 'GLOBAL_IDENT'),
  rule(IDENTIFIER, 'IDENT'),
  rule('[ \\t\\n]+', 'WS'),
  rule('[^]', 'ERROR'),
];

/** Splits a filter expression into tokens; never throws (bad characters become ERROR tokens). */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    let best: Rule | undefined;
    let bestLen = 0;
    for (const r of RULES) {
      r.re.lastIndex = i;
      const m = r.re.exec(src);
      if (m && m[0].length > bestLen) {
        best = r;
        bestLen = m[0].length;
      }
    }
    // RULES ends with a rule matching any character, so best is always set.
    const kind = best!.kind;
    const column = i + 1;
    const text = src.slice(i, i + bestLen);
    i += bestLen;
    switch (kind) {
      case 'WS':
        break;
      case 'COMMENT_ML': {
        const end = src.indexOf('*/', i);
        i = end < 0 ? src.length : end + 2;
        break;
      }
      case 'COMMENT_SL': {
        const end = src.indexOf('\n', i);
        i = end < 0 ? src.length : end + 1;
        break;
      }
      case 'STR':
      case 'CHR': {
        const quote = kind === 'STR' ? '"' : "'";
        let body = '';
        let hasEscSeqToken = false;
        let isTerminated = false;
        while (i < src.length) {
          const c = src[i]!;
          if (c === quote) {
            isTerminated = true;
            i++;
            break;
          }
          if (src.startsWith('ESCSEQ', i)) {
            hasEscSeqToken = true;
            body += 'ESCSEQ';
            i += 6;
            continue;
          }
          if (c !== '\n') body += c;
          i++;
        }
        out.push({
          kind: kind === 'STR' ? 'STRING' : 'CHAR',
          text: body,
          column,
          hasEscSeqToken,
          isTerminated,
        });
        break;
      }
      default:
        out.push({ kind: kind as TokenKind, text, column });
    }
  }
  out.push({ kind: 'EOF', text: '', column: src.length + 1 });
  return out;
}
