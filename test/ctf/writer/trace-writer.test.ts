/**
 * The trace writer: index files against the packets they describe (acceptance 3), packet sizes
 * (full packets, flushed packets trimmed to a page multiple), sequence numbers and cumulative
 * discarded counts, appended metadata, emitters, and bad use (acceptance 4) with nothing
 * half-written reaching the files.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  dynamicLengthArray,
  fixedLengthBoolean,
  fixedLengthInteger,
  nullTerminatedString,
  staticLengthBlob,
  structure,
} from '../../../src/ctf/model/field-class.js';
import { fieldLocation } from '../../../src/ctf/model/field-location.js';
import { CTF_PACKET_MAGIC } from '../../../src/ctf/model/lttng-layout.js';
import { CtfValueError, CtfWriterError } from '../../../src/ctf/writer/errors.js';
import { decodeIndexFile } from '../../../src/ctf/writer/index-file.js';
import { unpacketizeMetadata } from '../../../src/ctf/writer/metadata-stream.js';
import { createDirectorySink, MemorySink } from '../../../src/ctf/writer/trace-sink.js';
import { createTraceWriter, PAGE_BYTES } from '../../../src/ctf/writer/trace-writer.js';
import { babeltrace2Path } from '../../helpers/paths.js';

const u32 = fixedLengthInteger({ lengthBits: 32 });
const BT2 = babeltrace2Path();

interface PacketInfo {
  offsetBytes: number;
  magic: number;
  uuid: string;
  streamId: number;
  instanceId: bigint;
  tsBegin: bigint;
  tsEnd: bigint;
  contentBits: bigint;
  packetBits: bigint;
  seq: bigint;
  discarded: bigint;
  cpuId: number;
}

/** Reads LTTng's byte-aligned little-endian packet header and context, packet after packet. */
function readPackets(file: Uint8Array): PacketInfo[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: PacketInfo[] = [];
  let off = 0;
  while (off < file.length) {
    const p: PacketInfo = {
      offsetBytes: off,
      magic: dv.getUint32(off, true),
      uuid: Buffer.from(file.subarray(off + 4, off + 20)).toString('hex'),
      streamId: dv.getUint32(off + 20, true),
      instanceId: dv.getBigUint64(off + 24, true),
      tsBegin: dv.getBigUint64(off + 32, true),
      tsEnd: dv.getBigUint64(off + 40, true),
      contentBits: dv.getBigUint64(off + 48, true),
      packetBits: dv.getBigUint64(off + 56, true),
      seq: dv.getBigUint64(off + 64, true),
      discarded: dv.getBigUint64(off + 72, true),
      cpuId: dv.getUint32(off + 80, true),
    };
    out.push(p);
    assert.ok(p.packetBits > 0n && p.packetBits % 8n === 0n, `packet at ${off}: size ${p.packetBits}`);
    off += Number(p.packetBits / 8n);
  }
  assert.equal(off, file.length, 'the packets cover the file exactly');
  return out;
}

test('index files match the packets: offsets, sizes, timestamps, sequence numbers, discarded counts', () => {
  const sink = new MemorySink();
  const w = createTraceWriter({ sink, packetSizeBytes: 8192, uuid: new Uint8Array(16).fill(7) });
  const e = w.addEventRecordClass(0, { name: 'x:y', payload: { s: nullTerminatedString(), n: u32 } });
  const s0 = w.createStream(0, { instanceId: 0 });
  const s1 = w.createStream(0, { instanceId: 3, packetContext: { cpu_id: 9 } });
  const events = new Map<string, bigint[]>([
    ['channel0_0', []],
    ['channel0_3', []],
  ]);
  let t = 1_000_000n;
  let flushTime = 0n;
  for (let i = 0; i < 3000; i++) {
    const s = i % 3 === 0 ? s1 : s0;
    t += BigInt(1 + (i % 17));
    s.write(e, t, null, { s: 'x'.repeat(i % 40), n: i });
    events.get(s.fileName)!.push(t);
    if (i === 1000) s0.discard(5);
    if (i === 2000) {
      s1.discard(2);
      flushTime = t + 10n;
      s1.flush(flushTime); // an early flush: trimmed packet, end time = the flush time
    }
  }
  w.close();
  for (const name of ['channel0_0', 'channel0_3']) {
    const packets = readPackets(sink.file(name));
    const index = decodeIndexFile(sink.file(`index/${name}.idx`), name);
    assert.equal(index.length, packets.length);
    assert.ok(packets.length > 3, 'several packets');
    let prevDiscarded = 0n;
    packets.forEach((p, i) => {
      const x = index[i]!;
      assert.equal(p.magic, CTF_PACKET_MAGIC);
      assert.equal(p.uuid, '07'.repeat(16));
      assert.equal(x.offsetBytes, BigInt(p.offsetBytes), `${name} #${i} offset`);
      assert.equal(x.packetSizeBits, p.packetBits);
      assert.equal(x.contentSizeBits, p.contentBits);
      assert.equal(x.timestampBegin, p.tsBegin);
      assert.equal(x.timestampEnd, p.tsEnd);
      assert.equal(x.eventsDiscarded, p.discarded);
      assert.equal(x.packetSeqNum, p.seq);
      assert.equal(p.seq, BigInt(i), 'sequence numbers count packets');
      assert.equal(x.streamId, 0n);
      assert.equal(x.streamInstanceId, p.instanceId);
      assert.equal(p.cpuId, name === 'channel0_3' ? 9 : 0);
      assert.ok(p.tsBegin <= p.tsEnd);
      assert.ok(p.discarded >= prevDiscarded, 'events_discarded is cumulative');
      prevDiscarded = p.discarded;
      assert.ok(p.contentBits <= p.packetBits);
      // Full packets are 8 KiB; flushed ones are trimmed to a page multiple.
      const full = p.packetBits === 8192n * 8n;
      if (!full) {
        assert.equal(p.packetBits % BigInt(PAGE_BYTES * 8), 0n);
        assert.ok(p.packetBits - p.contentBits < BigInt(PAGE_BYTES * 8));
      }
      if (i > 0) assert.ok(p.tsBegin >= packets[i - 1]!.tsEnd, 'packets do not overlap in time');
    });
    assert.equal(packets.at(-1)!.discarded, name === 'channel0_0' ? 5n : 2n);
    // The first packet begins with the first record; the last one ends with the last record.
    const ts = events.get(name)!;
    assert.equal(packets[0]!.tsBegin, ts[0]);
    assert.equal(packets.at(-1)!.tsEnd, ts.at(-1));
  }
  // The early flush: trimmed to a page multiple, its end time is the flush time.
  const flushed = readPackets(sink.file('channel0_3')).find((p) => p.discarded === 2n)!;
  const pageBits = BigInt(PAGE_BYTES * 8);
  assert.equal(flushed.packetBits, ((flushed.contentBits + pageBits - 1n) / pageBits) * pageBits);
  assert.equal(flushed.tsEnd, flushTime);
});

test('metadata registered later is appended as new packets before the data that uses it', () => {
  const sink = new MemorySink();
  const w = createTraceWriter({ sink, packetSizeBytes: 4096 });
  const a = w.addEventRecordClass(0, { name: 'a:first', payload: { n: u32 } });
  const s = w.createStream(0);
  s.write(a, 1n, null, { n: 1 });
  w.flush();
  const before = sink.file('metadata');
  const b = w.addEventRecordClass(0, { name: 'a:second', payload: { m: u32 } });
  s.write(b, 2n, null, { m: 2 });
  w.close();
  const after = sink.file('metadata');
  assert.ok(
    Buffer.from(after.subarray(0, before.length)).equals(Buffer.from(before)),
    'appended, not rewritten',
  );
  assert.equal(after.length % 4096, 0);
  const text = unpacketizeMetadata(after);
  assert.ok(text.indexOf('"a:first"') < text.indexOf('"a:second"'));
  assert.equal(
    w
      .eventRecordClasses(0)
      .map((e) => e.id)
      .join(','),
    '0,1',
  );
});

test('emitters write the same bytes as write(), allocation-free positional calls', () => {
  const make = () => {
    const sink = new MemorySink();
    const w = createTraceWriter({ sink, uuid: new Uint8Array(16), packetSizeBytes: 4096 });
    const e = w.addEventRecordClass(0, { name: 'x:y', payload: { a: u32, s: nullTerminatedString() } });
    return { sink, w, e, s: w.createStream(0) };
  };
  const one = make();
  for (let i = 0; i < 500; i++) one.s.write(one.e, BigInt(i * 100), null, { a: i, s: `v${i}` });
  one.w.close();
  const two = make();
  const emit = two.s.emitter(two.e);
  for (let i = 0; i < 500; i++) emit(0, i * 100, i, `v${i}`);
  two.w.close();
  for (const p of one.sink.paths())
    assert.ok(Buffer.from(one.sink.file(p)).equals(Buffer.from(two.sink.file(p))), p);
  assert.ok(readPackets(one.sink.file('channel0_0')).length > 1);
});

function badUseTrace(dir: string, withBadWrites: boolean): void {
  const w = createTraceWriter({
    sink: createDirectorySink(dir, fs),
    uuid: new Uint8Array(16).fill(1),
    packetSizeBytes: 4096,
  });
  const e = w.addEventRecordClass(0, {
    name: 'myapp:request',
    payload: structure([
      { name: 'bytes', fieldClass: fixedLengthInteger({ lengthBits: 16 }) },
      { name: 'url', fieldClass: nullTerminatedString() },
      { name: '_seq_length', fieldClass: fixedLengthInteger({ lengthBits: 8 }) },
      {
        name: 'seq',
        fieldClass: dynamicLengthArray(u32, fieldLocation('event-record-payload', '_seq_length')),
      },
    ]),
  });
  const s = w.createStream(0);
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ bytes: 70000, url: '/a', seq: [] }, /^myapp:request: field "bytes": 70000 is out of range for u16$/],
    [{ bytes: 1, url: 'a\0b', seq: [] }, /^myapp:request: field "url": .* contains a NUL character/],
    [
      { bytes: 1, url: '/a', seq: new Array(256).fill(1) },
      /^myapp:request: field "seq": 256 elements do not fit in its length field "_seq_length" \(u8: at most 255\)$/,
    ],
    [{ bytes: 1, url: '/a', seq: [1, -1] }, /^myapp:request: field "seq\[1\]": -1 is out of range for u32$/],
  ];
  for (let i = 0; i < 400; i++) {
    if (withBadWrites && i % 50 === 7) {
      const [payload, re] = bad[((i / 50) % bad.length) | 0]!;
      assert.throws(
        () => s.write(e, BigInt(i * 10), null, payload),
        (x: unknown) => x instanceof CtfValueError && re.test(x.message),
      );
    }
    s.write(e, BigInt(i * 10 + 5), null, { bytes: i, url: `/item/${i}`, seq: [i, i + 1] });
  }
  if (withBadWrites) {
    // An invalid identifier is rejected when the class is registered; the metadata is untouched.
    assert.throws(
      () => w.addEventRecordClass(0, { name: 'myapp:bad', payload: { 'my-field': u32 } }),
      (x: unknown) =>
        x instanceof CtfWriterError &&
        /^myapp:bad: field "my-field": "my-field" is not a valid TSDL identifier/.test(x.message),
    );
    assert.throws(
      () =>
        w.addEventRecordClass(0, {
          name: 'myapp:bad2',
          payload: { ok: structure([{ name: 'x y', fieldClass: u32 }]) },
        }),
      (x: unknown) =>
        x instanceof CtfWriterError &&
        /^myapp:bad2: field "ok.x y": "x y" is not a valid TSDL identifier/.test(x.message),
    );
    assert.throws(
      () =>
        w.addEventRecordClass(0, {
          name: 'myapp:bad3',
          payload: { flag: fixedLengthBoolean({ lengthBits: 8 }) },
        }),
      (x: unknown) =>
        x instanceof CtfWriterError &&
        /^myapp:bad3: field "flag": TSDL \(CTF 1\.8\) has no boolean/.test(x.message),
    );
    assert.throws(
      () => w.addEventRecordClass(0, { name: 'myapp:bad4', payload: { b: staticLengthBlob(4) } }),
      (x: unknown) =>
        x instanceof CtfWriterError &&
        /^myapp:bad4: field "b": TSDL \(CTF 1\.8\) has no blob/.test(x.message),
    );
  }
  w.close();
}

test('bad use: clear errors naming the event and field; nothing half-written reaches the files', () => {
  const a = fs.mkdtempSync(join(tmpdir(), 'ttng-bad-'));
  const b = fs.mkdtempSync(join(tmpdir(), 'ttng-good-'));
  try {
    badUseTrace(a, true);
    badUseTrace(b, false);
    // The failed writes and registrations left no trace: same files, byte for byte.
    for (const f of ['metadata', 'channel0_0', 'index/channel0_0.idx']) {
      assert.ok(fs.readFileSync(join(a, f)).equals(fs.readFileSync(join(b, f))), f);
    }
    if (BT2) {
      const r = spawnSync(BT2, [a], { encoding: 'utf8' });
      assert.equal(r.status, 0);
      assert.equal(r.stderr, '');
      assert.equal(r.stdout.split('\n').length - 1, 400);
    }
  } finally {
    fs.rmSync(a, { recursive: true, force: true });
    fs.rmSync(b, { recursive: true, force: true });
  }
});

test('misuse of the writer: clear errors', () => {
  const w = createTraceWriter({ sink: new MemorySink(), packetSizeBytes: 4096 });
  const e = w.addEventRecordClass(0, { name: 'x:y', payload: { s: nullTerminatedString() } });
  assert.throws(
    () => w.addEventRecordClass(0, { name: 'x:y' }),
    /already has an event record class of this name/,
  );
  assert.throws(() => w.createStream(5), /no data stream class 5/);
  const s = w.createStream(0);
  assert.throws(() => w.createStream(0), /two streams would write the file "channel0_0"/);
  assert.throws(
    () => s.write(e, 10n, null, { s: 'x'.repeat(5000) }),
    /does not fit in an empty packet of 4096 bytes/,
  );
  s.write(e, 10n, null, { s: 'ok' });
  assert.throws(
    () => s.write(e, 9n, null, { s: 'ok' }),
    /timestamp 9 is before the previous record's \(10\)/,
  );
  assert.throws(() => s.write(e, -1, null, { s: 'ok' }), /timestamp -1 is not a non-negative integer/);
  assert.throws(() => s.write('nope', 11n, null, {}), /no event record class named "nope"/);
  assert.throws(
    () => s.write(e, 11n, null, null),
    /x:y: the payload must be an object keyed by member name, got null/,
  );
  assert.throws(
    () => createTraceWriter({ sink: new MemorySink(), packetSizeBytes: 5000 }),
    /not a multiple of 4096/,
  );
  w.close();
  assert.throws(() => s.write(e, 12n, null, { s: 'x' }), /stream "channel0_0" is closed/);
});
