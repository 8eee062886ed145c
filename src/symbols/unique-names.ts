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
  /** Per entry; undefined where `annotate` computes it on first use (lazyNaming). */
  private readonly annotations: (string | undefined)[];
  private readonly annotate: ((i: number) => string) | null;
  /** 1 where kallmodsyms prints the type letter in lower case (core symbol of a built-in module). */
  private readonly lowerType: Uint8Array;
  /** Entries whose name needed the anchor fallback (for reports and tests); -1: not counted (lazyNaming). */
  readonly fallbackCount: number;

  constructor(
    table: KallsymsTable,
    scheme: NamingScheme,
    annotations: (string | undefined)[],
    lowerType: Uint8Array,
    fallbackCount: number,
    annotate: ((i: number) => string) | null = null,
  ) {
    this.table = table;
    this.scheme = scheme;
    this.annotations = annotations;
    this.lowerType = lowerType;
    this.fallbackCount = fallbackCount;
    this.annotate = annotate;
  }

  /** What follows the name (`[mod] {obj} {@anchor}`), `''` when the name alone is unique. */
  annotation(i: number): string {
    let a = this.annotations[i];
    if (a === undefined) {
      a = this.annotate!(i);
      this.annotations[i] = a;
    }
    return a;
  }

  uniqueName(i: number): string {
    const a = this.annotation(i);
    return a ? `${this.table.name(i)} ${a}` : this.table.name(i);
  }

  /** Type letter as kallmodsyms prints it (lower case for symbols of built-in modules). */
  listType(i: number): string {
    const t = this.table.type(i);
    return this.lowerType[i] ? t.toLowerCase() : t;
  }

  /** The kallmodsyms line of entry i: `ADDRESS TYPE NAME` then a TAB and the annotations. */
  listLine(i: number): string {
    const a = this.annotation(i);
    const head = `${this.table.addressHex(i)} ${this.listType(i)} ${this.table.name(i)}`;
    return a ? `${head}\t${a}` : head;
  }

  /** Entry index of a unique name (exact string; runs of spaces and a TAB count as one space), or -1. */
  indexOf(unique: string): number {
    const normalized = unique.replace(/^[ \t]+|[ \t]+$/g, '').replace(/[ \t]+/g, ' ');
    // A unique name starts with the symbol's name (kallsyms names hold no blanks).
    const sp = normalized.indexOf(' ');
    const name = sp < 0 ? normalized : normalized.slice(0, sp);
    for (const i of this.table.indicesOfNameOnce(name)) if (this.uniqueName(i) === normalized) return i;
    return -1;
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

/**
 * The names buildNaming(table) gives (anchor scheme, no artifacts), each computed when first
 * asked for: from the entries sharing its name and the nearest anchors below them, without the
 * name index or a pass over every symbol (`ttng symbols lookup`: one or a few names).
 */
export function lazyNaming(table: KallsymsTable): SymbolNaming {
  const n = table.count;
  const order = table.order;
  let posCache: Int32Array | null = null;
  const pos = (i: number): number => {
    if (posCache === null) {
      posCache = new Int32Array(n);
      for (let p = 0; p < n; p++) posCache[order[p]!] = p;
    }
    return posCache[i]!;
  };
  const base = (i: number): string => {
    const mod = table.module(i);
    return mod ? `[${mod}]` : '';
  };
  const isCandidate = (i: number): boolean => {
    if (table.isPadding(i)) return false;
    const s = table.scopeId(i);
    let inScope = 0;
    for (const j of table.indicesOfNameOnce(table.name(i))) if (table.scopeId(j) === s) inScope++;
    return inScope === 1;
  };
  const sameAddress = (a: number, b: number): boolean =>
    table.addressHi(a) === table.addressHi(b) && table.addressLo(a) === table.addressLo(b);
  /** buildNaming's anchor: the first candidate (in order) of the nearest lower address group of the same scope. */
  const anchorOf = (e: number): number => {
    const s = table.scopeId(e);
    let p = pos(e);
    while (p > 0 && sameAddress(order[p - 1]!, e)) p--;
    while (p > 0) {
      // The group [g, p) of one address, below e's.
      let g = p - 1;
      while (g > 0 && sameAddress(order[g - 1]!, order[p - 1]!)) g--;
      for (let r = g; r < p; r++) {
        const c = order[r]!;
        if (table.scopeId(c) === s && isCandidate(c)) return c;
      }
      p = g;
    }
    return -1;
  };
  const annotate = (i: number): string => {
    const b = base(i);
    const name = table.name(i);
    const same = table.indicesOfNameOnce(name).filter((j) => base(j) === b);
    if (same.length <= 1) return b;
    const a = anchorOf(i);
    // The partition of (full name, anchor), in address then file order (`same` is in that order).
    let size = 0;
    let k = 0;
    for (const j of same) {
      if (anchorOf(j) !== a) continue;
      size++;
      if (pos(j) <= pos(i)) k++;
    }
    const tag = a >= 0 ? `{@${table.name(a)}${size > 1 ? `#${k}` : ''}}` : `{#${k}}`;
    return b ? `${b} ${tag}` : tag;
  };
  return new SymbolNaming(table, 'anchor', new Array<string | undefined>(n), new Uint8Array(n), -1, annotate);
}
