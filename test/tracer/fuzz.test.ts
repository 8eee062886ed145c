/**
 * Fuzz tests of the tracer's parsers (tracepoint definitions, session options and their
 * environment form, sizes, globs), seeded by a saved corpus (test/data/tracer/fuzz-corpus) and
 * mutated by fast-check: every input is accepted, or refused with a TracerError, never anything
 * else (no TypeError, no hang); what is accepted is normalized consistently.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { TracerError } from '../../src/tracer/errors.js';
import { makeEventClassDef } from '../../src/tracer/event-class-def.js';
import { starGlobMatch } from '../../src/tracer/event-rule.js';
import {
  normalizeSessionOptions,
  parseSize,
  sessionOptionsFromEnv,
  splitNames,
} from '../../src/tracer/session-config.js';
import { REPO_ROOT } from '../helpers/paths.js';

const CORPUS = join(REPO_ROOT, 'test', 'data', 'tracer', 'fuzz-corpus');
const corpus = <T>(name: string): T[] => JSON.parse(readFileSync(join(CORPUS, name), 'utf8')) as T[];

function acceptsOrTracerError(fn: () => unknown): 'ok' | 'refused' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (!(e instanceof TracerError))
      throw new Error(`not a TracerError: ${(e as Error)?.stack ?? String(e)}`);
    assert.match(e.code, /^TTNG_E_TRACER_/);
    return 'refused';
  }
}

/** Arbitrary JSON-like values biased towards the shapes the parsers look at. */
const leaf = fc.oneof(
  fc.constantFrom(
    'i8',
    'u16',
    'x64',
    'f32',
    'string',
    'enum',
    'array',
    'sequence',
    'text',
    'u7',
    '',
    'vpid',
    'INFO',
    '*',
  ),
  fc.integer({ min: -5, max: 70000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt({ min: -(1n << 65n), max: 1n << 65n }),
  fc.string({ maxLength: 6 }),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(
      fc.constantFrom(
        'type',
        'element',
        'length',
        'lengthType',
        'labels',
        'container',
        'base',
        'byteOrder',
        'fields',
        'loglevel',
        'name',
        'a',
        'b',
        'A',
      ),
      tie('v'),
      { maxKeys: 5 },
    ),
  ),
})).v;

/** Replaces one random path of a corpus entry with an arbitrary value. */
function mutate(seed: unknown, path: number[], replacement: unknown): unknown {
  if (seed === null || typeof seed !== 'object' || path.length === 0) return replacement;
  const keys = Object.keys(seed);
  if (keys.length === 0) return replacement;
  const k = keys[path[0]! % keys.length]!;
  const copy: Record<string, unknown> = Array.isArray(seed) ? ([...seed] as never) : { ...(seed as object) };
  copy[k] = mutate((seed as Record<string, unknown>)[k], path.slice(1), replacement);
  return copy;
}

test('definitions: the corpus, then mutations of it, are accepted or refused with a TracerError', () => {
  const seeds = corpus<unknown>('definitions.json');
  const verdicts = seeds.map((d) => acceptsOrTracerError(() => makeEventClassDef('fz', 'e', d as never)));
  assert.ok(
    verdicts.includes('ok') && verdicts.includes('refused'),
    'the corpus has valid and invalid entries',
  );
  fc.assert(
    fc.property(fc.nat(seeds.length - 1), fc.array(fc.nat(10), { maxLength: 5 }), value, (i, path, v) => {
      acceptsOrTracerError(() => makeEventClassDef('fz', 'e', mutate(seeds[i], path, v) as never));
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(value, (v) => {
      acceptsOrTracerError(() => makeEventClassDef('fz', 'e', v as never));
    }),
    { numRuns: 1000 },
  );
});

test('session options: the corpus, then mutations of it, are accepted or refused with a TracerError', () => {
  const seeds = corpus<unknown>('session-options.json');
  const verdicts = seeds.map((o) => acceptsOrTracerError(() => normalizeSessionOptions(o as never)));
  assert.ok(verdicts.includes('ok') && verdicts.includes('refused'));
  fc.assert(
    fc.property(fc.nat(seeds.length - 1), fc.array(fc.nat(10), { maxLength: 4 }), value, (i, path, v) => {
      acceptsOrTracerError(() => normalizeSessionOptions(mutate(seeds[i], path, v) as never));
    }),
    { numRuns: 3000 },
  );
});

test('environment form, sizes and name lists never fail with anything but a TracerError', () => {
  const envKey = fc.constantFrom(
    'TTNG_EVENTS',
    'TTNG_OUTPUT',
    'TTNG_FILTER_X',
    'TTNG_LOGLEVEL',
    'TTNG_CONTEXTS',
    'TTNG_MODE',
    'TTNG_SUBBUF_SIZE',
    'TTNG_NUM_SUBBUF',
    'TTNG_SWITCH_TIMER_US',
    'TTNG_SNAPSHOT',
    'TTNG_EXCLUDE',
  );
  fc.assert(
    fc.property(fc.dictionary(envKey, fc.string({ maxLength: 12 }), { maxKeys: 6 }), (env) => {
      const o = sessionOptionsFromEnv(env);
      if (o) acceptsOrTracerError(() => normalizeSessionOptions(o));
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 10 }), fc.double(), fc.integer()), (v) => {
      if (acceptsOrTracerError(() => parseSize(v, 'x')) === 'ok') {
        const n = parseSize(v, 'x');
        assert.ok(
          n >= 4096 && (n & (n - 1)) === 0,
          `${String(v)} -> ${n} is a power of two, at least a page`,
        );
      }
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('a', ',', '\\', ' ', '*'), maxLength: 16 }), (s) => {
      for (const part of splitNames(s)) assert.equal(part, part.trim());
    }),
  );
});

test('globs: the corpus matches as recorded, and matching never throws or loops', () => {
  const seeds = corpus<[string, string]>('globs.json');
  const expected = [true, true, false, true, true, true, true, true];
  seeds.forEach(([p, t], i) => {
    assert.equal(starGlobMatch(p, t), expected[i], `${p} vs ${t}`);
  });
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 200 }), (p, t) => {
      assert.equal(typeof starGlobMatch(p, t), 'boolean');
    }),
    { numRuns: 3000 },
  );
});
