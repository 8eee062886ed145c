/**
 * The clock of a thread's trace records: CLOCK_MONOTONIC, as the kernel tracer uses, read with
 * `process.hrtime.bigint()` (uv_hrtime, i.e. `clock_gettime(CLOCK_MONOTONIC)`, exact ns; the
 * cheapest clock call Node offers, see src/ringbuffer/monotonic-clock.ts). Also the clock class
 * offset (realtime minus monotonic) for the metadata, and the monotonic time of
 * `performance.now()`'s origin for performance entries (GC).
 */
import { calibrateBase, MonotonicClock } from '../ringbuffer/index.js';

let threadClock: MonotonicClock | undefined;
let perfOriginNs: bigint | undefined;

const perf = performance;
const nowMs = (): number => perf.now();
// A function of its own, not bound to `process.hrtime`: it uses no `this`.
const hrtimeNs = process.hrtime.bigint;

/** This thread's monotonic clock. */
export function threadMonotonicClock(): MonotonicClock {
  if (threadClock === undefined) threadClock = new MonotonicClock(hrtimeNs);
  return threadClock;
}

/**
 * CLOCK_MONOTONIC (ns) at `performance.now() === 0` in this thread (calibrated at the first
 * call, to within a clock call): `base + entry.startTime * 1e6` places a performance entry.
 */
export function performanceOriginNs(): bigint {
  if (perfOriginNs === undefined) perfOriginNs = calibrateBase(nowMs, hrtimeNs, 300);
  return perfOriginNs;
}

/**
 * Realtime minus monotonic, in ns, as LTTng's clock `offset`. `Date.now()` has millisecond
 * resolution, so this waits (at most ~1 ms, once per session) for the millisecond to change: at
 * that instant realtime is an exact multiple of 1 ms, and the monotonic reads around the change
 * bound it to about one clock call.
 */
export function realtimeOffsetNs(): bigint {
  let best: bigint | undefined;
  let bestWidth = 1n << 62n;
  for (let attempt = 0; attempt < 3; attempt++) {
    const start = Date.now();
    // Invariant: a Date.now() call that still returned `start` followed the read of `before`,
    // so the millisecond changed after `before` and before `after`.
    let before = process.hrtime.bigint();
    if (Date.now() !== start) continue;
    const deadline = before + 5_000_000n;
    let after = -1n;
    let ms = start;
    for (;;) {
      const t = process.hrtime.bigint();
      ms = Date.now();
      if (ms !== start) {
        after = process.hrtime.bigint();
        break;
      }
      before = t;
      if (t > deadline) break;
    }
    if (after < 0n) continue;
    const width = after - before;
    if (width < bestWidth) {
      bestWidth = width;
      best = BigInt(ms) * 1_000_000n - (before + after) / 2n;
    }
  }
  if (best === undefined) {
    // Date.now() never moved in 5 ms (a frozen clock?): use the microsecond-grained time origin.
    best = BigInt(Math.round((perf.timeOrigin + perf.now()) * 1e6)) - process.hrtime.bigint();
  }
  return best;
}
