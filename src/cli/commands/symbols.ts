/**
 * `ttng symbols`: kernel symbols (list with unique names, lookup both ways), ELF symbols and SDT
 * probes, uprobe locations, process addresses. docs/symbols.md has examples.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import {
  buildNaming,
  type ElfFile,
  type KallsymsTable,
  kallmodsymsNaming,
  LookupStatus,
  lazyNaming,
  loadKallsyms,
  loadKbuildArtifacts,
  nmLines,
  processSymbolizer,
  readElf,
  resolveUprobe,
  type SdtProbe,
  SymbolLookup,
  type SymbolNaming,
  sdtProbes,
  splitAddress,
  uprobeDefinition,
} from '../../symbols/index.js';
import { UsageError } from '../errors.js';

export const summary = 'Kernel and ELF symbols: list, lookup, unique names, SDT probes, uprobe locations';

export const usage = `Usage:
  ttng symbols list   [KERNEL OPTIONS] [--unique] [--module NAME]
  ttng symbols lookup [KERNEL OPTIONS] ADDRESS|NAME|UNIQUE-NAME...
  ttng symbols elf    FILE [--dynamic] [--sort name|address|none] [--sdt] [--info]
  ttng symbols uprobe SPEC... [--group GROUP] [--event EVENT]
  ttng symbols proc   PID ADDRESS...

Kernel symbols come from /proc/kallsyms (or --kallsyms FILE, or --system-map FILE). Duplicate
names get unique names: "NAME [module] {object}" where kbuild artifacts say so (kallmodsyms'
rules), else "NAME {@anchor}" (the nearest lower symbol whose name is unique).

  list            one line per symbol, /proc/kallmodsyms format: ADDRESS TYPE NAME<TAB>annotations;
                  without --unique only kallmodsyms' [module]/{object} annotations are printed,
                  with --unique every line carries the annotations that make its name unique
  lookup          ADDRESS (0x... or 8/16 hex digits) -> "name+0xOFF/0xSIZE [module]" and its unique
                  name; NAME or UNIQUE-NAME -> address. Exit 1 when one is not found or a name is
                  ambiguous (the candidates are listed with their unique names)

Kernel options:
  --kallsyms FILE         a saved /proc/kallsyms (default: /proc/kallsyms)
  --system-map FILE       a System.map instead (same format, build-time addresses)
  --modules-builtin FILE  modules.builtin
  --builtin-objs FILE     modules.builtin.objs (object files of each built-in module)
  --builtin-modinfo FILE  modules.builtin.modinfo
  --builtin-ranges FILE   modules.builtin.ranges (kernel 6.12+)
  --linker-map FILE       the kernel's GNU ld map (object file per address range)
  --vmlinux FILE          a vmlinux with .symtab (STT_FILE runs name the objects of static functions)

ELF:
  elf FILE        nm-style lines (VALUE TYPE NAME[@VERSION]) of .symtab, or .dynsym with --dynamic;
                  --sdt lists .note.stapsdt probes with their uprobe location; --info prints class,
                  byte order, type, build-id and .gnu_debuglink
  uprobe SPEC     elf:PATH:SYMBOL[+OFFSET] or sdt:PATH:PROVIDER:NAME -> the uprobe_events line
  proc PID ADDR   addresses of a live process -> symbol+offset (path), through /proc/PID/maps
`;

const KERNEL_OPTIONS = {
  kallsyms: { type: 'string' },
  'system-map': { type: 'string' },
  'modules-builtin': { type: 'string' },
  'builtin-objs': { type: 'string' },
  'builtin-modinfo': { type: 'string' },
  'builtin-ranges': { type: 'string' },
  'linker-map': { type: 'string' },
  vmlinux: { type: 'string' },
} as const;

type Values = Record<string, string | boolean | undefined>;

function parse(
  args: string[],
  options: ParseArgsConfig['options'],
): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

type KernelValues = { [K in keyof typeof KERNEL_OPTIONS]?: string };

/** `lazy`: names computed when asked for (lookups), not for every symbol up front (list). */
async function loadKernel(
  v: KernelValues,
  lazy = false,
): Promise<{ table: KallsymsTable; naming: SymbolNaming }> {
  if (v.kallsyms && v['system-map']) throw new UsageError('give --kallsyms or --system-map, not both');
  const table = loadKallsyms({ path: v.kallsyms ?? v['system-map'] });
  const artifacts = loadKbuildArtifacts({
    modulesBuiltin: v['modules-builtin'],
    builtinObjs: v['builtin-objs'],
    builtinModinfo: v['builtin-modinfo'],
    builtinRanges: v['builtin-ranges'],
    linkerMap: v['linker-map'],
    vmlinux: v.vmlinux,
  });
  const naming = artifacts
    ? kallmodsymsNaming(table, artifacts)
    : lazy
      ? lazyNaming(table)
      : buildNaming(table);
  return { table, naming };
}

function write(lines: string[]): void {
  if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
}

async function list(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...KERNEL_OPTIONS,
    unique: { type: 'boolean' },
    module: { type: 'string' },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const { table, naming } = await loadKernel(values as KernelValues);
  const out: string[] = [];
  const mod = values.module as string | undefined;
  for (let i = 0; i < table.count; i++) {
    if (mod !== undefined && table.module(i) !== mod) continue;
    if (values.unique) {
      out.push(naming.listLine(i));
    } else {
      // kallmodsyms' own annotations only: drop the anchor fallback.
      const a = naming
        .annotation(i)
        .split(' ')
        .filter((x) => x && !x.startsWith('{@') && !x.startsWith('{#'))
        .join(' ');
      const head = `${table.addressHex(i)} ${naming.listType(i)} ${table.name(i)}`;
      out.push(a ? `${head}\t${a}` : head);
    }
    if (out.length >= 8192) {
      write(out);
      out.length = 0;
    }
  }
  write(out);
  return 0;
}

function isAddressArg(a: string, table: KallsymsTable): boolean {
  if (/^0x[0-9a-f]{1,16}$/i.test(a)) return true;
  return /^([0-9a-f]{8}|[0-9a-f]{16})$/i.test(a) && table.indicesOfNameOnce(a).length === 0;
}

async function lookup(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, KERNEL_OPTIONS);
  if (positionals.length === 0) throw new UsageError('give at least one ADDRESS, NAME or UNIQUE-NAME');
  const { table, naming } = await loadKernel(values as KernelValues, true);
  let status = 0;
  const out = new SymbolLookup();
  for (const arg of positionals) {
    if (isAddressArg(arg, table)) {
      const a = splitAddress(arg)!;
      const st = table.lookupInto(a.hi, a.lo, out);
      if (st === LookupStatus.NotFound) {
        process.stderr.write(`ttng symbols: ${arg}: no kernel symbol covers this address\n`);
        status = 1;
        continue;
      }
      const r = table.resolve(arg)!;
      const flags = [
        st === LookupStatus.InPadding ? 'padding before the function' : '',
        r.isOutsideText ? 'outside kernel text' : '',
      ]
        .filter((x) => x)
        .join(', ');
      write([`${arg} ${r.text}\t${naming.uniqueName(r.index)}${flags ? `\t(${flags})` : ''}`]);
      continue;
    }
    const u = naming.indexOf(arg);
    if (u >= 0) {
      write([`${table.addressHex(u)} ${table.type(u)} ${naming.uniqueName(u)}`]);
      continue;
    }
    const cands = table.indicesOfNameOnce(arg.trim());
    if (cands.length === 0) {
      process.stderr.write(`ttng symbols: ${arg}: no kernel symbol has this name or unique name\n`);
      status = 1;
      continue;
    }
    const lines = cands.map((i) => `  ${table.addressHex(i)} ${table.type(i)} ${naming.uniqueName(i)}`);
    process.stderr.write(
      `ttng symbols: ${arg}: ambiguous, ${cands.length} symbols have this name; give one of these unique names:\n${lines.join('\n')}\n`,
    );
    status = 1;
  }
  return status;
}

function sdtLines(elf: ElfFile, path: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const p of sdtProbes(elf) as SdtProbe[]) {
    out.push(
      `${p.provider}:${p.name} pc=0x${p.pc.toString(16)} base=0x${p.base.toString(16)} semaphore=0x${p.semaphore.toString(16)} args=${JSON.stringify(p.args)}`,
    );
    const key = `${p.provider}:${p.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      for (const loc of resolveUprobe(`sdt:${path}:${p.provider}:${p.name}`)) {
        if (loc.probe !== p && loc.probe?.pc !== p.pc) continue;
        out.push(`  uprobe: ${uprobeDefinition(loc, `sdt_${p.provider}`, p.name)}`);
        for (const a of loc.args) if (a.note) out.push(`  note: ${a.sdt}: ${a.note}`);
      }
    } catch (e) {
      out.push(`  uprobe: (none: ${(e as Error).message})`);
    }
  }
  return out;
}

async function elfCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    dynamic: { type: 'boolean', short: 'D' },
    sort: { type: 'string' },
    sdt: { type: 'boolean' },
    info: { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new UsageError('give exactly one ELF FILE');
  const path = positionals[0]!;
  const sort = (values.sort as string | undefined) ?? 'name';
  if (!['name', 'address', 'none'].includes(sort))
    throw new UsageError(`--sort ${sort}: use name, address or none`);
  const elf = readElf(path);
  if (values.info) {
    const h = elf.header;
    const link = elf.debugLink();
    write([
      `class: ELF${h.classBits}`,
      `byte order: ${h.isLittleEndian ? 'little-endian' : 'big-endian'}`,
      `type: ${['NONE', 'REL', 'EXEC', 'DYN', 'CORE'][h.type] ?? h.type}`,
      `machine: ${h.machine}`,
      `build-id: ${elf.buildId() ?? '(none)'}`,
      `debuglink: ${link ? `${link.fileName} crc32=0x${link.crc32.toString(16).padStart(8, '0')}` : '(none)'}`,
      `symbols: ${elf.symbols().length} in .symtab, ${elf.dynamicSymbols().length} in .dynsym`,
    ]);
    return 0;
  }
  if (values.sdt) {
    write(sdtLines(elf, path));
    return 0;
  }
  const lines = nmLines(elf, values.dynamic === true);
  if (lines.length === 0) {
    process.stderr.write(
      `ttng symbols: ${path}: no symbols${values.dynamic ? ' in .dynsym' : ' in .symtab (stripped? try --dynamic)'}\n`,
    );
    return 1;
  }
  if (sort === 'name') {
    // Like nm: by name (C locale), then by the whole line. Names start after "VALUE T ".
    const at = (elf.is64 ? 16 : 8) + 3;
    lines.sort((a, b) => {
      const na = a.slice(at);
      const nb = b.slice(at);
      return na < nb ? -1 : na > nb ? 1 : a < b ? -1 : a > b ? 1 : 0;
    });
  } else if (sort === 'address') {
    lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  write(lines);
  return 0;
}

async function uprobe(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { group: { type: 'string' }, event: { type: 'string' } });
  if (positionals.length === 0)
    throw new UsageError('give at least one elf:PATH:SYMBOL or sdt:PATH:PROVIDER:NAME');
  for (const spec of positionals) {
    const locs = resolveUprobe(spec);
    locs.forEach((loc, k) => {
      const base = loc.probe ? loc.probe.name : (loc.symbol?.name ?? 'probe');
      const group =
        (values.group as string | undefined) ?? (loc.probe ? `sdt_${loc.probe.provider}` : 'ttng');
      const event = ((values.event as string | undefined) ?? base) + (locs.length > 1 ? `_${k + 1}` : '');
      write([uprobeDefinition(loc, group, event.replace(/[^A-Za-z0-9_]/g, '_'))]);
      for (const a of loc.args)
        if (a.note) process.stderr.write(`ttng symbols: ${spec}: ${a.sdt}: ${a.note}\n`);
    });
  }
  return 0;
}

async function proc(args: string[]): Promise<number> {
  const { positionals } = parse(args, {});
  const [pidText, ...addrs] = positionals;
  if (!pidText || !/^\d+$/.test(pidText) || addrs.length === 0)
    throw new UsageError('give a PID and at least one ADDRESS');
  const sym = processSymbolizer(Number(pidText));
  let status = 0;
  for (const a of addrs) {
    const split = splitAddress(a);
    if (!split) throw new UsageError(`"${a}" is not a hex address`);
    const r = sym.resolve((BigInt(split.hi) << 32n) | BigInt(split.lo));
    if (!r) {
      process.stderr.write(`ttng symbols: ${a}: not mapped in process ${pidText}\n`);
      status = 1;
      continue;
    }
    write([`${a} ${r.text}${r.loadBias !== undefined ? ` bias=0x${r.loadBias.toString(16)}` : ''}`]);
  }
  return status;
}

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'list':
      return list(rest);
    case 'lookup':
      return lookup(rest);
    case 'elf':
      return elfCommand(rest);
    case 'uprobe':
      return uprobe(rest);
    case 'proc':
      return proc(rest);
    case undefined:
      throw new UsageError('give a subcommand: list, lookup, elf, uprobe or proc');
    default:
      throw new UsageError(`unknown subcommand "${sub}": use list, lookup, elf, uprobe or proc`);
  }
}
