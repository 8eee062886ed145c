/**
 * The kernel symbol table of /proc/kallsyms (or a System.map, same `ADDRESS TYPE NAME` lines):
 * parsed once, from the raw bytes, into typed arrays (names stay byte ranges of the input and are
 * decoded on first use), then address -> symbol by binary search over the distinct addresses, with
 * the kernel's alias choice, per-module sizes and `__pfx_`/`__cfi_` padding (kallsyms.md §1-2).
 * The common lines are parsed by WebAssembly (src/symbols/kallsyms-scanner.ts).
 * Pure: works on bytes or a Latin-1 string, no node:*; src/symbols/kernel-files.ts reads files.
 */
import { SymbolsError, SymbolsErrorCode } from './errors.js';
import { createKallsymsScanner, type KallsymsScannerExports, newWasmMemory } from './kallsyms-scanner.js';

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

/** Hex digit value per byte, -1 otherwise (256 entries: no range check in the parse loop). */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[97 + c] = 10 + c;
  HEX[65 + c] = 10 + c;
}
/** The same table as bytes (255: not a digit), at address 0 of the scanner's memory. */
const HEX_BYTES = Uint8Array.from(HEX, (d) => d & 0xff);

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

/** Bytes of `s` (ASCII). */
function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
const START_ = ascii('start_');
const STOP_ = ascii('stop_');
const END_ = ascii('end_');
const _START = ascii('_start');
const _BEGIN = ascii('_begin');
const _END = ascii('_end');

function bytesAt(b: Uint8Array, at: number, lit: Uint8Array): boolean {
  for (let k = 0; k < lit.length; k++) if (b[at + k] !== lit[k]) return false;
  return true;
}

/** `isLinkerMarkerName` on the bytes [s, e) of a name. */
function isLinkerMarkerBytes(b: Uint8Array, s: number, e: number): boolean {
  const len = e - s;
  if (b[s] !== 95) return false;
  if (b[s + 1] !== 95) return len <= 10 && IMAGE_MARKERS.has(latin1(b, s, e));
  if (len < 8) return false;
  return (
    bytesAt(b, s + 2, START_) ||
    bytesAt(b, s + 2, STOP_) ||
    bytesAt(b, s + 2, END_) ||
    bytesAt(b, e - 6, _START) ||
    bytesAt(b, e - 6, _BEGIN) ||
    bytesAt(b, e - 4, _END)
  );
}

/** Latin-1 decoding of bytes [s, e): one char per byte, as the file's bytes are. */
function latin1(b: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let at = s; at < e; at += 8192) {
    out += String.fromCharCode.apply(null, b.subarray(at, Math.min(e, at + 8192)) as unknown as number[]);
  }
  return out;
}

const UTF8 = new TextDecoder('utf-8');

/** The whole input as a string whose char offsets are its byte offsets (names are cut from it). */
function decodeText(b: Uint8Array, n: number): string {
  // The native UTF-8 decoder is Latin-1 exact on pure ASCII (every kernel's case); checked, not assumed.
  const s = UTF8.decode(b.subarray(0, n));
  if (s.length === n && !s.includes('\ufffd')) return s;
  return latin1(b, 0, n);
}

/** Core text bounds, by position in `KallsymsTable.textMarkers`. */
const TEXT_MARKERS = ['_stext', '_etext', '_sinittext', '_einittext'];

/** What `KallsymsParser.finish` hands to the table. */
interface KallsymsTableParts {
  readonly bytes: Uint8Array;
  readonly source: string;
  readonly count: number;
  readonly addressDigits: number;
  readonly hasNonZero: boolean;
  readonly scopes: string[];
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  readonly typeCodes: Uint8Array;
  readonly nameStart: Uint32Array;
  readonly nameEnd: Uint32Array;
  readonly scopeIds: Uint16Array;
  readonly padding: Uint8Array;
  /** Entry indices sorted by (address, file index); null when that is file order. */
  readonly order: Int32Array | null;
  readonly groupCount: number;
  readonly gHi: Uint32Array;
  readonly gLo: Uint32Array;
  readonly gStart: Int32Array;
  readonly gRep: Int32Array;
  readonly gNext: Int32Array;
  readonly gFlags: Uint8Array;
  readonly gScope: Uint16Array;
  /** Entry indices of the core `_stext`, `_etext`, `_sinittext`, `_einittext`, or -1. */
  readonly markers: readonly number[];
}

/**
 * Parsed kallsyms. Entries keep file order (index = line order among symbol lines); lookups use
 * the distinct addresses sorted ("groups"), each carrying its representative symbol and the next
 * group of its module (its end). Built by `KallsymsParser` (or `parseKallsyms`).
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
  /** Number of distinct addresses. */
  readonly groupCount: number;

  private readonly bytes: Uint8Array;
  private textCache: string | undefined;
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  private readonly typeCodes: Uint8Array;
  private readonly nameStart: Uint32Array;
  private readonly nameEnd: Uint32Array;
  private readonly scopeIds: Uint16Array;
  private readonly padding: Uint8Array;
  private orderCache: Int32Array | null;

  /** Distinct addresses, ascending. */
  private readonly gHi: Uint32Array;
  private readonly gLo: Uint32Array;
  /** First position in `order` of each group (one more at the end: `count`). */
  private readonly gStart: Int32Array;
  /** Entry chosen for the group (alias choice; padding groups point at the function after). */
  private readonly gRep: Int32Array;
  /** Next group holding the same module (its address is this group's end), or -1 (unknown). */
  private readonly gNext: Int32Array;
  /** bit 1: padding group that stands for the function after; bit 3: several scopes share it. */
  private readonly gFlags: Uint8Array;
  /** Scope of the group's first entry. */
  private readonly gScope: Uint16Array;
  /** Core text ranges [_stext,_etext) and [_sinittext,_einittext), when the markers exist. */
  private readonly hasText0: boolean;
  private readonly hasText1: boolean;
  private readonly text0: Uint32Array;
  private readonly text1: Uint32Array;

  private byName: Map<string, number[]> | undefined;

  /** Use `parseKallsyms` or `KallsymsParser`. */
  constructor(parts: KallsymsTableParts) {
    this.bytes = parts.bytes;
    this.source = parts.source;
    this.count = parts.count;
    this.addressDigits = parts.addressDigits;
    this.scopes = parts.scopes;
    this.isAddressRestricted = parts.count > 0 && !parts.hasNonZero;
    this.hi = parts.hi;
    this.lo = parts.lo;
    this.typeCodes = parts.typeCodes;
    this.nameStart = parts.nameStart;
    this.nameEnd = parts.nameEnd;
    this.scopeIds = parts.scopeIds;
    this.padding = parts.padding;
    this.orderCache = parts.order;
    this.groupCount = parts.groupCount;
    this.gHi = parts.gHi;
    this.gLo = parts.gLo;
    this.gStart = parts.gStart;
    this.gRep = parts.gRep;
    this.gNext = parts.gNext;
    this.gFlags = parts.gFlags;
    this.gScope = parts.gScope;
    const m = parts.markers;
    this.hasText0 = m[0]! >= 0 && m[1]! >= 0;
    this.hasText1 = m[2]! >= 0 && m[3]! >= 0;
    const bounds = (a: number, b: number, ok: boolean): Uint32Array =>
      Uint32Array.of(ok ? this.hi[a]! : 0, ok ? this.lo[a]! : 0, ok ? this.hi[b]! : 0, ok ? this.lo[b]! : 0);
    this.text0 = bounds(m[0]!, m[1]!, this.hasText0);
    this.text1 = bounds(m[2]!, m[3]!, this.hasText1);
  }

  /** Entry indices sorted by (address, file index). */
  get order(): Int32Array {
    if (this.orderCache === null) {
      const o = new Int32Array(this.count);
      for (let i = 0; i < o.length; i++) o[i] = i;
      this.orderCache = o;
    }
    return this.orderCache;
  }

  /** The input decoded once, on the first name asked for (not part of the load). */
  private get text(): string {
    if (this.textCache === undefined) this.textCache = decodeText(this.bytes, this.bytes.length);
    return this.textCache;
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
    const b = this.bytes;
    const end = this.nameStart[i]!;
    let lines = 1;
    for (let p = 0; p < end; p++) if (b[p] === 10) lines++;
    return lines;
  }
  /** A `__pfx_`/`__cfi_` padding symbol. */
  isPadding(i: number): boolean {
    return this.padding[i] === 1;
  }

  /**
   * Entry indices whose name is `name` (any module), sorted by address then file order: the
   * first one is what the kernel's kallsyms_lookup_name would pick. The first call builds the
   * index (bench/symbols/symbols.bench.ts reports its time apart from the load).
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

  /**
   * The same as indicesOfName, without building the index when it is not built yet: a scan of
   * the names (a few ms), for callers that ask for one or a few names (`ttng symbols lookup`).
   */
  indicesOfNameOnce(name: string): readonly number[] {
    if (this.byName) return this.byName.get(name) ?? [];
    const text = this.text;
    const starts = this.nameStart;
    const ends = this.nameEnd;
    const len = name.length;
    const order = this.order;
    const out: number[] = [];
    for (let p = 0; p < this.count; p++) {
      const e = order[p]!;
      if (ends[e]! - starts[e]! === len && text.startsWith(name, starts[e]!)) out.push(e);
    }
    return out;
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
    if (g < 0 || this.isAddressRestricted) return notFound(out);
    const gHi = this.gHi;
    const gLo = this.gLo;
    const gh = gHi[g]!;
    const gl = gLo[g]!;
    const offset = (hi - gh) * TWO_32 + (lo - gl);
    const nx = this.gNext[g]!;
    let size = -1;
    if (nx >= 0) {
      size = (gHi[nx]! - gh) * TWO_32 + (gLo[nx]! - gl);
      if (offset >= size) return notFound(out);
    } else if (offset !== 0) {
      // The last symbol of a module: its end is not in kallsyms, so do not guess.
      return notFound(out);
    }
    out.index = this.gRep[g]!;
    if (this.gScope[g] === 0 && (this.hasText0 || this.hasText1)) {
      out.isOutsideText = !(
        (this.hasText0 && inRange(this.text0, gh, gl)) ||
        (this.hasText1 && inRange(this.text1, gh, gl))
      );
    }
    if (this.gFlags[g]! & 2) {
      // Padding: report the function it precedes, at a negative offset.
      out.offsetBytes = offset - size;
      out.sizeBytes = -1;
      const rg = g + 1;
      const rn = this.gNext[rg]!;
      if (rn >= 0) out.sizeBytes = (gHi[rn]! - gHi[rg]!) * TWO_32 + (gLo[rn]! - gLo[rg]!);
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
    const order = this.orderCache;
    for (let p = this.gStart[g]!; p < this.gStart[g + 1]!; p++) out.push(order === null ? p : order[p]!);
    return out;
  }
}

function notFound(out: SymbolLookup): LookupStatus {
  out.index = -1;
  out.offsetBytes = 0;
  out.sizeBytes = -1;
  return (out.status = LookupStatus.NotFound);
}

/** (h, l) in [start, end) of a range stored as [startHi, startLo, endHi, endLo]. */
function inRange(r: Uint32Array, h: number, l: number): boolean {
  const sh = r[0]!;
  const eh = r[2]!;
  return (h > sh || (h === sh && l >= r[1]!)) && (h < eh || (h === eh && l < r[3]!));
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
 * Parses /proc/kallsyms or System.map text, decoded as Latin-1 (one char per byte, as
 * `Buffer.toString('latin1')` gives). Throws a SymbolsError with line and column on the first
 * malformed line. Empty lines are skipped.
 */
export function parseKallsyms(text: string, options: KallsymsParseOptions = {}): KallsymsTable {
  const p = new KallsymsParser(
    options.source ?? 'kallsyms',
    Math.max(16, (text.length / 20) | 0),
    text.length,
  );
  p.feed(text);
  return p.finish();
}

/**
 * Bytes kept free after the data: the unrolled address path reads 19 bytes from a line start
 * without bounds checks, and `finish` may add the last line's newline.
 */
const SLACK_BYTES = 32;

/** Bits of the entry index in the numeric sort keys of `sortIndices` (key = lo * 2^21 + index). */
const SORT_INDEX_BITS = 21;

/**
 * Incremental parser over the raw bytes: fill `buffer` from `writeOffset` (at most
 * `writableBytes`) and `commit` (zero copy, what kernel-files.ts does with read()), or `feed`
 * chunks (bytes or Latin-1 strings) at any boundaries; then `finish`. Each commit parses the
 * complete lines received and, while the addresses come sorted (the core part of /proc/kallsyms
 * always does), groups them for address lookups, so `finish` has little left to do.
 *
 * The common lines go through a WebAssembly scanner (src/symbols/kallsyms-scanner.ts) that
 * writes the entry arrays in its memory; this class parses the others (modules met for the first
 * time, text markers, other address lengths, errors) and groups the entries.
 */
export class KallsymsParser {
  private readonly source: string;
  private scanner!: KallsymsScannerExports;
  /** Where the input starts in the wasm memory. */
  private inBase = 0;
  private buf!: Uint8Array<ArrayBuffer>;
  /** Bytes received. */
  private used = 0;
  /** Start of the first line not parsed yet. */
  private parsed = 0;
  private cap: number;
  // Entry arrays: views over the wasm memory.
  private hi!: Uint32Array<ArrayBuffer>;
  private lo!: Uint32Array<ArrayBuffer>;
  private typeCodes!: Uint8Array<ArrayBuffer>;
  private nameStart!: Uint32Array<ArrayBuffer>;
  private nameEnd!: Uint32Array<ArrayBuffer>;
  private scopeIds!: Uint16Array<ArrayBuffer>;
  private padding!: Uint8Array<ArrayBuffer>;
  private readonly scopes = [''];
  private readonly scopeIndex = new Map<string, number>([['', 0]]);
  private count = 0;
  private digits = 0;
  private readonly markers = [-1, -1, -1, -1];
  private isFinished = false;

  // Group builder state (see buildGroups).
  private gHi: Uint32Array<ArrayBuffer>;
  private gLo: Uint32Array<ArrayBuffer>;
  private gStart: Int32Array<ArrayBuffer>;
  private gRep: Int32Array<ArrayBuffer>;
  private gNext: Int32Array<ArrayBuffer>;
  private gFlags: Uint8Array<ArrayBuffer>;
  private gScope: Uint16Array<ArrayBuffer>;
  private order: Int32Array<ArrayBuffer> | null = null;
  /** Positions (in address order) already grouped. */
  private built = 0;
  private g = -1;
  private gCurRep = -1;
  private gCurFlags = 0;
  /** Whether the current representative is a linker marker: 0 not checked yet, 1 yes, 2 no. */
  private gCurMarker = 0;
  /** Latest group of each scope whose end (next group of that scope) is not known yet. */
  private open = new Int32Array(16).fill(-1);
  /** The previous group, when it is padding waiting for the group after it. */
  private pendingPad = -1;
  /** Padding groups followed by padding: settled at the end, last first (kernel order). */
  private deferred: number[] = [];

  /**
   * `expectedLines` and `expectedBytes` size the arrays (they grow when exceeded). Parsing a
   * file: its size; /proc/kallsyms reports 0, so 8 MiB and 2^18 lines (5.4 MB, 122k lines here).
   */
  constructor(source: string, expectedLines = 1 << 18, expectedBytes = 8 << 20) {
    if (!isWarm) warmUp();
    this.source = source;
    const cap = (this.cap = Math.max(16, expectedLines));
    this.layout(Math.max(64, expectedBytes), cap);
    this.gHi = new Uint32Array(cap);
    this.gLo = new Uint32Array(cap);
    this.gStart = new Int32Array(cap + 1);
    this.gRep = new Int32Array(cap);
    this.gNext = new Int32Array(cap);
    this.gFlags = new Uint8Array(cap);
    this.gScope = new Uint16Array(cap);
  }

  /** Where to write the next bytes (`writeOffset` .. `writeOffset + writableBytes`). */
  get buffer(): Uint8Array<ArrayBuffer> {
    return this.buf;
  }
  get writeOffset(): number {
    return this.used;
  }
  get writableBytes(): number {
    return this.buf.length - this.used - SLACK_BYTES;
  }

  /** Makes room for at least `bytes` more bytes (may replace `buffer`). */
  reserve(bytes: number): void {
    if (this.buf.length - this.used - SLACK_BYTES >= bytes) return;
    this.layout(Math.max(this.buf.length * 2, this.used + bytes + SLACK_BYTES), this.cap);
  }

  /** `bytes` were written at `writeOffset`: parses every line they complete. */
  commit(bytes: number): void {
    if (this.isFinished) throw new Error('KallsymsParser: commit after finish');
    if (bytes < 0 || bytes > this.writableBytes) throw new RangeError(`commit(${bytes}): out of range`);
    this.used += bytes;
    this.parse(false);
  }

  /** Copies a chunk in and parses it: bytes, or a Latin-1 string (one char per byte). */
  feed(chunk: string | Uint8Array): void {
    this.reserve(chunk.length);
    const b = this.buf;
    const at = this.used;
    if (typeof chunk !== 'string') b.set(chunk, at);
    else if (!NOT_ASCII.test(chunk)) ASCII_ENCODER.encodeInto(chunk, b.subarray(at, at + chunk.length));
    else {
      for (let k = 0; k < chunk.length; k++) {
        const c = chunk.charCodeAt(k);
        if (c > 255) {
          // Only reachable from a string: the file was decoded as something else than Latin-1.
          this.commit(k);
          const ls = this.lineStartBefore(this.used);
          throw this.error(
            ls,
            this.used - ls + 1,
            `a character that is not a byte (U+${c.toString(16).toUpperCase().padStart(4, '0')}); decode the file as latin1`,
          );
        }
        b[at + k] = c;
      }
    }
    this.commit(chunk.length);
  }

  finish(): KallsymsTable {
    if (this.isFinished) throw new Error('KallsymsParser: finish called twice');
    this.parse(true);
    this.isFinished = true;
    const count = this.count;
    if ((this.scanner.firstUnsorted.value as number) >= 0) this.groupUnsorted();
    this.buildGroups(count, true);
    this.settlePadding();
    const groups = this.g + 1;
    this.gStart[groups] = count;
    return new KallsymsTable({
      bytes: this.buf.subarray(0, this.used),
      source: this.source,
      count,
      addressDigits: this.digits <= 8 ? 8 : 16,
      hasNonZero: this.scanner.hasNonZero.value === 1,
      scopes: this.scopes,
      hi: this.hi,
      lo: this.lo,
      typeCodes: this.typeCodes,
      nameStart: this.nameStart,
      nameEnd: this.nameEnd,
      scopeIds: this.scopeIds,
      padding: this.padding,
      order: this.order,
      groupCount: groups,
      gHi: this.gHi,
      gLo: this.gLo,
      gStart: this.gStart,
      gRep: this.gRep,
      gNext: this.gNext,
      gFlags: this.gFlags,
      gScope: this.gScope,
      markers: this.markers,
    });
  }

  /**
   * (Re)places the wasm memory: the hex table, the entry arrays for `cap` entries, then `inBytes`
   * of input (plus slack); what was there is copied over, and the scanner's state with it.
   */
  private layout(inBytes: number, cap: number): void {
    const hiB = 256;
    const loB = hiB + 4 * cap;
    const nsB = loB + 4 * cap;
    const neB = nsB + 4 * cap;
    const scB = neB + 4 * cap;
    const tyB = scB + 2 * cap;
    const pdB = tyB + cap;
    const inB = (pdB + cap + 7) & ~7;
    const memory = newWasmMemory(inB + inBytes + SLACK_BYTES);
    const mb = memory.buffer;
    new Uint8Array(mb).set(HEX_BYTES, 0);
    const hi = new Uint32Array(mb, hiB, cap);
    const lo = new Uint32Array(mb, loB, cap);
    const nameStart = new Uint32Array(mb, nsB, cap);
    const nameEnd = new Uint32Array(mb, neB, cap);
    const scopeIds = new Uint16Array(mb, scB, cap);
    const typeCodes = new Uint8Array(mb, tyB, cap);
    const padding = new Uint8Array(mb, pdB, cap);
    const buf = new Uint8Array(mb, inB, Math.floor((mb.byteLength - inB) / 8) * 8);
    const scanner = createKallsymsScanner(memory);
    const old = this.scanner;
    if (old) {
      const n = this.count;
      hi.set(this.hi.subarray(0, n));
      lo.set(this.lo.subarray(0, n));
      nameStart.set(this.nameStart.subarray(0, n));
      nameEnd.set(this.nameEnd.subarray(0, n));
      scopeIds.set(this.scopeIds.subarray(0, n));
      typeCodes.set(this.typeCodes.subarray(0, n));
      padding.set(this.padding.subarray(0, n));
      buf.set(this.buf.subarray(0, this.used));
      scanner.firstUnsorted.value = old.firstUnsorted.value;
      scanner.hasNonZero.value = old.hasNonZero.value;
      scanner.curScope.value = old.curScope.value;
      scanner.modStart.value = (old.modStart.value as number) - this.inBase + inB;
      scanner.modLen.value = old.modLen.value;
      scanner.prev.value = old.prev.value;
    }
    scanner.hiBase.value = hiB;
    scanner.loBase.value = loB;
    scanner.nameStartBase.value = nsB;
    scanner.nameEndBase.value = neB;
    scanner.scopeBase.value = scB;
    scanner.typeBase.value = tyB;
    scanner.paddingBase.value = pdB;
    scanner.inBase.value = inB;
    this.scanner = scanner;
    this.inBase = inB;
    this.buf = buf;
    this.hi = hi;
    this.lo = lo;
    this.nameStart = nameStart;
    this.nameEnd = nameEnd;
    this.scopeIds = scopeIds;
    this.typeCodes = typeCodes;
    this.padding = padding;
  }

  private growEntries(): void {
    const cap = this.cap * 2;
    this.layout(this.buf.length, cap);
    this.gHi = grown(this.gHi, new Uint32Array(cap));
    this.gLo = grown(this.gLo, new Uint32Array(cap));
    this.gStart = grown(this.gStart, new Int32Array(cap + 1));
    this.gRep = grown(this.gRep, new Int32Array(cap));
    this.gNext = grown(this.gNext, new Int32Array(cap));
    this.gFlags = grown(this.gFlags, new Uint8Array(cap));
    this.gScope = grown(this.gScope, new Uint16Array(cap));
    this.cap = cap;
  }

  /**
   * Every complete line from `parsed` (a last line without a newline gets one when `final`):
   * the scanner takes runs of common lines, `parseLine` the line it stops at.
   */
  private parse(final: boolean): void {
    const b = this.buf;
    let limit = this.used > this.parsed ? b.lastIndexOf(10, this.used - 1) + 1 : this.parsed;
    if (final && limit < this.used) {
      b[this.used] = 10;
      this.used++;
      limit = this.used;
    }
    let i = this.parsed;
    while (i < limit) {
      if (this.count === this.cap) this.growEntries();
      const sc = this.scanner;
      const inBase = this.inBase;
      const before = this.count;
      const count = sc.scan(inBase + i, inBase + limit, before, this.cap);
      this.count = count;
      if (count > before) this.digits = 16;
      i = (sc.pos.value as number) - inBase;
      if (i < limit && count < this.cap) i = this.parseLine(i);
    }
    this.parsed = i;
    const firstUnsorted = this.scanner.firstUnsorted.value as number;
    this.buildGroups(firstUnsorted < 0 ? this.count : firstUnsorted);
  }

  /** Parses the (complete) line at `ls`, the general way; returns where the next one starts. */
  private parseLine(ls: number): number {
    const b = this.buf;
    let i = ls;
    let h = 0;
    let l = 0;
    let d = 0;
    while ((d = HEX[b[i]!]!) >= 0) {
      h = h * 16 + (l >>> 28);
      l = ((l << 4) | d) >>> 0;
      i++;
    }
    const nd = i - ls;
    if (nd === 0) {
      const c = b[i]!;
      if (c === 10) return i + 1;
      if (c === 13 && b[i + 1] === 10) return i + 2;
      throw this.error(ls, 1, 'no hex address');
    }
    if (nd > 16) throw this.error(ls, 1, 'address longer than 16 hex digits');
    if (b[i] !== 32) throw this.error(ls, nd + 1, 'expected a space after the address');
    const t = b[i + 1]!;
    if (!(t > 32) || b[i + 2] !== 32)
      throw this.error(ls, nd + 2, 'expected a one-letter symbol type then a space');
    const ns = i + 3;
    // Name: every byte above space (not validated further: kernel names are C identifiers and
    // a few more characters, `.` `$`); the line's newline (or tab, or space) ends the scan.
    let e = ns;
    while (b[e]! > 32) e++;
    const ne = e;
    if (e === ns) throw this.error(ls, ns - ls + 1, 'missing symbol name');
    let c = b[e]!;
    let scope = 0;
    if (c === 9) {
      // `NAME\t[module]`: a tab, then a bracketed name to the end of the line.
      let m = e + 2;
      while (b[m]! > 32 && b[m] !== 91 && b[m] !== 93) m++;
      const mc = b[m];
      if (b[e + 1] !== 91 || m === e + 2 || mc !== 93) {
        if (b[e + 1] === 91 && m > e + 2 && mc !== 10 && mc !== 13) {
          throw this.error(ls, e - ls + 2, 'bad module name');
        }
        throw this.error(ls, e - ls + 1, 'a tab that is not followed by [MODULE] at the end of the line');
      }
      scope = this.scopeOf(e + 2, m, ls);
      e = m + 1;
      c = b[e]!;
    }
    let next: number;
    if (c === 10) next = e + 1;
    else if (c === 13 && b[e + 1] === 10) next = e + 2;
    else {
      throw this.error(
        ls,
        e - ls + 1,
        scope === 0
          ? 'unexpected text after the symbol name'
          : 'a tab that is not followed by [MODULE] at the end of the line',
      );
    }
    const count = this.count;
    this.hi[count] = h;
    this.lo[count] = l;
    this.typeCodes[count] = t;
    this.nameStart[count] = ns;
    this.nameEnd[count] = ne;
    this.scopeIds[count] = scope;
    this.scanner.note(h, l, count);
    if (nd > this.digits) this.digits = nd;
    if (b[ns] === 95) {
      if (b[ns + 1] === 95) {
        const w = (b[ns + 2]! << 16) | (b[ns + 3]! << 8) | b[ns + 4]!;
        if (b[ns + 5] === 95 && (w === PFX_BYTES || w === CFI_BYTES)) this.padding[count] = 1;
      } else if (scope === 0 && (ne - ns === 6 || ne - ns === 10)) {
        this.noteTextMarker(count, ns, ne);
      }
    }
    this.count = count + 1;
    return next;
  }

  private lineStartBefore(at: number): number {
    let p = at;
    while (p > 0 && this.buf[p - 1] !== 10) p--;
    return p;
  }

  /** A parse error at the line starting at `ls` (its number counted here: error path only). */
  private error(ls: number, column: number, what: string): SymbolsError {
    const b = this.buf;
    let line = 1;
    for (let p = 0; p < ls; p++) if (b[p] === 10) line++;
    let e = ls;
    while (e < this.used && b[e] !== 10 && e - ls < 200) e++;
    return parseError(this.source, line, column, what, latin1(b, ls, e));
  }

  /** Scope id of the module name at [s, e); the scanner then takes the lines of that module. */
  private scopeOf(s: number, e: number, ls: number): number {
    const mod = latin1(this.buf, s, e);
    let id = this.scopeIndex.get(mod);
    if (id === undefined) {
      id = this.scopes.length;
      if (id > 0xffff) throw this.error(ls, s - ls, 'more than 65535 modules');
      this.scopes.push(mod);
      this.scopeIndex.set(mod, id);
    }
    const sc = this.scanner;
    sc.curScope.value = id;
    sc.modStart.value = this.inBase + s;
    sc.modLen.value = e - s;
    return id;
  }

  private noteTextMarker(entry: number, s: number, e: number): void {
    const k = TEXT_MARKERS.indexOf(latin1(this.buf, s, e));
    if (k >= 0 && this.markers[k]! < 0) this.markers[k] = entry;
  }

  /**
   * Groups positions `built` .. `to` of the address order (file order while it is sorted):
   * equal addresses form a group; the representative is the first entry that is neither padding
   * nor (when there are aliases) a linker marker (scripts/kallsyms.c's ranking). When a group
   * closes, it becomes the end of the previous group of each of its modules, and settles the
   * padding group before it. `closeLast` closes the last group too (at the end of the input).
   * State in locals, saved back at the end: this loop runs once per entry on a cold load.
   */
  private buildGroups(to: number, closeLast = false): void {
    const order = this.order;
    const hi = this.hi;
    const lo = this.lo;
    const scopeIds = this.scopeIds;
    const padding = this.padding;
    const gHi = this.gHi;
    const gLo = this.gLo;
    const gStart = this.gStart;
    const gScope = this.gScope;
    const gRep = this.gRep;
    const gNext = this.gNext;
    const gFlags = this.gFlags;
    const b = this.buf;
    const nameStart = this.nameStart;
    const nameEnd = this.nameEnd;
    if (this.open.length < this.scopes.length) {
      const o = new Int32Array(this.scopes.length * 2).fill(-1);
      o.set(this.open);
      this.open = o;
    }
    const open = this.open;
    let g = this.g;
    let rep = this.gCurRep;
    let flags = this.gCurFlags;
    let marker = this.gCurMarker;
    let pendingPad = this.pendingPad;
    let curH = g >= 0 ? gHi[g]! : -1;
    let curL = g >= 0 ? gLo[g]! : -1;
    for (let p = this.built; p <= to; p++) {
      let e = 0;
      let h = 0;
      let l = 0;
      if (p < to) {
        e = order === null ? p : order[p]!;
        h = hi[e]!;
        l = lo[e]!;
        if (h === curH && l === curL) {
          // Another entry at the same address (alias).
          if (scopeIds[e] !== gScope[g]) flags |= 8;
          if (padding[e] === 1) flags |= 16;
          else if (rep < 0) rep = e;
          else if (marker !== 2) {
            // A linker section marker gives way to the first real name.
            if (marker === 0) marker = isLinkerMarkerBytes(b, nameStart[rep]!, nameEnd[rep]!) ? 1 : 2;
            if (marker === 1 && !isLinkerMarkerBytes(b, nameStart[e]!, nameEnd[e]!)) {
              rep = e;
              marker = 2;
            }
          }
          continue;
        }
      } else if (!closeLast || g < 0) break;
      if (g >= 0) {
        // Close group g. A padding symbol sharing its address only with section markers
        // (`__pfx_f` with `__cpuidle_text_start`) is padding: the group then stands for the
        // function that follows.
        if (flags & 16 && rep >= 0) {
          if (marker === 0) marker = isLinkerMarkerBytes(b, nameStart[rep]!, nameEnd[rep]!) ? 1 : 2;
          if (marker === 1) rep = -1;
        }
        gRep[g] = rep;
        gFlags[g] = flags & 8;
        gNext[g] = -1;
        // End = next higher address of the same scope (kernel kallsyms_lookup_size_offset).
        const s = gScope[g]!;
        if (flags & 8) {
          for (let q = gStart[g]!; q < p; q++) {
            const ps = scopeIds[order === null ? q : order[q]!]!;
            const o = open[ps]!;
            if (o >= 0) gNext[o] = g;
            open[ps] = -1;
          }
        } else {
          const o = open[s]!;
          if (o >= 0) gNext[o] = g;
        }
        open[s] = g;
        // The previous group, if padding, stands for this one's function when this one ends it.
        if (pendingPad >= 0) {
          if (rep < 0) this.deferred.push(pendingPad);
          else if (gNext[pendingPad] === g) {
            gRep[pendingPad] = rep;
            gFlags[pendingPad]! |= 2;
          } else gRep[pendingPad] = this.firstEntry(pendingPad);
          pendingPad = -1;
        }
        if (rep < 0) pendingPad = g;
      }
      if (p === to) break;
      g++;
      gHi[g] = h;
      gLo[g] = l;
      gStart[g] = p;
      gScope[g] = scopeIds[e]!;
      flags = padding[e] === 1 ? 16 : 0;
      rep = flags ? -1 : e;
      marker = 0;
      curH = h;
      curL = l;
    }
    this.built = Math.max(this.built, to);
    this.g = g;
    this.gCurRep = rep;
    this.gCurFlags = flags;
    this.gCurMarker = marker;
    this.pendingPad = pendingPad;
  }

  private firstEntry(g: number): number {
    const p = this.gStart[g]!;
    return this.order === null ? p : this.order[p]!;
  }

  /** Padding groups left: the last one has nothing after it; runs of padding settle last first. */
  private settlePadding(): void {
    const gRep = this.gRep;
    const gFlags = this.gFlags;
    if (this.pendingPad >= 0) {
      gRep[this.pendingPad] = this.firstEntry(this.pendingPad);
      this.pendingPad = -1;
    }
    const d = this.deferred;
    for (let k = d.length - 1; k >= 0; k--) {
      const g = d[k]!;
      const nx = g + 1;
      if (this.gNext[g] === nx && (gFlags[nx]! & 2) === 0 && this.padding[gRep[nx]!] === 0) {
        gRep[g] = gRep[nx]!;
        gFlags[g]! |= 2;
      } else gRep[g] = this.firstEntry(g);
    }
    d.length = 0;
  }

  /**
   * Addresses went down at entry `firstUnsorted` (module symbols follow the core ones in file
   * order). The sorted prefix is grouped already; when every later entry is above it (modules,
   * BPF and ftrace trampolines live above the kernel image), only that tail is sorted and
   * grouped; otherwise everything is sorted and grouped again.
   */
  private groupUnsorted(): void {
    const count = this.count;
    const u = this.scanner.firstUnsorted.value as number;
    const order = new Int32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    const hi = this.hi;
    const lo = this.lo;
    sortIndices(order.subarray(u), hi, lo);
    const t = order[u]!;
    const last = u - 1;
    this.order = order;
    if (hi[t]! > hi[last]! || (hi[t] === hi[last] && lo[t]! > lo[last]!)) {
      this.buildGroups(count);
      return;
    }
    sortIndices(order, hi, lo);
    this.built = 0;
    this.g = -1;
    this.open.fill(-1);
    this.pendingPad = -1;
    this.deferred.length = 0;
    this.buildGroups(count);
  }
}

let isWarm = false;
const WARM_ROUNDS = 4;

/** 24 modules: more than the 16 scopes `open` starts with. */
const WARM_MODULES = Array.from(
  { length: 24 },
  (_, k) => `ffffffffc00${(k + 16).toString(16)}000 t m${k}_f\t[m${k}]`,
);

/**
 * Every path of the JavaScript side (general line parser, group builder) and of the scanner,
 * on a small input: V8 then compiles the group builder with type feedback for all of them, so
 * the first module line, alias or `__cfi_` met after optimization does not deoptimize (each
 * deoptimization cost a recompile and ~15 ms of slow code on a cold load,
 * bench/symbols/symbols.bench.ts). About 5 ms, once per process.
 */
function warmUp(): void {
  isWarm = true;
  const sorted = [
    'ffffffff81000000 T _text',
    'ffffffff81000000 T _stext',
    'ffffffff81000000 T startup_64',
    'ffffffff81000010 t __pfx_a',
    'ffffffff81000020 t a',
    'ffffffff81000030 t __cfi_b\r',
    'ffffffff81000040 t __pfx_c',
    'ffffffff81000040 T __x_start',
    'ffffffff81000050 t __pfx_d',
    'ffffffff81000060 t __pfx_e',
    'ffffffff81000070 T e',
    '',
    'ffffffff81000080 T __start_s',
    'ffffffff81000080 T __stop_s',
    'ffffffff81000080 T f',
    'ffffffff81000090 T _etext',
    'ffffffff81000090 T g\t[m0]',
    'ffffffff810000a0 T _sinittext',
    'ffffffff810000b0 T _einittext',
    '00000000810000c0 T h',
    '810000d0 T i',
    ...WARM_MODULES,
    'ffffffffc0010010 t m0_g\t[m0]',
    'ffffffffc0010020 t __pfx_m1\t[m1]',
  ].join('\n');
  // Module parts below the core (and out of order): the full sort path.
  const unsorted = `${WARM_MODULES.slice(0, 3).join('\n')}\nffffffff81000000 T _text\n0000000000000010 t __pfx_z\r\n`;
  // V8 allocates a function's feedback vector only after a few calls: the later rounds record.
  for (let round = 0; round < WARM_ROUNDS; round++) {
    for (const text of [sorted, unsorted]) {
      const p = new KallsymsParser('warm-up', 4, 64);
      const cut = text.length >> 1;
      p.feed(text.slice(0, cut));
      p.feed(text.slice(cut));
      p.finish();
    }
  }
}

/** Sorts entry indices by (address, index). */
function sortIndices(idx: Int32Array, hi: Uint32Array, lo: Uint32Array): void {
  const n = idx.length;
  if (n < 2) return;
  let sameHi = true;
  const h0 = hi[idx[0]!]!;
  let maxIdx = 0;
  for (let k = 0; k < n; k++) {
    const e = idx[k]!;
    if (hi[e] !== h0) sameHi = false;
    if (e > maxIdx) maxIdx = e;
  }
  if (sameHi && maxIdx < 1 << SORT_INDEX_BITS) {
    // One key per entry (lo * 2^21 + index < 2^53): the native numeric sort, no comparator calls.
    const keys = new Float64Array(n);
    const scale = 2 ** SORT_INDEX_BITS;
    for (let k = 0; k < n; k++) keys[k] = lo[idx[k]!]! * scale + idx[k]!;
    keys.sort();
    for (let k = 0; k < n; k++) idx[k] = keys[k]! % scale;
    return;
  }
  idx.sort((a, b) => hi[a]! - hi[b]! || lo[a]! - lo[b]! || a - b);
}

const NOT_ASCII = /[^\x00-\x7f]/;
/** `pfx` and `cfi` as 24-bit big-endian words (after `__`, before `_`). */
const PFX_BYTES = (112 << 16) | (102 << 8) | 120;
const CFI_BYTES = (99 << 16) | (102 << 8) | 105;
const ASCII_ENCODER = new TextEncoder();

function grown<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array>(from: T, to: T): T {
  to.set(from as never);
  return to;
}
