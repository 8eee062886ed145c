/**
 * Helpers called by the generated decoders: bit-field reads (both byte orders, any alignment) and
 * the babeltrace2 text rendering of values, written straight into an output byte buffer.
 * No allocation on the common paths: decimal integers (up to 64 bits) are written digit pair by
 * digit pair, without bigint.
 */

const TWO32 = 4294967296;

/** Result registers for 64-bit reads (hi/lo unsigned 32-bit halves). */
export interface Regs {
  hi: number;
  lo: number;
}

/** 2^0 .. 2^64. */
const POW2 = Array.from({ length: 65 }, (_, i) => 2 ** i);

/** Reads `size` (1..32) bits at bit `p`, little-endian bit order. Unsigned result. */
export function readLe32(u8: Uint8Array, p: number, size: number): number {
  const b = p >>> 3;
  const shift = p & 7;
  // Four bytes at once (past the end of the buffer reads as 0: the caller checked the bounds).
  const v = (u8[b]! | (u8[b + 1]! << 8) | (u8[b + 2]! << 16) | (u8[b + 3]! << 24)) >>> 0;
  if (shift + size <= 32) {
    if (size === 32) return v;
    return ((v >>> shift) & (size === 31 ? 0x7fffffff : (1 << size) - 1)) >>> 0;
  }
  // The field spans a fifth byte.
  const extra = shift + size - 32;
  return (v >>> shift) + (u8[b + 4]! & ((1 << extra) - 1)) * POW2[32 - shift]!;
}

/** Reads `size` (1..32) bits at bit `p`, big-endian bit order. Unsigned result. */
export function readBe32(u8: Uint8Array, p: number, size: number): number {
  const b = p >>> 3;
  const shift = p & 7;
  const v = ((u8[b]! << 24) | (u8[b + 1]! << 16) | (u8[b + 2]! << 8) | u8[b + 3]!) >>> 0;
  if (shift + size <= 32) return size === 32 ? v : (v << shift) >>> (32 - size);
  // 40 bits: the four bytes and a fifth; keep `size` bits after `shift`.
  const total = v * 256 + u8[b + 4]!;
  return Math.floor(total / POW2[40 - shift - size]!) % POW2[size]!;
}

/** Reads 33..64 bits into r.hi/r.lo (little-endian bit order). */
export function readLe64(u8: Uint8Array, p: number, size: number, r: Regs): void {
  const lo = readLe32(u8, p, 32);
  const hi = readLe32(u8, p + 32, size - 32);
  r.hi = hi;
  r.lo = lo;
}

/** Reads 33..64 bits into r.hi/r.lo (big-endian bit order: the first bits are the high ones). */
export function readBe64(u8: Uint8Array, p: number, size: number, r: Regs): void {
  const hiBits = size - 32;
  r.hi = readBe32(u8, p, hiBits);
  r.lo = readBe32(u8, p + hiBits, 32);
}

/** Sign-extends a `size`-bit (1..32) unsigned value. */
export function signExtend32(v: number, size: number): number {
  if (size === 32) return v | 0;
  const half = 2 ** (size - 1);
  return v >= half ? v - 2 * half : v;
}

/** hi/lo of a 64-bit pattern whose low `size` bits were read: sign-extends into hi. */
export function signExtend64(r: Regs, size: number): void {
  if (size === 64) return;
  const hiBits = size - 32;
  const half = 2 ** (hiBits - 1);
  if (r.hi >= half) r.hi = (r.hi + (TWO32 - 2 * half)) % TWO32;
}

/** Exact value of a hi/lo pattern as a bigint. */
export function toBigU(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

export function toBigS(hi: number, lo: number): bigint {
  return BigInt.asIntN(64, toBigU(hi, lo));
}

// ---------------------------------------------------------------------------------------------
// Writing text

/** Writes a latin1 string (one byte per char). */
export function wstr(out: Uint8Array, o: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[o++] = s.charCodeAt(i);
  return o;
}

/**
 * "00".."99" as 16-bit values, the tens digit in the low byte: one load per pair of digits, two
 * byte stores (`p` stores the low byte, `p >>> 8` the high one).
 */
const PAIRS = (() => {
  const t = new Uint16Array(100);
  for (let i = 0; i < 100; i++) t[i] = (48 + Math.floor(i / 10)) | ((48 + (i % 10)) << 8);
  return t;
})();

/** 10^0 .. 10^9, for the digit count of a 32-bit value. */
const POW10 = new Uint32Array([1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]);

/**
 * Writes `v` (0..99999999) as exactly 8 digits: two independent halves of 4 digits, each split by a
 * multiplication ((x * 5243) >>> 19 is x / 100 for x < 43699).
 */
function w8(out: Uint8Array, o: number, v: number): void {
  v >>>= 0;
  const a = (v / 10000) >>> 0;
  const b = v - a * 10000;
  const a1 = (a * 5243) >>> 19;
  const b1 = (b * 5243) >>> 19;
  let p = PAIRS[a1]!;
  out[o] = p;
  out[o + 1] = p >>> 8;
  p = PAIRS[a - a1 * 100]!;
  out[o + 2] = p;
  out[o + 3] = p >>> 8;
  p = PAIRS[b1]!;
  out[o + 4] = p;
  out[o + 5] = p >>> 8;
  p = PAIRS[b - b1 * 100]!;
  out[o + 6] = p;
  out[o + 7] = p >>> 8;
}

/**
 * Writes q * 10^8 + r (1 <= q < 2^27, 0 <= r < 10^8) in decimal. The callers split their value
 * (below 2^53: v / 1e8 is exact once floored, its rounding error being below 1e-8, the distance
 * to the next integer), so that what they pass is small integers, not a double to box when this
 * is not inlined.
 */
function wqr(out: Uint8Array, o: number, q: number, r: number): number {
  o = wu32(out, o, q);
  w8(out, o, r);
  return o + 8;
}

/** Writes a non-negative safe integer in decimal. */
export function wudec(out: Uint8Array, o: number, v: number): number {
  if (v < 4294967296) return wu32(out, o, v);
  const q = Math.floor(v / 100000000);
  return wqr(out, o, q, v - q * 100000000);
}

/**
 * Writes `v` (0..2^32-1) in decimal: digits by pairs from the end, no call (small enough to be
 * inlined into the generated line writers; bench/view: integers are most of a line's fields).
 */
export function wu32(out: Uint8Array, o: number, v: number): number {
  // An unsigned 32-bit type for the compiler: the divisions by 100 become multiplications.
  v >>>= 0;
  if (v < 10) {
    out[o] = 48 + v;
    return o + 1;
  }
  // Digit count without a tree of branches: floor(log10(2^bits)), plus one from the next power of 10.
  const t = ((32 - Math.clz32(v)) * 1233) >>> 12;
  const end = o + t + (v >= POW10[t]! ? 1 : 0);
  let e = end;
  while (v >= 100) {
    const q = (v / 100) >>> 0;
    const p = PAIRS[v - q * 100]!;
    out[e - 1] = p >>> 8;
    out[e - 2] = p;
    e -= 2;
    v = q;
  }
  if (v >= 10) {
    const p = PAIRS[v]!;
    out[e - 1] = p >>> 8;
    out[e - 2] = p;
  } else out[e - 1] = 48 + v;
  return end;
}

/** Writes a signed 32-bit integer in decimal. */
export function ws32(out: Uint8Array, o: number, v: number): number {
  if (v < 0) {
    out[o++] = 45;
    v = -v;
  }
  return wu32(out, o, v);
}

/** Writes `v` (0..999999999) as exactly 9 digits. */
export function wnano(out: Uint8Array, o: number, v: number): number {
  v >>>= 0;
  const h = (v / 100000000) >>> 0;
  out[o] = 48 + h;
  w8(out, o + 1, v - h * 100000000);
  return o + 9;
}

/** Writes a safe integer (possibly negative) in decimal. */
export function wsdec(out: Uint8Array, o: number, v: number): number {
  if (v < 0) {
    out[o++] = 45;
    v = -v;
  }
  return wudec(out, o, v);
}

/** Writes an unsigned 64-bit hi/lo value in decimal (no bigint, no allocation). */
export function wudec64(out: Uint8Array, o: number, hi: number, lo: number): number {
  if (hi === 0) return wu32(out, o, lo);
  if (hi < 0x200000) {
    // Below 2^53: exact as a double.
    const v = hi * TWO32 + lo;
    const q = Math.floor(v / 100000000);
    return wqr(out, o, q, v - q * 100000000);
  }
  return wbig64(out, o, hi, lo);
}

/** Writes a signed 64-bit hi/lo (two's complement; both halves unsigned, as in Regs) value in decimal. */
export function wsdec64(out: Uint8Array, o: number, hi: number, lo: number): number {
  if (hi >= 0x80000000) {
    // Negative: '-' and the magnitude 2^64 - v, as hi/lo again (1..2^63).
    out[o++] = 45;
    if (lo === 0) hi = TWO32 - hi;
    else {
      hi = TWO32 - 1 - hi;
      lo = TWO32 - lo;
    }
  }
  return wudec64(out, o, hi, lo);
}

/**
 * Writes hi/lo (2^53 <= v < 2^64) in decimal: v / 1e8 by long division over hi and the two 16-bit
 * halves of lo (every partial dividend stays below 2^53, so each step is exact), then the quotient
 * (below 2^38) and the last 8 digits.
 */
function wbig64(out: Uint8Array, o: number, hi: number, lo: number): number {
  const qa = Math.floor(hi / 100000000);
  let x = (hi - qa * 100000000) * 65536 + (lo >>> 16);
  const qb = Math.floor(x / 100000000);
  x = (x - qb * 100000000) * 65536 + (lo & 0xffff);
  const qc = Math.floor(x / 100000000);
  o = wudec(out, o, qa * TWO32 + qb * 65536 + qc);
  w8(out, o, x - qc * 100000000);
  return o + 8;
}

const HEX = '0123456789ABCDEF';
const HEX_BYTES = Uint8Array.from(HEX, (c) => c.charCodeAt(0));

/** `0x` + uppercase hex of a value below 2^53 (already masked). */
export function whex(out: Uint8Array, o: number, v: number): number {
  out[o++] = 48;
  out[o++] = 120;
  if (v === 0) {
    out[o] = 48;
    return o + 1;
  }
  if (v < 4294967296) {
    // 32-bit: shifts instead of divisions (kernel addresses and flags, bench/view).
    const n = (35 - Math.clz32(v)) >>> 2;
    let e = o + n;
    while (e > o) {
      out[--e] = HEX_BYTES[v & 15]!;
      v >>>= 4;
    }
    return o + n;
  }
  let n = 0;
  let t = v;
  while (t > 0) {
    t = Math.floor(t / 16);
    n++;
  }
  let e = o + n - 1;
  while (v > 0) {
    const q = Math.floor(v / 16);
    out[e--] = HEX.charCodeAt(v - q * 16);
    v = q;
  }
  return o + n;
}

/** `0x` + uppercase hex of hi/lo. */
export function whex64(out: Uint8Array, o: number, hi: number, lo: number): number {
  if (hi === 0) return whex(out, o, lo);
  o = whex(out, o, hi);
  for (let sh = 28; sh >= 0; sh -= 4) out[o++] = HEX_BYTES[(lo >>> sh) & 15]!;
  return o;
}

/** `0` + octal of hi/lo. */
export function woct64(out: Uint8Array, o: number, hi: number, lo: number): number {
  out[o++] = 48;
  if (hi === 0 && lo === 0) {
    out[o] = 48;
    return o + 1;
  }
  return wstr(out, o, toBigU(hi, lo).toString(8));
}

/** `0b` + exactly `len` binary digits of the low `len` bits of hi/lo. */
export function wbin64(out: Uint8Array, o: number, hi: number, lo: number, len: number): number {
  out[o++] = 48;
  out[o++] = 98;
  for (let b = len - 1; b >= 0; b--) {
    const bit = b >= 32 ? (hi >>> (b - 32)) & 1 : (lo >>> b) & 1;
    out[o++] = 48 + bit;
  }
  return o;
}

/** Writes hi/lo masked to the low `bits` bits (bits may be 64). */
export function mask64(r: Regs, bits: number): void {
  if (bits >= 64) return;
  if (bits >= 32) {
    r.hi = r.hi % 2 ** (bits - 32);
  } else {
    r.hi = 0;
    r.lo = r.lo % 2 ** bits;
  }
}

// C's printf("%g"): 6 significant digits, exponent form below 1e-4 or from 1e6.

/** Exact decimal digits of a finite non-zero double: [digits, exponent] with value = 0.d1d2... * 10^exp. */
function exactDecimal(v: number): [string, number] {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, v);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const expBits = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (expBits === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = expBits - 1075;
  }
  // v = mant * 2^e2
  let digits: string;
  let exp10: number;
  if (e2 >= 0) {
    digits = (mant << BigInt(e2)).toString();
    exp10 = digits.length;
  } else {
    // mant * 5^-e2 / 10^-e2
    const scaled = mant * 5n ** BigInt(-e2);
    digits = scaled.toString();
    exp10 = digits.length + e2;
  }
  digits = digits.replace(/0+$/, '');
  return [digits, exp10];
}

/** Rounds a digit string to `n` significant digits, half to even (glibc's default). */
function roundDigits(digits: string, exp10: number, n: number): [string, number] {
  if (digits.length <= n) return [digits.padEnd(n, '0'), exp10];
  const head = digits.slice(0, n);
  const next = digits.charCodeAt(n) - 48;
  const rest = digits.slice(n + 1);
  let up = false;
  if (next > 5) up = true;
  else if (next === 5) {
    if (/[1-9]/.test(rest)) up = true;
    else up = (head.charCodeAt(n - 1) - 48) % 2 === 1;
  }
  if (!up) return [head, exp10];
  const inc = (BigInt(head) + 1n).toString();
  if (inc.length > n) return [inc.slice(0, n), exp10 + 1];
  return [inc.padStart(n, '0'), exp10];
}

/** printf("%g", v) for a double. */
export function formatG(v: number): string {
  if (Number.isNaN(v)) return nanSign(v);
  if (v === Number.POSITIVE_INFINITY) return 'inf';
  if (v === Number.NEGATIVE_INFINITY) return '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const neg = v < 0;
  const a = Math.abs(v);
  const [d0, e0] = exactDecimal(a);
  const [d, e] = roundDigits(d0, e0, 6);
  // Scientific exponent X: value = d1.d2... * 10^(e-1)
  const x = e - 1;
  let s: string;
  if (x < -4 || x >= 6) {
    let mant = d.slice(0, 1) + (d.length > 1 ? `.${d.slice(1)}` : '');
    mant = stripZeros(mant);
    const ex = Math.abs(x);
    s = `${mant}e${x < 0 ? '-' : '+'}${ex < 10 ? `0${ex}` : ex}`;
  } else if (x >= 0) {
    s = stripZeros(`${d.slice(0, x + 1)}.${d.slice(x + 1)}`);
  } else {
    s = stripZeros(`0.${'0'.repeat(-x - 1)}${d}`);
  }
  return neg ? `-${s}` : s;
}

function nanSign(v: number): string {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v);
  return b.getUint32(0) >>> 31 ? '-nan' : 'nan';
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  s = s.replace(/0+$/, '');
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

export function wfloat(out: Uint8Array, o: number, v: number): number {
  // Small integers are common (counters): skip the exact path.
  if (Number.isInteger(v) && Math.abs(v) < 100000 && !Object.is(v, -0)) return wsdec(out, o, v);
  return wstr(out, o, formatG(v));
}

const ESCAPES: (string | null)[] = (() => {
  const t: (string | null)[] = new Array(256).fill(null);
  for (let c = 0; c < 32; c++) t[c] = `\\x${c.toString(16).padStart(2, '0')}`;
  t[0] = '\\0';
  t[7] = '\\a';
  t[8] = '\\b';
  t[27] = '\\e';
  t[12] = '\\f';
  t[10] = '\\n';
  t[13] = '\\r';
  t[9] = '\\t';
  t[11] = '\\v';
  t[127] = '\\x7f';
  t[92] = '\\\\';
  t[39] = "\\'";
  t[34] = '\\"';
  t[63] = '\\?';
  return t;
})();

/** 1 for bytes babeltrace2 escapes in strings. */
export const NEEDS_ESCAPE = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = ESCAPES[c] ? 1 : 0;
  return t;
})();

/** Writes `"..."` with babeltrace2's escapes for bytes [start, end) of u8. */
export function wqstr(out: Uint8Array, o: number, u8: Uint8Array, start: number, end: number): number {
  out[o++] = 34;
  for (let i = start; i < end; i++) {
    const c = u8[i]!;
    if (NEEDS_ESCAPE[c] === 0) {
      out[o++] = c;
    } else {
      const e = ESCAPES[c]!;
      for (let k = 0; k < e.length; k++) out[o++] = e.charCodeAt(k);
    }
  }
  out[o++] = 34;
  return o;
}

/** Writes `"..."` with escapes for a latin1 JS string (enumeration labels). */
export function wqlabel(out: Uint8Array, o: number, s: string): number {
  out[o++] = 34;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    if (NEEDS_ESCAPE[c] === 0) out[o++] = c;
    else {
      const e = ESCAPES[c]!;
      for (let k = 0; k < e.length; k++) out[o++] = e.charCodeAt(k);
    }
  }
  out[o++] = 34;
  return o;
}

/** Bytes a quoted string of `n` raw bytes can take at most. */
export function maxQuotedBytes(n: number): number {
  return 4 * n + 2;
}

const f32buf = new Float32Array(1);
const u32ForF32 = new Uint32Array(f32buf.buffer);
const f64buf = new Float64Array(1);
const u32ForF64 = new Uint32Array(f64buf.buffer);
const LITTLE_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function bitsToF32(bits: number): number {
  u32ForF32[0] = bits;
  return f32buf[0]!;
}

export function bitsToF64(hi: number, lo: number): number {
  if (LITTLE_HOST) {
    u32ForF64[0] = lo;
    u32ForF64[1] = hi;
  } else {
    u32ForF64[0] = hi;
    u32ForF64[1] = lo;
  }
  return f64buf[0]!;
}
