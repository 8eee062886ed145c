/**
 * LTTng's runtime string semantics (lttng-ust `lttng-bytecode-interpreter.c` stack_strcmp and
 * `strutils_star_glob_match`), shared by the interpreter and compiled filters.
 *
 * A string value is a JS string (UTF-16 units) or bytes (`Uint8Array` or an array of byte numbers:
 * text arrays and sequences read from raw records). Either way it ends at its length or at its
 * first NUL, like the C strings LTTng compares. Literals come in both forms; the one matching the
 * other operand is used, so no conversion happens per event. Equality and globbing give the same
 * answer on units and on UTF-8 bytes; ordering is decided on UTF-8 bytes as signed chars (x86
 * `char`), which only matters, and only costs an encoding, past ASCII.
 */

export type StrValue = string | ArrayLike<number>;

/** A string literal from the bytecode, in both representations. */
export interface StrLiteral {
  readonly text: string;
  readonly bytes: Uint8Array;
}

const encoder = new TextEncoder();

export function isStrValue(v: unknown): v is StrValue {
  if (typeof v === 'string' || v instanceof Uint8Array) return true;
  return Array.isArray(v);
}

function toBytes(v: StrValue): ArrayLike<number> {
  return typeof v === 'string' ? encoder.encode(v) : v;
}

/** Code unit (string) or byte at i, or 0 at the end: the C string terminator. */
function at(v: StrValue, i: number): number {
  if (i >= v.length) return 0;
  if (typeof v === 'string') return v.charCodeAt(i);
  return (v as ArrayLike<number>)[i]! & 0xff;
}

const BACKSLASH = 0x5c;
const STAR = 0x2a;

/**
 * stack_strcmp: compares `a` (bx) and `b` (ax); a side whose `isPlain` is true is a plain string
 * literal: `\\` and `\*` are escapes and an unescaped `*` matches the rest (legacy "prefix*").
 * Returns <0, 0 or >0 like strcmp.
 */
export function lttngStrcmp(a: StrValue, aIsPlain: boolean, b: StrValue, bIsPlain: boolean): number {
  const isAStr = typeof a === 'string';
  const isBStr = typeof b === 'string';
  // Mixed representations (a string field against a byte field): compare bytes.
  if (isAStr !== isBStr) return strcmpCore(toBytes(a), aIsPlain, toBytes(b), bIsPlain, true);
  return strcmpCore(a, aIsPlain, b, bIsPlain, !isAStr);
}

function strcmpCore(
  a: StrValue,
  aIsPlain: boolean,
  b: StrValue,
  bIsPlain: boolean,
  isBytes: boolean,
): number {
  let p = 0;
  let q = 0;
  for (;;) {
    let escapedR0 = false;
    let cp = at(a, p);
    let cq = at(b, q);
    if (cp === 0) {
      if (cq === 0) return 0;
      if (bIsPlain && cq === STAR) return 0;
      return -1;
    }
    if (cq === 0) {
      if (aIsPlain && cp === STAR) return 0;
      return 1;
    }
    if (aIsPlain) {
      if (cp === BACKSLASH) {
        p++;
        cp = at(a, p);
        if (cp !== BACKSLASH && cp !== STAR) escapedR0 = true;
      } else if (cp === STAR) {
        return 0;
      }
    }
    if (bIsPlain) {
      if (cq === BACKSLASH) {
        q++;
        cq = at(b, q);
        if (cq !== BACKSLASH && cq !== STAR) {
          if (!escapedR0) return -1;
        } else if (escapedR0) {
          return 1;
        }
      } else if (cq === STAR) {
        return 0;
      } else if (escapedR0) {
        return 1;
      }
    } else if (escapedR0) {
      return 1;
    }
    if (cp !== cq) {
      if (!isBytes && (cp >= 0x80 || cq >= 0x80)) {
        // Past ASCII the order of UTF-16 units differs from that of UTF-8 signed chars.
        return strcmpCore(toBytes(a as string), aIsPlain, toBytes(b as string), bIsPlain, true);
      }
      if (isBytes) return ((cp << 24) >> 24) - ((cq << 24) >> 24);
      return cp - cq;
    }
    p++;
    q++;
  }
}

/**
 * strutils_star_glob_match: `pattern` (a globbing literal: `*` matches any run, `\x` is `x`)
 * against `candidate`, taken as is (no escapes). Both end at their length or first NUL.
 */
export function starGlobMatch(pattern: StrValue, candidate: StrValue): boolean {
  if (typeof pattern === 'string' && typeof candidate === 'string')
    return starGlobMatchString(pattern, candidate);
  if ((typeof pattern === 'string') !== (typeof candidate === 'string')) {
    pattern = toBytes(pattern);
    candidate = toBytes(candidate);
  }
  let retryC = 0;
  let retryP = 0;
  let gotStar = false;
  for (;;) {
    let c = retryC;
    let p = retryP;
    let isRetry = false;
    while (at(candidate, c) !== 0) {
      const pc = at(pattern, p);
      if (pc === 0) {
        if (!gotStar) return false;
        retryC++;
        isRetry = true;
        break;
      }
      if (pc === STAR) {
        gotStar = true;
        retryC = c;
        retryP = p + 1;
        if (at(pattern, retryP) === 0) return true;
        isRetry = true;
        break;
      }
      let ec = pc;
      if (pc === BACKSLASH) {
        p++;
        ec = at(pattern, p);
      }
      if (ec === 0 || at(candidate, c) !== ec) {
        if (!gotStar) return false;
        retryC++;
        isRetry = true;
        break;
      }
      c++;
      p++;
    }
    if (isRetry) continue;
    // Every candidate character matched: only a final star may remain in the pattern.
    if (at(pattern, p) === 0) return true;
    return at(pattern, p) === STAR && at(pattern, p + 1) === 0;
  }
}

/**
 * starGlobMatch on two JS strings, without the representation dispatch of at() per character
 * (bench/filter: the glob filter is the slowest of the three measured).
 */
function starGlobMatchString(pattern: string, candidate: string): boolean {
  const plen = pattern.length;
  const clen = candidate.length;
  let retryC = 0;
  let retryP = 0;
  let gotStar = false;
  for (;;) {
    let c = retryC;
    let p = retryP;
    let isRetry = false;
    for (;;) {
      const cc = c < clen ? candidate.charCodeAt(c) : 0;
      if (cc === 0) break;
      let pc = p < plen ? pattern.charCodeAt(p) : 0;
      if (pc === STAR) {
        gotStar = true;
        retryC = c;
        retryP = p + 1;
        if (retryP >= plen || pattern.charCodeAt(retryP) === 0) return true;
        isRetry = true;
        break;
      }
      if (pc === BACKSLASH) {
        p++;
        pc = p < plen ? pattern.charCodeAt(p) : 0;
      }
      if (pc === 0 || cc !== pc) {
        if (!gotStar) return false;
        retryC++;
        isRetry = true;
        break;
      }
      c++;
      p++;
    }
    if (isRetry) continue;
    const pc = p < plen ? pattern.charCodeAt(p) : 0;
    if (pc === 0) return true;
    return pc === STAR && (p + 1 >= plen || pattern.charCodeAt(p + 1) === 0);
  }
}

/**
 * A matcher specialized to one pattern, for compiled filters: the pattern is cut once into its
 * literal segments, and a string candidate is matched with startsWith/indexOf/endsWith (leftmost
 * segment search decides a star-only glob exactly as the backtracking matcher does). Byte
 * candidates, and patterns ending in a lone backslash, use starGlobMatch.
 */
export function compileStarGlob(pattern: StrLiteral): (candidate: StrValue) => boolean {
  const text = pattern.text;
  const segs: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\') {
      if (i + 1 >= text.length) return (c) => starGlobMatch(typeof c === 'string' ? text : pattern.bytes, c);
      cur += text[++i];
    } else if (ch === '*') {
      segs.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  segs.push(cur);
  const first = segs[0]!;
  const last = segs[segs.length - 1]!;
  const mids = segs.slice(1, -1).filter((m) => m.length > 0);
  const isExact = segs.length === 1;
  const minLen = isExact ? first.length : first.length + last.length;
  return (c: StrValue): boolean => {
    if (typeof c !== 'string') return starGlobMatch(pattern.bytes, c);
    const z = c.indexOf('\0');
    const n = z < 0 ? c.length : z;
    if (isExact) return n === first.length && c.startsWith(first);
    if (n < minLen || !c.startsWith(first) || !c.endsWith(last, n)) return false;
    let pos = first.length;
    const end = n - last.length;
    for (let k = 0; k < mids.length; k++) {
      const m = mids[k]!;
      const at = c.indexOf(m, pos);
      if (at < 0 || at + m.length > end) return false;
      pos = at + m.length;
    }
    return true;
  };
}
