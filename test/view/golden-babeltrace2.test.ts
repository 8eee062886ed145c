/**
 * `ttng view` against the real babeltrace2 2.0.4 on traces written by ttng's CTF writer in
 * LTTng's user space and kernel layouts (bench/view/make-traces.ts), for every option that
 * changes the text: both must print the same bytes. Also a session directory holding both traces
 * (discovery, trace names, merging of two traces by time).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeKernelTrace, writeUstTrace } from '../../bench/view/make-traces.js';
import { babeltrace2Path, CLI_PATH } from '../helpers/paths.js';

const BT2 = babeltrace2Path();
let dir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ttng-view-golden-'));
  writeUstTrace(join(dir, 'session', 'ust', 'uid', '1000', '64-bit'), 3000, 3);
  writeKernelTrace(join(dir, 'session', 'kernel'), 3000, 2);
  writeUstTrace(join(dir, 'ties'), 3000, 5, { tsSpreadNs: 3, ties: true });
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(
  cmd: string,
  args: string[],
  tz: string,
): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(cmd, args, {
    env: { ...process.env, TZ: tz, LC_ALL: 'C.UTF-8', BABELTRACE_TERM_COLOR: 'NEVER' },
    maxBuffer: 1 << 28,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

const OPTION_SETS: string[][] = [
  [],
  ['--clock-seconds'],
  ['--clock-cycles'],
  ['--no-delta'],
  ['--clock-date'],
  ['--clock-gmt', '--clock-date'],
  ['--names=all'],
  ['--names=payload,header'],
  ['--names=none', '--fields=all'],
  ['--fields=trace:hostname,loglevel'],
  ['--fields=trace,trace:domain,trace:procname'],
  ['--clock-offset=3', '--clock-seconds'],
  ['--clock-offset-ns=-500', '--clock-seconds'],
];

for (const which of ['ust/uid/1000/64-bit', 'kernel']) {
  test(`same text as babeltrace2: ${which}`, { skip: !BT2 && 'babeltrace2 is not installed' }, () => {
    const trace = join(dir, 'session', which);
    for (const opts of OPTION_SETS) {
      for (const tz of opts.length === 0 ? ['UTC', 'America/Montreal', 'Asia/Kolkata'] : ['Europe/Paris']) {
        const b = run(BT2!, [...opts, trace], tz);
        assert.equal(b.status, 0, `babeltrace2 ${opts.join(' ')}: ${b.stderr}`);
        const t = run(process.execPath, [CLI_PATH, 'view', ...opts, trace], tz);
        assert.equal(t.status, 0, `ttng view ${opts.join(' ')}: ${t.stderr}`);
        if (!t.stdout.equals(b.stdout)) {
          const bl = b.stdout.toString('latin1').split('\n');
          const tl = t.stdout.toString('latin1').split('\n');
          const i = bl.findIndex((l, k) => l !== tl[k]);
          assert.fail(
            `${opts.join(' ')} (TZ=${tz}): first difference at line ${i + 1}:\n  babeltrace2: ${bl[i]}\n  ttng:        ${tl[i]}`,
          );
        }
      }
    }
  });
}

test('same text as babeltrace2: a session directory with a kernel and a user space trace', {
  skip: !BT2 && 'babeltrace2 is not installed',
}, () => {
  const session = join(dir, 'session');
  for (const opts of [['--clock-seconds'], ['--fields=all', '--names=header']]) {
    const b = run(BT2!, [...opts, session], 'UTC');
    assert.equal(b.status, 0, b.stderr);
    const t = run(process.execPath, [CLI_PATH, 'view', ...opts, session], 'UTC');
    assert.equal(t.status, 0, t.stderr);
    assert.ok(t.stdout.length > 0);
    assert.ok(t.stdout.equals(b.stdout), `${opts.join(' ')}: ttng and babeltrace2 differ`);
  }
});

test('same text as babeltrace2: 5 streams whose events often share a timestamp (tie-breaking)', {
  skip: !BT2 && 'babeltrace2 is not installed',
}, () => {
  const trace = join(dir, 'ties');
  const want = run(BT2!, [trace], 'UTC');
  const got = run(process.execPath, [CLI_PATH, 'view', trace], 'UTC');
  assert.equal(want.status, 0, want.stderr);
  assert.equal(got.status, 0, got.stderr);
  assert.ok(want.stdout.length > 0);
  assert.ok(got.stdout.equals(want.stdout), 'ttng view and babeltrace2 print different text');
});
