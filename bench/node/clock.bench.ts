/**
 * The clock read of an enabled tracepoint: ns per read of each way Node offers to get
 * CLOCK_MONOTONIC in nanoseconds as the two u32 words the event header takes, in the same run.
 * ttng uses `process.hrtime.bigint()` stored into a BigUint64Array and read back as two Uint32
 * words (src/ringbuffer/monotonic-clock.ts); the figure it is compared with is the previous
 * way, `performance.now()` scaled by a calibrated base. Thread CPU time, best of 7 rounds.
 */
import { readFileSync } from 'node:fs';

const N = Number(process.env.BENCH_N ?? 5_000_000);

function cpuNs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) * 1000;
  }
}

let sink = 0;
function time(label: string, loop: (n: number) => void): number {
  loop(N / 10);
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 7; r++) {
    const c0 = cpuNs();
    loop(N);
    best = Math.min(best, (cpuNs() - c0) / N);
  }
  console.log(`${label.padEnd(58)} ${best.toFixed(1).padStart(6)} ns/read`);
  return best;
}

const perf = performance;
const hb = process.hrtime.bigint;
const hr = process.hrtime;
const BLO = 123_456;
const BHI = 7;
const s64 = new BigUint64Array(1);
const s32 = new Uint32Array(s64.buffer);

console.log(`clock reads as (hi, lo) u32 words, ${N} reads, thread CPU time, best of 7`);
const ours = time('process.hrtime.bigint() -> BigUint64Array -> 2 x u32 (ttng)', (n) => {
  for (let i = 0; i < n; i++) {
    s64[0] = hb();
    sink += s32[0]! ^ s32[1]!;
  }
});
const before = time('performance.now() * 1e6 + calibrated base, split (before)', (n) => {
  for (let i = 0; i < n; i++) {
    const x = Math.floor(BLO + perf.now() * 1e6);
    const lo = x >>> 0;
    sink += lo ^ (BHI + (x - lo) / 4294967296);
  }
});
time('process.hrtime() [s, ns] array, converted', (n) => {
  for (let i = 0; i < n; i++) {
    const t = hr();
    const x = t[0]! * 1e9 + t[1]!;
    const lo = x >>> 0;
    sink += lo ^ ((x - lo) / 4294967296);
  }
});
time('process.hrtime.bigint() with bigint arithmetic', (n) => {
  for (let i = 0; i < n; i++) {
    const t = hb();
    sink += Number(t & 0xffffffffn) ^ Number(t >> 32n);
  }
});
console.log(`ratio ttng/before: ${(ours / before).toFixed(2)}x (sink ${sink & 1})`);
