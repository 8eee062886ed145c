/**
 * TSDL lexer and parser: metadata text -> syntax tree (tsdl-ast.ts). It accepts the language
 * babeltrace2's Bison grammar accepts, including the "lexer hack": an identifier that names a
 * `typealias`/`typedef` in an enclosing scope is a type name, not an identifier. Errors carry the
 * line and column of the offending token.
 */
import { MetadataError } from './errors.js';
import type {
  BlockEntry,
  BlockKind,
  BlockNode,
  CtfExpression,
  Enumerator,
  EnumNode,
  FloatNode,
  IntegerNode,
  Pointer,
  Pos,
  RootNode,
  StringNode,
  StructEntry,
  StructNode,
  Typealias,
  TypeDeclarator,
  Typedef,
  TypeSpecifier,
  TypeSpecifierList,
  TypeSpecifierType,
  Unary,
  VariantNode,
} from './tsdl-ast.js';

// ---------------------------------------------------------------------------------------------
// Lexer

enum T {
  Eof,
  Int,
  Str,
  Char,
  Ident,
  Keyword,
  Punct,
}

interface Token {
  t: T;
  /** Identifier/keyword/punctuation text; decoded string for Str/Char. */
  text: string;
  value: bigint;
  line: number;
  column: number;
  offset: number;
  /** A `L"..."` wide literal (rejected by babeltrace2). */
  wide?: boolean;
}

const KEYWORDS = new Set([
  'align',
  'const',
  'char',
  'clock',
  'double',
  'enum',
  'env',
  'event',
  'floating_point',
  'float',
  'integer',
  'int',
  'long',
  'short',
  'signed',
  'stream',
  'string',
  'struct',
  'trace',
  'callsite',
  'typealias',
  'typedef',
  'unsigned',
  'variant',
  'void',
  '_Bool',
  '_Complex',
  '_Imaginary',
]);

/** Keywords usable where the grammar says `keywords` (labels, attribute names, values). */
const KEYWORDS_AS_NAMES = new Set([
  'void',
  'char',
  'short',
  'int',
  'long',
  'float',
  'double',
  'signed',
  'unsigned',
  '_Bool',
  '_Complex',
  '_Imaginary',
  'floating_point',
  'integer',
  'string',
  'enum',
  'variant',
  'struct',
  'const',
  'typedef',
  'event',
  'stream',
  'env',
  'trace',
  'clock',
  'callsite',
  'align',
]);

const INTEGER_SUFFIXES = new Set([
  'U',
  'UL',
  'ULL',
  'LU',
  'LLU',
  'Ul',
  'Ull',
  'lU',
  'llU',
  'u',
  'uL',
  'uLL',
  'Lu',
  'LLu',
  'ul',
  'ull',
  'lu',
  'llu',
]);

const U64_MAX = (1n << 64n) - 1n;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isOctal(c: number): boolean {
  return c >= 48 && c <= 55;
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
function isIdStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

class Lexer {
  private i = 0;
  private line = 1;
  private lineStart = 0;

  constructor(private readonly s: string) {}

  private error(msg: string, line: number, column: number): never {
    throw new MetadataError(msg, { line, column });
  }

  /** `\u` + 4 hex digits or `\U` + 8 hex digits: length of the universal character name, or 0. */
  private ucnLength(at: number): number {
    const s = this.s;
    if (s.charCodeAt(at) !== 92) return 0;
    const n = s[at + 1] === 'u' ? 4 : s[at + 1] === 'U' ? 8 : 0;
    if (n === 0) return 0;
    for (let k = 0; k < n; k++) if (!isHex(s.charCodeAt(at + 2 + k))) return 0;
    return n + 2;
  }

  next(): Token {
    const s = this.s;
    for (;;) {
      if (this.i >= s.length) {
        return {
          t: T.Eof,
          text: '',
          value: 0n,
          line: this.line,
          column: this.i - this.lineStart + 1,
          offset: this.i,
        };
      }
      const c = s.charCodeAt(this.i);
      if (c === 10) {
        this.i++;
        this.line++;
        this.lineStart = this.i;
        continue;
      }
      if (c === 32 || c === 9 || c === 13) {
        this.i++;
        continue;
      }
      if (c === 47 && s.charCodeAt(this.i + 1) === 42) {
        // `/* ... */`; an unterminated comment ends the text, as with flex.
        const end = s.indexOf('*/', this.i + 2);
        const stop = end < 0 ? s.length : end + 2;
        this.advanceOver(stop);
        continue;
      }
      if (c === 47 && s.charCodeAt(this.i + 1) === 47) {
        // `//` comment: the grammar needs the newline that ends it.
        const end = s.indexOf('\n', this.i);
        if (end < 0) {
          this.error('a `//` comment is not ended by a newline', this.line, this.i - this.lineStart + 1);
        }
        this.i = end;
        continue;
      }
      break;
    }
    const line = this.line;
    const column = this.i - this.lineStart + 1;
    const start = this.i;
    const c = s.charCodeAt(start);

    // String and character literals (an `L` prefix makes them wide).
    if (
      c === 34 ||
      c === 39 ||
      (c === 76 && (s.charCodeAt(start + 1) === 34 || s.charCodeAt(start + 1) === 39))
    ) {
      const wide = c === 76;
      const q = wide ? s.charCodeAt(start + 1) : c;
      let j = start + (wide ? 2 : 1);
      for (;;) {
        if (j >= s.length) {
          this.error('unterminated string literal', line, column);
        }
        const d = s.charCodeAt(j);
        if (d === 92) {
          // `\\.`: `.` does not match a newline in flex.
          if (j + 1 >= s.length || s.charCodeAt(j + 1) === 10) {
            this.error('invalid escape sequence in string literal', line, column);
          }
          j += 2;
          continue;
        }
        if (d === q) break;
        j++;
      }
      const raw = s.slice(start, j + 1);
      this.advanceOver(j + 1);
      if (wide) {
        this.error('wide characters (`L"..."`) are not supported', line, column);
      }
      const text = decodeStringLiteral(raw, (m) => this.error(m, line, column));
      return { t: q === 34 ? T.Str : T.Char, text, value: 0n, line, column, offset: start };
    }

    // Integer literals.
    if (isDigit(c)) {
      let j = start;
      let base = 10;
      let digitsStart = start;
      if (c === 48) {
        if ((s[start + 1] === 'x' || s[start + 1] === 'X') && isHex(s.charCodeAt(start + 2))) {
          base = 16;
          j = start + 2;
          digitsStart = j;
          while (isHex(s.charCodeAt(j))) j++;
        } else {
          base = 8;
          j = start + 1;
          digitsStart = start;
          while (isOctal(s.charCodeAt(j))) j++;
        }
      } else {
        while (isDigit(s.charCodeAt(j))) j++;
      }
      const digits = s.slice(digitsStart, j);
      // Longest suffix (flex takes the longest match).
      let suffixLen = 0;
      for (let n = 3; n >= 1; n--) {
        if (INTEGER_SUFFIXES.has(s.slice(j, j + n))) {
          suffixLen = n;
          break;
        }
      }
      const end = j + suffixLen;
      let value: bigint;
      if (base === 16) value = BigInt(`0x${digits}`);
      else if (base === 8) value = digits.length <= 1 ? 0n : BigInt(`0o${digits.slice(1)}`);
      else value = BigInt(digits);
      if (value > U64_MAX) {
        this.error(`integer constant ${s.slice(start, end)} does not fit in 64 bits`, line, column);
      }
      this.i = end;
      return { t: T.Int, text: s.slice(start, end), value, line, column, offset: start };
    }

    // Identifiers and keywords.
    if (isIdStart(c) || this.ucnLength(start) > 0) {
      let j = start;
      for (;;) {
        const d = s.charCodeAt(j);
        if (isIdStart(d) || isDigit(d)) {
          j++;
          continue;
        }
        const u = this.ucnLength(j);
        if (u > 0) {
          j += u;
          continue;
        }
        break;
      }
      const text = s.slice(start, j);
      this.i = j;
      return { t: KEYWORDS.has(text) ? T.Keyword : T.Ident, text, value: 0n, line, column, offset: start };
    }

    // Punctuation.
    const three = s.slice(start, start + 3);
    const two = s.slice(start, start + 2);
    let p: string | undefined;
    if (three === '...') p = three;
    else if (two === ':=' || two === '->') p = two;
    else if ('[](){}*+-<>:;.=,'.includes(s[start]!)) p = s[start]!;
    if (p === undefined) {
      const shown = c >= 32 && c < 127 ? `"${s[start]}"` : `byte 0x${c.toString(16).padStart(2, '0')}`;
      this.error(`invalid character ${shown}`, line, column);
    }
    this.i = start + p.length;
    return { t: T.Punct, text: p, value: 0n, line, column, offset: start };
  }

  private advanceOver(stop: number): void {
    const s = this.s;
    for (let k = this.i; k < stop; k++) {
      if (s.charCodeAt(k) === 10) {
        this.line++;
        this.lineStart = k + 1;
      }
    }
    this.i = stop;
  }
}

/**
 * Decodes a quoted literal the way babeltrace2 does: C escapes, octal (up to 3 digits) and hex
 * (up to 3 digits) escapes; the result is cut at the first NUL, as a C string would be.
 */
function decodeStringLiteral(raw: string, fail: (msg: string) => never): string {
  const delim = raw[0]!;
  let out = '';
  let i = 1;
  const end = raw.length - 1;
  while (i < end) {
    let c = raw.charCodeAt(i++);
    if (c === 92) {
      const e = raw[i++];
      switch (e) {
        case 'a':
          c = 7;
          break;
        case 'b':
          c = 8;
          break;
        case 'f':
          c = 12;
          break;
        case 'n':
          c = 10;
          break;
        case 'r':
          c = 13;
          break;
        case 't':
          c = 9;
          break;
        case 'v':
          c = 11;
          break;
        case '\\':
          c = 92;
          break;
        case "'":
          c = 39;
          break;
        case '"':
          c = 34;
          break;
        case '?':
          c = 63;
          break;
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7': {
          let v = 0;
          let n = 0;
          i--;
          while (n < 3 && i < end && isOctal(raw.charCodeAt(i))) {
            v = v * 8 + (raw.charCodeAt(i) - 48);
            i++;
            n++;
          }
          c = v & 0xff;
          break;
        }
        case 'x': {
          let v = 0;
          let n = 0;
          while (n < 3 && i < end && isHex(raw.charCodeAt(i))) {
            v = v * 16 + Number.parseInt(raw[i]!, 16);
            i++;
            n++;
          }
          c = v & 0xff;
          break;
        }
        default:
          fail(
            `invalid escape sequence \`\\${e ?? ''}\` in ${delim === '"' ? 'string' : 'character'} literal`,
          );
      }
    }
    out += String.fromCharCode(c);
  }
  const nul = out.indexOf('\0');
  return nul >= 0 ? out.slice(0, nul) : out;
}

// ---------------------------------------------------------------------------------------------
// Parser

const SIMPLE_SPECIFIERS: Readonly<Record<string, TypeSpecifierType>> = {
  void: 'void',
  char: 'char',
  short: 'short',
  int: 'int',
  long: 'long',
  float: 'float',
  double: 'double',
  signed: 'signed',
  unsigned: 'unsigned',
  _Bool: 'bool',
  _Complex: 'complex',
  _Imaginary: 'imaginary',
};

/** Specifiers allowed in an enumeration's container (`enum : TYPE`). */
const INTEGER_SPECIFIERS = new Set(['char', 'short', 'int', 'long', 'signed', 'unsigned', '_Bool']);

class Parser {
  private readonly lexer: Lexer;
  private tok: Token;
  private ahead: Token | undefined;
  /** Type-name scopes for the lexer hack; the innermost is last. */
  private readonly scopes: Set<string>[] = [new Set()];
  readonly root: RootNode = {
    declarations: [],
    trace: [],
    stream: [],
    event: [],
    env: [],
    clock: [],
    callsite: [],
  };

  constructor(text: string) {
    this.lexer = new Lexer(text);
    this.tok = this.lexer.next();
  }

  // --- token helpers

  private pos(t: Token = this.tok): Pos {
    return { line: t.line, column: t.column };
  }

  private advance(): Token {
    const t = this.tok;
    if (this.ahead) {
      this.tok = this.ahead;
      this.ahead = undefined;
    } else {
      this.tok = this.lexer.next();
    }
    return t;
  }

  private isTypeName(name: string): boolean {
    for (let k = this.scopes.length - 1; k >= 0; k--) if (this.scopes[k]!.has(name)) return true;
    return false;
  }

  private addType(name: string): void {
    this.scopes[this.scopes.length - 1]!.add(name);
  }

  private pushScope(): void {
    this.scopes.push(new Set());
  }

  private popScope(): void {
    this.scopes.pop();
  }

  private describe(t: Token): string {
    switch (t.t) {
      case T.Eof:
        return 'the end of the metadata';
      case T.Int:
        return `integer \`${t.text}\``;
      case T.Str:
        return 'a string literal';
      case T.Char:
        return 'a character literal';
      default:
        return `\`${t.text}\``;
    }
  }

  private fail(expected: string, t: Token = this.tok): never {
    throw new MetadataError(`syntax error: expecting ${expected}, found ${this.describe(t)}`, this.pos(t));
  }

  private isPunct(p: string, t: Token = this.tok): boolean {
    return t.t === T.Punct && t.text === p;
  }

  private isKw(k: string, t: Token = this.tok): boolean {
    return t.t === T.Keyword && t.text === k;
  }

  private expectPunct(p: string): Token {
    if (!this.isPunct(p)) this.fail(`\`${p}\``);
    return this.advance();
  }

  /** IDENTIFIER, in the grammar's sense: not a keyword and not a type name. */
  private isIdentifier(t: Token = this.tok): boolean {
    return t.t === T.Ident && !this.isTypeName(t.text);
  }

  private isIdType(t: Token = this.tok): boolean {
    return t.t === T.Ident && this.isTypeName(t.text);
  }

  private isKeywordAsName(t: Token = this.tok): boolean {
    return t.t === T.Keyword && KEYWORDS_AS_NAMES.has(t.text);
  }

  private atEof(): boolean {
    return this.tok.t === T.Eof;
  }

  // --- file

  parseFile(): RootNode {
    if (this.atEof()) this.fail('a declaration');
    while (!this.atEof()) this.parseDeclaration();
    return this.root;
  }

  private parseDeclaration(): void {
    const t = this.tok;
    if (t.t === T.Keyword) {
      switch (t.text) {
        case 'trace':
        case 'stream':
        case 'event':
        case 'env':
          this.root[t.text].push(this.parseBlock(t.text));
          return;
        case 'clock':
        case 'callsite':
          this.root[t.text].push(this.parseBlock(t.text));
          return;
        case 'typealias':
          this.root.declarations.push(this.parseTypealias());
          this.expectPunct(';');
          return;
        case 'typedef': {
          const pos = this.pos();
          this.advance();
          const specs = this.parseDeclarationSpecifiers();
          const decls = this.parseFieldClassDeclaratorList();
          this.expectPunct(';');
          this.root.declarations.push({ kind: 'typedef', specifiers: specs, declarators: decls, pos });
          return;
        }
        default:
          break;
      }
    }
    const pos = this.pos();
    const specs = this.parseDeclarationSpecifiersOrFail('a declaration');
    if (this.isPunct(';')) {
      this.advance();
      this.root.declarations.push(specs);
      return;
    }
    if (this.isKw('typedef')) {
      this.root.declarations.push(this.parseTypedefAfterSpecifiers(specs, pos));
      this.expectPunct(';');
      return;
    }
    this.fail('`;` or `typedef`');
  }

  /** `specs typedef [specs] declarators` (the `;` is left to the caller). */
  private parseTypedefAfterSpecifiers(first: TypeSpecifierList, pos: Pos): Typedef {
    this.advance(); // typedef
    const specifiers = [...first.specifiers];
    if (this.startsDeclarationSpecifier()) specifiers.push(...this.parseDeclarationSpecifiers().specifiers);
    const decls = this.parseFieldClassDeclaratorList();
    return {
      kind: 'typedef',
      specifiers: { kind: 'type-specifier-list', specifiers, pos: first.pos },
      declarators: decls,
      pos,
    };
  }

  private parseBlock(kind: BlockKind): BlockNode {
    const pos = this.pos();
    this.advance(); // keyword
    this.expectPunct('{');
    this.pushScope();
    const entries: BlockEntry[] = [];
    while (!this.isPunct('}')) {
      entries.push(this.parseCtfAssignmentExpression());
      this.expectPunct(';');
    }
    this.advance(); // }
    this.popScope();
    this.expectPunct(';');
    return { kind, entries, pos };
  }

  // --- ctf assignment expressions (`a = b`, `a := type`, typedef, typealias)

  private parseCtfAssignmentExpression(): BlockEntry {
    const pos = this.pos();
    if (this.isKw('typealias')) return this.parseTypealias();
    if (this.isKw('typedef')) {
      this.advance();
      const specs = this.parseDeclarationSpecifiers();
      const decls = this.parseFieldClassDeclaratorList();
      return { kind: 'typedef', specifiers: specs, declarators: decls, pos };
    }
    // Here a declaration specifier list can only start a `typedef`, but a unary expression can also
    // start with a type name or a keyword: look for `typedef` before `=`, `:=` or `;`.
    if (this.startsDeclarationSpecifier() && this.scanForTypedef()) {
      const specs = this.parseDeclarationSpecifiers();
      if (!this.isKw('typedef')) this.fail('`typedef`');
      return this.parseTypedefAfterSpecifiers(specs, pos);
    }
    const left = this.parseUnaryExpression();
    const leftLast = left[left.length - 1]!;
    if (this.isPunct('=')) {
      this.advance();
      if (leftLast.type !== 'string') {
        throw new MetadataError('the left side of an assignment must be a name', leftLast.pos);
      }
      const right = this.parseUnaryExpression();
      return { kind: 'ctf-expression', left, right, isTypeAssignment: false, pos };
    }
    if (this.isPunct(':=')) {
      this.advance();
      if (leftLast.type !== 'string') {
        throw new MetadataError('the left side of a type assignment must be a name', leftLast.pos);
      }
      const right = this.parseDeclarationSpecifiersOrFail('a type');
      return { kind: 'ctf-expression', left, right, isTypeAssignment: true, pos };
    }
    this.fail('`=` or `:=`');
  }

  /** Scans ahead (consuming nothing) for `typedef` before `=`, `:=` or `;` at depth 0. */
  private scanForTypedef(): boolean {
    const saved = { tok: this.tok, ahead: this.ahead };
    const snapshot = this.lexer as unknown as { i: number; line: number; lineStart: number };
    const lexState = { i: snapshot.i, line: snapshot.line, lineStart: snapshot.lineStart };
    let found = false;
    let depth = 0;
    let t: Token = this.tok;
    const queue: Token[] = [];
    if (this.ahead) queue.push(this.ahead);
    for (let n = 0; n < 10000; n++) {
      if (t.t === T.Eof) break;
      if (t.t === T.Punct && (t.text === '{' || t.text === '(' || t.text === '[')) depth++;
      if (t.t === T.Punct && (t.text === '}' || t.text === ')' || t.text === ']')) depth--;
      if (depth === 0 && t.t === T.Punct && (t.text === '=' || t.text === ':=' || t.text === ';')) break;
      if (depth === 0 && t.t === T.Keyword && t.text === 'typedef') {
        found = true;
        break;
      }
      t = queue.length ? queue.shift()! : this.lexer.next();
    }
    snapshot.i = lexState.i;
    snapshot.line = lexState.line;
    snapshot.lineStart = lexState.lineStart;
    this.tok = saved.tok;
    this.ahead = saved.ahead;
    return found;
  }

  private parseTypealias(): Typealias {
    const pos = this.pos();
    this.advance(); // typealias
    const targetSpecs = this.parseDeclarationSpecifiersOrFail('the type of the alias');
    const targetDecls: TypeDeclarator[] = [this.parseAbstractDeclarator()];
    while (this.isPunct(',')) {
      this.advance();
      targetDecls.push(this.parseAbstractDeclarator());
    }
    this.expectPunct(':=');
    const aliasSpecs = this.parseAliasDeclarationSpecifiers();
    const aliasDecls: TypeDeclarator[] = [this.parseAliasAbstractDeclarator()];
    while (this.isPunct(',')) {
      this.advance();
      aliasDecls.push(this.parseAliasAbstractDeclarator());
    }
    return {
      kind: 'typealias',
      target: { specifiers: targetSpecs, declarators: targetDecls },
      alias: { specifiers: aliasSpecs, declarators: aliasDecls },
      pos,
    };
  }

  private parseUnaryExpression(): Unary {
    if (this.isPunct('+') || this.isPunct('-')) {
      const neg = this.tok.text === '-';
      const opPos = this.pos();
      this.advance();
      const list = this.parsePostfixExpression();
      const last = list[list.length - 1]!;
      if (last.type === 'uconst') {
        if (neg) {
          last.type = 'sconst';
          last.value = BigInt.asIntN(64, -last.value!);
        }
      } else if (last.type === 'sconst') {
        if (neg) last.value = BigInt.asIntN(64, -last.value!);
      } else {
        throw new MetadataError('expecting a numeric constant after a sign', opPos);
      }
      return list;
    }
    return this.parsePostfixExpression();
  }

  private parsePostfixExpression(): Unary {
    let list: Unary;
    const t = this.tok;
    const pos = this.pos();
    if (t.t === T.Ident || this.isKeywordAsName(t)) {
      this.advance();
      list = [{ kind: 'unary', type: 'string', link: 'none', str: t.text, pos }];
    } else if (t.t === T.Int) {
      this.advance();
      list = [{ kind: 'unary', type: 'uconst', link: 'none', value: t.value, pos }];
    } else if (t.t === T.Str || t.t === T.Char) {
      this.advance();
      list = [{ kind: 'unary', type: 'string', link: 'none', str: t.text, quoted: true, pos }];
    } else if (this.isPunct('(')) {
      this.advance();
      list = this.parseUnaryExpression();
      this.expectPunct(')');
    } else {
      this.fail('an expression');
    }
    for (;;) {
      if (this.isPunct('[')) {
        const bpos = this.pos();
        this.advance();
        const inner = this.parseUnaryExpression();
        this.expectPunct(']');
        list.push({ kind: 'unary', type: 'sbrac', link: 'none', sbrac: inner, pos: bpos });
        continue;
      }
      if (this.isPunct('.') || this.isPunct('->')) {
        const link = this.tok.text === '.' ? 'dot' : 'arrow';
        this.advance();
        const n = this.tok;
        if (!(n.t === T.Ident || (link === 'dot' && this.isKeywordAsName(n)))) {
          this.fail('a name');
        }
        this.advance();
        list.push({ kind: 'unary', type: 'string', link, str: n.text, pos: this.pos(n) });
        continue;
      }
      return list;
    }
  }

  // --- declaration specifiers

  private startsDeclarationSpecifier(t: Token = this.tok): boolean {
    if (t.t === T.Keyword) {
      return (
        t.text === 'const' ||
        t.text in SIMPLE_SPECIFIERS ||
        t.text === 'floating_point' ||
        t.text === 'integer' ||
        t.text === 'string' ||
        t.text === 'enum' ||
        t.text === 'variant' ||
        t.text === 'struct'
      );
    }
    return this.isIdType(t);
  }

  private parseDeclarationSpecifiersOrFail(what: string): TypeSpecifierList {
    if (!this.startsDeclarationSpecifier()) this.fail(what);
    return this.parseDeclarationSpecifiers();
  }

  private parseDeclarationSpecifiers(): TypeSpecifierList {
    const pos = this.pos();
    const specifiers: TypeSpecifier[] = [];
    while (this.startsDeclarationSpecifier()) specifiers.push(this.parseFieldClassSpecifier());
    if (specifiers.length === 0) this.fail('a type');
    return { kind: 'type-specifier-list', specifiers, pos };
  }

  /** After `:=` in a `typealias`: specifiers, and plain identifiers that become type names. */
  private parseAliasDeclarationSpecifiers(): TypeSpecifierList {
    const pos = this.pos();
    const specifiers: TypeSpecifier[] = [];
    for (;;) {
      if (this.tok.t === T.Ident && !this.isTypeName(this.tok.text)) {
        const t = this.advance();
        this.addType(t.text);
        specifiers.push({ kind: 'type-specifier', type: 'id-type', idType: t.text, pos: this.pos(t) });
        continue;
      }
      if (this.startsDeclarationSpecifier()) {
        specifiers.push(this.parseFieldClassSpecifier());
        continue;
      }
      break;
    }
    if (specifiers.length === 0) this.fail('the name of the alias');
    return { kind: 'type-specifier-list', specifiers, pos };
  }

  private parseFieldClassSpecifier(): TypeSpecifier {
    const t = this.tok;
    const pos = this.pos();
    if (t.t === T.Ident) {
      this.advance();
      return { kind: 'type-specifier', type: 'id-type', idType: t.text, pos };
    }
    const simple = SIMPLE_SPECIFIERS[t.text];
    if (simple) {
      this.advance();
      return { kind: 'type-specifier', type: simple, pos };
    }
    switch (t.text) {
      case 'const':
        this.advance();
        return { kind: 'type-specifier', type: 'const', pos };
      case 'integer': {
        this.advance();
        const node: IntegerNode = { kind: 'integer', expressions: this.parseAttributeBlock(), pos };
        return { kind: 'type-specifier', type: 'integer', node, pos };
      }
      case 'floating_point': {
        this.advance();
        const node: FloatNode = { kind: 'floating-point', expressions: this.parseAttributeBlock(), pos };
        return { kind: 'type-specifier', type: 'floating-point', node, pos };
      }
      case 'string': {
        this.advance();
        const expressions = this.isPunct('{') ? this.parseAttributeBlock() : [];
        const node: StringNode = { kind: 'string', expressions, pos };
        return { kind: 'type-specifier', type: 'string', node, pos };
      }
      case 'enum':
        this.advance();
        return { kind: 'type-specifier', type: 'enum', node: this.parseEnum(pos), pos };
      case 'variant':
        this.advance();
        return { kind: 'type-specifier', type: 'variant', node: this.parseVariant(pos), pos };
      case 'struct':
        this.advance();
        return { kind: 'type-specifier', type: 'struct', node: this.parseStruct(pos), pos };
      default:
        this.fail('a type');
    }
  }

  /** `{ a = b; ... }` of `integer`, `floating_point` and `string` (no new scope). */
  private parseAttributeBlock(): CtfExpression[] {
    this.expectPunct('{');
    const out: CtfExpression[] = [];
    while (!this.isPunct('}')) {
      const e = this.parseCtfAssignmentExpression();
      if (e.kind !== 'ctf-expression') {
        throw new MetadataError('a type definition is not allowed here', e.pos);
      }
      out.push(e);
      this.expectPunct(';');
    }
    this.advance();
    return out;
  }

  private parseIntegerDeclarationSpecifiers(): TypeSpecifierList {
    const pos = this.pos();
    const specifiers: TypeSpecifier[] = [];
    for (;;) {
      const t = this.tok;
      if (this.isKw('const')) {
        this.advance();
        specifiers.push({ kind: 'type-specifier', type: 'const', pos: this.pos(t) });
      } else if (t.t === T.Keyword && INTEGER_SPECIFIERS.has(t.text)) {
        this.advance();
        specifiers.push({ kind: 'type-specifier', type: SIMPLE_SPECIFIERS[t.text]!, pos: this.pos(t) });
      } else if (this.isIdType(t)) {
        this.advance();
        specifiers.push({ kind: 'type-specifier', type: 'id-type', idType: t.text, pos: this.pos(t) });
      } else if (this.isKw('integer')) {
        this.advance();
        const node: IntegerNode = {
          kind: 'integer',
          expressions: this.parseAttributeBlock(),
          pos: this.pos(t),
        };
        specifiers.push({ kind: 'type-specifier', type: 'integer', node, pos: this.pos(t) });
      } else {
        break;
      }
    }
    if (specifiers.length === 0) this.fail('an integer type');
    return { kind: 'type-specifier-list', specifiers, pos };
  }

  private parseEnum(pos: Pos): EnumNode {
    let name: string | undefined;
    if (this.tok.t === T.Ident) name = this.advance().text;
    let container: TypeSpecifierList | undefined;
    if (this.isPunct(':')) {
      this.advance();
      container = this.parseIntegerDeclarationSpecifiers();
    }
    if (!this.isPunct('{')) {
      if (name === undefined || container) this.fail('`{`');
      return { kind: 'enum', hasBody: false, name, enumerators: [], pos };
    }
    this.advance();
    const enumerators: Enumerator[] = [this.parseEnumerator()];
    for (;;) {
      if (this.isPunct(',')) {
        this.advance();
        if (this.isPunct('}')) break;
        enumerators.push(this.parseEnumerator());
        continue;
      }
      break;
    }
    this.expectPunct('}');
    return {
      kind: 'enum',
      hasBody: true,
      ...(name !== undefined ? { name } : {}),
      ...(container ? { container } : {}),
      enumerators,
      pos,
    };
  }

  private parseEnumerator(): Enumerator {
    const t = this.tok;
    if (!(t.t === T.Ident || t.t === T.Str || this.isKeywordAsName(t))) this.fail('an enumeration label');
    this.advance();
    let values: Unary = [];
    if (this.isPunct('=')) {
      this.advance();
      values = this.parseUnaryExpression();
      if (this.isPunct('...')) {
        this.advance();
        const upper = this.parseUnaryExpression();
        upper[0]!.link = 'dotdotdot';
        values = [...values, ...upper];
      }
    }
    return { kind: 'enumerator', id: t.text, values, pos: this.pos(t) };
  }

  private parseStructBody(): StructEntry[] {
    this.expectPunct('{');
    this.pushScope();
    const entries: StructEntry[] = [];
    while (!this.isPunct('}')) {
      entries.push(this.parseStructOrVariantDeclaration());
    }
    this.advance();
    this.popScope();
    return entries;
  }

  private parseStruct(pos: Pos): StructNode {
    let name: string | undefined;
    if (this.tok.t === T.Ident) {
      name = this.advance().text;
      if (!this.isPunct('{')) {
        return { kind: 'struct', hasBody: false, name, entries: [], minAlign: [], pos };
      }
    }
    const entries = this.parseStructBody();
    let minAlign: Unary = [];
    if (this.isKw('align')) {
      this.advance();
      this.expectPunct('(');
      minAlign = this.parseUnaryExpression();
      this.expectPunct(')');
    }
    return { kind: 'struct', hasBody: true, ...(name !== undefined ? { name } : {}), entries, minAlign, pos };
  }

  private parseVariant(pos: Pos): VariantNode {
    let name: string | undefined;
    let choice: string | undefined;
    if (this.tok.t === T.Ident) name = this.advance().text;
    if (this.isPunct('<')) {
      this.advance();
      if (this.tok.t !== T.Ident) this.fail('the name of the variant selector');
      choice = this.advance().text;
      this.expectPunct('>');
    }
    if (!this.isPunct('{')) {
      if (name === undefined || choice === undefined) this.fail('`{`');
      return { kind: 'variant', hasBody: false, name, choice, entries: [], pos };
    }
    const entries = this.parseStructBody();
    return {
      kind: 'variant',
      hasBody: true,
      ...(name !== undefined ? { name } : {}),
      ...(choice !== undefined ? { choice } : {}),
      entries,
      pos,
    };
  }

  private parseStructOrVariantDeclaration(): StructEntry {
    const pos = this.pos();
    if (this.isKw('typealias')) {
      const a = this.parseTypealias();
      this.expectPunct(';');
      return a;
    }
    if (this.isKw('typedef')) {
      this.advance();
      const specs = this.parseDeclarationSpecifiers();
      const decls = this.parseFieldClassDeclaratorList();
      this.expectPunct(';');
      return { kind: 'typedef', specifiers: specs, declarators: decls, pos };
    }
    const specs = this.parseDeclarationSpecifiersOrFail('a field type');
    if (this.isKw('typedef')) {
      const td = this.parseTypedefAfterSpecifiers(specs, pos);
      this.expectPunct(';');
      return td;
    }
    const declarators: TypeDeclarator[] = [this.parseStructOrVariantDeclarator()];
    while (this.isPunct(',')) {
      this.advance();
      declarators.push(this.parseStructOrVariantDeclarator());
    }
    this.expectPunct(';');
    return { kind: 'struct-or-variant-declaration', specifiers: specs, declarators, pos };
  }

  private parseStructOrVariantDeclarator(): TypeDeclarator {
    const pos = this.pos();
    if (this.isPunct(':')) {
      // Unnamed bit-field: never supported.
      this.advance();
      const bitfield = this.parseUnaryExpression();
      return { kind: 'type-declarator', pointers: [], type: 'id', id: null, bitfield, pos };
    }
    const d = this.parseDeclarator();
    if (this.isPunct(':')) {
      this.advance();
      d.bitfield = this.parseUnaryExpression();
    }
    return d;
  }

  // --- declarators

  private parsePointers(): Pointer[] {
    const out: Pointer[] = [];
    while (this.isPunct('*')) {
      this.advance();
      let isConst = false;
      while (this.isKw('const')) {
        this.advance();
        isConst = true;
      }
      out.push({ isConst });
    }
    return out;
  }

  /** `declarator`: a field name with optional `[LENGTH]` suffixes. */
  private parseDeclarator(): TypeDeclarator {
    const pointers = this.parsePointers();
    const pos = this.pos();
    let d: TypeDeclarator;
    if (this.isIdentifier()) {
      d = { kind: 'type-declarator', pointers: [], type: 'id', id: this.advance().text, pos };
    } else if (this.isPunct('(')) {
      this.advance();
      const inner = this.parseDeclarator();
      this.expectPunct(')');
      d = { kind: 'type-declarator', pointers: [], type: 'nested', nested: inner, length: [], pos };
    } else {
      this.fail('a field name');
    }
    while (this.isPunct('[')) {
      const bpos = this.pos();
      this.advance();
      const length = this.parseUnaryExpression();
      this.expectPunct(']');
      d = { kind: 'type-declarator', pointers: [], type: 'nested', nested: d, length, pos: bpos };
    }
    d.pointers = pointers;
    return d;
  }

  private parseFieldClassDeclaratorList(): TypeDeclarator[] {
    const out = [this.parseFieldClassDeclarator()];
    while (this.isPunct(',')) {
      this.advance();
      out.push(this.parseFieldClassDeclarator());
    }
    return out;
  }

  /** `typedef` declarator: its identifier becomes a type name. */
  private parseFieldClassDeclarator(): TypeDeclarator {
    const pointers = this.parsePointers();
    const pos = this.pos();
    let d: TypeDeclarator;
    if (this.isIdentifier()) {
      const id = this.advance().text;
      this.addType(id);
      d = { kind: 'type-declarator', pointers: [], type: 'id', id, pos };
    } else if (this.isPunct('(')) {
      this.advance();
      const inner = this.parseFieldClassDeclarator();
      this.expectPunct(')');
      d = { kind: 'type-declarator', pointers: [], type: 'nested', nested: inner, length: [], pos };
    } else {
      this.fail('the name of the type');
    }
    while (this.isPunct('[')) {
      const bpos = this.pos();
      this.advance();
      const length = this.parseUnaryExpression();
      this.expectPunct(']');
      d = { kind: 'type-declarator', pointers: [], type: 'nested', nested: d, length, pos: bpos };
    }
    d.pointers = pointers;
    return d;
  }

  /** Target of a `typealias`: may be empty, may name an identifier (rejected later). */
  private parseAbstractDeclarator(): TypeDeclarator {
    const pointers = this.parsePointers();
    const pos = this.pos();
    let d: TypeDeclarator;
    if (this.isIdentifier()) {
      d = { kind: 'type-declarator', pointers: [], type: 'id', id: this.advance().text, pos };
    } else if (this.isPunct('(')) {
      this.advance();
      const inner = this.parseAbstractDeclarator();
      this.expectPunct(')');
      d = { kind: 'type-declarator', pointers: [], type: 'nested', nested: inner, length: [], pos };
    } else {
      d = { kind: 'type-declarator', pointers: [], type: 'id', id: null, pos };
    }
    d = this.parseArraySuffixes(d);
    d.pointers = pointers;
    return d;
  }

  private parseAliasAbstractDeclarator(): TypeDeclarator {
    const pointers = this.parsePointers();
    const pos = this.pos();
    let d: TypeDeclarator;
    if (this.isPunct('(')) {
      this.advance();
      const inner = this.parseAliasAbstractDeclarator();
      this.expectPunct(')');
      d = { kind: 'type-declarator', pointers: [], type: 'nested', nested: inner, length: [], pos };
    } else {
      d = { kind: 'type-declarator', pointers: [], type: 'id', id: null, pos };
    }
    d = this.parseArraySuffixes(d);
    d.pointers = pointers;
    return d;
  }

  private parseArraySuffixes(d: TypeDeclarator): TypeDeclarator {
    while (this.isPunct('[')) {
      const bpos = this.pos();
      this.advance();
      if (this.isPunct(']')) {
        this.advance();
        d = {
          kind: 'type-declarator',
          pointers: [],
          type: 'nested',
          nested: d,
          length: [],
          isAbstractArray: true,
          pos: bpos,
        };
        continue;
      }
      const length = this.parseUnaryExpression();
      this.expectPunct(']');
      d = { kind: 'type-declarator', pointers: [], type: 'nested', nested: d, length, pos: bpos };
    }
    return d;
  }
}

/** Parses TSDL text (one JS char per byte) into a syntax tree. Throws MetadataError. */
export function parseTsdl(text: string): RootNode {
  return new Parser(text).parseFile();
}
