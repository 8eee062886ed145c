/**
 * Links validated bytecode to one event class (a FilterTarget), as a tracer does when it attaches
 * a filter to an event: every field reference is resolved, every operation gets its static type.
 * Whatever LTTng's linker, validator or specializer refuses makes the whole filter record nothing,
 * even in a branch that would be short-circuited and even under `!`: a field the event does not
 * have (`nosuch == 1`, `!a.f.d`), a non-text array used as a string (`arrfield1 != "x"`), a static
 * index out of bounds, a string compared with a number (`stringfield == 2`), a float in the kernel.
 * What can only be known per event (a shift count, a sequence index, a value of the wrong JS type)
 * is checked at run time by the interpreter and the compiled closure alike.
 */
import type { FilterField, FilterFieldType, FilterTarget, IntegerFieldType } from './fields.js';
import type { LoadRoot } from './ir.js';
import { type BinaryTree, type FilterTree, treeSpine, type ValidatedBytecode } from './validator.js';

/** Static type of a value: an s64, a double, a string (field or plain literal), a glob literal. */
export type StaticType = 'int' | 'double' | 'string' | 'glob';

export type AccessStep =
  | { readonly kind: 'member'; readonly field: FilterField }
  | {
      readonly kind: 'index';
      readonly index: number;
      /** The indexed field's type (array, sequence or blob). */
      readonly container: FilterFieldType;
      /** Known element count (static array or blob), or -1: checked per event. */
      readonly staticLength: number;
      readonly element: IntegerFieldType;
    };

/** A field reference resolved against the target. */
export interface ResolvedField {
  readonly source: LoadRoot;
  readonly top: FilterField;
  readonly steps: readonly AccessStep[];
  /** The type of the loaded value: the leaf field's, or the element's after an index. */
  readonly leaf: FilterFieldType;
  readonly valueType: 'int' | 'double' | 'string';
  /** Text written in the filter, for messages. */
  readonly spelling: string;
}

export interface LinkedFilter {
  readonly validated: ValidatedBytecode;
  readonly target: FilterTarget;
  /** Resolved field per loading instruction (tree `field` node pc). */
  readonly fieldsByPc: ReadonlyMap<number, ResolvedField>;
  readonly typeOf: ReadonlyMap<FilterTree, StaticType>;
}

export type LinkResult =
  | { readonly isLinked: true; readonly linked: LinkedFilter }
  | { readonly isLinked: false; readonly reason: string };

class LinkFailure extends Error {}

const fail = (why: string): never => {
  throw new LinkFailure(why);
};

function listFor(target: FilterTarget, root: LoadRoot): readonly FilterField[] {
  return root === 'payload'
    ? target.payload
    : root === 'context'
      ? (target.context ?? [])
      : (target.appContext ?? []);
}

function prefixOf(root: LoadRoot): string {
  return root === 'payload' ? '' : root === 'context' ? '$ctx.' : '$app.';
}

function valueTypeOf(
  t: FilterFieldType,
  spelling: string,
  floatingPoint: boolean,
): 'int' | 'double' | 'string' {
  switch (t.kind) {
    case 'integer':
    case 'enum':
      if (![8, 16, 32, 64].includes(t.sizeBits))
        fail(`${spelling}: integers of ${t.sizeBits} bits cannot be filtered on`);
      return 'int';
    case 'float':
      if (!floatingPoint)
        fail(`${spelling} is a floating point field, and the kernel tracer has no floating point`);
      return 'double';
    case 'string':
      return 'string';
    case 'array':
    case 'sequence':
      if (t.isText) return 'string';
      return fail(`${spelling} is a ${t.kind} of integers: it can only be indexed, not compared as a whole`);
    case 'blob':
      return fail(`${spelling} is a blob: it can only be indexed, not compared as a whole`);
    case 'struct':
      return fail(`${spelling} is a structure: name one of its members`);
    case 'opaque':
      return fail(`${spelling} cannot be filtered on: ${t.why}`);
  }
}

function resolveField(node: FilterTree & { k: 'field' }, target: FilterTarget): ResolvedField {
  const floatingPoint = target.floatingPoint ?? true;
  const list = listFor(target, node.root);
  const prefix = prefixOf(node.root);
  type Step = { kind: 'symbol'; name: string } | { kind: 'index'; index: bigint };
  let path: Step[];
  if (node.path.form === 'legacy') {
    const sym = node.path.symbol;
    // A field may be named with dots only in CTF 2 traces; try the whole symbol first.
    path = list.some((f) => f.name === sym)
      ? [{ kind: 'symbol', name: sym }]
      : sym.split('.').map((name) => ({ kind: 'symbol', name }));
  } else {
    path = node.path.steps.map((s) => ({ ...s }));
  }
  let spelling = prefix;
  const first = path[0];
  if (first?.kind !== 'symbol') return fail('a field reference must start with a name');
  const top = list.find((f) => f.name === first.name);
  spelling += first.name;
  if (!top) {
    const what =
      node.root === 'payload' ? 'field' : node.root === 'context' ? 'context' : 'application context';
    return fail(`no ${what} named ${JSON.stringify(first.name)} in this event (${spelling})`);
  }
  const steps: AccessStep[] = [];
  let cur: FilterFieldType = top.type;
  for (let i = 1; i < path.length; i++) {
    const s = path[i]!;
    if (s.kind === 'symbol') {
      spelling += `.${s.name}`;
      if (cur.kind !== 'struct')
        return fail(`${spelling}: ${spelling.slice(0, spelling.lastIndexOf('.'))} has no members`);
      const m: FilterField | undefined = cur.members.find((f) => f.name === s.name);
      if (!m)
        return fail(`no member ${JSON.stringify(s.name)} in ${spelling.slice(0, spelling.lastIndexOf('.'))}`);
      steps.push({ kind: 'member', field: m });
      cur = m.type;
    } else {
      spelling += `[${s.index}]`;
      if (node.root !== 'payload') return fail(`${spelling}: contexts cannot be indexed`);
      let element: IntegerFieldType;
      let staticLength: number;
      if (cur.kind === 'array' || cur.kind === 'sequence') {
        if (cur.isText) return fail(`${spelling}: a text ${cur.kind} is a string and cannot be indexed`);
        element = cur.element;
        staticLength = cur.kind === 'array' ? cur.length : -1;
      } else if (cur.kind === 'blob') {
        element = { kind: 'integer', signed: false, sizeBits: 8 };
        staticLength = cur.length ?? -1;
      } else {
        return fail(`${spelling}: only arrays, sequences and blobs can be indexed`);
      }
      if (staticLength >= 0 && s.index >= BigInt(staticLength))
        return fail(`${spelling}: index out of bounds (${staticLength} elements)`);
      // Sequences hold fewer than 2^53 elements: a larger index is out of bounds for every event.
      const index = s.index > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(s.index);
      steps.push({ kind: 'index', index, container: cur, staticLength, element });
      cur = element;
    }
  }
  const valueType = valueTypeOf(cur, spelling, floatingPoint);
  return { source: node.root, top, steps, leaf: cur, valueType, spelling };
}

function binaryType(n: BinaryTree, l: StaticType, r: StaticType): StaticType {
  const isNum = (x: StaticType) => x === 'int' || x === 'double';
  if (n.k === 'compare') {
    if (isNum(l) && isNum(r)) return 'int';
    if (isNum(l) || isNum(r)) fail(`'${n.op}' compares a string with a number`);
    if (l === 'glob' && r === 'glob') fail(`'${n.op}' compares two globbing patterns`);
    if ((l === 'glob' || r === 'glob') && n.op !== '==' && n.op !== '!=')
      fail(`'${n.op}' with a globbing pattern (only == and != are allowed)`);
    return 'int';
  }
  if (l !== 'int' || r !== 'int')
    fail(`${n.k === 'bitwise' ? 'bitwise ' : ''}'${n.op}' on a value that is not an integer`);
  return 'int';
}

/** Links validated bytecode to a target. Never throws: a refusal is `{ isLinked: false, reason }`. */
export function linkFilter(validated: ValidatedBytecode, target: FilterTarget): LinkResult {
  const fieldsByPc = new Map<number, ResolvedField>();
  const typeOf = new Map<FilterTree, StaticType>();
  const floatingPoint = target.floatingPoint ?? true;

  const type = (n: FilterTree): StaticType => {
    let t: StaticType;
    switch (n.k) {
      case 's64':
        t = 'int';
        break;
      case 'double':
        if (!floatingPoint) fail('a floating point literal, and the kernel tracer has no floating point');
        t = 'double';
        break;
      case 'string':
        t = n.isGlob ? 'glob' : 'string';
        break;
      case 'field': {
        const r = resolveField(n, target);
        fieldsByPc.set(n.pc, r);
        t = r.valueType;
        break;
      }
      case 'unary': {
        const c = type(n.child);
        if (c === 'string' || c === 'glob') fail(`unary '${n.op}' on a string`);
        if (n.op === '~' && c !== 'int') fail("unary '~' on a floating point value");
        t = n.op === '!' ? 'int' : c;
        break;
      }
      case 'cast': {
        const c = type(n.child);
        if (n.op === 'to-s64' && (c === 'string' || c === 'glob')) fail('a string used as a number');
        if (n.op === 'double-to-s64' && c !== 'double')
          fail('CAST_DOUBLE_TO_S64 on a value that is not a double');
        t = n.op === 'nop' ? c : 'int';
        break;
      }
      case 'compare':
      case 'bitwise':
      case 'logical': {
        const { spine, leaf } = treeSpine(n);
        let l = type(leaf);
        for (let k = spine.length - 1; k >= 0; k--) {
          const node = spine[k]!;
          l = binaryType(node, l, type(node.right));
          typeOf.set(node, l);
        }
        t = l;
        break;
      }
    }
    typeOf.set(n, t);
    return t;
  };

  try {
    const root = type(validated.tree);
    if (root !== 'int')
      fail(
        `the filter's value is a ${root === 'double' ? 'floating point number' : 'string'}, not an integer`,
      );
  } catch (e) {
    if (e instanceof LinkFailure) return { isLinked: false, reason: e.message };
    throw e;
  }
  return { isLinked: true, linked: { validated, target, fieldsByPc, typeOf } };
}
