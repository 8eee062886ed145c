/**
 * From syntax tree to LTTng's intermediate representation, with lttng-ctl's checks in lttng-ctl's
 * order and with its messages (`filter-visitor-generate-ir.c`, then `-ir-normalize-glob-patterns`,
 * `-ir-validate-string`, `-ir-validate-globbing`). Field types are unknown here: checks that need
 * them happen when a tracer links the bytecode to an event class (link.ts).
 */
import type { AstNode, BinaryOp, RefSegment, UnaryOp } from './ast.js';
import { FilterError } from './errors.js';

/** PLAIN: no unescaped `*`. GLOB_STAR_END: the first unescaped `*` is the last character (legacy
 * "prefix" match). GLOB_STAR: a full star-only globbing pattern. */
export type StringLiteralType = 'plain' | 'glob-star-end' | 'glob-star';

export type LoadStep =
  | { readonly kind: 'symbol'; readonly name: string }
  | { readonly kind: 'index'; readonly index: bigint };

export type LoadRoot = 'payload' | 'context' | 'app-context';

export type IrNode =
  | {
      readonly op: 'string';
      readonly strType: StringLiteralType;
      /** After glob normalization (consecutive stars crushed). */
      readonly value: string;
      readonly column: number;
    }
  | { readonly op: 'numeric' /** s64 */; readonly value: bigint; readonly column: number }
  | { readonly op: 'float'; readonly value: number; readonly column: number }
  | {
      readonly op: 'field';
      readonly root: LoadRoot;
      readonly steps: readonly LoadStep[];
      readonly column: number;
    }
  | { readonly op: 'unary'; readonly type: UnaryOp; readonly child: IrNode; readonly column: number }
  | {
      readonly op: 'binary';
      readonly type: Exclude<BinaryOp, '&&' | '||' | '*' | '/' | '%' | '+' | '-'>;
      readonly left: IrNode;
      readonly right: IrNode;
      readonly column: number;
    }
  | {
      readonly op: 'logical';
      readonly type: '&&' | '||';
      readonly left: IrNode;
      readonly right: IrNode;
      readonly column: number;
    };

/** LTTng's IR data types: a literal string, a numeric, a float, or a field ("expression"). */
export type IrDataType = 'string' | 'numeric' | 'float' | 'expression';

export function irDataType(n: IrNode): IrDataType {
  switch (n.op) {
    case 'string':
      return 'string';
    case 'numeric':
      return 'numeric';
    case 'float':
      return 'float';
    case 'field':
      return 'expression';
    case 'unary':
      return irDataType(n.child);
    default:
      return 'numeric';
  }
}

/** strutils_test_glob_pattern: the first unescaped star decides. */
export function literalStringType(s: string): StringLiteralType {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '*') return i === s.length - 1 ? 'glob-star-end' : 'glob-star';
    if (c === '\\') {
      i++;
      if (i >= s.length) break;
    }
  }
  return 'plain';
}

/** strutils_normalize_star_glob_pattern: crush consecutive unescaped stars into one. */
export function normalizeStarGlob(s: string): string {
  let out = '';
  let gotStar = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '*') {
      if (gotStar) continue;
      gotStar = true;
      out += c;
      continue;
    }
    if (c === '\\') {
      out += c;
      i++;
      if (i >= s.length) break;
      out += s[i];
      gotStar = false;
      continue;
    }
    gotStar = false;
    out += c;
  }
  return out;
}

const UNSUPPORTED: ReadonlySet<string> = new Set(['*', '/', '%', '+', '-']);

function makeLoad(node: AstNode & { type: 'ref' }): IrNode {
  const segs: readonly RefSegment[] = node.segments;
  let root: LoadRoot = 'payload';
  let i = 0;
  const first = segs[0]!;
  if (first.isGlobal) {
    if (first.name === '$ctx' || first.name === '$app') {
      root = first.name === '$ctx' ? 'context' : 'app-context';
      // LTTng ignores brackets on `$ctx`/`$app` themselves.
      i = 1;
      if (segs.length < 2)
        throw new FilterError('semantic', `Expecting identifier after '${first.name}'`, first.column);
    } else {
      throw new FilterError('semantic', `Unexpected identifier '${first.name}'`, first.column);
    }
  }
  const steps: LoadStep[] = [];
  for (; i < segs.length; i++) {
    const seg = segs[i]!;
    steps.push({ kind: 'symbol', name: seg.name });
    // The grammar links brackets so that only the first `[...]` of a name is seen (the others
    // are parsed, never checked, never used): `a[1][2]` loads `a[1]`, as lttng-ctl does.
    const b = seg.brackets[0];
    if (b !== undefined) {
      if (b.type !== 'int')
        throw new FilterError('semantic', 'Expecting constant index in array expression', b.column);
      steps.push({ kind: 'index', index: b.value });
    }
  }
  return { op: 'field', root, steps, column: node.column };
}

function generate(node: AstNode): IrNode {
  switch (node.type) {
    case 'string':
      return { op: 'string', strType: literalStringType(node.value), value: node.value, column: node.column };
    case 'int':
      return { op: 'numeric', value: BigInt.asIntN(64, node.value), column: node.column };
    case 'float':
      return { op: 'float', value: node.value, column: node.column };
    case 'ref':
      return makeLoad(node);
    case 'nested':
      return generate(node.child);
    case 'unary': {
      const child = generate(node.child);
      if (irDataType(child) === 'string')
        throw new FilterError(
          'semantic',
          `unary operation '${node.op}' not allowed on string literal`,
          node.column,
        );
      return { op: 'unary', type: node.op, child, column: node.column };
    }
    case 'binary':
      return generateBinarySpine(node);
  }
}

/**
 * A chain like `a && 1 && 1 && ...` is a left spine thousands of nodes deep (lttng-tools' own
 * 64 KiB test has 5,461): walk it with a loop, recurse only into right operands. LTTng's order is
 * kept: an unsupported operator is reported before anything below it, operands left to right.
 */
function generateBinarySpine(top: AstNode & { type: 'binary' }): IrNode {
  const spine: (AstNode & { type: 'binary' })[] = [];
  let cur: AstNode = top;
  while (cur.type === 'binary') {
    if (UNSUPPORTED.has(cur.op))
      throw new FilterError('unsupported', `binary operation '${cur.op}' not supported`, cur.column);
    spine.push(cur);
    cur = cur.left;
  }
  let left = generate(cur);
  for (let k = spine.length - 1; k >= 0; k--) left = combine(spine[k]!, left, generate(spine[k]!.right));
  return left;
}

function combine(node: AstNode & { type: 'binary' }, left: IrNode, right: IrNode): IrNode {
  const op = node.op;
  const lt = irDataType(left);
  const rt = irDataType(right);
  if (op === '&&' || op === '||') {
    if (lt === 'string' || rt === 'string')
      throw new FilterError(
        'semantic',
        `logical binary operation '${op}' cannot have string operand`,
        node.column,
      );
    return { op: 'logical', type: op, left, right, column: node.column };
  }
  if (op === '<<' || op === '>>' || op === '&' || op === '|' || op === '^') {
    if (lt === 'string' || rt === 'string')
      throw new FilterError(
        'semantic',
        `bitwise binary operation '${op}' cannot have string operand`,
        node.column,
      );
    if (lt === 'float' || rt === 'float')
      throw new FilterError(
        'semantic',
        `bitwise binary operation '${op}' cannot have floating point operand`,
        node.column,
      );
    return { op: 'binary', type: op, left, right, column: node.column };
  }
  const isNum = (t: IrDataType) => t === 'numeric' || t === 'float';
  if ((lt === 'string' && isNum(rt)) || (isNum(lt) && rt === 'string'))
    throw new FilterError('semantic', `binary operation '${op}' operand type mismatch`, node.column);
  return { op: 'binary', type: op as '==', left, right, column: node.column };
}

/** The binary/logical nodes on the left spine of `n`, outermost first, and the leaf below them. */
export function leftSpine(n: IrNode): { spine: (IrNode & { op: 'binary' | 'logical' })[]; leaf: IrNode } {
  const spine: (IrNode & { op: 'binary' | 'logical' })[] = [];
  let cur = n;
  while (cur.op === 'binary' || cur.op === 'logical') {
    spine.push(cur);
    cur = cur.left;
  }
  return { spine, leaf: cur };
}

function normalizeGlobs(n: IrNode): IrNode {
  switch (n.op) {
    case 'string':
      return n.strType === 'plain' ? n : { ...n, value: normalizeStarGlob(n.value) };
    case 'unary':
      return { ...n, child: normalizeGlobs(n.child) };
    case 'binary':
    case 'logical': {
      const { spine, leaf } = leftSpine(n);
      let acc = normalizeGlobs(leaf);
      for (let k = spine.length - 1; k >= 0; k--)
        acc = { ...spine[k]!, left: acc, right: normalizeGlobs(spine[k]!.right) } as IrNode;
      return acc;
    }
    default:
      return n;
  }
}

/** filter-visitor-ir-validate-string: only `\*` and `\\` escapes. */
function validateStrings(n: IrNode): void {
  switch (n.op) {
    case 'string': {
      const s = n.value;
      for (let i = 0; i < s.length; i++) {
        if (s[i] === '\\') {
          const e = s[i + 1];
          if (e !== '\\' && e !== '*')
            throw new FilterError(
              'escape',
              'Unsupported escape character detected.',
              n.column + 1 + i,
              'only \\* and \\\\ are allowed',
            );
          i++;
        }
      }
      return;
    }
    case 'unary':
      validateStrings(n.child);
      return;
    case 'binary':
    case 'logical': {
      const { spine, leaf } = leftSpine(n);
      validateStrings(leaf);
      for (let k = spine.length - 1; k >= 0; k--) validateStrings(spine[k]!.right);
      return;
    }
    default:
      return;
  }
}

/** filter-visitor-ir-validate-globbing (tests 1 and 2), on direct literal operands. */
function validateGlobbing(n: IrNode): void {
  switch (n.op) {
    case 'unary':
      validateGlobbing(n.child);
      return;
    case 'logical':
    case 'binary': {
      // Pre-order, as LTTng: a node, then its left operand, then its right one.
      const { spine, leaf } = leftSpine(n);
      for (const node of spine) if (node.op === 'binary') checkGlobbingOperands(node);
      validateGlobbing(leaf);
      for (let k = spine.length - 1; k >= 0; k--) validateGlobbing(spine[k]!.right);
      return;
    }
    default:
      return;
  }
}

function checkGlobbingOperands(n: IrNode & { op: 'binary' }): void {
  const l = n.left;
  const r = n.right;
  if (l.op === 'string' && r.op === 'string') {
    if (
      (l.strType === 'glob-star' && r.strType !== 'plain') ||
      (r.strType === 'glob-star' && l.strType !== 'plain')
    )
      throw new FilterError('globbing', 'Cannot compare two globbing patterns', n.column);
  }
  if ((l.op === 'string' && l.strType === 'glob-star') || (r.op === 'string' && r.strType === 'glob-star')) {
    if (n.type !== '==' && n.type !== '!=')
      throw new FilterError(
        'globbing',
        'Only the `==` and `!=` operators are allowed with a globbing pattern',
        n.column,
      );
  }
}

/**
 * Runs lttng-ctl's front end on a parsed expression: IR generation and every check, in order.
 * Throws FilterError. The result is the root expression (the implicit root node is not kept).
 */
export function generateIr(ast: AstNode): IrNode {
  const ir = generate(ast);
  if (irDataType(ir) === 'string')
    throw new FilterError('semantic', 'String cannot be root data type', ast.column);
  const normalized = normalizeGlobs(ir);
  validateStrings(normalized);
  validateGlobbing(normalized);
  return normalized;
}

const PREC: Record<string, number> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '<': 4,
  '>': 4,
  '<=': 4,
  '>=': 4,
  '|': 5,
  '^': 6,
  '&': 7,
  '<<': 8,
  '>>': 8,
};

function formatFloat(v: number): string {
  if (Number.isNaN(v)) return '(0.0/0.0)';
  if (!Number.isFinite(v)) return v > 0 ? '1e999' : '-1e999';
  const s = String(v);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

function formatField(n: IrNode & { op: 'field' }): string {
  let out = n.root === 'context' ? '$ctx' : n.root === 'app-context' ? '$app' : '';
  for (const s of n.steps) {
    if (s.kind === 'symbol') out += out.length === 0 ? s.name : `.${s.name}`;
    else out += `[${s.index}]`;
  }
  return out;
}

/**
 * The expression as lttng-ctl understood it: one canonical spelling, parentheses only where the
 * grammar needs them, integers in decimal (as the s64 they become), globs normalized.
 */
export function formatIr(n: IrNode, parentPrec = 0, isRight = false): string {
  switch (n.op) {
    case 'string':
      return `"${n.value}"`;
    case 'numeric':
      // A negative s64 cannot be written as a literal; `-N` re-parses to the same value.
      return n.value < 0n ? `(${n.value})` : String(n.value);
    case 'float':
      return formatFloat(n.value);
    case 'field':
      return formatField(n);
    case 'unary': {
      return `${n.type}${formatIr(n.child, 100)}`;
    }
    case 'binary':
    case 'logical': {
      const { spine, leaf } = leftSpine(n);
      // Innermost first: each level wraps what is built so far as its left operand.
      let acc = formatIr(leaf, PREC[spine[spine.length - 1]!.type]!, false);
      for (let k = spine.length - 1; k >= 0; k--) {
        const node = spine[k]!;
        const p = PREC[node.type]!;
        acc = `${acc} ${node.type} ${formatIr(node.right, p, true)}`;
        const outer = k > 0 ? PREC[spine[k - 1]!.type]! : parentPrec;
        const isRightOfOuter = k > 0 ? false : isRight;
        if (p < outer || (p === outer && isRightOfOuter)) acc = `(${acc})`;
      }
      return acc;
    }
  }
}
