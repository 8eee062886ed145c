/**
 * ELF reader (32/64-bit, both byte orders; kallsyms.md §6): headers, sections, segments,
 * .symtab/.dynsym with GNU symbol versions, notes, build-id, .gnu_debuglink, vaddr <-> file offset.
 * Pure: works on a Uint8Array. Every offset taken from the file is checked against its length, and a
 * malformed file raises an ElfError that names the byte offset.
 */
import { ElfError } from './errors.js';

export const ElfType = { None: 0, Rel: 1, Exec: 2, Dyn: 3, Core: 4 } as const;
export const SectionType = {
  Null: 0,
  Progbits: 1,
  Symtab: 2,
  Strtab: 3,
  Rela: 4,
  Note: 7,
  Nobits: 8,
  Rel: 9,
  Dynsym: 11,
  SymtabShndx: 18,
  GnuVerdef: 0x6ffffffd,
  GnuVerneed: 0x6ffffffe,
  GnuVersym: 0x6fffffff,
} as const;
export const SectionFlag = { Write: 1n, Alloc: 2n, ExecInstr: 4n } as const;
export const SegmentType = { Load: 1, Dynamic: 2, Interp: 3, Note: 4 } as const;
export const SymbolType = {
  NoType: 0,
  Object: 1,
  Func: 2,
  Section: 3,
  File: 4,
  Common: 5,
  Tls: 6,
  GnuIfunc: 10,
} as const;
export const SymbolBind = { Local: 0, Global: 1, Weak: 2, GnuUnique: 10 } as const;
export const SectionIndex = {
  Undef: 0,
  LoReserve: 0xff00,
  Abs: 0xfff1,
  Common: 0xfff2,
  Xindex: 0xffff,
} as const;

export interface ElfHeader {
  /** 32 or 64. */
  readonly classBits: 32 | 64;
  readonly isLittleEndian: boolean;
  readonly osAbi: number;
  /** e_type: ElfType. */
  readonly type: number;
  readonly machine: number;
  readonly entry: bigint;
  readonly phOffsetBytes: number;
  readonly shOffsetBytes: number;
  readonly flags: number;
  readonly phEntrySizeBytes: number;
  readonly phCount: number;
  readonly shEntrySizeBytes: number;
  readonly shCount: number;
  readonly shStrIndex: number;
}

export interface ElfSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: bigint;
  readonly addr: bigint;
  readonly offsetBytes: number;
  readonly sizeBytes: number;
  readonly link: number;
  readonly info: number;
  readonly addrAlign: number;
  readonly entrySizeBytes: number;
}

export interface ElfSegment {
  readonly type: number;
  readonly flags: number;
  readonly offsetBytes: number;
  readonly vaddr: bigint;
  readonly paddr: bigint;
  readonly fileSizeBytes: number;
  readonly memSizeBytes: bigint;
  readonly align: bigint;
}

export interface ElfSymbol {
  /** Index in its table (0 is the null symbol, never returned). */
  readonly index: number;
  readonly name: string;
  readonly value: bigint;
  readonly sizeBytes: bigint;
  /** st_info & 0xf: SymbolType. */
  readonly type: number;
  /** st_info >> 4: SymbolBind. */
  readonly bind: number;
  readonly other: number;
  /** Section index, SHN_XINDEX resolved through .symtab_shndx. */
  readonly sectionIndex: number;
  readonly isDynamic: boolean;
  /** GNU version of a dynamic symbol (`GLIBC_2.2.5`), `''` when none or base. */
  readonly version: string;
  /** The version is hidden (`@`, not the default `@@`), or the symbol is a versioned reference. */
  readonly isVersionHidden: boolean;
}

export interface ElfNote {
  readonly name: string;
  readonly type: number;
  readonly desc: Uint8Array;
  /** Offset of the note header in the file. */
  readonly offsetBytes: number;
  /** Section it came from (`.note.gnu.build-id`), or `''` when read from a PT_NOTE segment. */
  readonly section: string;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A parsed ELF file. Symbols, notes and versions are decoded on first use. */
export class ElfFile {
  readonly bytes: Uint8Array;
  readonly source: string;
  readonly header: ElfHeader;
  readonly sections: readonly ElfSection[];
  readonly segments: readonly ElfSegment[];
  private readonly view: DataView;
  private readonly le: boolean;
  private symtabCache: ElfSymbol[] | undefined;
  private dynsymCache: ElfSymbol[] | undefined;
  private notesCache: ElfNote[] | undefined;

  private constructor(bytes: Uint8Array, source: string) {
    this.bytes = bytes;
    this.source = source;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (
      bytes.length < 16 ||
      bytes[0] !== 0x7f ||
      bytes[1] !== 0x45 ||
      bytes[2] !== 0x4c ||
      bytes[3] !== 0x46
    ) {
      throw new ElfError('not an ELF file: the first 4 bytes are not 0x7f "ELF"', 0, source);
    }
    const cls = bytes[4];
    const data = bytes[5];
    if (cls !== 1 && cls !== 2) throw new ElfError(`bad EI_CLASS ${cls} (1 = 32-bit, 2 = 64-bit)`, 4, source);
    if (data !== 1 && data !== 2)
      throw new ElfError(`bad EI_DATA ${data} (1 = little-endian, 2 = big-endian)`, 5, source);
    this.le = data === 1;
    const is64 = cls === 2;
    const ehSize = is64 ? 64 : 52;
    if (bytes.length < ehSize)
      throw new ElfError(`truncated ELF header: ${bytes.length} bytes, need ${ehSize}`, bytes.length, source);
    const h = {
      classBits: (is64 ? 64 : 32) as 32 | 64,
      isLittleEndian: this.le,
      osAbi: bytes[7]!,
      type: this.u16(16),
      machine: this.u16(18),
      entry: this.addr(24),
      phOffsetBytes: this.offsetField(is64 ? 32 : 28, 'e_phoff'),
      shOffsetBytes: this.offsetField(is64 ? 40 : 32, 'e_shoff'),
      flags: this.u32(is64 ? 48 : 36),
      phEntrySizeBytes: this.u16(is64 ? 54 : 42),
      phCount: this.u16(is64 ? 56 : 44),
      shEntrySizeBytes: this.u16(is64 ? 58 : 46),
      shCount: this.u16(is64 ? 60 : 48),
      shStrIndex: this.u16(is64 ? 62 : 50),
    };
    // Extended numbering: counts that do not fit live in section header 0.
    if (h.shOffsetBytes !== 0 && (h.shCount === 0 || h.shStrIndex === SectionIndex.Xindex)) {
      this.need(h.shOffsetBytes, is64 ? 64 : 40, 'section header 0 (extended numbering)');
      if (h.shCount === 0) h.shCount = Number(this.word(h.shOffsetBytes + (is64 ? 32 : 20)));
      if (h.shStrIndex === SectionIndex.Xindex) h.shStrIndex = this.u32(h.shOffsetBytes + (is64 ? 40 : 24));
    }
    this.header = h;
    this.segments = this.readSegments();
    this.sections = this.readSections();
  }

  /** Parses the headers; throws ElfError on malformed input. */
  static parse(bytes: Uint8Array, source = 'ELF file'): ElfFile {
    return new ElfFile(bytes, source);
  }

  get is64(): boolean {
    return this.header.classBits === 64;
  }

  // ---- raw reads, bounds-checked ----

  private need(offset: number, size: number, what: string): void {
    if (offset < 0 || size < 0 || offset + size > this.bytes.length) {
      throw new ElfError(
        `${what} at 0x${offset.toString(16)} (+${size} bytes) is outside the file (${this.bytes.length} bytes): truncated or corrupt`,
        offset,
        this.source,
      );
    }
  }
  private u16(o: number): number {
    this.need(o, 2, 'a 16-bit field');
    return this.view.getUint16(o, this.le);
  }
  private u32(o: number): number {
    this.need(o, 4, 'a 32-bit field');
    return this.view.getUint32(o, this.le);
  }
  private u64(o: number): bigint {
    this.need(o, 8, 'a 64-bit field');
    return this.view.getBigUint64(o, this.le);
  }
  /** An address-sized field (u32 on 32-bit ELF). */
  private addr(o: number): bigint {
    return this.is64Raw() ? this.u64(o) : BigInt(this.u32(o));
  }
  private word(o: number): bigint {
    return this.addr(o);
  }
  private is64Raw(): boolean {
    return this.bytes[4] === 2;
  }
  private offsetField(o: number, what: string): number {
    const v = this.addr(o);
    if (v > MAX_SAFE)
      throw new ElfError(`${what} 0x${v.toString(16)} is not a usable file offset`, o, this.source);
    return Number(v);
  }

  private readSegments(): ElfSegment[] {
    const h = this.header;
    if (h.phOffsetBytes === 0 || h.phCount === 0) return [];
    const entSize = this.is64 ? 56 : 32;
    if (h.phEntrySizeBytes < entSize) {
      throw new ElfError(
        `e_phentsize ${h.phEntrySizeBytes} is smaller than ${entSize}`,
        this.is64 ? 54 : 42,
        this.source,
      );
    }
    this.need(h.phOffsetBytes, h.phCount * h.phEntrySizeBytes, 'the program header table');
    const out: ElfSegment[] = [];
    for (let k = 0; k < h.phCount; k++) {
      const o = h.phOffsetBytes + k * h.phEntrySizeBytes;
      out.push(
        this.is64
          ? {
              type: this.u32(o),
              flags: this.u32(o + 4),
              offsetBytes: this.offsetField(o + 8, 'p_offset'),
              vaddr: this.u64(o + 16),
              paddr: this.u64(o + 24),
              fileSizeBytes: this.offsetField(o + 32, 'p_filesz'),
              memSizeBytes: this.u64(o + 40),
              align: this.u64(o + 48),
            }
          : {
              type: this.u32(o),
              offsetBytes: this.u32(o + 4),
              vaddr: BigInt(this.u32(o + 8)),
              paddr: BigInt(this.u32(o + 12)),
              fileSizeBytes: this.u32(o + 16),
              memSizeBytes: BigInt(this.u32(o + 20)),
              flags: this.u32(o + 24),
              align: BigInt(this.u32(o + 28)),
            },
      );
    }
    return out;
  }

  private readSections(): ElfSection[] {
    const h = this.header;
    if (h.shOffsetBytes === 0 || h.shCount === 0) return [];
    const entSize = this.is64 ? 64 : 40;
    if (h.shEntrySizeBytes < entSize) {
      throw new ElfError(
        `e_shentsize ${h.shEntrySizeBytes} is smaller than ${entSize}`,
        this.is64 ? 58 : 46,
        this.source,
      );
    }
    this.need(h.shOffsetBytes, h.shCount * h.shEntrySizeBytes, 'the section header table');
    const raw: Omit<ElfSection, 'name'>[] = [];
    const nameOffsets: number[] = [];
    for (let k = 0; k < h.shCount; k++) {
      const o = h.shOffsetBytes + k * h.shEntrySizeBytes;
      nameOffsets.push(this.u32(o));
      const s = this.is64
        ? {
            index: k,
            type: this.u32(o + 4),
            flags: this.u64(o + 8),
            addr: this.u64(o + 16),
            offsetBytes: this.offsetField(o + 24, 'sh_offset'),
            sizeBytes: this.offsetField(o + 32, 'sh_size'),
            link: this.u32(o + 40),
            info: this.u32(o + 44),
            addrAlign: Number(this.u64(o + 48) & 0xffffffffn),
            entrySizeBytes: Number(this.u64(o + 56) & 0xffffffffn),
          }
        : {
            index: k,
            type: this.u32(o + 4),
            flags: BigInt(this.u32(o + 8)),
            addr: BigInt(this.u32(o + 12)),
            offsetBytes: this.u32(o + 16),
            sizeBytes: this.u32(o + 20),
            link: this.u32(o + 24),
            info: this.u32(o + 28),
            addrAlign: this.u32(o + 32),
            entrySizeBytes: this.u32(o + 36),
          };
      if (k > 0 && s.type !== SectionType.Nobits && s.type !== SectionType.Null) {
        if (s.offsetBytes + s.sizeBytes > this.bytes.length) {
          throw new ElfError(
            `section ${k} (sh_offset 0x${s.offsetBytes.toString(16)}, sh_size 0x${s.sizeBytes.toString(16)}) ends past the end of the file (${this.bytes.length} bytes)`,
            o + (this.is64 ? 24 : 16),
            this.source,
          );
        }
      }
      raw.push(s);
    }
    let names: string[] = raw.map(() => '');
    if (h.shStrIndex !== SectionIndex.Undef) {
      if (h.shStrIndex >= raw.length) {
        throw new ElfError(
          `e_shstrndx ${h.shStrIndex} is not a section (${raw.length} sections)`,
          this.is64 ? 62 : 50,
          this.source,
        );
      }
      const strtab = raw[h.shStrIndex]!;
      names = nameOffsets.map((off, k) =>
        this.cString(strtab.offsetBytes, strtab.sizeBytes, off, `the name of section ${k}`),
      );
    }
    return raw.map((s, k) => ({ ...s, name: names[k]! }));
  }

  /** NUL-terminated string at `off` inside the table [tableOffset, tableOffset+tableSize). */
  private cString(tableOffset: number, tableSize: number, off: number, what: string): string {
    if (off >= tableSize) {
      if (off === 0 && tableSize === 0) return '';
      throw new ElfError(
        `${what}: string offset ${off} is outside its string table (${tableSize} bytes)`,
        tableOffset,
        this.source,
      );
    }
    const start = tableOffset + off;
    const limit = tableOffset + tableSize;
    let end = start;
    const b = this.bytes;
    while (end < limit && b[end] !== 0) end++;
    if (end === limit) throw new ElfError(`${what}: unterminated string`, start, this.source);
    return latin1(b, start, end);
  }

  // ---- sections ----

  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** Bytes of a section (empty for SHT_NOBITS). */
  sectionBytes(s: ElfSection): Uint8Array {
    if (s.type === SectionType.Nobits) return new Uint8Array(0);
    return this.bytes.subarray(s.offsetBytes, s.offsetBytes + s.sizeBytes);
  }

  // ---- symbols ----

  /** `.symtab` symbols (locals included), without the null symbol; [] when stripped. */
  symbols(): readonly ElfSymbol[] {
    if (!this.symtabCache) {
      const s = this.sections.find((x) => x.type === SectionType.Symtab);
      this.symtabCache = s ? this.readSymbols(s, false) : [];
    }
    return this.symtabCache;
  }

  /** `.dynsym` symbols with their GNU versions; [] for a static or relocatable file. */
  dynamicSymbols(): readonly ElfSymbol[] {
    if (!this.dynsymCache) {
      const s = this.sections.find((x) => x.type === SectionType.Dynsym);
      this.dynsymCache = s ? this.readSymbols(s, true) : [];
    }
    return this.dynsymCache;
  }

  private readSymbols(sec: ElfSection, isDynamic: boolean): ElfSymbol[] {
    const entSize = this.is64 ? 24 : 16;
    if (sec.entrySizeBytes !== 0 && sec.entrySizeBytes < entSize) {
      throw new ElfError(
        `${sec.name}: sh_entsize ${sec.entrySizeBytes} is smaller than ${entSize}`,
        sec.offsetBytes,
        this.source,
      );
    }
    const step = sec.entrySizeBytes || entSize;
    if (sec.link >= this.sections.length) {
      throw new ElfError(`${sec.name}: sh_link ${sec.link} is not a section`, sec.offsetBytes, this.source);
    }
    const strtab = this.sections[sec.link]!;
    const count = Math.floor(sec.sizeBytes / step);
    const shndxSec = this.sections.find((x) => x.type === SectionType.SymtabShndx && x.link === sec.index);
    const versions = isDynamic ? this.versionInfo(count) : undefined;
    const out: ElfSymbol[] = [];
    const is64 = this.is64;
    // The section lies inside the file (checked when the headers were read): read without
    // per-field bounds checks (node's .symtab has 100k+ entries).
    this.need(sec.offsetBytes, count * step, `${sec.name}`);
    const dv = this.view;
    const le = this.le;
    const b = this.bytes;
    for (let k = 1; k < count; k++) {
      const o = sec.offsetBytes + k * step;
      const nameOff = dv.getUint32(o, le);
      let info: number;
      let other: number;
      let shndx: number;
      let value: bigint;
      let size: bigint;
      if (is64) {
        info = b[o + 4]!;
        other = b[o + 5]!;
        shndx = dv.getUint16(o + 6, le);
        value = dv.getBigUint64(o + 8, le);
        size = dv.getBigUint64(o + 16, le);
      } else {
        value = BigInt(dv.getUint32(o + 4, le));
        size = BigInt(dv.getUint32(o + 8, le));
        info = b[o + 12]!;
        other = b[o + 13]!;
        shndx = dv.getUint16(o + 14, le);
      }
      if (shndx === SectionIndex.Xindex && shndxSec) {
        const xo = shndxSec.offsetBytes + k * 4;
        if (xo + 4 <= shndxSec.offsetBytes + shndxSec.sizeBytes) shndx = this.u32(xo);
      }
      const name = this.cString(strtab.offsetBytes, strtab.sizeBytes, nameOff, `${sec.name} symbol ${k}`);
      let version = '';
      let hidden = false;
      if (versions) {
        const v = versions(k, name, shndx);
        version = v.version;
        hidden = v.hidden;
      }
      out.push({
        index: k,
        name,
        value,
        sizeBytes: size,
        type: info & 0xf,
        bind: info >> 4,
        other,
        sectionIndex: shndx,
        isDynamic,
        version,
        isVersionHidden: hidden,
      });
    }
    return out;
  }

  /**
   * GNU symbol versioning (.gnu.version, .gnu.version_d, .gnu.version_r), with the rules binutils
   * uses to print them: index 0 and the base version print nothing, a version named like the
   * symbol prints nothing, references (verneed) are hidden (`@`).
   */
  private versionInfo(
    count: number,
  ): ((k: number, name: string, shndx: number) => { version: string; hidden: boolean }) | undefined {
    const versym = this.sections.find((x) => x.type === SectionType.GnuVersym);
    if (!versym) return undefined;
    const verdefSec = this.sections.find((x) => x.type === SectionType.GnuVerdef);
    const verneedSec = this.sections.find((x) => x.type === SectionType.GnuVerneed);
    if (!verdefSec && !verneedSec) return undefined;
    const defs = new Map<number, { name: string; flags: number }>();
    let maxDef = 0;
    if (verdefSec) {
      const str = this.sections[verdefSec.link];
      if (!str)
        throw new ElfError(
          `${verdefSec.name}: sh_link ${verdefSec.link} is not a section`,
          verdefSec.offsetBytes,
          this.source,
        );
      let o = verdefSec.offsetBytes;
      const end = verdefSec.offsetBytes + verdefSec.sizeBytes;
      for (let guard = 0; guard < 65536 && o + 20 <= end; guard++) {
        const flags = this.u16(o + 2);
        const ndx = this.u16(o + 4);
        const aux = this.u32(o + 12);
        const next = this.u32(o + 16);
        this.need(o + aux, 8, `${verdefSec.name} aux entry`);
        const nameOff = this.u32(o + aux);
        defs.set(ndx, { name: this.cString(str.offsetBytes, str.sizeBytes, nameOff, verdefSec.name), flags });
        if (ndx > maxDef) maxDef = ndx;
        if (next === 0) break;
        o += next;
      }
    }
    const needs = new Map<number, string>();
    if (verneedSec) {
      const str = this.sections[verneedSec.link];
      if (!str)
        throw new ElfError(
          `${verneedSec.name}: sh_link ${verneedSec.link} is not a section`,
          verneedSec.offsetBytes,
          this.source,
        );
      let o = verneedSec.offsetBytes;
      const end = verneedSec.offsetBytes + verneedSec.sizeBytes;
      for (let guard = 0; guard < 65536 && o + 16 <= end; guard++) {
        const cnt = this.u16(o + 2);
        const aux = this.u32(o + 8);
        const next = this.u32(o + 12);
        let a = o + aux;
        for (let j = 0; j < cnt; j++) {
          this.need(a, 16, `${verneedSec.name} aux entry`);
          const other = this.u16(a + 6);
          const nameOff = this.u32(a + 8);
          const anext = this.u32(a + 12);
          needs.set(other, this.cString(str.offsetBytes, str.sizeBytes, nameOff, verneedSec.name));
          if (anext === 0) break;
          a += anext;
        }
        if (next === 0) break;
        o += next;
      }
    }
    const base = versym.offsetBytes;
    const limit = Math.min(count, Math.floor(versym.sizeBytes / 2));
    const baseIsFlagged = defs.get(1)?.flags === 1;
    return (k, name) => {
      if (k >= limit) return { version: '', hidden: false };
      const raw = this.u16(base + k * 2);
      const hidden = (raw & 0x8000) !== 0;
      const num = raw & 0x7fff;
      if (num === 0) return { version: '', hidden };
      if (num === 1 && (num > maxDef || baseIsFlagged)) return { version: '', hidden };
      if (num <= maxDef) {
        const d = defs.get(num);
        if (!d || d.name === name) return { version: '', hidden };
        return { version: d.name, hidden };
      }
      const r = needs.get(num);
      return r === undefined ? { version: '<corrupt>', hidden } : { version: r, hidden: true };
    };
  }

  // ---- notes ----

  /** All notes, from SHT_NOTE sections (or PT_NOTE segments when there are no sections). */
  notes(): readonly ElfNote[] {
    if (this.notesCache) return this.notesCache;
    const out: ElfNote[] = [];
    const noteSections = this.sections.filter((s) => s.type === SectionType.Note);
    if (noteSections.length > 0) {
      for (const s of noteSections)
        this.readNotes(s.offsetBytes, s.sizeBytes, s.addrAlign === 8 ? 8 : 4, s.name, out);
    } else {
      for (const p of this.segments) {
        if (p.type !== SegmentType.Note) continue;
        this.need(p.offsetBytes, p.fileSizeBytes, 'a PT_NOTE segment');
        this.readNotes(p.offsetBytes, p.fileSizeBytes, p.align === 8n ? 8 : 4, '', out);
      }
    }
    this.notesCache = out;
    return out;
  }

  private readNotes(offset: number, size: number, align: number, section: string, out: ElfNote[]): void {
    const end = offset + size;
    let o = offset;
    const pad = (n: number): number => (n + align - 1) & ~(align - 1);
    while (o + 12 <= end) {
      const namesz = this.u32(o);
      const descsz = this.u32(o + 4);
      const type = this.u32(o + 8);
      const nameStart = o + 12;
      // The name is padded to 4 bytes, the descriptor to the note alignment (gABI, as readelf).
      const descStart = nameStart + ((namesz + 3) & ~3);
      if (descStart + descsz > end || namesz > size) {
        throw new ElfError(
          `${section || 'PT_NOTE'}: note with namesz ${namesz}, descsz ${descsz} runs past the end of its section`,
          o,
          this.source,
        );
      }
      let nameEnd = nameStart + namesz;
      if (namesz > 0 && this.bytes[nameEnd - 1] === 0) nameEnd--;
      out.push({
        name: latin1(this.bytes, nameStart, nameEnd),
        type,
        desc: this.bytes.subarray(descStart, descStart + descsz),
        offsetBytes: o,
        section,
      });
      o = descStart + pad(descsz);
    }
  }

  /** NT_GNU_BUILD_ID as lower-case hex, or undefined. */
  buildId(): string | undefined {
    const n = this.notes().find((x) => x.name === 'GNU' && x.type === 3);
    return n ? hex(n.desc) : undefined;
  }

  /** `.gnu_debuglink`: the separate debug file name and its CRC32. */
  debugLink(): { readonly fileName: string; readonly crc32: number } | undefined {
    const s = this.section('.gnu_debuglink');
    if (!s || s.type === SectionType.Nobits) return undefined;
    const b = this.sectionBytes(s);
    let end = 0;
    while (end < b.length && b[end] !== 0) end++;
    if (end === b.length)
      throw new ElfError('.gnu_debuglink: unterminated file name', s.offsetBytes, this.source);
    const crcOff = (end + 4) & ~3;
    if (crcOff + 4 > b.length)
      throw new ElfError('.gnu_debuglink: no room for the CRC', s.offsetBytes + end, this.source);
    const crc = new DataView(b.buffer, b.byteOffset + crcOff, 4).getUint32(0, this.le);
    return { fileName: latin1(b, 0, end), crc32: crc };
  }

  /** Reads an address-sized unsigned value from a note descriptor (helper for SDT). */
  readDescAddress(desc: Uint8Array, at: number): bigint {
    const dv = new DataView(desc.buffer, desc.byteOffset, desc.byteLength);
    return this.is64 ? dv.getBigUint64(at, this.le) : BigInt(dv.getUint32(at, this.le));
  }

  // ---- addresses ----

  /** File offset of a link-time virtual address, through the PT_LOAD that maps it from the file. */
  vaddrToFileOffset(vaddr: bigint): bigint | undefined {
    for (const p of this.segments) {
      if (p.type !== SegmentType.Load) continue;
      if (vaddr >= p.vaddr && vaddr < p.vaddr + BigInt(p.fileSizeBytes))
        return vaddr - p.vaddr + BigInt(p.offsetBytes);
    }
    return undefined;
  }

  /** Link-time virtual address of a file offset, through the PT_LOAD that contains it. */
  fileOffsetToVaddr(offset: bigint): bigint | undefined {
    for (const p of this.segments) {
      if (p.type !== SegmentType.Load) continue;
      const start = BigInt(p.offsetBytes);
      if (offset >= start && offset < start + BigInt(p.fileSizeBytes)) return offset - start + p.vaddr;
    }
    return undefined;
  }
}

export function latin1(b: Uint8Array, start: number, end: number): string {
  if (end - start <= 64) {
    let t = '';
    for (let i = start; i < end; i++) t += String.fromCharCode(b[i]!);
    return t;
  }
  let s = '';
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(null, b.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  }
  return s;
}

export function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}
