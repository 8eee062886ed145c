/**
 * kallsyms parsing and lookups on small crafted tables: alias choice, padding, per-module sizes,
 * 32-bit System.map, hidden addresses, errors with line and column; property tests against the
 * naive model and for unique-name round trips.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  buildNaming,
  KallsymsParser,
  LookupStatus,
  parseKallsyms,
  SymbolLookup,
  SymbolsError,
  splitAddress,
} from '../../src/symbols/index.js';
import { NaiveLookup, naiveParse } from './naive-kallsyms.js';

const SAMPLE = [
  'ffffffff81000000 T srso_alias_untrain_ret',
  'ffffffff81000000 T _stext',
  'ffffffff81000000 T _text',
  'ffffffff81000010 t __pfx_foo',
  'ffffffff81000020 t foo',
  'ffffffff81000040 t __pfx_bar',
  'ffffffff81000040 T __cpuidle_text_start',
  'ffffffff81000050 T bar',
  'ffffffff81000080 T _etext',
  'ffffffffc0001000 t mod_b\t[m1]',
  'ffffffffc0000000 t mod_a\t[m1]',
  'ffffffffc0000800 t foo\t[m2]',
].join('\n');

test('alias choice, sizes, padding and module scopes', () => {
  const t = parseKallsyms(SAMPLE);
  assert.equal(t.count, 12);
  assert.deepEqual(t.scopes, ['', 'm1', 'm2']);
  const r0 = t.resolve(0xffffffff81000004n)!;
  assert.equal(r0.text, 'srso_alias_untrain_ret+0x4/0x10');
  assert.equal(t.resolve('ffffffff81000024')!.text, 'foo+0x4/0x20');
  // Inside __pfx_foo: the function that follows, at a negative offset.
  const pad = t.resolve(0xffffffff81000018n)!;
  assert.equal(pad.status, LookupStatus.InPadding);
  assert.equal(pad.name, 'foo');
  assert.equal(pad.offsetBytes, -8);
  // __pfx_bar shares its address with a section marker only: still padding of bar.
  assert.equal(t.resolve(0xffffffff81000044n)!.status, LookupStatus.InPadding);
  assert.equal(t.resolve(0xffffffff81000044n)!.name, 'bar');
  // Past _etext: the last core symbol has no known end.
  assert.equal(t.resolve(0xffffffff81000081n), undefined);
  assert.equal(t.resolve(0xffffffff81000080n)!.name, '_etext');
  // Module parts are sorted by the reader; sizes stay within the module.
  assert.equal(t.resolve(0xffffffffc0000010n)!.text, 'mod_a+0x10/0x1000 [m1]');
  assert.equal(t.resolve(0xffffffffc0000900n), undefined, 'm2 has one symbol: its end is unknown');
  assert.equal(t.resolve(0xffffffffc0000800n)!.text, 'foo+0x0 [m2]');
  assert.equal(t.resolve(0xffffffffc0001000n)!.name, 'mod_b');
  assert.equal(t.resolve(0xffffffff80ffffffn), undefined);
  // Names: every address, sorted.
  assert.deepEqual(
    t.indicesOfName('foo').map((i) => t.addressHex(i)),
    ['ffffffff81000020', 'ffffffffc0000800'],
  );
  assert.deepEqual(
    t.indicesAt(0xffffffff, 0x81000000).map((i) => t.name(i)),
    ['srso_alias_untrain_ret', '_stext', '_text'],
  );
});

test('unique names follow kallsyms.md §5', () => {
  const t = parseKallsyms(
    [
      '0000000000001000 t alpha',
      '0000000000001100 t dup',
      '0000000000001200 t beta',
      '0000000000001300 t dup',
      '0000000000001400 t dup',
      '0000000000000100 t dup',
      '0000000000002000 t dup\t[m]',
      '0000000000002100 t solo\t[m]',
    ].join('\n'),
  );
  const n = buildNaming(t);
  assert.deepEqual(
    Array.from({ length: t.count }, (_, i) => n.uniqueName(i)),
    ['alpha', 'dup {@alpha}', 'beta', 'dup {@beta#1}', 'dup {@beta#2}', 'dup {#1}', 'dup [m]', 'solo [m]'],
  );
  assert.equal(n.indexOf('dup  {@beta#2}'), 4);
  assert.equal(n.indexOf('dup'), -1);
});

test('32-bit System.map and hidden addresses', () => {
  const t = parseKallsyms('c1000000 T _text\nc1000000 T startup_32\nc1000100 t helper\nc1000200 T _etext\n', {
    source: 'System.map',
  });
  assert.equal(t.addressDigits, 8);
  assert.equal(t.addressHex(2), 'c1000100');
  assert.equal(t.resolve('0xc1000180')!.text, 'helper+0x80/0x100');
  const hidden = parseKallsyms('0000000000000000 T _text\n0000000000000000 t foo\n');
  assert.ok(hidden.isAddressRestricted);
  assert.equal(hidden.resolve(0n), undefined);
  assert.ok(
    !parseKallsyms('0000000000000000 A fixed_percpu_data\nffffffff81000000 T _text\n').isAddressRestricted,
  );
});

test('malformed lines: an error with the line, column and what is expected', () => {
  const cases: [string, RegExp][] = [
    ['ffffffff81000000 T ok\nhello world\n', /kallsyms:2:1: no hex address/],
    [
      'ffffffff81000000 T ok\nffffffff81000000 T\n',
      /:2:.*one-letter symbol type then a space|missing symbol name/,
    ],
    ['ffffffff81000000 T two words\n', /:1:23: unexpected text after the symbol name/],
    ['ffffffff81000000TT x\n', /:1:17: expected a space after the address/],
    ['fffffffff81000000 T x\n', /:1:1: address longer than 16 hex digits/],
    ['ffffffff81000000 T x\t[mod\n', /:1:21: a tab that is not followed by \[MODULE\]/],
    ['ffffffff81000000 T x\t[a b]\n', /bad module name/],
  ];
  for (const [text, re] of cases) {
    assert.throws(
      () => parseKallsyms(text),
      (e: unknown) =>
        e instanceof SymbolsError && e.code === 'TTNG_E_SYMBOLS_KALLSYMS_PARSE' && re.test(e.message),
      text,
    );
  }
});

test('splitAddress accepts bigint, number and hex text', () => {
  assert.deepEqual(splitAddress(0xffffffff81000010n), { hi: 0xffffffff, lo: 0x81000010 });
  assert.deepEqual(splitAddress('0x10'), { hi: 0, lo: 16 });
  assert.deepEqual(splitAddress(4294967297), { hi: 1, lo: 1 });
  assert.equal(splitAddress('xyz'), undefined);
  assert.equal(splitAddress(-1), undefined);
});

/** Random tables: few names (many duplicates), several modules, padding and markers. */
const tableArb = fc
  .array(
    fc.record({
      addr: fc.integer({ min: 0, max: 400 }),
      name: fc.constantFrom(
        'a',
        'b',
        'c',
        'dup',
        '__pfx_dup',
        '__pfx_a',
        '__start_x',
        '_etext',
        'zz',
        'y.cold',
      ),
      type: fc.constantFrom('t', 'T', 'W', 'D'),
      mod: fc.constantFrom('', '', '', 'm1', 'm2'),
    }),
    { minLength: 1, maxLength: 60 },
  )
  .map((rows) => {
    // Modules live in their own address ranges, as in the kernel.
    const base = (m: string): number => (m === '' ? 0x1000 : m === 'm1' ? 0x10000 : 0x20000);
    return rows
      .map(
        (r) =>
          `${(base(r.mod) + r.addr * 4).toString(16).padStart(16, '0')} ${r.type} ${r.name}${r.mod ? `\t[${r.mod}]` : ''}`,
      )
      .join('\n');
  });

test('property: lookups equal the naive linear scan for every address', () => {
  fc.assert(
    fc.property(
      tableArb,
      fc.array(fc.integer({ min: 0xf00, max: 0x22000 }), { minLength: 20, maxLength: 20 }),
      (text, addrs) => {
        const t = parseKallsyms(text);
        const model = new NaiveLookup(naiveParse(text), 0n);
        const out = new SymbolLookup();
        for (const a of addrs) {
          const [status, index, offset] = model.lookup(BigInt(a));
          const st = t.lookupInto(0, a, out);
          if (st !== status) return false;
          if (st !== LookupStatus.NotFound && (out.index !== index || out.offsetBytes !== offset))
            return false;
        }
        return true;
      },
    ),
    { numRuns: 300 },
  );
});

test('property: unique names are distinct and round-trip', () => {
  fc.assert(
    fc.property(tableArb, (text) => {
      const t = parseKallsyms(text);
      const n = buildNaming(t);
      const seen = new Set<string>();
      for (let i = 0; i < t.count; i++) {
        const u = n.uniqueName(i);
        if (seen.has(u) || n.indexOf(u) !== i) return false;
        seen.add(u);
      }
      return true;
    }),
    { numRuns: 300 },
  );
});

test('property: feeding the text in chunks at any boundaries gives the same table', () => {
  fc.assert(
    fc.property(tableArb, fc.array(fc.nat(), { maxLength: 6 }), (text, cuts) => {
      const whole = parseKallsyms(text);
      const p = new KallsymsParser('chunks', 4);
      let at = 0;
      for (const c of [...cuts].map((x) => x % (text.length + 1)).sort((a, b) => a - b)) {
        p.feed(text.slice(at, c));
        at = c;
      }
      p.feed(text.slice(at));
      const t = p.finish();
      if (t.count !== whole.count) return false;
      for (let i = 0; i < t.count; i++) {
        if (
          t.name(i) !== whole.name(i) ||
          t.address(i) !== whole.address(i) ||
          t.module(i) !== whole.module(i)
        )
          return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
});

/**
 * Every line form the WebAssembly scanner hands back to the general path, in one file (addresses
 * below 2^53 for the naive model).
 */
const MIXED = [
  '0000000081000000 T _text',
  '0000000081000000 T _stext',
  '0000000081000010 t __pfx_a',
  '0000000081000020 t a',
  '',
  '0000000081000030 t __cfi_b',
  '0000000081000040 t b',
  '81000050 t short_address',
  '0000000081000060 T _etext',
  '00000000c0000000 t m1_a\t[m1]',
  '00000000c0000010 t m1_b\t[m1]',
  '00000000c0001000 t m2_a\t[m2]',
  '00000000c0000020 t m1_c\t[m1]',
  '00000000c0001010 t m2_b\t[m2]',
].join('\n');

test('the scanner and the general path agree on every line form', () => {
  const naive = naiveParse(MIXED);
  const model = new NaiveLookup(naive, 0n);
  for (const text of [MIXED, `${MIXED}\n`, MIXED.replaceAll('\n', '\r\n')]) {
    const t = parseKallsyms(text);
    assert.equal(t.count, naive.length, JSON.stringify(text.slice(0, 40)));
    for (const e of naive) {
      assert.equal(t.name(e.index), e.name);
      assert.equal(t.address(e.index), e.addr);
      assert.equal(t.type(e.index), e.type);
      assert.equal(t.module(e.index), e.module);
    }
    assert.equal(t.addressDigits, 16);
    assert.deepEqual(t.scopes, ['', 'm1', 'm2']);
    const out = new SymbolLookup();
    for (const e of naive) {
      for (const delta of [0n, 4n, 15n]) {
        const a = e.addr + delta;
        const [status, index, offset] = model.lookup(a);
        assert.equal(t.lookupInto(Number(a >> 32n), Number(a & 0xffffffffn), out), status);
        if (status !== LookupStatus.NotFound) assert.deepEqual([out.index, out.offsetBytes], [index, offset]);
      }
    }
    // _stext.._etext came through the general path: the text range is known.
    assert.equal(t.resolve(0x81000020n)!.isOutsideText, false);
    assert.equal(t.resolve(0x81000060n)!.isOutsideText, true);
  }
});

test('tiny starting capacities grow (entries and input) to the same table', () => {
  const text = Array.from(
    { length: 3000 },
    (_, k) =>
      `${(0xffffffff81000000 + k * 16).toString(16)} t f${k % 700}${k % 5 === 0 ? `\t[m${k % 3}]` : ''}`,
  ).join('\n');
  const whole = parseKallsyms(text);
  const p = new KallsymsParser('small', 4, 64);
  for (let at = 0; at < text.length; at += 777) p.feed(text.slice(at, at + 777));
  const t = p.finish();
  assert.equal(t.count, 3000);
  for (let i = 0; i < t.count; i += 7) {
    assert.equal(t.name(i), whole.name(i));
    assert.equal(t.address(i), whole.address(i));
    assert.equal(t.module(i), whole.module(i));
  }
  assert.deepEqual(t.resolve(0xffffffff81000018n), whole.resolve(0xffffffff81000018n));
});

test('property: a sorted core then modules in any order (the /proc/kallsyms shape) equals the naive scan', () => {
  fc.assert(
    fc.property(
      tableArb,
      fc.array(fc.integer({ min: 0xf00, max: 0x22000 }), { minLength: 20, maxLength: 20 }),
      (text, addrs) => {
        const lines = text.split('\n');
        const core = lines.filter((l) => !l.includes('\t')).sort();
        const shaped = [...core, ...lines.filter((l) => l.includes('\t'))].join('\n');
        const t = parseKallsyms(shaped);
        const model = new NaiveLookup(naiveParse(shaped), 0n);
        const out = new SymbolLookup();
        for (const a of addrs) {
          const [status, index, offset] = model.lookup(BigInt(a));
          if (t.lookupInto(0, a, out) !== status) return false;
          if (status !== LookupStatus.NotFound && (out.index !== index || out.offsetBytes !== offset))
            return false;
        }
        return true;
      },
    ),
    { numRuns: 300 },
  );
});

test('a character that is not a byte is an error with its line', () => {
  assert.throws(
    () => parseKallsyms('ffffffff81000000 T ok\nffffffff81000010 T caf\u00e9\u2603\n'),
    /kallsyms:2:\d+: a character that is not a byte \(U\+2603\)/,
  );
  assert.equal(parseKallsyms('ffffffff81000010 T caf\u00e9\n').name(0), 'caf\u00e9');
});
