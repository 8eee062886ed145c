/**
 * Acceptance 2: the main thread plus 4 workers, 1 million events each, small buffers (4 x 4 KiB
 * per thread), discard mode. For each stream, events read by babeltrace2 plus the discarded
 * events the trace reports equal the events emitted, exactly; each thread's sequence numbers
 * strictly increase (nothing torn, nothing reordered).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { decodeIndexFile } from '../../src/ctf/writer/index-file.js';
import { defineProvider, startSession } from '../../src/tracer/index.js';
import { babeltrace2, removeDir, tempDir } from './helpers.js';

const COUNT = 1_000_000;
const WORKERS = 4;
const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

test('main + 4 workers x 1M events, small buffers, discard: read + discarded = emitted per stream', async () => {
  const out = tempDir('stress');
  dirs.push(out);
  const p = defineProvider('stress', {
    seq: {
      fields: [
        ['thread', 'u32'],
        ['n', 'u64'],
      ],
    },
  });
  const s = await startSession({
    output: out,
    events: ['stress:*'],
    contexts: ['vtid'],
    subbufSize: 4096,
    numSubbuf: 4,
    mode: 'discard',
    statedump: false,
  });
  const workers = Array.from(
    { length: WORKERS },
    (_, k) =>
      new Worker(new URL('./fixtures/stress-worker.js', import.meta.url), {
        workerData: { thread: k + 1, count: COUNT },
      }),
  );
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
  const done = Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
  for (const w of workers) w.postMessage('go');
  for (let i = 0; i < COUNT; i++) p.seq(0, i);
  await done;
  await Promise.all(workers.map((w) => w.terminate()));
  const r = await s.stop();
  assert.equal(r.streams.length, WORKERS + 1);

  const bt = babeltrace2(out, ['--no-delta']);
  assert.equal(bt.status, 0, bt.stderr.slice(0, 2000));
  // Discarded events are reported by babeltrace2 as warnings, never as errors.
  assert.ok(!/ERROR/.test(bt.stderr), bt.stderr.slice(0, 2000));
  const perThread = new Map<number, { vtid: number; read: number; last: number }>();
  const LINE = /^stress:seq: \{ vtid = (\d+) \}, \{ thread = (\d+), n = (\d+) \}$/;
  // babeltrace2 merges streams by time: within one thread, records keep their order.
  for (const e of bt.events) {
    const m = LINE.exec(e);
    assert.ok(m, `unexpected line ${e}`);
    const thread = Number(m[2]);
    const n = Number(m[3]);
    let st = perThread.get(thread);
    if (!st) perThread.set(thread, (st = { vtid: Number(m[1]), read: 0, last: -1 }));
    assert.equal(Number(m[1]), st.vtid, `thread ${thread}: one vtid`);
    assert.ok(n > st.last, `thread ${thread}: sequence number ${n} after ${st.last}`);
    st.last = n;
    st.read++;
  }
  assert.equal(perThread.size, WORKERS + 1, 'every thread recorded something');
  let discardedTotal = 0;
  for (const stream of r.streams) {
    const idx = decodeIndexFile(
      new Uint8Array(readFileSync(join(r.tracePath, 'index', `${stream.channel}_${stream.streamIndex}.idx`))),
    );
    const lastDiscarded = Number(idx.at(-1)!.eventsDiscarded);
    assert.equal(lastDiscarded, stream.discarded);
    const st = [...perThread.values()].find((x) => x.vtid === stream.vtid);
    assert.ok(st, `stream of vtid ${stream.vtid} has events`);
    assert.equal(
      st.read + lastDiscarded,
      COUNT,
      `vtid ${stream.vtid}: read ${st.read} + discarded ${lastDiscarded}`,
    );
    // Index entries: packets in order, sequence numbers 0, 1, 2... (discard mode loses no packet).
    idx.forEach((e, i) => {
      assert.equal(e.packetSeqNum, BigInt(i));
    });
    discardedTotal += lastDiscarded;
  }
  assert.ok(discardedTotal > 0, 'small buffers against 5 producers: some events must have been discarded');
});
