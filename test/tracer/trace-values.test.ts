/**
 * Acceptance 1: traces are read by the real babeltrace2 with exit 0 and nothing on stderr, and
 * the values and contexts it prints are the ones emitted, for every field type.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { decodeIndexFile } from '../../src/ctf/writer/index-file.js';
import { defineProvider, startSession } from '../../src/tracer/index.js';
import { processProcname } from '../../src/tracer/process-info.js';
import { babeltrace2, removeDir, tempDir } from './helpers.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));
function output(): string {
  const d = tempDir('values');
  dirs.push(d);
  return d;
}

const types = defineProvider('types', {
  all: {
    loglevel: 'NOTICE',
    fields: [
      ['i8', 'i8'],
      ['i16', 'i16'],
      ['i32', 'i32'],
      ['i64', 'i64'],
      ['u8', 'u8'],
      ['u16', 'u16'],
      ['u32', 'u32'],
      ['u64', 'u64'],
      ['x8', 'x8'],
      ['x16', 'x16'],
      ['x32', 'x32'],
      ['x64', 'x64'],
      ['f32', 'f32'],
      ['f64', 'f64'],
      ['s', 'string'],
      ['oct', { type: 'u16', base: 8 }],
      ['bin', { type: 'u8', base: 2 }],
      ['be', { type: 'u32', byteOrder: 'be' }],
      ['e', { type: 'enum', container: 'i8', labels: { ZERO: 0, RANGE: [1, 10], NEG: -1 } }],
      ['arr', { type: 'array', element: 'i32', length: 3 }],
      ['seq', { type: 'sequence', element: 'u16' }],
      ['sarr', { type: 'array', element: 'string', length: 2 }],
      ['fseq', { type: 'sequence', element: 'f64' }],
      ['xarr', { type: 'array', element: 'x8', length: 2 }],
      ['eseq', { type: 'sequence', element: { type: 'enum', container: 'u8', labels: { A: 1, B: 2 } } }],
      ['txt', { type: 'text', length: 8 }],
      ['dtxt', { type: 'text' }],
    ],
  },
  objectForm: { fields: { url: 'string', status: 'u16', bytes: 'u64', ratio: 'f64' } },
});

test('every field type: babeltrace2 prints exactly the values emitted', async () => {
  const out = output();
  const s = await startSession({ output: out, events: ['types:*'], statedump: false });
  types.all(
    -128,
    -32768,
    -2147483648,
    -9223372036854775808n,
    255,
    65535,
    4294967295,
    18446744073709551615n,
    0xab,
    0xbeef,
    0xdeadbeef,
    0x123456789abcdef0n,
    1.5,
    -0.125,
    'héllo "w" \\ ✓\ttab',
    0o755,
    5,
    0x01020304,
    5,
    [1, -2, 3],
    [1, 2, 65535],
    ['a', 'bc'],
    [0.5, 2],
    Uint8Array.of(1, 255),
    [2, 1],
    'abc',
    'hi ✓',
  );
  types.all(
    127,
    32767,
    2147483647,
    9007199254740991,
    0,
    0,
    0,
    9007199254740991,
    0,
    0,
    0,
    0,
    3.4028234663852886e38,
    Number.MAX_VALUE,
    '',
    0,
    0,
    0,
    -1,
    new Int32Array([7, 8, 9]),
    [],
    ['', ''],
    [],
    [0, 0],
    [],
    '',
    '',
  );
  types.all(
    0,
    0,
    0,
    -1,
    0,
    0,
    0,
    0n,
    0,
    0,
    0,
    0,
    -0,
    1e-300,
    'x',
    0,
    255,
    0xffffffff,
    'ZERO',
    [0, 0, 0],
    new Uint16Array([5]),
    ['x', 'y'],
    new Float64Array([Number.NaN, Number.POSITIVE_INFINITY]),
    [0, 0],
    new Uint8Array([1]),
    '12345678',
    'x'.repeat(300),
  );
  types.objectForm('/index', 200, 5120, 0.5);
  const r = await s.stop();
  const bt = babeltrace2(out, ['--no-delta']);
  assert.equal(bt.status, 0, bt.stderr);
  assert.equal(bt.stderr, '');
  assert.deepEqual(bt.events, [
    'types:all: { i8 = -128, i16 = -32768, i32 = -2147483648, i64 = -9223372036854775808, u8 = 255, u16 = 65535, u32 = 4294967295, u64 = 18446744073709551615, x8 = 0xAB, x16 = 0xBEEF, x32 = 0xDEADBEEF, x64 = 0x123456789ABCDEF0, f32 = 1.5, f64 = -0.125, s = "héllo \\"w\\" \\\\ ✓\\ttab", oct = 0755, bin = 0b00000101, be = 16909060, e = ( "RANGE" : container = 5 ), arr = [ [0] = 1, [1] = -2, [2] = 3 ], _seq_length = 3, seq = [ [0] = 1, [1] = 2, [2] = 65535 ], sarr = [ [0] = "a", [1] = "bc" ], _fseq_length = 2, fseq = [ [0] = 0.5, [1] = 2 ], xarr = [ [0] = 0x1, [1] = 0xFF ], _eseq_length = 2, eseq = [ [0] = ( "B" : container = 2 ), [1] = ( "A" : container = 1 ) ], txt = "abc", _dtxt_length = 6, dtxt = "hi ✓" }',
    'types:all: { i8 = 127, i16 = 32767, i32 = 2147483647, i64 = 9007199254740991, u8 = 0, u16 = 0, u32 = 0, u64 = 9007199254740991, x8 = 0x0, x16 = 0x0, x32 = 0x0, x64 = 0x0, f32 = 3.40282e+38, f64 = 1.79769e+308, s = "", oct = 00, bin = 0b00000000, be = 0, e = ( "NEG" : container = -1 ), arr = [ [0] = 7, [1] = 8, [2] = 9 ], _seq_length = 0, seq = [ ], sarr = [ [0] = "", [1] = "" ], _fseq_length = 0, fseq = [ ], xarr = [ [0] = 0x0, [1] = 0x0 ], _eseq_length = 0, eseq = [ ], txt = "", _dtxt_length = 0, dtxt = "" }',
    `types:all: { i8 = 0, i16 = 0, i32 = 0, i64 = -1, u8 = 0, u16 = 0, u32 = 0, u64 = 0, x8 = 0x0, x16 = 0x0, x32 = 0x0, x64 = 0x0, f32 = -0, f64 = 1e-300, s = "x", oct = 00, bin = 0b11111111, be = 4294967295, e = ( "ZERO" : container = 0 ), arr = [ [0] = 0, [1] = 0, [2] = 0 ], _seq_length = 1, seq = [ [0] = 5 ], sarr = [ [0] = "x", [1] = "y" ], _fseq_length = 2, fseq = [ [0] = nan, [1] = inf ], xarr = [ [0] = 0x0, [1] = 0x0 ], _eseq_length = 1, eseq = [ [0] = ( "A" : container = 1 ) ], txt = "12345678", _dtxt_length = 300, dtxt = "${'x'.repeat(300)}" }`,
    'types:objectForm: { url = "/index", status = 200, bytes = 5120, ratio = 0.5 }',
  ]);
  assert.equal(r.streams.length, 1);
  assert.equal(r.streams[0]!.discarded, 0);
});

test('contexts and the per-PID layout: vpid, vtid (= pid in the main thread), procname, hostname, async ids', async () => {
  const out = output();
  const s = await startSession({
    output: out,
    events: ['types:objectForm'],
    contexts: ['vpid', 'vtid', 'procname', 'hostname', 'async_id', 'trigger_async_id'],
    statedump: false,
  });
  types.objectForm('/a', 1, 2, 3);
  await new Promise<void>((resolve) =>
    setImmediate(() => {
      types.objectForm('/b', 1, 2, 3);
      resolve();
    }),
  );
  const r = await s.stop();
  const proc = processProcname();
  const pid = process.pid;
  assert.match(r.tracePath, new RegExp(`/ust/pid/${proc}-${pid}-\\d{8}-\\d{6}$`));
  assert.ok(existsSync(join(r.tracePath, 'metadata')));
  assert.deepEqual(readdirSync(r.tracePath).sort(), ['channel0_0', 'index', 'metadata']);
  const idx = decodeIndexFile(new Uint8Array(readFileSync(join(r.tracePath, 'index', 'channel0_0.idx'))));
  assert.equal(idx.length, 1);
  assert.equal(idx[0]!.offsetBytes, 0n);
  assert.ok(idx[0]!.timestampBegin <= idx[0]!.timestampEnd);
  const bt = babeltrace2(out, ['--no-delta']);
  assert.equal(bt.status, 0, bt.stderr);
  assert.equal(bt.stderr, '');
  const host = hostname();
  const ctx = (line: string) =>
    /\{ vpid = (\d+), vtid = (\d+), procname = "([^"]*)", hostname = "([^"]*)", async_id = (\d+), trigger_async_id = (\d+) \}/.exec(
      line,
    )!;
  const [a, b] = bt.events.map(ctx);
  for (const m of [a!, b!]) {
    assert.equal(Number(m[1]), pid);
    assert.equal(Number(m[2]), pid, "the main thread's vtid is the pid");
    assert.equal(m[3], proc);
    assert.equal(m[4], host.slice(0, 64));
  }
  assert.notEqual(a![5], b![5], 'the setImmediate callback runs in another async resource');
  // The trace's env: babeltrace2 shows per-PID traces as host:procname:(pid).
  const full = babeltrace2(out);
  assert.match(full.stdout, new RegExp(` ${host}:${proc}:\\(${pid}\\) types:objectForm`));
});

test('timestamps are CLOCK_MONOTONIC and increase; the clock offset gives wall-clock time', async () => {
  const out = output();
  const s = await startSession({ output: out, events: ['types:objectForm'], statedump: false });
  const before = process.hrtime.bigint();
  const wallBefore = Date.now();
  for (let i = 0; i < 100; i++) types.objectForm('/t', i, i, i);
  const afterTs = process.hrtime.bigint();
  await s.stop();
  const cycles = babeltrace2(out, ['--clock-cycles', '--no-delta'])
    .stdout.trim()
    .split('\n')
    .map((l) => BigInt(/^\[(\d+)\]/.exec(l)![1]!));
  assert.equal(cycles.length, 100);
  for (let i = 1; i < cycles.length; i++) assert.ok(cycles[i]! >= cycles[i - 1]!);
  // Exactly: records read the very clock process.hrtime.bigint() reads (no calibration, no rounding).
  assert.ok(
    cycles[0]! >= before && cycles.at(-1)! <= afterTs,
    `${before} <= ${cycles[0]} .. ${cycles.at(-1)} <= ${afterTs}`,
  );
  const secs = babeltrace2(out, ['--clock-seconds', '--no-delta']).stdout.trim().split('\n')[0]!;
  const wall = Number(/^\[(\d+\.\d+)\]/.exec(secs)![1]) * 1000;
  assert.ok(Math.abs(wall - wallBefore) < 50, `wall clock ${wall} vs Date.now() ${wallBefore}`);
});

test('a bad argument throws a clear error and leaves the trace intact', async () => {
  const out = output();
  const s = await startSession({ output: out, events: ['types:objectForm'], statedump: false });
  types.objectForm('/ok', 1, 2, 3);
  assert.throws(() => types.objectForm('/bad', 70000, 2, 3), /status.*70000 is out of range for u16/);
  assert.throws(() => types.objectForm('/bad', 'x' as never, 2, 3), /status/);
  types.objectForm('/ok2', 4, 5, 6);
  await s.stop();
  const bt = babeltrace2(out, ['--no-delta']);
  assert.equal(bt.status, 0, bt.stderr);
  assert.equal(bt.stderr, '');
  assert.deepEqual(bt.events, [
    'types:objectForm: { url = "/ok", status = 1, bytes = 2, ratio = 3 }',
    'types:objectForm: { url = "/ok2", status = 4, bytes = 5, ratio = 6 }',
  ]);
});
