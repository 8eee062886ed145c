/**
 * `nm`'s view of ELF symbols: which symbols it lists, their type letters (binutils
 * bfd_decode_symclass over the section flags bfd derives from ELF), the printed value and the
 * `@`/`@@` version suffix. Used by `ttng symbols elf` and checked against the real `nm` in
 * test/symbols/elf-nm.test.ts.
 */
import {
  type ElfFile,
  type ElfSection,
  type ElfSymbol,
  ElfType,
  SectionFlag,
  SectionIndex,
  SectionType,
  SymbolBind,
  SymbolType,
} from './elf-file.js';

const EM_X86_64 = 62;
/** x86-64 large common (`SHN_X86_64_LCOMMON`). */
const SHN_X86_64_LCOMMON = 0xff02;

/** nm does not list section and file symbols (bfd marks them as debugging symbols). */
export function isListedByNm(sym: ElfSymbol): boolean {
  return sym.type !== SymbolType.Section && sym.type !== SymbolType.File;
}

function isCommon(elf: ElfFile, sym: ElfSymbol): boolean {
  return (
    sym.sectionIndex === SectionIndex.Common ||
    (elf.header.machine === EM_X86_64 && sym.sectionIndex === SHN_X86_64_LCOMMON)
  );
}

/** The letter bfd derives from a section (decode_section_type over ELF section flags). */
function sectionLetter(s: ElfSection): string {
  for (const [prefix, c] of [
    ['.drectve', 'i'],
    ['.edata', 'e'],
    ['.idata', 'i'],
    ['.pdata', 'p'],
  ] as const) {
    if (s.name.startsWith(prefix)) return c;
  }
  const hasContents = s.type !== SectionType.Nobits;
  const isAlloc = (s.flags & SectionFlag.Alloc) !== 0n;
  const isLoad = isAlloc && hasContents;
  const isReadonly = (s.flags & SectionFlag.Write) === 0n;
  const isCode = (s.flags & SectionFlag.ExecInstr) !== 0n;
  if (isCode) return 't';
  if (isLoad) return isReadonly ? 'r' : 'd';
  if (!hasContents) return 'b';
  const isDebug =
    !isAlloc &&
    (s.name.startsWith('.debug') ||
      s.name.startsWith('.gnu.debuglto_.debug_') ||
      s.name.startsWith('.gnu.linkonce.wi.') ||
      s.name.startsWith('.zdebug') ||
      s.name.startsWith('.line') ||
      s.name.startsWith('.stab') ||
      s.name === '.gdb_index');
  if (isDebug) return 'N';
  if (isReadonly) return 'n';
  return '?';
}

/** nm's type letter of a symbol (`T`, `t`, `U`, `W`, `w`, `V`, `v`, `i`, `u`, `C`, `A`, `B`, ...). */
export function nmTypeLetter(elf: ElfFile, sym: ElfSymbol): string {
  if (isCommon(elf, sym)) return 'C';
  const isWeak = sym.bind === SymbolBind.Weak;
  const isObject = sym.type === SymbolType.Object || sym.type === SymbolType.Common;
  if (sym.sectionIndex === SectionIndex.Undef) return isWeak ? (isObject ? 'v' : 'w') : 'U';
  if (sym.type === SymbolType.GnuIfunc) return 'i';
  if (isWeak) return isObject ? 'V' : 'W';
  if (sym.bind === SymbolBind.GnuUnique) return 'u';
  if (sym.bind !== SymbolBind.Local && sym.bind !== SymbolBind.Global) return '?';
  let c: string;
  const sec = sectionOf(elf, sym);
  if (!sec) c = 'a';
  else c = sectionLetter(sec);
  return sym.bind === SymbolBind.Global ? c.toUpperCase() : c;
}

/** The section a symbol is defined in, or undefined (absolute, undefined, common, reserved). */
export function sectionOf(elf: ElfFile, sym: ElfSymbol): ElfSection | undefined {
  const k = sym.sectionIndex;
  if (k === SectionIndex.Undef || (k >= SectionIndex.LoReserve && k <= 0xffff && k !== SectionIndex.Xindex))
    return undefined;
  const s = elf.sections[k];
  return s && s.type !== SectionType.Null ? s : undefined;
}

/** The value nm prints: st_value (+ section address in relocatable files), st_size for commons. */
export function nmValue(elf: ElfFile, sym: ElfSymbol): bigint {
  if (isCommon(elf, sym)) return sym.sizeBytes;
  if (elf.header.type === ElfType.Rel) {
    const sec = sectionOf(elf, sym);
    if (sec) return sym.value + sec.addr;
  }
  return sym.value;
}

/** Name as nm prints it: `name@@VERSION` (default), `name@VERSION` (hidden or undefined). */
export function nmName(sym: ElfSymbol): string {
  if (!sym.version) return sym.name;
  const at = sym.isVersionHidden || sym.sectionIndex === SectionIndex.Undef ? '@' : '@@';
  return `${sym.name}${at}${sym.version}`;
}

/** One line of `nm` (BSD format): `%016x T name`, blanks for undefined symbols. */
export function nmLine(elf: ElfFile, sym: ElfSymbol): string {
  const width = elf.is64 ? 16 : 8;
  const letter = nmTypeLetter(elf, sym);
  const value =
    letter === 'U' || letter === 'w' || letter === 'v'
      ? ' '.repeat(width)
      : nmValue(elf, sym).toString(16).padStart(width, '0');
  return `${value} ${letter} ${nmName(sym)}`;
}

/** What `nm` (dynamic = false) or `nm -D` (dynamic = true) prints, in symbol-table order. */
export function nmLines(elf: ElfFile, dynamic: boolean): string[] {
  const syms = dynamic ? elf.dynamicSymbols() : elf.symbols();
  return syms.filter(isListedByNm).map((s) => nmLine(elf, s));
}
