/**
 * Acceptance 1 and 2 of issue 3, on every case of ../shared/conformance/ctf (784) and
 * ../shared/conformance/lttng-traces (14), in process:
 *
 * - where babeltrace2 2.0.4 exits 0, `ttng view --clock-seconds` (TZ-independent) prints exactly
 *   its whole output: the sha256 and line count of INDEX.tsv, and the stored prefix byte for byte;
 *   its discarded events/packets warnings match babeltrace2's stderr lines;
 * - where babeltrace2 rejects the trace, ttng fails with one TtngError (one line, naming a file
 *   with a byte offset or a metadata line:column) in less than 5 s, after printing exactly what
 *   babeltrace2 printed before failing when babeltrace2 printed something;
 * - where babeltrace2 crashes or hangs, ttng neither crashes nor hangs.
 *
 * The counts per source are printed as test diagnostics.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeReaderHost, parseViewArgs } from '../../src/cli/commands/view.js';
import { isTtngError } from '../../src/errors.js';
import { runView } from '../../src/view/run-view.js';
import { SHARED_DIR } from '../helpers/paths.js';

interface Case {
  path: string;
  source: string;
  exit: string;
  fullLines: number;
  fullSha: string;
}

/** The groups of the conformance README's table. */
function sourceOf(path: string): string {
  const parts = path.split('/');
  return parts[0] === 'ctf-testsuite' || parts[0] === 'yactfr-tests' ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

function readIndex(dir: string): Case[] {
  const lines = readFileSync(join(dir, 'INDEX.tsv'), 'utf8').trim().split('\n');
  const head = lines[0]!.split('\t');
  const col = (c: string[], n: string): string => c[head.indexOf(n)] ?? '';
  return lines.slice(1).map((l) => {
    const c = l.split('\t');
    const path = col(c, 'path');
    return {
      path,
      source: head.includes('category') ? sourceOf(path) : 'lttng-traces',
      exit: col(c, 'babeltrace2_exit_code'),
      fullLines: Number(col(c, 'full_output_lines')),
      fullSha: col(c, 'full_output_sha256'),
    };
  });
}

interface Outcome {
  out: Buffer;
  warnings: string[];
  error: unknown;
  ms: number;
}

function view(trace: string): Outcome {
  const { options } = parseViewArgs(['--clock-seconds', trace]);
  const chunks: Buffer[] = [];
  const warnings: string[] = [];
  const t0 = performance.now();
  let error: unknown = null;
  try {
    runView(nodeReaderHost, [trace], options, {
      write: (b) => chunks.push(Buffer.from(b)),
      warn: (s) => warnings.push(s),
    });
  } catch (e) {
    error = e;
  }
  return { out: Buffer.concat(chunks), warnings, error, ms: performance.now() - t0 };
}

function lineCount(b: Buffer): number {
  let n = 0;
  for (const c of b) if (c === 10) n++;
  return n;
}

/** One clear error: a TtngError of one line that names where (file:line:col or a byte offset). */
function assertClearError(e: unknown, where: string): void {
  assert.ok(isTtngError(e), `${where}: expected a TtngError, got ${String((e as Error)?.stack ?? e)}`);
  const m = (e as Error).message;
  assert.ok(!m.includes('\n'), `${where}: the error has several lines: ${m}`);
  assert.ok(
    /:\d+:\d+: |at byte \d+|metadata|no CTF trace|\(at byte \d+\)|time goes backwards|cannot be merged|to nanoseconds/.test(
      m,
    ),
    `${where}: the error does not say where: ${m}`,
  );
}

for (const [dirName, label] of [
  ['conformance/ctf', 'ctf'],
  ['conformance/lttng-traces', 'lttng-traces'],
] as const) {
  const dir = join(SHARED_DIR, dirName);
  test(`babeltrace2 conformance: ${label}`, { skip: !existsSync(dir) && 'conformance data missing' }, (t) => {
    const cases = readIndex(dir);
    const stats = new Map<
      string,
      { exact: number; differing: number; rejected: number; bt2Crash: number; accepted: number }
    >();
    const failures: string[] = [];
    for (const c of cases) {
      const s = stats.get(c.source) ?? { exact: 0, differing: 0, rejected: 0, bt2Crash: 0, accepted: 0 };
      stats.set(c.source, s);
      const caseDir = join(dir, c.path);
      const trace = join(caseDir, 'trace');
      const r = view(trace);
      if (r.error !== null && !isTtngError(r.error)) {
        failures.push(`${c.path}: crash: ${(r.error as Error).stack}`);
        continue;
      }
      if (r.ms > 5000) failures.push(`${c.path}: took ${Math.round(r.ms)} ms`);
      const expectedPath = join(caseDir, 'expected-babeltrace2.txt');
      const expected = existsSync(expectedPath) ? readFileSync(expectedPath) : Buffer.alloc(0);
      const crashed = c.exit === 'timeout' || Number(c.exit) >= 128;
      if (crashed) {
        s.bt2Crash++;
        continue;
      }
      if (c.exit === '0') {
        const sha = createHash('sha256').update(r.out).digest('hex');
        const prefixOk = r.out.subarray(0, expected.length).equals(expected);
        if (r.error === null && sha === c.fullSha && lineCount(r.out) === c.fullLines && prefixOk) s.exact++;
        else {
          s.differing++;
          failures.push(
            `${c.path}: differs (${lineCount(r.out)} lines vs ${c.fullLines}${r.error ? `, error: ${(r.error as Error).message}` : ''})`,
          );
        }
        const stderrPath = join(caseDir, 'babeltrace2-stderr.txt');
        if (existsSync(stderrPath)) {
          const want = readFileSync(stderrPath, 'latin1')
            .split('\n')
            .filter((l) => l.startsWith('WARNING:'));
          const abs = realpathSync(trace);
          const got = r.warnings
            .filter((l) => l.startsWith('WARNING:'))
            .map((l) => l.split(abs).join('TRACE'));
          if (JSON.stringify(got) !== JSON.stringify(want))
            failures.push(`${c.path}: warnings differ: ${got.join(' | ')}`);
        }
        continue;
      }
      // babeltrace2 rejects the trace.
      if (r.error === null) {
        s.accepted++;
        failures.push(`${c.path}: babeltrace2 exits ${c.exit} but ttng reads it`);
        continue;
      }
      s.rejected++;
      try {
        assertClearError(r.error, c.path);
      } catch (e) {
        failures.push((e as Error).message);
      }
      if (!r.out.equals(expected) && lineCount(expected) < 2000) {
        failures.push(
          `${c.path}: babeltrace2 printed ${lineCount(expected)} lines before failing, ttng ${lineCount(r.out)}`,
        );
      }
    }
    for (const [src, s] of stats) {
      t.diagnostic(
        `${src}: exact ${s.exact}, differing ${s.differing}, rejected ${s.rejected} (as babeltrace2), read although babeltrace2 rejects ${s.accepted}, babeltrace2 crash/timeout ${s.bt2Crash}`,
      );
    }
    assert.deepEqual(failures, []);
  });
}
