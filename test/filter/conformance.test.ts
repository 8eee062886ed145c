/**
 * lttng-tools' own filter tests (../shared/conformance/filters): every expression gets the same
 * verdict and error category as lttng-ctl 2.13.9, and every valid expression with an upstream
 * validator matches the events the upstream validator expects, through both the interpreter and
 * the compiled closure.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  compileFilter,
  compileFilterExpression,
  createInterpreter,
  FilterError,
  type FilterEventValues,
  type FilterTarget,
  linkFilter,
  objectTarget,
  validateBytecode,
} from '../../src/filter/index.js';
import { SHARED_DIR } from '../helpers/paths.js';
import {
  blobEvents,
  TEST_FILTER_EVENT_KERNEL,
  THE_STRING_UST,
  TPTEST_BLOB_UST,
  TPTEST_UST,
  theStringEvents,
  tptestEvents,
} from './lttng-test-events.js';

const DIR = join(SHARED_DIR, 'conformance', 'filters');

function readTsv(name: string): string[][] {
  const lines = readFileSync(join(DIR, name), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
  return lines.slice(1).map((l) => l.split('\t'));
}

/** The category lttng-ctl 2.13.9 reported, from the note, and its message when it printed one. */
function expectedRejection(notes: string): { category: string; message?: string } {
  const m = /lttng-2\.13\.9-client=([a-z-]+)(?: \((.*)\))?$/.exec(notes);
  assert.ok(m, `no lttng-2.13.9 verdict in: ${notes}`);
  const [, verdict, text = ''] = m;
  if (verdict === 'rejected-unsupported') {
    const msg = /binary operation '.' not supported/.exec(text)?.[0];
    return { category: 'unsupported', message: msg };
  }
  if (text.includes('syntax error')) return { category: 'syntax' };
  if (text.includes('Generate bytecode error')) return { category: 'too-long' };
  const msg = /\[error\] (.*?)(?: \/ Generate IR error)?$/.exec(text)?.[1];
  if (msg && (msg.includes('globbing patterns') || msg.includes('globbing pattern')))
    return { category: 'globbing', message: msg };
  return { category: 'semantic', message: msg };
}

test('filters.tsv: same verdict, category and message as lttng-ctl', () => {
  const rows = readTsv('filters.tsv');
  let valid = 0;
  let rejected = 0;
  for (const [expr, expected, notes] of rows) {
    if (expected === 'valid') {
      const c = compileFilterExpression(expr!);
      validateBytecode(c.bytecode);
      valid++;
      continue;
    }
    let err: unknown;
    try {
      compileFilterExpression(expr!);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof FilterError, `${JSON.stringify(expr!.slice(0, 80))} should be rejected`);
    const want = expectedRejection(notes!);
    assert.equal(err.category, want.category, `${expr!.slice(0, 80)}: ${err.message}`);
    if (want.message) assert.equal(err.lttngMessage, want.message, expr);
    if (expected === 'unsupported') assert.match(err.message, /not\s+supported/i);
    assert.ok(err.column >= 1 && err.column <= expr!.length + 1, `column ${err.column} of ${expr}`);
    rejected++;
  }
  assert.equal(valid, 387);
  assert.equal(rejected, 51);
});

/** Which of the 100 events (i = 0..99) each upstream validator expects to match. */
const RANGE: Record<string, (i: number) => boolean> = {
  intfield: (i) => i >= 1,
  intfield_gt: (i) => i >= 2,
  intfield_ge: (i) => i >= 1,
  intfield_lt: (i) => i <= 1,
  intfield_le: (i) => i <= 2,
  intfield_eq: (i) => i === 1,
  intfield_ne: (i) => i <= 98,
  intfield_not: (i) => i === 0,
  intfield_gt_and_longfield_gt: (i) => i >= 43,
  intfield_ge_and_longfield_le: (i) => i === 42,
  intfield_lt_or_longfield_gt: (i) => i === 0 || i === 99,
  mixed_str_or_int_and_int: (i) => i >= 34,
  mixed_int_double: (i) => i <= 42,
  true_statement: () => true,
  has_no_event: () => false,
  has_events: () => true,
  stringfield_has_events: () => true,
  blob_has_events: () => true,
  blob_has_no_event: () => false,
};

function setup(domain: string, event: string): { target: FilterTarget; events: FilterEventValues[] } {
  if (event === 'tp:tptest') return { target: TPTEST_UST, events: tptestEvents('ust') };
  if (event === 'lttng_test_filter_event')
    return { target: TEST_FILTER_EVENT_KERNEL, events: tptestEvents('kernel') };
  if (event === 'tp:the_string') return { target: THE_STRING_UST, events: theStringEvents() };
  if (event === 'tp:tptest_blob') return { target: TPTEST_BLOB_UST, events: blobEvents() };
  throw new Error(`no event ${domain} ${event}`);
}

/** Evaluates on every event through the interpreter and the compiled closure; they must agree. */
function matches(expr: string, target: FilterTarget, events: FilterEventValues[]): boolean[] {
  const v = validateBytecode(compileFilterExpression(expr).bytecode);
  const link = linkFilter(v, target);
  const interp = createInterpreter(link);
  const o = objectTarget(target);
  const compiled = compileFilter(linkFilter(v, o.target), o.params).fn as (
    p: unknown,
    c: unknown,
    a: unknown,
  ) => boolean;
  return events.map((ev) => {
    const a = interp(ev);
    const b = compiled(ev.payload, ev.context, ev.appContext);
    assert.equal(
      b,
      a,
      `${expr}: compiled and interpreted differ on ${JSON.stringify(ev.payload, (_, x) => (typeof x === 'bigint' ? `${x}n` : x))}`,
    );
    return a;
  });
}

test('valid-filter-expectations.tsv: the events upstream expects match', () => {
  const rows = readTsv('valid-filter-expectations.tsv');
  let checked = 0;
  for (const [expr, domain, event, validator, expectedText] of rows) {
    if (!event) {
      // Expressions from other tests: check the counts they state.
      const m = /app emits 10 events with intfield=0\.\.9: (\d+) match/.exec(expectedText!);
      if (m) {
        const tenEvents = tptestEvents('ust').slice(0, 10);
        assert.equal(matches(expr!, TPTEST_UST, tenEvents).filter(Boolean).length, Number(m[1]), expr);
        checked++;
      } else if (expectedText === 'always true' || expectedText === 'always false') {
        assert.deepEqual(
          matches(expr!, TPTEST_UST, tptestEvents('ust').slice(0, 1)),
          [expectedText === 'always true'],
          expr,
        );
        checked++;
      } else {
        compileFilterExpression(expr!);
      }
      continue;
    }
    const { target, events } = setup(domain!, event);
    const got = matches(expr!, target, events);
    if (validator === 'str_has_events') {
      assert.ok(got.some(Boolean), `${domain} ${expr}: ${expectedText}`);
    } else if (validator === 'str_has_no_event') {
      assert.ok(!got.some(Boolean), `${domain} ${expr}: ${expectedText}`);
    } else {
      const want = RANGE[validator!];
      assert.ok(want, `validator ${validator}`);
      const wrong = got.map((g, i) => (g === want(i) ? -1 : i)).filter((i) => i >= 0);
      assert.deepEqual(
        wrong,
        [],
        `${domain} ${expr} (${validator}: ${expectedText}): wrong verdict for events i=${wrong.slice(0, 5)}`,
      );
    }
    checked++;
  }
  assert.equal(checked, 375);
});

test('lttng.md §2.6 observed results, on 5 events with my_integer_field = 0..4', () => {
  const target: FilterTarget = {
    payload: [
      { name: 'my_integer_field', type: { kind: 'integer', signed: true, sizeBits: 32 } },
      { name: 'my_hex_field', type: { kind: 'integer', signed: false, sizeBits: 32 } },
      { name: 'my_string_field', type: { kind: 'string' } },
      {
        name: 'my_array',
        type: {
          kind: 'array',
          length: 3,
          element: { kind: 'integer', signed: true, sizeBits: 32 },
          isText: false,
        },
      },
      { name: 'my_double', type: { kind: 'float', sizeBits: 64 } },
      { name: 'my_enum_field', type: { kind: 'enum', signed: true, sizeBits: 32 } },
    ],
    context: [
      { name: 'procname', type: { kind: 'string' } },
      { name: 'vtid', type: { kind: 'integer', signed: true, sizeBits: 32 } },
      { name: 'vpid', type: { kind: 'integer', signed: true, sizeBits: 32 } },
    ],
  };
  const events: FilterEventValues[] = [0, 1, 2, 3, 4].map((i) => ({
    payload: {
      my_integer_field: i,
      my_hex_field: i,
      my_string_field: `hello ${i}`,
      my_array: [0, 1, 2],
      my_double: i + 0.5,
      my_enum_field: i,
    },
    context: { procname: 'hello', vtid: 100, vpid: 100 },
  }));
  const observed: [string, number][] = [
    ['my_string_field == 2', 0],
    ['my_array[5] == 2', 0],
    ['my_array == "x"', 0],
    ['nosuch == 1', 0],
    ['!nosuch', 0],
    ['my_hex_field & 1', 2],
    ['my_integer_field', 4],
    ['my_double == 3.5', 1],
    ['my_enum_field == 2', 1],
    ['$ctx.procname == "hel*"', 5],
    ['$ctx.vtid == $ctx.vpid', 5],
    ['my_string_field == my_string_field', 5],
  ];
  for (const [expr, n] of observed)
    assert.equal(matches(expr, target, events).filter(Boolean).length, n, expr);
});
