/**
 * The pieces of `ttng record -u` that do not trace: the traced command's environment (checked by
 * real node processes, for any directory name the preload may sit in), the Node-program check,
 * and the summary line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import {
  isNodeProgram,
  nodeImportOption,
  sessionSummaryLine,
  userSpaceEnv,
  userSpacePreloadPath,
} from '../../src/cli/commands/record.js';

const work = mkdtempSync(join(tmpdir(), 'ttng-record-env-'));
after(() => rmSync(work, { recursive: true, force: true }));

const settings = {
  sessionDir: '/tmp/s',
  name: 'n1',
  patterns: ['demo:*', 'a\\,b'],
  contexts: ['vpid', 'vtid'] as const,
  filter: 'x == 1',
  loglevel: 'INFO',
  loglevelOnly: undefined,
  exclude: ['demo:end', 'demo:tick'],
  overwrite: true,
  statedump: false,
};

test("the traced command gets this recording's TTNG_* settings, channel attributes from the user, no stale settings", () => {
  const env = userSpaceEnv(
    {
      PATH: '/bin',
      HOME: '/root',
      NODE_OPTIONS: '  --max-old-space-size=64 ',
      TTNG_FILTER: 'stale',
      TTNG_SNAPSHOT: '1',
      TTNG_LOGLEVEL_ONLY: 'ERR',
      TTNG_NUM_SUBBUF: '8',
      TTNG_SUBBUF_SIZE: '64k',
      TTNG_SWITCH_TIMER_US: '1000',
      TTNG_NODE_ELD_INTERVAL_MS: '50',
    },
    settings,
    '/opt/ttng/dist/src/sources/node/auto.js',
  );
  assert.deepEqual(env, {
    PATH: '/bin',
    HOME: '/root',
    NODE_OPTIONS: '--import=file:///opt/ttng/dist/src/sources/node/auto.js --max-old-space-size=64',
    TTNG_OUTPUT: '/tmp/s',
    TTNG_SESSION_NAME: 'n1',
    TTNG_EVENTS: 'demo:*,a\\,b',
    TTNG_CONTEXTS: 'vpid,vtid',
    TTNG_FILTER: 'x == 1',
    TTNG_LOGLEVEL: 'INFO',
    TTNG_EXCLUDE: 'demo:end,demo:tick',
    TTNG_MODE: 'overwrite',
    TTNG_STATEDUMP: '0',
    TTNG_NUM_SUBBUF: '8',
    TTNG_SUBBUF_SIZE: '64k',
    TTNG_SWITCH_TIMER_US: '1000',
    TTNG_NODE_ELD_INTERVAL_MS: '50',
  });
  const plain = userSpaceEnv(
    {},
    { ...settings, contexts: [], filter: undefined, overwrite: false, statedump: true },
    '/x/auto.js',
  );
  assert.equal(plain.NODE_OPTIONS, '--import=file:///x/auto.js');
  for (const k of ['TTNG_CONTEXTS', 'TTNG_FILTER', 'TTNG_MODE', 'TTNG_STATEDUMP'])
    assert.equal(k in plain, false, k);
  assert.ok(existsSync(userSpacePreloadPath()), 'the preload is built next to the command');
});

test("property: the preload loads, and the user's own NODE_OPTIONS still apply, whatever the directory names (spaces, quotes, #, %, ?, UTF-8; backslashes in the user's)", () => {
  let n = 0;
  const chars = fc.constantFrom(...'aZ09 _-."\'\\#%?&;$`é€()[]{}'.split(''));
  fc.assert(
    fc.property(fc.string({ unit: chars, minLength: 1, maxLength: 12 }), (name) => {
      if (name === '.' || name === '..') return;
      const top = join(work, `p${n++}`);
      const dir = join(top, 'u', name);
      // Node cannot --import a path holding a backslash (as a URL it is refused encoded, and
      // taken for "/" plain): `ttng record` refuses such a checkout; the user's own --require can.
      const preloadDir = join(top, 'p', name.replace(/\\/g, '') || 'empty');
      mkdirSync(preloadDir, { recursive: true });
      mkdirSync(dir, { recursive: true });
      const marker = join(preloadDir, 'loaded');
      const userMarker = join(dir, 'user-loaded');
      const preload = join(preloadDir, 'auto.mjs');
      writeFileSync(
        preload,
        `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, process.env.TTNG_EVENTS);\n`,
      );
      const user = join(dir, 'user.cjs');
      writeFileSync(user, `require('fs').writeFileSync(${JSON.stringify(userMarker)}, 'ok');\n`);
      // The user's option quoted the way a shell user writes it for NODE_OPTIONS.
      const quoted = `--require="${user.replace(/["\\]/g, '\\$&')}"`;
      const env = userSpaceEnv({ PATH: process.env.PATH, NODE_OPTIONS: quoted }, settings, preload);
      const r = spawnSync(process.execPath, ['-e', ''], { env, encoding: 'utf8' });
      assert.equal(r.status, 0, `${JSON.stringify(name)}: ${env.NODE_OPTIONS}: ${r.stderr}`);
      assert.equal(
        readFileSync(marker, 'utf8'),
        'demo:*,a\\,b',
        `preload not run for ${JSON.stringify(name)}`,
      );
      assert.equal(
        readFileSync(userMarker, 'utf8'),
        'ok',
        `user preload not run for ${JSON.stringify(name)}`,
      );
    }),
    { numRuns: 12 },
  );
  assert.equal(nodeImportOption('/a b/"c"#?%/d.js'), '--import=file:///a%20b/%22c%22%23%3F%25/d.js');
});

test('isNodeProgram: node itself and scripts run by node are; shells and binaries are not; a missing command is unknown', () => {
  const bin = join(work, 'bin');
  mkdirSync(bin);
  const script = (name: string, text: string) => {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  };
  script('envnode', '#!/usr/bin/env node\nconsole.log(1)\n');
  script('envs', '#!/usr/bin/env -S node --max-old-space-size=64\n');
  script('direct', `#!${process.execPath}\n`);
  script('shell', '#!/bin/sh\nnode app.js\n');
  script('nodemon-like', '#!/bin/sh\n# node\n');
  script('noshebang', 'node app.js\n');
  const env = { PATH: `${bin}:/usr/bin:/bin` };
  assert.equal(isNodeProgram(process.execPath, env), true);
  assert.equal(isNodeProgram('envnode', env), true);
  assert.equal(isNodeProgram('envs', env), true);
  assert.equal(isNodeProgram(join(bin, 'direct'), env), true);
  assert.equal(isNodeProgram('shell', env), false);
  assert.equal(isNodeProgram('nodemon-like', env), false);
  assert.equal(isNodeProgram('noshebang', env), false);
  assert.equal(isNodeProgram('/bin/sh', env), false);
  assert.equal(isNodeProgram('no-such-command-ttng', env), undefined);
  assert.equal(isNodeProgram('./no/such/path', env), undefined);
});

test('the summary line covers both domains: events, lost events, size, path', () => {
  const ust = (events: number, lost = 0, n = 1) => ({
    traces: Array.from({ length: n }, (_, i) => `/s/ust/pid/node-${i}`),
    events,
    incomplete: false,
    lost,
    sizeBytes: 2048,
  });
  assert.equal(
    sessionSummaryLine({ events: 16238, lost: 0, sizeBytes: 1 << 20 }, ust(42), '/s'),
    'ttng record: 16,280 events (kernel 16,238, ust 42 from 1 process), 0 lost, 1.0 MiB, /s',
  );
  assert.equal(
    sessionSummaryLine({ events: 10, lost: 3, sizeBytes: 0 }, ust(5, 2, 3), '/s'),
    'ttng record: 15 events (kernel 10, ust 5 from 3 processes), 5 lost (kernel 3, ust 2), 2.0 KiB, /s',
  );
  assert.equal(
    sessionSummaryLine(undefined, ust(1234), '/s'),
    'ttng record: 1,234 events (ust 1,234 from 1 process), 0 lost, 2.0 KiB, /s',
  );
  assert.equal(
    sessionSummaryLine(undefined, { ...ust(7), incomplete: true }, '/s'),
    'ttng record: at least 7 events (ust at least 7 from 1 process), 0 lost, 2.0 KiB, /s',
  );
});
