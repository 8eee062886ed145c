/**
 * The trace clock as a pair of 32-bit words. JavaScript has no allocation-free nanosecond
 * clock: `performance.now()` returns a double (ms since the thread's time origin) and is the
 * cheapest call measured here (bench/node/tracepoint.bench.ts). The tracer calibrates, once per
 * thread, the CLOCK_MONOTONIC value of that origin (`base`, split in two u32 words so values
 * past 2^53 ns of uptime stay exact) and every timestamp is `base + now() * 1e6`, computed with
 * doubles below 2^53 and split again into `lo`/`hi`. Generated tracepoint code inlines the same
 * formula (see `clockExpressionSource`), so slow path and fast path agree to the nanosecond.
 */

export const TWO_POW_32 = 4294967296;

/** Something returning milliseconds as a double, `performance.now` in practice. */
export type MillisecondClock = () => number;

export class MonotonicClock {
  /** Low and high 32 bits of the last sample, in ns (unsigned). */
  lo = 0;
  hi = 0;

  constructor(
    readonly nowMs: MillisecondClock,
    /** Low 32 bits of the monotonic ns value at `nowMs() === 0`. */
    readonly baseLo: number,
    /** High 32 bits of it. */
    readonly baseHi: number,
  ) {}

  /** Samples the clock into `lo`/`hi`. */
  sample(): void {
    const x = Math.floor(this.baseLo + this.nowMs() * 1e6);
    const lo = x >>> 0;
    this.lo = lo;
    this.hi = this.baseHi + (x - lo) / TWO_POW_32;
  }

  /** Samples and returns the value as a bigint (tests, metadata; never on a hot path). */
  nowBigInt(): bigint {
    this.sample();
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** A clock whose `now` is exactly `base + nowMs * 1e6` ns, `base` given as a bigint. */
  static fromBase(nowMs: MillisecondClock, baseNs: bigint): MonotonicClock {
    return new MonotonicClock(nowMs, Number(baseNs & 0xffffffffn), Number(baseNs >> 32n));
  }
}

/**
 * Calibrates `base` for a millisecond clock against a nanosecond reference clock (the tracer
 * passes `process.hrtime.bigint`, which reads CLOCK_MONOTONIC). Each sample brackets one `nowMs()`
 * call between two reference reads, which bounds `base` to an interval; the intersection of many
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
