/**
 * SystemTap SDT (USDT) probes from `.note.stapsdt` (kallsyms.md §7) and their uprobe form: file
 * offset of the probe site, semaphore file offset (REF_CTR_OFFSET), and the SDT argument strings
 * (`-4@%edi`, `8@-80(%rbx)`, `$42`) converted to uprobe fetchargs (`%di:s32`, `-80(%bx):u64`,
 * `\42:u64`).
 */
import type { ElfFile } from './elf-file.js';
import { SymbolsError, SymbolsErrorCode } from './errors.js';

/** NT_STAPSDT. */
export const NT_STAPSDT = 3;

export interface SdtProbe {
  readonly provider: string;
  readonly name: string;
  /** Probe site, link-time vaddr as written in the note. */
  readonly pc: bigint;
  /** Link-time address of `.stapsdt.base` when the note was written. */
  readonly base: bigint;
  /** Semaphore (u16 counter) link-time vaddr, 0 when the probe has none. */
  readonly semaphore: bigint;
  /** The argument string as written (`8@%rdx 8@-80(%rbx)`). */
  readonly args: string;
  /** `pc` moved by `sh_addr(.stapsdt.base) - base` (prelink correction; equal when not prelinked). */
  readonly pcAdjusted: bigint;
  /** Semaphore moved by the same correction (0 stays 0). */
  readonly semaphoreAdjusted: bigint;
  /** Offset of the note header in the file. */
  readonly noteOffsetBytes: number;
}

/** Decodes every SDT probe note of the file. */
export function sdtProbes(elf: ElfFile): SdtProbe[] {
  const baseSec = elf.section('.stapsdt.base');
  const out: SdtProbe[] = [];
  const addrSize = elf.is64 ? 8 : 4;
  for (const note of elf.notes()) {
    if (note.name !== 'stapsdt' || note.type !== NT_STAPSDT) continue;
    const d = note.desc;
    if (d.length < 3 * addrSize + 3) {
      throw new SymbolsError(
        SymbolsErrorCode.Sdt,
        `${elf.source}: .note.stapsdt note at byte offset 0x${note.offsetBytes.toString(16)} has a ${d.length}-byte descriptor, too short for 3 addresses and 3 strings`,
      );
    }
    const pc = elf.readDescAddress(d, 0);
    const base = elf.readDescAddress(d, addrSize);
    const semaphore = elf.readDescAddress(d, 2 * addrSize);
    const strings: string[] = [];
    let p = 3 * addrSize;
    for (let k = 0; k < 3; k++) {
      let e = p;
      while (e < d.length && d[e] !== 0) e++;
      if (e >= d.length) {
        throw new SymbolsError(
          SymbolsErrorCode.Sdt,
          `${elf.source}: .note.stapsdt note at byte offset 0x${note.offsetBytes.toString(16)}: unterminated ${['provider', 'name', 'argument'][k]} string`,
        );
      }
      strings.push(String.fromCharCode(...d.subarray(p, e)));
      p = e + 1;
    }
    const delta = baseSec && base !== 0n ? baseSec.addr - base : 0n;
    out.push({
      provider: strings[0]!,
      name: strings[1]!,
      pc,
      base,
      semaphore,
      args: strings[2]!,
      pcAdjusted: pc + delta,
      semaphoreAdjusted: semaphore === 0n ? 0n : semaphore + delta,
      noteOffsetBytes: note.offsetBytes,
    });
  }
  return out;
}

const REGISTERS: Record<string, string> = {};
for (const [pt, names] of [
  ['ax', ['rax', 'eax', 'ax', 'al', 'ah']],
  ['bx', ['rbx', 'ebx', 'bx', 'bl', 'bh']],
  ['cx', ['rcx', 'ecx', 'cx', 'cl', 'ch']],
  ['dx', ['rdx', 'edx', 'dx', 'dl', 'dh']],
  ['si', ['rsi', 'esi', 'si', 'sil']],
  ['di', ['rdi', 'edi', 'di', 'dil']],
  ['bp', ['rbp', 'ebp', 'bp', 'bpl']],
  ['sp', ['rsp', 'esp', 'sp', 'spl']],
  ['ip', ['rip', 'eip', 'ip']],
] as const) {
  for (const n of names) REGISTERS[n] = pt;
}
for (let r = 8; r <= 15; r++) for (const s of ['', 'd', 'w', 'b']) REGISTERS[`r${r}${s}`] = `r${r}`;

/** One SDT argument converted to a uprobe fetcharg. */
export interface SdtArgument {
  /** The SDT text (`-4@%edi`). */
  readonly sdt: string;
  readonly sizeBytes: number;
  readonly isSigned: boolean;
  /** The fetcharg (`%di:s32`), or undefined when the operand cannot be expressed. */
  readonly fetchArg: string | undefined;
  /** Why `fetchArg` is approximate or missing (index/scale addressing, unknown symbol...). */
  readonly note: string | undefined;
}

export interface SdtConvertContext {
  /**
   * `sym(%rip)` operands: the symbol's link-time vaddr (undefined when unknown). The fetcharg is
   * `@+N` with N relative to the probed mapping: N = vaddr(sym) - (vaddr(pc) - fileoffset(pc)).
   */
  readonly symbolVaddr?: (name: string) => bigint | undefined;
  readonly pcVaddr?: bigint;
  readonly pcFileOffset?: bigint;
}

function register(name: string, sdt: string): string {
  const r = REGISTERS[name.toLowerCase()];
  if (!r) throw new SymbolsError(SymbolsErrorCode.Sdt, `SDT argument "${sdt}": unknown register %${name}`);
  return `%${r}`;
}

/** Converts one `[-]N@OPERAND` SDT argument (x86 AT&T syntax) to a uprobe fetcharg. */
export function convertSdtArgument(sdt: string, ctx: SdtConvertContext = {}): SdtArgument {
  const m = /^(-?)(\d+)@(.+)$/.exec(sdt);
  let isSigned = false;
  let size = 8;
  let operand = sdt;
  if (m) {
    isSigned = m[1] === '-';
    size = Number(m[2]);
    operand = m[3]!;
  }
  if (![1, 2, 4, 8].includes(size)) {
    throw new SymbolsError(
      SymbolsErrorCode.Sdt,
      `SDT argument "${sdt}": size ${size} is not 1, 2, 4 or 8 bytes`,
    );
  }
  const type = `${isSigned ? 's' : 'u'}${size * 8}`;
  const done = (fetch: string | undefined, note?: string): SdtArgument => ({
    sdt,
    sizeBytes: size,
    isSigned,
    fetchArg: fetch === undefined ? undefined : `${fetch}:${type}`,
    note,
  });
  let r: RegExpExecArray | null;
  if ((r = /^%([a-z0-9]+)$/i.exec(operand))) return done(register(r[1]!, sdt));
  if ((r = /^\$(-?(?:0x[0-9a-f]+|\d+))$/i.exec(operand)))
    return done(`\\${BigInt(r[1]!.replace(/^-/, '')) * (r[1]!.startsWith('-') ? -1n : 1n)}`);
  if ((r = /^(-?(?:0x[0-9a-f]+|\d+))?\(%([a-z0-9]+)\)$/i.exec(operand))) {
    const disp = r[1] ? Number(BigInt(r[1].replace(/^-/, '')) * (r[1].startsWith('-') ? -1n : 1n)) : 0;
    const reg = register(r[2]!, sdt);
    if (reg === '%ip') return done(undefined, 'a %rip-relative operand without a symbol cannot be fetched');
    return done(`${disp < 0 ? disp : `+${disp}`}(${reg})`);
  }
  if ((r = /^([A-Za-z_.$][\w.$@]*)(?:([+-]\d+))?\(%rip\)$/.exec(operand))) {
    const vaddr = ctx.symbolVaddr?.(r[1]!);
    if (vaddr === undefined || ctx.pcVaddr === undefined || ctx.pcFileOffset === undefined) {
      return done(undefined, `symbol ${r[1]} is not in the file's symbol tables`);
    }
    const n = vaddr + BigInt(r[2] ?? 0) - (ctx.pcVaddr - ctx.pcFileOffset);
    return done(`@+${n}`);
  }
  if ((r = /^(-?(?:0x[0-9a-f]+|\d+))?\(%([a-z0-9]+),%([a-z0-9]+)(?:,(\d))?\)$/i.exec(operand))) {
    return done(
      register(r[2]!, sdt),
      'index/scale addressing cannot be expressed as a fetcharg: the base register is given instead',
    );
  }
  throw new SymbolsError(
    SymbolsErrorCode.Sdt,
    `SDT argument "${sdt}": operand "${operand}" is not a register, immediate or memory reference`,
  );
}

/** Splits an SDT argument string (space separated) and converts each. */
export function convertSdtArguments(args: string, ctx: SdtConvertContext = {}): SdtArgument[] {
  return args
    .trim()
    .split(/\s+/)
    .filter((a) => a)
    .map((a) => convertSdtArgument(a, ctx));
}
