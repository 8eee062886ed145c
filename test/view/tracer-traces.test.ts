/**
 * Traces written by this project's tracers (`ttng record`): the Node.js tracer (-u, no root
 * needed) and, when this process may use tracefs, the kernel tracer. `ttng view` must print
 * exactly what the real babeltrace2 prints, with the default options and with every field and
 * name shown.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { babeltrace2Path, CLI_PATH } from '../helpers/paths.js';

const BT2 = babeltrace2Path();
const work = mkdtempSync(join(tmpdir(), 'ttng-view-tracers-'));
after(() => rmSync(work, { recursive: true, force: true }));

function canUseTracefs(): boolean {
  try {
    accessSync('/sys/kernel/tracing/instances', constants.W_OK);
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
}

function compare(dir: string): void {
  for (const opts of [[], ['--clock-seconds', '--names=all', '--fields=all']]) {
    const env = { ...process.env, TZ: 'Europe/Paris', BABELTRACE_TERM_COLOR: 'NEVER' };
    const b = spawnSync(BT2!, [...opts, dir], { env, maxBuffer: 1 << 28 });
    const t = spawnSync(process.execPath, [CLI_PATH, 'view', ...opts, dir], { env, maxBuffer: 1 << 28 });
    assert.equal(b.status, 0, b.stderr.toString());
    assert.equal(t.status, 0, t.stderr.toString());
    assert.ok(t.stdout.length > 0);
    assert.ok(t.stdout.equals(b.stdout), `${opts.join(' ')}: ttng view and babeltrace2 differ on ${dir}`);
  }
}

test('a Node.js program recorded by ttng record -u: same text as babeltrace2', {
  skip: !BT2 && 'babeltrace2 is not installed',
}, () => {
  const dir = join(work, 'ust');
  const r = spawnSync(
    process.execPath,
    [
      CLI_PATH,
      'record',
      '-u',
      '*',
      '-o',
      dir,
      '--',
      process.execPath,
      '-e',
      "for (let i = 0; i < 50; i++) require('fs').readFileSync(__filename); setTimeout(() => {}, 50)",
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  compare(dir);
});

test('kernel events recorded by ttng record -k: same text as babeltrace2', {
  skip: (!BT2 && 'babeltrace2 is not installed') || (!canUseTracefs() && 'needs root and tracefs'),
}, () => {
  const dir = join(work, 'kernel');
  const r = spawnSync(
    process.execPath,
    [
      CLI_PATH,
      'record',
      '-k',
      'sched_switch,sched_wakeup',
      '-s',
      'openat,close',
      '-o',
      dir,
      '--duration',
      '1',
    ],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.equal(r.status, 0, r.stderr);
  compare(dir);
});
