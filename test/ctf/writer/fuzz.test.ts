/**
 * Fuzz tests with a saved corpus (test/data/ctf-writer/fuzz/): the two parsers of this area (the
 * packetized metadata stream and the index file) on mutated inputs, and the generated serializers
 * on arbitrary values. Each must return a result or throw its documented error, never another
 * exception, never hang, and a serializer that rejects a value leaves the buffer as it was.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { eventRecordClass } from '../../../src/ctf/model/event-record-class.js';
import {
  dynamicLengthArray,
  dynamicLengthString,
  fixedLengthFloatingPointNumber,
  fixedLengthInteger,
  nullTerminatedString,
  staticLengthArray,
  staticLengthString,
  structure,
  structureOf,
  variableLengthInteger,
  variantFromEnumeration,
} from '../../../src/ctf/model/field-class.js';
import { fieldLocation } from '../../../src/ctf/model/field-location.js';
import { lttngClockClass, lttngDataStreamClass } from '../../../src/ctf/model/lttng-layout.js';
import { CtfValueError } from '../../../src/ctf/writer/errors.js';
import { decodeIndexFile } from '../../../src/ctf/writer/index-file.js';
import { unpacketizeMetadata } from '../../../src/ctf/writer/metadata-stream.js';
import {
  compileEventRecordSerializer,
  createTimestampState,
} from '../../../src/ctf/writer/serializer-compiler.js';
import { TtngError } from '../../../src/errors.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const CORPUS = join(REPO_ROOT, 'test/data/ctf-writer/fuzz');

function corpus(kind: string): { name: string; bytes: Uint8Array }[] {
  return fs
    .readdirSync(join(CORPUS, kind))
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(fs.readFileSync(join(CORPUS, kind, name))) }));
}

const mutation = (seed: Uint8Array) =>
  fc
    .oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.nat(255) }),
      fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), value: fc.nat() }),
    )
    .map((m) => {
      const b = seed.slice();
      if (b.length === 0) return b;
      const at = m.at % b.length;
      if (m.kind === 'flip') b[at]! ^= 1 << m.bit;
      else if (m.kind === 'cut') return b.subarray(0, at);
      else if (m.kind === 'byte') b[at] = m.value;
      else if (at + 4 <= b.length) new DataView(b.buffer).setUint32(at, m.value, m.value % 2 === 0);
      return b;
    });

function parseOrDocumentedError(parse: () => unknown): void {
  try {
    parse();
  } catch (e) {
    assert.ok(e instanceof TtngError, `unexpected ${(e as Error)?.name}: ${(e as Error)?.message}`);
    assert.match(e.code, /^TTNG_E_CTF_(METADATA|INDEX)$/);
  }
}

test('metadata stream parser: corpus and mutations', () => {
  for (const { name, bytes } of corpus('metadata')) {
    if (name.startsWith('ust') || name.startsWith('be'))
      assert.match(unpacketizeMetadata(bytes), /^\/\* CTF 1\.8 \*\//);
    else assert.throws(() => unpacketizeMetadata(bytes, name), TtngError, name);
    fc.assert(
      fc.property(fc.array(mutation(bytes), { maxLength: 4 }), (ms) => {
        for (const m of ms) parseOrDocumentedError(() => unpacketizeMetadata(m));
      }),
      { numRuns: 150 },
    );
  }
});

test('index file parser: corpus and mutations', () => {
  for (const { name, bytes } of corpus('index')) {
    if (name === 'truncated.idx' || name === 'entry-length-zero.idx')
      assert.throws(() => decodeIndexFile(bytes, name), TtngError);
    else assert.ok(decodeIndexFile(bytes, name).length >= 1, name);
    fc.assert(
      fc.property(mutation(bytes), (m) => parseOrDocumentedError(() => decodeIndexFile(m))),
      { numRuns: 300 },
    );
  }
});

test('serializers on arbitrary values: a result or CtfValueError, and nothing left behind', () => {
  const sel = fixedLengthInteger({
    lengthBits: 8,
    mappings: [
      { name: 'N', ranges: [{ lower: 0n, upper: 0n }] },
      { name: 'S', ranges: [{ lower: 1n, upper: 1n }] },
    ],
  });
  const P = 'event-record-payload';
  const payload = structure([
    { name: 'i', fieldClass: fixedLengthInteger({ lengthBits: 13, signed: true, alignmentBits: 1 }) },
    { name: 'u', fieldClass: fixedLengthInteger({ lengthBits: 64 }) },
    { name: 'f', fieldClass: fixedLengthFloatingPointNumber({ lengthBits: 32 }) },
    { name: 's', fieldClass: nullTerminatedString() },
    { name: 'c', fieldClass: staticLengthString(4) },
    { name: 'n', fieldClass: fixedLengthInteger({ lengthBits: 4, alignmentBits: 1 }) },
    {
      name: 'd',
      fieldClass: dynamicLengthArray(fixedLengthInteger({ lengthBits: 8 }), fieldLocation(P, 'n')),
    },
    { name: 'm', fieldClass: fixedLengthInteger({ lengthBits: 8 }) },
    { name: 'ds', fieldClass: dynamicLengthString(fieldLocation(P, 'm')) },
    {
      name: 'a',
      fieldClass: staticLengthArray(
        structureOf({ x: fixedLengthInteger({ lengthBits: 3, alignmentBits: 1 }) }),
        2,
      ),
    },
    { name: 'tag', fieldClass: sel },
    {
      name: 'v',
      fieldClass: variantFromEnumeration(sel, fieldLocation(P, 'tag'), [
        { name: 'N', fieldClass: fixedLengthInteger({ lengthBits: 16 }) },
        { name: 'S', fieldClass: nullTerminatedString() },
      ]),
    },
    { name: 'leb', fieldClass: variableLengthInteger({ signed: true }) },
  ]);
  const dsc = lttngDataStreamClass({ id: 0, clockClass: lttngClockClass({}) });
  const ser = compileEventRecordSerializer({
    dataStreamClass: dsc,
    eventRecordClass: eventRecordClass({ id: 0, name: 'fuzz:values', payloadFieldClass: payload }),
  });
  const names = payload.memberClasses.map((m) => m.name).filter((n) => n !== 'n' && n !== 'm');
  const valueArb = fc.oneof(
    fc.anything({ withBigInt: true, withTypedArray: true, maxDepth: 2 }),
    fc.integer(),
    fc.bigInt(),
    fc.double(),
    fc.string(),
    fc.array(fc.integer({ min: -2, max: 300 }), { maxLength: 20 }),
    fc.constantFrom('N', 'S', 0, 1, 2),
  );
  fc.assert(
    fc.property(
      fc.array(valueArb, { minLength: names.length, maxLength: names.length }),
      fc.nat(64),
      (vals, at) => {
        const u8 = new Uint8Array(2048).fill(0xa5);
        const before = u8.slice();
        const st = createTimestampState();
        let r: number;
        try {
          r = ser.write(u8, new DataView(u8.buffer), at, 2048 * 8, st, 0, 1, ...vals);
        } catch (e) {
          assert.ok(e instanceof CtfValueError, `unexpected ${(e as Error)?.name}: ${(e as Error)?.message}`);
          assert.match(e.message, /^fuzz:values: (field "[^"]+": |the )/);
          // Before the record: untouched; the record's bytes: zeroed.
          const start = Math.ceil(at / 8);
          assert.ok(Buffer.from(u8.subarray(0, at >> 3)).equals(Buffer.from(before.subarray(0, at >> 3))));
          const touched = u8.subarray(start).findIndex((b, i) => b !== 0 && b !== before[start + i]);
          assert.equal(touched, -1, 'a rejected record leaves only zeros where it wrote');
          assert.equal(st[2], 1);
          return;
        }
        assert.ok(r > at);
      },
    ),
    { numRuns: 2000 },
  );
});
