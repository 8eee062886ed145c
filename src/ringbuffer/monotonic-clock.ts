/**
 * The trace clock as a pair of 32-bit words. The tracer reads CLOCK_MONOTONIC with
 * `process.hrtime.bigint()` (uv_hrtime: `clock_gettime(CLOCK_MONOTONIC)`, exact nanoseconds), the
 * cheapest exact clock call Node offers: bench/node/clock.bench.ts measured ~47 ns per read this
 * way against ~72 ns for `performance.now()` (a double in ms, which also needs a calibrated base
 * and a rounding), ~66 ns for `process.hrtime()`, ~112 ns with bigint arithmetic. The bigint is never
 * used in arithmetic: it is stored into a BigUint64Array and read back as two Uint32 words
 * (`lo`, `hi`), which V8 does without allocating. Generated tracepoint code inlines the same
 * three operations on the clock's `s64`/`s32` views, so slow path and fast path agree.
 *
 * The ring buffer stays pure (no node:* import): the nanosecond reader is passed in.
 */

export const TWO_POW_32 = 4294967296;

/** Something returning nanoseconds as a bigint: `process.hrtime.bigint` in practice. */
export type NanosecondClock = () => bigint;

/** Something returning milliseconds as a double, `performance.now` in practice. */
export type MillisecondClock = () => number;

const probe = new BigUint64Array(1);
probe[0] = 1n;
/** Index of the low (resp. high) 32-bit word of a 64-bit value in a Uint32Array (platform order). */
export const CLOCK_LO_WORD = new Uint32Array(probe.buffer)[0] === 1 ? 0 : 1;
export const CLOCK_HI_WORD = 1 - CLOCK_LO_WORD;

export class MonotonicClock {
  /** Low and high 32 bits of the last sample, in ns (unsigned). */
  lo = 0;
  hi = 0;
  /** Scratch the reader's value is stored into, as one u64 ... */
  readonly s64 = new BigUint64Array(1);
  /** ... and read back from as two u32 words (CLOCK_LO_WORD, CLOCK_HI_WORD). */
  readonly s32 = new Uint32Array(this.s64.buffer);

  constructor(readonly readNs: NanosecondClock) {}

  /** Samples the clock into `lo`/`hi`. */
  sample(): void {
    this.s64[0] = this.readNs();
    this.lo = this.s32[CLOCK_LO_WORD]!;
    this.hi = this.s32[CLOCK_HI_WORD]!;
  }

  /** Samples and returns the value as a bigint (tests, metadata; never on a hot path). */
  nowBigInt(): bigint {
    this.sample();
    return this.s64[0]!;
  }
}

/**
 * Calibrates `base` for a millisecond clock against a nanosecond reference clock: the reference
 * value at `nowMs() === 0`. The tracer uses it to place `performance` entries (GC, whose times
 * are `performance.now()` values) on CLOCK_MONOTONIC. Each sample brackets one `nowMs()` call
 * between two reference reads, which bounds `base` to an interval; the intersection of many
 * intervals is far narrower than one call. Returns the midpoint of the intersection, in ns.
 */
export function calibrateBase(nowMs: MillisecondClock, referenceNs: () => bigint, samples = 200): bigint {
  let low = -(1n << 62n);
  let high = 1n << 62n;
  let bestWidth = 1n << 62n;
  let bestMid = 0n;
  for (let i = 0; i < samples; i++) {
    const t1 = referenceNs();
    const relNs = BigInt(Math.floor(nowMs() * 1e6));
    const t2 = referenceNs();
    const lo = t1 - relNs - 1n;
    const hi = t2 - relNs + 1n;
    if (hi - lo < bestWidth) {
      bestWidth = hi - lo;
      bestMid = (lo + hi) / 2n;
    }
    if (lo > low) low = lo;
    if (hi < high) high = hi;
  }
  // Reference and ms clock disagree (they are not the same clock): fall back to the tightest sample.
  if (low > high) return bestMid;
  return (low + high) / 2n;
}
