/** Event rules (globs, exclusions, log levels), session options, the environment form. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TracerErrorCode } from '../../src/tracer/errors.js';
import {
  eventRuleMatches,
  LogLevelRuleType,
  normalizeEventRule,
  selectChannels,
  starGlobMatch,
} from '../../src/tracer/event-rule.js';
import {
  normalizeSessionOptions,
  parseSize,
  sessionOptionsFromEnv,
  splitNames,
} from '../../src/tracer/session-config.js';

/** Reference: the glob as a regular expression. */
function globRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '*') re += '.*';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

test('star globs: * matches anything anywhere, \\* is a star', () => {
  assert.ok(starGlobMatch('myapp:*', 'myapp:request'));
  assert.ok(starGlobMatch('*', 'node:gc'));
  assert.ok(starGlobMatch('*:re*st', 'myapp:request'));
  assert.ok(!starGlobMatch('myapp:*', 'other:request'));
  assert.ok(starGlobMatch('a\\*b', 'a*b'));
  assert.ok(!starGlobMatch('a\\*b', 'axb'));
  assert.ok(starGlobMatch('*issip*ss*', 'mississipissippi'));
  assert.ok(!starGlobMatch('*12*23', 'a12b12'));
});

test('property: star globs agree with the equivalent regular expression', () => {
  const alphabet = fc.constantFrom('a', 'b', ':', '*', '\\');
  fc.assert(
    fc.property(
      fc.string({ unit: alphabet, maxLength: 8 }),
      fc.string({ unit: fc.constantFrom('a', 'b', ':', '*'), maxLength: 10 }),
      (p, t) => {
        assert.equal(
          starGlobMatch(p, t),
          globRegex(p).test(t),
          `${JSON.stringify(p)} vs ${JSON.stringify(t)}`,
        );
      },
    ),
    { numRuns: 3000 },
  );
});

test('log level conditions: range is "at least as severe", single is exact', () => {
  const range = normalizeEventRule({ name: '*', loglevel: 'WARNING' }, 'r');
  assert.equal(range.logLevelType, LogLevelRuleType.Range);
  assert.ok(eventRuleMatches(range, 'p:e', 3));
  assert.ok(eventRuleMatches(range, 'p:e', 4));
  assert.ok(!eventRuleMatches(range, 'p:e', 6));
  const single = normalizeEventRule({ name: '*', loglevelOnly: 'TRACE_INFO' }, 'r');
  assert.ok(eventRuleMatches(single, 'p:e', 6));
  assert.ok(!eventRuleMatches(single, 'p:e', 4));
});

test('exclusions need a glob and cannot exclude everything', () => {
  const r = normalizeEventRule({ name: 'app:*', exclude: ['app:tick*'] }, 'r');
  assert.ok(eventRuleMatches(r, 'app:request', 13));
  assert.ok(!eventRuleMatches(r, 'app:tick', 13));
  assert.throws(() => normalizeEventRule({ name: 'app:e', exclude: ['x'] }, 'r'), /need a glob name/);
  assert.throws(() => normalizeEventRule({ name: 'app:*', exclude: ['app:*'] }, 'r'), /excludes every event/);
});

test('channels: an event is recorded once per channel; a rule without filter lifts the filters', () => {
  const rules = [
    normalizeEventRule({ name: 'a:*', filter: 'x > 1' }, 'r'),
    normalizeEventRule({ name: 'a:e', filter: 'y == 2' }, 'r'),
    normalizeEventRule({ name: 'a:e', channel: 'other' }, 'r'),
    normalizeEventRule({ name: 'b:*' }, 'r'),
  ];
  assert.deepEqual(selectChannels(rules, 'a:e', 13), [
    { channel: 'channel0', filters: ['x > 1', 'y == 2'] },
    { channel: 'other', filters: [] },
  ]);
  assert.deepEqual(selectChannels(rules, 'c:e', 13), []);
  const both = [
    normalizeEventRule({ name: 'a:*', filter: 'x > 1' }, 'r'),
    normalizeEventRule({ name: 'a:e' }, 'r'),
  ];
  assert.deepEqual(selectChannels(both, 'a:e', 13), [{ channel: 'channel0', filters: [] }]);
});

test('sizes round up to powers of two, at least a page; bad ones are refused', () => {
  assert.equal(parseSize(262144, 'x'), 262144);
  assert.equal(parseSize('256k', 'x'), 262144);
  assert.equal(parseSize('1M', 'x'), 1048576);
  assert.equal(parseSize(5000, 'x'), 8192);
  assert.equal(parseSize(100, 'x'), 4096);
  assert.throws(() => parseSize('12q', 'x'), /not a number with an optional k, M or G suffix/);
  assert.throws(() => parseSize(-1, 'x'), /not positive/);
});

test('session options: defaults, channels, snapshot mode, and clear errors', () => {
  const n = normalizeSessionOptions({
    events: ['myapp:*'],
    filter: 'n > 3',
    contexts: ['vpid', 'vtid'],
    numSubbuf: 3,
  });
  assert.equal(n.channels.length, 1);
  assert.equal(n.channels[0]!.name, 'channel0');
  assert.equal(n.channels[0]!.numSubbuf, 4);
  assert.equal(n.channels[0]!.subbufSizeBytes, 262144);
  assert.deepEqual(n.channels[0]!.contexts, ['vpid', 'vtid']);
  assert.equal(n.rules[0]!.filter, 'n > 3');
  assert.equal(normalizeSessionOptions({}).rules[0]!.name, '*');
  assert.equal(normalizeSessionOptions({ snapshot: true }).channels[0]!.mode, 1);
  const bad: [unknown, RegExp][] = [
    [{ mode: 'fast' }, /mode "fast"/],
    [{ contexts: ['pid'] }, /unknown context "pid"/],
    [{ colour: 1 }, /unknown session option "colour"/],
    [{ snapshot: true, mode: 'discard' }, /overwrite mode only/],
    [{ channels: [{ name: 'a' }], contexts: ['vpid'] }, /inside each channel/],
    [{ events: [{ name: 'x', channel: 'nope' }] }, /channel "nope" is not one of/],
    [{ name: 'a/b' }, /contains "\/"/],
    [{ subbufSize: '1G', numSubbuf: 8 }, /more than 255 MiB/],
  ];
  for (const [o, re] of bad) {
    assert.throws(
      () => normalizeSessionOptions(o as never),
      (e: { code?: string; message: string }) => e.code === TracerErrorCode.Config && re.test(e.message),
      String(re),
    );
  }
});

test('environment: TTNG_EVENTS and friends, with LTTng\'s "\\," escape', () => {
  assert.equal(sessionOptionsFromEnv({}), null);
  const o = sessionOptionsFromEnv({
    TTNG_EVENTS: 'myapp:*,node:*',
    TTNG_OUTPUT: '/tmp/x',
    TTNG_CONTEXTS: 'vpid,vtid',
    TTNG_SUBBUF_SIZE: '64k',
    TTNG_NUM_SUBBUF: '8',
    TTNG_MODE: 'overwrite',
    TTNG_FILTER: 'n > 1',
  })!;
  assert.deepEqual(o.events, ['myapp:*', 'node:*']);
  const n = normalizeSessionOptions(o);
  assert.equal(n.channels[0]!.subbufSizeBytes, 65536);
  assert.equal(n.channels[0]!.mode, 1);
  assert.deepEqual(splitNames('a\\,b,c,,'), ['a,b', 'c']);
});
