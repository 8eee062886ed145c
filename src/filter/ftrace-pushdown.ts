/**
 * ftrace pushdown: writes a filter in the syntax of tracefs `events/<sys>/<ev>/filter` when, and
 * only when, the kernel computes exactly what LTTng would for that event's fields; otherwise says
 * why the filter must run in user space (on the decoded records).
 *
 * What translates: `&&`, `||`, `!`; a field compared with a constant (either side); an integer
 * field alone (`f` is `f != 0`); `f & C` as a condition; a string field with `==`/`!=` against a
 * plain literal, or against a pattern whose only special characters are `*` (kernel `~`).
 * What does not, and why: contexts (`$ctx`, `$app`: not event fields); floating point (the kernel
 * has none); shifts (LTTng makes the filter false on a bad count, the kernel does not); two fields
 * compared; a constant the field's type cannot hold, or an ordering on an unsigned 64-bit field
 * (the kernel compares in the field's own type, LTTng in s64); string ordering, `?`, `[` or `\` in
 * a pattern (kernel glob syntax differs); a logical result used as a number.
 */
import type { FilterField, FilterFieldType } from './fields.js';
import { type LinkedFilter, linkFilter, type ResolvedField } from './link.js';
import type { FilterTree, ValidatedBytecode } from './validator.js';

/** One field of an ftrace event, as its `format` file describes it. */
export interface FtraceField {
  readonly name: string;
  readonly sizeBytes: number;
  readonly isSigned: boolean;
  /** `char x[N]`, `__data_loc char[] x`, `char *x`: the kernel filters these as strings. */
  readonly isString: boolean;
  /** A non-string array (`int x[4]`): not filterable by the kernel. */
  readonly isArray?: boolean;
}

export type FtracePushdown =
  | { readonly canPushDown: true; readonly filter: string }
  | { readonly canPushDown: false; readonly reason: string };

class NoPushdown extends Error {}
const refuse = (why: string): never => {
  throw new NoPushdown(why);
};

function fieldType(f: FtraceField): FilterFieldType {
  if (f.isString) return { kind: 'string' };
  if (f.isArray) return { kind: 'opaque', why: 'ftrace cannot filter on arrays' };
  if (![1, 2, 4, 8].includes(f.sizeBytes)) return { kind: 'opaque', why: `a ${f.sizeBytes}-byte field` };
  return { kind: 'integer', signed: f.isSigned, sizeBits: f.sizeBytes * 8 };
}

const FLIP: Record<string, string> = { '==': '==', '!=': '!=', '<': '>', '>': '<', '<=': '>=', '>=': '<=' };

function unwrap(n: FilterTree): FilterTree {
  // Casts lttng-ctl inserts around operands of && and || change nothing for integers.
  while (n.k === 'cast' && n.op !== 'double-to-s64') n = n.child;
  while (n.k === 'unary' && n.op === '+') n = n.child;
  return n;
}

/** Unescapes a plain LTTng literal (`\*`, `\\`); undefined when it holds a wildcard. */
function plainText(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      out += s[i + 1] ?? '';
      i++;
    } else if (c === '*') {
      return undefined;
    } else {
      out += c;
    }
  }
  return out;
}

function quoteFtrace(s: string): string {
  if (s.includes('"')) refuse('a string literal with a double quote');
  return `"${s}"`;
}

function constValue(n: FilterTree): bigint | undefined {
  n = unwrap(n);
  if (n.k === 's64') return n.v;
  if (n.k === 'unary' && n.op === '-') {
    const v = constValue(n.child);
    return v === undefined ? undefined : BigInt.asIntN(64, -v);
  }
  if (n.k === 'unary' && n.op === '~') {
    const v = constValue(n.child);
    return v === undefined ? undefined : BigInt.asIntN(64, ~v);
  }
  return undefined;
}

class Translator {
  constructor(private readonly linked: LinkedFilter) {}

  private field(n: FilterTree): ResolvedField | undefined {
    n = unwrap(n);
    if (n.k !== 'field') return undefined;
    const r = this.linked.fieldsByPc.get(n.pc)!;
    if (r.source !== 'payload') refuse(`${r.spelling} is a context, not a field of the ftrace event`);
    if (r.steps.length > 0) refuse(`${r.spelling}: ftrace cannot index or select members`);
    return r;
  }

  /** The filter text for `n` used as a condition. */
  cond(n: FilterTree): string {
    n = unwrap(n);
    switch (n.k) {
      case 'logical':
        return `(${this.cond(n.left)}) ${n.op} (${this.cond(n.right)})`;
      case 'unary':
        if (n.op === '!') return `!(${this.cond(n.child)})`;
        return refuse(`unary '${n.op}' has no ftrace equivalent as a condition`);
      case 'field': {
        const f = this.field(n)!;
        if (f.valueType !== 'int') return refuse(`${f.spelling} is not an integer`);
        return `${f.top.name} != 0`;
      }
      case 'bitwise': {
        if (n.op !== '&') return refuse(`'${n.op}' has no ftrace equivalent`);
        const [f, c] = this.fieldAndConst(n.left, n.right);
        const { signed, sizeBits } = intInfo(f);
        const max = signed ? (1n << BigInt(sizeBits - 1)) - 1n : (1n << BigInt(sizeBits)) - 1n;
        if (c < 0n || c > max)
          return refuse(`mask ${c} does not fit ${f.spelling} without a change of meaning`);
        return `${f.top.name} & ${c}`;
      }
      case 'compare':
        return this.compare(n);
      case 's64':
      case 'double':
        return refuse('a constant filter (ftrace would take "0" as "no filter")');
      default:
        return refuse('this expression has no ftrace equivalent');
    }
  }

  private fieldAndConst(a: FilterTree, b: FilterTree): [ResolvedField, bigint, boolean] {
    const fa = this.field(a);
    const fb = this.field(b);
    if (fa && fb) refuse('ftrace cannot compare two fields');
    const f = fa ?? fb;
    if (!f) return refuse('no field in this comparison');
    const c = constValue(fa ? b : a);
    if (c === undefined) return refuse('only a field compared with an integer constant can be pushed down');
    return [f, c, fb !== undefined];
  }

  private compare(n: FilterTree & { k: 'compare' }): string {
    const l = unwrap(n.left);
    const r = unwrap(n.right);
    const isStr = (x: FilterTree) =>
      x.k === 'string' || (x.k === 'field' && this.linked.fieldsByPc.get(x.pc)!.valueType === 'string');
    if (isStr(l) || isStr(r)) {
      const fa = this.field(l);
      const fb = this.field(r);
      if (fa && fb) return refuse('ftrace cannot compare two fields');
      const f = fa ?? fb;
      const lit = fa ? r : l;
      if (!f || lit.k !== 'string') return refuse('a string comparison without a field and a literal');
      if (n.op !== '==' && n.op !== '!=') return refuse(`ftrace has no string '${n.op}'`);
      if (/[?[\\\]]/.test(lit.text.replace(/\\[*\\]/g, '')))
        return refuse('the pattern holds ?, [ or ], special to ftrace globs');
      const plain = plainText(lit.text);
      if (plain !== undefined && !lit.isGlob) {
        if (plain.includes('*')) return refuse('an escaped star: ftrace string syntax has no escapes');
        return `${f.top.name} ${n.op} ${quoteFtrace(plain)}`;
      }
      if (lit.text.includes('\\'))
        return refuse('an escaped star in a pattern: ftrace globs have no escapes');
      const glob = `${f.top.name} ~ ${quoteFtrace(lit.text)}`;
      return n.op === '==' ? glob : `!(${glob})`;
    }
    if (l.k === 'double' || r.k === 'double') return refuse('floating point: the kernel has none');
    const [f, c, isFieldRight] = this.fieldAndConst(l, r);
    if (f.valueType !== 'int') return refuse(`${f.spelling} is not an integer`);
    const op = isFieldRight ? FLIP[n.op]! : n.op;
    const { signed, sizeBits } = intInfo(f);
    if (!signed && sizeBits === 64) {
      // LTTng compares the u64 as an s64; the kernel as a u64. Equality agrees bit for bit.
      if (op !== '==' && op !== '!=')
        return refuse(`${f.spelling} is unsigned 64-bit: LTTng orders it as signed, ftrace as unsigned`);
      return `${f.top.name} ${op} ${BigInt.asUintN(64, c)}`;
    }
    const min = signed ? -(1n << BigInt(sizeBits - 1)) : 0n;
    const max = signed ? (1n << BigInt(sizeBits - 1)) - 1n : (1n << BigInt(sizeBits)) - 1n;
    if (c < min || c > max)
      return refuse(`${c} is outside the range of ${f.spelling}; ftrace would truncate it`);
    return `${f.top.name} ${op} ${c}`;
  }
}

function intInfo(f: ResolvedField): { signed: boolean; sizeBits: number } {
  const t = f.leaf;
  return t.kind === 'integer' || t.kind === 'enum'
    ? { signed: t.signed, sizeBits: t.sizeBits }
    : { signed: true, sizeBits: 64 };
}

/**
 * Translates validated bytecode for one ftrace event. The kernel tracer writes `filter` into the
 * event's filter file when `canPushDown`, and evaluates the filter itself otherwise.
 */
export function translateToFtrace(
  validated: ValidatedBytecode,
  fields: readonly FtraceField[],
): FtracePushdown {
  const payload: FilterField[] = fields.map((f) => ({ name: f.name, type: fieldType(f) }));
  const link = linkFilter(validated, { payload, floatingPoint: false });
  if (!link.isLinked)
    return { canPushDown: false, reason: `this filter records nothing for this event: ${link.reason}` };
  try {
    return { canPushDown: true, filter: new Translator(link.linked).cond(validated.tree) };
  } catch (e) {
    if (e instanceof NoPushdown) return { canPushDown: false, reason: e.message };
    throw e;
  }
}
