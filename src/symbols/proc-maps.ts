/**
 * /proc/PID/maps and user-space address -> (file, link-time address, symbol) (kallsyms.md §6):
 * `fileoff = addr - start + offset`, then the PT_LOAD that contains fileoff gives the link-time
 * vaddr; load bias = addr - vaddr. Pure; the file reading is injected (kernel-files.ts has one).
 */
import type { ElfFile } from './elf-file.js';
import { ElfSymbolizer } from './elf-symbolizer.js';
import { SymbolsError, SymbolsErrorCode } from './errors.js';

export interface MapEntry {
  readonly start: bigint;
  readonly end: bigint;
  /** `r-xp`... */
  readonly perms: string;
  readonly offsetBytes: bigint;
  readonly dev: string;
  readonly inode: number;
  /** File path, pseudo path (`[vdso]`, `[stack]`), or `''` for anonymous memory. */
  readonly path: string;
  /** The path ended with ` (deleted)` (removed from that suffix). */
  readonly isDeleted: boolean;
}

const LINE =
  /^([0-9a-f]+)-([0-9a-f]+)\s+([r-][w-][x-][ps-])\s+([0-9a-f]+)\s+([0-9a-f]+:[0-9a-f]+)\s+(\d+)\s*(.*)$/i;

/** Parses /proc/PID/maps text; a malformed line raises an error with its line number. */
export function parseProcMaps(text: string, source = 'maps'): MapEntry[] {
  const out: MapEntry[] = [];
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!;
    if (!line) continue;
    const m = LINE.exec(line);
    if (!m) {
      throw new SymbolsError(
        SymbolsErrorCode.MapsParse,
        `${source}:${k + 1}: expected "START-END PERMS OFFSET DEV INODE [PATH]": ${JSON.stringify(line.slice(0, 120))}`,
      );
    }
    let path = m[7]!;
    const isDeleted = path.endsWith(' (deleted)');
    if (isDeleted) path = path.slice(0, -' (deleted)'.length);
    out.push({
      start: BigInt(`0x${m[1]}`),
      end: BigInt(`0x${m[2]}`),
      perms: m[3]!,
      offsetBytes: BigInt(`0x${m[4]}`),
      dev: m[5]!,
      inode: Number(m[6]),
      path,
      isDeleted,
    });
  }
  return out;
}

/** The mapping that contains addr, or undefined. */
export function findMapping(maps: readonly MapEntry[], addr: bigint): MapEntry | undefined {
  for (const m of maps) if (addr >= m.start && addr < m.end) return m;
  return undefined;
}

export interface ProcessAddress {
  readonly address: bigint;
  readonly mapping: MapEntry;
  /** Offset in the mapped file. */
  readonly fileOffsetBytes: bigint;
  /** Link-time address in the ELF file (undefined when no PT_LOAD holds the offset). */
  readonly vaddr: bigint | undefined;
  /** address - vaddr. */
  readonly loadBias: bigint | undefined;
  readonly symbolName: string | undefined;
  readonly offsetBytes: number | undefined;
  readonly buildId: string | undefined;
  /** `name+0x1f (path)` or `path+0xFILEOFF` when no symbol covers it. */
  readonly text: string;
}

/**
 * Symbolizes addresses of one process from its maps. `loadElf(path)` returns the parsed file
 * (or undefined when it cannot be read); each file is loaded once.
 */
export class ProcessSymbolizer {
  private readonly maps: readonly MapEntry[];
  private readonly loadElf: (path: string) => ElfFile | undefined;
  private readonly cache = new Map<string, { elf: ElfFile; symbolizer: ElfSymbolizer } | null>();

  constructor(maps: readonly MapEntry[], loadElf: (path: string) => ElfFile | undefined) {
    this.maps = maps;
    this.loadElf = loadElf;
  }

  private file(path: string): { elf: ElfFile; symbolizer: ElfSymbolizer } | null {
    let f = this.cache.get(path);
    if (f === undefined) {
      const elf = path.startsWith('/') ? this.loadElf(path) : undefined;
      f = elf ? { elf, symbolizer: new ElfSymbolizer(elf) } : null;
      this.cache.set(path, f);
    }
    return f;
  }

  resolve(address: bigint): ProcessAddress | undefined {
    const mapping = findMapping(this.maps, address);
    if (!mapping) return undefined;
    const fileOffsetBytes = address - mapping.start + mapping.offsetBytes;
    const f = mapping.path ? this.file(mapping.path) : null;
    const vaddr = f ? f.elf.fileOffsetToVaddr(fileOffsetBytes) : undefined;
    const sym = f && vaddr !== undefined ? f.symbolizer.resolve(vaddr) : undefined;
    const where = mapping.path || '[anon]';
    return {
      address,
      mapping,
      fileOffsetBytes,
      vaddr,
      loadBias: vaddr === undefined ? undefined : address - vaddr,
      symbolName: sym?.symbol.name,
      offsetBytes: sym?.offsetBytes,
      buildId: f?.elf.buildId(),
      text: sym
        ? `${sym.symbol.name}+0x${sym.offsetBytes.toString(16)} (${where})`
        : `${where}+0x${fileOffsetBytes.toString(16)}`,
    };
  }
}
