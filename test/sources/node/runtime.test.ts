/**
 * The `node:*` provider (HTTP client/server, undici, GC, event-loop delay, workers), `log()`
 * (tracelog) and the state dump, recorded by a real session and read by babeltrace2. Also: the
 * diagnostics channels are subscribed only while their events are enabled.
 */
import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import http from 'node:http';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { log, startSession } from '../../../src/index.js';
import { babeltrace2, countByName, removeDir, tempDir } from '../../tracer/helpers.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));
function output(): string {
  const d = tempDir('node-src');
  dirs.push(d);
  return d;
}

test('http, undici, gc, event-loop delay and worker events, only subscribed while enabled', async () => {
  assert.equal(dc.hasSubscribers('http.server.request.start'), false);
  assert.equal(dc.hasSubscribers('undici:request:create'), false);
  process.env.TTNG_NODE_ELD_INTERVAL_MS = '50';
  const out = output();
  const s = await startSession({ output: out, events: ['node:*'], statedump: false });
  assert.equal(dc.hasSubscribers('http.server.request.start'), true);
  const server = http.createServer((_req, res) => res.end('hi'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) =>
    http.get(`http://127.0.0.1:${port}/x?y=1`, (res) => res.resume().on('end', r)),
  );
  await (await fetch(`http://127.0.0.1:${port}/f`)).text();
  server.close();
  // The port of the closed server: nothing listens there any more.
  await fetch(`http://127.0.0.1:${port}/refused`).catch(() => undefined);
  const w = new Worker('require("node:worker_threads").parentPort.postMessage(1)', { eval: true });
  const workerThreadId = w.threadId;
  await new Promise((r) => w.once('exit', r));
  // Garbage and a blocked loop, so gc and event_loop_delay have something to report.
  let junk: unknown[] = [];
  for (let i = 0; i < 200_000; i++) junk.push({ i });
  junk = [];
  const end = Date.now() + 30;
  while (Date.now() < end);
  await new Promise((r) => setTimeout(r, 150));
  await s.stop();
  assert.equal(dc.hasSubscribers('http.server.request.start'), false, 'unsubscribed after the session');
  assert.equal(dc.hasSubscribers('undici:request:create'), false);
  const bt = babeltrace2(out, ['--no-delta']);
  assert.equal(bt.status, 0, bt.stderr);
  assert.equal(bt.stderr, '');
  const c = countByName(bt.events);
  for (const name of [
    'node:http_client_request_start',
    'node:http_client_response_finish',
    'node:http_server_request_start',
    'node:http_server_response_finish',
    'node:undici_request_create',
    'node:undici_request_headers',
    'node:undici_request_error',
    'node:worker_start',
    'node:worker_exit',
    'node:event_loop_delay',
  ]) {
    assert.ok(c[name]! >= 1, `${name} recorded (${JSON.stringify(c)})`);
  }
  const line = (name: string) => bt.events.find((e) => e.startsWith(`${name}: `))!;
  // babeltrace2 escapes "?" in strings (C trigraph safety): /x?y=1 prints as /x\?y=1.
  assert.equal(
    line('node:http_client_request_start'),
    'node:http_client_request_start: { method = "GET", host = "127.0.0.1", path = "/x\\?y=1" }',
  );
  assert.match(
    line('node:http_server_request_start'),
    /^node:http_server_request_start: \{ method = "GET", url = "\/x\\\?y=1", remote_address = "127\.0\.0\.1", remote_port = \d+ \}$/,
  );
  assert.equal(
    line('node:http_server_response_finish'),
    'node:http_server_response_finish: { method = "GET", url = "/x\\?y=1", status_code = 200 }',
  );
  assert.equal(
    line('node:undici_request_headers'),
    `node:undici_request_headers: { method = "GET", origin = "http://127.0.0.1:${port}", path = "/f", status_code = 200 }`,
  );
  // The program's worker only: the tracer's own consumer thread is not reported.
  assert.equal(c['node:worker_start'], 1);
  assert.equal(line('node:worker_start'), `node:worker_start: { thread_id = ${workerThreadId} }`);
  assert.equal(
    line('node:worker_exit'),
    `node:worker_exit: { thread_id = ${workerThreadId}, exit_code = 0 }`,
  );
  assert.match(
    line('node:event_loop_delay'),
    /^node:event_loop_delay: \{ count = \d+, min_ns = \d+, max_ns = \d+,/,
  );
});

test("log(level, message): lttng-ust tracelog events with the caller's file and line", async () => {
  const out = output();
  const s = await startSession({
    output: out,
    events: ['lttng_ust_tracelog:*'],
    loglevel: 'WARNING',
    statedump: false,
  });
  log('WARNING', 'disk almost full');
  log('TRACE_ERR', 'disk full ✗');
  log('INFO', 'not recorded: less severe than WARNING');
  await s.stop();
  const bt = babeltrace2(out, ['--no-delta']);
  assert.equal(bt.status, 0, bt.stderr);
  assert.equal(bt.stderr, '');
  assert.equal(bt.events.length, 2);
  assert.match(
    bt.events[0]!,
    /^lttng_ust_tracelog:LTTNG_UST_TRACEPOINT_LOGLEVEL_WARNING: \{ line = \d+, file = "[^"]*runtime\.test\.js", func = "[^"]*", _msg_length = 16, msg = "disk almost full" \}$/,
  );
  assert.match(bt.events[1]!, /LOGLEVEL_ERR: .* _msg_length = 13, msg = "disk full ✗" \}$/);
  assert.throws(() => log('LOUD' as never, 'x'), /log level "LOUD"/);
});

test('state dump at session start: procname, mapped objects with build ids, then end', async () => {
  const out = output();
  const s = await startSession({ output: out, events: ['lttng_ust_statedump:*'] });
  await s.stop();
  const bt = babeltrace2(out, ['--no-delta']);
  assert.equal(bt.status, 0, bt.stderr);
  assert.equal(bt.stderr, '');
  assert.match(bt.events[0]!, /^lttng_ust_statedump:start: /);
  assert.match(bt.events.at(-1)!, /^lttng_ust_statedump:end: /);
  assert.ok(bt.events.some((e) => /^lttng_ust_statedump:procname: \{ procname = "[^"]+" \}$/.test(e)));
  const node = bt.events.find((e) => e.includes(`path = "${process.execPath}"`));
  assert.ok(node, 'the node executable is in the state dump');
  assert.match(
    node,
    /bin_info: \{ baddr = 0x[0-9A-F]+, memsz = \d+, path = "[^"]+", is_pic = [01], has_build_id = [01], has_debug_link = [01] \}/,
  );
  assert.ok(bt.events.some((e) => e.startsWith('lttng_ust_statedump:build_id: ')));
});
