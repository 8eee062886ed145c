/**
 * LTTng-UST's state dump for a Node process (specs/lttng.md §4, `lttng_ust_statedump:*`), emitted
 * by the thread that starts a session, right after the start: `start`, `procname`, one `bin_info`
 * (and `build_id` when the file has one) per mapped executable object (node itself, libc, native
 * addons...), one `node_module` per JavaScript module loaded through require, then `end`.
 * babeltrace2's debug-info filter and Trace Compass read the `bin_info`/`build_id` events.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ElfFile } from '../../symbols/elf-file.js';
import { parseProcMaps } from '../../symbols/proc-maps.js';
import { processProcname } from '../../tracer/process-info.js';
import { defineProvider } from '../../tracer/provider.js';
import { onSessionStart, type Session } from '../../tracer/session.js';

export const statedump = defineProvider('lttng_ust_statedump', {
  start: { loglevel: 'DEBUG_LINE' },
  bin_info: {
    loglevel: 'DEBUG_LINE',
    fields: [
      ['baddr', 'x64'],
      ['memsz', 'u64'],
      ['path', 'string'],
      ['is_pic', 'u8'],
      ['has_build_id', 'u8'],
      ['has_debug_link', 'u8'],
    ],
  },
  build_id: {
    loglevel: 'DEBUG_LINE',
    fields: [
      ['baddr', 'x64'],
      ['build_id', { type: 'sequence', element: 'x8', lengthType: 'u64' }],
    ],
  },
  debug_link: {
    loglevel: 'DEBUG_LINE',
    fields: [
      ['baddr', 'x64'],
      ['crc', 'u32'],
      ['filename', 'string'],
    ],
  },
  procname: { loglevel: 'DEBUG_LINE', fields: [['procname', { type: 'text', length: 17 }]] },
  /** ttng's own: a JavaScript module loaded through require (CommonJS). */
  node_module: { loglevel: 'DEBUG_LINE', fields: [['path', 'string']] },
  end: { loglevel: 'DEBUG_LINE' },
});

interface BinInfo {
  baddr: bigint;
  memsz: bigint;
  path: string;
  isPic: boolean;
  buildId: Uint8Array | null;
  debugLink: { fileName: string; crc32: number } | null;
}

/**
 * Parses the headers of an ELF file while reading only what they need: the first 64 KiB, the
 * section header table, the section name table, and (after parsing) the note and .gnu_debuglink
 * sections. The buffer has the file's size but untouched pages are never committed, so a 100 MB
 * `node` binary costs a few pages of memory, not 100 MB.
 */
export function readElfHeaders(path: string): ElfFile | null {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    if (size < 64) return null;
    const buf = new Uint8Array(size);
    const readAt = (off: number, len: number): void => {
      if (off < 0 || len <= 0 || off >= size) return;
      const n = Math.min(len, size - off);
      let done = 0;
      while (done < n) {
        const r = readSync(fd, buf, off + done, n - done, off + done);
        if (r <= 0) break;
        done += r;
      }
    };
    readAt(0, 65536);
    const dv = new DataView(buf.buffer);
    if (buf[0] !== 0x7f || buf[1] !== 0x45 || buf[2] !== 0x4c || buf[3] !== 0x46) return null;
    const is64 = buf[4] === 2;
    const le = buf[5] === 1;
    const shoff = is64 ? Number(dv.getBigUint64(40, le)) : dv.getUint32(32, le);
    const shentsize = dv.getUint16(is64 ? 58 : 46, le);
    const shnum = dv.getUint16(is64 ? 60 : 48, le);
    const shstrndx = dv.getUint16(is64 ? 62 : 50, le);
    readAt(shoff, shentsize * shnum);
    if (shstrndx < shnum) {
      const h = shoff + shstrndx * shentsize;
      const off = is64 ? Number(dv.getBigUint64(h + 24, le)) : dv.getUint32(h + 16, le);
      const len = is64 ? Number(dv.getBigUint64(h + 32, le)) : dv.getUint32(h + 20, le);
      readAt(off, Math.min(len, 1 << 20));
    }
    const elf = ElfFile.parse(buf, path);
    for (const sec of elf.sections) {
      if (sec.type === 7 /* SHT_NOTE */ || sec.name === '.gnu_debuglink') {
        readAt(Number(sec.offsetBytes), Math.min(Number(sec.sizeBytes), 1 << 16));
      }
    }
    for (const seg of elf.segments) {
      if (seg.type === 4 /* PT_NOTE */)
        readAt(Number(seg.offsetBytes), Math.min(Number(seg.fileSizeBytes), 1 << 16));
    }
    return elf;
  } catch {
    return null;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Executable objects mapped in this process, from /proc/self/maps and their ELF headers. */
export function mappedObjects(): BinInfo[] {
  let maps: ReturnType<typeof parseProcMaps>;
  try {
    maps = parseProcMaps(readFileSync('/proc/self/maps', 'utf8'), '/proc/self/maps');
  } catch {
    return [];
  }
  // Base address: the mapping of file offset 0 (as lttng-ust's dl_iterate_phdr gives it).
  const byPath = new Map<string, { base: bigint | null; executable: boolean }>();
  for (const m of maps) {
    if (!m.path.startsWith('/') || m.isDeleted) continue;
    let e = byPath.get(m.path);
    if (!e) byPath.set(m.path, (e = { base: null, executable: false }));
    if (m.offsetBytes === 0n && (e.base === null || m.start < e.base)) e.base = m.start;
    e.executable ||= m.perms[2] === 'x';
  }
  const out: BinInfo[] = [];
  for (const [path, r] of byPath) {
    if (!r.executable || r.base === null) continue;
    // Not an ELF file (a mapped data file with exec rights), or a vanished file: skipped.
    const elf = readElfHeaders(path);
    if (!elf) continue;
    let id: string | undefined;
    let link: { fileName: string; crc32: number } | undefined;
    try {
      id = elf.buildId();
      link = elf.debugLink();
    } catch {
      // Malformed notes: report the object without them.
    }
    // memsz: the extent of the loadable segments, as lttng-ust computes it.
    let low: bigint | null = null;
    let high = 0n;
    for (const seg of elf.segments) {
      if (seg.type !== 1 /* PT_LOAD */) continue;
      if (low === null || seg.vaddr < low) low = seg.vaddr;
      if (seg.vaddr + seg.memSizeBytes > high) high = seg.vaddr + seg.memSizeBytes;
    }
    out.push({
      baddr: r.base,
      memsz: low === null ? 0n : high - low,
      path,
      isPic: elf.header.type === 3,
      buildId: id ? Uint8Array.from(id.match(/../g)!.map((h) => Number.parseInt(h, 16))) : null,
      debugLink: link ? { fileName: link.fileName, crc32: link.crc32 } : null,
    });
  }
  return out;
}

/** Emits the state dump (when its events are enabled). */
export function emitStatedump(): void {
  const sd = statedump;
  if (!sd.start.enabled && !sd.bin_info.enabled && !sd.procname.enabled && !sd.node_module.enabled) return;
  sd.start();
  if (sd.procname.enabled) sd.procname(processProcname());
  if (sd.bin_info.enabled || sd.build_id.enabled || sd.debug_link.enabled) {
    for (const o of mappedObjects()) {
      sd.bin_info(o.baddr, o.memsz, o.path, o.isPic ? 1 : 0, o.buildId ? 1 : 0, o.debugLink ? 1 : 0);
      if (o.buildId) sd.build_id(o.baddr, o.buildId);
      if (o.debugLink) sd.debug_link(o.baddr, o.debugLink.crc32, o.debugLink.fileName);
    }
  }
  if (sd.node_module.enabled) {
    const cache = createRequire(import.meta.url).cache;
    for (const path of Object.keys(cache)) sd.node_module(path);
    if (process.argv[1]) sd.node_module(process.argv[1]);
  }
  sd.end();
}

onSessionStart((s: Session) => {
  if (s.config.statedump) emitStatedump();
});
