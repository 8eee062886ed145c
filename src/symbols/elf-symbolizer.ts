/**
 * Address -> function symbol over one ELF file's link-time addresses (kallsyms.md §6): `.symtab`
 * when present (it has the static functions), else `.dynsym`. Sizes of 0 are inferred from the
 * next symbol or the section end. Sorted typed arrays; `lookup` allocates nothing.
 */
import { type ElfFile, type ElfSymbol, SectionIndex, SymbolBind, SymbolType } from './elf-file.js';

const TWO_32 = 4294967296;

function isFunction(s: ElfSymbol): boolean {
  return (
    (s.type === SymbolType.Func || s.type === SymbolType.GnuIfunc) &&
    s.sectionIndex !== SectionIndex.Undef &&
    s.sectionIndex < SectionIndex.LoReserve
  );
}

/** Preference among symbols at one address: global, then weak, then local; fewer leading `_`. */
function rank(s: ElfSymbol): number {
  const bind = s.bind === SymbolBind.Global ? 0 : s.bind === SymbolBind.Weak ? 1 : 2;
  let u = 0;
  while (u < s.name.length && s.name.charCodeAt(u) === 95) u++;
  return bind * 1000 + Math.min(u, 999);
}

export class ElfSymbolizer {
  readonly symbols: readonly ElfSymbol[];
  /** Which table the symbols come from. */
  readonly table: '.symtab' | '.dynsym' | 'none';
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  private readonly sizes: Float64Array;

  constructor(elf: ElfFile) {
    let syms = elf.symbols().filter(isFunction);
    let table: ElfSymbolizer['table'] = '.symtab';
    if (syms.length === 0) {
      syms = elf.dynamicSymbols().filter(isFunction);
      table = syms.length ? '.dynsym' : 'none';
    }
    this.table = table;
    // Sort by address, the preferred alias first, then drop the other aliases.
    const sorted = [...syms].sort((a, b) =>
      a.value < b.value ? -1 : a.value > b.value ? 1 : rank(a) - rank(b) || a.index - b.index,
    );
    const unique: ElfSymbol[] = [];
    for (const s of sorted)
      if (unique.length === 0 || unique[unique.length - 1]!.value !== s.value) unique.push(s);
    this.symbols = unique;
    const n = unique.length;
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.sizes = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = unique[i]!;
      this.hi[i] = Number(s.value >> 32n);
      this.lo[i] = Number(s.value & 0xffffffffn);
      let size = s.sizeBytes;
      if (size === 0n) {
        // Inferred: up to the next symbol, or the end of the symbol's section.
        const sec = elf.sections[s.sectionIndex];
        const secEnd = sec ? sec.addr + BigInt(sec.sizeBytes) : s.value;
        const next = i + 1 < n ? unique[i + 1]!.value : secEnd;
        size = (next < secEnd ? next : secEnd) - s.value;
        if (size < 0n) size = 0n;
      }
      this.sizes[i] = Number(size);
    }
  }

  /** Index of the function containing vaddr (hi:lo u32 halves), or -1. */
  lookup(hi: number, lo: number): number {
    const h = this.hi;
    const l = this.lo;
    let b = h.length - 1;
    if (b < 0 || hi < h[0]! || (hi === h[0]! && lo < l[0]!)) return -1;
    let a = 0;
    while (a < b) {
      const m = (a + b + 1) >>> 1;
      if (h[m]! < hi || (h[m] === hi && l[m]! <= lo)) a = m;
      else b = m - 1;
    }
    const off = (hi - h[a]!) * TWO_32 + (lo - l[a]!);
    return off < this.sizes[a]! || (off === 0 && this.sizes[a] === 0) ? a : -1;
  }

  /** Function containing a link-time address, with the offset into it. */
  resolve(vaddr: bigint): { symbol: ElfSymbol; offsetBytes: number; sizeBytes: number } | undefined {
    const i = this.lookup(Number(vaddr >> 32n), Number(vaddr & 0xffffffffn));
    if (i < 0) return undefined;
    const s = this.symbols[i]!;
    return { symbol: s, offsetBytes: Number(vaddr - s.value), sizeBytes: this.sizes[i]! };
  }
}
