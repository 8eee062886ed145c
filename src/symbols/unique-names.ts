/**
 * Unique names for kernel symbols (kallsyms.md §3-5): every entry of a KallsymsTable gets a
 * string that names it and only it, deterministic for one kernel build.
 *
 * - No build artifacts: the anchor scheme of kallsyms.md §5 (`init_once {@sock_alloc_inode}`).
 * - With artifacts (src/symbols/kallmodsyms.ts): kallmodsyms' `[module]` and `{object}`
 *   annotations first; the anchor rule then settles whatever those leave ambiguous.
 *
 * A unique name is `NAME` followed, when needed, by annotations separated by single spaces:
 * `NAME [mod1] [mod2] {object} {@anchor#k}`. `ttng symbols list` prints the same annotations
 * after a TAB, as /proc/kallmodsyms would.
 */
import type { KallsymsTable } from './kallsyms-table.js';

export type NamingScheme = 'anchor' | 'kallmodsyms';

export class SymbolNaming {
  readonly scheme: NamingScheme;
  private readonly table: KallsymsTable;
  private readonly annotations: string[];
  /** 1 where kallmodsyms prints the type letter in lower case (core symbol of a built-in module). */
  private readonly lowerType: Uint8Array;
  private byUnique: Map<string, number> | undefined;
  /** Entries whose name needed the anchor fallback (for reports and tests). */
  readonly fallbackCount: number;

  constructor(
    table: KallsymsTable,
    scheme: NamingScheme,
    annotations: string[],
    lowerType: Uint8Array,
    fallbackCount: number,
  ) {
    this.table = table;
    this.scheme = scheme;
    this.annotations = annotations;
    this.lowerType = lowerType;
    this.fallbackCount = fallbackCount;
  }

  /** What follows the name (`[mod] {obj} {@anchor}`), `''` when the name alone is unique. */
  annotation(i: number): string {
    return this.annotations[i]!;
  }

  uniqueName(i: number): string {
    const a = this.annotations[i]!;
    return a ? `${this.table.name(i)} ${a}` : this.table.name(i);
  }

  /** Type letter as kallmodsyms prints it (lower case for symbols of built-in modules). */
  listType(i: number): string {
    const t = this.table.type(i);
    return this.lowerType[i] ? t.toLowerCase() : t;
  }

  /** The kallmodsyms line of entry i: `ADDRESS TYPE NAME` then a TAB and the annotations. */
  listLine(i: number): string {
    const a = this.annotations[i]!;
    const head = `${this.table.addressHex(i)} ${this.listType(i)} ${this.table.name(i)}`;
    return a ? `${head}\t${a}` : head;
  }

  /** Entry index of a unique name (exact string; runs of spaces and a TAB count as one space), or -1. */
  indexOf(unique: string): number {
    if (!this.byUnique) {
      const m = new Map<string, number>();
      for (let i = 0; i < this.table.count; i++) m.set(this.uniqueName(i), i);
      this.byUnique = m;
    }
    const normalized = unique.replace(/^[ \t]+|[ \t]+$/g, '').replace(/[ \t]+/g, ' ');
    return this.byUnique.get(normalized) ?? -1;
  }
}

/**
 * Completes per-entry annotations into unique names with the anchor rule of kallsyms.md §5:
 * entries whose `name annotation` still repeats get ` {@anchor}` (nearest lower-address entry of
 * the same module whose plain name is unique there and is not `__pfx_`/`__cfi_` padding), or
 * ` {@anchor#k}` / ` {#k}` (k = 1-based rank by address, then file order) when that is not enough.
 * `base[i]` defaults to `[module]` for loadable-module symbols and `''` for the core kernel.
 */
export function buildNaming(
  table: KallsymsTable,
  scheme: NamingScheme = 'anchor',
  base?: readonly string[],
  lowerType?: Uint8Array,
): SymbolNaming {
  const n = table.count;
  const ann = new Array<string>(n);
  const full = new Array<string>(n);
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const mod = table.module(i);
    const a = base ? base[i]! : mod ? `[${mod}]` : '';
    ann[i] = a;
    const f = a ? `${table.name(i)} ${a}` : table.name(i);
    full[i] = f;
    counts.set(f, (counts.get(f) ?? 0) + 1);
  }

  // Anchor candidates: plain name unique within its module, not padding.
  const isCandidate = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (table.isPadding(i)) continue;
    const same = table.indicesOfName(table.name(i));
    let inScope = 0;
    const s = table.scopeId(i);
    for (const j of same) if (table.scopeId(j) === s) inScope++;
    if (inScope === 1) isCandidate[i] = 1;
  }

  // Nearest candidate at a strictly lower address, per module: walk address groups in order.
  const anchor = new Int32Array(n).fill(-1);
  const current = new Int32Array(table.scopes.length).fill(-1);
  const order = table.order;
  let p = 0;
  while (p < n) {
    let q = p + 1;
    const e0 = order[p]!;
    while (
      q < n &&
      table.addressHi(order[q]!) === table.addressHi(e0) &&
      table.addressLo(order[q]!) === table.addressLo(e0)
    ) {
      q++;
    }
    for (let r = p; r < q; r++) {
      const e = order[r]!;
      if (counts.get(full[e]!)! > 1) anchor[e] = current[table.scopeId(e)]!;
    }
    // The first candidate in file order at this address becomes the anchor for what follows.
    for (let r = q - 1; r >= p; r--) {
      const e = order[r]!;
      if (isCandidate[e]) current[table.scopeId(e)] = e;
    }
    p = q;
  }

  // Partition by (full name, anchor); rank by address then file order.
  const partSize = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    if (counts.get(full[i]!)! <= 1) continue;
    const key = `${full[i]}\0${anchor[i]}`;
    partSize.set(key, (partSize.get(key) ?? 0) + 1);
  }
  const rankSeen = new Map<string, number>();
  let fallback = 0;
  for (let r = 0; r < n; r++) {
    const e = order[r]!;
    if (counts.get(full[e]!)! <= 1) continue;
    fallback++;
    const key = `${full[e]}\0${anchor[e]}`;
    const k = (rankSeen.get(key) ?? 0) + 1;
    rankSeen.set(key, k);
    const a = anchor[e]!;
    const tag = a >= 0 ? `{@${table.name(a)}${partSize.get(key)! > 1 ? `#${k}` : ''}}` : `{#${k}}`;
    ann[e] = ann[e] ? `${ann[e]} ${tag}` : tag;
  }
  return new SymbolNaming(table, scheme, ann, lowerType ?? new Uint8Array(n), fallback);
}
