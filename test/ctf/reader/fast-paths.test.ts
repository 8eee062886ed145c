/**
 * The fast paths of the text output against their general forms (property tests): 32-bit decimal
 * and hexadecimal writers, the 64-bit writers' shortcuts, the inline clock update of compact
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
import { whex, wqstr, ws32, wsdec64, wu32, wudec64 } from '../../../src/ctf/reader/text-helpers.js';

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
