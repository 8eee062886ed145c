/**
 * Decides whether decoded bytecode may run, before anything runs it (bytecode crosses process
 * boundaries). On top of the decoder's bounds checks: only the generic opcodes a client emits
 * (opcodes.ts WIRE_OPS); every relocation entry names an instruction that takes one, and every
 * field reference has exactly one; GET_SYMBOL offsets land on a symbol; logical skip offsets jump
 * forward onto an instruction, nest properly, and meet the same stack depth (LTTng's merge-point
 * rule); the stack never underflows nor exceeds MAX_STACK_DEPTH; field traversals are well formed
 * (root, symbol, [symbol|index]*, load); one RETURN, last, with one value on the stack.
 *
 * The walk also rebuilds the expression tree the bytecode computes (`FilterTree`), which the linker
 * types against an event class and the compiler turns into JavaScript.
 */
import type { DecodedBytecode, Insn } from './bytecode.js';
import { decodeBytecode } from './bytecode.js';
import { BytecodeError } from './errors.js';
import type { LoadRoot } from './ir.js';
import { MAX_STACK_DEPTH, Op, opName, WIRE_OPS } from './opcodes.js';

export type FieldPath =
  /** LOAD_FIELD_REF / GET_CONTEXT_REF: one dotted symbol (without `$ctx.`/`$app.`). */
  | { readonly form: 'legacy'; readonly symbol: string }
  /** GET_*_ROOT, GET_SYMBOL, GET_INDEX_*, LOAD_FIELD. */
  | {
      readonly form: 'steps';
      readonly steps: readonly (
        | { readonly kind: 'symbol'; readonly name: string }
        | { readonly kind: 'index'; readonly index: bigint }
      )[];
    };

export type CompareOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type BitwiseOp = '>>' | '<<' | '&' | '|' | '^';

export type FilterTree =
  | { readonly k: 's64'; readonly v: bigint }
  | { readonly k: 'double'; readonly v: number }
  | { readonly k: 'string'; readonly isGlob: boolean; readonly text: string; readonly bytes: Uint8Array }
  /** `pc`: the instruction that loads the value (LOAD_FIELD_REF, GET_CONTEXT_REF or LOAD_FIELD). */
  | { readonly k: 'field'; readonly root: LoadRoot; readonly path: FieldPath; readonly pc: number }
  | { readonly k: 'unary'; readonly op: '+' | '-' | '!' | '~'; readonly child: FilterTree }
  | { readonly k: 'compare'; readonly op: CompareOp; readonly left: FilterTree; readonly right: FilterTree }
  | { readonly k: 'bitwise'; readonly op: BitwiseOp; readonly left: FilterTree; readonly right: FilterTree }
  | { readonly k: 'logical'; readonly op: '&&' | '||'; readonly left: FilterTree; readonly right: FilterTree }
  | { readonly k: 'cast'; readonly op: 'to-s64' | 'double-to-s64' | 'nop'; readonly child: FilterTree };

export type BinaryTree = FilterTree & { k: 'compare' | 'bitwise' | 'logical' };

/** The binary nodes on the left spine of `n`, outermost first, and the node below them: passes
 * over trees loop along it (an `a && 1 && 1 ...` chain is thousands of nodes deep). */
export function treeSpine(n: FilterTree): { spine: BinaryTree[]; leaf: FilterTree } {
  const spine: BinaryTree[] = [];
  let cur = n;
  while (cur.k === 'compare' || cur.k === 'bitwise' || cur.k === 'logical') {
    spine.push(cur);
    cur = cur.left;
  }
  return { spine, leaf: cur };
}

/** Bytecode that passed validation, with the tree it computes. Only validateBytecode makes one. */
export interface ValidatedBytecode {
  readonly decoded: DecodedBytecode;
  readonly tree: FilterTree;
  /** Index of each instruction by pc. */
  readonly insnIndex: ReadonlyMap<number, number>;
  /** Deepest stack the bytecode needs. */
  readonly maxStackDepth: number;
  /** Brand: made by validateBytecode only. */
  readonly isValidated: true;
}

const COMPARE: Record<number, CompareOp> = {
  [Op.EQ]: '==',
  [Op.NE]: '!=',
  [Op.GT]: '>',
  [Op.LT]: '<',
  [Op.GE]: '>=',
  [Op.LE]: '<=',
};
const BITWISE: Record<number, BitwiseOp> = {
  [Op.BIT_RSHIFT]: '>>',
  [Op.BIT_LSHIFT]: '<<',
  [Op.BIT_AND]: '&',
  [Op.BIT_OR]: '|',
  [Op.BIT_XOR]: '^',
};

type Entry =
  | { readonly kind: 'value'; readonly tree: FilterTree }
  | { readonly kind: 'root'; readonly root: LoadRoot }
  | {
      readonly kind: 'ptr';
      readonly root: LoadRoot;
      readonly steps: ({ kind: 'symbol'; name: string } | { kind: 'index'; index: bigint })[];
    };

interface Frame {
  readonly op: '&&' | '||';
  readonly left: FilterTree;
  readonly target: number;
  readonly depth: number;
  readonly pc: number;
}

/** Validates decoded (or raw wire) bytecode. Throws BytecodeError naming the offset and the rule. */
export function validateBytecode(input: DecodedBytecode | Uint8Array): ValidatedBytecode {
  const d = input instanceof Uint8Array ? decodeBytecode(input) : input;
  const { insns, relocs, relocOffset, data } = d;
  if (insns.length === 0) throw new BytecodeError('no instruction', 0);

  const insnIndex = new Map<number, number>();
  for (let i = 0; i < insns.length; i++) insnIndex.set(insns[i]!.pc, i);

  // Relocation entries: each names an instruction taking a symbol.
  const relocOf = new Map<number, string>();
  for (const r of relocs) {
    const i = insnIndex.get(r.insnOffset);
    if (i === undefined)
      throw new BytecodeError(
        `relocation entry points at ${r.insnOffset}, not an instruction`,
        relocOffset + r.entryOffset,
      );
    const op = insns[i]!.op;
    if (op !== Op.LOAD_FIELD_REF && op !== Op.GET_CONTEXT_REF && op !== Op.GET_SYMBOL)
      throw new BytecodeError(
        `relocation entry points at ${opName(op)}, which takes no symbol`,
        relocOffset + r.entryOffset,
      );
    if (op !== Op.GET_SYMBOL) {
      if (relocOf.has(r.insnOffset))
        throw new BytecodeError(
          'two relocation entries for one field reference',
          relocOffset + r.entryOffset,
        );
      relocOf.set(r.insnOffset, r.symbol);
    }
  }
  const relocLen = data.length - relocOffset;
  const symbolAtOffset = (ins: Insn): string => {
    const off = ins.u16!;
    if (off >= relocLen)
      throw new BytecodeError(
        `GET_SYMBOL offset ${off} is past the relocation table (${relocLen} bytes)`,
        ins.pc,
      );
    let end = relocOffset + off;
    while (end < data.length && data[end] !== 0) end++;
    if (end >= data.length) throw new BytecodeError('GET_SYMBOL symbol without its NUL', ins.pc);
    return new TextDecoder().decode(data.subarray(relocOffset + off, end));
  };

  const stack: Entry[] = [];
  const frames: Frame[] = [];
  let maxDepth = 0;
  const push = (e: Entry, pc: number) => {
    stack.push(e);
    if (stack.length > MAX_STACK_DEPTH)
      throw new BytecodeError(`stack deeper than ${MAX_STACK_DEPTH} entries`, pc);
    if (stack.length > maxDepth) maxDepth = stack.length;
  };
  const popValue = (ins: Insn): FilterTree => {
    const e = stack.pop();
    if (!e) throw new BytecodeError(`${opName(ins.op)} on an empty stack`, ins.pc);
    if (e.kind !== 'value')
      throw new BytecodeError(`${opName(ins.op)} on a field traversal not ended by LOAD_FIELD`, ins.pc);
    return e.tree;
  };

  let tree: FilterTree | undefined;
  for (let idx = 0; idx < insns.length; idx++) {
    const ins = insns[idx]!;
    const pc = ins.pc;
    // Merge points: close the logical operations whose skip offset is this instruction.
    while (frames.length > 0 && frames[frames.length - 1]!.target === pc) {
      const f = frames.pop()!;
      if (stack.length !== f.depth)
        throw new BytecodeError(
          `stack depth ${stack.length} at the target of ${f.op === '&&' ? 'AND' : 'OR'} at ${f.pc}, ${f.depth} expected`,
          pc,
        );
      const right = popValue(ins);
      push({ kind: 'value', tree: { k: 'logical', op: f.op, left: f.left, right } }, pc);
    }
    if (frames.length > 0 && frames[frames.length - 1]!.target < pc)
      throw new BytecodeError(
        `skip offset ${frames[frames.length - 1]!.target} is not on an instruction boundary`,
        frames[frames.length - 1]!.pc,
      );
    if (!WIRE_OPS.has(ins.op))
      throw new BytecodeError(`${opName(ins.op)} is not accepted in filter bytecode`, pc);

    const op = ins.op;
    if (op === Op.RETURN || op === Op.RETURN_S64) {
      if (idx !== insns.length - 1) throw new BytecodeError('RETURN before the end of the instructions', pc);
      if (frames.length > 0)
        throw new BytecodeError('a logical operation jumps past RETURN', frames[frames.length - 1]!.pc);
      if (stack.length !== 1)
        throw new BytecodeError(`RETURN with ${stack.length} stack entries, 1 expected`, pc);
      tree = popValue(ins);
      break;
    }
    if (op in COMPARE || op in BITWISE) {
      const right = popValue(ins);
      const left = popValue(ins);
      push(
        {
          kind: 'value',
          tree:
            op in COMPARE
              ? { k: 'compare', op: COMPARE[op]!, left, right }
              : { k: 'bitwise', op: BITWISE[op]!, left, right },
        },
        pc,
      );
      continue;
    }
    switch (op) {
      case Op.UNARY_PLUS:
      case Op.UNARY_MINUS:
      case Op.UNARY_NOT:
      case Op.UNARY_BIT_NOT: {
        const child = popValue(ins);
        const u = op === Op.UNARY_PLUS ? '+' : op === Op.UNARY_MINUS ? '-' : op === Op.UNARY_NOT ? '!' : '~';
        push({ kind: 'value', tree: { k: 'unary', op: u, child } }, pc);
        break;
      }
      case Op.CAST_TO_S64:
      case Op.CAST_DOUBLE_TO_S64:
      case Op.CAST_NOP: {
        const child = popValue(ins);
        const c = op === Op.CAST_TO_S64 ? 'to-s64' : op === Op.CAST_DOUBLE_TO_S64 ? 'double-to-s64' : 'nop';
        push({ kind: 'value', tree: { k: 'cast', op: c, child } }, pc);
        break;
      }
      case Op.AND:
      case Op.OR: {
        const target = ins.u16!;
        if (target <= pc + 2) throw new BytecodeError(`skip offset ${target} does not jump forward`, pc);
        if (target >= relocOffset)
          throw new BytecodeError(`skip offset ${target} is past the last instruction`, pc);
        if (!insnIndex.has(target))
          throw new BytecodeError(`skip offset ${target} is not on an instruction boundary`, pc);
        const outer = frames[frames.length - 1];
        if (outer && target > outer.target)
          throw new BytecodeError(
            `skip offset ${target} jumps past the enclosing logical operation's target ${outer.target}`,
            pc,
          );
        const depth = stack.length;
        const left = popValue(ins);
        frames.push({ op: op === Op.AND ? '&&' : '||', left, target, depth, pc });
        break;
      }
      case Op.LOAD_S64:
        push({ kind: 'value', tree: { k: 's64', v: ins.big! } }, pc);
        break;
      case Op.LOAD_DOUBLE:
        push({ kind: 'value', tree: { k: 'double', v: ins.f64! } }, pc);
        break;
      case Op.LOAD_STRING:
      case Op.LOAD_STAR_GLOB_STRING:
        push(
          {
            kind: 'value',
            tree: {
              k: 'string',
              isGlob: op === Op.LOAD_STAR_GLOB_STRING,
              text: ins.str!,
              bytes: ins.strBytes!,
            },
          },
          pc,
        );
        break;
      case Op.LOAD_FIELD_REF:
      case Op.GET_CONTEXT_REF: {
        const symbol = relocOf.get(pc);
        if (symbol === undefined) throw new BytecodeError(`${opName(op)} without a relocation entry`, pc);
        let root: LoadRoot = 'payload';
        let name = symbol;
        if (op === Op.GET_CONTEXT_REF) {
          if (symbol.startsWith('$ctx.')) root = 'context';
          else if (symbol.startsWith('$app.')) root = 'app-context';
          else
            throw new BytecodeError(
              `context symbol ${JSON.stringify(symbol)} does not start with $ctx. or $app.`,
              pc,
            );
          name = symbol.slice(5);
        }
        if (name.length === 0) throw new BytecodeError('empty field symbol', pc);
        push({ kind: 'value', tree: { k: 'field', root, path: { form: 'legacy', symbol: name }, pc } }, pc);
        break;
      }
      case Op.GET_CONTEXT_ROOT:
      case Op.GET_APP_CONTEXT_ROOT:
      case Op.GET_PAYLOAD_ROOT:
        push(
          {
            kind: 'root',
            root:
              op === Op.GET_CONTEXT_ROOT
                ? 'context'
                : op === Op.GET_APP_CONTEXT_ROOT
                  ? 'app-context'
                  : 'payload',
          },
          pc,
        );
        break;
      case Op.GET_SYMBOL: {
        const top = stack[stack.length - 1];
        if (!top || top.kind === 'value') throw new BytecodeError('GET_SYMBOL without a field traversal', pc);
        const name = symbolAtOffset(ins);
        stack[stack.length - 1] =
          top.kind === 'root'
            ? { kind: 'ptr', root: top.root, steps: [{ kind: 'symbol', name }] }
            : { kind: 'ptr', root: top.root, steps: [...top.steps, { kind: 'symbol', name }] };
        break;
      }
      case Op.GET_INDEX_U16:
      case Op.GET_INDEX_U64: {
        const top = stack[stack.length - 1];
        if (top?.kind !== 'ptr') throw new BytecodeError(`${opName(op)} without a field to index`, pc);
        const index = op === Op.GET_INDEX_U16 ? BigInt(ins.u16!) : ins.big!;
        stack[stack.length - 1] = {
          kind: 'ptr',
          root: top.root,
          steps: [...top.steps, { kind: 'index', index }],
        };
        break;
      }
      case Op.LOAD_FIELD: {
        const top = stack.pop();
        if (top?.kind !== 'ptr') throw new BytecodeError('LOAD_FIELD without a field (GET_SYMBOL first)', pc);
        push(
          {
            kind: 'value',
            tree: { k: 'field', root: top.root, path: { form: 'steps', steps: top.steps }, pc },
          },
          pc,
        );
        break;
      }
      default:
        throw new BytecodeError(`${opName(op)} is not accepted in filter bytecode`, pc);
    }
  }
  if (tree === undefined) throw new BytecodeError('no RETURN at the end of the instructions', relocOffset);
  return { decoded: d, tree, insnIndex, maxStackDepth: maxDepth, isValidated: true };
}
