/**
 * Fuzz test of the kallsyms parser: the saved corpus (test/data/symbols/fuzz/kallsyms) mutated at
 * random must either parse into a usable table or fail with a SymbolsError, never anything else;
 * fed in random chunks, it gives the same table or the same error.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  buildNaming,
  KallsymsParser,
  type KallsymsTable,
  parseKallsyms,
  SymbolLookup,
  SymbolsError,
} from '../../src/symbols/index.js';
import { REPO_ROOT } from '../helpers/paths.js';

const DIR = join(REPO_ROOT, 'test/data/symbols/fuzz/kallsyms');
const corpus = readdirSync(DIR)
  .sort()
  .map((f) => readFileSync(join(DIR, f), 'latin1'));

function check(text: string): boolean {
  try {
    const t = parseKallsyms(text);
    const out = new SymbolLookup();
    for (let i = 0; i < t.count; i++) {
      t.lookupInto(t.addressHi(i), t.addressLo(i), out);
      t.lookupInto(t.addressHi(i), (t.addressLo(i) + 3) >>> 0, out);
    }
    const n = buildNaming(t);
    for (let i = 0; i < t.count; i++) if (n.indexOf(n.uniqueName(i)) !== i) return false;
    return true;
  } catch (e) {
    if (e instanceof SymbolsError && /:\d+:\d+: /.test(e.message)) return true;
    throw e;
  }
}

test('the saved corpus parses or fails cleanly', () => {
  assert.ok(corpus.length >= 5);
  for (const c of corpus) assert.ok(check(c));
});

const mutation = fc.record({
  seed: fc.nat(),
  edits: fc.array(
    fc.record({
      at: fc.nat(),
      kind: fc.constantFrom('replace', 'insert', 'delete', 'truncate'),
      byte: fc.oneof(
        fc.constantFrom(9, 10, 13, 32, 48, 91, 93, 95, 102, 0),
        fc.integer({ min: 0, max: 255 }),
      ),
    }),
    { minLength: 1, maxLength: 8 },
  ),
});

test('fuzz: random edits of the corpus never crash the parser', () => {
  fc.assert(
    fc.property(mutation, ({ seed, edits }) => {
      let s = corpus[seed % corpus.length]!;
      for (const e of edits) {
        const at = s.length ? e.at % (s.length + 1) : 0;
        const ch = String.fromCharCode(e.byte);
        if (e.kind === 'replace') s = s.slice(0, at) + ch + s.slice(at + 1);
        else if (e.kind === 'insert') s = s.slice(0, at) + ch + s.slice(at);
        else if (e.kind === 'delete') s = s.slice(0, at) + s.slice(at + 1);
        else s = s.slice(0, at);
      }
      return check(s);
    }),
    { numRuns: 2000 },
  );
});

test('fuzz: a mutated input fed in random chunks parses like the whole, or fails the same way', () => {
  const outcome = (f: () => KallsymsTable): string => {
    try {
      const t = f();
      const rows: string[] = [];
      for (let i = 0; i < t.count; i++)
        rows.push(`${t.addressHex(i)} ${t.type(i)} ${t.name(i)} ${t.module(i)}`);
      return rows.join('\n');
    } catch (e) {
      if (e instanceof SymbolsError) return `error ${e.message}`;
      throw e;
    }
  };
  fc.assert(
    fc.property(mutation, fc.array(fc.nat(), { maxLength: 5 }), ({ seed, edits }, cuts) => {
      let s = corpus[seed % corpus.length]!;
      for (const e of edits) {
        const at = s.length ? e.at % (s.length + 1) : 0;
        s = s.slice(0, at) + String.fromCharCode(e.byte) + s.slice(at + 1);
      }
      const whole = outcome(() => parseKallsyms(s));
      const chunked = outcome(() => {
        const p = new KallsymsParser('kallsyms', 4, 64);
        let at = 0;
        for (const c of cuts.map((x) => x % (s.length + 1)).sort((a, b) => a - b)) {
          p.feed(s.slice(at, c));
          at = c;
        }
        p.feed(s.slice(at));
        return p.finish();
      });
      return whole === chunked;
    }),
    { numRuns: 500 },
  );
});
