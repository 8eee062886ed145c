/**
 * What generated serializers call: bit-level writes at positions known only at run time, UTF-8
 * encoding (allocation-free, NUL-checking), LEB128, bigint conversion, and the cold paths that
 * build error messages. Everything here is monomorphic and allocates nothing on success.
 */
import { CtfValueError } from './errors.js';

export { CtfValueError as CtfValueErrorCtor };

/** Statuses a serializer returns instead of a new position. */
export const SerializeStatus = {
  /** The record does not fit before `endBits`: nothing was written; switch packets and retry. */
  NoSpace: -1,
} as const;
export type SerializeStatus = (typeof SerializeStatus)[keyof typeof SerializeStatus];

/** Bits `[q, q + 8)` of the 64-bit value `hi:lo` (bits below 0 read as zeros). */
export function byteOfValue(lo: number, hi: number, q: number): number {
  if (q < 0) return (lo << -q) & 0xff;
  if (q < 32) {
    let v = lo >>> q;
    if (q > 24) v |= hi << (32 - q);
    return v & 0xff;
  }
  if (q >= 64) return 0;
  return (hi >>> (q - 32)) & 0xff;
}

/**
 * Writes the low `lengthBits` bits of `hi:lo` (already masked) at bit `pos`, little-endian bit
 * order (CTF: the least significant bit first, from the least significant bit of each byte).
 * Bits before `pos` in the first byte are kept; bits after the field in its last byte are cleared,
 * so a record is deterministic whatever the buffer held before.
 */
export function writeBitsLE(u8: Uint8Array, pos: number, lengthBits: number, lo: number, hi: number): void {
  const i = pos >>> 3;
  const s = pos & 7;
  const n = (s + lengthBits + 7) >>> 3;
  u8[i] = (u8[i]! & ((1 << s) - 1)) | byteOfValue(lo, hi, -s);
  for (let j = 1; j < n; j++) u8[i + j] = byteOfValue(lo, hi, 8 * j - s);
}

/** Same as writeBitsLE in big-endian bit order (the most significant bit first). */
export function writeBitsBE(u8: Uint8Array, pos: number, lengthBits: number, lo: number, hi: number): void {
  const i = pos >>> 3;
  const s = pos & 7;
  const n = (s + lengthBits + 7) >>> 3;
  const top = s + lengthBits - 8;
  u8[i] = (u8[i]! & ((0xff << (8 - s)) & 0xff)) | byteOfValue(lo, hi, top);
  for (let j = 1; j < n; j++) u8[i + j] = byteOfValue(lo, hi, top - 8 * j);
}

/** Zeroes `[fromByte, toByte)`: a failed write leaves nothing behind. */
export function zeroFill(u8: Uint8Array, fromByte: number, toByte: number): void {
  if (toByte > u8.length) toByte = u8.length;
  if (toByte > fromByte) u8.fill(0, fromByte, toByte);
}

/**
 * Encodes `s` as UTF-8 into `[p, endByte)` without a terminator. Returns the byte after it, -1
 * when it does not fit, -2 when `s` contains a NUL. Lone surrogates become U+FFFD, as
 * TextEncoder does. ASCII costs one compare and one store per character.
 */
export function encodeUtf8(u8: Uint8Array, p: number, endByte: number, s: string): number {
  const n = s.length;
  let i = 0;
  // Fast path (bench/ctf/writer.bench.ts, string event): ASCII with one bounds check for the
  // whole string; `(c - 1) >>> 0 >= 0x7f` catches both NUL and non-ASCII in one compare.
  if (p + n <= endByte) {
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if ((c - 1) >>> 0 >= 0x7f) break;
      u8[p + i] = c;
    }
    if (i === n) return p + n;
    p += i;
  }
  for (; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0) return -2;
      if (p >= endByte) return -1;
      u8[p++] = c;
      continue;
    }
    if (c < 0x800) {
      if (p + 2 > endByte) return -1;
      u8[p++] = 0xc0 | (c >> 6);
      u8[p++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        if (p + 4 > endByte) return -1;
        u8[p++] = 0xf0 | (cp >> 18);
        u8[p++] = 0x80 | ((cp >> 12) & 0x3f);
        u8[p++] = 0x80 | ((cp >> 6) & 0x3f);
        u8[p++] = 0x80 | (cp & 0x3f);
        i++;
        continue;
      }
      c = 0xfffd;
    }
    if (p + 3 > endByte) return -1;
    u8[p++] = 0xe0 | (c >> 12);
    u8[p++] = 0x80 | ((c >> 6) & 0x3f);
    u8[p++] = 0x80 | (c & 0x3f);
  }
  return p;
}

/** `s` as UTF-8 then a NUL (CTF null-terminated string). Returns the byte after the NUL, -1, or -2. */
export function writeCString(u8: Uint8Array, p: number, endByte: number, s: string): number {
  p = encodeUtf8(u8, p, endByte, s);
  if (p < 0) return p;
  if (p >= endByte) return -1;
  u8[p] = 0;
  return p + 1;
}

/** UTF-8 length of `s` in bytes, or -1 when it contains a NUL. */
export function utf8Length(s: string): number {
  const n = s.length;
  let len = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0) return -1;
      len += 1;
    } else if (c < 0x800) len += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        len += 4;
        i++;
      } else len += 3;
    } else len += 3;
  }
  return len;
}

/** Encodes `s` (no NUL inside, checked by utf8Length) at `p`; the caller checked the room. */
export function writeUtf8(u8: Uint8Array, p: number, s: string): number {
  return encodeUtf8(u8, p, 0x7fffffff, s);
}

/**
 * Writes `s` into exactly `lengthBytes` bytes at `p`, padded with NULs (CTF static-length string).
 * Returns 0, -2 when `s` contains a NUL, -3 when its UTF-8 form is longer than the field.
 */
export function writeFixedString(u8: Uint8Array, p: number, lengthBytes: number, s: string): number {
  const end = p + lengthBytes;
  const r = encodeUtf8(u8, p, end, s);
  if (r === -2) return -2;
  if (r === -1) return -3;
  if (r < end) u8.fill(0, r, end);
  return 0;
}

const TWO32 = 4294967296;

/**
 * Converts a bigint (or a number outside the fast path) to the low/high 32-bit words of a
 * `lengthBits`-bit two's complement field, after checking its range. Stores into `out` and
 * returns true, or returns false when the value is not an integer that fits.
 */
export function integerToWords(x: unknown, lengthBits: number, signed: boolean, out: Uint32Array): boolean {
  let v: bigint;
  if (typeof x === 'bigint') v = x;
  else if (typeof x === 'number' && Number.isInteger(x)) v = BigInt(x);
  else if (typeof x === 'boolean') v = x ? 1n : 0n;
  else return false;
  const n = BigInt(lengthBits);
  if (signed) {
    if (v < -(1n << (n - 1n)) || v >= 1n << (n - 1n)) return false;
  } else if (v < 0n || v >= 1n << n) return false;
  const u = BigInt.asUintN(lengthBits, v);
  out[0] = Number(u & 0xffffffffn);
  out[1] = Number(u >> 32n);
  return true;
}

/** Unsigned LEB128 of a non-negative integer (number or bigint) into `[p, endByte)`; -1 no room, -2 bad value. */
export function writeUleb128(u8: Uint8Array, p: number, endByte: number, x: unknown): number {
  let v: bigint;
  if (typeof x === 'number') {
    if (!Number.isInteger(x) || x < 0 || x >= 2 ** 64) return -2;
    if (x < 0x80) {
      if (p >= endByte) return -1;
      u8[p] = x;
      return p + 1;
    }
    v = BigInt(x);
  } else if (typeof x === 'bigint') {
    if (x < 0n || x >= 1n << 64n) return -2;
    v = x;
  } else return -2;
  do {
    if (p >= endByte) return -1;
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    u8[p++] = byte;
  } while (v !== 0n);
  return p;
}

/** Signed LEB128 (64-bit range); -1 no room, -2 bad value. */
export function writeSleb128(u8: Uint8Array, p: number, endByte: number, x: unknown): number {
  let v: bigint;
  if (typeof x === 'number') {
    if (!Number.isInteger(x) || x < -(2 ** 63) || x >= 2 ** 63) return -2;
    v = BigInt(x);
  } else if (typeof x === 'bigint') {
    if (x < -(1n << 63n) || x >= 1n << 63n) return -2;
    v = x;
  } else return -2;
  for (;;) {
    if (p >= endByte) return -1;
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    u8[p++] = done ? byte : byte | 0x80;
    if (done) return p;
  }
}

// ---------------------------------------------------------------------------------------------
// Cold paths: messages. They name the event record class and the field path, say what the value
// is and what the field class allows.

export function describeValue(x: unknown): string {
  switch (typeof x) {
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(x);
    case 'string': {
      const s = x.length > 40 ? `${x.slice(0, 40)}...` : x;
      return `the string ${JSON.stringify(s)}`;
    }
    case 'undefined':
      return 'undefined (no value given)';
    case 'object':
      if (x === null) return 'null';
      if (Array.isArray(x)) return `an array of ${x.length} elements`;
      if (ArrayBuffer.isView(x)) return `a ${x.constructor.name} of ${(x as Uint8Array).length} elements`;
      return 'an object';
    default:
      return `a ${typeof x}`;
  }
}

export function integerTypeName(lengthBits: number, signed: boolean): string {
  return `${signed ? 'i' : 'u'}${lengthBits}`;
}

function where(erc: string, path: string): string {
  return `${erc}: field "${path}"`;
}

export function integerMessage(erc: string, path: string, x: unknown, typeName: string): string {
  if (typeof x === 'number' && !Number.isInteger(x))
    return `${where(erc, path)}: ${x} is not an integer (${typeName})`;
  if (typeof x === 'number' || typeof x === 'bigint')
    return `${where(erc, path)}: ${x} is out of range for ${typeName}`;
  return `${where(erc, path)}: expected an integer (${typeName}), got ${describeValue(x)}`;
}

export function valueMessage(erc: string, path: string, expected: string, x: unknown): string {
  return `${where(erc, path)}: expected ${expected}, got ${describeValue(x)}`;
}

export function stringMessage(erc: string, path: string, x: string, status: number, lengthBytes = 0): string {
  if (status === -2 || status === -1 /* utf8Length's NUL */) {
    return `${where(erc, path)}: ${describeValue(x)} contains a NUL character (at index ${x.indexOf('\0')}), which a CTF string cannot hold`;
  }
  return `${where(erc, path)}: ${describeValue(x)} takes ${utf8Length(x)} bytes in UTF-8, more than the ${lengthBytes} bytes of this field`;
}

export function labelMessage(
  erc: string,
  path: string,
  x: string,
  labels: ReadonlyMap<string, unknown>,
): string {
  return `${where(erc, path)}: ${JSON.stringify(x)} is not a label of this enumeration (labels: ${[...labels.keys()].map((l) => JSON.stringify(l)).join(', ')})`;
}

export function lengthMessage(
  erc: string,
  path: string,
  count: number,
  unit: string,
  lengthPath: string,
  typeName: string,
  max: string,
): string {
  return `${where(erc, path)}: ${count} ${unit} do not fit in its length field "${lengthPath}" (${typeName}: at most ${max})`;
}

export function lengthMismatchMessage(
  erc: string,
  path: string,
  count: number,
  lengthPath: string,
  written: number,
): string {
  return `${where(erc, path)}: has ${count} elements, but its length field "${lengthPath}" (shared with another field) holds ${written}`;
}

export function selectorMessage(erc: string, path: string, selectorPath: string, s: unknown): string {
  return `${where(erc, path)}: the selector "${selectorPath}" = ${describeValue(s)} selects no option of this variant`;
}

export function optionalMessage(erc: string, path: string): string {
  return `${where(erc, path)}: its selector says the optional field is present, but no value was given`;
}

export function arrayMessage(erc: string, path: string, expectedLength: number, x: unknown): string {
  return `${where(erc, path)}: expected an array of ${expectedLength} elements, got ${describeValue(x)}`;
}

/** Zeroes what a failed write touched and returns the error to throw. */
export function failure(u8: Uint8Array, fromByte: number, toByte: number, message: string): CtfValueError {
  zeroFill(u8, fromByte, toByte);
  return new CtfValueError(message);
}

/** Scratch views for float <-> bits conversions (shared: serializers are synchronous). */
export const floatScratch = (() => {
  const buf = new ArrayBuffer(8);
  const f64 = new Float64Array(buf);
  const f32 = new Float32Array(buf);
  const u32 = new Uint32Array(buf);
  // Index of the low word of a float64 in u32 (platform byte order).
  f64[0] = 1;
  const loIndex = u32[0] === 0 ? 0 : 1;
  return { f64, f32, u32, loIndex, hiIndex: 1 - loIndex };
})();

export const TWO_POW_32 = TWO32;
