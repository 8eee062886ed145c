/**
 * The bundled `ttng view` (src/cli/bundle-loader.ts): `npm run build` made it, this Node accepts
 * its code cache, `ttng view` runs it, and it behaves exactly as the ES modules do
 * (TTNG_NO_BUNDLE=1): same stdout, stderr and exit status, for output, errors, usage errors and
 * help.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BUNDLED_COMMANDS, bundlePaths, freshBundle, loadBundle } from '../../src/cli/bundle-loader.js';
import { REPO_ROOT, SHARED_DIR } from '../helpers/paths.js';
import { ttng } from './helpers.js';

const BUNDLE_DIR = join(REPO_ROOT, 'dist', 'bundle');
const CTF = join(SHARED_DIR, 'conformance', 'ctf');

test('every bundled command has a bundle and a code cache that this Node accepts', () => {
  for (const name of BUNDLED_COMMANDS) {
    const paths = bundlePaths(BUNDLE_DIR, name);
    assert.ok(existsSync(paths.code), `${paths.code} is missing: npm run build makes it`);
    assert.ok(existsSync(paths.cache), `${paths.cache} is missing: npm run build makes it`);
    const { command, script } = loadBundle(paths.code, paths.cache);
    assert.equal(script.cachedDataRejected, false, `V8 rejected ${paths.cache}`);
    assert.equal(typeof command.run, 'function');
    assert.equal(typeof command.runCommand, 'function');
  }
});

test('a bundle older than the last TypeScript build is not used (a bare tsc leaves it stale)', () => {
  const dist = mkdtempSync(join(tmpdir(), 'ttng-bundle-test-'));
  try {
    mkdirSync(join(dist, 'bundle'));
    const code = join(dist, 'bundle', 'view.cjs');
    const tsBuild = join(dist, '.tsbuildinfo');
    writeFileSync(code, '');
    writeFileSync(tsBuild, '');
    utimesSync(tsBuild, 2000, 2000);
    utimesSync(code, 1000, 1000);
    assert.equal(freshBundle(dist, 'view'), null);
    utimesSync(code, 3000, 3000);
    assert.deepEqual(freshBundle(dist, 'view'), bundlePaths(join(dist, 'bundle'), 'view'));
    assert.equal(freshBundle(dist, 'record'), null, 'not a bundled command');
    rmSync(code);
    assert.equal(freshBundle(dist, 'view'), null, 'no bundle');
  } finally {
    rmSync(dist, { recursive: true, force: true });
  }
});

test('ttng view runs the bundle (its stack frames are in dist/bundle/view.cjs)', () => {
  const bundled = ttng(['view', '--debug', '/nonexistent/trace']);
  assert.equal(bundled.status, 1);
  assert.match(bundled.stderr, /bundle\/view\.cjs:\d+/);
  const modules = ttng(['view', '--debug', '/nonexistent/trace'], {
    env: { ...process.env, TTNG_NO_BUNDLE: '1' },
  });
  assert.equal(modules.status, 1);
  assert.doesNotMatch(modules.stderr, /bundle\/view\.cjs/);
  assert.match(modules.stderr, /src\/ctf\/reader\/trace-set\.js:\d+/);
});

const cases: readonly (readonly string[])[] = [
  [join(CTF, 'babeltrace-tests/ctf-traces/succeed/wk-heartbeat-u')],
  [
    '--clock-seconds',
    '--names',
    'all',
    '--fields',
    'all',
    join(CTF, 'babeltrace-tests/ctf-traces/succeed/wk-heartbeat-u'),
  ],
  ['--output-format', 'json', join(CTF, 'babeltrace-tests/ctf-traces/succeed/wk-heartbeat-u')],
  ['--count', join(CTF, 'babeltrace-tests/ctf-traces/succeed/wk-heartbeat-u')],
  // Rejected traces: an error naming the file and offset.
  [join(CTF, 'babeltrace-tests/ctf-traces/fail/fail1')],
  [join(CTF, 'babeltrace-tests/ctf-traces/deterministic-ordering/a-corrupted')],
  ['/nonexistent/trace'],
  // Usage errors and help.
  ['--clock-offset=abc', '/tmp'],
  ['--no-such-option', '/tmp'],
  [],
  ['--help'],
];

test('ttng view: the bundle and the ES modules give the same stdout, stderr and exit status', (t) => {
  if (!existsSync(CTF)) {
    t.skip(`${CTF} is not there`);
    return;
  }
  for (const args of cases) {
    const bundled = ttng(['view', ...args]);
    const modules = ttng(['view', ...args], { env: { ...process.env, TTNG_NO_BUNDLE: '1' } });
    const what = `ttng view ${args.join(' ')}`;
    assert.equal(bundled.status, modules.status, `${what}: exit status`);
    assert.equal(bundled.stdout, modules.stdout, `${what}: stdout`);
    assert.equal(bundled.stderr, modules.stderr, `${what}: stderr`);
  }
  // The cases cover output, errors and usage (the comparison above is not between empty runs).
  assert.ok(ttng(['view', ...cases[0]!]).stdout.length > 1000);
  assert.equal(ttng(['view', ...cases[4]!]).status, 1);
  assert.equal(ttng(['view', ...cases[8]!]).status, 2);
});
