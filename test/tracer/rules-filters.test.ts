/** Event rules and filters, end to end: what is recorded is what LTTng's rules would record. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { defineProvider, startSession } from '../../src/tracer/index.js';
import { babeltrace2, countByName, removeDir, tempDir } from './helpers.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));
function output(): string {
  const d = tempDir('rules');
  dirs.push(d);
  return d;
}

const app = defineProvider('rf', {
  request: {
    loglevel: 'INFO',
    fields: { url: 'string', status: 'u16', seq: { type: 'sequence', element: 'u8' } },
  },
  tick: { loglevel: 'DEBUG', fields: { n: 'i64' } },
  alarm: { loglevel: 'ERR', fields: { n: 'i64' } },
  tock: { fields: { n: 'i64' } },
});

function emitAll(): void {
  for (let n = 0; n < 6; n++) {
    app.tick(n);
    app.alarm(n);
    app.tock(n);
  }
  app.request('/api/users', 200, [1]);
  app.request('/api/orders', 404, [1, 2]);
  app.request('/static/app.js', 200, [1, 2, 3]);
}

async function record(options: Parameters<typeof startSession>[0]): Promise<string[]> {
  const out = output();
  const s = await startSession({ output: out, statedump: false, ...options });
  emitAll();
  await s.stop();
  const bt = babeltrace2(out, ['--no-delta']);
  assert.equal(bt.status, 0, bt.stderr);
  assert.equal(bt.stderr, '');
  return bt.events;
}

test('startSession rejects an invalid filter with the filter error (LTTng category and column)', async () => {
  await assert.rejects(
    startSession({ output: output(), filter: 'n + 1 > 3' }),
    (e: { code?: string; message: string; column?: number }) => {
      assert.equal(e.code, 'TTNG_E_FILTER_UNSUPPORTED');
      assert.match(e.message, /binary operation '\+' not supported/);
      assert.equal(typeof e.column, 'number');
      return true;
    },
  );
  await assert.rejects(startSession({ output: output(), events: [{ name: 'rf:*', filter: '(a' }] }), {
    code: 'TTNG_E_FILTER_SYNTAX',
  });
  await assert.rejects(
    startSession({ output: output(), filter: '"abc"' }),
    /String cannot be root data type/,
  );
  // Nothing stayed active: a valid session starts now.
  const s = await startSession({ output: output(), statedump: false });
  await s.stop();
});

test('globs, exclusions and log level conditions select the events', async () => {
  const glob = countByName(await record({ events: ['rf:t*'] }));
  assert.deepEqual(glob, { 'rf:tick': 6, 'rf:tock': 6 });
  const excl = countByName(await record({ events: [{ name: 'rf:*', exclude: ['rf:t*'] }] }));
  assert.deepEqual(excl, { 'rf:alarm': 6, 'rf:request': 3 });
  // WARNING range: ERR (3) passes, INFO (6), DEBUG (14) and the default DEBUG_LINE (13) do not.
  const range = countByName(await record({ events: ['rf:*'], loglevel: 'WARNING' }));
  assert.deepEqual(range, { 'rf:alarm': 6 });
  const single = countByName(await record({ events: ['rf:*'], loglevelOnly: 'TRACE_DEBUG_LINE' }));
  assert.deepEqual(single, { 'rf:tock': 6 });
});

test('filters read the positional arguments, strings with globs, sequence lengths and $ctx', async () => {
  const ticks = await record({ events: ['rf:tick'], filter: 'n > 3' });
  assert.deepEqual(ticks, ['rf:tick: { n = 4 }', 'rf:tick: { n = 5 }']);
  const api = await record({ events: ['rf:request'], filter: 'url == "/api/*" && status == 200' });
  assert.deepEqual(api, [
    'rf:request: { url = "/api/users", status = 200, _seq_length = 1, seq = [ [0] = 1 ] }',
  ]);
  const seqLen = countByName(await record({ events: ['rf:request'], filter: '_seq_length >= 2' }));
  assert.deepEqual(seqLen, { 'rf:request': 2 });
  const ctx = countByName(
    await record({ events: ['rf:tock'], filter: '$ctx.vtid == $ctx.vpid && $ctx.procname == "*"' }),
  );
  assert.deepEqual(ctx, { 'rf:tock': 6 });
  const missing = await record({ events: ['rf:tick'], filter: 'nosuch == 1 || n >= 0' });
  assert.deepEqual(missing, [], 'a field the event does not have: the filter records nothing (LTTng)');
});

test('several rules: an event passes when any matching rule passes, and is recorded once', async () => {
  const ev = await record({
    events: [
      { name: 'rf:tick', filter: 'n == 1' },
      { name: 'rf:t*', filter: 'n == 4' },
      { name: 'rf:tick', filter: 'n == 1' },
    ],
  });
  assert.deepEqual(ev, ['rf:tick: { n = 1 }', 'rf:tick: { n = 4 }', 'rf:tock: { n = 4 }']);
});

test('two channels: one event recorded in each channel whose rules select it', async () => {
  const out = output();
  const s = await startSession({
    output: out,
    statedump: false,
    channels: [
      { name: 'fast', subbufSize: 8192, contexts: ['vtid'] },
      { name: 'slow', mode: 'overwrite' },
    ],
    events: [
      { name: 'rf:tick', channel: 'fast' },
      { name: 'rf:tick', channel: 'slow', filter: 'n == 2' },
      { name: 'rf:alarm', channel: 'slow' },
    ],
  });
  app.tick(2);
  app.alarm(7);
  const r = await s.stop();
  assert.deepEqual(r.streams.map((x) => x.channel).sort(), ['fast', 'slow']);
  const bt = babeltrace2(out, ['--no-delta']);
  assert.equal(bt.status, 0, bt.stderr);
  assert.equal(bt.stderr, '');
  assert.deepEqual(countByName(bt.events), { 'rf:tick': 2, 'rf:alarm': 1 });
  assert.ok(bt.events.some((e) => /^rf:tick: \{ vtid = \d+ \}, \{ n = 2 \}$/.test(e)));
});

test('.enabled follows the session and the rules; enable listeners fire', async () => {
  const seen: boolean[] = [];
  const off = app.alarm.onEnabledChange((on) => seen.push(on));
  assert.equal(app.alarm.enabled, false);
  const s = await startSession({ output: output(), events: ['rf:alarm'], statedump: false });
  assert.equal(app.alarm.enabled, true);
  assert.equal(app.tick.enabled, false);
  await s.stop();
  assert.equal(app.alarm.enabled, false);
  off();
  assert.deepEqual(seen, [true, false]);
});
