/**
 * The fast paths of the text output against their general forms (property tests): 32-bit decimal
 * and hexadecimal writers, the decimal writers of safe integers and nanoseconds, the 64-bit writers'
 * paths (32-bit, below 2^53, full 64-bit, negative), the inline clock update of compact
 * timestamps (27 and 32 bits, LTTng's headers) against updateClock, and the one-loop string copy
 * of the text decoders (null-terminated strings and text arrays) against babeltrace2's escapes
 * and its stale empty strings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { IrClockClass, IrFieldClass, IrInt } from '../../../src/ctf/reader/ctf-ir.js';
import { Meaning } from '../../../src/ctf/reader/ctf-ir.js';
import { DecodeState, DecodeStatus } from '../../../src/ctf/reader/decode-state.js';
import { compileScope, newStringSlots, updateClock } from '../../../src/ctf/reader/decoder-compiler.js';
import {
  whex,
  wnano,
  wqstr,
  ws32,
  wsdec,
  wsdec64,
  wu32,
  wudec,
  wudec64,
} from '../../../src/ctf/reader/text-helpers.js';

const text = (out: Uint8Array, n: number): string => Buffer.from(out.subarray(0, n)).toString('latin1');

test('wu32 and ws32 write 32-bit integers like String()', () => {
  const out = new Uint8Array(16);
  const edges = [0, 1, 9, 10, 99, 100, 9999, 10000, 99999, 100000, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];
  for (const v of edges) assert.equal(text(out, wu32(out, 0, v)), String(v));
  for (const v of [-(2 ** 31), -1, -10, ...edges.filter((x) => x < 2 ** 31)]) {
    assert.equal(text(out, ws32(out, 0, v)), String(v));
  }
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      (u, s) => {
        assert.equal(text(out, wu32(out, 0, u)), String(u));
        assert.equal(text(out, ws32(out, 0, s)), String(s));
      },
    ),
    { numRuns: 3000 },
  );
});

test('whex writes uppercase hexadecimal below 2^53; the 64-bit writers agree with BigInt', () => {
  const out = new Uint8Array(40);
  fc.assert(
    fc.property(fc.maxSafeNat(), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (v, b) => {
      assert.equal(text(out, whex(out, 0, v)), `0x${v.toString(16).toUpperCase()}`);
      const hi = Number(b >> 32n);
      const lo = Number(b & 0xffffffffn);
      assert.equal(text(out, wudec64(out, 0, hi, lo)), b.toString());
      assert.equal(text(out, wsdec64(out, 0, hi, lo)), BigInt.asIntN(64, b).toString());
      // hi === 0 takes the 32-bit shortcut.
      assert.equal(text(out, wudec64(out, 0, 0, lo)), String(lo));
      assert.equal(text(out, wsdec64(out, 0, 0, lo)), String(lo));
    }),
    { numRuns: 3000 },
  );
});

/** Every power of 2 and of 10 that fits in 64 bits, and their neighbours (the writers' boundaries). */
const EDGES_64: bigint[] = (() => {
  const set = new Set<bigint>();
  const add = (v: bigint): void => {
    for (let d = -2n; d <= 2n; d++) if (v + d >= 0n && v + d < 1n << 64n) set.add(v + d);
  };
  for (let k = 0n; k <= 64n; k++) add(1n << k);
  for (let k = 0n; k <= 19n; k++) add(10n ** k);
  for (const v of [0n, 9n, 10n, 99n, 100n, 2n ** 31n - 1n, 2n ** 53n - 1n, 2n ** 63n - 1n]) add(v);
  return [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
})();

/** Checks both 64-bit writers on the pattern `b` (0..2^64-1) against BigInt. */
function check64(out: Uint8Array, b: bigint): void {
  const hi = Number(b >> 32n);
  const lo = Number(b & 0xffffffffn);
  assert.equal(text(out, wudec64(out, 0, hi, lo)), b.toString(), `wudec64 ${b}`);
  assert.equal(text(out, wsdec64(out, 0, hi, lo)), BigInt.asIntN(64, b).toString(), `wsdec64 ${b}`);
}

test('the decimal writers agree with String() and BigInt at every power of 2 and of 10', () => {
  const out = new Uint8Array(40);
  assert.ok(EDGES_64.length > 300);
  for (const b of EDGES_64) {
    check64(out, b);
    // The same magnitude as a negative 64-bit value (two's complement pattern).
    if (b > 0n) check64(out, (1n << 64n) - b);
    if (b < 1n << 53n) {
      const v = Number(b);
      assert.equal(text(out, wudec(out, 0, v)), String(v));
      assert.equal(text(out, wsdec(out, 0, v)), String(v));
      assert.equal(text(out, wsdec(out, 0, -v)), String(-v));
    }
    if (b < 1n << 32n) assert.equal(text(out, wu32(out, 0, Number(b))), String(b));
    if (b < 1n << 31n) assert.equal(text(out, ws32(out, 0, -Number(b))), String(-Number(b)));
    if (b < 1000000000n) assert.equal(text(out, wnano(out, 0, Number(b))), String(b).padStart(9, '0'));
  }
  assert.equal(text(out, ws32(out, 0, -(2 ** 31))), '-2147483648');
  assert.equal(text(out, wsdec64(out, 0, 0x80000000, 0)), '-9223372036854775808');
  assert.equal(text(out, wudec64(out, 0, 0xffffffff, 0xffffffff)), '18446744073709551615');
});

test('the writers write only their own bytes and return the end offset', () => {
  const out = new Uint8Array(64);
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.integer({ min: 0, max: 20 }), (b, at) => {
      out.fill(0xee);
      const hi = Number(b >> 32n);
      const lo = Number(b & 0xffffffffn);
      const want = BigInt.asIntN(64, b).toString();
      const end = wsdec64(out, at, hi, lo);
      assert.equal(end, at + want.length);
      assert.equal(Buffer.from(out.subarray(at, end)).toString('latin1'), want);
      assert.ok(out.subarray(0, at).every((x) => x === 0xee));
      assert.ok(out.subarray(end).every((x) => x === 0xee));
    }),
    { numRuns: 1000 },
  );
});

test('wudec, wsdec and wnano agree with String() (property)', () => {
  const out = new Uint8Array(40);
  fc.assert(
    fc.property(
      fc.maxSafeNat(),
      fc.maxSafeInteger(),
      fc.integer({ min: 0, max: 999999999 }),
      // Magnitudes of every size: a random mantissa shifted down by 0..52 bits.
      fc.maxSafeNat(),
      fc.integer({ min: 0, max: 52 }),
      (u, s, ns, m, shift) => {
        assert.equal(text(out, wudec(out, 0, u)), String(u));
        assert.equal(text(out, wsdec(out, 0, s)), String(s));
        assert.equal(text(out, wnano(out, 0, ns)), String(ns).padStart(9, '0'));
        const v = Math.floor(m / 2 ** shift);
        assert.equal(text(out, wudec(out, 0, v)), String(v));
        assert.equal(text(out, wsdec(out, 0, -v)), String(-v));
        if (v < 2 ** 32) assert.equal(text(out, wu32(out, 0, v)), String(v));
      },
    ),
    { numRuns: 3000 },
  );
});

test('the 64-bit writers agree with BigInt on values of every size, both signs', () => {
  const out = new Uint8Array(40);
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.integer({ min: 0, max: 63 }),
      (b, shift) => {
        // Small magnitudes of both signs: below 2^53 (the double path) and above (the long division).
        const m = b >> BigInt(shift);
        check64(out, m);
        check64(out, ((1n << 64n) - m) & ((1n << 64n) - 1n));
      },
    ),
    { numRuns: 3000 },
  );
});

const CLOCK: IrClockClass = {
  name: 'monotonic',
  description: '',
  frequency: 1_000_000_000n,
  precision: 0n,
  offsetSeconds: 0n,
  offsetCycles: 0n,
  uuid: null,
  isAbsolute: false,
};

function uint(size: number, alignment: number, clock: IrClockClass | null): IrInt {
  return {
    type: 'int',
    size,
    alignment,
    inIr: true,
    byteOrder: 'le',
    isSigned: false,
    base: 10,
    encoding: 'none',
    mappedClock: clock,
    meaning: Meaning.None,
    storingIndex: -1,
    mappings: [],
  };
}

function struct(...members: [string, IrFieldClass][]): IrFieldClass {
  return {
    type: 'struct',
    alignment: 8,
    inIr: true,
    members: members.map(([name, fc]) => ({ name, origName: name, fc })),
  };
}

test('compact timestamps (1 to 32 bits) update the clock exactly as updateClock', () => {
  for (const size of [1, 5, 27, 31, 32]) {
    // LTTng's compact header: a 5-bit ID then the timestamp, bit-packed (27 bits), or aligned.
    const header = struct(['id', uint(32 - size || 8, 1, null)], ['timestamp', uint(size, 1, CLOCK)]);
    const skip = compileScope(header, { mode: 'skip', scopeName: 'stream.event.header' });
    const st = new DecodeState(0);
    const bytes = new Uint8Array(16);
    st.u8 = bytes;
    st.dv = new DataView(bytes.buffer);
    st.lim = bytes.length * 8;
    st.atEof = true;
    const ref = new DecodeState(0);
    checkClock(size, skip, st, ref, bytes);
  }
});

function checkClock(
  size: number,
  skip: (st: DecodeState) => number,
  st: DecodeState,
  ref: DecodeState,
  bytes: Uint8Array,
): void {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      (hi, lo, data) => {
        bytes.set(data);
        st.clkHi = hi;
        st.clkLo = lo;
        st.p = 0;
        st.pb = 0;
        assert.equal(skip(st), DecodeStatus.Ok);
        // The timestamp field is the last `size` bits before st.p (little-endian bit order).
        const end = st.p;
        let v = 0;
        for (let i = 0; i < size; i++) {
          const bit = end - size + i;
          if ((bytes[bit >>> 3]! >>> (bit & 7)) & 1) v += 2 ** i;
        }
        ref.clkHi = hi;
        ref.clkLo = lo;
        updateClock(ref, 0, v, size);
        assert.deepEqual([st.clkHi, st.clkLo], [ref.clkHi, ref.clkLo], `size ${size}`);
      },
    ),
    { numRuns: 1500 },
  );
}

test('strings: the one-loop copy prints what wqstr prints, and empty strings print the stale value', () => {
  const str: IrFieldClass = { type: 'string', alignment: 8, inIr: true, encoding: 'utf8' };
  const comm: IrFieldClass = {
    type: 'array',
    alignment: 8,
    inIr: true,
    elem: { ...uint(8, 8, null), encoding: 'utf8' },
    length: 16,
    isText: true,
    isUuid: false,
  };
  const payload = struct(['s', str], ['t', str], ['c', comm]);
  const print = compileScope(payload, { mode: 'text', printNames: true, scopeName: 'event.fields' });
  const st = new DecodeState(0);
  const slots = newStringSlots();
  const last = ['', '', ''];
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.constant(new Uint8Array(0)),
          fc.uint8Array({ min: 32, max: 126, maxLength: 80 }),
          fc.uint8Array({ maxLength: 90 }),
        ),
        { minLength: 2, maxLength: 2 },
      ),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      (vals, commBytes) => {
        const raw = vals.map((v) => Buffer.from(v.filter((b) => b !== 0)));
        const bytes = Buffer.concat([...raw.flatMap((b) => [b, Buffer.from([0])]), Buffer.from(commBytes)]);
        // A text array prints up to its first null.
        const nul = commBytes.indexOf(0);
        raw.push(Buffer.from(commBytes.subarray(0, nul < 0 ? 16 : nul)));
        const u8 = new Uint8Array(bytes);
        st.u8 = u8;
        st.dv = new DataView(u8.buffer);
        st.lim = u8.length * 8;
        st.atEof = true;
        st.p = 0;
        st.pb = 0;
        st.o = 0;
        st.slots = slots;
        assert.equal(print(st), DecodeStatus.Ok);
        const want: string[] = [];
        const tmp = new Uint8Array(4 * 100 + 2);
        raw.forEach((b, i) => {
          if (b.length > 0) last[i] = b.toString('latin1');
          const shown = Buffer.from(last[i]!, 'latin1');
          want.push(`${'stc'[i]} = ${text(tmp, wqstr(tmp, 0, new Uint8Array(shown), 0, shown.length))}`);
        });
        assert.equal(text(st.out, st.o), `{ ${want.join(', ')} }`);
      },
    ),
    { numRuns: 1500 },
  );
});
