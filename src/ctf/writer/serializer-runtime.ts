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

/**
 * `s` as UTF-8 then a NUL (CTF null-terminated string). Returns the byte after the NUL, -1, or -2.
 * Small enough for V8 to inline into a generated serializer: ASCII strings that fit are copied
 * here, anything else (room to check per character, non-ASCII, a NUL) by writeCStringSlow
 * (bench/node/tracepoint.bench.ts, "int64 + 16-char string").
 */
export function writeCString(u8: Uint8Array, p: number, endByte: number, s: string): number {
  const n = s.length;
  if (p + n < endByte) {
    let i = 0;
    // `(c - 1) >>> 0 >= 0x7f` catches both NUL and non-ASCII in one compare.
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if ((c - 1) >>> 0 >= 0x7f) break;
      u8[p + i] = c;
    }
    if (i === n) {
      u8[p + n] = 0;
      return p + n + 1;
    }
  }
  return writeCStringSlow(u8, p, endByte, s);
}

/** Bytes a CStringCache holds at most (longer strings are encoded each time). */
export const CSTRING_CACHE_BYTES = 64;

/**
 * The last string a null-terminated string field wrote, and its bytes (NUL included) once it was
 * written twice in a row: one per string field of a generated serializer. Writing the same string
 * again copies 32-bit words, a fraction of encoding it again, as charCodeAt checks the string's
 * representation at each character (bench/node/tracepoint.bench.ts, "int64 + 16-char string":
 * ~45 ns less per event; bench/ctf/writer.bench.ts, "string"). Bytes are kept from the second
 * write on, so a field whose string changes at each event pays one comparison and one store.
 */
export class CStringCache {
  s: string | null = null;
  /** Bytes in `words`; 0 while `s` was written once only. */
  sizeBytes = 0;
  readonly words = new Int32Array(CSTRING_CACHE_BYTES / 4);
  readonly bytes = new Uint8Array(this.words.buffer);
}

/**
 * writeCString through a field's cache: the same string as last time is copied from the cache.
 * `u8` and `dv` view the same bytes from the same offset. Same results as writeCString.
 */
export function writeCStringCached(
  u8: Uint8Array,
  dv: DataView,
  p: number,
  endByte: number,
  s: string,
  c: CStringCache,
): number {
  const n = c.sizeBytes;
  // Only the copy is here: small enough to be inlined with the serializer (the other cases are
  // a call, see bench/node/tracepoint.bench.ts "int64 + string, 1024 different ones").
  if (s !== c.s || n === 0) return writeCStringMiss(u8, dv, p, endByte, s, c);
  if (p + n > endByte) return SerializeStatus.NoSpace;
  const w = c.words;
  let k = 0;
  for (; k + 4 <= n; k += 4) dv.setInt32(p + k, w[k >> 2]!, true);
  const b = c.bytes;
  for (; k < n; k++) u8[p + k] = b[k]!;
  return p + n;
}

/** writeCStringCached for a string other than the cache's, or seen once only. */
function writeCStringMiss(
  u8: Uint8Array,
  dv: DataView,
  p: number,
  endByte: number,
  s: string,
  c: CStringCache,
): number {
  if (s !== c.s) {
    c.s = s;
    c.sizeBytes = 0;
    return writeCString(u8, p, endByte, s);
  }
  const r = writeCString(u8, p, endByte, s);
  if (r >= 0 && r - p <= CSTRING_CACHE_BYTES) fillCStringCache(u8, dv, p, r, c);
  return r;
}

function fillCStringCache(u8: Uint8Array, dv: DataView, p: number, r: number, c: CStringCache): void {
  const n = r - p;
  const w = c.words;
  let k = 0;
  for (; k + 4 <= n; k += 4) w[k >> 2] = dv.getInt32(p + k, true);
  const b = c.bytes;
  for (; k < n; k++) b[k] = u8[p + k]!;
  c.sizeBytes = n;
}

/** writeCString for any string, room checked per character. */
export function writeCStringSlow(u8: Uint8Array, p: number, endByte: number, s: string): number {
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
  // ASCII that fits: copied and padded here, small enough to be inlined (as writeCString).
  const n = s.length;
  if (n <= lengthBytes) {
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if ((c - 1) >>> 0 >= 0x7f) break;
      u8[p + i] = c;
    }
    if (i === n) {
      for (; i < lengthBytes; i++) u8[p + i] = 0;
      return 0;
    }
  }
  return writeFixedStringSlow(u8, p, lengthBytes, s);
}

/** writeFixedString for any string. */
export function writeFixedStringSlow(u8: Uint8Array, p: number, lengthBytes: number, s: string): number {
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
  const p0 = p;
  do {
    // No room: the bytes written so far are zeroed, as for any failed write.
    if (p >= endByte) return noRoom(u8, p0, p);
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    u8[p++] = byte;
  } while (v !== 0n);
  return p;
}

function noRoom(u8: Uint8Array, from: number, to: number): number {
  if (to > from) u8.fill(0, from, to);
  return SerializeStatus.NoSpace;
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
  const p0 = p;
  for (;;) {
    if (p >= endByte) return noRoom(u8, p0, p);
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

// ---------------------------------------------------------------------------------------------
// Cold paths of generated serializers. The generated code of a field handles the common values
// in a few operations (a number that fits, an ASCII string); anything else (bigints, numbers
// beyond 32 bits, labels, values that do not fit) is one call here, which converts the value or
// zeroes what the record touched and throws. This keeps a serializer under V8's inlining limit,
// so it is inlined into the tracepoint that calls it (bench/node/tracepoint.bench.ts).

/** What a cold path knows about one field, built once by the serializer compiler. */
export interface ColdField {
  /** Event record class name, for messages. */
  readonly erc: string;
  /** The field's path for messages (fields in arrays pass theirs at run time). */
  readonly path: string;
  /** Bits from the generated code's `b` to the field: a failure zeroes the record up to there. */
  readonly offBits: number;
  readonly lengthBits: number;
  readonly signed: boolean;
  /** Range of the field, [min, maxP1), for numbers (converted without bigints). */
  readonly min: number;
  readonly maxP1: number;
  /** Masks of the low word (fields up to 32 bits) and of the high word (wider ones). */
  readonly loMask: number;
  readonly hiMask: number;
  /** Enumeration labels (label -> value), or null. */
  readonly labels: ReadonlyMap<string, number | bigint> | null;
  /** Message for a value that does not fit (length fields), or null for the integer message. */
  readonly message: ((x: unknown, path: string) => string) | null;
  /** Static-length strings: bytes of the field. */
  readonly lengthBytes: number;
  /** integerRunCold: the field's byte order (it starts at `offBits`, on a byte). */
  readonly le: boolean;
}

/** Low and high words of the last integer converted by integerCold (serializers are synchronous). */
export const intScratch = new Uint32Array(2);

/**
 * An integer the fast path did not take: a label, a bigint, a boolean, a number beyond 32 bits,
 * or a bad value. Returns the low 32 bits (the high ones are in `intScratch[1]`), or throws a
 * CtfValueError after zeroing the bytes the record touched, `[s0, field)`.
 */
export function integerCold(
  x: unknown,
  u8: Uint8Array,
  s0: number,
  b: number,
  d: ColdField,
  path: string = d.path,
): number {
  let v = x;
  if (typeof v === 'string' && d.labels !== null) {
    const y = d.labels.get(v);
    if (y === undefined) {
      throw failure(u8, s0, (b + d.offBits + 7) >>> 3, labelMessage(d.erc, path, v, d.labels));
    }
    v = y;
  }
  if (typeof v === 'number' && v % 1 === 0 && v >= d.min && v < d.maxP1) {
    // In range, without bigints (labels' values, numbers beyond 32 bits): v is an integer below
    // 2^64 in magnitude, so `v / 2^32` floors exactly and `v >>> 0` is its low word.
    if (d.lengthBits <= 32) {
      intScratch[1] = 0;
      return (v & d.loMask) >>> 0;
    }
    const hi = Math.floor(v / TWO32);
    intScratch[1] = d.signed ? hi & d.hiMask : hi;
    return v >>> 0;
  }
  if (integerToWords(v, d.lengthBits, d.signed, intScratch)) return intScratch[0]!;
  throw failure(
    u8,
    s0,
    (b + d.offBits + 7) >>> 3,
    d.message !== null
      ? d.message(v, path)
      : integerMessage(d.erc, path, v, integerTypeName(d.lengthBits, d.signed)),
  );
}

/**
 * A run of whole-byte integer members (see the compiler's integerRun) whose values are not all
 * numbers that fit in 32 bits: converts and writes each member in order as integerCold does, or
 * throws for the first one that does not fit, after zeroing what the record touched. `xs` are the
 * members' values, `ds` their descriptions (`offBits`: where each starts, from `b`, on a byte).
 */
export function integerRunCold(
  u8: Uint8Array,
  s0: number,
  b: number,
  ds: readonly ColdField[],
  ...xs: unknown[]
): void {
  for (let k = 0; k < ds.length; k++) {
    const d = ds[k]!;
    const lo = integerCold(xs[k], u8, s0, b, d);
    const hi = intScratch[1]!;
    const n = d.lengthBits >>> 3;
    const at = (b + d.offBits) >>> 3;
    for (let j = 0; j < n; j++) {
      const v = j < 4 ? (lo >>> (8 * j)) & 0xff : (hi >>> (8 * (j - 4))) & 0xff;
      u8[at + (d.le ? j : n - 1 - j)] = v;
    }
  }
}

/** What lttngLargeHeaderLE/BE need to know about a class, built once by the compiler. */
export interface LttngLargeHeaderInfo {
  /** The event record class id (below 65535). */
  readonly id: number;
  /** Bits the record needs from its start with an extended (resp. compact) header, checked first. */
  readonly extendedNeedBits: number;
  readonly compactNeedBits: number;
}

/**
 * LTTng's large event header, byte-aligned, little-endian (lttng-ust's layout on x86), for a
 * class whose id fits in 16 bits: compact (id u16, timestamp u32) unless the timestamp's high
 * word changed since the previous record of the buffer or a packet begins (`st`, see TsState),
 * then extended (0xFFFF, id u32, timestamp u64). Shared by the generated serializers instead of
 * two branches of generated stores each, so that they stay small enough to be inlined
 * (bench/node/tracepoint.bench.ts). Returns the bit position after the header, or -1 (nothing
 * written) when the record's first `extendedNeedBits`/`compactNeedBits` bits do not fit.
 */
export function lttngLargeHeaderLE(
  dv: DataView,
  b: number,
  end: number,
  st: Uint32Array,
  tsHi: number,
  tsLo: number,
  h: LttngLargeHeaderInfo,
): number {
  const p = b >>> 3;
  if (st[2] !== 0 || tsHi !== st[0]) {
    if (b + h.extendedNeedBits > end) return SerializeStatus.NoSpace;
    dv.setUint16(p, 0xffff, true);
    dv.setUint32(p + 2, h.id, true);
    dv.setUint32(p + 6, tsLo, true);
    dv.setUint32(p + 10, tsHi, true);
    return b + 112;
  }
  if (b + h.compactNeedBits > end) return SerializeStatus.NoSpace;
  dv.setUint16(p, h.id, true);
  dv.setUint32(p + 2, tsLo, true);
  return b + 48;
}

/** lttngLargeHeaderLE for big-endian traces. */
export function lttngLargeHeaderBE(
  dv: DataView,
  b: number,
  end: number,
  st: Uint32Array,
  tsHi: number,
  tsLo: number,
  h: LttngLargeHeaderInfo,
): number {
  const p = b >>> 3;
  if (st[2] !== 0 || tsHi !== st[0]) {
    if (b + h.extendedNeedBits > end) return SerializeStatus.NoSpace;
    dv.setUint16(p, 0xffff);
    dv.setUint32(p + 2, h.id);
    dv.setUint32(p + 6, tsHi);
    dv.setUint32(p + 10, tsLo);
    return b + 112;
  }
  if (b + h.compactNeedBits > end) return SerializeStatus.NoSpace;
  dv.setUint16(p, h.id);
  dv.setUint32(p + 2, tsLo);
  return b + 48;
}

/** A floating point value that is not a number: a bigint (converted) or an error. */
export function floatCold(
  x: unknown,
  u8: Uint8Array,
  s0: number,
  b: number,
  d: ColdField,
  path: string = d.path,
): number {
  if (typeof x === 'bigint') return Number(x);
  throw failure(u8, s0, (b + d.offBits + 7) >>> 3, valueMessage(d.erc, path, 'a number', x));
}

/**
 * A null-terminated string that writeCString did not write (`r` < 0) or that is not a string
 * (`r` = -3): zeroes what the record touched and returns NoSpace (-1), or throws.
 */
export function cStringCold(
  r: number,
  x: unknown,
  u8: Uint8Array,
  s0: number,
  p: number,
  end: number,
  d: ColdField,
  path: string = d.path,
): number {
  if (r === -3) throw failure(u8, s0, p, valueMessage(d.erc, path, 'a string', x));
  const s = x as string;
  const touched = Math.min(end >>> 3, p + 3 * s.length + 1);
  if (r === SerializeStatus.NoSpace) {
    zeroFill(u8, s0, touched);
    return SerializeStatus.NoSpace;
  }
  throw failure(u8, s0, touched, stringMessage(d.erc, path, s, r));
}

/** A static-length string writeFixedString refused (`r`), or not a string (`r` = -4): throws. */
export function fixedStringCold(
  r: number,
  x: unknown,
  u8: Uint8Array,
  s0: number,
  p: number,
  d: ColdField,
  path: string = d.path,
): never {
  if (r === -4) throw failure(u8, s0, p, valueMessage(d.erc, path, 'a string', x));
  throw failure(u8, s0, p + d.lengthBytes, stringMessage(d.erc, path, x as string, r, d.lengthBytes));
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
