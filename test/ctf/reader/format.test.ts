/**
 * The text primitives babeltrace2's output depends on: `%g` for floats (against glibc's output,
 * test/data/ctf-reader/printf-g.tsv), decimal integers, the 9-digit nanoseconds, babeltrace2's
 * string escapes, and clock cycles to nanoseconds from origin with babeltrace2's arithmetic.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { ClockConverter, formatG, wnano, wqstr, wudec } from '../../../src/ctf/reader/index.js';
import { readBe32, readLe32 } from '../../../src/ctf/reader/text-helpers.js';
import { REPO_ROOT } from '../../helpers/paths.js';

test('formatG prints what glibc printf("%g") prints (5511 values)', () => {
  const lines = readFileSync(join(REPO_ROOT, 'test/data/ctf-reader/printf-g.tsv'), 'latin1')
    .trim()
    .split('\n');
  const dv = new DataView(new ArrayBuffer(8));
  let bad = 0;
  const first: string[] = [];
  for (const l of lines) {
    const [hex, want] = l.split('\t') as [string, string];
    dv.setBigUint64(0, BigInt(`0x${hex}`));
    const got = formatG(dv.getFloat64(0));
    if (got !== want) {
      bad++;
      if (first.length < 5) first.push(`${hex}: ${got} vs ${want}`);
    }
  }
  assert.equal(bad, 0, first.join('\n'));
  assert.equal(lines.length, 5511);
});

test('wudec writes any safe integer like String()', () => {
  const out = new Uint8Array(32);
  fc.assert(
    fc.property(fc.maxSafeNat(), (v) => {
      const n = wudec(out, 0, v);
      assert.equal(Buffer.from(out.subarray(0, n)).toString('latin1'), String(v));
    }),
    { numRuns: 2000 },
  );
});

test('wnano writes 9 digits', () => {
  const out = new Uint8Array(9);
  for (const v of [0, 7, 10, 999999999, 123456789, 1000000]) {
    assert.equal(wnano(out, 0, v), 9);
    assert.equal(Buffer.from(out).toString('latin1'), String(v).padStart(9, '0'));
  }
});

test("wqstr escapes as babeltrace2's print_escape_string (iscntrl in C.UTF-8, no escape above 0x7f)", () => {
  const bytes = Uint8Array.from([
    0x61, 0x5c, 0x27, 0x22, 0x3f, 0x0a, 0x09, 0x07, 0x08, 0x1b, 0x0c, 0x0d, 0x0b, 0x01, 0x1f, 0x7f, 0xc3,
    0xa9,
  ]);
  const out = new Uint8Array(200);
  const n = wqstr(out, 0, bytes, 0, bytes.length);
  assert.equal(
    Buffer.from(out.subarray(0, n)).toString('latin1'),
    '"a\\\\\\\'\\"\\?\\n\\t\\a\\b\\e\\f\\r\\v\\x01\\x1f\\x7f\u00c3\u00a9"',
  );
});

/** babeltrace2's bt_util_clock_cycles_to_ns_from_origin, on bigints and doubles like the C code. */
function reference(cycles: bigint, freq: bigint, offS: bigint, offC: bigint): bigint | null {
  const I64_MAX = (1n << 63n) - 1n;
  const I64_MIN = -(1n << 63n);
  if (offS <= I64_MIN / 1_000_000_000n - 1n || offS >= I64_MAX / 1_000_000_000n - 1n) return null;
  const nsOf = (v: bigint): bigint => {
    if (freq === 1_000_000_000n) return v;
    const d = Math.trunc((1e9 * Number(v)) / Number(freq));
    return d >= 2 ** 64 ? (1n << 64n) - 1n : BigInt(d);
  };
  const base = offS * 1_000_000_000n + nsOf(offC);
  const v = nsOf(cycles);
  if (v > I64_MAX) return null;
  const r = base + v;
  return r > I64_MAX || r < I64_MIN ? null : r;
}

/** A converter for an absolute clock of this frequency and offset. */
function converter(freq: bigint, offS: bigint, offC: bigint): ClockConverter {
  return new ClockConverter({
    name: 'c',
    description: '',
    frequency: freq,
    precision: 0n,
    offsetSeconds: offS,
    offsetCycles: offC,
    uuid: null,
    isAbsolute: true,
  });
}

test('clock cycles to nanoseconds from origin: exact like babeltrace2 (1 GHz and other frequencies)', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.oneof(fc.constant(1_000_000_000n), fc.bigInt({ min: 1n, max: 10_000_000_000n })),
      fc.bigInt({ min: -(1n << 34n), max: 1n << 34n }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (cycles, freq, offS, frac) => {
        const offC = BigInt(Math.floor(frac * Number(freq))) % freq;
        const cc = converter(freq, offS, offC);
        const t = { sec: 0, nsec: 0 };
        const ok = cc.toNs(Number(cycles >> 32n), Number(cycles & 0xffffffffn), t);
        const want = reference(cycles, freq, offS, offC);
        if (want === null) assert.equal(ok, false);
        else {
          assert.equal(ok, true);
          assert.equal(BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec), want);
          assert.ok(t.nsec >= 0 && t.nsec < 1e9);
        }
      },
    ),
    { numRuns: 3000 },
  );
});

test('clock cycles to nanoseconds: one converter over a run of nearby values (its cached second) stays exact', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.constant(1_000_000_000n), fc.bigInt({ min: 1n, max: 10_000_000_000n })),
      fc.bigInt({ min: -(1n << 34n), max: 1n << 34n }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      // Steps forward and back, within a second and across seconds (and far jumps).
      fc.array(
        fc.oneof(
          fc.bigInt({ min: -2_000_000_000n, max: 2_000_000_000n }),
          fc.bigInt({ min: 0n, max: 3000n }),
          fc.bigInt({ min: -(1n << 60n), max: 1n << 60n }),
        ),
        { minLength: 1, maxLength: 40 },
      ),
      (freq, offS, frac, start, steps) => {
        const offC = BigInt(Math.floor(frac * Number(freq))) % freq;
        const cc = converter(freq, offS, offC);
        const t = { sec: 0, nsec: 0 };
        let cycles = start;
        for (const step of steps) {
          cycles = BigInt.asUintN(64, cycles + step);
          const ok = cc.toNs(Number(cycles >> 32n), Number(cycles & 0xffffffffn), t);
          const want = reference(cycles, freq, offS, offC);
          if (want === null) assert.equal(ok, false);
          else {
            assert.equal(ok, true);
            assert.equal(BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec), want);
            assert.ok(t.nsec >= 0 && t.nsec < 1e9);
          }
        }
      },
    ),
    { numRuns: 2000 },
  );
});

/** Reference bit reads, one bit at a time (CTF 1.8 §4.1.5 bit order). */
function refRead(u8: Uint8Array, p: number, size: number, le: boolean): number {
  let v = 0n;
  for (let i = 0; i < size; i++) {
    const bit = p + i;
    const b = BigInt((u8[bit >> 3]! >> (le ? bit & 7 : 7 - (bit & 7))) & 1);
    v = le ? v | (b << BigInt(i)) : (v << 1n) | b;
  }
  return Number(v);
}

test('bit-field reads at any bit offset, both byte orders, 1..32 bits', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 8, maxLength: 16 }),
      fc.integer({ min: 0, max: 31 }),
      fc.integer({ min: 1, max: 32 }),
      (u8, p, size) => {
        assert.equal(readLe32(u8, p, size), refRead(u8, p, size, true));
        assert.equal(readBe32(u8, p, size), refRead(u8, p, size, false));
      },
    ),
    { numRuns: 5000 },
  );
});
