/**
 * The generated serializers against a bit-by-bit reference encoder (reference-encoder.ts), for
 * random schemas of every field class kind of the model (CTF 2-only kinds included), both byte
 * orders, odd sizes and alignments, both LTTng event headers and both layouts, records starting at
 * any bit position of a buffer full of garbage. Also: the positional API, statuses, the
 * timestamp state, and that a failed write leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { eventRecordClass } from '../../../src/ctf/model/event-record-class.js';
import {
  dynamicLengthArray,
  fixedLengthInteger,
  nullTerminatedString,
  type StructureClass,
  structure,
  structureOf,
  variantFromEnumeration,
} from '../../../src/ctf/model/field-class.js';
import { fieldLocation } from '../../../src/ctf/model/field-location.js';
import { lttngClockClass, lttngDataStreamClass } from '../../../src/ctf/model/lttng-layout.js';
import { ctf2FieldClass, toJson } from '../../../src/ctf/writer/ctf2-emitter.js';
import { CtfValueError } from '../../../src/ctf/writer/errors.js';
import {
  compileEventRecordSerializer,
  createTimestampState,
  TsState,
} from '../../../src/ctf/writer/serializer-compiler.js';
import { SerializeStatus } from '../../../src/ctf/writer/serializer-runtime.js';
import { type Draw, type SchemaContext, struct, structValue } from './random-schema.js';
import { BitWriter, encodeStructure } from './reference-encoder.js';

function drawFrom(g: fc.GeneratorValue): Draw {
  return {
    int: (min, max) => g(fc.integer, { min, max }),
    bigint: (min, max) => g(fc.bigInt, { min, max }),
    double: () => g(fc.double),
    string: (maxLength) =>
      g(fc.string, { unit: 'binary', minLength: 1, maxLength }).replace(/\0/g, '') || 'x',
  };
}

/** LTTng's event header, from the spec (lttng.md §3.2), bit by bit. */
function referenceHeader(
  w: BitWriter,
  kind: 'compact' | 'large',
  natural: boolean,
  be: boolean,
  id: number,
  ts: bigint,
  prev: bigint | undefined,
): void {
  const a = (n: number) => (natural ? n : 8);
  const [idBits, limit, tsBits] = kind === 'compact' ? [5, 31, 27] : [16, 65535, 32];
  w.align(kind === 'compact' ? a(32) : a(16));
  const tb = BigInt(tsBits);
  const extended = id >= limit || prev === undefined || ts >> tb !== prev >> tb;
  if (kind === 'large') w.align(a(16));
  w.bits(BigInt(extended ? limit : id), idBits, be);
  if (extended) {
    // The extended struct is aligned on its largest member (lttng-ust: "Align extended struct on
    // largest member").
    w.align(a(64));
    w.bits(BigInt(id), 32, be);
    w.align(a(64));
    w.bits(ts, 64, be);
  } else {
    if (kind === 'large') w.align(a(32));
    w.bits(ts, tsBits, be);
  }
}

test('generated serializers write exactly what the reference encoder writes (every field class kind)', () => {
  fc.assert(
    fc.property(fc.gen(), (g) => {
      const d = drawFrom(g);
      const native = d.int(0, 1) ? 'be' : 'le';
      const c: SchemaContext = { d, native, names: 0, ctf2: true };
      const natural = d.int(0, 1) === 1;
      const header = d.int(0, 1) ? 'compact' : 'large';
      const clock = lttngClockClass({});
      const common = d.int(0, 2) === 0 ? struct(c, 2, 3, 'event-record-common-context', []) : undefined;
      const dsc = lttngDataStreamClass({
        id: 0,
        clockClass: clock,
        eventHeader: header,
        byteOrder: native,
        alignment: natural ? 'natural' : 'byte',
        ...(common ? { commonContextFieldClass: common } : {}),
      });
      const specific = d.int(0, 3) === 0 ? struct(c, 2, 3, 'event-record-specific-context', []) : undefined;
      const payload = struct(c, 3, 5, 'event-record-payload', []);
      const id = d.int(0, 2) === 0 ? d.int(0, 70000) : d.int(0, 40);
      const erc = eventRecordClass({
        id,
        name: 'prop:event',
        payloadFieldClass: payload,
        ...(specific ? { specificContextFieldClass: specific } : {}),
      });
      const ser = compileEventRecordSerializer({ dataStreamClass: dsc, eventRecordClass: erc });

      const size = 16384;
      const u8 = new Uint8Array(size);
      // Garbage from one drawn seed (drawing every byte would dominate the run time).
      let seed = d.int(1, 0x7fffffff);
      for (let i = 0; i < size; i++) {
        seed = (seed * 48271) % 0x7fffffff;
        u8[i] = seed & 0xff;
      }
      const before = u8.slice();
      const dv = new DataView(u8.buffer);
      const at = d.int(0, 100);
      const st = createTimestampState();
      let prev: bigint | undefined;
      if (d.int(0, 1)) {
        prev = d.bigint(0n, (1n << 64n) - 1n);
        st[TsState.LastHi] = Number(prev >> 32n);
        st[TsState.LastLo] = Number(prev & 0xffffffffn);
        st[TsState.ForceFull] = 0;
      }
      const ts =
        prev !== undefined && d.int(0, 1) ? prev + d.bigint(0n, 1n << 28n) : d.bigint(0n, (1n << 64n) - 1n);
      const tsC = BigInt.asUintN(64, ts);
      const ctxV = common ? structValue(d, common) : undefined;
      const specV = specific ? structValue(d, specific) : undefined;
      const payV = structValue(d, payload);
      const end = ser.writeObjects(
        u8,
        dv,
        at,
        size * 8,
        st,
        Number(tsC >> 32n),
        Number(tsC & 0xffffffffn),
        ctxV,
        specV,
        payV,
      );

      const w = new BitWriter(size, at);
      referenceHeader(w, header, natural, native === 'be', id, tsC, prev);
      if (common) encodeStructure(w, common, ctxV as Record<string, unknown>);
      if (specific) encodeStructure(w, specific, specV as Record<string, unknown>);
      encodeStructure(w, payload, payV);
      const show = () =>
        `\nheader=${header} natural=${natural} native=${native} id=${id} at=${at}\ncommon=${common ? toJson(ctf2FieldClass(common)) : '-'}\nspecific=${specific ? toJson(ctf2FieldClass(specific)) : '-'}\npayload=${toJson(ctf2FieldClass(payload))}\nvalues=${JSON.stringify({ ctxV, specV, payV }, (_, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v))}`;
      assert.equal(end, w.pos, `end position${show()}`);
      // Bytes of the previous record (before `at`) are untouched; the record's are the reference's.
      const first = at >> 3;
      if (at % 8 !== 0)
        assert.equal(u8[first], before[first], 'the byte holding the end of the previous record');
      const from = Math.ceil(at / 8);
      const to = Math.ceil(end / 8);
      const got = Buffer.from(u8.subarray(from, to)).toString('hex');
      const want = Buffer.from(w.bytes.subarray(from, to)).toString('hex');
      if (got !== want) {
        let i = 0;
        while (got[i] === want[i]) i++;
        assert.fail(
          `record bytes differ from byte ${from + (i >> 1)}: got ${got.slice(i, i + 32)}, want ${want.slice(i, i + 32)}${show()}`,
        );
      }
      assert.ok(
        Buffer.from(u8.subarray(to)).equals(Buffer.from(before.subarray(to))),
        'nothing written after the record',
      );
      assert.equal(st[TsState.LastHi], Number(tsC >> 32n));
      assert.equal(st[TsState.LastLo], Number(tsC & 0xffffffffn));
      assert.equal(st[TsState.ForceFull], 0);
    }),
    { numRuns: 400, endOnFailure: true },
  );
});

function simpleStream(payload: StructureClass, eventHeader: 'compact' | 'large' = 'large') {
  const dsc = lttngDataStreamClass({ id: 0, clockClass: lttngClockClass({}), eventHeader });
  return { dsc, erc: eventRecordClass({ id: 1, name: 'myapp:request', payloadFieldClass: payload }) };
}

test('positional arguments: contexts then payload, length fields left out', () => {
  const common = structureOf({ vpid: fixedLengthInteger({ lengthBits: 32, signed: true }) });
  const dsc = lttngDataStreamClass({
    id: 0,
    clockClass: lttngClockClass({}),
    commonContextFieldClass: common,
  });
  const payload = structure([
    { name: 'url', fieldClass: nullTerminatedString() },
    { name: '_seq_length', fieldClass: fixedLengthInteger({ lengthBits: 8 }) },
    {
      name: 'seq',
      fieldClass: dynamicLengthArray(
        fixedLengthInteger({ lengthBits: 16 }),
        fieldLocation('event-record-payload', '_seq_length'),
      ),
    },
  ]);
  const erc = eventRecordClass({ id: 1, name: 'myapp:request', payloadFieldClass: payload });
  const ser = compileEventRecordSerializer({ dataStreamClass: dsc, eventRecordClass: erc });
  assert.deepEqual(ser.argumentNames, ['context.vpid', 'url', 'seq']);
  const u8 = new Uint8Array(64);
  const dv = new DataView(u8.buffer);
  const st = createTimestampState();
  const end = ser.write(u8, dv, 0, 512, st, 0, 7, 42, 'ab', [1, 2]);
  // Extended large header (14) + vpid (4) + "ab\0" (3) + length (1) + 2 x u16 (4).
  assert.equal(end, (14 + 4 + 3 + 1 + 4) * 8);
  assert.equal(
    Buffer.from(u8.subarray(0, 26)).toString('hex'),
    'ffff0100000007000000000000002a00000061620002' + '01000200',
  );
});

test('a record that does not fit returns NoSpace and leaves the buffer as it was', () => {
  const { dsc, erc } = simpleStream(
    structureOf({ s: nullTerminatedString(), n: fixedLengthInteger({ lengthBits: 32 }) }),
  );
  const ser = compileEventRecordSerializer({ dataStreamClass: dsc, eventRecordClass: erc });
  const u8 = new Uint8Array(64);
  const dv = new DataView(u8.buffer);
  const st = createTimestampState();
  // 14 (header) + 31 ("x" * 30 + NUL) + 4 = 49 bytes: one byte short at 48.
  const r = ser.write(u8, dv, 0, 48 * 8, st, 0, 5, 'x'.repeat(30), 1);
  assert.equal(r, SerializeStatus.NoSpace);
  assert.ok(
    u8.every((b) => b === 0),
    'touched bytes are zeroed',
  );
  assert.equal(st[TsState.ForceFull], 1, 'the timestamp state is not updated');
  assert.equal(ser.write(u8, dv, 0, 49 * 8, st, 0, 5, 'x'.repeat(30), 1), 49 * 8);
});

test('compact/extended header decision follows LTTng (id fit, timestamp high bits, packet start)', () => {
  const { dsc, erc } = simpleStream(structureOf({ n: fixedLengthInteger({ lengthBits: 8 }) }), 'compact');
  const ser = compileEventRecordSerializer({ dataStreamClass: dsc, eventRecordClass: erc });
  const u8 = new Uint8Array(256);
  const dv = new DataView(u8.buffer);
  const st = createTimestampState();
  const sizes: number[] = [];
  let at = 0;
  const step = (hi: number, lo: number) => {
    const r = ser.write(u8, dv, at, 2048, st, hi, lo, 1);
    sizes.push((r - at) / 8);
    at = r;
  };
  step(0, 100); // first record: full timestamp (extended: 1 + 4 + 8 + payload 1)
  step(0, 200); // same high bits: compact (4 + 1)
  step(0, 1 << 27); // bit 27 changed: extended
  step(0, (1 << 27) + 5); // compact
  step(1, (1 << 27) + 5); // high word changed: extended
  st[TsState.ForceFull] = 1; // a new packet begins
  step(1, (1 << 27) + 6);
  assert.deepEqual(sizes, [14, 5, 14, 5, 14, 14]);
});

test('variant selectors: an unknown selector value or label is a clear error', () => {
  const sel = fixedLengthInteger({
    lengthBits: 8,
    mappings: [
      { name: 'NUM', ranges: [{ lower: 0n, upper: 0n }] },
      { name: 'TXT', ranges: [{ lower: 1n, upper: 1n }] },
      { name: 'OTHER', ranges: [{ lower: 2n, upper: 2n }] },
    ],
  });
  const payload = structure([
    { name: 'tag', fieldClass: sel },
    {
      name: 'v',
      fieldClass: variantFromEnumeration(sel, fieldLocation('event-record-payload', 'tag'), [
        { name: 'NUM', fieldClass: fixedLengthInteger({ lengthBits: 32 }) },
        { name: 'TXT', fieldClass: nullTerminatedString() },
      ]),
    },
  ]);
  const { dsc, erc } = simpleStream(payload);
  const ser = compileEventRecordSerializer({ dataStreamClass: dsc, eventRecordClass: erc });
  const u8 = new Uint8Array(256);
  const dv = new DataView(u8.buffer);
  const st = createTimestampState();
  assert.ok(ser.write(u8, dv, 0, 2048, st, 0, 1, 'TXT', 'hello') > 0);
  assert.ok(ser.write(u8, dv, 0, 2048, st, 0, 1, 0, 42) > 0);
  u8.fill(0);
  assert.throws(
    () => ser.write(u8, dv, 0, 2048, st, 0, 1, 2, 'x'),
    /^CtfValueError: myapp:request: field "v": the selector "tag" = 2 selects no option of this variant$/,
  );
  assert.throws(
    () => ser.write(u8, dv, 0, 2048, st, 0, 1, 'NOPE', 'x'),
    /field "tag": "NOPE" is not a label of this enumeration \(labels: "NUM", "TXT", "OTHER"\)/,
  );
  assert.throws(() => ser.write(u8, dv, 0, 2048, st, 0, 1, 'TXT', 5), /field "v": expected a string, got 5/);
  assert.ok(u8.every((b) => b === 0));
});

test('bad values: clear errors naming the event and field, nothing written, position not advanced', () => {
  const payload = structure([
    { name: 'bytes', fieldClass: fixedLengthInteger({ lengthBits: 16 }) },
    { name: 'url', fieldClass: nullTerminatedString() },
    { name: '_seq_length', fieldClass: fixedLengthInteger({ lengthBits: 8 }) },
    {
      name: 'seq',
      fieldClass: dynamicLengthArray(
        fixedLengthInteger({ lengthBits: 8 }),
        fieldLocation('event-record-payload', '_seq_length'),
      ),
    },
  ]);
  const { dsc, erc } = simpleStream(payload);
  const ser = compileEventRecordSerializer({ dataStreamClass: dsc, eventRecordClass: erc });
  const u8 = new Uint8Array(1024);
  const dv = new DataView(u8.buffer);
  const st = createTimestampState();
  const cases: [unknown[], RegExp][] = [
    [[70000, 'a', []], /^myapp:request: field "bytes": 70000 is out of range for u16$/],
    [[-1, 'a', []], /field "bytes": -1 is out of range for u16/],
    [[1.5, 'a', []], /field "bytes": 1\.5 is not an integer \(u16\)/],
    [['12', 'a', []], /field "bytes": expected an integer \(u16\), got the string "12"/],
    [[1, 'a\0b', []], /field "url": the string "a\\u0000b" contains a NUL character \(at index 1\)/],
    [[1, 42, []], /field "url": expected a string, got 42/],
    [
      [1, 'a', new Array(300).fill(1)],
      /field "seq": 300 elements do not fit in its length field "_seq_length" \(u8: at most 255\)/,
    ],
    [[1, 'a', [1, 256]], /field "seq\[1\]": 256 is out of range for u8/],
    [[1, 'a', 'nope'], /field "seq": expected an array, got the string "nope"/],
  ];
  for (const [args, re] of cases) {
    u8.fill(0);
    st[TsState.ForceFull] = 1;
    assert.throws(
      () => ser.write(u8, dv, 0, 8192, st, 0, 9, ...args),
      (e: unknown) => e instanceof CtfValueError && e.code === 'TTNG_E_CTF_VALUE' && re.test(e.message),
      `${JSON.stringify(args).slice(0, 60)} -> ${re}`,
    );
    assert.ok(
      u8.every((b) => b === 0),
      `nothing left behind by ${JSON.stringify(args).slice(0, 40)}`,
    );
    assert.equal(st[TsState.ForceFull], 1);
  }
});
