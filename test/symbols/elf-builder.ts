/**
 * Builds small ELF executables for tests (any class and byte order): .text, .data, .probes, .bss,
 * a build-id note, .stapsdt.base and two SDT notes, .symtab with every symbol kind nm prints, a
 * .gnu_debuglink, two PT_LOADs (the second with file offset != vaddr - base). Deterministic: the
 * committed fixtures of test/data/symbols/elf are this builder's output (PROVENANCE.md).
 */

export interface ElfBuildSpec {
  readonly classBits: 32 | 64;
  readonly bigEndian: boolean;
  /** e_machine: 3 (i386), 62 (x86-64), 20 (PPC), 21 (PPC64)... */
  readonly machine: number;
}

class Out {
  bytes = new Uint8Array(0x3000);
  view = new DataView(this.bytes.buffer);
  constructor(readonly le: boolean) {}
  u8(o: number, v: number): void {
    this.bytes[o] = v;
  }
  u16(o: number, v: number): void {
    this.view.setUint16(o, v, this.le);
  }
  u32(o: number, v: number): void {
    this.view.setUint32(o, v, this.le);
  }
  u64(o: number, v: bigint): void {
    this.view.setBigUint64(o, v, this.le);
  }
  str(o: number, s: string): void {
    for (let i = 0; i < s.length; i++) this.bytes[o + i] = s.charCodeAt(i);
  }
}

class StrTab {
  text = '\0';
  add(s: string): number {
    if (s === '') return 0;
    const at = this.text.length;
    this.text += `${s}\0`;
    return at;
  }
}

// Layout (file offset -> vaddr): segment 1 [0, 0x1000) at 0x400000; segment 2 [0x1000, 0x1100)
// at 0x411000 (so data file offsets are not vaddr - 0x400000).
const TEXT_BASE = 0x400000n;
const DATA_VADDR = 0x411000n;

export function buildElf(spec: ElfBuildSpec): Uint8Array {
  const is64 = spec.classBits === 64;
  const o = new Out(!spec.bigEndian);
  const addr = (off: number, v: bigint): void => (is64 ? o.u64(off, v) : o.u32(off, Number(v)));
  // e_ident
  o.bytes.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, spec.bigEndian ? 2 : 1, 1, 0]);
  const ehSize = is64 ? 64 : 52;
  const phEnt = is64 ? 56 : 32;
  const shEnt = is64 ? 64 : 40;
  const phOff = ehSize;
  const phNum = 3;

  // Contents.
  const buildIdOff = 0x100;
  o.u32(buildIdOff, 4);
  o.u32(buildIdOff + 4, 20);
  o.u32(buildIdOff + 8, 3);
  o.str(buildIdOff + 12, 'GNU\0');
  for (let i = 0; i < 20; i++)
    o.u8(buildIdOff + 16 + i, (i * 37 + spec.classBits + (spec.bigEndian ? 1 : 0)) & 0xff);
  const buildIdSize = 36;
  const textOff = 0x200;
  for (let i = 0; i < 0x40; i++) o.u8(textOff + i, 0x90);
  const sdtBaseOff = 0x300;
  const dataOff = 0x1000;
  o.u32(dataOff, 0x11223344);
  const probesOff = 0x1010;
  const bssVaddr = DATA_VADDR + 0x20n;
  const vaddrOf = (off: number): bigint =>
    off < 0x1000 ? TEXT_BASE + BigInt(off) : DATA_VADDR + BigInt(off - 0x1000);

  // .note.stapsdt (not allocated).
  const sdtOff = 0x1100;
  let p = sdtOff;
  const sdtNote = (provider: string, name: string, pc: bigint, sem: bigint, args: string): void => {
    const a = is64 ? 8 : 4;
    const descsz = 3 * a + provider.length + name.length + args.length + 3;
    o.u32(p, 8);
    o.u32(p + 4, descsz);
    o.u32(p + 8, 3);
    o.str(p + 12, 'stapsdt\0');
    const d = p + 20;
    addr(d, pc);
    addr(d + a, vaddrOf(sdtBaseOff));
    addr(d + 2 * a, sem);
    o.str(d + 3 * a, `${provider}\0${name}\0${args}\0`);
    p = d + ((descsz + 3) & ~3);
  };
  sdtNote('prov', 'tick', vaddrOf(textOff + 0x14), vaddrOf(probesOff), '-4@%edi 8@-8(%rbp)');
  sdtNote('prov', 'tock', vaddrOf(textOff + 0x24), 0n, '$42 -2@%ax');
  const sdtSize = p - sdtOff;

  // .gnu_debuglink.
  const linkOff = (p + 3) & ~3;
  o.str(linkOff, 'fixture.debug\0');
  const crcOff = linkOff + 16;
  o.u32(crcOff, 0xdeadbeef);
  const linkSize = 20;

  // .strtab / .symtab.
  const strtab = new StrTab();
  type S = { name: string; value: bigint; size: bigint; bind: number; type: number; shndx: number };
  const SH = { text: 1, buildId: 2, sdtBase: 3, data: 4, probes: 5, bss: 6 };
  const syms: S[] = [
    { name: 'fixture.c', value: 0n, size: 0n, bind: 0, type: 4, shndx: 0xfff1 },
    { name: '', value: vaddrOf(textOff), size: 0n, bind: 0, type: 3, shndx: SH.text },
    { name: 'local_fn', value: vaddrOf(textOff), size: 0x10n, bind: 0, type: 2, shndx: SH.text },
    { name: 'bss_obj', value: bssVaddr, size: 4n, bind: 0, type: 1, shndx: SH.bss },
    { name: 'global_fn', value: vaddrOf(textOff + 0x10), size: 0x20n, bind: 1, type: 2, shndx: SH.text },
    { name: 'weak_fn', value: vaddrOf(textOff + 0x30), size: 0n, bind: 2, type: 2, shndx: SH.text },
    { name: 'data_obj', value: vaddrOf(dataOff), size: 8n, bind: 1, type: 1, shndx: SH.data },
    { name: 'weak_obj', value: vaddrOf(dataOff + 8), size: 8n, bind: 2, type: 1, shndx: SH.data },
    { name: 'prov_tick_semaphore', value: vaddrOf(probesOff), size: 2n, bind: 1, type: 1, shndx: SH.probes },
    { name: 'undef_fn', value: 0n, size: 0n, bind: 1, type: 0, shndx: 0 },
    { name: 'weak_undef', value: 0n, size: 0n, bind: 2, type: 0, shndx: 0 },
    { name: 'abs_sym', value: 0x1234n, size: 0n, bind: 1, type: 0, shndx: 0xfff1 },
    { name: 'ifunc_fn', value: vaddrOf(textOff + 0x38), size: 8n, bind: 1, type: 10, shndx: SH.text },
    { name: 'unique_obj', value: vaddrOf(dataOff + 4), size: 4n, bind: 10, type: 1, shndx: SH.data },
    { name: 'ro_marker', value: vaddrOf(sdtBaseOff), size: 0n, bind: 1, type: 0, shndx: SH.sdtBase },
  ];
  const firstGlobal = syms.findIndex((s) => s.bind !== 0) + 1;
  const symEnt = is64 ? 24 : 16;
  const symOff = 0x1200;
  syms.forEach((s, k) => {
    const e = symOff + (k + 1) * symEnt;
    const nameOff = strtab.add(s.name);
    const info = (s.bind << 4) | s.type;
    if (is64) {
      o.u32(e, nameOff);
      o.u8(e + 4, info);
      o.u8(e + 5, 0);
      o.u16(e + 6, s.shndx);
      o.u64(e + 8, s.value);
      o.u64(e + 16, s.size);
    } else {
      o.u32(e, nameOff);
      o.u32(e + 4, Number(s.value));
      o.u32(e + 8, Number(s.size));
      o.u8(e + 12, info);
      o.u8(e + 13, 0);
      o.u16(e + 14, s.shndx);
    }
  });
  const symSize = (syms.length + 1) * symEnt;
  const strOff = symOff + symSize;
  o.str(strOff, strtab.text);
  const strSize = strtab.text.length;

  // Section headers.
  const shstr = new StrTab();
  type Sec = [
    name: string,
    type: number,
    flags: bigint,
    vaddr: bigint,
    off: number,
    size: number,
    link: number,
    info: number,
    align: number,
    entsize: number,
  ];
  const A = 2n;
  const W = 1n;
  const X = 4n;
  const secs: Sec[] = [
    ['', 0, 0n, 0n, 0, 0, 0, 0, 0, 0],
    ['.text', 1, A | X, vaddrOf(textOff), textOff, 0x40, 0, 0, 16, 0],
    ['.note.gnu.build-id', 7, A, vaddrOf(buildIdOff), buildIdOff, buildIdSize, 0, 0, 4, 0],
    ['.stapsdt.base', 1, A, vaddrOf(sdtBaseOff), sdtBaseOff, 1, 0, 0, 1, 0],
    ['.data', 1, A | W, vaddrOf(dataOff), dataOff, 0x10, 0, 0, 8, 0],
    ['.probes', 1, A | W, vaddrOf(probesOff), probesOff, 2, 0, 0, 2, 0],
    ['.bss', 8, A | W, bssVaddr, 0x1020, 0x20, 0, 0, 8, 0],
    ['.note.stapsdt', 7, 0n, 0n, sdtOff, sdtSize, 0, 0, 4, 0],
    ['.gnu_debuglink', 1, 0n, 0n, linkOff, linkSize, 0, 0, 4, 0],
    ['.symtab', 2, 0n, 0n, symOff, symSize, 10, firstGlobal, is64 ? 8 : 4, symEnt],
    ['.strtab', 3, 0n, 0n, strOff, strSize, 0, 0, 1, 0],
    ['.shstrtab', 3, 0n, 0n, 0, 0, 0, 0, 1, 0],
  ];
  const names = secs.map((s) => shstr.add(s[0]));
  const shstrOff = strOff + strSize;
  o.str(shstrOff, shstr.text);
  secs[11]![4] = shstrOff;
  secs[11]![5] = shstr.text.length;
  const shOff = (shstrOff + shstr.text.length + 7) & ~7;
  secs.forEach((s, k) => {
    const e = shOff + k * shEnt;
    const [, type, flags, vaddr, off, size, link, info, align, entsize] = s;
    o.u32(e, names[k]!);
    o.u32(e + 4, type);
    if (is64) {
      o.u64(e + 8, flags);
      o.u64(e + 16, vaddr);
      o.u64(e + 24, BigInt(off));
      o.u64(e + 32, BigInt(size));
      o.u32(e + 40, link);
      o.u32(e + 44, info);
      o.u64(e + 48, BigInt(align));
      o.u64(e + 56, BigInt(entsize));
    } else {
      o.u32(e + 8, Number(flags));
      o.u32(e + 12, Number(vaddr));
      o.u32(e + 16, off);
      o.u32(e + 20, size);
      o.u32(e + 24, link);
      o.u32(e + 28, info);
      o.u32(e + 32, align);
      o.u32(e + 36, entsize);
    }
  });
  const total = shOff + secs.length * shEnt;

  // Program headers: PT_LOAD text, PT_LOAD data (+bss), PT_NOTE (build-id).
  const phdrs: [
    type: number,
    flags: number,
    off: number,
    vaddr: bigint,
    filesz: number,
    memsz: number,
    align: number,
  ][] = [
    [1, 5, 0, TEXT_BASE, 0x400, 0x400, 0x1000],
    [1, 6, 0x1000, DATA_VADDR, 0x20, 0x40, 0x1000],
    [4, 4, buildIdOff, vaddrOf(buildIdOff), buildIdSize, buildIdSize, 4],
  ];
  phdrs.forEach(([type, flags, off, vaddr, filesz, memsz, align], k) => {
    const e = phOff + k * phEnt;
    o.u32(e, type);
    if (is64) {
      o.u32(e + 4, flags);
      o.u64(e + 8, BigInt(off));
      o.u64(e + 16, vaddr);
      o.u64(e + 24, vaddr);
      o.u64(e + 32, BigInt(filesz));
      o.u64(e + 40, BigInt(memsz));
      o.u64(e + 48, BigInt(align));
    } else {
      o.u32(e + 4, off);
      o.u32(e + 8, Number(vaddr));
      o.u32(e + 12, Number(vaddr));
      o.u32(e + 16, filesz);
      o.u32(e + 20, memsz);
      o.u32(e + 24, flags);
      o.u32(e + 28, align);
    }
  });

  // ELF header.
  o.u16(16, 2); // ET_EXEC
  o.u16(18, spec.machine);
  o.u32(20, 1);
  addr(24, TEXT_BASE + BigInt(textOff));
  if (is64) {
    o.u64(32, BigInt(phOff));
    o.u64(40, BigInt(shOff));
    o.u32(48, 0);
    o.u16(52, ehSize);
    o.u16(54, phEnt);
    o.u16(56, phNum);
    o.u16(58, shEnt);
    o.u16(60, secs.length);
    o.u16(62, 11);
  } else {
    o.u32(28, phOff);
    o.u32(32, shOff);
    o.u32(36, 0);
    o.u16(40, ehSize);
    o.u16(42, phEnt);
    o.u16(44, phNum);
    o.u16(46, shEnt);
    o.u16(48, secs.length);
    o.u16(50, 11);
  }
  return o.bytes.slice(0, total);
}

/** The fixtures committed under test/data/symbols/elf. */
export const FIXTURES: Record<string, ElfBuildSpec> = {
  'be64-ppc64.elf': { classBits: 64, bigEndian: true, machine: 21 },
  'be32-ppc.elf': { classBits: 32, bigEndian: true, machine: 20 },
  'le32-i386.elf': { classBits: 32, bigEndian: false, machine: 3 },
  'le64-x86-64.elf': { classBits: 64, bigEndian: false, machine: 62 },
};
