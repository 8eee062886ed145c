/**
 * Uprobe locations for the kernel tracer: `elf:PATH:SYMBOL[+OFF]` and `sdt:PATH:PROVIDER:NAME`
 * resolved to what uprobe_events takes: `PATH:0xFILEOFF[(0xREF_CTR_OFFSET)] fetchargs...`
 * (kallsyms.md §6-7). Pure over a parsed ElfFile.
 */
import { type ElfFile, type ElfSymbol, SectionIndex, SymbolType } from './elf-file.js';
import { SymbolsError, SymbolsErrorCode } from './errors.js';
import { convertSdtArguments, type SdtArgument, type SdtProbe, sdtProbes } from './sdt.js';

export type UprobeSpec =
  | { readonly kind: 'elf'; readonly path: string; readonly symbol: string; readonly offsetBytes: bigint }
  | { readonly kind: 'sdt'; readonly path: string; readonly provider: string; readonly name: string };

/** Parses `elf:PATH:SYMBOL[+OFF]` or `sdt:PATH:PROVIDER:NAME`. */
export function parseUprobeSpec(spec: string): UprobeSpec {
  const bad = (why: string): SymbolsError =>
    new SymbolsError(
      SymbolsErrorCode.Location,
      `uprobe location "${spec}": ${why}; expected elf:PATH:SYMBOL[+OFFSET] or sdt:PATH:PROVIDER:NAME`,
    );
  if (spec.startsWith('elf:')) {
    const rest = spec.slice(4);
    const c = rest.lastIndexOf(':');
    if (c <= 0 || c === rest.length - 1) throw bad('missing PATH or SYMBOL');
    const symPart = rest.slice(c + 1);
    const m = /^([^+\s]+)(?:\+(0x[0-9a-fA-F]+|\d+))?$/.exec(symPart);
    if (!m) throw bad(`"${symPart}" is not SYMBOL or SYMBOL+OFFSET`);
    return { kind: 'elf', path: rest.slice(0, c), symbol: m[1]!, offsetBytes: m[2] ? BigInt(m[2]) : 0n };
  }
  if (spec.startsWith('sdt:')) {
    const parts = spec.slice(4).split(':');
    if (parts.length < 3) throw bad('missing PATH, PROVIDER or NAME');
    const name = parts.pop()!;
    const provider = parts.pop()!;
    const path = parts.join(':');
    if (!path || !provider || !name) throw bad('empty PATH, PROVIDER or NAME');
    return { kind: 'sdt', path, provider, name };
  }
  throw bad('unknown kind');
}

export interface UprobeLocation {
  readonly path: string;
  /** Offset in the file of the probed instruction. */
  readonly offsetBytes: bigint;
  /** File offset of the SDT semaphore (REF_CTR_OFFSET), when the probe has one. */
  readonly refCtrOffsetBytes: bigint | undefined;
  /** Converted SDT arguments (empty for elf: locations). */
  readonly args: readonly SdtArgument[];
  readonly probe: SdtProbe | undefined;
  readonly symbol: ElfSymbol | undefined;
}

function fileOffsetOf(elf: ElfFile, vaddr: bigint, what: string): bigint {
  const off = elf.vaddrToFileOffset(vaddr);
  if (off === undefined) {
    throw new SymbolsError(
      SymbolsErrorCode.Location,
      `${elf.source}: ${what} at vaddr 0x${vaddr.toString(16)} is in no PT_LOAD segment of the file, so it has no file offset`,
    );
  }
  return off;
}

/** `elf:PATH:SYMBOL+OFF`: the function symbol's file offset (+OFF). Ambiguous names list candidates. */
export function resolveElfSymbolLocation(
  elf: ElfFile,
  path: string,
  symbol: string,
  plusBytes = 0n,
): UprobeLocation {
  const defined = (s: ElfSymbol): boolean =>
    s.name === symbol && s.sectionIndex !== SectionIndex.Undef && s.sectionIndex < SectionIndex.LoReserve;
  let cands = elf.symbols().filter(defined);
  if (cands.length === 0) cands = elf.dynamicSymbols().filter(defined);
  const distinct = [...new Map(cands.map((s) => [s.value, s])).values()];
  if (distinct.length === 0) {
    throw new SymbolsError(
      SymbolsErrorCode.NotFound,
      `${path}: no defined symbol named "${symbol}" in .symtab or .dynsym`,
    );
  }
  if (distinct.length > 1) {
    throw new SymbolsError(
      SymbolsErrorCode.Ambiguous,
      `${path}: ${distinct.length} symbols are named "${symbol}" (at ${distinct.map((s) => `0x${s.value.toString(16)}`).join(', ')}); name a unique neighbouring symbol with SYMBOL+OFFSET instead`,
    );
  }
  const s = distinct[0]!;
  if (s.type !== SymbolType.Func && s.type !== SymbolType.GnuIfunc && s.type !== SymbolType.NoType) {
    throw new SymbolsError(
      SymbolsErrorCode.Location,
      `${path}: "${symbol}" is not a function (ELF symbol type ${s.type})`,
    );
  }
  return {
    path,
    offsetBytes: fileOffsetOf(elf, s.value + plusBytes, `symbol ${symbol}`),
    refCtrOffsetBytes: undefined,
    args: [],
    probe: undefined,
    symbol: s,
  };
}

/** `sdt:PATH:PROVIDER:NAME`: one location per probe site (a probe may have several). */
export function resolveSdtLocations(
  elf: ElfFile,
  path: string,
  provider: string,
  name: string,
): UprobeLocation[] {
  const probes = sdtProbes(elf).filter((p) => p.provider === provider && p.name === name);
  if (probes.length === 0) {
    const all = sdtProbes(elf).map((p) => `${p.provider}:${p.name}`);
    throw new SymbolsError(
      SymbolsErrorCode.NotFound,
      `${path}: no SDT probe ${provider}:${name}${all.length ? ` (the file has ${[...new Set(all)].join(', ')})` : ' (the file has no .note.stapsdt probes)'}`,
    );
  }
  const symbolVaddr = (n: string): bigint | undefined => {
    const s =
      elf.symbols().find((x) => x.name === n && x.sectionIndex !== SectionIndex.Undef) ??
      elf.dynamicSymbols().find((x) => x.name === n && x.sectionIndex !== SectionIndex.Undef);
    return s?.value;
  };
  return probes.map((p) => {
    const offsetBytes = fileOffsetOf(elf, p.pcAdjusted, `SDT probe ${provider}:${name}`);
    const ref =
      p.semaphoreAdjusted === 0n
        ? undefined
        : fileOffsetOf(elf, p.semaphoreAdjusted, `the semaphore of ${provider}:${name}`);
    return {
      path,
      offsetBytes,
      refCtrOffsetBytes: ref,
      args: convertSdtArguments(p.args, { symbolVaddr, pcVaddr: p.pcAdjusted, pcFileOffset: offsetBytes }),
      probe: p,
      symbol: undefined,
    };
  });
}

/** The uprobe_events line: `p:GROUP/EVENT PATH:0xOFF(0xREF) arg1=%di:s64 ...`. */
export function uprobeDefinition(loc: UprobeLocation, group: string, event: string): string {
  const ref = loc.refCtrOffsetBytes === undefined ? '' : `(0x${loc.refCtrOffsetBytes.toString(16)})`;
  const args = loc.args
    .map((a, k) => (a.fetchArg ? `arg${k + 1}=${a.fetchArg}` : ''))
    .filter((x) => x)
    .join(' ');
  return `p:${group}/${event} ${loc.path}:0x${loc.offsetBytes.toString(16)}${ref}${args ? ` ${args}` : ''}`;
}
