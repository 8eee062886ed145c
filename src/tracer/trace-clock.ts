/**
 * The clock of a thread's trace records: CLOCK_MONOTONIC, as the kernel tracer uses, read with
 * `performance.now()` (the cheapest clock call Node offers; see bench/node/tracepoint.bench.ts)
 * and calibrated once per thread against `process.hrtime.bigint()` (both are uv_hrtime, i.e.
 * CLOCK_MONOTONIC). Also the clock class offset (realtime minus monotonic) for the metadata.
 */
import { calibrateBase, MonotonicClock } from '../ringbuffer/index.js';

let threadClock: MonotonicClock | undefined;

const perf = performance;
const nowMs = (): number => perf.now();

/** This thread's calibrated monotonic clock (calibrated at the first call). */
export function threadMonotonicClock(): MonotonicClock {
  if (threadClock === undefined) {
    const base = calibrateBase(nowMs, () => process.hrtime.bigint(), 300);
    threadClock = MonotonicClock.fromBase(nowMs, base);
  }
  return threadClock;
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
