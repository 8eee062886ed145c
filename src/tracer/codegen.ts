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
 *   these positional arguments), one clock read (process.hrtime.bigint() split into two u32
 *   words through a BigUint64Array) passed straight to the event header writer, the
 *   CTF writer's generated serializer (header, contexts, payload) writing into the thread's ring
 *   buffer at its write offset, and the commit, a plain store of the new offset. No allocation, no
 *   bigint arithmetic, no closure per call; thread constants (vpid, vtid, procname) are literals
 *   in the code.
 */
import type { PositionalWriteFunction } from '../ctf/writer/serializer-compiler.js';
import { CLOCK_HI_WORD, CLOCK_LO_WORD, type MonotonicClock, type RingBuffer } from '../ringbuffer/index.js';

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
  // `var`, not `const`: closure reads of a `const` carry a hole check, bytecode that counts against
  // V8's inlining budget (the whole tracepoint is inlined: bench/node/tracepoint.bench.ts).
  lines.push('var CLK = K.clock.readNs, S64 = K.clock.s64, S32 = K.clock.s32, X = K.readers;');
  targets.forEach((t, k) => {
    lines.push(
      `var RB${k} = K.targets[${k}].rb, CTL${k} = RB${k}.ctl, U8${k} = RB${k}.u8, DV${k} = RB${k}.dv, ST${k} = RB${k}.tsState, W${k} = K.targets[${k}].write;`,
    );
    for (let j = 0; j < t.filters.length; j++) lines.push(`var F${k}_${j} = K.targets[${k}].filters[${j}];`);
  });
  const fname = `impl_${eventName.replace(NAME_SAFE, '_')}`.slice(0, 100);
  // The clock read, straight into the record: the bigint goes into a BigUint64Array and comes out
  // as two u32 words, no bigint arithmetic, no allocation (bench/node/clock.bench.ts:
  // process.hrtime.bigint() this way costs ~25 ns less than performance.now() and its ns
  // conversion; bench/node/tracepoint.bench.ts, "one int64").
  const clockRead = 'S64[0] = CLK();';
  const ts = `S32[${CLOCK_HI_WORD}], S32[${CLOCK_LO_WORD}]`;
  const calls = targets.map((t, k) => {
    const args = [...t.contextArgs, ...Array.from({ length: arity }, (_, i) => `a${i}`)].join(', ');
    return `W${k}(U8${k}, DV${k}, CTL${k}[0] * 8, CTL${k}[1] * 8, ST${k}, ${ts}${args ? `, ${args}` : ''})`;
  });
  // Slow path, out of line so that the fast path stays small enough for V8 to inline the whole
  // tracepoint (bench/node/tracepoint.bench.ts): hand the packet over, take the next sub-buffer,
  // read the clock again (the new packet's timestamp_begin must not be after the record), retry
  // once.
  targets.forEach((_t, k) => {
    lines.push(`var SLOW${k} = function ${fname}_switch${k}(${p}) {`);
    lines.push(`  if (!RB${k}.switchForRetry()) return;`);
    lines.push(`  ${clockRead}`);
    lines.push(`  const r = ${calls[k]};`);
    lines.push(`  if (r >= 0) CTL${k}[0] = (r + 7) >>> 3;`);
    lines.push(`  else RB${k}.countDiscarded();`);
    lines.push('};');
  });
  lines.push(`return function ${fname}(${p}) {`);
  targets.forEach((t, k) => {
    const filterArgs = arity > 0 ? `${p}, X` : 'X';
    const cond = t.filters.map((_f, j) => `F${k}_${j}(${filterArgs})`).join(' || ');
    const ind = cond ? '    ' : '  ';
    if (cond) lines.push(`  if (${cond}) {`);
    lines.push(`${ind}${clockRead}`);
    lines.push(`${ind}const r${k} = ${calls[k]};`);
    // The commit: a plain store of the new write offset (one producer per ring buffer).
    lines.push(`${ind}if (r${k} >= 0) CTL${k}[0] = (r${k} + 7) >>> 3;`);
    lines.push(`${ind}else SLOW${k}(${p});`);
    if (cond) lines.push('  }');
  });
  lines.push('};');
  const source = lines.join('\n');
  const impl = new Function('K', source)({ clock, readers, targets }) as (...args: unknown[]) => void;
  return { impl, source };
}

/** Does nothing: the impl of a tracepoint no channel records. */
export function noop(): void {}
