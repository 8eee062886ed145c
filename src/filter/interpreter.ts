/**
 * The reference interpreter: runs validated bytecode instruction by instruction with lttng-ust's
 * runtime semantics, on values looked up by name (FilterEventValues). Integers are s64 (bigint,
 * wrapped to 64 bits); an unsigned field is reinterpreted as s64, like LTTng does; bitwise
 * operators work on u64 and are read back as s64; a shift count outside [0, 63], a sequence
 * index past the end, or a value of the wrong type makes the filter false. It is the yardstick the
 * compiled closures are tested against, not the fast path.
 */
import type { FilterEventValues } from './fields.js';
import type { LinkResult, ResolvedField } from './link.js';
import { Op } from './opcodes.js';
import { isStrValue, lttngStrcmp, type StrValue, starGlobMatch } from './strings.js';

enum T {
  Int = 0,
  Double = 1,
  Str = 2,
  Ptr = 3,
}

/** One stack entry. Strings: `lit` is set for literals (both forms), `isPlain` for non-glob literals. */
interface Val {
  t: T;
  i: bigint;
  d: number;
  s: StrValue;
  lit: { text: string; bytes: Uint8Array } | undefined;
  isPlain: boolean;
  isGlob: boolean;
}

const INT64_MIN = -(1n << 63n);
const TWO63 = 2 ** 63;

/** (int64_t) d as x86-64 computes it: truncation; NaN and out-of-range give INT64_MIN. */
export function doubleToS64(d: number): bigint {
  if (Number.isNaN(d) || d >= TWO63 || d < -TWO63) return INT64_MIN;
  return BigInt(Math.trunc(d));
}

/** A field's JS value to its s64, per the declared integer type; undefined for a non-integer. */
export function normalizeInteger(v: unknown, signed: boolean, sizeBits: number): bigint | undefined {
  let x: bigint;
  if (typeof v === 'number') x = Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
  else if (typeof v === 'bigint') x = v;
  else return undefined;
  if (sizeBits >= 64) return BigInt.asIntN(64, x);
  return signed ? BigInt.asIntN(sizeBits, x) : BigInt.asUintN(sizeBits, x);
}

function readField(r: ResolvedField, ev: FilterEventValues): Val | undefined {
  const src = r.source === 'payload' ? ev.payload : r.source === 'context' ? ev.context : ev.appContext;
  if (src === undefined || src === null) return undefined;
  let v: unknown = (src as Record<string, unknown>)[r.top.name];
  for (const s of r.steps) {
    if (v === null || v === undefined) return undefined;
    if (s.kind === 'member') {
      v = (v as Record<string, unknown>)[s.field.name];
    } else {
      const arr = v as ArrayLike<unknown>;
      if (s.staticLength < 0 && !(s.index < arr.length)) return undefined;
      v = arr[s.index];
    }
  }
  const leaf = r.leaf;
  switch (r.valueType) {
    case 'int': {
      const sig = leaf.kind === 'integer' || leaf.kind === 'enum' ? leaf.signed : true;
      const bits = leaf.kind === 'integer' || leaf.kind === 'enum' ? leaf.sizeBits : 64;
      const i = normalizeInteger(v, sig, bits);
      return i === undefined ? undefined : mk(T.Int, i, 0, '');
    }
    case 'double':
      if (typeof v !== 'number') return undefined;
      return mk(T.Double, 0n, leaf.kind === 'float' && leaf.sizeBits === 32 ? Math.fround(v) : v, '');
    case 'string':
      if (!isStrValue(v)) return undefined;
      return mk(T.Str, 0n, 0, v);
  }
}

function mk(t: T, i: bigint, d: number, s: StrValue): Val {
  return { t, i, d, s, lit: undefined, isPlain: false, isGlob: false };
}

function strOf(v: Val, other: Val): StrValue {
  if (v.lit === undefined) return v.s;
  return other.lit === undefined && typeof other.s !== 'string' ? v.lit.bytes : v.lit.text;
}

function compare(op: number, bx: Val, ax: Val): bigint | undefined {
  let c: number;
  if (bx.t === T.Int && ax.t === T.Int) {
    c = bx.i < ax.i ? -1 : bx.i > ax.i ? 1 : 0;
  } else if ((bx.t === T.Int || bx.t === T.Double) && (ax.t === T.Int || ax.t === T.Double)) {
    const a = bx.t === T.Int ? Number(bx.i) : bx.d;
    const b = ax.t === T.Int ? Number(ax.i) : ax.d;
    // NaN: every comparison but != is false.
    if (Number.isNaN(a) || Number.isNaN(b)) return op === Op.NE ? 1n : 0n;
    c = a < b ? -1 : a > b ? 1 : 0;
  } else if (bx.t === T.Str && ax.t === T.Str) {
    if (bx.isGlob || ax.isGlob) {
      if (bx.isGlob && ax.isGlob) return undefined;
      if (op !== Op.EQ && op !== Op.NE) return undefined;
      const [pat, cand] = bx.isGlob ? [bx, ax] : [ax, bx];
      const m = starGlobMatch(strOf(pat, cand), strOf(cand, pat));
      return (op === Op.EQ) === m ? 1n : 0n;
    }
    c = lttngStrcmp(strOf(bx, ax), bx.isPlain, strOf(ax, bx), ax.isPlain);
  } else {
    return undefined;
  }
  switch (op) {
    case Op.EQ:
      return c === 0 ? 1n : 0n;
    case Op.NE:
      return c !== 0 ? 1n : 0n;
    case Op.GT:
      return c > 0 ? 1n : 0n;
    case Op.LT:
      return c < 0 ? 1n : 0n;
    case Op.GE:
      return c >= 0 ? 1n : 0n;
    default:
      return c <= 0 ? 1n : 0n;
  }
}

export type InterpretedFilter = (ev: FilterEventValues) => boolean;

/** An interpreter bound to one linked filter. A filter that did not link records nothing. */
export function createInterpreter(link: LinkResult): InterpretedFilter {
  if (!link.isLinked) return () => false;
  const { validated, fieldsByPc } = link.linked;
  const insns = validated.decoded.insns;
  const index = validated.insnIndex;

  return (ev: FilterEventValues): boolean => {
    const stack: Val[] = [];
    let i = 0;
    for (;;) {
      const ins = insns[i]!;
      const op = ins.op;
      switch (op) {
        case Op.RETURN:
        case Op.RETURN_S64: {
          const top = stack[stack.length - 1]!;
          return top.t === T.Int && top.i !== 0n;
        }
        case Op.EQ:
        case Op.NE:
        case Op.GT:
        case Op.LT:
        case Op.GE:
        case Op.LE: {
          const ax = stack.pop()!;
          const bx = stack.pop()!;
          const r = compare(op, bx, ax);
          if (r === undefined) return false;
          stack.push(mk(T.Int, r, 0, ''));
          break;
        }
        case Op.BIT_AND:
        case Op.BIT_OR:
        case Op.BIT_XOR:
        case Op.BIT_LSHIFT:
        case Op.BIT_RSHIFT: {
          const ax = stack.pop()!;
          const bx = stack.pop()!;
          if (ax.t !== T.Int || bx.t !== T.Int) return false;
          let r: bigint;
          if (op === Op.BIT_AND) r = bx.i & ax.i;
          else if (op === Op.BIT_OR) r = bx.i | ax.i;
          else if (op === Op.BIT_XOR) r = bx.i ^ ax.i;
          else {
            if (ax.i < 0n || ax.i >= 64n) return false;
            const u = BigInt.asUintN(64, bx.i);
            r = op === Op.BIT_LSHIFT ? u << ax.i : u >> ax.i;
          }
          stack.push(mk(T.Int, BigInt.asIntN(64, r), 0, ''));
          break;
        }
        case Op.UNARY_PLUS:
        case Op.UNARY_MINUS:
        case Op.UNARY_NOT:
        case Op.UNARY_BIT_NOT: {
          const v = stack[stack.length - 1]!;
          if (v.t === T.Int) {
            if (op === Op.UNARY_MINUS) v.i = BigInt.asIntN(64, -v.i);
            else if (op === Op.UNARY_NOT) v.i = v.i === 0n ? 1n : 0n;
            else if (op === Op.UNARY_BIT_NOT) v.i = BigInt.asIntN(64, ~v.i);
          } else if (v.t === T.Double) {
            if (op === Op.UNARY_BIT_NOT) return false;
            if (op === Op.UNARY_MINUS) v.d = -v.d;
            else if (op === Op.UNARY_NOT) stack[stack.length - 1] = mk(T.Int, v.d === 0 ? 1n : 0n, 0, '');
          } else {
            return false;
          }
          break;
        }
        case Op.AND:
        case Op.OR: {
          const v = stack[stack.length - 1]!;
          if (v.t !== T.Int) return false;
          const isJump = op === Op.AND ? v.i === 0n : v.i !== 0n;
          if (isJump) {
            if (op === Op.OR) v.i = 1n;
            i = index.get(ins.u16!)!;
            continue;
          }
          stack.pop();
          break;
        }
        case Op.CAST_TO_S64:
        case Op.CAST_DOUBLE_TO_S64: {
          const v = stack[stack.length - 1]!;
          if (v.t === T.Double) stack[stack.length - 1] = mk(T.Int, doubleToS64(v.d), 0, '');
          else if (v.t !== T.Int || op === Op.CAST_DOUBLE_TO_S64) return false;
          break;
        }
        case Op.CAST_NOP:
          break;
        case Op.LOAD_S64:
          stack.push(mk(T.Int, ins.big!, 0, ''));
          break;
        case Op.LOAD_DOUBLE:
          stack.push(mk(T.Double, 0n, ins.f64!, ''));
          break;
        case Op.LOAD_STRING:
        case Op.LOAD_STAR_GLOB_STRING: {
          const v = mk(T.Str, 0n, 0, ins.str!);
          v.lit = { text: ins.str!, bytes: ins.strBytes! };
          v.isGlob = op === Op.LOAD_STAR_GLOB_STRING;
          v.isPlain = !v.isGlob;
          stack.push(v);
          break;
        }
        case Op.LOAD_FIELD_REF:
        case Op.GET_CONTEXT_REF:
        case Op.LOAD_FIELD: {
          if (op === Op.LOAD_FIELD) stack.pop();
          const v = readField(fieldsByPc.get(ins.pc)!, ev);
          if (v === undefined) return false;
          stack.push(v);
          break;
        }
        case Op.GET_CONTEXT_ROOT:
        case Op.GET_APP_CONTEXT_ROOT:
        case Op.GET_PAYLOAD_ROOT:
          // The traversal was resolved at link time; LOAD_FIELD reads the result.
          stack.push(mk(T.Ptr, 0n, 0, ''));
          break;
        default:
          // GET_SYMBOL, GET_INDEX_*: resolved at link time.
          break;
      }
      i++;
    }
  };
}
