/**
 * Generated code of the hot path. Two functions per tracepoint:
 *
 * - the function users call (`app.request`), built once at definition time with the exact
 *   arity, whose whole cost when disabled is one load and one branch:
 *       function request(a0, a1, a2, a3) { if (st.on === 0) return; st.impl(a0, a1, a2, a3); }
 *   (bench/node/tracepoint.bench.ts measures it against a swapped function and an empty call);
 *
 * - `impl`, generated for one thread, one session and one event class once its channels and
 *   filters are known: for each channel, the filter closures (compiled by the filter area for
 *   these positional arguments), one clock read written straight into the event header, the
 *   CTF writer's generated serializer (header, contexts, payload) writing into the thread's ring
 *   buffer at its write offset, and the commit, a plain store of the new offset. No allocation, no
 *   bigint, no closure per call; thread constants (vpid, vtid, procname) are literals in the code.
 */
import type { PositionalWriteFunction } from '../ctf/writer/serializer-compiler.js';
import type { MonotonicClock, RingBuffer } from '../ringbuffer/index.js';

/** A tracepoint's shared state: what the user-facing function checks and calls. */
export interface TracepointSwitch {
  /** 0: disabled (the call returns at once); 1: enabled. */
  on: number;
  impl: (...args: unknown[]) => void;
}

const NAME_SAFE = /[^A-Za-z0-9_$]/g;

function params(arity: number): string {
  return Array.from({ length: arity }, (_, i) => `a${i}`).join(', ');
}

/** The function users call. Its `length` is the number of fields. */
export function generateTracepointFunction(
  name: string,
  arity: number,
  st: TracepointSwitch,
): (...args: unknown[]) => void {
  const fname = `tp_${name.replace(NAME_SAFE, '_')}`.slice(0, 100);
  const p = params(arity);
  const src = `"use strict";\nreturn function ${fname}(${p}) {\n  if (st.on === 0) return;\n  st.impl(${p});\n};`;
  return new Function('st', src)(st) as (...args: unknown[]) => void;
}

/** One channel an event goes to, in one thread. */
export interface ChannelTarget {
  readonly rb: RingBuffer;
  readonly write: PositionalWriteFunction;
  /** JavaScript expressions of the common context arguments (literals or calls of `X.*`). */
  readonly contextArgs: readonly string[];
  /** Filter closures taking `(a0, ..., aN-1, X)`; empty: no filter. Any passing one records. */
  readonly filters: readonly ((...args: never[]) => boolean)[];
}

/** Functions the generated code may call through `X` (contexts read per event). */
export interface ContextReaders {
  readonly executionAsyncId: () => number;
  readonly triggerAsyncId: () => number;
  /** UTF-8 length of a string (filters reading a text sequence's length). */
  readonly utf8Length: (s: unknown) => number;
}

export function generateTracepointImpl(
  eventName: string,
  arity: number,
  clock: MonotonicClock,
  targets: readonly ChannelTarget[],
  readers: ContextReaders,
): { impl: (...args: unknown[]) => void; source: string } {
  const p = params(arity);
  const lines: string[] = ['"use strict";'];
  lines.push('const PERF = K.perf, BLO = K.baseLo, BHI = K.baseHi, X = K.readers;');
  targets.forEach((t, k) => {
    lines.push(
      `const RB${k} = K.targets[${k}].rb, CTL${k} = RB${k}.ctl, U8${k} = RB${k}.u8, DV${k} = RB${k}.dv, ST${k} = RB${k}.tsState, W${k} = K.targets[${k}].write;`,
    );
    for (let j = 0; j < t.filters.length; j++)
      lines.push(`const F${k}_${j} = K.targets[${k}].filters[${j}];`);
  });
  const fname = `impl_${eventName.replace(NAME_SAFE, '_')}`.slice(0, 100);
  lines.push(`return function ${fname}(${p}) {`);
  lines.push('  let x = 0, lo = 0, hi = 0, r = 0;');
  const clockRead = 'x = Math.floor(BLO + PERF.now() * 1e6); lo = x >>> 0; hi = BHI + (x - lo) / 4294967296;';
  targets.forEach((t, k) => {
    const args = [...t.contextArgs, ...Array.from({ length: arity }, (_, i) => `a${i}`)].join(', ');
    const call = `W${k}(U8${k}, DV${k}, CTL${k}[0] * 8, CTL${k}[1] * 8, ST${k}, hi, lo${args ? `, ${args}` : ''})`;
    const filterArgs = arity > 0 ? `${p}, X` : 'X';
    const cond = t.filters.map((_f, j) => `F${k}_${j}(${filterArgs})`).join(' || ');
    const ind = cond ? '    ' : '  ';
    if (cond) lines.push(`  if (${cond}) {`);
    lines.push(`${ind}${clockRead}`);
    lines.push(`${ind}r = ${call};`);
    lines.push(`${ind}if (r >= 0) CTL${k}[0] = (r + 7) >>> 3;`);
    // Slow path: hand the packet over, take the next sub-buffer, read the clock again (the new
    // packet's timestamp_begin must not be after the record), retry once.
    lines.push(`${ind}else if (RB${k}.switchForRetry()) {`);
    lines.push(`${ind}  ${clockRead}`);
    lines.push(`${ind}  r = ${call};`);
    lines.push(`${ind}  if (r >= 0) CTL${k}[0] = (r + 7) >>> 3;`);
    lines.push(`${ind}  else RB${k}.countDiscarded();`);
    lines.push(`${ind}}`);
    if (cond) lines.push('  }');
  });
  lines.push('};');
  const source = lines.join('\n');
  const impl = new Function('K', source)({
    perf: performance,
    baseLo: clock.baseLo,
    baseHi: clock.baseHi,
    readers,
    targets,
  }) as (...args: unknown[]) => void;
  return { impl, source };
}

/** Does nothing: the impl of a tracepoint no channel records. */
export function noop(): void {}
