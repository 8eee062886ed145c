/**
 * Integer helpers of compiled filters. A compiled filter keeps an s64 as a JS number while it is a
 * safe integer and as a bigint beyond, so the common case (fields of up to 32 bits, small
 * literals) never touches bigint; number/bigint comparisons are exact in JS, so mixed operands
 * compare without conversion. Every helper returns that normal form, or undefined for "the filter
 * is false" (bad shift count, value of the wrong type).
 */
import { isStrValue, lttngStrcmp, starGlobMatch } from './strings.js';

export type S64 = number | bigint;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const TWO63 = 2 ** 63;
const INT64_MIN = -(1n << 63n);

function norm(b: bigint): S64 {
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

function big(v: S64): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

export const compiledHelpers = {
  /** 64-bit field value to S64 (u64 reinterpreted as s64, as LTTng does). */
  n64(v: unknown): S64 | undefined {
    if (typeof v === 'number') {
      if (v >= -MAX_SAFE && v <= MAX_SAFE) return Math.trunc(v) + 0;
      if (!Number.isFinite(v)) return 0;
      return norm(BigInt.asIntN(64, BigInt(v)));
    }
    if (typeof v === 'bigint') return norm(BigInt.asIntN(64, v));
    return undefined;
  },
  /** Slow path of a signed field of up to 32 bits given as something else than a number. */
  i32s(v: unknown, bits: number): number | undefined {
    return typeof v === 'bigint' ? Number(BigInt.asIntN(bits, v)) : undefined;
  },
  i32u(v: unknown, bits: number): number | undefined {
    return typeof v === 'bigint' ? Number(BigInt.asUintN(bits, v)) : undefined;
  },
  neg(v: S64): S64 {
    if (typeof v === 'number') return v === 0 ? 0 : -v;
    return norm(BigInt.asIntN(64, -v));
  },
  bnot(v: S64): S64 {
    if (typeof v === 'number' && v >= -2147483648 && v <= 2147483647) return ~v;
    return norm(BigInt.asIntN(64, ~big(v)));
  },
  band(a: S64, b: S64): S64 {
    if (typeof a === 'number' && typeof b === 'number' && (a | 0) === a && (b | 0) === b) return a & b;
    return norm(BigInt.asIntN(64, big(a) & big(b)));
  },
  bor(a: S64, b: S64): S64 {
    if (typeof a === 'number' && typeof b === 'number' && (a | 0) === a && (b | 0) === b) return a | b;
    return norm(BigInt.asIntN(64, big(a) | big(b)));
  },
  bxor(a: S64, b: S64): S64 {
    if (typeof a === 'number' && typeof b === 'number' && (a | 0) === a && (b | 0) === b) return a ^ b;
    return norm(BigInt.asIntN(64, big(a) ^ big(b)));
  },
  shl(a: S64, n: S64): S64 | undefined {
    if (n < 0 || n >= 64) return undefined;
    return norm(BigInt.asIntN(64, BigInt.asUintN(64, big(a)) << big(n)));
  },
  shr(a: S64, n: S64): S64 | undefined {
    if (n < 0 || n >= 64) return undefined;
    if (typeof a === 'number' && a >= 0 && a <= 2147483647 && typeof n === 'number' && n < 32) return a >>> n;
    return norm(BigInt.asIntN(64, BigInt.asUintN(64, big(a)) >> big(n)));
  },
  /** (int64_t) d on x86-64. */
  d2s(d: number): S64 {
    if (Number.isNaN(d) || d >= TWO63 || d < -TWO63) return INT64_MIN;
    const t = Math.trunc(d) + 0;
    return t >= -MAX_SAFE && t <= MAX_SAFE ? t : BigInt(t);
  },
  toD(v: S64): number {
    return typeof v === 'number' ? v : Number(v);
  },
  isStr: isStrValue,
  strcmp: lttngStrcmp,
  glob: starGlobMatch,
};
