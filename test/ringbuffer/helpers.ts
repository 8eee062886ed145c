/** Shared by the ring buffer tests: a small packet layout and fixed 8-byte records [thread, seq]. */
import {
  MonotonicClock,
  type PacketLayout,
  RESERVE_DISCARDED,
  type RingBuffer,
} from '../../src/ringbuffer/index.js';

export const TEST_MAGIC = 0xc1fc1fc1;

/** magic u32, pad, ts_begin, ts_end, content_size, packet_size, seq_num, discarded (u64 each). */
export function testLayout(): PacketLayout {
  const template = new Uint8Array(56);
  new DataView(template.buffer).setUint32(0, TEST_MAGIC, true);
  return {
    template,
    tsBeginOffsetBytes: 8,
    tsEndOffsetBytes: 16,
    contentSizeOffsetBytes: 24,
    packetSizeOffsetBytes: 32,
    seqNumOffsetBytes: 40,
    discardedOffsetBytes: 48,
  };
}

/** The tracer's clock: CLOCK_MONOTONIC through process.hrtime.bigint. */
export function testClock(): MonotonicClock {
  return new MonotonicClock(process.hrtime.bigint);
}

/** Writes one 8-byte record; false when it was discarded. The fast path is the generated code's. */
export function emit(rb: RingBuffer, thread: number, seq: number): boolean {
  const ctl = rb.ctl;
  let off = ctl[0]!;
  if (off + 8 > ctl[1]!) {
    off = rb.reserveSlow(8);
    if (off === RESERVE_DISCARDED) return false;
  }
  rb.dv.setUint32(off, thread, true);
  rb.dv.setUint32(off + 4, seq, true);
  ctl[0] = off + 8;
  return true;
}

export interface ReadPacket {
  seqNum: number;
  discarded: number;
  tsBegin: bigint;
  tsEnd: bigint;
  records: [number, number][];
}

/** Decodes one packet (bytes starting at its header). */
export function decodePacket(u8: Uint8Array): ReadPacket {
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  if (dv.getUint32(0, true) !== TEST_MAGIC) throw new Error('bad packet magic');
  const content = Number(dv.getBigUint64(24, true)) / 8;
  const records: [number, number][] = [];
  for (let off = 56; off < content; off += 8)
    records.push([dv.getUint32(off, true), dv.getUint32(off + 4, true)]);
  return {
    seqNum: Number(dv.getBigUint64(40, true)),
    discarded: Number(dv.getBigUint64(48, true)),
    tsBegin: dv.getBigUint64(8, true),
    tsEnd: dv.getBigUint64(16, true),
    records,
  };
}

/** Reads (and frees) the full sub-buffers of a consumer view, `max` of them at most. */
export function drain(reader: RingBuffer, out: ReadPacket[], max = Number.POSITIVE_INFINITY): number {
  let n = 0;
  while (n < max) {
    const i = reader.acquireFull();
    if (i < 0) break;
    const start = reader.subbufStart(i);
    out.push(decodePacket(reader.u8.slice(start, start + reader.contentSizeBytes(i))));
    reader.release(i);
    n++;
  }
  return n;
}
