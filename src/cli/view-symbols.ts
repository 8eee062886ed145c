/**
 * The symbol readers of `ttng view --kernel-symbols` (kallsyms or System.map) and `--debug-info`
 * (ELF binaries), on src/symbols. Imported by view.ts only when one of these options is given.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { TraceRuntime } from '../ctf/reader/index.js';
import { TtngError } from '../errors.js';
import {
  buildNaming,
  ElfFile,
  type KallsymsTable,
  LookupStatus,
  loadKallsyms,
  PROC_KALLSYMS,
  SymbolLookup,
  type SymbolNaming,
  SymbolsErrorCode,
  SymbolType,
} from '../symbols/index.js';
import type { DebugBinary, DebugInfoHost } from '../view/debug-info.js';
import type { AddressSymbolizer, KernelSymbolsProvider } from '../view/kernel-symbols.js';

/** Error code of a kallsyms file `ttng view --kernel-symbols` cannot use. */
export const VIEW_KERNEL_SYMBOLS = 'TTNG_E_VIEW_KERNEL_SYMBOLS';

/** The name of the copy of /proc/kallsyms that `ttng record` saves in the session directory. */
export const SAVED_KALLSYMS = 'kallsyms';

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The kallsyms file saved with a trace: in the trace directory, or in the session directory
 * above it (LTTng's layout `SESSION/kernel`, where `ttng record` saves `SESSION/kallsyms`).
 */
export function findSavedKallsyms(traceDir: string): string | null {
  const dir = resolve(traceDir);
  const here = join(dir, SAVED_KALLSYMS);
  if (isFile(here)) return here;
  if (basename(dir) === 'kernel') {
    const up = join(dirname(dir), SAVED_KALLSYMS);
    if (isFile(up)) return up;
  }
  return null;
}

/** `name+0xOFF` (or `name-0xOFF` in padding) then the unique-name annotations, or null. */
export function kallsymsSymbolizer(table: KallsymsTable, naming: SymbolNaming): AddressSymbolizer {
  const out = new SymbolLookup();
  return {
    symbolize(hi: number, lo: number): string | null {
      if (table.lookupInto(hi, lo, out) === LookupStatus.NotFound) return null;
      const i = out.index;
      const off = out.offsetBytes;
      const a = naming.annotation(i);
      return `${table.name(i)}${off < 0 ? `-0x${(-off).toString(16)}` : `+0x${off.toString(16)}`}${a ? ` ${a}` : ''}`;
    },
  };
}

/** Loads a kallsyms or System.map file for the view; every failure is one TtngError sentence. */
function loadForView(path: string): AddressSymbolizer {
  let file = path;
  if (path !== PROC_KALLSYMS) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(path);
    } catch (e) {
      throw new TtngError(
        VIEW_KERNEL_SYMBOLS,
        `--kernel-symbols: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; give a kallsyms or System.map file`,
      );
    }
    if (st.isDirectory()) {
      // A session or trace directory: the kallsyms saved in it.
      const saved = findSavedKallsyms(path);
      if (saved === null) {
        throw new TtngError(
          VIEW_KERNEL_SYMBOLS,
          `--kernel-symbols: ${path} is a directory without a saved kallsyms file; give a kallsyms or System.map file`,
        );
      }
      file = saved;
    }
  }
  let table: KallsymsTable;
  try {
    table = loadKallsyms({ path: file });
  } catch (e) {
    if (e instanceof TtngError && e.code === SymbolsErrorCode.AddressesHidden && file !== PROC_KALLSYMS) {
      throw new TtngError(
        e.code,
        `--kernel-symbols: every address in ${file} is 0: it was copied while the kernel hid symbol addresses (kernel.kptr_restrict); use a copy of /proc/kallsyms made as root with kernel.kptr_restrict at 0 or 1`,
        { cause: e },
      );
    }
    if (e instanceof TtngError) {
      throw new TtngError(e.code, `--kernel-symbols: ${e.message}`, { cause: e });
    }
    throw new TtngError(
      VIEW_KERNEL_SYMBOLS,
      `--kernel-symbols: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { cause: e },
    );
  }
  if (table.count === 0) {
    throw new TtngError(
      VIEW_KERNEL_SYMBOLS,
      `--kernel-symbols: ${file} holds no symbol; give a kallsyms or System.map file`,
    );
  }
  return kallsymsSymbolizer(table, buildNaming(table));
}

/**
 * The view's symbol tables: per kernel trace, FILE, else the kallsyms saved with the trace, else
 * /proc/kallsyms (a warning says the trace may come from another boot). Each file loads once.
 */
export function kernelSymbolsProvider(
  file: string | null,
  warn: (line: string) => void,
): KernelSymbolsProvider {
  const loaded = new Map<string, AddressSymbolizer>();
  let warned = false;
  return (trace: TraceRuntime): AddressSymbolizer => {
    let path = file ?? findSavedKallsyms(trace.path);
    if (path === null) {
      path = PROC_KALLSYMS;
      if (!warned) {
        warned = true;
        warn(
          `ttng view: warning: no kallsyms file saved with the trace ${trace.path}: symbolizing with ${PROC_KALLSYMS}, which is wrong if the trace comes from another boot (give --kernel-symbols=FILE)`,
        );
      }
    }
    const key = resolve(path);
    let s = loaded.get(key);
    if (!s) {
      s = loadForView(path);
      loaded.set(key, s);
    }
    return s;
  };
}

/** .symtab STT_FUNC symbols sorted by value (then file order), for nearest-function lookups. */
function functionTable(elf: ElfFile): { values: bigint[]; names: string[] } {
  const funcs = elf
    .symbols()
    .filter((s) => s.type === SymbolType.Func)
    .map((s, i) => ({ s, i }));
  funcs.sort((a, b) => (a.s.value < b.s.value ? -1 : a.s.value > b.s.value ? 1 : a.i - b.i));
  return { values: funcs.map((f) => f.s.value), names: funcs.map((f) => f.s.name) };
}

/**
 * babeltrace2's is_build_id_matching: the first note of every SHT_NOTE section that is a GNU
 * build ID note must start with the recorded bytes, and there must be one.
 */
function buildIdMatches(elf: ElfFile, id: Uint8Array): boolean {
  let matched = false;
  const firsts = new Map<string, boolean>();
  for (const n of elf.notes()) {
    if (n.section === '' || firsts.has(n.section)) continue;
    firsts.set(n.section, true);
    if (n.name !== 'GNU' || n.type !== 3) continue;
    if (id.length === 0 || n.desc.length < id.length) return false;
    for (let i = 0; i < id.length; i++) if (n.desc[i] !== id[i]) return false;
    matched = true;
  }
  return matched;
}

/** `--debug-info`: binaries read with src/symbols (a file that is not ELF counts as missing). */
export function elfDebugInfoHost(warn: (line: string) => void): DebugInfoHost {
  return {
    open(path: string): DebugBinary | null {
      let elf: ElfFile;
      try {
        elf = ElfFile.parse(new Uint8Array(readFileSync(path)), path);
      } catch {
        return null;
      }
      if (elf.section('.debug_info') !== undefined) {
        warn(
          `ttng view: --debug-info: ${path} has DWARF debugging information, which ttng does not read: its func comes from ELF symbols and src stays empty (babeltrace2 prints DWARF's)`,
        );
      }
      let table: { values: bigint[]; names: string[] } | null = null;
      return {
        buildIdMatches: (id) => {
          try {
            return buildIdMatches(elf, id);
          } catch {
            return false;
          }
        },
        nearestFunction(addr: bigint) {
          if (table === null) {
            try {
              table = functionTable(elf);
            } catch {
              table = { values: [], names: [] };
            }
          }
          const v = table.values;
          // Last index with value <= addr, then back to the first of its equal values.
          let lo = 0;
          let hi = v.length;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (v[mid]! <= addr) lo = mid + 1;
            else hi = mid;
          }
          if (lo === 0) return null;
          let i = lo - 1;
          while (i > 0 && v[i - 1] === v[i]) i--;
          return { name: table.names[i]!, value: v[i]! };
        },
      };
    },
  };
}
