/**
 * The metadata stream file: packetized TSDL as LTTng writes it (specs/lttng.md §3.2), plain
 * text, or a CTF 2 JSON text sequence. Packets are 4096 bytes, each starting with the 37-byte
 * metadata packet header; text appended later (new event record classes) goes into new packets.
 */
import { TtngError } from '../../errors.js';
import { CtfErrorCode } from '../errors.js';
import type { ByteOrder } from '../model/field-class.js';

export const METADATA_PACKET_MAGIC = 0x75d11d57;
export const METADATA_PACKET_HEADER_BYTES = 37;
export const METADATA_PACKET_BYTES = 4096;

const encoder = new TextEncoder();

/**
 * `text` cut into metadata packets: `{u32 magic; u8 uuid[16]; u32 checksum = 0; u32 content_size;
 * u32 packet_size; u8 compression = 0, encryption = 0, checksum_scheme = 0, major = 1, minor = 8}`
 * (sizes in bits), then the text, then zeros up to `packetSizeBytes`.
 */
export function packetizeMetadata(
  text: string | Uint8Array,
  o: {
    uuid?: Uint8Array;
    byteOrder?: ByteOrder;
    packetSizeBytes?: number;
    major?: number;
    minor?: number;
  } = {},
): Uint8Array {
  const bytes = typeof text === 'string' ? encoder.encode(text) : text;
  const size = o.packetSizeBytes ?? METADATA_PACKET_BYTES;
  const room = size - METADATA_PACKET_HEADER_BYTES;
  const count = Math.max(1, Math.ceil(bytes.length / room));
  const out = new Uint8Array(count * size);
  const dv = new DataView(out.buffer);
  const le = (o.byteOrder ?? 'le') === 'le';
  for (let i = 0; i < count; i++) {
    const base = i * size;
    const chunk = bytes.subarray(i * room, Math.min(bytes.length, (i + 1) * room));
    dv.setUint32(base, METADATA_PACKET_MAGIC, le);
    if (o.uuid) out.set(o.uuid, base + 4);
    dv.setUint32(base + 20, 0, le);
    dv.setUint32(base + 24, (METADATA_PACKET_HEADER_BYTES + chunk.length) * 8, le);
    dv.setUint32(base + 28, size * 8, le);
    out[base + 32] = 0;
    out[base + 33] = 0;
    out[base + 34] = 0;
    out[base + 35] = o.major ?? 1;
    out[base + 36] = o.minor ?? 8;
    out.set(chunk, base + METADATA_PACKET_HEADER_BYTES);
  }
  return out;
}

/**
 * The text of a packetized metadata stream (for tests and tools). Throws a TtngError
 * (TTNG_E_CTF_METADATA) naming the byte offset of a bad packet header.
 */
export function unpacketizeMetadata(bytes: Uint8Array, name = 'metadata'): string {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (off: number, what: string) =>
    new TtngError(CtfErrorCode.Metadata, `${name}: metadata packet at byte ${off}: ${what}`);
  const parts: Uint8Array[] = [];
  let off = 0;
  while (off < bytes.length) {
    if (off + METADATA_PACKET_HEADER_BYTES > bytes.length) {
      throw bad(
        off,
        `${bytes.length - off} bytes left, fewer than the ${METADATA_PACKET_HEADER_BYTES}-byte header`,
      );
    }
    const magicLe = dv.getUint32(off, true);
    const le = magicLe === METADATA_PACKET_MAGIC;
    if (!le && dv.getUint32(off, false) !== METADATA_PACKET_MAGIC) {
      throw bad(off, `bad magic 0x${magicLe.toString(16)} (expected 0x75d11d57)`);
    }
    const contentBits = dv.getUint32(off + 24, le);
    const packetBits = dv.getUint32(off + 28, le);
    if (packetBits % 8 !== 0 || contentBits % 8 !== 0) throw bad(off, 'sizes are not whole bytes');
    const contentBytes = contentBits / 8;
    const packetBytes = packetBits / 8;
    if (packetBytes < METADATA_PACKET_HEADER_BYTES || off + packetBytes > bytes.length) {
      throw bad(off, `packet size ${packetBytes} bytes does not fit the ${bytes.length - off} bytes left`);
    }
    if (contentBytes < METADATA_PACKET_HEADER_BYTES || contentBytes > packetBytes) {
      throw bad(
        off,
        `content size ${contentBytes} bytes is outside ${METADATA_PACKET_HEADER_BYTES}..${packetBytes}`,
      );
    }
    parts.push(bytes.subarray(off + METADATA_PACKET_HEADER_BYTES, off + contentBytes));
    off += packetBytes;
  }
  return new TextDecoder().decode(concatBytes(parts));
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
