/**
 * Metadata stream decoding: packetized (LTTng's `0x75D11D57` packets, either byte order) or plain
 * text (TSDL starting with `/* CTF 1.8`), or a CTF 2 JSON text sequence (records start with the
 * RS byte 0x1E). Returns the metadata text as a byte string (one JS char per byte).
 */
import { MetadataError } from './errors.js';

export const TSDL_PACKET_MAGIC = 0x75d11d57;
const PACKET_HEADER_BYTES = 37;

export interface MetadataText {
  readonly format: 'tsdl' | 'ctf2';
  /** One JS char per byte. */
  readonly text: string;
  readonly packetized: boolean;
  /** Byte order of the metadata packets (packetized only). */
  readonly byteOrder?: 'le' | 'be';
  /** UUID of the metadata packets (packetized only). */
  readonly uuid?: Uint8Array;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  const CHUNK = 8192;
  for (let i = start; i < end; i += CHUNK) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + CHUNK)) as unknown as number[]);
  }
  return s;
}

/** Decodes the bytes of a `metadata` file. Throws MetadataError (with the byte offset). */
export function decodeMetadataStream(bytes: Uint8Array): MetadataText {
  if (bytes.length >= 1 && bytes[0] === 0x1e) {
    return { format: 'ctf2', text: latin1(bytes, 0, bytes.length), packetized: false };
  }
  if (bytes.length >= 4) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const le = dv.getUint32(0, true);
    if (le === TSDL_PACKET_MAGIC) return decodePacketized(bytes, true);
    if (dv.getUint32(0, false) === TSDL_PACKET_MAGIC) return decodePacketized(bytes, false);
  }
  // Plain text: babeltrace2 requires the `/* CTF 1.8` signature.
  const head = latin1(bytes, 0, Math.min(bytes.length, 64));
  const m = /^\/\*[ \t\n\r\f\v]*CTF[ \t\n\r\f\v]+(\d{1,10})\.(\d{1,10})/.exec(head);
  if (!m) {
    throw new MetadataError('plain text metadata must start with the `/* CTF 1.8` signature', {
      line: 1,
      column: 1,
    });
  }
  if (m[1] !== '1' || m[2] !== '8') {
    throw new MetadataError(`unsupported metadata version ${m[1]}.${m[2]} (expecting 1.8)`, {
      line: 1,
      column: 1,
    });
  }
  const nul = bytes.indexOf(0);
  return { format: 'tsdl', text: latin1(bytes, 0, nul >= 0 ? nul : bytes.length), packetized: false };
}

function decodePacketized(bytes: Uint8Array, littleEndian: boolean): MetadataText {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: string[] = [];
  let uuid: Uint8Array | undefined;
  let pos = 0;
  let index = 0;
  while (pos < bytes.length) {
    if (bytes.length - pos < PACKET_HEADER_BYTES) {
      // babeltrace2 stops silently at a partial header at the end of the file.
      break;
    }
    const at = pos;
    const where = (what: string): string => `metadata packet ${index} (at byte ${at}): ${what}`;
    const magic = dv.getUint32(pos, littleEndian);
    const puuid = bytes.slice(pos + 4, pos + 20);
    const checksum = dv.getUint32(pos + 20, littleEndian);
    const contentSizeBits = dv.getUint32(pos + 24, littleEndian);
    const packetSizeBits = dv.getUint32(pos + 28, littleEndian);
    const compression = bytes[pos + 32]!;
    const encryption = bytes[pos + 33]!;
    const checksumScheme = bytes[pos + 34]!;
    const major = bytes[pos + 35]!;
    const minor = bytes[pos + 36]!;
    if (magic !== TSDL_PACKET_MAGIC) {
      throw new MetadataError(where(`bad magic number 0x${magic.toString(16)} (expecting 0x75d11d57)`));
    }
    if (compression) throw new MetadataError(where(`compression scheme ${compression} is not supported`));
    if (encryption) throw new MetadataError(where(`encryption scheme ${encryption} is not supported`));
    if (checksum || checksumScheme) {
      throw new MetadataError(where(`checksum verification (scheme ${checksumScheme}) is not supported`));
    }
    if (major !== 1 || minor !== 8) {
      throw new MetadataError(where(`unsupported metadata version ${major}.${minor} (expecting 1.8)`));
    }
    if (!uuid) uuid = puuid;
    else if (!sameBytes(uuid, puuid)) {
      throw new MetadataError(where('its UUID differs from the first metadata packet'));
    }
    const contentBytes = Math.floor(contentSizeBits / 8);
    if (contentBytes < PACKET_HEADER_BYTES) {
      throw new MetadataError(
        where(`content size ${contentSizeBits} bits is smaller than the packet header`),
      );
    }
    const textEnd = pos + contentBytes;
    if (textEnd > bytes.length) {
      throw new MetadataError(
        where(`content size ${contentSizeBits} bits goes past the end of the file (${bytes.length} bytes)`),
      );
    }
    parts.push(latin1(bytes, pos + PACKET_HEADER_BYTES, textEnd));
    // Padding: babeltrace2 computes it on 32 bits and seeks, even past the end of the file.
    const paddingBytes = Math.floor(((packetSizeBits - contentSizeBits) >>> 0) / 8);
    pos = textEnd + paddingBytes;
    index++;
  }
  let text = parts.join('');
  const nul = text.indexOf('\0');
  if (nul >= 0) text = text.slice(0, nul);
  return {
    // CTF 2 metadata may be packetized the same way (its fragments start with RS).
    format: text.charCodeAt(0) === 0x1e ? 'ctf2' : 'tsdl',
    text,
    packetized: true,
    byteOrder: littleEndian ? 'le' : 'be',
    ...(uuid ? { uuid } : {}),
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
