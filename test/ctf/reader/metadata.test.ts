/**
 * The metadata pipeline: TSDL lexing and parsing (with positions), semantic rules, the trace class
 * IR, and metadata streams (plain text and packetized in both byte orders). The 564 metadata
 * cases of the conformance suite (test/view/conformance.test.ts) cover the grammar at large;
 * these pin down behaviours one by one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CtfErrorCode } from '../../../src/ctf/errors.js';
import { FieldClassKind, type StructureClass } from '../../../src/ctf/model/field-class.js';
import type { IrFieldClass } from '../../../src/ctf/reader/ctf-ir.js';
import {
  decodeMetadataStream,
  irToModel,
  MetadataError,
  parseTsdl,
  readMetadata,
} from '../../../src/ctf/reader/index.js';

const PRE = `/* CTF 1.8 */
typealias integer { size = 8; align = 8; signed = false; } := uint8_t;
typealias integer { size = 32; align = 32; signed = false; } := uint32_t;
trace { major = 1; minor = 8; byte_order = le; };
`;

function md(text: string) {
  return readMetadata(new TextEncoder().encode(text), 'metadata');
}

function payload(text: string): IrFieldClass {
  const t = md(PRE + text).trace;
  return t.streamClasses[0]!.eventClasses[0]!.payload!;
}

/** 1-based column of the first `needle` on 1-based line `line` of `text`. */
function col(text: string, line: number, needle: string): number {
  const l = text.split('\n')[line - 1]!;
  const i = l.indexOf(needle);
  assert.ok(i >= 0, `${needle} not on line ${line}`);
  return i + 1;
}

function throwsAt(text: string, line: number, column: number, re?: RegExp): void {
  assert.throws(
    () => md(text),
    (e: unknown) => {
      assert.ok(e instanceof MetadataError, String(e));
      assert.equal(e.code, CtfErrorCode.Metadata);
      assert.equal(e.line, line, e.message);
      assert.equal(e.column, column, e.message);
      if (re) assert.match(e.message, re);
      assert.match(e.message, new RegExp(`^metadata:${line}:${column}: `));
      return true;
    },
  );
}

test('string literals: C escapes, octal and hex, cut at NUL', () => {
  const t = md(
    PRE + `event { name = "a\\tb\\101\\x42\\\\\\"\\0tail"; fields := struct { uint8_t x; }; };`,
  ).trace;
  assert.equal(t.streamClasses[0]!.eventClasses[0]!.name, 'a\tbAB\\"');
});

test('integer literals: decimal, octal, hexadecimal, suffixes, 64-bit limits', () => {
  const t = md(
    `${PRE}env { a = 0x10; b = 010; c = 18446744073709551615ULL; d = -9223372036854775808; e = 7u; };`,
  ).trace;
  assert.deepEqual(
    [...t.env].map(([k, v]) => [k, v.value]),
    [
      ['a', 16n],
      ['b', 8n],
      // babeltrace2 keeps environment integers as int64.
      ['c', -1n],
      ['d', -9223372036854775808n],
      ['e', 7n],
    ],
  );
  const big = `${PRE}env { a = 18446744073709551616; };`;
  throwsAt(big, 5, col(big, 5, '1844'), /64 bits/);
});

test('syntax errors give the line and column', () => {
  const a = `${PRE}event { name = x; fields := struct { uint8_t a }; };`;
  throwsAt(a, 5, col(a, 5, '};'), /expecting `;`/);
  const b = `${PRE}event {\n  name = "x";\n  fields := struct { nosuchtype a; };\n};`;
  throwsAt(b, 7, col(b, 7, 'nosuchtype'));
  assert.throws(
    () => md('/* CTF 1.8 */\ntrace { major = 1; minor = 8; byte_order = le; '),
    /metadata:2:\d+: syntax error/,
  );
});

test('typealias and typedef scopes: a name declared in a structure is not visible outside', () => {
  const p = payload(
    `event { name = e; fields := struct { typealias integer { size = 16; } := u16; u16 a; struct { u16 b; } s; }; };`,
  );
  assert.equal(p.type, 'struct');
  if (p.type !== 'struct') return;
  const a = p.members[0]!.fc;
  assert.equal(a.type, 'int');
  if (a.type === 'int') assert.equal(a.size, 16);
  const t = `${PRE}event { name = e; fields := struct { struct { typealias integer { size = 16; } := u16; } s; u16 b; }; };`;
  throwsAt(t, 5, col(t, 5, 'u16 b'));
});

test('member names lose one leading underscore, paths use the written name', () => {
  const p = payload(`event { name = e; fields := struct { uint8_t __len; uint32_t _seq[__len]; }; };`);
  if (p.type !== 'struct') assert.fail();
  assert.deepEqual(
    p.members.map((m) => [m.name, m.origName]),
    [
      ['_len', '__len'],
      ['seq', '_seq'],
    ],
  );
  const seq = p.members[1]!.fc;
  assert.equal(seq.type, 'sequence');
});

test('arrays are aligned like their element, structures like their most aligned member', () => {
  const p = payload(
    `event { name = e; fields := struct { uint8_t a; integer { size = 8; align = 16; } b[0]; uint8_t c; }; };`,
  );
  if (p.type !== 'struct') assert.fail();
  assert.equal(p.members[1]!.fc.alignment, 16);
  assert.equal(p.alignment, 16);
});

test('semantic errors: duplicate member, unknown sequence length, bad enumeration', () => {
  const dup = `${PRE}event { name = e; fields := struct { uint8_t a; uint8_t a; }; };`;
  assert.throws(() => md(dup), /metadata:5:\d+: duplicate field "a"/);
  assert.throws(
    () => md(`${PRE}event { name = e; fields := struct { uint8_t s[nope]; }; };`),
    /cannot find the sequence length "nope"/,
  );
  const en = `${PRE}event { name = e; fields := struct { enum : uint8_t { A = "x" } e; }; };`;
  throwsAt(en, 5, col(en, 5, '"x"'), /enumeration label "A"/);
});

test('clocks: offsets calibrated, --clock-offset applied, LTTng monotonic clock absolute', () => {
  const text = `${PRE}env { tracer_name = "lttng-ust"; };
clock { name = monotonic; freq = 1000; offset_s = 10; offset = 2500; absolute = false; };
stream { event.header := struct { integer { size = 32; map = clock.monotonic.value; } timestamp; }; };
event { name = e; fields := struct { uint8_t a; }; };`;
  const c = md(text).trace.clocks[0]!;
  assert.equal(c.offsetSeconds, 12n);
  assert.equal(c.offsetCycles, 500n);
  assert.equal(c.isAbsolute, true);
  const shifted = readMetadata(new TextEncoder().encode(text), 'm', {
    clockOffsetSeconds: 3n,
    clockOffsetNs: 1_500_000n,
  });
  assert.equal(shifted.trace.clocks[0]!.offsetSeconds, 15n);
  assert.equal(shifted.trace.clocks[0]!.offsetCycles, 501n);
});

test('plain text metadata needs the CTF 1.8 signature', () => {
  assert.throws(() => decodeMetadataStream(new TextEncoder().encode('trace { };')), /CTF 1\.8/);
  assert.equal(decodeMetadataStream(new TextEncoder().encode('/* CTF 1.8 */ x')).packetized, false);
});

/** A metadata packet as LTTng writes it. */
function packet(text: string, le: boolean, uuid: Uint8Array, padBytes = 3): Uint8Array {
  const body = new TextEncoder().encode(text);
  const contentBits = (37 + body.length) * 8;
  const total = 37 + body.length + padBytes;
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0x75d11d57, le);
  b.set(uuid, 4);
  dv.setUint32(20, 0, le); // checksum
  dv.setUint32(24, contentBits, le);
  dv.setUint32(28, total * 8, le);
  b[32] = 0; // compression
  b[33] = 0; // encryption
  b[34] = 0; // checksum scheme
  b[35] = 1; // major
  b[36] = 8; // minor
  b.set(body, 37);
  return b;
}

test('packetized metadata in both byte orders', () => {
  const uuid = Uint8Array.from({ length: 16 }, (_, i) => i);
  for (const le of [true, false]) {
    const text = `${PRE}event { name = e; fields := struct { uint8_t a; }; };`;
    const a = packet(text.slice(0, 100), le, uuid);
    const b = packet(text.slice(100), le, uuid, 0);
    const all = new Uint8Array(a.length + b.length);
    all.set(a);
    all.set(b, a.length);
    const s = decodeMetadataStream(all);
    assert.equal(s.packetized, true);
    assert.equal(s.byteOrder, le ? 'le' : 'be');
    assert.equal(s.text, text);
    assert.deepEqual(s.uuid, uuid);
    const m = readMetadata(all, 'metadata');
    assert.equal(m.trace.streamClasses[0]!.eventClasses[0]!.name, 'e');
  }
});

test('packetized metadata errors name the packet and its offset', () => {
  const uuid = new Uint8Array(16);
  const p = packet('/* CTF 1.8 */', true, uuid);
  p[35] = 2;
  assert.throws(() => decodeMetadataStream(p), /packet 0 \(at byte 0\).*version/);
  const q = packet('/* CTF 1.8 */', true, uuid);
  const other = packet(
    'x',
    true,
    Uint8Array.from({ length: 16 }, () => 7),
  );
  const both = new Uint8Array(q.length + other.length);
  both.set(q);
  both.set(other, q.length);
  assert.throws(() => decodeMetadataStream(both), new RegExp(`packet 1 \\(at byte ${q.length}\\).*UUID`));
});

test('parseTsdl alone returns the syntax tree of every block', () => {
  const root = parseTsdl(
    `${PRE}clock { name = c; }; env { a = 1; }; stream { id = 0; }; event { name = e; };`,
  );
  assert.equal(root.trace.length, 1);
  assert.equal(root.clock.length, 1);
  assert.equal(root.env.length, 1);
  assert.equal(root.stream.length, 1);
  assert.equal(root.event.length, 1);
});

test('the trace class as the shared CTF model: roles, locations, strings, clocks', () => {
  const text = `/* CTF 1.8 */
typealias integer { size = 8; align = 8; signed = false; } := uint8_t;
typealias integer { size = 32; align = 32; signed = false; } := uint32_t;
typealias integer { size = 64; align = 64; signed = false; } := uint64_t;
trace { major = 1; minor = 8; byte_order = le; uuid = "2a6422d0-6cee-11e0-8c08-cb07d7b3a564";
  packet.header := struct { uint32_t magic; uint8_t uuid[16]; uint32_t stream_id; }; };
env { hostname = "h"; tracer_major = 2; };
clock { name = monotonic; freq = 1000000000; offset_s = 100; absolute = true; };
typealias integer { size = 64; align = 64; signed = false; map = clock.monotonic.value; } := uint64_clock_t;
stream { id = 0;
  packet.context := struct { uint64_clock_t timestamp_begin; uint64_clock_t timestamp_end; uint64_t content_size; uint64_t packet_size; uint32_t cpu_id; };
  event.header := struct { uint32_t id; uint64_clock_t timestamp; }; };
event { name = "p:e"; id = 0; stream_id = 0; loglevel = 13;
  fields := struct { uint8_t _len; uint32_t _seq[_len]; integer { size = 8; encoding = UTF8; } _txt[4]; enum : uint8_t { A, B = 3 ... 4 } e; }; };`;
  const m = irToModel(md(text).trace);
  assert.equal(m.environment.get('hostname'), 'h');
  assert.equal(m.environment.get('tracer_major'), 2n);
  assert.equal(m.clockClasses[0]!.offsetSeconds, 100n);
  assert.equal(m.clockClasses[0]!.originIsUnixEpoch, true);
  const ph = m.packetHeaderFieldClass!;
  const roleOf = (s: StructureClass | undefined, n: string): unknown =>
    (s!.memberClasses.find((x) => x.name === n)!.fieldClass as { roles?: string[] }).roles;
  assert.deepEqual(roleOf(ph, 'magic'), ['packet-magic-number']);
  assert.deepEqual(roleOf(ph, 'stream_id'), ['data-stream-class-id']);
  const dsc = m.dataStreamClasses[0]!;
  assert.equal(dsc.defaultClockClass, m.clockClasses[0]);
  assert.deepEqual(roleOf(dsc.packetContextFieldClass, 'timestamp_begin'), ['default-clock-timestamp']);
  assert.deepEqual(roleOf(dsc.packetContextFieldClass, 'timestamp_end'), [
    'packet-end-default-clock-timestamp',
  ]);
  assert.deepEqual(roleOf(dsc.packetContextFieldClass, 'packet_size'), ['packet-total-length']);
  assert.deepEqual(roleOf(dsc.eventRecordHeaderFieldClass, 'id'), ['event-record-class-id']);
  const erc = dsc.eventRecordClasses[0]!;
  assert.equal(erc.name, 'p:e');
  assert.equal(erc.logLevel, 13);
  const payload = erc.payloadFieldClass!;
  assert.deepEqual(
    payload.memberClasses.map((x) => [x.name, x.fieldClass.kind]),
    [
      ['len', FieldClassKind.FixedLengthUnsignedInteger],
      ['seq', FieldClassKind.DynamicLengthArray],
      ['txt', FieldClassKind.StaticLengthString],
      ['e', FieldClassKind.FixedLengthUnsignedInteger],
    ],
  );
  const seq = payload.memberClasses[1]!.fieldClass as unknown as {
    lengthFieldLocation: { origin: string; path: string[] };
  };
  assert.deepEqual(
    { ...seq.lengthFieldLocation, path: [...seq.lengthFieldLocation.path] },
    { origin: 'event-record-payload', path: ['len'] },
  );
  const e = payload.memberClasses[3]!.fieldClass as unknown as {
    mappings: { name: string; ranges: unknown[] }[];
  };
  assert.deepEqual(
    e.mappings.map((x) => [x.name, x.ranges]),
    [
      ['A', [{ lower: 0n, upper: 0n }]],
      ['B', [{ lower: 3n, upper: 4n }]],
    ],
  );
});
