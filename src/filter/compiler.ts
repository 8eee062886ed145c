/**
 * Compiles a linked filter to one JavaScript closure specialized to the event class: field reads
 * are the caller's `read` snippets pasted in place, types are decided once, short-circuits are real
 * branches, and any per-event failure is `return false`. The generated code allocates nothing in
 * the common case (fields of up to 32 bits, doubles, strings); 64-bit values beyond 2^53 and
 * bitwise operations outside the int32 range go through bigint helpers (s64.ts).
 */
import type { FilterField } from './fields.js';
import type { LinkedFilter, LinkResult, ResolvedField, StaticType } from './link.js';
import { compiledHelpers } from './s64.js';
import { compileStarGlob } from './strings.js';
import { type BinaryTree, type FilterTree, treeSpine } from './validator.js';

export interface CompiledFilter {
  /** The filter: true means "record this event". Never throws for expected conditions. */
  readonly fn: (...args: never[]) => boolean;
  readonly isLinked: boolean;
  /** Why the filter records nothing, when it did not link. */
  readonly reason?: string;
  /** The generated source (for `--debug` and tests). */
  readonly source: string;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

class Gen {
  readonly lines: string[] = [];
  readonly consts: unknown[] = [];
  private n = 0;
  private depth = 1;

  constructor(private readonly linked: LinkedFilter) {}

  tmp(): string {
    return `t${this.n++}`;
  }
  line(s: string): void {
    this.lines.push(`${'  '.repeat(this.depth)}${s}`);
  }
  open(s: string): void {
    this.line(s);
    this.depth++;
  }
  close(s = '}'): void {
    this.depth--;
    this.line(s);
  }
  constant(v: unknown): string {
    this.consts.push(v);
    return `C[${this.consts.length - 1}]`;
  }
  typeOf(n: FilterTree): StaticType {
    return this.linked.typeOf.get(n)!;
  }

  /** Emits statements computing `n`; returns a JS expression (a temp or a literal) for its value. */
  emit(n: FilterTree): string {
    switch (n.k) {
      case 's64':
        return n.v >= -9007199254740991n && n.v <= 9007199254740991n ? `(${n.v})` : `(${n.v}n)`;
      case 'double':
        return Number.isNaN(n.v) ? 'NaN' : Object.is(n.v, -0) ? '(-0)' : `(${n.v})`;
      case 'string': {
        const lit = { text: n.text, bytes: n.bytes };
        // A glob literal carries its own matcher, cut into segments once, here.
        return this.constant(n.isGlob ? { ...lit, match: compileStarGlob(lit) } : lit);
      }
      case 'field':
        return this.emitField(this.linked.fieldsByPc.get(n.pc)!);
      case 'unary': {
        const c = this.emit(n.child);
        const ct = this.typeOf(n.child);
        const t = this.tmp();
        if (n.op === '+') return c;
        if (n.op === '!') this.line(`const ${t} = ${c} == 0 ? 1 : 0;`);
        else if (n.op === '-')
          this.line(ct === 'double' ? `const ${t} = -${c};` : `const ${t} = H.neg(${c});`);
        else this.line(`const ${t} = H.bnot(${c});`);
        return t;
      }
      case 'cast': {
        const c = this.emit(n.child);
        if (n.op === 'nop' || this.typeOf(n.child) === 'int') return c;
        const t = this.tmp();
        this.line(`const ${t} = H.d2s(${c});`);
        return t;
      }
      case 'bitwise':
      case 'compare':
      case 'logical': {
        // Loop down the left spine; recurse only into right operands.
        const { spine, leaf } = treeSpine(n);
        let acc = this.emit(leaf);
        for (let k = spine.length - 1; k >= 0; k--) acc = this.emitBinary(spine[k]!, acc);
        return acc;
      }
    }
  }

  /** `n` with its left operand already computed in `l`. */
  private emitBinary(n: BinaryTree, l: string): string {
    if (n.k === 'logical') {
      const t = this.tmp();
      this.line(`let ${t} = ${l};`);
      if (n.op === '&&') {
        this.open(`if (${t} != 0) {`);
      } else {
        this.line(`if (${t} != 0) ${t} = 1;`);
        this.open('else {');
      }
      const r = this.emit(n.right);
      this.line(`${t} = ${r};`);
      this.close();
      return t;
    }
    const r = this.emit(n.right);
    const t = this.tmp();
    if (n.k === 'bitwise') {
      if (n.op === '<<' || n.op === '>>') {
        this.line(`const ${t} = H.${n.op === '<<' ? 'shl' : 'shr'}(${l}, ${r});`);
        this.line(`if (${t} === undefined) return false;`);
      } else {
        this.line(`const ${t} = H.${n.op === '&' ? 'band' : n.op === '|' ? 'bor' : 'bxor'}(${l}, ${r});`);
      }
      return t;
    }
    const lt = this.typeOf(n.left);
    const rt = this.typeOf(n.right);
    const op = n.op;
    if (lt === 'int' && rt === 'int') {
      this.line(`const ${t} = ${l} ${op} ${r} ? 1 : 0;`);
    } else if (lt === 'int' || rt === 'int' || lt === 'double' || rt === 'double') {
      const a = lt === 'int' ? `H.toD(${l})` : l;
      const b = rt === 'int' ? `H.toD(${r})` : r;
      this.line(`const ${t} = ${a} ${op} ${b} ? 1 : 0;`);
    } else {
      // Strings: a literal takes the representation of the value it meets.
      const isLLit = n.left.k === 'string';
      const isRLit = n.right.k === 'string';
      const pick = (lit: string, other: string, isOtherLit: boolean) =>
        isOtherLit ? `${lit}.text` : `(typeof ${other} === 'string' ? ${lit}.text : ${lit}.bytes)`;
      const lv = isLLit ? pick(l, r, isRLit) : l;
      const rv = isRLit ? pick(r, l, isLLit) : r;
      if (lt === 'glob' || rt === 'glob') {
        const [pat, cand] = lt === 'glob' ? [l, rv] : [r, lv];
        this.line(`const ${t} = ${op === '==' ? '' : '!'}${pat}.match(${cand}) ? 1 : 0;`);
      } else {
        this.line(`const ${t} = H.strcmp(${lv}, ${isLLit}, ${rv}, ${isRLit}) ${op} 0 ? 1 : 0;`);
      }
    }
    return t;
  }

  private emitField(r: ResolvedField): string {
    let field: FilterField = r.top;
    // The current value, as an expression; undefined while only `readElement` may be needed.
    let cur: string | undefined;
    const value = (): string => {
      if (cur !== undefined) return cur;
      if (field.read === undefined) throw new Error(`field ${r.spelling} has no read expression`);
      const t = this.tmp();
      this.line(`const ${t} = ${field.read};`);
      cur = t;
      return t;
    };
    for (const s of r.steps) {
      if (s.kind === 'member') {
        if (s.field.read !== undefined) {
          cur = undefined;
        } else {
          const parent = value();
          this.line(`if (${parent} == null) return false;`);
          const t = this.tmp();
          this.line(`const ${t} = ${parent}[${JSON.stringify(s.field.name)}];`);
          cur = t;
        }
        field = s.field;
        if (s.field.read !== undefined) cur = undefined;
        continue;
      }
      const t = this.tmp();
      if (field.readElement !== undefined) {
        if (s.staticLength < 0) {
          const len = field.readLength ?? `${value()}.length`;
          if (field.readLength === undefined) this.line(`if (${value()} == null) return false;`);
          this.line(`if (!(${s.index} < ${len})) return false;`);
        }
        this.line(`const ${t} = ${field.readElement.replace(/\$i/g, String(s.index))};`);
      } else {
        const arr = value();
        this.line(`if (${arr} == null) return false;`);
        if (s.staticLength < 0)
          this.line(`if (!(${s.index} < ${field.readLength ?? `${arr}.length`})) return false;`);
        this.line(`const ${t} = ${arr}[${s.index}];`);
      }
      cur = t;
      field = { name: `${field.name}[${s.index}]`, type: s.element };
    }
    const v = value();
    const leaf = r.leaf;
    const t = this.tmp();
    switch (r.valueType) {
      case 'int': {
        const bits = leaf.kind === 'integer' || leaf.kind === 'enum' ? leaf.sizeBits : 64;
        const signed = leaf.kind === 'integer' || leaf.kind === 'enum' ? leaf.signed : true;
        if (bits >= 64) {
          this.line(`const ${t} = H.n64(${v});`);
          this.line(`if (${t} === undefined) return false;`);
        } else {
          const fast = signed
            ? bits === 32
              ? `${v} | 0`
              : `(${v} << ${32 - bits}) >> ${32 - bits}`
            : bits === 32
              ? `${v} >>> 0`
              : `${v} & ${bits === 8 ? '0xff' : '0xffff'}`;
          this.line(
            `const ${t} = typeof ${v} === 'number' ? ${fast} : H.${signed ? 'i32s' : 'i32u'}(${v}, ${bits});`,
          );
          this.line(`if (${t} === undefined) return false;`);
        }
        return t;
      }
      case 'double':
        this.line(`if (typeof ${v} !== 'number') return false;`);
        if (leaf.kind === 'float' && leaf.sizeBits === 32) {
          this.line(`const ${t} = Math.fround(${v});`);
          return t;
        }
        return v;
      case 'string':
        this.line(`if (!H.isStr(${v})) return false;`);
        return v;
    }
  }
}

/**
 * Compiles a linked filter for closures taking `params` (their names, in order; `read` snippets
 * use them). A filter that did not link compiles to `() => false`, with the reason.
 */
export function compileFilter(link: LinkResult, params: readonly string[]): CompiledFilter {
  for (const p of params)
    if (!IDENT.test(p) || p === 'H' || p === 'C') throw new Error(`bad parameter name ${JSON.stringify(p)}`);
  if (!link.isLinked) {
    return { fn: () => false, isLinked: false, reason: link.reason, source: 'return false;' };
  }
  const g = new Gen(link.linked);
  const root = g.emit(link.linked.validated.tree);
  g.line(`return ${root} != 0;`);
  const body = `return function ttngFilter(${params.join(', ')}) {\n${g.lines.join('\n')}\n};`;
  const factory = new Function('H', 'C', body) as (
    h: typeof compiledHelpers,
    c: unknown[],
  ) => (...args: never[]) => boolean;
  return { fn: factory(compiledHelpers, g.consts), isLinked: true, source: body };
}
