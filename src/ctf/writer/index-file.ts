/**
 * LTTng's packet index files, `index/<stream>.idx` (lttng-tools `src/common/index/ctf-index.h`),
 * version 1.1: big-endian, a 16-byte header then one 72-byte entry per packet.
 */

import { TtngError } from '../../errors.js';
import { CtfErrorCode } from '../errors.js';

export const CTF_INDEX_MAGIC = 0xc1f1dcc1;
export const CTF_INDEX_MAJOR = 1;
export const CTF_INDEX_MINOR = 1;
export const CTF_INDEX_HEADER_BYTES = 16;
export const CTF_INDEX_ENTRY_BYTES = 72;

export interface PacketIndexEntry {
  /** Byte offset of the packet in its stream file. */
  readonly offsetBytes: bigint;
  readonly packetSizeBits: bigint;
  readonly contentSizeBits: bigint;
  readonly timestampBegin: bigint;
  readonly timestampEnd: bigint;
  /** Cumulative, as in the packet context. */
  readonly eventsDiscarded: bigint;
  readonly streamId: bigint;
  readonly streamInstanceId: bigint;
  readonly packetSeqNum: bigint;
}

/** `{u32 magic; u32 major; u32 minor; u32 packet_index_len}`. */
export function encodeIndexHeader(): Uint8Array {
  const out = new Uint8Array(CTF_INDEX_HEADER_BYTES);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, CTF_INDEX_MAGIC, false);
  dv.setUint32(4, CTF_INDEX_MAJOR, false);
  dv.setUint32(8, CTF_INDEX_MINOR, false);
  dv.setUint32(12, CTF_INDEX_ENTRY_BYTES, false);
  return out;
}

export function encodeIndexEntry(
  e: PacketIndexEntry,
  out = new Uint8Array(CTF_INDEX_ENTRY_BYTES),
): Uint8Array {
  const dv = new DataView(out.buffer, out.byteOffset, CTF_INDEX_ENTRY_BYTES);
  const fields = [
    e.offsetBytes,
    e.packetSizeBits,
    e.contentSizeBits,
    e.timestampBegin,
    e.timestampEnd,
    e.eventsDiscarded,
    e.streamId,
    e.streamInstanceId,
    e.packetSeqNum,
  ];
  for (let i = 0; i < fields.length; i++) dv.setBigUint64(i * 8, BigInt.asUintN(64, fields[i]!), false);
  return out;
}

/** Parses an index file (v1.0 56-byte entries or v1.1 72-byte entries). */
export function decodeIndexFile(bytes: Uint8Array, name = 'index file'): PacketIndexEntry[] {
  const bad = (what: string) => new TtngError(CtfErrorCode.Index, `${name}: ${what}`);
  if (bytes.length < CTF_INDEX_HEADER_BYTES)
    throw bad(`${bytes.length} bytes, shorter than the 16-byte header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint32(0, false);
  if (magic !== CTF_INDEX_MAGIC)
    throw bad(`bad magic 0x${magic.toString(16)} at byte 0 (expected 0xc1f1dcc1)`);
  const entryLen = dv.getUint32(12, false);
  if (entryLen < 56) throw bad(`entry length ${entryLen} at byte 12 is below 56`);
  const out: PacketIndexEntry[] = [];
  for (let off = CTF_INDEX_HEADER_BYTES; off + entryLen <= bytes.length; off += entryLen) {
    const u = (i: number) => dv.getBigUint64(off + i * 8, false);
    out.push({
      offsetBytes: u(0),
      packetSizeBits: u(1),
      contentSizeBits: u(2),
      timestampBegin: u(3),
      timestampEnd: u(4),
      eventsDiscarded: u(5),
      streamId: u(6),
      streamInstanceId: entryLen >= 64 ? u(7) : 0n,
      packetSeqNum: entryLen >= 72 ? u(8) : 0n,
    });
  }
  return out;
}
