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
  staticLengthString,
  structure,
  structureOf,
  variableLengthInteger,
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

test('integers: the inline fast path and the cold path write what the reference writes, at every boundary', () => {
  // The generated code takes numbers that fit in 32 bits inline and calls integerCold for the
  // rest (wider numbers, bigints, booleans, labels, bad values): both must give the reference's
  // bytes, or the same error, whatever the value's type and size.
  const edges: (number | bigint)[] = [0, 1, -1, 0.5, -0, Number.NaN, Number.POSITIVE_INFINITY];
  for (const k of [7, 8, 15, 16, 31, 32, 33, 52, 53, 63, 64]) {
    const p = 2 ** k;
    edges.push(p - 1, p, p + (k < 53 ? 1 : 0), -p, -p - (k < 53 ? 1 : 0), -p + 1);
    const q = 1n << BigInt(k);
    edges.push(q - 1n, q, q + 1n, -q, -q - 1n);
  }
  const others: unknown[] = [true, false, '12', 'LO', 'HI', 'NOPE', null, undefined, {}, [1]];
  const values = [...edges, ...others];
  for (const lengthBits of [1, 7, 8, 15, 16, 31, 32, 33, 40, 53, 63, 64]) {
    for (const signed of [false, true]) {
      for (const byteOrder of ['le', 'be'] as const) {
        for (const alignmentBits of [1, 8]) {
          const min = signed ? -(1n << BigInt(lengthBits - 1)) : 0n;
          const max = (signed ? 1n << BigInt(lengthBits - 1) : 1n << BigInt(lengthBits)) - 1n;
          const labelled = alignmentBits === 8;
          const cls = fixedLengthInteger({
            lengthBits,
            signed,
            byteOrder,
            alignmentBits,
            ...(labelled
              ? {
                  mappings: [
                    { name: 'LO', ranges: [{ lower: min, upper: min }] },
                    { name: 'HI', ranges: [{ lower: max, upper: max }] },
                  ],
                }
              : {}),
          });
          // Bit fields around the value (member by member code), and bytes (LTTng's layout: one
          // run of integers when the value is whole bytes, see the compiler's integerRun).
          for (const [around, aroundAlign] of [
            [[3, 5], 1],
            [[8, 8], 8],
          ] as const) {
            const payload = structure([
              {
                name: 'pre',
                fieldClass: fixedLengthInteger({
                  lengthBits: around[0],
                  alignmentBits: aroundAlign,
                  byteOrder,
                }),
              },
              { name: 'v', fieldClass: cls },
              {
                name: 'post',
                fieldClass: fixedLengthInteger({
                  lengthBits: around[1],
                  alignmentBits: aroundAlign,
                  byteOrder,
                }),
              },
            ]);
            const { dsc, erc } = simpleStream(payload);
            const ser = compileEventRecordSerializer({ dataStreamClass: dsc, eventRecordClass: erc });
            const typeName = `${signed ? 'i' : 'u'}${lengthBits}`;
            for (const v of values) {
              const at = 5;
              const u8 = new Uint8Array(64).fill(0xa5);
              const dv = new DataView(u8.buffer);
              const st = createTimestampState();
              const what = `${typeName} ${byteOrder} align ${alignmentBits} around ${around}: ${typeof v} ${String(v)}`;
              let mapped: unknown = v;
              if (typeof v === 'string' && labelled && (v === 'LO' || v === 'HI'))
                mapped = v === 'LO' ? min : max;
              const asBig =
                typeof mapped === 'bigint'
                  ? mapped
                  : typeof mapped === 'number' && Number.isInteger(mapped)
                    ? BigInt(mapped)
                    : typeof mapped === 'boolean'
                      ? BigInt(mapped)
                      : null;
              if (asBig !== null && asBig >= min && asBig <= max) {
                const end = ser.write(u8, dv, at, 64 * 8, st, 0, 9, 5, v, 17);
                const w = new BitWriter(64, at);
                referenceHeader(w, 'large', false, false, 1, 9n, undefined);
                encodeStructure(w, payload, { pre: 5, v: mapped, post: 17 });
                assert.equal(end, w.pos, what);
                const from = Math.ceil(at / 8);
                const to = Math.ceil(end / 8);
                assert.equal(
                  Buffer.from(u8.subarray(from, to)).toString('hex'),
                  Buffer.from(w.bytes.subarray(from, to)).toString('hex'),
                  what,
                );
                continue;
              }
              let expected: string;
              if (typeof v === 'string' && labelled) {
                expected = `"${v}" is not a label of this enumeration (labels: "LO", "HI")`;
              } else if (typeof v === 'number' && !Number.isInteger(v)) {
                expected = `${v} is not an integer (${typeName})`;
              } else if (typeof v === 'number' || typeof v === 'bigint') {
                expected = `${v} is out of range for ${typeName}`;
              } else {
                expected = `expected an integer (${typeName}), got `;
              }
              assert.throws(
                () => ser.write(u8, dv, at, 64 * 8, st, 0, 9, 5, v, 17),
                (e: unknown) =>
                  e instanceof CtfValueError && e.message.startsWith(`myapp:request: field "v": ${expected}`),
                what,
              );
              const start = Math.ceil(at / 8);
              assert.ok(
                u8.subarray(start).every((b) => b === 0 || b === 0xa5),
                `${what}: only zeros where the failed record wrote`,
              );
              assert.equal(st[TsState.ForceFull], 1, what);
            }
          }
        }
      }
    }
  }
});

test('strings: ASCII inline, anything else through the cold path, repeats from the cache, same bytes and errors', () => {
  const payload = structureOf({
    s: nullTerminatedString(),
    t: staticLengthString(8),
    n: fixedLengthInteger({ lengthBits: 8 }),
  });
  const { dsc, erc } = simpleStream(payload);
  const ser = compileEventRecordSerializer({ dataStreamClass: dsc, eventRecordClass: erc });
  const enc = new TextEncoder();
  const strings = [
    '',
    'a',
    'sixteen-chars-xx',
    '\u007f',
    '\u0080é',
    'π≈3',
    '\ud83d\ude00',
    '\ud800x',
    'x'.repeat(40),
    'y'.repeat(63),
    'z'.repeat(64),
    'é'.repeat(40),
  ];
  // Each string three times in a row: encoded, encoded and kept, copied from the field's cache.
  for (const s of strings.flatMap((x) => [x, x, x])) {
    for (const t of ['', 'abc', 'abcdefgh', 'é', 'abcdefghi', 'ééééé']) {
      for (const endBytes of [14 + 20, 14 + 60, 14 + 70, 14 + 75, 250]) {
        const u8 = new Uint8Array(256).fill(0xa5);
        const dv = new DataView(u8.buffer);
        const st = createTimestampState();
        const what = `${JSON.stringify(s)} ${JSON.stringify(t)} end ${endBytes}`;
        const sBytes = enc.encode(s).length;
        const tBytes = enc.encode(t).length;
        const fits = 14 + sBytes + 1 + 8 + 1 <= endBytes;
        if (!fits) {
          // No room: NoSpace before the static string is looked at, nothing left behind.
          assert.equal(ser.write(u8, dv, 0, endBytes * 8, st, 0, 1, s, t, 3), SerializeStatus.NoSpace, what);
          assert.ok(
            u8.every((b) => b === 0 || b === 0xa5),
            what,
          );
          continue;
        }
        if (tBytes > 8) {
          assert.throws(
            () => ser.write(u8, dv, 0, endBytes * 8, st, 0, 1, s, t, 3),
            (e: unknown) =>
              e instanceof CtfValueError &&
              e.message ===
                `myapp:request: field "t": the string ${JSON.stringify(t)} takes ${tBytes} bytes in UTF-8, more than the 8 bytes of this field`,
            what,
          );
          assert.ok(
            u8.every((b) => b === 0 || b === 0xa5),
            what,
          );
          continue;
        }
        const r = ser.write(u8, dv, 0, endBytes * 8, st, 0, 1, s, t, 3);
        const w = new BitWriter(256, 0);
        referenceHeader(w, 'large', false, false, 1, 1n, undefined);
        encodeStructure(w, payload, { s, t, n: 3 });
        assert.equal(r, w.pos, what);
        assert.equal(
          Buffer.from(u8.subarray(0, r / 8)).toString('hex'),
          Buffer.from(w.bytes.subarray(0, r / 8)).toString('hex'),
          what,
        );
      }
    }
  }
  const u8 = new Uint8Array(256);
  const dv = new DataView(u8.buffer);
  const st = createTimestampState();
  assert.throws(
    () => ser.write(u8, dv, 0, 2048, st, 0, 1, 'a\0b', 'x', 3),
    /^CtfValueError: myapp:request: field "s": the string "a\\u0000b" contains a NUL character \(at index 1\), which a CTF string cannot hold$/,
  );
  assert.throws(
    () => ser.write(u8, dv, 0, 2048, st, 0, 1, 'a', 'x\0', 3),
    /field "t": the string "x\\u0000" contains a NUL character \(at index 1\)/,
  );
  assert.throws(
    () => ser.write(u8, dv, 0, 2048, st, 0, 1, 7, 'x', 3),
    /field "s": expected a string, got 7$/,
  );
  assert.throws(
    () => ser.write(u8, dv, 0, 2048, st, 0, 1, 'a', 7, 3),
    /field "t": expected a string, got 7$/,
  );
  assert.ok(u8.every((b) => b === 0));
});

test('property: string fields give the reference bytes whatever the sequence of strings (cache hits and misses)', () => {
  const payload = structureOf({
    a: nullTerminatedString(),
    n: fixedLengthInteger({ lengthBits: 16 }),
    b: nullTerminatedString(),
  });
  const { dsc, erc } = simpleStream(payload);
  const ser = compileEventRecordSerializer({ dataStreamClass: dsc, eventRecordClass: erc });
  const pool = fc.constantFrom(
    '',
    'GET',
    'sixteen-chars-xx',
    'é',
    'x'.repeat(64),
    'y'.repeat(65),
    'a\u0000b',
  );
  fc.assert(
    fc.property(
      fc.array(fc.record({ a: pool, b: pool, at: fc.nat(40), slack: fc.integer({ min: -2, max: 40 }) }), {
        maxLength: 30,
      }),
      (recs) => {
        for (const { a, b, at, slack } of recs) {
          const u8 = new Uint8Array(320).fill(0xa5);
          const before = u8.slice();
          const dv = new DataView(u8.buffer);
          const st = createTimestampState();
          const w = new BitWriter(320, at * 8);
          referenceHeader(w, 'large', false, false, 1, 1n, undefined);
          const hasNul = a.includes('\0') || b.includes('\0');
          if (!hasNul) encodeStructure(w, payload, { a, n: 7, b });
          // The end of the room: around the record's exact end (fits exactly, a byte short...).
          const end = hasNul ? 320 * 8 : w.pos + slack * 8;
          let r: number;
          try {
            r = ser.write(u8, dv, at * 8, end, st, 0, 1, a, 7, b);
          } catch (e) {
            assert.ok(e instanceof CtfValueError && /contains a NUL character/.test(e.message));
            assert.ok(hasNul);
            assert.ok(u8.every((x, i) => x === before[i] || (i >= at && x === 0)));
            continue;
          }
          if (w.pos > end) {
            assert.equal(r, SerializeStatus.NoSpace);
            assert.ok(u8.every((x, i) => x === before[i] || (i >= at && x === 0)));
            continue;
          }
          assert.ok(!a.includes('\0') && !b.includes('\0'));
          assert.equal(r, w.pos);
          assert.equal(
            Buffer.from(u8.subarray(at, r / 8)).toString('hex'),
            Buffer.from(w.bytes.subarray(at, r / 8)).toString('hex'),
          );
          assert.ok(Buffer.from(u8.subarray(r / 8)).equals(Buffer.from(before.subarray(r / 8))));
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('a repeated string that ends exactly at the end of the room fits; a byte less does not', () => {
  const { dsc, erc } = simpleStream(structureOf({ s: nullTerminatedString() }));
  const ser = compileEventRecordSerializer({ dataStreamClass: dsc, eventRecordClass: erc });
  for (const s of ['', 'GET', 'sixteen-chars-xx', 'é', 'x'.repeat(63)]) {
    const size = 14 + new TextEncoder().encode(s).length + 1;
    // Five times: encoded, encoded and kept, then copied from the field's cache.
    for (let k = 0; k < 5; k++) {
      const u8 = new Uint8Array(size + 8).fill(0xa5);
      const dv = new DataView(u8.buffer);
      assert.equal(
        ser.write(u8, dv, 0, (size - 1) * 8, createTimestampState(), 0, 1, s),
        SerializeStatus.NoSpace,
      );
      assert.equal(ser.write(u8, dv, 0, size * 8, createTimestampState(), 0, 1, s), size * 8, `${s} #${k}`);
      assert.equal(u8[size - 1], 0);
      assert.equal(u8[size], 0xa5);
    }
  }
});

test('a LEB128 integer that runs out of room leaves nothing behind (NoSpace)', () => {
  const { dsc, erc } = simpleStream(
    structureOf({ n: variableLengthInteger({ signed: true }), u: variableLengthInteger({}) }),
  );
  const ser = compileEventRecordSerializer({ dataStreamClass: dsc, eventRecordClass: erc });
  for (const [n, u] of [
    [-(1n << 62n), 1n],
    [1n, (1n << 64n) - 1n],
  ] as const) {
    for (let endBytes = 14; endBytes < 14 + 20; endBytes++) {
      const u8 = new Uint8Array(64).fill(0xa5);
      const r = ser.write(u8, new DataView(u8.buffer), 0, endBytes * 8, createTimestampState(), 0, 1, n, u);
      if (r === SerializeStatus.NoSpace) {
        assert.ok(
          u8.every((b, i) => b === 0 || (i >= endBytes && b === 0xa5)),
          `end ${endBytes}: only zeros where the record wrote`,
        );
      } else assert.ok(r <= endBytes * 8);
    }
  }
});
