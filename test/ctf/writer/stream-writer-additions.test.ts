/**
 * Additions to the trace writer for tracers that transcode: a class registered without compiling
 * its serializer (compiled at first use, same output), and `flush({ evenIfEmpty })`, which ends a
 * stream's first packet before its first losses so that babeltrace2 counts them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixedLengthInteger, nullTerminatedString } from '../../../src/ctf/model/field-class.js';
import { CtfWriterError } from '../../../src/ctf/writer/errors.js';
import { createDirectorySink, MemorySink } from '../../../src/ctf/writer/trace-sink.js';
import { createTraceWriter } from '../../../src/ctf/writer/trace-writer.js';
import { babeltrace2Path } from '../../helpers/paths.js';

const bt2 = babeltrace2Path();
const u32 = fixedLengthInteger({ lengthBits: 32 });

test('a class registered with compileSerializer: false writes what an eagerly compiled one writes', () => {
  const files = (lazy: boolean) => {
    const sink = new MemorySink();
    const w = createTraceWriter({ sink, uuid: new Uint8Array(16).fill(1) });
    const erc = w.addEventRecordClass(
      0,
      { name: 'e', payload: { n: u32, s: nullTerminatedString() } },
      lazy ? { compileSerializer: false } : {},
    );
    const s = w.createStream(0);
    s.write(erc, 5n, null, { n: 1, s: 'a' });
    s.emitter(erc)(0, 6, 2, 'b');
    assert.equal(w.serializer(erc).argumentNames.join(), 'n,s');
    w.close();
    return sink.paths().map((p) => [p, Buffer.from(sink.file(p)).toString('hex')]);
  };
  assert.deepEqual(files(true), files(false));
  const w = createTraceWriter({ sink: new MemorySink() });
  assert.throws(
    () => w.transcoder({ name: 'nope', id: 3 } as never, {}),
    (e: unknown) => e instanceof CtfWriterError && /not registered/.test(e.message),
  );
});

test('flush({ evenIfEmpty }) ends a packet with no record: losses after it are counted by babeltrace2', {
  skip: bt2 ? false : 'babeltrace2 is not installed',
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ttng-empty-packet-'));
  try {
    const w = createTraceWriter({ sink: createDirectorySink(dir, fs), packetSizeBytes: 4096 });
    const erc = w.addEventRecordClass(0, { name: 'e', payload: { n: u32 } });
    const a = w.createStream(0, { instanceId: 0 });
    const b = w.createStream(0, { instanceId: 1 });
    // Stream 0: losses before any record, after an empty first packet.
    a.flush(undefined, { evenIfEmpty: true });
    assert.equal(a.packetCount, 1);
    a.discard(5);
    a.write(erc, 1000n, null, { n: 1 });
    // Stream 1: losses in the first packet, without the empty packet: not countable.
    b.discard(3);
    b.write(erc, 1000n, null, { n: 2 });
    w.close();
    const r = spawnSync(bt2!, [dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Tracer discarded 5 events between .* within stream "[^"]*channel0_0"/);
    assert.match(r.stderr, /Tracer may have discarded events .* within stream "[^"]*channel0_1"/);
    assert.equal(r.stdout.trim().split('\n').length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
