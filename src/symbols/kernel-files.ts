/**
 * Thin file-reading wrappers around the pure parsers: /proc/kallsyms (size 0 in stat, so read to
 * EOF), kbuild artifacts, ELF files, /proc/PID/maps, uprobe locations.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { ElfFile } from './elf-file.js';
import { SymbolsError, SymbolsErrorCode } from './errors.js';
import {
  fileSymbolRuns,
  type KbuildArtifacts,
  parseLinkerMap,
  parseModulesBuiltin,
  parseModulesBuiltinModinfo,
  parseModulesBuiltinObjs,
  parseModulesBuiltinRanges,
} from './kallmodsyms.js';
import { type KallsymsTable, parseKallsyms } from './kallsyms-table.js';
import { ProcessSymbolizer, parseProcMaps } from './proc-maps.js';
import {
  parseUprobeSpec,
  resolveElfSymbolLocation,
  resolveSdtLocations,
  type UprobeLocation,
} from './uprobe-location.js';

export const PROC_KALLSYMS = '/proc/kallsyms';

/** Reads a whole file into a Buffer, to EOF (procfs files report size 0). */
export function readWholeFile(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(1 << 20);
    let used = 0;
    for (;;) {
      if (used === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, used);
        buf = bigger;
      }
      const n = readSync(fd, buf, used, buf.length - used, null);
      if (n <= 0) break;
      used += n;
    }
    return buf.subarray(0, used);
  } finally {
    closeSync(fd);
  }
}

function readSysctl(path: string): string {
  try {
    return readFileSync(path, 'latin1').trim();
  } catch {
    return '?';
  }
}

export interface LoadKallsymsOptions {
  /** /proc/kallsyms (default), a saved copy, or a System.map. */
  readonly path?: string;
  /** Return a table whose addresses are all 0 instead of throwing (names are still useful). */
  readonly allowHiddenAddresses?: boolean;
}

/**
 * Loads a kallsyms table. When every address is 0 (kptr_restrict / perf_event_paranoid hid them
 * from this process) it throws TTNG_E_SYMBOLS_ADDRESSES_HIDDEN saying what to do.
 */
export function loadKallsyms(options: LoadKallsymsOptions = {}): KallsymsTable {
  const path = options.path ?? PROC_KALLSYMS;
  const buf = readWholeFile(path);
  return checkHidden(parseKallsyms(buf.toString('latin1'), { source: path }), path, options);
}

function checkHidden(table: KallsymsTable, path: string, options: LoadKallsymsOptions): KallsymsTable {
  if (table.isAddressRestricted && !options.allowHiddenAddresses) {
    const kptr = readSysctl('/proc/sys/kernel/kptr_restrict');
    const paranoid = readSysctl('/proc/sys/kernel/perf_event_paranoid');
    throw new SymbolsError(
      SymbolsErrorCode.AddressesHidden,
      `every address in ${path} is 0: the kernel hides symbol addresses from this process (kernel.kptr_restrict=${kptr}, kernel.perf_event_paranoid=${paranoid}); run as root or with CAP_SYSLOG, or set kernel.kptr_restrict=0 and kernel.perf_event_paranoid<=1; a System.map of this kernel gives build-time addresses (right only without KASLR)`,
    );
  }
  return table;
}

export interface KbuildArtifactPaths {
  readonly modulesBuiltin?: string;
  readonly builtinObjs?: string;
  readonly builtinModinfo?: string;
  readonly builtinRanges?: string;
  readonly linkerMap?: string;
  /** A vmlinux with .symtab: STT_FILE runs attribute static functions to their source file. */
  readonly vmlinux?: string;
}

/** Reads and parses the kbuild artifacts that are given; undefined when none is. */
export function loadKbuildArtifacts(paths: KbuildArtifactPaths): KbuildArtifacts | undefined {
  if (Object.values(paths).every((p) => p === undefined)) return undefined;
  const text = (p: string): string => readFileSync(p, 'latin1');
  const modinfo = paths.builtinModinfo ? parseModulesBuiltinModinfo(text(paths.builtinModinfo)) : undefined;
  return {
    builtinModules: paths.modulesBuiltin
      ? parseModulesBuiltin(text(paths.modulesBuiltin), paths.modulesBuiltin)
      : undefined,
    builtinObjects: paths.builtinObjs
      ? parseModulesBuiltinObjs(text(paths.builtinObjs), modinfo, paths.builtinObjs)
      : undefined,
    builtinRanges: paths.builtinRanges
      ? parseModulesBuiltinRanges(text(paths.builtinRanges), paths.builtinRanges)
      : undefined,
    linkerMap: paths.linkerMap ? parseLinkerMap(text(paths.linkerMap), paths.linkerMap) : undefined,
    fileSymbols: paths.vmlinux ? fileSymbolRuns(readElf(paths.vmlinux)) : undefined,
  };
}

export function readElf(path: string): ElfFile {
  return ElfFile.parse(readFileSync(path), path);
}

/** Symbolizer for the live process `pid`, from its current /proc/PID/maps. */
export function processSymbolizer(pid: number): ProcessSymbolizer {
  const mapsPath = `/proc/${pid}/maps`;
  const maps = parseProcMaps(readFileSync(mapsPath, 'latin1'), mapsPath);
  return new ProcessSymbolizer(maps, (path) => {
    try {
      return readElf(path);
    } catch {
      return undefined;
    }
  });
}

/** Resolves `elf:PATH:SYMBOL[+OFF]` or `sdt:PATH:PROVIDER:NAME` into uprobe locations. */
export function resolveUprobe(spec: string): UprobeLocation[] {
  const s = parseUprobeSpec(spec);
  const elf = readElf(s.path);
  if (s.kind === 'elf') return [resolveElfSymbolLocation(elf, s.path, s.symbol, s.offsetBytes)];
  return resolveSdtLocations(elf, s.path, s.provider, s.name);
}
