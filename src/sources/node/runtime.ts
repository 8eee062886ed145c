/**
 * Node's runtime as a provider, `node:*`: HTTP client and server requests and undici (fetch)
 * requests through diagnostics_channel, garbage collections, event-loop delay, worker threads.
 * Nothing is subscribed, observed or sampled unless the event is enabled: each tracepoint's
 * enable/disable switches its own subscription (undici's `hasSubscribers` then skips its work).
 *
 * GC events come from a PerformanceObserver, which reports after the fact: the record's time is
 * when Node delivered the entry, and `start_ns`/`duration_ns` say when the collection ran (same
 * clock as the record timestamps). `event_loop_delay` summarizes monitorEventLoopDelay's
 * histogram every TTNG_NODE_ELD_INTERVAL_MS (default 1000) milliseconds.
 */
import dc from 'node:diagnostics_channel';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { defineProvider, type Tracepoint } from '../../tracer/provider.js';
import { isTracerThread } from '../../tracer/session.js';
import { performanceOriginNs } from '../../tracer/trace-clock.js';

export const node = defineProvider('node', {
  http_client_request_start: {
    loglevel: 'INFO',
    fields: [
      ['method', 'string'],
      ['host', 'string'],
      ['path', 'string'],
    ],
  },
  http_client_response_finish: {
    loglevel: 'INFO',
    fields: [
      ['method', 'string'],
      ['host', 'string'],
      ['path', 'string'],
      ['status_code', 'u16'],
    ],
  },
  http_server_request_start: {
    loglevel: 'INFO',
    fields: [
      ['method', 'string'],
      ['url', 'string'],
      ['remote_address', 'string'],
      ['remote_port', 'u16'],
    ],
  },
  http_server_response_finish: {
    loglevel: 'INFO',
    fields: [
      ['method', 'string'],
      ['url', 'string'],
      ['status_code', 'u16'],
    ],
  },
  undici_request_create: {
    loglevel: 'INFO',
    fields: [
      ['method', 'string'],
      ['origin', 'string'],
      ['path', 'string'],
    ],
  },
  undici_request_headers: {
    loglevel: 'INFO',
    fields: [
      ['method', 'string'],
      ['origin', 'string'],
      ['path', 'string'],
      ['status_code', 'u16'],
    ],
  },
  undici_request_trailers: {
    loglevel: 'INFO',
    fields: [
      ['method', 'string'],
      ['origin', 'string'],
      ['path', 'string'],
    ],
  },
  undici_request_error: {
    loglevel: 'ERR',
    fields: [
      ['method', 'string'],
      ['origin', 'string'],
      ['path', 'string'],
      ['error', 'string'],
    ],
  },
  gc: {
    loglevel: 'DEBUG_SYSTEM',
    fields: [
      ['kind', { type: 'enum', container: 'u8', labels: { MINOR: 1, MAJOR: 4, INCREMENTAL: 8, WEAKCB: 16 } }],
      ['flags', 'x32'],
      ['start_ns', 'u64'],
      ['duration_ns', 'u64'],
    ],
  },
  event_loop_delay: {
    loglevel: 'DEBUG_SYSTEM',
    fields: [
      ['count', 'u64'],
      ['min_ns', 'u64'],
      ['max_ns', 'u64'],
      ['mean_ns', 'u64'],
      ['stddev_ns', 'u64'],
      ['p50_ns', 'u64'],
      ['p99_ns', 'u64'],
    ],
  },
  worker_start: { loglevel: 'INFO', fields: [['thread_id', 'u32']] },
  worker_exit: {
    loglevel: 'INFO',
    fields: [
      ['thread_id', 'u32'],
      ['exit_code', 'i32'],
    ],
  },
});

/** Runs `start` while the tracepoint is enabled, and the function it returns when it is disabled. */
function whileEnabled(tp: Tracepoint<never>, start: () => () => void): void {
  let stop: (() => void) | null = null;
  const apply = (on: boolean) => {
    if (on && !stop) stop = start();
    else if (!on && stop) {
      stop();
      stop = null;
    }
  };
  tp.onEnabledChange(apply);
  apply(tp.enabled);
}

function subscribe(channel: string, onMessage: (m: never) => void): () => void {
  const fn = onMessage as unknown as (m: unknown, name: string | symbol) => void;
  dc.subscribe(channel, fn);
  return () => dc.unsubscribe(channel, fn);
}

const str = (v: unknown): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
const u16 = (v: unknown): number => (typeof v === 'number' && v >= 0 && v <= 65535 ? v : 0);

interface ClientRequest {
  method?: string;
  host?: string;
  path?: string;
}
interface IncomingMessage {
  method?: string;
  url?: string;
  socket?: { remoteAddress?: string; remotePort?: number };
}
interface UndiciRequest {
  method?: string;
  origin?: string;
  path?: string;
}

whileEnabled(node.http_client_request_start, () =>
  subscribe('http.client.request.start', (m: { request: ClientRequest }) =>
    node.http_client_request_start(str(m.request.method), str(m.request.host), str(m.request.path)),
  ),
);
whileEnabled(node.http_client_response_finish, () =>
  subscribe(
    'http.client.response.finish',
    (m: { request: ClientRequest; response: { statusCode?: number } }) =>
      node.http_client_response_finish(
        str(m.request.method),
        str(m.request.host),
        str(m.request.path),
        u16(m.response.statusCode),
      ),
  ),
);
whileEnabled(node.http_server_request_start, () =>
  subscribe('http.server.request.start', (m: { request: IncomingMessage }) =>
    node.http_server_request_start(
      str(m.request.method),
      str(m.request.url),
      str(m.request.socket?.remoteAddress),
      u16(m.request.socket?.remotePort),
    ),
  ),
);
whileEnabled(node.http_server_response_finish, () =>
  subscribe(
    'http.server.response.finish',
    (m: { request: IncomingMessage; response: { statusCode?: number } }) =>
      node.http_server_response_finish(str(m.request.method), str(m.request.url), u16(m.response.statusCode)),
  ),
);
whileEnabled(node.undici_request_create, () =>
  subscribe('undici:request:create', (m: { request: UndiciRequest }) =>
    node.undici_request_create(str(m.request.method), str(m.request.origin), str(m.request.path)),
  ),
);
whileEnabled(node.undici_request_headers, () =>
  subscribe('undici:request:headers', (m: { request: UndiciRequest; response: { statusCode?: number } }) =>
    node.undici_request_headers(
      str(m.request.method),
      str(m.request.origin),
      str(m.request.path),
      u16(m.response.statusCode),
    ),
  ),
);
whileEnabled(node.undici_request_trailers, () =>
  subscribe('undici:request:trailers', (m: { request: UndiciRequest }) =>
    node.undici_request_trailers(str(m.request.method), str(m.request.origin), str(m.request.path)),
  ),
);
whileEnabled(node.undici_request_error, () =>
  subscribe('undici:request:error', (m: { request: UndiciRequest; error?: { message?: string } }) =>
    node.undici_request_error(
      str(m.request.method),
      str(m.request.origin),
      str(m.request.path),
      str(m.error?.message),
    ),
  ),
);

whileEnabled(node.gc, () => {
  const base = Number(performanceOriginNs());
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const d = (e as { detail?: { kind?: number; flags?: number } }).detail;
      const startNs = BigInt(Math.round(base + e.startTime * 1e6));
      node.gc(d?.kind ?? 0, d?.flags ?? 0, startNs, Math.round(e.duration * 1e6));
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  return () => obs.disconnect();
});

whileEnabled(node.event_loop_delay, () => {
  const intervalMs = Math.max(10, Number(process.env.TTNG_NODE_ELD_INTERVAL_MS) || 1000);
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const t = setInterval(() => {
    if (h.count > 0) {
      node.event_loop_delay(
        h.count,
        h.min,
        h.max,
        Math.round(h.mean),
        Math.round(h.stddev),
        h.percentile(50),
        h.percentile(99),
      );
    }
    h.reset();
  }, intervalMs);
  t.unref();
  return () => {
    clearInterval(t);
    h.disable();
  };
});

const onWorker = (w: Worker): void => {
  const id = w.threadId;
  if (isTracerThread(id)) return;
  if (node.worker_start.enabled) node.worker_start(id);
  w.once('exit', (code: number) => {
    if (node.worker_exit.enabled) node.worker_exit(id, code);
  });
};
let workerListeners = 0;
const watchWorkers = (): (() => void) => {
  if (workerListeners++ === 0) process.on('worker', onWorker);
  return () => {
    if (--workerListeners === 0) process.removeListener('worker', onWorker);
  };
};
whileEnabled(node.worker_start, watchWorkers);
whileEnabled(node.worker_exit, watchWorkers);
