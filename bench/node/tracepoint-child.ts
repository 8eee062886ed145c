/**
 * One measurement of bench/node/tracepoint.bench.ts, in its own process so that no JIT state
 * leaks between cases: `tracepoint-child.js SUBJECT KIND MODE N`.
 *   SUBJECT: ttng | pino | swap (a disabled tracepoint made by swapping the function, for comparison)
 *            | loop (the loop alone)
 *   KIND: int (one int64) | str (int64 + 16-char string) | 4int (four int64)
 *   MODE (ttng): enabled | filtered (filter `v < 0` rejects every event) | nosession | notenabled
 * Prints one JSON line: { nsPerEvent, rssBeforeBytes, rssAfterBytes, bufferBytes, discarded }.
 */
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineProvider, startSession } from '../../src/index.js';

const [subject = 'ttng', kind = 'int', mode = 'enabled', nArg = '5000000'] = process.argv.slice(2);
const N = Number(nArg);
const S16 = 'sixteen-chars-xx';
const SUBBUF = 524288;
const NUM_SUBBUF = 4;

function time(loop: (n: number) => void, n: number): number {
  loop(Math.min(n, 500_000)); // warm-up: let the JIT optimize the call site
  const t0 = process.hrtime.bigint();
  loop(n);
  return Number(process.hrtime.bigint() - t0) / n;
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
          events: [mode === 'notenabled' ? 'other:*' : `bench:ev_${kind}`],
          ...(mode === 'filtered' ? { filter: 'v < 0' } : {}),
          subbufSize: SUBBUF,
          numSubbuf: NUM_SUBBUF,
          statedump: false,
        });
  const nsPerEvent = time(loop, N);
  const rssAfter = process.memoryUsage().rss;
  const r = session ? await session.stop() : null;
  rmSync(out, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      nsPerEvent,
      rssBeforeBytes: rssBefore,
      rssAfterBytes: rssAfter,
      bufferBytes: session ? SUBBUF * NUM_SUBBUF : 0,
      discarded: r ? r.streams.reduce((a, s) => a + s.discarded, 0) : 0,
    }),
  );
}

function swap(): void {
  // The alternative to the flag check: the provider's property is swapped between a no-op and the
  // real function. Measured disabled, against the flag-checked tracepoint (mode nosession).
  const noop = (_v: number): void => {};
  const holder: { ev_int: (v: number) => void } = { ev_int: noop };
  const nsPerEvent = time((n) => {
    for (let i = 0; i < n; i++) holder.ev_int(i);
  }, N);
  console.log(
    JSON.stringify({ nsPerEvent, rssBeforeBytes: 0, rssAfterBytes: 0, bufferBytes: 0, discarded: 0 }),
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
    '4int': (n) => {
      for (let i = 0; i < n; i++) logger.info({ v: i, a: i + 1, b: i + 2, c: i + 3 });
    },
  };
  const nsPerEvent = time(loops[kind]!, N);
  console.log(
    JSON.stringify({ nsPerEvent, rssBeforeBytes: 0, rssAfterBytes: 0, bufferBytes: 0, discarded: 0 }),
  );
}

function loopOnly(): void {
  // The loop alone (no call), as the bench's reference for what a disabled call adds.
  let sink = 0;
  const nsPerEvent = time((n) => {
    for (let i = 0; i < n; i++) sink ^= i;
  }, N);
  console.log(
    JSON.stringify({ nsPerEvent, rssBeforeBytes: 0, rssAfterBytes: 0, bufferBytes: 0, discarded: sink & 0 }),
  );
}

if (subject === 'ttng') await ttng();
else if (subject === 'swap') swap();
else if (subject === 'loop') loopOnly();
else if (subject === 'pino') pino();
else throw new Error(`unknown subject ${subject}`);
