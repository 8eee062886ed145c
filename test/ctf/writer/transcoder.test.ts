/**
 * Transcoders (compileEventRecordTranscoder) against the serializer: for random event record
 * classes (every field class kind of random-schema.ts, plus the kinds sources fill: integers of
 * any size, alignment and byte order, text and byte arrays, integer arrays, null-terminated
 * strings), random fields are read from a source record built from the values (any source byte
 * order and size, addends, located and relative strings, garbage around), the others given as
 * values. The record must be byte for byte what the serializer writes for the same values, at any
 * bit position, with the same end position, timestamp state and NoSpace status. Also: the stream
 * API (`TraceWriter.transcoder`, `StreamWriter.transcode`) gives the same files as the emitter,
 * and bad sources are refused when compiled, naming the field.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { eventRecordClass } from '../../../src/ctf/model/event-record-class.js';
import {
  type FieldClass,
  FieldClassKind,
  type FixedLengthIntegerClass,
  fixedLengthInteger,
  nullTerminatedString,
  type StructureMemberClass,
  staticLengthArray,
  structure,
  structureOf,
} from '../../../src/ctf/model/field-class.js';
import { lttngClockClass, lttngDataStreamClass } from '../../../src/ctf/model/lttng-layout.js';
import { ctf2FieldClass, toJson } from '../../../src/ctf/writer/ctf2-emitter.js';
import { CtfWriterError } from '../../../src/ctf/writer/errors.js';
import {
  compileEventRecordSerializer,
  compileEventRecordTranscoder,
  createTimestampState,
  type FieldSource,
  TsState,
} from '../../../src/ctf/writer/serializer-compiler.js';
import { SerializeStatus } from '../../../src/ctf/writer/serializer-runtime.js';
import { MemorySink } from '../../../src/ctf/writer/trace-sink.js';
import { createTraceWriter } from '../../../src/ctf/writer/trace-writer.js';
import { type Draw, type SchemaContext, struct, structValue } from './random-schema.js';

function drawFrom(g: fc.GeneratorValue): Draw {
  return {
    int: (min, max) => g(fc.integer, { min, max }),
    bigint: (min, max) => g(fc.bigInt, { min, max }),
    double: () => g(fc.double),
    string: (maxLength) =>
      g(fc.string, { unit: 'binary', minLength: 1, maxLength }).replace(/\0/g, '') || 'x',
  };
}

function pick<T>(d: Draw, xs: readonly T[]): T {
  return xs[d.int(0, xs.length - 1)]!;
}

/** Members of the kinds sources fill, in the shapes tracers meet (and odd ones). */
function sourceableMember(d: Draw, native: 'le' | 'be', name: string): StructureMemberClass {
  const other = native === 'le' ? 'be' : 'le';
  const int = (o: { bytesOnly?: boolean } = {}) => {
    const nonNative = d.int(0, 3) === 0;
    const whole = o.bytesOnly || nonNative || d.int(0, 1) === 1;
    const lengthBits = whole ? 8 * pick(d, [1, 2, 3, 4, 5, 8]) : d.int(1, 64);
    return fixedLengthInteger({
      lengthBits,
      signed: d.int(0, 1) === 1,
      byteOrder: nonNative ? other : native,
      alignmentBits: whole ? pick(d, [8, 8, 16, 32, 64]) : pick(d, [1, 2, 8, 8, 32]),
      preferredDisplayBase: pick(d, [10, 16]),
    });
  };
  switch (d.int(0, 5)) {
    case 0:
    case 1:
      return { name, fieldClass: int() };
    case 2:
      // LTTng's text array (`char comm[16]`) or an array of bytes.
      return {
        name,
        fieldClass: staticLengthArray(
          fixedLengthInteger({
            lengthBits: 8,
            signed: d.int(0, 3) === 0,
            alignmentBits: 8,
            ...(d.int(0, 1) ? { encoding: 'utf-8' as const } : { preferredDisplayBase: 16 as const }),
          }),
          pick(d, [0, 1, 3, 16, 16, 20, 80]),
        ),
      };
    case 3: {
      const e = int({ bytesOnly: true });
      return { name, fieldClass: staticLengthArray(e, d.int(0, 7)) };
    }
    default:
      return { name, fieldClass: nullTerminatedString() };
  }
}

/** Builds a source record: values placed at increasing offsets, garbage in between. */
class SourceRecord {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** Where the record starts in `bytes`. */
  readonly sp: number;
  private next: number;
  /** Things placed at the end of the record (flexible strings). */
  private tail: number[] | undefined;

  constructor(d: Draw) {
    this.bytes = new Uint8Array(8192);
    let seed = d.int(1, 0x7fffffff);
    for (let i = 0; i < this.bytes.length; i++) {
      seed = (seed * 48271) % 0x7fffffff;
      this.bytes[i] = seed & 0xff;
    }
    this.view = new DataView(this.bytes.buffer);
    this.sp = d.int(0, 64);
    this.next = d.int(0, 8);
  }

  /** Reserves `n` bytes (after a random gap): their offset from the record start. */
  take(d: Draw, n: number): number {
    this.next += d.int(0, 3);
    const at = this.next;
    this.next += n;
    return at;
  }

  integer(off: number, size: number, v: bigint, le: boolean): void {
    const u = BigInt.asUintN(size * 8, v);
    for (let i = 0; i < size; i++) {
      const byte = Number((u >> BigInt(8 * i)) & 0xffn);
      this.bytes[this.sp + off + (le ? i : size - 1 - i)] = byte;
    }
  }

  setTail(bytes: number[]): void {
    this.tail = bytes;
  }

  /** Where the tail starts (after `finish`). */
  tailAt = -1;

  /** The record's length (the tail, if any, ends it). */
  finish(): number {
    if (this.tail) {
      this.tailAt = this.next;
      this.bytes.set(this.tail, this.sp + this.tailAt);
      return this.tailAt + this.tail.length;
    }
    return this.next + 2;
  }
}

function asBigInt(fc: FieldClass, v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'string' && 'mappings' in fc) {
    const m = (fc as FixedLengthIntegerClass).mappings.find((x) => x.name === v);
    if (m) return m.ranges[0]!.lower;
  }
  throw new Error(`no integer for ${String(v)}`);
}

const enc = new TextEncoder();

/** Locations of the selectors variants and optionals use (a selector is given as a value). */
function selectorKeys(fc: FieldClass, out: Set<string>): Set<string> {
  switch (fc.kind) {
    case FieldClassKind.Structure:
      for (const m of fc.memberClasses) selectorKeys(m.fieldClass, out);
      break;
    case FieldClassKind.StaticLengthArray:
    case FieldClassKind.DynamicLengthArray:
      selectorKeys(fc.elementFieldClass, out);
      break;
    case FieldClassKind.Variant:
      out.add(`${fc.selectorFieldLocation.origin}:${fc.selectorFieldLocation.path.join('.')}`);
      for (const o of fc.options) selectorKeys(o.fieldClass, out);
      break;
    case FieldClassKind.Optional:
      out.add(`${fc.selectorFieldLocation.origin}:${fc.selectorFieldLocation.path.join('.')}`);
      selectorKeys(fc.fieldClass, out);
      break;
  }
  return out;
}

/**
 * A source for a field, its bytes placed in `rec`, or undefined when the field cannot have one.
 * `v` is the value the serializer gets.
 */
function sourceFor(
  d: Draw,
  rec: SourceRecord,
  f: FieldClass,
  v: unknown,
  tailFree: boolean,
): FieldSource | undefined {
  const byteOrder = d.int(0, 1) ? 'le' : 'be';
  const le = byteOrder === 'le';
  const isInt =
    f.kind === FieldClassKind.FixedLengthUnsignedInteger ||
    f.kind === FieldClassKind.FixedLengthSignedInteger;
  if (isInt || f.kind === FieldClassKind.FixedLengthBitArray) {
    const signed = f.kind === FieldClassKind.FixedLengthSignedInteger;
    const x = asBigInt(f, v);
    const fits = (y: bigint, size: number) =>
      signed
        ? y >= -(1n << BigInt(size * 8 - 1)) && y < 1n << BigInt(size * 8 - 1)
        : y >= 0n && y < 1n << BigInt(size * 8);
    // Any source size the value fits: narrower than the field (extended), or wider (truncated).
    const size = pick(
      d,
      ([1, 2, 4, 8] as const).filter((s) => fits(x, s)),
    );
    let addend = 0;
    if (size <= 4 && d.int(0, 2) === 0) {
      const a = d.int(-200, 200);
      if (fits(x - BigInt(a), size)) addend = a;
    }
    const off = rec.take(d, size);
    rec.integer(off, size, x - BigInt(addend), le);
    return {
      kind: 'integer',
      offsetBytes: off,
      sizeBytes: size,
      signed,
      byteOrder,
      ...(addend ? { addend } : {}),
    };
  }
  if (f.kind === FieldClassKind.StaticLengthArray) {
    const e = f.elementFieldClass;
    const eInt =
      e.kind === FieldClassKind.FixedLengthUnsignedInteger ||
      e.kind === FieldClassKind.FixedLengthSignedInteger;
    if (!eInt || e.mappings.length > 0) return undefined;
    if (e.lengthBits === 8 && e.alignmentBits === 8 && d.int(0, 3) > 0) {
      const n = f.length;
      const off = rec.take(d, n);
      const bytes =
        typeof v === 'string'
          ? enc.encode(v)
          : Uint8Array.from(v as unknown[], (x) => Number(asBigInt(e, x) & 0xffn));
      for (let i = 0; i < n; i++) rec.bytes[rec.sp + off + i] = bytes[i] ?? 0;
      return { kind: 'bytes', offsetBytes: off };
    }
    if (e.lengthBits % 8 !== 0 || e.alignmentBits < 8 || typeof v === 'string') return undefined;
    const minSize = ([1, 2, 4, 8] as const).find((s) => s * 8 >= e.lengthBits)!;
    const size = pick(
      d,
      ([1, 2, 4, 8] as const).filter((s) => s >= minSize),
    );
    const off = rec.take(d, size * f.length);
    (v as unknown[]).forEach((x, i) => {
      rec.integer(off + i * size, size, asBigInt(e, x), le);
    });
    return {
      kind: 'integer-array',
      offsetBytes: off,
      sizeBytes: size,
      signed: e.kind === FieldClassKind.FixedLengthSignedInteger,
      byteOrder,
    };
  }
  if (f.kind === FieldClassKind.StaticLengthBlob) {
    const off = rec.take(d, f.lengthBytes);
    rec.bytes.set(v as Uint8Array, rec.sp + off);
    return { kind: 'bytes', offsetBytes: off };
  }
  if (f.kind === FieldClassKind.NullTerminatedString) {
    const bytes = [...enc.encode(v as string)];
    const way = d.int(tailFree ? 0 : 1, 3);
    if (way === 0) {
      // To the end of the record: a NUL and garbage after it, or the record's end.
      const tail = d.int(0, 1) ? [...bytes, 0, 0x41, 0x42] : bytes;
      rec.setTail(tail);
      return { kind: 'string', offsetBytes: -1 };
    }
    const relative = way === 3;
    const desc = rec.take(d, 4);
    const extra = d.int(0, 2);
    const data = rec.take(d, bytes.length + 1 + extra);
    rec.bytes.set(bytes, rec.sp + data);
    rec.bytes[rec.sp + data + bytes.length] = 0;
    const offset = relative ? data - (desc + 4) : data;
    rec.integer(desc, 4, (BigInt(bytes.length + 1 + extra) << 16n) | BigInt(offset), le);
    return {
      kind: 'located-string',
      descriptorOffsetBytes: desc,
      byteOrder,
      ...(relative ? { relative } : {}),
    };
  }
  return undefined;
}

test('transcoders write exactly what the serializer writes for the same values', () => {
  fc.assert(
    fc.property(fc.gen(), (g) => {
      const d = drawFrom(g);
      const native = d.int(0, 1) ? 'be' : 'le';
      const c: SchemaContext = { d, native, names: 0, ctf2: d.int(0, 1) === 1 };
      const natural = d.int(0, 1) === 1;
      const header = d.int(0, 1) ? 'compact' : 'large';
      const withExtras = (base: readonly StructureMemberClass[], n: number) => {
        const out = [...base];
        for (let i = 0; i < n; i++)
          out.splice(d.int(0, out.length), 0, sourceableMember(d, native, `s${c.names++}`));
        return out;
      };
      const common =
        d.int(0, 2) === 0
          ? structure(
              withExtras(struct(c, 2, 2, 'event-record-common-context', []).memberClasses, d.int(0, 2)),
            )
          : undefined;
      const dsc = lttngDataStreamClass({
        id: 0,
        clockClass: lttngClockClass({}),
        eventHeader: header,
        byteOrder: native,
        alignment: natural ? 'natural' : 'byte',
        ...(common ? { commonContextFieldClass: common } : {}),
      });
      const random = struct(c, 2, 3, 'event-record-payload', []);
      const payload = structure(withExtras(random.memberClasses, d.int(1, 6)), {
        minimumAlignmentBits: random.minimumAlignmentBits,
      });
      const id = d.int(0, 2) === 0 ? d.int(0, 70000) : d.int(0, 40);
      const erc = eventRecordClass({ id, name: 'tx:event', payloadFieldClass: payload });
      const ser = compileEventRecordSerializer({ dataStreamClass: dsc, eventRecordClass: erc });

      const ctxV = common ? structValue(d, common) : {};
      const payV = structValue(d, payload);
      const args = ser.argumentNames.map((n) => (n.startsWith('context.') ? ctxV[n.slice(8)] : payV[n]));
      const classOf = (n: string) =>
        n.startsWith('context.')
          ? common!.memberClasses.find((m) => m.name === n.slice(8))!.fieldClass
          : payload.memberClasses.find((m) => m.name === n)!.fieldClass;
      const rec = new SourceRecord(d);
      const sources: Record<string, FieldSource> = {};
      let flexible: string | undefined;
      const selectors = selectorKeys(payload, new Set());
      if (common) selectorKeys(common, selectors);
      ser.argumentNames.forEach((n, i) => {
        if (d.int(0, 3) === 0) return;
        const key = n.startsWith('context.')
          ? `event-record-common-context:${n.slice(8)}`
          : `event-record-payload:${n}`;
        if (selectors.has(key)) return;
        const f = classOf(n);
        if (
          (f.kind === FieldClassKind.FixedLengthSignedInteger ||
            f.kind === FieldClassKind.FixedLengthUnsignedInteger) &&
          f.mappings.length === 0 &&
          d.int(0, 2) === 0
        ) {
          // Small values too, so that narrow sources extend into wide fields.
          const signed = f.kind === FieldClassKind.FixedLengthSignedInteger;
          const max = 2 ** (signed ? f.lengthBits - 1 : f.lengthBits) - 1;
          args[i] = Math.max(signed ? -max - 1 : 0, Math.min(max, d.int(-70000, 70000)));
        }
        // One flexible string per record at most: it ends the record.
        const s = sourceFor(d, rec, classOf(n), args[i], flexible === undefined);
        if (!s) return;
        if (s.kind === 'string') flexible = n;
        sources[n] = s;
      });
      const sl = rec.finish();
      if (flexible) sources[flexible] = { kind: 'string', offsetBytes: rec.tailAt };
      const tx = compileEventRecordTranscoder({ dataStreamClass: dsc, eventRecordClass: erc, sources });
      assert.deepEqual(
        tx.valueArgumentNames,
        ser.argumentNames.filter((n) => !(n in sources)),
      );
      const values = tx.valueArgumentNames.map((n) => args[ser.argumentNames.indexOf(n)]);

      const size = 16384;
      const garbage = new Uint8Array(size);
      let seed = d.int(1, 0x7fffffff);
      for (let i = 0; i < size; i++) {
        seed = (seed * 48271) % 0x7fffffff;
        garbage[i] = seed & 0xff;
      }
      const at = d.int(0, 100);
      const prev = d.int(0, 1) ? d.bigint(0n, (1n << 64n) - 1n) : undefined;
      const ts =
        prev !== undefined && d.int(0, 1)
          ? BigInt.asUintN(64, prev + d.bigint(0n, 1n << 28n))
          : d.bigint(0n, (1n << 64n) - 1n);
      const tsHi = Number(ts >> 32n);
      const tsLo = Number(ts & 0xffffffffn);
      // A third of the runs with an end that may be too short: both must say NoSpace alike.
      const endBits = d.int(0, 2) === 0 ? d.int(at, 4096) : size * 8;
      const run = (write: (u8: Uint8Array, dv: DataView, st: Uint32Array) => number) => {
        const u8 = garbage.slice();
        const dv = new DataView(u8.buffer);
        const st = createTimestampState();
        if (prev !== undefined) {
          st[TsState.LastHi] = Number(prev >> 32n);
          st[TsState.LastLo] = Number(prev & 0xffffffffn);
          st[TsState.ForceFull] = 0;
        }
        const end = write(u8, dv, st);
        return { end, u8, st };
      };
      const show = () =>
        `\nheader=${header} natural=${natural} native=${native} id=${id} at=${at} end=${endBits}\ncommon=${common ? toJson(ctf2FieldClass(common)) : '-'}\npayload=${toJson(ctf2FieldClass(payload))}\nsources=${JSON.stringify(sources)}\nvalues=${JSON.stringify({ ctxV, payV }, (_, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v))}\n${tx.source}`;
      const a = run((u8, dv, st) => ser.write(u8, dv, at, endBits, st, tsHi, tsLo, ...args));
      const b = run((u8, dv, st) =>
        tx.write(
          u8,
          dv,
          at,
          endBits,
          st,
          Uint32Array.of(tsHi, tsLo),
          rec.bytes,
          rec.view,
          rec.sp,
          sl,
          values,
        ),
      );
      assert.equal(b.end, a.end, `end position${show()}`);
      if (a.end === SerializeStatus.NoSpace) {
        // Nothing of the record stays: bytes are as before, or zeroed.
        for (let i = Math.ceil(at / 8); i < size; i++) {
          if (b.u8[i] !== garbage[i] && b.u8[i] !== 0)
            assert.fail(`byte ${i} changed after NoSpace${show()}`);
        }
        assert.equal(b.st[TsState.ForceFull], a.st[TsState.ForceFull]);
        return;
      }
      const got = Buffer.from(b.u8).toString('hex');
      const want = Buffer.from(a.u8).toString('hex');
      if (got !== want) {
        let i = 0;
        while (got[i] === want[i]) i++;
        assert.fail(
          `bytes differ from byte ${i >> 1}: got ${got.slice(i, i + 32)}, want ${want.slice(i, i + 32)}${show()}`,
        );
      }
      assert.deepEqual([...b.st], [...a.st]);
    }),
    { numRuns: 500, endOnFailure: true },
  );
});

const u32 = fixedLengthInteger({ lengthBits: 32, alignmentBits: 8 });
const s32 = fixedLengthInteger({ lengthBits: 32, signed: true, alignmentBits: 8 });
const text16 = staticLengthArray(
  fixedLengthInteger({ lengthBits: 8, alignmentBits: 8, encoding: 'utf-8' }),
  16,
);

test('StreamWriter.transcode writes the same files as the emitter (packets, timestamps, discards)', () => {
  const make = () => {
    const sink = new MemorySink();
    const w = createTraceWriter({
      sink,
      packetSizeBytes: 4096,
      uuid: new Uint8Array(16).fill(3),
      dataStreamClasses: [{ eventHeader: 'compact', commonContext: { tid: s32 } }],
    });
    const erc = w.addEventRecordClass(0, {
      name: 'sched_switch',
      payload: { prev_comm: text16, prev_tid: s32, prev_prio: s32, name: nullTerminatedString(), n: u32 },
    });
    return { sink, w, erc, s: w.createStream(0, { instanceId: 1 }) };
  };
  // Source records: tid at 4, comm at 8, tid at 24, prio + 100 at 28, a __data_loc string at 32.
  const src = new Uint8Array(64 * 400);
  const sv = new DataView(src.buffer);
  const names = ['bash', 'kworker/0:1', 'ttng', ''];
  for (let i = 0; i < 400; i++) {
    const p = i * 64;
    sv.setInt32(p + 4, 1000 + i, true);
    src.set(enc.encode('comm'.padEnd(15, String(i % 10))), p + 8);
    sv.setInt32(p + 24, 2000 + i, true);
    sv.setInt32(p + 28, 120 + (i % 3), true);
    const name = enc.encode(names[i % names.length]!);
    sv.setUint32(p + 32, ((name.length + 1) << 16) | 40, true);
    src.set(name, p + 40);
    src[p + 40 + name.length] = 0;
  }
  const a = make();
  const b = make();
  const emit = a.s.emitter(a.erc);
  const tx = b.w.transcoder(b.erc, {
    'context.tid': { kind: 'integer', offsetBytes: 4, sizeBytes: 4, signed: true, byteOrder: 'le' },
    prev_comm: { kind: 'bytes', offsetBytes: 8 },
    prev_tid: { kind: 'integer', offsetBytes: 24, sizeBytes: 4, signed: true, byteOrder: 'le' },
    prev_prio: {
      kind: 'integer',
      offsetBytes: 28,
      sizeBytes: 4,
      signed: true,
      byteOrder: 'le',
      addend: -100,
    },
    name: { kind: 'located-string', descriptorOffsetBytes: 32, byteOrder: 'le' },
  });
  assert.deepEqual(tx.valueArgumentNames, ['n']);
  const values = [0];
  const ts = new Uint32Array(2);
  for (let i = 0; i < 400; i++) {
    const p = i * 64;
    // Timestamps cross 2^27 boundaries (extended headers) and a packet is flushed midway.
    const hi = i >= 300 ? 1 : 0;
    const lo = (i * 1_000_003) >>> 0;
    if (i === 150) {
      a.s.discard(7);
      b.s.discard(7);
    }
    if (i === 200) {
      a.s.flush();
      b.s.flush();
    }
    values[0] = i * 3;
    emit(
      hi,
      lo,
      1000 + i,
      src.subarray(p + 8, p + 24),
      2000 + i,
      20 + (i % 3),
      names[i % names.length],
      i * 3,
    );
    ts[0] = hi;
    ts[1] = lo;
    b.s.transcode(tx, ts, src, sv, p, 64, values);
  }
  a.w.close();
  b.w.close();
  assert.ok(a.s.packetCount > 3, `${a.s.packetCount} packets`);
  assert.deepEqual(b.sink.paths(), a.sink.paths());
  for (const path of a.sink.paths()) {
    assert.ok(Buffer.from(b.sink.file(path)).equals(Buffer.from(a.sink.file(path))), path);
  }
  // A closed stream refuses records, as the emitter does.
  assert.throws(() => b.s.transcode(tx, ts, src, sv, 0, 64, values), /closed/);
});

test('sources that cannot fill their field are refused when compiled, naming the field', () => {
  const dsc = lttngDataStreamClass({ id: 0, clockClass: lttngClockClass({}) });
  const erc = eventRecordClass({
    id: 0,
    name: 'tx:bad',
    payloadFieldClass: structureOf({ n: u32, s: nullTerminatedString(), t: text16 }),
  });
  const bad = (sources: Record<string, unknown>, re: RegExp) =>
    assert.throws(
      () =>
        compileEventRecordTranscoder({
          dataStreamClass: dsc,
          eventRecordClass: erc,
          sources: sources as Record<string, FieldSource>,
        }),
      (e: unknown) => e instanceof CtfWriterError && re.test(e.message),
    );
  bad(
    { x: { kind: 'bytes', offsetBytes: 0 } },
    /tx:bad: a source is given for "x", which is not an argument/,
  );
  bad({ n: { kind: 'bytes', offsetBytes: 0 } }, /field "n": a bytes source needs/);
  bad(
    { s: { kind: 'integer', offsetBytes: 0, sizeBytes: 4, signed: false, byteOrder: 'le' } },
    /field "s": an integer source needs/,
  );
  bad(
    { n: { kind: 'integer', offsetBytes: 0, sizeBytes: 3, signed: false, byteOrder: 'le' } },
    /field "n": a source integer has 1, 2, 4 or 8 bytes/,
  );
  bad(
    { n: { kind: 'integer', offsetBytes: 0, sizeBytes: 8, signed: false, byteOrder: 'le', addend: 1 } },
    /field "n": an addend needs a source integer of at most 4 bytes/,
  );
  bad(
    { n: { kind: 'integer', offsetBytes: -1, sizeBytes: 4, signed: false, byteOrder: 'le' } },
    /field "n": the source offset -1/,
  );
  bad({ t: { kind: 'string', offsetBytes: 0 } }, /field "t": a string source needs a null-terminated string/);
  bad(
    { s: { kind: 'located-string', descriptorOffsetBytes: 0, byteOrder: 'xx' } },
    /field "s": the source byte order "xx"/,
  );
});
