/**
 * A deliberately naive model of kallsyms lookups for tests: a regex per line and linear scans,
 * written from kallsyms.md §2 independently of src/symbols/kallsyms-table.ts.
 */
export interface NaiveEntry {
  readonly index: number;
  readonly addr: bigint;
  readonly type: string;
  readonly name: string;
  readonly module: string;
}

export function naiveParse(text: string): NaiveEntry[] {
  const out: NaiveEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const m = /^([0-9a-f]+) (\S) (\S+)(?:\t\[(\S+)\])?$/.exec(line);
    if (!m) throw new Error(`naive parser: bad line ${JSON.stringify(line)}`);
    out.push({ index: out.length, addr: BigInt(`0x${m[1]}`), type: m[2]!, name: m[3]!, module: m[4] ?? '' });
  }
  return out;
}

export const isPad = (name: string): boolean => name.startsWith('__pfx_') || name.startsWith('__cfi_');

/** scripts/kallsyms.c's "may be provided by the linker script". */
export const isMarker = (n: string): boolean =>
  ['_text', '_stext', '_etext', '_sinittext', '_einittext', '_sdata', '_edata', '_end'].includes(n) ||
  (n.length >= 8 &&
    n.startsWith('__') &&
    (n.startsWith('__start_') ||
      n.startsWith('__stop_') ||
      n.startsWith('__end_') ||
      n.endsWith('_start') ||
      n.endsWith('_begin') ||
      n.endsWith('_end')));

/**
 * The symbol chosen among aliases (file order): the first that is neither padding nor a section
 * marker; padding wins over markers alone; else the first non-padding one. -1 = padding.
 */
export function chooseAlias(names: readonly string[]): number {
  const real = names.findIndex((n) => !isPad(n) && !isMarker(n));
  if (real >= 0) return real;
  if (names.some(isPad)) return -1;
  return names.findIndex((n) => !isPad(n));
}

/** Linear-scan lookup over numbers relative to `base` (addresses must span < 2^53). */
export class NaiveLookup {
  private readonly a: Float64Array;
  constructor(
    readonly entries: readonly NaiveEntry[],
    readonly base: bigint,
  ) {
    this.a = Float64Array.from(entries, (e) => Number(e.addr - base));
  }

  /** [status (0 found, 1 padding, 2 not found), entry index, offset] */
  lookup(addr: bigint): [number, number, number] {
    const x = Number(addr - this.base);
    const a = this.a;
    const n = a.length;
    let best = -1;
    for (let i = 0; i < n; i++) if (a[i]! <= x && a[i]! > best) best = a[i]!;
    if (best < 0) return [2, -1, 0];
    const at: number[] = [];
    for (let i = 0; i < n; i++) if (a[i] === best) at.push(i);
    const scope = this.entries[at[0]!]!.module;
    let end = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++)
      if (a[i]! > best && a[i]! < end && this.entries[i]!.module === scope) end = a[i]!;
    if (end === Number.POSITIVE_INFINITY ? x !== best : x >= end) return [2, -1, 0];
    const pick = chooseAlias(at.map((i) => this.entries[i]!.name));
    if (pick >= 0) return [0, at[pick]!, x - best];
    let between = false;
    for (let i = 0; i < n; i++) if (a[i]! > best && a[i]! < end) between = true;
    const after: number[] = [];
    for (let i = 0; i < n; i++) if (a[i] === end) after.push(i);
    const fnPick = chooseAlias(after.map((i) => this.entries[i]!.name));
    const fn = between || fnPick < 0 ? undefined : after[fnPick];
    if (fn === undefined) return [0, at[0]!, x - best];
    return [1, fn, x - end];
  }
}
