/**
 * The kernel symbol table of /proc/kallsyms (or a System.map, same `ADDRESS TYPE NAME` lines):
 * parsed once into typed arrays, then address -> symbol by binary search over the distinct
 * addresses, with the kernel's alias choice, per-module sizes and `__pfx_`/`__cfi_` padding
 * (kallsyms.md §1-2). Pure: works on a string, no node:*; src/symbols/kernel-files.ts reads files.
 */
import { SymbolsError, SymbolsErrorCode } from './errors.js';

/** What an address lookup found. */
export const LookupStatus = {
  /** The address is inside a symbol: `index`, `offsetBytes`, `sizeBytes` are set. */
  Found: 0,
  /** Inside `__pfx_`/`__cfi_` padding: `index` is the function that follows, `offsetBytes` < 0. */
  InPadding: 1,
  /** Below the first symbol, past the end of a symbol (gap), or past the last one of its module. */
  NotFound: 2,
} as const;
export type LookupStatus = (typeof LookupStatus)[keyof typeof LookupStatus];

/**
 * Reusable out-parameter of `KallsymsTable.lookupInto`: one per caller, so a lookup allocates
 * nothing (bench/symbols/symbols.bench.ts measures this path).
 */
export class SymbolLookup {
  status: LookupStatus = LookupStatus.NotFound;
  /** Entry index (file order) of the symbol, or -1. */
  index = -1;
  /** Address minus the symbol's address (negative in padding). */
  offsetBytes = 0;
  /** Distance to the next higher address of the same module, or -1 when unknown (last symbol). */
  sizeBytes = -1;
  /** A core-kernel address outside [_stext,_etext) and [_sinittext,_einittext) (when those exist). */
  isOutsideText = false;
}

/** One resolved address, for callers that are not on a hot path. */
export interface ResolvedAddress {
  readonly status: LookupStatus;
  readonly index: number;
  readonly name: string;
  /** Loadable module (or `bpf`, `__builtin__ftrace`...) of the symbol, `''` for the core kernel. */
  readonly module: string;
  readonly offsetBytes: number;
  /** -1 when unknown. */
  readonly sizeBytes: number;
  readonly isOutsideText: boolean;
  /** Kernel `%pS` style: `name+0x1f/0x80 [module]`; padding reads `name-0x8`. */
  readonly text: string;
}

export interface KallsymsParseOptions {
  /** File name used in error messages. */
  readonly source?: string;
}

const PREFIX_PFX = '__pfx_';
const PREFIX_CFI = '__cfi_';
const TWO_32 = 4294967296;

/** Hex digit value per char code, -1 otherwise. */
const HEX = new Int8Array(128).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[97 + c] = 10 + c;
  HEX[65 + c] = 10 + c;
}

/**
 * Names a linker script provides for section bounds (scripts/kallsyms.c ranks them after other
 * aliases): `__start_*`, `__stop_*`, `__end_*`, `__*_start`, `__*_end` (and `__*_begin`), plus the image bounds
 * `_text`, `_stext`, `_etext`, `_sinittext`, `_einittext`, `_sdata`, `_edata`, `_end`.
 */
export function isLinkerMarkerName(name: string): boolean {
  return isLinkerMarker(name, 0, name.length);
}

/** Section bounds of the core image that do not follow the `__` patterns. */
const IMAGE_MARKERS = new Set([
  '_text',
  '_stext',
  '_etext',
  '_sinittext',
  '_einittext',
  '_sdata',
  '_edata',
  '_end',
]);

function isLinkerMarker(text: string, s: number, e: number): boolean {
  const len = e - s;
  if (text.charCodeAt(s) !== 95) return false;
  if (text.charCodeAt(s + 1) !== 95) return len <= 10 && IMAGE_MARKERS.has(text.slice(s, e));
  if (len < 8) return false;
  return (
    text.startsWith('start_', s + 2) ||
    text.startsWith('stop_', s + 2) ||
    text.startsWith('end_', s + 2) ||
    text.startsWith('_start', e - 6) ||
    text.startsWith('_begin', e - 6) ||
    text.startsWith('_end', e - 4)
  );
}

/** True for padding symbols that the kernel places before functions; never a lookup result. */
export function isPaddingName(name: string): boolean {
  return name.startsWith(PREFIX_PFX) || name.startsWith(PREFIX_CFI);
}

/** Formats a 64-bit address given as two u32 halves with `digits` hex digits (8 or 16). */
export function formatAddressHex(hi: number, lo: number, digits: number): string {
  const low = lo.toString(16).padStart(8, '0');
  if (digits <= 8 && hi === 0) return low;
  return hi.toString(16).padStart(digits - 8, '0') + low;
}

/** Splits an address (bigint, number, or hex text with or without 0x) into u32 halves. */
export function splitAddress(address: bigint | number | string): { hi: number; lo: number } | undefined {
  let v: bigint;
  if (typeof address === 'bigint') v = address;
  else if (typeof address === 'number') {
    if (!Number.isSafeInteger(address) || address < 0) return undefined;
    v = BigInt(address);
  } else {
    const s = address.startsWith('0x') || address.startsWith('0X') ? address.slice(2) : address;
    if (!/^[0-9a-fA-F]{1,16}$/.test(s)) return undefined;
    v = BigInt(`0x${s}`);
  }
  if (v < 0n || v > 0xffffffffffffffffn) return undefined;
  return { hi: Number(v >> 32n), lo: Number(v & 0xffffffffn) };
}

function formatOffset(n: number): string {
  return n < 0 ? `-0x${(-n).toString(16)}` : `+0x${n.toString(16)}`;
}

/**
 * Parsed kallsyms. Entries keep file order (index = line order among symbol lines); lookups use
 * the distinct addresses sorted, each "group" carrying its representative symbol and its end.
 */
export class KallsymsTable {
  /** Number of symbol lines. */
  readonly count: number;
  /** Hex digits of the addresses as written (16 on 64-bit kernels, 8 on 32-bit). */
  readonly addressDigits: number;
  /** Every address is 0: the kernel hid them from whoever read the file (kptr_restrict). */
  readonly isAddressRestricted: boolean;
  /** Module names by scope id; scope 0 is the core kernel (`''`). */
  readonly scopes: readonly string[];
  readonly source: string;

  private readonly text: string;
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  private readonly typeCodes: Uint8Array;
  private readonly nameStart: Uint32Array;
  private readonly nameEnd: Uint32Array;
  private readonly scopeIds: Uint16Array;
  private readonly padding: Uint8Array;

  /** Entry indices sorted by (address, file index). */
  readonly order: Int32Array;
  /** Distinct addresses, ascending. */
  private readonly gHi: Uint32Array;
  private readonly gLo: Uint32Array;
  /** First position in `order` of each group. */
  private readonly gStart: Int32Array;
  /** Entry chosen for the group (alias choice; padding groups point at the function after). */
  private readonly gRep: Int32Array;
  private readonly gEndHi: Uint32Array;
  private readonly gEndLo: Uint32Array;
  /** bit 0: end known; bit 1: padding group; bit 2: core address outside the text ranges;
   * bit 3: entries of several scopes share the address; bits 4-5: scratch while building. */
  private readonly gFlags: Uint8Array;
  readonly groupCount: number;

  private byName: Map<string, number[]> | undefined;

  /** Use `parseKallsyms`. */
  constructor(
    text: string,
    source: string,
    count: number,
    addressDigits: number,
    arrays: {
      hi: Uint32Array;
      lo: Uint32Array;
      typeCodes: Uint8Array;
      nameStart: Uint32Array;
      nameEnd: Uint32Array;
      scopeIds: Uint16Array;
      padding: Uint8Array;
    },
    scopes: string[],
    isSorted: boolean,
    hasNonZero: boolean,
    /** Entry indices of the core `_stext`, `_etext`, `_sinittext`, `_einittext`, or -1. */
    markers: readonly number[],
  ) {
    this.text = text;
    this.source = source;
    this.count = count;
    this.addressDigits = addressDigits;
    const hi = (this.hi = arrays.hi);
    const lo = (this.lo = arrays.lo);
    this.typeCodes = arrays.typeCodes;
    this.nameStart = arrays.nameStart;
    this.nameEnd = arrays.nameEnd;
    const scopeIds = (this.scopeIds = arrays.scopeIds);
    const pad = (this.padding = arrays.padding);
    this.scopes = scopes;
    this.isAddressRestricted = count > 0 && !hasNonZero;

    // Passes are few and use locals: this runs once per load, mostly before the JIT warms up
    // (bench/symbols/symbols.bench.ts, "load").
    const order = new Int32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    if (!isSorted) order.sort((a, b) => hi[a]! - hi[b]! || lo[a]! - lo[b]! || a - b);
    this.order = order;

    // Pass A: groups of equal addresses and their representative (first non-padding entry).
    const gHi = (this.gHi = new Uint32Array(count));
    const gLo = (this.gLo = new Uint32Array(count));
    const gStart = (this.gStart = new Int32Array(count + 1));
    const gRep = (this.gRep = new Int32Array(count));
    const gEndHi = (this.gEndHi = new Uint32Array(count));
    const gEndLo = (this.gEndLo = new Uint32Array(count));
    const gFlags = (this.gFlags = new Uint8Array(count));
    const gScope = new Uint16Array(count);
    let g = -1;
    let curH = -1;
    let curL = -1;
    for (let p = 0; p < count; p++) {
      const e = order[p]!;
      const h = hi[e]!;
      const l = lo[e]!;
      if (h !== curH || l !== curL) {
        g++;
        gHi[g] = h;
        gLo[g] = l;
        gStart[g] = p;
        gRep[g] = -1;
        gScope[g] = scopeIds[e]!;
        curH = h;
        curL = l;
      } else if (scopeIds[e] !== gScope[g]) {
        gFlags[g] |= 8;
      }
      if (pad[e] === 1) gFlags[g] |= 16;
      else if (gRep[g]! < 0) gRep[g] = e;
      else if (gFlags[g]! & 32 && !isLinkerMarker(text, arrays.nameStart[e]!, arrays.nameEnd[e]!)) {
        gRep[g] = e;
        gFlags[g] &= ~32;
      }
      if (
        gRep[g] === e &&
        (p > gStart[g]! || (p + 1 < count && hi[order[p + 1]!] === h && lo[order[p + 1]!] === l))
      ) {
        // Aliases around: remember when the choice so far is only a linker section marker.
        if (isLinkerMarker(text, arrays.nameStart[e]!, arrays.nameEnd[e]!)) gFlags[g] |= 32;
      }
    }
    const groups = g + 1;
    gStart[groups] = count;
    this.groupCount = groups;

    // Core text ranges, when the markers exist.
    const m = markers;
    const r0 = m[0]! >= 0 && m[1]! >= 0;
    const r1 = m[2]! >= 0 && m[3]! >= 0;
    const s0h = r0 ? hi[m[0]!]! : 0;
    const s0l = r0 ? lo[m[0]!]! : 0;
    const e0h = r0 ? hi[m[1]!]! : 0;
    const e0l = r0 ? lo[m[1]!]! : 0;
    const s1h = r1 ? hi[m[2]!]! : 0;
    const s1l = r1 ? lo[m[2]!]! : 0;
    const e1h = r1 ? hi[m[3]!]! : 0;
    const e1l = r1 ? lo[m[3]!]! : 0;

    // Pass B (backward): end = next higher address of the same scope (kernel
    // kallsyms_lookup_size_offset); padding groups point at the function they precede.
    const nScopes = scopes.length;
    const nextHi = new Uint32Array(nScopes);
    const nextLo = new Uint32Array(nScopes);
    const hasNext = new Uint8Array(nScopes);
    for (g = groups - 1; g >= 0; g--) {
      const s = gScope[g]!;
      const h = gHi[g]!;
      const l = gLo[g]!;
      let flags = gFlags[g]!;
      // A padding symbol sharing its address only with section markers (`__pfx_f` with
      // `__cpuidle_text_start`) is padding: the group then stands for the function that follows.
      if ((flags & 48) === 48) gRep[g] = -1;
      flags &= ~48;
      if (hasNext[s] === 1) {
        gEndHi[g] = nextHi[s]!;
        gEndLo[g] = nextLo[s]!;
        flags |= 1;
      }
      if (gRep[g]! < 0) {
        const nx = g + 1;
        if (
          flags & 1 &&
          nx < groups &&
          (gFlags[nx]! & 2) === 0 &&
          pad[gRep[nx]!] === 0 &&
          gHi[nx] === gEndHi[g] &&
          gLo[nx] === gEndLo[g]
        ) {
          gRep[g] = gRep[nx]!;
          flags |= 2;
        } else {
          gRep[g] = order[gStart[g]!]!;
        }
      }
      if (s === 0 && (r0 || r1)) {
        const in0 = r0 && (h > s0h || (h === s0h && l >= s0l)) && (h < e0h || (h === e0h && l < e0l));
        const in1 = r1 && (h > s1h || (h === s1h && l >= s1l)) && (h < e1h || (h === e1h && l < e1l));
        if (!in0 && !in1) flags |= 4;
      }
      gFlags[g] = flags;
      if ((flags & 8) === 0) {
        nextHi[s] = h;
        nextLo[s] = l;
        hasNext[s] = 1;
      } else {
        for (let p = gStart[g]!; p < gStart[g + 1]!; p++) {
          const ps = scopeIds[order[p]!]!;
          nextHi[ps] = h;
          nextLo[ps] = l;
          hasNext[ps] = 1;
        }
      }
    }
  }

  // ---- entries (file order) ----

  name(i: number): string {
    return this.text.substring(this.nameStart[i]!, this.nameEnd[i]!);
  }
  /** nm-style type letter (`T`, `t`, `W`...). */
  type(i: number): string {
    return String.fromCharCode(this.typeCodes[i]!);
  }
  typeCode(i: number): number {
    return this.typeCodes[i]!;
  }
  addressHi(i: number): number {
    return this.hi[i]!;
  }
  addressLo(i: number): number {
    return this.lo[i]!;
  }
  address(i: number): bigint {
    return (BigInt(this.hi[i]!) << 32n) | BigInt(this.lo[i]!);
  }
  addressHex(i: number): string {
    return formatAddressHex(this.hi[i]!, this.lo[i]!, this.addressDigits);
  }
  scopeId(i: number): number {
    return this.scopeIds[i]!;
  }
  /** Module column (`''` for the core kernel). */
  module(i: number): string {
    return this.scopes[this.scopeIds[i]!]!;
  }
  /** 1-based line number of the entry in the source text (counted on demand: error paths only). */
  lineNumber(i: number): number {
    return countLines(this.text, this.nameStart[i]!) + 1;
  }
  /** A `__pfx_`/`__cfi_` padding symbol. */
  isPadding(i: number): boolean {
    return this.padding[i] === 1;
  }

  /**
   * Entry indices whose name is `name` (any module), sorted by address then file order: the
   * first one is what the kernel's kallsyms_lookup_name would pick.
   */
  indicesOfName(name: string): readonly number[] {
    if (!this.byName) {
      const m = new Map<string, number[]>();
      const order = this.order;
      for (let p = 0; p < this.count; p++) {
        const e = order[p]!;
        const n = this.name(e);
        const list = m.get(n);
        if (list) list.push(e);
        else m.set(n, [e]);
      }
      this.byName = m;
    }
    return this.byName.get(name) ?? [];
  }

  // ---- address -> symbol ----

  /** Last group whose address is <= (hi, lo), or -1. Both halves are unsigned 32-bit. */
  findGroup(hi: number, lo: number): number {
    const gh = this.gHi;
    const gl = this.gLo;
    let b = this.groupCount - 1;
    if (b < 0 || hi < gh[0]! || (hi === gh[0]! && lo < gl[0]!)) return -1;
    let a = 0;
    while (a < b) {
      const m = (a + b + 1) >>> 1;
      const mh = gh[m]!;
      if (mh < hi || (mh === hi && gl[m]! <= lo)) a = m;
      else b = m - 1;
    }
    return a;
  }

  /**
   * Resolves the address (hi:lo, unsigned 32-bit halves) into `out` and returns the status.
   * Allocates nothing.
   */
  lookupInto(hi: number, lo: number, out: SymbolLookup): LookupStatus {
    const g = this.findGroup(hi, lo);
    out.isOutsideText = false;
    if (g < 0 || this.isAddressRestricted) {
      out.index = -1;
      out.offsetBytes = 0;
      out.sizeBytes = -1;
      return (out.status = LookupStatus.NotFound);
    }
    const gh = this.gHi[g]!;
    const gl = this.gLo[g]!;
    const flags = this.gFlags[g]!;
    const offset = (hi - gh) * TWO_32 + (lo - gl);
    let size = -1;
    if (flags & 1) {
      size = (this.gEndHi[g]! - gh) * TWO_32 + (this.gEndLo[g]! - gl);
      if (offset >= size) {
        out.index = -1;
        out.offsetBytes = 0;
        out.sizeBytes = -1;
        return (out.status = LookupStatus.NotFound);
      }
    } else if (offset !== 0) {
      // The last symbol of a module: its end is not in kallsyms, so do not guess.
      out.index = -1;
      out.offsetBytes = 0;
      out.sizeBytes = -1;
      return (out.status = LookupStatus.NotFound);
    }
    const rep = this.gRep[g]!;
    out.index = rep;
    out.isOutsideText = (flags & 4) !== 0;
    if (flags & 2) {
      // Padding: report the function it precedes, at a negative offset.
      out.offsetBytes = offset - size;
      out.sizeBytes = -1;
      const rg = g + 1;
      if (this.gFlags[rg]! & 1) {
        out.sizeBytes = (this.gEndHi[rg]! - this.gHi[rg]!) * TWO_32 + (this.gEndLo[rg]! - this.gLo[rg]!);
      }
      return (out.status = LookupStatus.InPadding);
    }
    out.offsetBytes = offset;
    out.sizeBytes = size;
    return (out.status = LookupStatus.Found);
  }

  /** Convenience form of `lookupInto` (allocates; not for hot paths). */
  resolve(address: bigint | number | string): ResolvedAddress | undefined {
    const split = splitAddress(address);
    if (!split) return undefined;
    const out = new SymbolLookup();
    const status = this.lookupInto(split.hi, split.lo, out);
    if (status === LookupStatus.NotFound) return undefined;
    const name = this.name(out.index);
    const module = this.module(out.index);
    const size = out.sizeBytes >= 0 ? `/0x${out.sizeBytes.toString(16)}` : '';
    const text = `${name}${formatOffset(out.offsetBytes)}${status === LookupStatus.Found ? size : ''}${module ? ` [${module}]` : ''}`;
    return {
      status,
      index: out.index,
      name,
      module,
      offsetBytes: out.offsetBytes,
      sizeBytes: out.sizeBytes,
      isOutsideText: out.isOutsideText,
      text,
    };
  }

  /** Entry indices at exactly this address, in file order (aliases). */
  indicesAt(hi: number, lo: number): number[] {
    const g = this.findGroup(hi, lo);
    if (g < 0 || this.gHi[g] !== hi || this.gLo[g] !== lo) return [];
    const out: number[] = [];
    for (let p = this.gStart[g]!; p < this.gStart[g + 1]!; p++) out.push(this.order[p]!);
    return out;
  }
}

function parseError(
  source: string,
  line: number,
  column: number,
  what: string,
  lineText: string,
): SymbolsError {
  const shown = lineText.length > 80 ? `${lineText.slice(0, 80)}...` : lineText;
  return new SymbolsError(
    SymbolsErrorCode.KallsymsParse,
    `${source}:${line}:${column}: ${what} in ${JSON.stringify(shown)}; expected "ADDRESS TYPE NAME" or "ADDRESS TYPE NAME\\t[MODULE]" (the /proc/kallsyms and System.map format)`,
  );
}

/**
 * Parses /proc/kallsyms or System.map text. Throws a SymbolsError with line and column on the
 * first malformed line. Empty lines are skipped.
 */
export function parseKallsyms(text: string, options: KallsymsParseOptions = {}): KallsymsTable {
  const p = new KallsymsParser(options.source ?? 'kallsyms', Math.max(16, (text.length / 20) | 0));
  p.feed(text);
  return p.finish();
}

/**
 * Incremental parser: `feed` chunks as they arrive (any boundaries), then `finish`. (Overlapping
 * the parse with the kernel's generation of /proc/kallsyms did not pay: the file comes 4 KiB per
 * read(), and 1300 round trips through the libuv pool cost more than the parse.)
 */
export class KallsymsParser {
  private readonly source: string;
  private readonly units: string[] = [];
  private pending = '';
  private base = 0;
  private cap: number;
  private hi: Uint32Array<ArrayBuffer>;
  private lo: Uint32Array<ArrayBuffer>;
  private typeCodes: Uint8Array<ArrayBuffer>;
  private nameStart: Uint32Array<ArrayBuffer>;
  private nameEnd: Uint32Array<ArrayBuffer>;
  private scopeIds: Uint16Array<ArrayBuffer>;
  private padding: Uint8Array<ArrayBuffer>;
  private hasNonZero = false;
  private readonly scopes = [''];
  private readonly scopeIndex = new Map<string, number>([['', 0]]);
  private count = 0;
  private digits = 0;
  private isSorted = true;
  private prevHi = 0;
  private prevLo = 0;
  private lineNo = 0;

  /**
   * `expectedLines` sizes the arrays: the hot loop then never grows them (a growth seen late
   * deoptimizes the loop: +30 ms on a cold load, bench/symbols/symbols.bench.ts).
   */
  constructor(source: string, expectedLines = 1 << 18) {
    this.source = source;
    const cap = (this.cap = Math.max(16, expectedLines));
    this.hi = new Uint32Array(cap);
    this.lo = new Uint32Array(cap);
    this.typeCodes = new Uint8Array(cap);
    this.nameStart = new Uint32Array(cap);
    this.nameEnd = new Uint32Array(cap);
    this.scopeIds = new Uint16Array(cap);
    this.padding = new Uint8Array(cap);
  }

  /** Parses every complete line of pending text + chunk; keeps the last partial line. */
  feed(chunk: string): void {
    const unit = this.pending ? this.pending + chunk : chunk;
    const cut = unit.lastIndexOf('\n') + 1;
    if (cut === 0) {
      this.pending = unit;
      return;
    }
    this.pending = cut === unit.length ? '' : unit.slice(cut);
    const complete = cut === unit.length ? unit : unit.slice(0, cut);
    this.parseUnit(complete);
  }

  finish(): KallsymsTable {
    if (this.pending) {
      const last = this.pending;
      this.pending = '';
      this.parseUnit(last);
    }
    const text = this.units.length === 1 ? this.units[0]! : this.units.join('');
    const count = this.count;
    return new KallsymsTable(
      text,
      this.source,
      count,
      this.digits <= 8 ? 8 : 16,
      {
        hi: this.hi,
        lo: this.lo,
        typeCodes: this.typeCodes,
        nameStart: this.nameStart,
        nameEnd: this.nameEnd,
        scopeIds: this.scopeIds,
        padding: this.padding,
      },
      this.scopes,
      this.isSorted,
      this.hasNonZero,
      findMarkers(text, this.nameStart, count),
    );
  }

  private grow(): void {
    const cap = (this.cap *= 2);
    this.hi = grow32(this.hi, cap);
    this.lo = grow32(this.lo, cap);
    this.nameStart = grow32(this.nameStart, cap);
    this.nameEnd = grow32(this.nameEnd, cap);
    const tc = new Uint8Array(cap);
    tc.set(this.typeCodes);
    this.typeCodes = tc;
    const sc = new Uint16Array(cap);
    sc.set(this.scopeIds);
    this.scopeIds = sc;
    const pd = new Uint8Array(cap);
    pd.set(this.padding);
    this.padding = pd;
  }

  /** The hot loop: state in locals, saved back at the end. `text` ends with a complete line. */
  private parseUnit(text: string): void {
    const source = this.source;
    const base = this.base;
    const n = text.length;
    // Tab positions (module lines only), walked alongside the lines: no per-line forward search.
    const tabs: number[] = [];
    for (let t = text.indexOf('\t'); t >= 0; t = text.indexOf('\t', t + 1)) tabs.push(t);
    tabs.push(n);
    let tp = 0;
    let cap = this.cap;
    let hi = this.hi;
    let lo = this.lo;
    let typeCodes = this.typeCodes;
    let nameStart = this.nameStart;
    let nameEnd = this.nameEnd;
    let scopeIds = this.scopeIds;
    let padding = this.padding;
    let hasNonZero = this.hasNonZero;
    const scopes = this.scopes;
    const scopeIndex = this.scopeIndex;
    let count = this.count;
    let digits = this.digits;
    let isSorted = this.isSorted;
    let prevHi = this.prevHi;
    let prevLo = this.prevLo;
    let lineNo = this.lineNo;
    let i = 0;
    while (i < n) {
      lineNo++;
      const lineStart = i;
      let eol = text.indexOf('\n', i);
      if (eol < 0) eol = n;
      i = eol + 1;
      let end = eol;
      if (end > lineStart && text.charCodeAt(end - 1) === 13) end--;
      if (end === lineStart) continue;
      // Address: 1..16 hex digits, accumulated as two u32 halves in one pass.
      let h = 0;
      let l = 0;
      let k = lineStart;
      let c = 0;
      while (k < end && (c = text.charCodeAt(k)) < 128) {
        const d = HEX[c]!;
        if (d < 0) break;
        h = h * 16 + (l >>> 28);
        l = ((l << 4) | d) >>> 0;
        k++;
      }
      const nd = k - lineStart;
      if (nd === 0 || nd > 16) {
        throw parseError(
          source,
          lineNo,
          1,
          nd === 0 ? 'no hex address' : 'address longer than 16 hex digits',
          lineAt(text, lineStart),
        );
      }
      if (nd > digits) digits = nd;
      if (c !== 32 || k === end) {
        throw parseError(
          source,
          lineNo,
          k - lineStart + 1,
          'expected a space after the address',
          lineAt(text, lineStart),
        );
      }
      const t = text.charCodeAt(k + 1);
      if (!(t > 32) || text.charCodeAt(k + 2) !== 32 || k + 2 >= end) {
        throw parseError(
          source,
          lineNo,
          k - lineStart + 2,
          'expected a one-letter symbol type then a space',
          lineAt(text, lineStart),
        );
      }
      const ns = k + 3;
      while (tabs[tp]! < lineStart) tp++;
      let ne = end;
      let scope = 0;
      if (tabs[tp]! < end) {
        // `NAME\t[module]`: exactly one tab, then a bracketed name to the end of the line.
        const tab = tabs[tp]!;
        if (
          tab < ns ||
          tabs[tp + 1]! < end ||
          text.charCodeAt(tab + 1) !== 91 ||
          text.charCodeAt(end - 1) !== 93 ||
          end - tab < 4
        ) {
          throw parseError(
            source,
            lineNo,
            tab - lineStart + 1,
            'a tab that is not followed by [MODULE] at the end of the line',
            lineAt(text, lineStart),
          );
        }
        const sp = text.indexOf(' ', tab);
        const br = text.indexOf('[', tab + 2);
        const cl = text.indexOf(']', tab);
        if ((sp >= 0 && sp < end) || (br >= 0 && br < end) || cl !== end - 1) {
          throw parseError(source, lineNo, tab - lineStart + 2, 'bad module name', lineAt(text, lineStart));
        }
        const mod = text.slice(tab + 2, end - 1);
        let id = scopeIndex.get(mod);
        if (id === undefined) {
          id = scopes.length;
          if (id > 0xffff)
            throw parseError(
              source,
              lineNo,
              tab - lineStart + 2,
              'more than 65535 modules',
              lineAt(text, lineStart),
            );
          scopes.push(mod);
          scopeIndex.set(mod, id);
        }
        scope = id;
        ne = tab;
      }
      if (ne === ns)
        throw parseError(source, lineNo, ns - lineStart + 1, 'missing symbol name', lineAt(text, lineStart));
      // Names are not checked character by character (that alone doubled the load time); a space
      // inside is found natively, and the next line's space bounds the search.
      const sp = text.indexOf(' ', ns);
      if (sp >= 0 && sp < ne) {
        throw parseError(
          source,
          lineNo,
          sp - lineStart + 1,
          'unexpected text after the symbol name',
          lineAt(text, lineStart),
        );
      }
      if (count === cap) {
        this.grow();
        cap = this.cap;
        hi = this.hi;
        lo = this.lo;
        typeCodes = this.typeCodes;
        nameStart = this.nameStart;
        nameEnd = this.nameEnd;
        scopeIds = this.scopeIds;
        padding = this.padding;
      }
      if (h < prevHi || (h === prevHi && l < prevLo)) isSorted = false;
      prevHi = h;
      prevLo = l;
      hi[count] = h;
      lo[count] = l;
      typeCodes[count] = t;
      nameStart[count] = base + ns;
      nameEnd[count] = base + ne;
      scopeIds[count] = scope;
      if (text.charCodeAt(ns) === 95 && text.charCodeAt(ns + 1) === 95) {
        if (text.startsWith(PREFIX_PFX, ns) || text.startsWith(PREFIX_CFI, ns)) padding[count] = 1;
      }
      if (h !== 0 || l !== 0) hasNonZero = true;
      count++;
    }
    this.units.push(text);
    this.base = base + n;
    this.hasNonZero = hasNonZero;
    this.count = count;
    this.digits = digits;
    this.isSorted = isSorted;
    this.prevHi = prevHi;
    this.prevLo = prevLo;
    this.lineNo = lineNo;
  }
}

const MARKERS = ['_stext', '_etext', '_sinittext', '_einittext'];

/**
 * Entry indices of the core text markers, found by a native search of "NAME\n" (core lines end
 * with the name) then a binary search of the name start: kept out of the parse loop.
 */
function findMarkers(text: string, nameStart: Uint32Array, count: number): number[] {
  return MARKERS.map((m) => {
    for (let at = text.indexOf(` ${m}\n`); at >= 0; at = text.indexOf(` ${m}\n`, at + 1)) {
      const pos = at + 1;
      let a = 0;
      let b = count - 1;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (nameStart[mid]! < pos) a = mid + 1;
        else b = mid;
      }
      if (count > 0 && nameStart[a] === pos) return a;
    }
    if (text.endsWith(` ${m}`)) {
      const pos = text.length - m.length;
      for (let i = count - 1; i >= 0 && nameStart[i]! >= pos; i--) if (nameStart[i] === pos) return i;
    }
    return -1;
  });
}

function countLines(text: string, end: number): number {
  let lines = 0;
  for (let p = text.indexOf('\n'); p >= 0 && p < end; p = text.indexOf('\n', p + 1)) lines++;
  return lines;
}

function lineAt(text: string, start: number): string {
  const e = text.indexOf('\n', start);
  return text.slice(start, e < 0 ? text.length : e);
}

function grow32(a: Uint32Array, cap: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(cap);
  b.set(a);
  return b;
}
