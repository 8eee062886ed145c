/**
 * One measurement of bench/node/tracepoint.bench.ts, in its own process so that no JIT state
 * leaks between cases: `tracepoint-child.js SUBJECT KIND MODE N`.
 *   SUBJECT: ttng | pino | swap (a disabled tracepoint made by swapping the function, for comparison)
 *            | loop (the same loop calling an empty function: the loop's own cost)
 *   KIND: int (one int64) | str (int64 + 16-char string) | strvar (the same with one of 1024
 *         different 16-char strings each time, differing in their last characters: the worst
 *         case for the string fields' cache, see CStringCache) | 4int (four int64)
 *   MODE (ttng): enabled | filtered (filter `v < 0` rejects every event) | nosession | notenabled
 * Prints one JSON line: { nsPerEvent, cpuNsPerEvent, rssBeforeBytes, rssAfterBytes, bufferBytes,
 * discarded }. `nsPerEvent` is wall time; `cpuNsPerEvent` the calling thread's CPU time
 * (/proc/thread-self/schedstat, as the LTTng-UST harness's CLOCK_THREAD_CPUTIME_ID figure), or
 * null where unavailable: on a shared machine it leaves out the time the thread waited for a CPU.
 */
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineProvider, startSession } from '../../src/index.js';

const [subject = 'ttng', kind = 'int', mode = 'enabled', nArg = '5000000'] = process.argv.slice(2);
const N = Number(nArg);
const S16 = 'sixteen-chars-xx';
// Built once (no allocation in the loop); through JSON.parse, so flat strings, as parsed input.
const S16S = JSON.parse(
  JSON.stringify(Array.from({ length: 1024 }, (_, i) => `sixteen-char${String(i).padStart(4, '0')}`)),
) as string[];
const SUBBUF = 524288;
const NUM_SUBBUF = 4;

/** CPU time of the calling thread in ns, or null. */
function threadCpuNs(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
}

interface Timing {
  nsPerEvent: number;
  cpuNsPerEvent: number | null;
}

function time(loop: (n: number) => void, n: number): Timing {
  loop(Math.min(n, 500_000)); // warm-up: let the JIT optimize the call site
  const c0 = threadCpuNs();
  const t0 = process.hrtime.bigint();
  loop(n);
  const t1 = process.hrtime.bigint();
  const c1 = threadCpuNs();
  return {
    nsPerEvent: Number(t1 - t0) / n,
    cpuNsPerEvent: c0 !== null && c1 !== null && c1 > 0 ? (c1 - c0) / n : null,
  };
}

function report(t: Timing, extra: Partial<Record<string, number>> = {}): void {
  console.log(
    JSON.stringify({ ...t, rssBeforeBytes: 0, rssAfterBytes: 0, bufferBytes: 0, discarded: 0, ...extra }),
  );
}

async function ttng(): Promise<void> {
  const b = defineProvider('bench', {
    ev_int: { fields: [['v', 'i64']] },
    ev_str: {
      fields: [
        ['v', 'i64'],
        ['s', 'string'],
      ],
    },
    ev_4int: {
      fields: [
        ['v', 'i64'],
        ['a', 'i64'],
        ['b', 'i64'],
        ['c', 'i64'],
      ],
    },
  });
  const loops: Record<string, (n: number) => void> = {
    int: (n) => {
      for (let i = 0; i < n; i++) b.ev_int(i);
    },
    str: (n) => {
      for (let i = 0; i < n; i++) b.ev_str(i, S16);
    },
    strvar: (n) => {
      for (let i = 0; i < n; i++) b.ev_str(i, S16S[i & 1023]);
    },
    '4int': (n) => {
      for (let i = 0; i < n; i++) b.ev_4int(i, i + 1, i + 2, i + 3);
    },
  };
  const loop = loops[kind]!;
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const out = join(tmpdir(), `ttng-bench-${process.pid}`);
  const session =
    mode === 'nosession'
      ? null
      : await startSession({
          output: out,
          events: [mode === 'notenabled' ? 'other:*' : `bench:ev_${kind === 'strvar' ? 'str' : kind}`],
          ...(mode === 'filtered' ? { filter: 'v < 0' } : {}),
          subbufSize: SUBBUF,
          numSubbuf: NUM_SUBBUF,
          statedump: false,
        });
  const t = time(loop, N);
  const rssAfter = process.memoryUsage().rss;
  const r = session ? await session.stop() : null;
  rmSync(out, { recursive: true, force: true });
  report(t, {
    rssBeforeBytes: rssBefore,
    rssAfterBytes: rssAfter,
    bufferBytes: session ? SUBBUF * NUM_SUBBUF : 0,
    discarded: r ? r.streams.reduce((a, s) => a + s.discarded, 0) : 0,
  });
}

function swap(): void {
  // The alternative to the flag check: the provider's property is swapped between a no-op and the
  // real function. Measured disabled, against the flag-checked tracepoint (mode nosession).
  const noop = (_v: number): void => {};
  const holder: { ev_int: (v: number) => void } = { ev_int: noop };
  report(
    time((n) => {
      for (let i = 0; i < n; i++) holder.ev_int(i);
    }, N),
  );
}

function pino(): void {
  // pino is a devDependency used only here.
  const require = createRequire(import.meta.url);
  let pinoFactory: ((opts: object, dest: unknown) => { info: (o: object) => void }) & {
    destination: (d: string) => unknown;
  };
  try {
    pinoFactory = require('pino');
  } catch {
    console.log(JSON.stringify({ unavailable: 'pino is not installed (npm i -D pino)' }));
    return;
  }
  const logger = pinoFactory({}, pinoFactory.destination('/dev/null'));
  const loops: Record<string, (n: number) => void> = {
    int: (n) => {
      for (let i = 0; i < n; i++) logger.info({ v: i });
    },
    str: (n) => {
      for (let i = 0; i < n; i++) logger.info({ v: i, s: S16 });
    },
    strvar: (n) => {
      for (let i = 0; i < n; i++) logger.info({ v: i, s: S16S[i & 1023] });
    },
    '4int': (n) => {
      for (let i = 0; i < n; i++) logger.info({ v: i, a: i + 1, b: i + 2, c: i + 3 });
    },
  };
  report(time(loops[kind]!, N));
}

function loopOnly(): void {
  // The loop alone, as the tracepoint loops are written (`for (let i = 0; i < n; i++) f(i)`) with
  // an empty function for `f`: what the loop costs by itself, the JavaScript counterpart of the
  // LTTng-UST harness's `empty` loop. A disabled tracepoint costs its loop's time minus this.
  const empty = (_v: number): void => {};
  report(
    time((n) => {
      for (let i = 0; i < n; i++) empty(i);
    }, N),
  );
}

if (subject === 'ttng') await ttng();
else if (subject === 'swap') swap();
else if (subject === 'loop') loopOnly();
else if (subject === 'pino') pino();
else throw new Error(`unknown subject ${subject}`);
