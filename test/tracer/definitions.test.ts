/**
 * Definition-time checks: names, field types, log levels, conflicts. A bad definition throws a
 * TracerError naming the event and field, and registers nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeEventClassDef } from '../../src/tracer/event-class-def.js';
import { normalizeFieldSpec, TypeKind } from '../../src/tracer/field-spec.js';
import { defineProvider, TracerErrorCode } from '../../src/tracer/index.js';
import { parseLogLevel } from '../../src/tracer/log-level.js';

function definitionError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: { code?: string; message: string }) => {
    assert.equal(e.code, TracerErrorCode.Definition, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

test('field types normalize with their sizes, signedness and display bases', () => {
  const i = normalizeFieldSpec('i16', 'x');
  assert.deepEqual(i, { kind: TypeKind.Int, signed: true, sizeBits: 16, base: 10, byteOrder: 'le' });
  assert.equal((normalizeFieldSpec('x32', 'x') as { base: number }).base, 16);
  assert.equal((normalizeFieldSpec({ type: 'u8', base: 2 }, 'x') as { base: number }).base, 2);
  assert.equal(
    (normalizeFieldSpec({ type: 'u32', byteOrder: 'be' }, 'x') as { byteOrder: string }).byteOrder,
    'be',
  );
  assert.deepEqual(normalizeFieldSpec('f32', 'x'), { kind: TypeKind.Float, sizeBits: 32 });
  const seq = normalizeFieldSpec({ type: 'sequence', element: 'u8', lengthType: 'u16' }, 'x') as {
    kind: number;
    lengthType: { sizeBits: number };
  };
  assert.equal(seq.kind, TypeKind.Sequence);
  assert.equal(seq.lengthType.sizeBits, 16);
  assert.equal(normalizeFieldSpec({ type: 'text' }, 'x').kind, TypeKind.DynamicText);
  assert.equal(normalizeFieldSpec({ type: 'text', length: 8 }, 'x').kind, TypeKind.Text);
});

test('bad field types are refused at definition time, naming the event and field', () => {
  definitionError(
    () => makeEventClassDef('p', 'e', { fields: { a: 'int' } }),
    /event "p:e", field "a": unknown field type "int"/,
  );
  definitionError(
    () => makeEventClassDef('p', 'e', { fields: { a: { type: 'u8', base: 3 } } }),
    /display base 3/,
  );
  definitionError(
    () => makeEventClassDef('p', 'e', { fields: { a: { type: 'array', element: 'u8', length: -1 } } }),
    /array length -1/,
  );
  definitionError(
    () =>
      makeEventClassDef('p', 'e', {
        fields: { a: { type: 'array', element: { type: 'sequence', element: 'u8' } } },
      }),
    /cannot be elements/,
  );
  definitionError(
    () =>
      makeEventClassDef('p', 'e', { fields: { a: { type: 'enum', container: 'u8', labels: { A: 300 } } } }),
    /does not fit in u8/,
  );
  definitionError(
    () => makeEventClassDef('p', 'e', { fields: { a: { type: 'enum', labels: {} } } }),
    /at least one label/,
  );
  definitionError(() => makeEventClassDef('p', 'e', { fields: { 'a-b': 'u8' } }), /C identifier/);
  definitionError(
    () =>
      makeEventClassDef('p', 'e', {
        fields: [
          ['a', 'u8'],
          ['a', 'u8'],
        ],
      }),
    /appears twice/,
  );
  definitionError(
    () =>
      makeEventClassDef('p', 'e', { fields: { a: { type: 'sequence', element: 'u8' }, _a_length: 'u8' } }),
    /collides with field "a"/,
  );
  definitionError(() => makeEventClassDef('p', 'bad-name', {}), /C identifier/);
  definitionError(() => makeEventClassDef('p', 'e', { loglevel: 'LOUD' } as never), /log level "LOUD"/);
  definitionError(() => makeEventClassDef('p', 'e', { level: 3 } as never), /unknown property "level"/);
});

test('log levels accept LTTng names, TRACE_ names, CTF 2 names and numbers', () => {
  assert.equal(parseLogLevel('INFO', 'x'), 6);
  assert.equal(parseLogLevel('TRACE_WARNING', 'x'), 4);
  assert.equal(parseLogLevel('debug:line', 'x'), 13);
  assert.equal(parseLogLevel('err', 'x'), 3);
  assert.equal(parseLogLevel(14, 'x'), 14);
  assert.throws(() => parseLogLevel(15, 'x'), /log level 15/);
  const def = makeEventClassDef('p', 'e', {});
  assert.equal(def.logLevel, 13, 'no log level: DEBUG_LINE, as lttng-ust');
});

test('defineProvider returns typed tracepoints that are no-ops while no session is active', () => {
  const app = defineProvider('deftest', {
    request: { loglevel: 'INFO', fields: { url: 'string', status: 'u16', bytes: 'u64', ratio: 'f64' } },
    ordered: {
      fields: [
        ['n', 'i64'],
        ['s', 'string'],
      ],
    },
    empty: {},
  });
  assert.equal(app.providerName, 'deftest');
  assert.equal(app.request.eventName, 'deftest:request');
  assert.equal(app.request.logLevel, 6);
  assert.equal(app.request.length, 4, 'one parameter per field');
  assert.equal(app.request.enabled, false);
  // Disabled: returns at once, whatever the arguments (they are not even looked at).
  app.request('/x', 200, 1n, 0.5);
  app.ordered(1, 'a');
  app.empty();
  // @ts-expect-error: the ordered form types each argument (a string is not an i64).
  app.ordered('x', 'a');
  // @ts-expect-error: the arity is exact.
  app.request('/x');
});

test('the same name defined twice with another definition is refused; the same definition is shared', () => {
  const a = defineProvider('deftwice', { e: { fields: { n: 'u8' } } });
  const b = defineProvider('deftwice', { e: { fields: { n: 'u8' } } });
  assert.equal(a.e.eventName, b.e.eventName);
  assert.throws(
    () => defineProvider('deftwice', { e: { fields: { n: 'u16' } } }),
    (e: { code?: string; message: string }) =>
      e.code === TracerErrorCode.Definition && /already defined/.test(e.message),
  );
});

test('a provider with one bad event registers none of its events', () => {
  assert.throws(() =>
    defineProvider('defatomic', { good: { fields: { n: 'u8' } }, bad: { fields: { n: 'nope' } } } as never),
  );
  // Nothing of "defatomic" was registered: defining "good" differently is allowed.
  defineProvider('defatomic', { good: { fields: { n: 'u32' } } });
});

test('provider and event names are checked', () => {
  definitionError(() => defineProvider('my-app', { e: {} }), /provider name "my-app"/);
  definitionError(() => defineProvider('p', {}), /defines no event/);
  definitionError(() => defineProvider('p', { providerName: {} }), /reserved/);
});
