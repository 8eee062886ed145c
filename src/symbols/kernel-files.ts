/**
 * Thin file-reading wrappers around the pure parsers: /proc/kallsyms (size 0 in stat, so read to
 * EOF), kbuild artifacts, ELF files, /proc/PID/maps, uprobe locations.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, unlinkSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { KallsymsParser, type KallsymsTable } from './kallsyms-table.js';
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
  /**
   * How a file that stat() calls empty (procfs) is read: `'reader-process'` (default when the
   * machine has 2 CPUs or more) lets a `cat` child drain it while this thread parses; `'direct'`
   * reads and parses in turns on this thread. Regular files are always read directly.
   */
  readonly reader?: 'reader-process' | 'direct';
}

/**
 * Loads a kallsyms table. When every address is 0 (kptr_restrict / perf_event_paranoid hid them
 * from this process) it throws TTNG_E_SYMBOLS_ADDRESSES_HIDDEN saying what to do.
 *
 * The kernel generates /proc/kallsyms one page per read() (~70 ms for 5.4 MB here), which is
 * most of the load: the bytes go straight into the parser's buffer, and by default a `cat` child
 * reads the file (opened here, so the kernel's address check sees this process) into an unlinked
 * temporary file while this thread parses what has arrived (bench/symbols/symbols.bench.ts).
 */
export function loadKallsyms(options: LoadKallsymsOptions = {}): KallsymsTable {
  const path = options.path ?? PROC_KALLSYMS;
  const fd = openSync(path, 'r');
  let table: KallsymsTable | undefined;
  try {
    const sizeBytes = fstatSync(fd).size;
    const useChild =
      sizeBytes === 0 &&
      (options.reader ?? (availableParallelism() >= 2 ? 'reader-process' : 'direct')) === 'reader-process';
    if (useChild) table = readThroughChild(fd, path);
    if (!table) {
      // procfs reports size 0: the parser's defaults then fit this machine's 5.4 MB with room.
      const parser =
        sizeBytes > 0
          ? new KallsymsParser(path, Math.max(16, (sizeBytes / 20) | 0), sizeBytes)
          : new KallsymsParser(path);
      const direct = useChild ? openSync(path, 'r') : fd;
      try {
        readDirect(direct, parser);
      } finally {
        if (direct !== fd) closeSync(direct);
      }
      table = parser.finish();
    }
  } finally {
    closeSync(fd);
  }
  return checkHidden(table, path, options);
}

/** Bytes read before each parse: procfs gives one page per read(), so 16 reads here. */
const COMMIT_BYTES = 1 << 16;

function readDirect(fd: number, parser: KallsymsParser): void {
  // Several reads per commit: fewer trips through the JavaScript around the parse loop.
  for (let atEof = false; !atEof; ) {
    parser.reserve(COMMIT_BYTES);
    const buf = parser.buffer;
    const start = parser.writeOffset;
    const room = parser.writableBytes;
    let got = 0;
    while (got < COMMIT_BYTES) {
      const n = readSync(fd, buf, start + got, room - got, null);
      if (n <= 0) {
        atEof = true;
        break;
      }
      got += n;
    }
    parser.commit(got);
  }
}

/** For sleeping a fraction of a millisecond while the reader catches up. */
const NAP = new Int32Array(new SharedArrayBuffer(4));
const NAP_MS = 0.5;
/** No new byte for this long: the reader is stuck; read directly instead. */
const STALL_MS = 2000;

/**
 * Reads `fd` through a `cat` child writing into an unlinked temporary file, parsing as bytes
 * arrive; undefined (nothing parsed) when the child cannot run or fails, so the caller reads
 * directly. The child's end is seen in /proc/PID/stat: it stays a zombie until this thread
 * returns to the event loop.
 */
function readThroughChild(fd: number, path: string): KallsymsTable | undefined {
  const dir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const tmp = join(dir, `ttng-kallsyms-${process.pid}-${randomBytes(6).toString('hex')}`);
  let out: number;
  try {
    out = openSync(tmp, 'wx+', 0o600);
  } catch {
    return undefined;
  }
  let child: ChildProcess | undefined;
  let isDone = false;
  try {
    unlinkSync(tmp);
    child = spawn('cat', [], { stdio: [fd, out, 'ignore'] });
    child.on('error', () => {});
    child.unref();
    const pid = child.pid;
    if (pid === undefined) return undefined;
    const parser = new KallsymsParser(path);
    let pos = 0;
    let lastProgress = performance.now();
    for (;;) {
      parser.reserve(COMMIT_BYTES);
      const n = readSync(out, parser.buffer, parser.writeOffset, COMMIT_BYTES, pos);
      if (n > 0) {
        pos += n;
        parser.commit(n);
        lastProgress = performance.now();
        continue;
      }
      const exit = exitCodeOf(pid);
      if (exit !== undefined) {
        isDone = true;
        // Bytes written between the read above and the exit.
        for (
          let m: number;
          (m = readSync(out, parser.buffer, parser.writeOffset, parser.writableBytes, pos)) > 0;
        ) {
          pos += m;
          parser.commit(m);
          parser.reserve(COMMIT_BYTES);
        }
        return exit === 0 ? parser.finish() : undefined;
      }
      if (performance.now() - lastProgress > STALL_MS) return undefined;
      Atomics.wait(NAP, 0, 0, NAP_MS);
    }
  } finally {
    if (child && !isDone) child.kill('SIGKILL');
    closeSync(out);
  }
}

/** Exit status of process `pid` once it has exited (a zombie not reaped yet), else undefined. */
function exitCodeOf(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return 1;
  }
  // Fields after the command name in parentheses: state is field 3, exit_code field 52.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] !== 'Z' && fields[0] !== 'X') return undefined;
  return Number(fields[49] ?? 1);
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
