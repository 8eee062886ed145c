/**
 * The ring buffer's fast path (reserve in the shared control words, write, commit with a plain
 * store) and its sub-buffer switch, against the baseline of the same 16-byte writes into a plain
 * ArrayBuffer with a local offset, in the same run. A consumer in this thread frees each full
 * sub-buffer (no I/O), so the figures are the producer's cost alone.
 */
import { MonotonicClock, RESERVE_DISCARDED, RingBuffer, RingBufferMode } from '../../src/ringbuffer/index.js';

const N = 20_000_000;
const template = new Uint8Array(80);
const layout = {
  template,
  tsBeginOffsetBytes: 32,
  tsEndOffsetBytes: 40,
  contentSizeOffsetBytes: 48,
  packetSizeOffsetBytes: 56,
  seqNumOffsetBytes: 64,
  discardedOffsetBytes: 72,
};

function ringBuffer(subbufSizeBytes: number): { rb: RingBuffer; reader: RingBuffer } {
  const clock = new MonotonicClock(process.hrtime.bigint);
  const rb = RingBuffer.create(
    { subbufSizeBytes, numSubbuf: 4, mode: RingBufferMode.Discard, packetLayout: layout },
    clock,
    null,
  );
  return { rb, reader: RingBuffer.attach(rb.sab, clock) };
}

function runRing(subbufSizeBytes: number): { ns: number; switches: number; discarded: number } {
  const { rb, reader } = ringBuffer(subbufSizeBytes);
  const ctl = rb.ctl;
  const dv = rb.dv;
  let switches = 0;
  const loop = (n: number) => {
    for (let i = 0; i < n; i++) {
      let off = ctl[0]!;
      if (off + 16 > ctl[1]!) {
        // The consumer's side, inline: free every full sub-buffer before switching.
        for (let k = reader.acquireFull(); k >= 0; k = reader.acquireFull()) reader.release(k);
        off = rb.reserveSlow(16);
        switches++;
        if (off === RESERVE_DISCARDED) continue;
      }
      dv.setUint32(off, i, true);
      dv.setUint32(off + 4, 0, true);
      dv.setFloat64(off + 8, i, true);
      ctl[0] = off + 16;
    }
  };
  loop(1_000_000);
  switches = 0;
  const t0 = process.hrtime.bigint();
  loop(N);
  const ns = Number(process.hrtime.bigint() - t0) / N;
  return { ns, switches, discarded: rb.discardedCount };
}

function runBaseline(bytes: number): number {
  const dv = new DataView(new ArrayBuffer(bytes));
  let off = 0;
  const loop = (n: number) => {
    for (let i = 0; i < n; i++) {
      if (off + 16 > bytes) off = 0;
      dv.setUint32(off, i, true);
      dv.setUint32(off + 4, 0, true);
      dv.setFloat64(off + 8, i, true);
      off += 16;
    }
  };
  loop(1_000_000);
  const t0 = process.hrtime.bigint();
  loop(N);
  return Number(process.hrtime.bigint() - t0) / N;
}

const base = runBaseline(4 * 262144);
const big = runRing(262144);
const small = runRing(4096);
console.log(`ring buffer fast path, 16-byte records, ${N} records`);
console.log(`  baseline (plain ArrayBuffer, local offset):      ${base.toFixed(2)} ns/record`);
console.log(
  `  ring buffer, 4 x 256 KiB (switch every ${Math.round(N / Math.max(1, big.switches))} records): ${big.ns.toFixed(2)} ns/record = ${(big.ns / base).toFixed(2)}x baseline, ${big.discarded} discarded`,
);
console.log(
  `  ring buffer, 4 x 4 KiB (switch every ${Math.round(N / Math.max(1, small.switches))} records):    ${small.ns.toFixed(2)} ns/record = ${(small.ns / base).toFixed(2)}x baseline, ${small.discarded} discarded`,
);
