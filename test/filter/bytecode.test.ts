/** Bytecode: the encoder against hand-made golden bytes, and the validator against malformed input. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BytecodeError,
  compileFilterExpression,
  decodeBytecode,
  MAX_STACK_DEPTH,
  Op,
  validateBytecode,
} from '../../src/filter/index.js';
import { REPO_ROOT } from '../helpers/paths.js';

function wire(
  ins: number[] | Uint8Array,
  reloc: number[] | Uint8Array = [],
  opts: { len?: number; relocOffset?: number } = {},
): Uint8Array {
  const out = new Uint8Array(48 + ins.length + reloc.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, opts.len ?? ins.length + reloc.length, true);
  dv.setUint32(4, opts.relocOffset ?? ins.length, true);
  out.set(ins, 48);
  out.set(reloc, 48 + ins.length);
  return out;
}

const u16 = (v: number) => [v & 0xff, v >> 8];
const s64 = (v: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, BigInt(v), true);
  return [...b];
};
const cstr = (s: string) => [...new TextEncoder().encode(s), 0];

test('the encoder emits what lttng-ctl emits (golden bytes)', () => {
  const rows = readFileSync(join(REPO_ROOT, 'test/data/filter/golden-bytecode.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1);
  assert.ok(rows.length >= 4);
  for (const row of rows) {
    const [expr, hex, relocOffset] = row.split('\t');
    const bc = compileFilterExpression(expr!).bytecode;
    const dv = new DataView(bc.buffer, bc.byteOffset);
    assert.equal(Buffer.from(bc.subarray(48)).toString('hex'), hex, expr);
    assert.equal(dv.getUint32(4, true), Number(relocOffset), expr);
    assert.equal(dv.getUint32(0, true), hex!.length / 2, expr);
    assert.deepEqual([...bc.subarray(8, 48)], new Array(40).fill(0));
    validateBytecode(bc);
  }
});

function rejected(bc: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => validateBytecode(bc),
    (e: unknown) => {
      assert.ok(e instanceof BytecodeError, String(e));
      assert.match(e.message, pattern);
      return true;
    },
  );
}

const LOAD1 = [Op.LOAD_S64, ...s64(1)];

test('the validator rejects malformed bytecode before anything runs it', () => {
  rejected(new Uint8Array(10), /shorter than the 48-byte header/);
  rejected(wire([Op.UNKNOWN]), /unknown opcode 0/);
  rejected(wire([...LOAD1, 0xff]), /unknown opcode 255/);
  rejected(wire([...LOAD1, Op.RETURN], [], { len: 70000 }), /exceeds the 65536-byte limit/);
  rejected(wire([...LOAD1, Op.RETURN], [], { len: 5 }), /header says 5 data bytes/);
  rejected(wire([...LOAD1, Op.RETURN], [], { relocOffset: 200 }), /past the end/);
  rejected(wire([Op.LOAD_S64, 1, 0, 0]), /operand runs past the end/);
  rejected(wire([Op.LOAD_STRING, 0x61, 0x62]), /without its NUL/);
  rejected(wire([Op.EQ, Op.RETURN]), /empty stack/);
  rejected(wire([...LOAD1, ...LOAD1, Op.RETURN]), /RETURN with 2 stack entries/);
  rejected(wire([...LOAD1, Op.RETURN, ...LOAD1, Op.RETURN]), /RETURN before the end/);
  rejected(wire([...LOAD1]), /no RETURN/);
  rejected(wire([...LOAD1, ...LOAD1, Op.MUL, Op.RETURN]), /MUL is not accepted/);
  rejected(wire([...LOAD1, ...LOAD1, Op.EQ_S64, Op.RETURN]), /EQ_S64 is not accepted/);
  rejected(wire([...LOAD1, Op.LOAD_FIELD_REF_S64, 0, 0, Op.RETURN]), /not accepted/);
  const deep: number[] = [];
  for (let i = 0; i <= MAX_STACK_DEPTH; i++) deep.push(...LOAD1);
  for (let i = 0; i < MAX_STACK_DEPTH; i++) deep.push(Op.EQ);
  rejected(wire([...deep, Op.RETURN]), /stack deeper than 10/);
});

test('the validator checks jumps: forward, onto an instruction, nested, same depth', () => {
  // 0: LOAD 1; 9: AND ->X; 12: LOAD 1; 21: RETURN
  rejected(wire([...LOAD1, Op.AND, ...u16(5), ...LOAD1, Op.RETURN]), /does not jump forward/);
  rejected(wire([...LOAD1, Op.AND, ...u16(15), ...LOAD1, Op.RETURN]), /not on an instruction boundary/);
  rejected(wire([...LOAD1, Op.AND, ...u16(22), ...LOAD1, Op.RETURN]), /past the last instruction/);
  rejected(
    wire([...LOAD1, Op.AND, ...u16(30), ...LOAD1, ...LOAD1, Op.EQ, Op.RETURN]),
    /past the last instruction|depth/,
  );
  // Target reached with two values on the stack where one is expected.
  rejected(
    wire([...LOAD1, Op.AND, ...u16(30), ...LOAD1, ...LOAD1, Op.RETURN]),
    /stack depth 2 at the target/,
  );
  // Inner jump past the outer target.
  rejected(
    wire([...LOAD1, Op.AND, ...u16(24), ...LOAD1, Op.OR, ...u16(33), ...LOAD1, ...LOAD1, Op.EQ, Op.RETURN]),
    /jumps past the enclosing/,
  );
  const ok = validateBytecode(wire([...LOAD1, Op.AND, ...u16(21), ...LOAD1, Op.RETURN]));
  assert.equal(ok.tree.k, 'logical');
});

test('the validator checks relocations and field traversals', () => {
  rejected(wire([Op.LOAD_FIELD_REF, 0xff, 0xff, Op.RETURN]), /without a relocation entry/);
  rejected(wire([Op.LOAD_FIELD_REF, 0xff, 0xff, Op.RETURN], [...u16(1), ...cstr('x')]), /not an instruction/);
  rejected(
    wire([Op.LOAD_FIELD_REF, 0xff, 0xff, Op.RETURN], [...u16(3), ...cstr('x')]),
    /RETURN, which takes no symbol/,
  );
  rejected(
    wire([Op.LOAD_FIELD_REF, 0xff, 0xff, Op.RETURN], [...u16(0), ...cstr('x'), ...u16(0), ...cstr('y')]),
    /two relocation entries/,
  );
  rejected(wire([Op.LOAD_FIELD_REF, 0xff, 0xff, Op.RETURN], [...u16(0), 0x78]), /without its NUL/);
  rejected(
    wire([Op.GET_CONTEXT_REF, 0xff, 0xff, Op.RETURN], [...u16(0), ...cstr('vtid')]),
    /does not start with \$ctx\./,
  );
  rejected(
    wire(
      [Op.GET_PAYLOAD_ROOT, Op.GET_SYMBOL, ...u16(40), Op.LOAD_FIELD, Op.RETURN],
      [...u16(1), ...cstr('x')],
    ),
    /past the relocation table/,
  );
  rejected(wire([Op.GET_PAYLOAD_ROOT, Op.LOAD_FIELD, Op.RETURN]), /LOAD_FIELD without a field/);
  rejected(wire([Op.GET_PAYLOAD_ROOT, Op.GET_INDEX_U16, 0, 0, Op.RETURN]), /without a field to index/);
  rejected(wire([Op.GET_PAYLOAD_ROOT, Op.RETURN]), /field traversal not ended/);
  rejected(
    wire([Op.GET_SYMBOL, 2, 0, Op.RETURN], [...u16(0), ...cstr('x')]),
    /GET_SYMBOL without a field traversal/,
  );
  const ok = validateBytecode(
    wire(
      [Op.GET_PAYLOAD_ROOT, Op.GET_SYMBOL, ...u16(2), Op.LOAD_FIELD, Op.RETURN],
      [...u16(1), ...cstr('x')],
    ),
  );
  assert.deepEqual(ok.tree, {
    k: 'field',
    root: 'payload',
    path: { form: 'steps', steps: [{ kind: 'symbol', name: 'x' }] },
    pc: 4,
  });
});

test('decode then re-encode: everything the encoder emits validates, with the same tree shape', () => {
  for (const e of [
    'a',
    '!a.b.c',
    'x[3] == 2 || $ctx.vtid',
    '"a*b" != s && 1.5 >= d',
    '~a >> 3 & 7 ^ 1 | 2 << 4',
  ]) {
    const bc = compileFilterExpression(e).bytecode;
    const d = decodeBytecode(bc);
    assert.equal(d.insns[d.insns.length - 1]!.op, Op.RETURN);
    validateBytecode(d);
  }
});
