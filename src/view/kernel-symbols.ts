/**
 * `ttng view --kernel-symbols`: the addresses of `callstack_kernel` arrays in kernel traces
 * (env `domain = "kernel"`) printed with their symbol, ` <name+0xOFF [module] {@anchor}>`, or
 * ` <?>` when no symbol covers the address (docs/view.md). Pure: the symbol table comes from the
 * caller (the CLI loads kallsyms through src/symbols), through an AddressSymbolizer.
 */
import type { IrFieldClass, TraceRuntime } from '../ctf/reader/index.js';

/** The array of return addresses LTTng's `callstack_kernel` context adds. */
export const CALLSTACK_KERNEL = 'callstack_kernel';
/** JSON output: the parallel array of symbols written next to `callstack_kernel`. */
export const CALLSTACK_KERNEL_SYMBOLS = 'callstack_kernel_symbols';
/** What an address no symbol covers prints as (inside the angle brackets). */
export const UNKNOWN_SYMBOL = '?';

export interface AddressSymbolizer {
  /**
   * The symbol of a kernel address given as unsigned 32-bit halves: `name+0xOFF` (`name-0xOFF`
   * in the padding before a function), then the name's unique-name annotations (`[module]`,
   * `{object}`, `{@anchor}`) after a space, as `ttng symbols lookup` gives them; or null.
   */
  symbolize(hi: number, lo: number): string | null;
}

/**
 * Gives the symbolizer of a kernel trace that records `callstack_kernel` (called once per such
 * trace, before anything is printed: it may throw a TtngError, e.g. a bad kallsyms file).
 */
export type KernelSymbolsProvider = (trace: TraceRuntime) => AddressSymbolizer;

interface Entry {
  readonly bytes: Uint8Array;
  readonly text: string;
}

/**
 * Symbolizes each distinct address once: later events reuse the cached bytes (the text line
 * copies them; nothing is allocated per event).
 */
export class KernelStackAnnotator {
  /** High half -> low half -> entry (kernel addresses share a few high halves). */
  private readonly byHi = new Map<number, Map<number, Entry>>();
  private lastHi = -1;
  private lastMap: Map<number, Entry> | null = null;
  /** For the compiled text lines (ElementAnnotator). */
  readonly annotate = (hi: number, lo: number): Uint8Array => this.entry(hi, lo).bytes;

  constructor(private readonly symbolizer: AddressSymbolizer) {}

  /** The text between the angle brackets (JSON output). */
  text(hi: number, lo: number): string {
    return this.entry(hi, lo).text;
  }

  /** Distinct addresses symbolized so far. */
  get size(): number {
    let n = 0;
    for (const m of this.byHi.values()) n += m.size;
    return n;
  }

  private entry(hi: number, lo: number): Entry {
    let m = this.lastMap;
    if (hi !== this.lastHi || m === null) {
      m = this.byHi.get(hi) ?? null;
      if (m === null) {
        m = new Map();
        this.byHi.set(hi, m);
      }
      this.lastHi = hi;
      this.lastMap = m;
    }
    let e = m.get(lo);
    if (e === undefined) {
      const text = this.symbolizer.symbolize(hi, lo) ?? UNKNOWN_SYMBOL;
      const s = ` <${text}>`;
      const bytes = new Uint8Array(s.length);
      // Symbol names are bytes (kallsyms is read as Latin-1): one char per byte.
      for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i) & 0xff;
      e = { bytes, text };
      m.set(lo, e);
    }
    return e;
  }
}

/** The trace's env says `domain = "kernel"` (LTTng's kernel traces, ttng's). */
export function isKernelTrace(trace: TraceRuntime): boolean {
  return trace.envString('domain') === 'kernel';
}

/**
 * The `callstack_kernel` member of a context scope (a structure) when it is an array or sequence
 * of unsigned 32/64-bit integers, else null.
 */
export function callstackArrayOf(scope: IrFieldClass | null): IrFieldClass | null {
  if (scope?.type !== 'struct') return null;
  for (const m of scope.members) {
    if (m.name !== CALLSTACK_KERNEL) continue;
    const fc = m.fc;
    if (fc.type !== 'array' && fc.type !== 'sequence') return null;
    const e = fc.elem;
    if (fc.isText || e.type !== 'int' || e.isSigned || (e.size !== 32 && e.size !== 64)) return null;
    return fc;
  }
  return null;
}

/** A kernel trace with a `callstack_kernel` array in a stream's or an event's context. */
export function hasKernelCallstack(trace: TraceRuntime): boolean {
  if (!isKernelTrace(trace)) return false;
  for (const sc of trace.tc.streamClasses) {
    if (callstackArrayOf(sc.eventCommonContext)) return true;
    for (const ec of sc.eventClasses) if (callstackArrayOf(ec.specContext)) return true;
  }
  return false;
}

/**
 * JSON output: a copy of a context object with `callstack_kernel_symbols` right after
 * `callstack_kernel` (the values decoder gives numbers, or bigints beyond 2^53).
 */
export function withCallstackSymbols(ctx: unknown, annotator: KernelStackAnnotator): unknown {
  if (ctx === null || typeof ctx !== 'object') return ctx;
  const addresses = (ctx as Record<string, unknown>)[CALLSTACK_KERNEL];
  if (!Array.isArray(addresses)) return ctx;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ctx)) {
    out[k] = v;
    if (k !== CALLSTACK_KERNEL) continue;
    out[CALLSTACK_KERNEL_SYMBOLS] = addresses.map((a) => {
      if (typeof a === 'bigint') return annotator.text(Number(a >> 32n), Number(a & 0xffffffffn));
      const n = a as number;
      const hi = Math.floor(n / 4294967296);
      return annotator.text(hi, n - hi * 4294967296);
    });
  }
  return out;
}
