/**
 * kallmodsyms' naming in user space (kallsyms.md §3-4): `[module]` for core-kernel text symbols
 * that belong to a built-in module, `{object}` where a (name, modules) pair still repeats, from
 * kbuild artifacts: modules.builtin, modules.builtin.objs, modules.builtin.modinfo,
 * modules.builtin.ranges, a linker map, or the STT_FILE runs of a vmlinux symbol table.
 * Parsers are pure (strings in); src/symbols/kernel-files.ts reads the files.
 */
import { type ElfFile, SymbolBind, SymbolType } from './elf-file.js';
import { SymbolsError, SymbolsErrorCode } from './errors.js';
import type { KallsymsTable } from './kallsyms-table.js';
import { buildNaming, type SymbolNaming } from './unique-names.js';

/** Module name from a kbuild path: `kernel/fs/ext4/ext4.ko` -> `ext4`, `a/b-c.o` -> `b_c`. */
export function moduleNameFromPath(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1).replace(/\.(ko|o)(\.(xz|gz|zst))?$/, '');
  return base.replace(/-/g, '_');
}

function artifactError(source: string, line: number, what: string, text: string): SymbolsError {
  return new SymbolsError(
    SymbolsErrorCode.ArtifactParse,
    `${source}:${line}: ${what}: ${JSON.stringify(text.slice(0, 120))}`,
  );
}

/** modules.builtin: one `kernel/PATH/NAME.ko` per line -> module names. */
export function parseModulesBuiltin(text: string, source = 'modules.builtin'): string[] {
  const out: string[] = [];
  text.split('\n').forEach((raw, k) => {
    const line = raw.trim();
    if (!line) return;
    if (!/^\S+\.ko$/.test(line)) throw artifactError(source, k + 1, 'expected a path ending in .ko', line);
    out.push(moduleNameFromPath(line));
  });
  return out;
}

/** modules.builtin.modinfo: NUL-separated `module.key=value` records -> module -> key -> values. */
export function parseModulesBuiltinModinfo(text: string): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  for (const rec of text.split('\0')) {
    if (!rec) continue;
    const dot = rec.indexOf('.');
    const eq = rec.indexOf('=', dot + 1);
    if (dot <= 0 || eq < 0) continue; // records without a module prefix carry nothing for us
    const mod = rec.slice(0, dot);
    const key = rec.slice(dot + 1, eq);
    let keys = out.get(mod);
    if (!keys) out.set(mod, (keys = new Map()));
    const list = keys.get(key);
    if (list) list.push(rec.slice(eq + 1));
    else keys.set(key, [rec.slice(eq + 1)]);
  }
  return out;
}

/**
 * modules.builtin.objs: `fs/ext4/ext4.o: fs/ext4/balloc.o ...` -> object path -> module names
 * (sorted). A module line without members stands for its own object. `modinfo` (optional) maps
 * module paths to names through its `file=` keys; otherwise the kbuild rule (basename, - -> _).
 */
export function parseModulesBuiltinObjs(
  text: string,
  modinfo?: Map<string, Map<string, string[]>>,
  source = 'modules.builtin.objs',
): Map<string, string[]> {
  const nameOfFile = new Map<string, string>();
  if (modinfo)
    for (const [mod, keys] of modinfo) for (const f of keys.get('file') ?? []) nameOfFile.set(f, mod);
  const out = new Map<string, string[]>();
  text.split('\n').forEach((raw, k) => {
    const line = raw.trim();
    if (!line) return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw artifactError(source, k + 1, 'expected "MODULE.o: OBJECT.o ..."', line);
    const modPath = normalizeObjectPath(line.slice(0, colon));
    if (!modPath.endsWith('.o'))
      throw artifactError(source, k + 1, 'the module path does not end in .o', line);
    const mod = nameOfFile.get(modPath.slice(0, -2)) ?? moduleNameFromPath(modPath);
    const members = line
      .slice(colon + 1)
      .split(/\s+/)
      .filter((m) => m);
    if (members.length === 0) members.push(modPath);
    for (const m of members) {
      const obj = normalizeObjectPath(m);
      const list = out.get(obj);
      if (!list) out.set(obj, [mod]);
      else if (!list.includes(mod)) {
        list.push(mod);
        list.sort();
      }
    }
  });
  return out;
}

/** One range of modules.builtin.ranges, offsets relative to its section's anchor symbol. */
export interface BuiltinRange {
  readonly section: string;
  readonly anchor: string;
  /** Offset of the anchor symbol itself within the numbering of this section. */
  readonly anchorOffset: bigint;
  readonly startOffset: bigint;
  readonly endOffset: bigint;
  readonly modules: readonly string[];
}

/**
 * modules.builtin.ranges (kernel 6.12+): per section an anchor line `.text 00000000-00000000 =
 * _text`, then `.text 0009bd10-0009c8e0 iosf_mbi [other_mod...]`.
 */
export function parseModulesBuiltinRanges(text: string, source = 'modules.builtin.ranges'): BuiltinRange[] {
  const anchors = new Map<string, { name: string; offset: bigint }>();
  const out: BuiltinRange[] = [];
  text.split('\n').forEach((raw, k) => {
    const line = raw.trim();
    if (!line) return;
    const m = /^(\S+)\s+([0-9a-fA-F]+)-([0-9a-fA-F]+)\s+(.+)$/.exec(line);
    if (!m)
      throw artifactError(
        source,
        k + 1,
        'expected "SECTION START-END = ANCHOR" or "SECTION START-END MODULE..."',
        line,
      );
    const [, section, start, end, rest] = m as unknown as [string, string, string, string, string];
    if (rest.startsWith('=')) {
      anchors.set(section, { name: rest.slice(1).trim(), offset: BigInt(`0x${start}`) });
      return;
    }
    const a = anchors.get(section);
    if (!a) throw artifactError(source, k + 1, `a range of ${section} before its "= ANCHOR" line`, line);
    out.push({
      section,
      anchor: a.name,
      anchorOffset: a.offset,
      startOffset: BigInt(`0x${start}`),
      endOffset: BigInt(`0x${end}`),
      modules: rest.split(/\s+/).map((x) => x.replace(/-/g, '_')),
    });
  });
  return out;
}

/** An object file occupying [start, end) at build time. */
export interface ObjectRange {
  readonly start: bigint;
  readonly end: bigint;
  readonly object: string;
}

/** Input sections (with their objects) and symbol assignments of a GNU ld `-Map` file. */
export interface LinkerMap {
  readonly ranges: readonly ObjectRange[];
  /** Symbols the map defines (`_text`, `_stext`...), for the KASLR slide. */
  readonly symbols: ReadonlyMap<string, bigint>;
}

/** `kernel/built-in.a(sched/core.o)` -> `sched/core.o`; strips `./`. */
function normalizeObjectPath(p: string): string {
  const paren = /\(([^()]+)\)$/.exec(p);
  let s = paren ? paren[1]! : p;
  while (s.startsWith('./')) s = s.slice(2);
  return s;
}

/**
 * Parses a GNU ld linker map (`ld -Map`, `vmlinux.map`): input-section lines
 * ` .text  0xADDR  0xSIZE path/obj.o` (the section name may stand alone on the line before) and
 * symbol lines `  0xADDR  name` / `  0xADDR  name = .`.
 */
export function parseLinkerMap(text: string, source = 'linker map'): LinkerMap {
  const ranges: ObjectRange[] = [];
  const symbols = new Map<string, bigint>();
  const lines = text.split('\n');
  let pendingSection = false;
  let sawMemoryMap = false;
  for (let k = 0; k < lines.length; k++) {
    const line = lines[k]!.replace(/\r$/, '');
    if (line.startsWith('Linker script and memory map')) {
      sawMemoryMap = true;
      continue;
    }
    if (!sawMemoryMap) continue;
    // ` .text.name` alone: the address, size and file follow on the next line.
    if (/^ \.\S+$/.test(line)) {
      pendingSection = true;
      continue;
    }
    let m = /^ \.\S+\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S.*)$/.exec(line);
    if (!m && pendingSection) m = /^\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S.*)$/.exec(line);
    pendingSection = false;
    if (m) {
      const obj = normalizeObjectPath(m[3]!.trim());
      const size = BigInt(`0x${m[2]}`);
      if (size > 0n && obj.endsWith('.o')) {
        const start = BigInt(`0x${m[1]}`);
        ranges.push({ start, end: start + size, object: obj });
      }
      continue;
    }
    const s = /^\s+0x([0-9a-fA-F]+)\s+(?:PROVIDE \()?([A-Za-z_.$][\w.$]*)(?:\s*=.*|\))?\s*$/.exec(line);
    if (s && !symbols.has(s[2]!)) symbols.set(s[2]!, BigInt(`0x${s[1]}`));
  }
  if (!sawMemoryMap) {
    throw new SymbolsError(
      SymbolsErrorCode.ArtifactParse,
      `${source}: no "Linker script and memory map" section: this is not a GNU ld map (ld -Map FILE)`,
    );
  }
  ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return { ranges, symbols };
}

/** Object attribution from the STT_FILE runs of a symbol table (local symbols only). */
export interface FileSymbolRuns {
  /** `name@hexaddress` -> source file name as STT_FILE gives it (`core.c`), with a run id. */
  readonly byNameAddress: ReadonlyMap<string, { file: string; run: number }>;
  /** The build-time address of `_text`, when the table has it. */
  readonly textAddress: bigint | undefined;
}

export interface KbuildArtifacts {
  /** Names from modules.builtin (restricts which modules count). */
  readonly builtinModules?: readonly string[];
  /** From modules.builtin.objs: object path -> modules. */
  readonly builtinObjects?: ReadonlyMap<string, readonly string[]>;
  readonly builtinRanges?: readonly BuiltinRange[];
  readonly linkerMap?: LinkerMap;
  readonly fileSymbols?: FileSymbolRuns;
}

const TEXT_TYPES = new Set(['t', 'T', 'w', 'W']);

/**
 * kallmodsyms naming of a kallsyms table with build artifacts (kallsyms.md §3-4):
 * 1. `[module]` for core t/T/w/W symbols whose object belongs to built-in modules (from the
 *    ranges, or object -> modules.builtin.objs), several modules sorted by name;
 * 2. within each repeated (name, modules) group, the objects of its symbols get an `{object}`
 *    name, and every text symbol of such an object shows it: shortest path suffix without `.o`,
 *    lengthened one component at a time, longer full paths first, until the group is unique;
 * 3. whatever still repeats gets the anchor suffix of kallsyms.md §5.
 * Build-time addresses are moved by the KASLR slide, `_text`(kallsyms) - `_text`(map/vmlinux).
 */
export function kallmodsymsNaming(table: KallsymsTable, artifacts: KbuildArtifacts): SymbolNaming {
  const n = table.count;
  const textIdx = table.indicesOfName('_text').find((i) => table.scopeId(i) === 0);
  const runtimeText = textIdx === undefined ? undefined : table.address(textIdx);
  const buildText = artifacts.linkerMap?.symbols.get('_text') ?? artifacts.fileSymbols?.textAddress;
  const slide = runtimeText !== undefined && buildText !== undefined ? runtimeText - buildText : 0n;
  const allowed = artifacts.builtinModules ? new Set(artifacts.builtinModules) : undefined;

  // Objects: id per distinct path (map) or per STT_FILE run.
  const objectIds = new Map<string, number>();
  const objectPaths: string[] = [];
  const objectOf = new Int32Array(n).fill(-1);
  const mods = new Array<string>(n).fill('');
  const lower = new Uint8Array(n);
  const ranges = artifacts.linkerMap?.ranges ?? [];
  const starts = ranges.map((r) => r.start);

  // Built-in module ranges at run time.
  const modRanges = (artifacts.builtinRanges ?? []).flatMap((r) => {
    const a = table.indicesOfName(r.anchor).find((i) => table.scopeId(i) === 0);
    if (a === undefined) return [];
    const base = table.address(a) - r.anchorOffset;
    return [{ start: base + r.startOffset, end: base + r.endOffset, modules: r.modules }];
  });

  for (let i = 0; i < n; i++) {
    if (table.scopeId(i) !== 0 || !TEXT_TYPES.has(table.type(i))) continue;
    const runtime = table.address(i);
    const build = runtime - slide;
    let path: string | undefined;
    let key: string | undefined;
    if (ranges.length > 0) {
      const r = lastAtOrBelow(starts, build);
      if (r >= 0 && build < ranges[r]!.end) key = path = ranges[r]!.object;
    }
    if (path === undefined && artifacts.fileSymbols) {
      const f = artifacts.fileSymbols.byNameAddress.get(`${table.name(i)}@${build.toString(16)}`);
      if (f) {
        path = f.file.replace(/\.[A-Za-z]+$/, '');
        key = `${path}\0${f.run}`;
      }
    }
    if (key !== undefined && path !== undefined) {
      let id = objectIds.get(key);
      if (id === undefined) {
        id = objectPaths.length;
        objectIds.set(key, id);
        objectPaths.push(path);
      }
      objectOf[i] = id;
    }
    let m: readonly string[] = [];
    if (modRanges.length > 0) {
      const hit = modRanges.find((r) => runtime >= r.start && runtime < r.end);
      if (hit) m = hit.modules;
    } else if (path !== undefined && artifacts.builtinObjects) {
      m = artifacts.builtinObjects.get(path) ?? [];
    }
    if (allowed) m = m.filter((x) => allowed.has(x));
    if (m.length > 0) {
      mods[i] = [...m]
        .sort()
        .map((x) => `[${x}]`)
        .join(' ');
      lower[i] = 1;
    }
  }

  // Which objects need a name: those of text symbols in repeated (name, modules) groups.
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const k = `${table.name(i)}\0${table.scopeId(i)}\0${mods[i]}`;
    const g = groups.get(k);
    if (g) g.push(i);
    else groups.set(k, [i]);
  }
  const needs = new Uint8Array(objectPaths.length);
  const repeated: number[][] = [];
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    repeated.push(g);
    for (const i of g) if (objectOf[i]! >= 0) needs[objectOf[i]!] = 1;
  }
  const components = objectPaths.map((p) => p.replace(/\.o$/, '').split('/'));
  const labelLen = new Int32Array(objectPaths.length).fill(1);
  const label = (o: number): string => components[o]!.slice(-labelLen[o]!).join('/');
  // Lengthen labels until no repeated group has two objects with one label (or nothing is left).
  for (let changed = true; changed; ) {
    changed = false;
    for (const g of repeated) {
      const byLabel = new Map<string, Set<number>>();
      for (const i of g) {
        const o = objectOf[i]!;
        if (o < 0) continue;
        const l = label(o);
        const set = byLabel.get(l);
        if (set) set.add(o);
        else byLabel.set(l, new Set([o]));
      }
      for (const objs of byLabel.values()) {
        if (objs.size < 2) continue;
        let longest = 0;
        for (const o of objs)
          if (labelLen[o]! < components[o]!.length) longest = Math.max(longest, components[o]!.length);
        if (longest === 0) continue; // same path: cannot be told apart by object
        for (const o of objs) {
          if (components[o]!.length === longest && labelLen[o]! < longest) {
            labelLen[o]!++;
            changed = true;
          }
        }
      }
    }
  }
  const base = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const mod = table.module(i);
    if (mod) {
      base[i] = `[${mod}]`;
      continue;
    }
    const o = objectOf[i]!;
    const obj = o >= 0 && needs[o] ? `{${label(o)}}` : '';
    base[i] = mods[i] && obj ? `${mods[i]} ${obj}` : mods[i] || obj;
  }
  return buildNaming(table, 'kallmodsyms', base, lower);
}

function lastAtOrBelow(sorted: readonly bigint[], v: bigint): number {
  let a = 0;
  let b = sorted.length - 1;
  if (b < 0 || v < sorted[0]!) return -1;
  while (a < b) {
    const m = (a + b + 1) >>> 1;
    if (sorted[m]! <= v) a = m;
    else b = m - 1;
  }
  return a;
}

/**
 * Object attribution from a vmlinux symbol table: local symbols that follow an STT_FILE symbol
 * belong to that file (basename only, e.g. `core.c`); globals are not attributed.
 */
export function fileSymbolRuns(elf: ElfFile): FileSymbolRuns {
  const byNameAddress = new Map<string, { file: string; run: number }>();
  let file: string | undefined;
  let run = -1;
  let textAddress: bigint | undefined;
  for (const s of elf.symbols()) {
    if (s.name === '_text' && textAddress === undefined) textAddress = s.value;
    if (s.type === SymbolType.File) {
      file = s.name;
      run++;
      continue;
    }
    if (s.bind !== SymbolBind.Local) {
      file = undefined;
      continue;
    }
    if (file !== undefined && s.type !== SymbolType.Section) {
      byNameAddress.set(`${s.name}@${s.value.toString(16)}`, { file, run });
    }
  }
  return { byNameAddress, textAddress };
}
