/**
 * Fuzz tests: the parser (and the whole client side) on random and mutated expressions, the
 * bytecode decoder and validator on random and mutated bytes. Whatever the input: only the
 * documented errors (FilterError, BytecodeError), never a crash; and bytecode that validates runs
 * in both engines without throwing. Seeds: test/data/filter/fuzz-corpus (see PROVENANCE.md).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  BytecodeError,
  compileFilter,
  compileFilterExpression,
  createInterpreter,
  FilterError,
  type FilterTarget,
  linkFilter,
  objectTarget,
  validateBytecode,
} from '../../src/filter/index.js';
import { REPO_ROOT } from '../helpers/paths.js';

const CORPUS = join(REPO_ROOT, 'test/data/filter/fuzz-corpus');
const exprCorpus = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.txt'))
  .sort()
  .map((f) => readFileSync(join(CORPUS, f), 'utf8'));
const bcCorpus = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.bc.hex'))
  .sort()
  .map((f) => new Uint8Array(Buffer.from(readFileSync(join(CORPUS, f), 'utf8').trim(), 'hex')));

const TARGET: FilterTarget = {
  payload: [
    { name: 'intfield', type: { kind: 'integer', signed: true, sizeBits: 32 } },
    { name: 'longfield', type: { kind: 'integer', signed: true, sizeBits: 64 } },
    {
      name: 'arr',
      type: {
        kind: 'array',
        length: 3,
        element: { kind: 'integer', signed: false, sizeBits: 8 },
        isText: false,
      },
    },
    { name: 's', type: { kind: 'string' } },
  ],
  context: [{ name: 'vtid', type: { kind: 'integer', signed: true, sizeBits: 32 } }],
};
const O = objectTarget(TARGET);
const EVENT = {
  payload: { intfield: 5, longfield: 2n ** 62n, arr: [1, 2, 3], s: 'x*y' },
  context: { vtid: 7 },
};

function compileExpr(src: string): void {
  try {
    const c = compileFilterExpression(src);
    validateBytecode(c.bytecode);
  } catch (e) {
    if (!(e instanceof FilterError)) throw new Error(`${JSON.stringify(src)} threw ${e}`);
    assert.ok(e.column >= 1 && e.column <= src.length + 1, `column ${e.column} for ${JSON.stringify(src)}`);
  }
}

function runBytecode(bc: Uint8Array): boolean {
  let v: ReturnType<typeof validateBytecode>;
  try {
    v = validateBytecode(bc);
  } catch (e) {
    if (!(e instanceof BytecodeError)) throw new Error(`decode threw ${e}`);
    return false;
  }
  const link = linkFilter(v, O.target);
  const a = createInterpreter(link)(EVENT);
  const b = (compileFilter(link, O.params).fn as (p: unknown, c: unknown) => boolean)(
    EVENT.payload,
    EVENT.context,
  );
  assert.equal(a, b);
  return true;
}

const TOKENS = [
  'a',
  'b.c',
  '$ctx',
  '$ctx.x',
  '$app.p:c',
  '1',
  '0x1f',
  '07',
  '1.5',
  '.5e3',
  '"s*"',
  "'c'",
  '"\\*"',
  '(',
  ')',
  '[',
  ']',
  '[0]',
  '==',
  '!=',
  '<',
  '>=',
  '&',
  '|',
  '^',
  '<<',
  '>>',
  '&&',
  '||',
  '!',
  '~',
  '-',
  '+',
  '*',
  '/',
  '->',
  '.',
  ' ',
  '/*',
  '*/',
  '//',
  '"',
  '\\',
  '$',
  '@',
  '\n',
];

test('parser fuzz: corpus, random token soups, random characters, mutations', () => {
  for (const e of exprCorpus) compileExpr(e);
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }), (toks) =>
      compileExpr(toks.join('')),
    ),
    { numRuns: 3000, seed: 7 },
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (s) => compileExpr(s)),
    { numRuns: 3000, seed: 8 },
  );
  fc.assert(
    fc.property(fc.constantFrom(...exprCorpus), fc.nat(), fc.string({ maxLength: 3 }), (e, at, ins) => {
      const i = at % (e.length + 1);
      compileExpr(e.slice(0, i) + ins + e.slice(i + 1));
    }),
    { numRuns: 3000, seed: 9 },
  );
});

test('bytecode fuzz: corpus, byte flips, truncations, random bytes', () => {
  let accepted = 0;
  for (const bc of bcCorpus) assert.ok(runBytecode(bc));
  fc.assert(
    fc.property(
      fc.constantFrom(...bcCorpus),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }),
      (bc, edits) => {
        const m = new Uint8Array(bc);
        for (const [at, v] of edits) m[48 + (at % (m.length - 48))] = v;
        if (runBytecode(m)) accepted++;
      },
    ),
    { numRuns: 5000, seed: 10 },
  );
  fc.assert(
    fc.property(fc.constantFrom(...bcCorpus), fc.nat(), (bc, cut) => {
      runBytecode(bc.subarray(0, cut % bc.length));
    }),
    { numRuns: 1000, seed: 11 },
  );
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 40, maxLength: 120 }),
      fc.nat({ max: 70 }),
      (body, relocOffset) => {
        const m = new Uint8Array(48 + body.length);
        const dv = new DataView(m.buffer);
        dv.setUint32(0, body.length, true);
        dv.setUint32(4, Math.min(relocOffset, body.length), true);
        m.set(body, 48);
        runBytecode(m);
      },
    ),
    { numRuns: 5000, seed: 12 },
  );
  assert.ok(accepted > 50, `only ${accepted} mutants accepted: the fuzz no longer reaches execution`);
});
