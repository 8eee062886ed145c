/** Shared by the tracer tests: temporary directories, babeltrace2, child Node processes. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { babeltrace2Path, REPO_ROOT } from '../helpers/paths.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `ttng-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface Bt2Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout lines without the timestamp, delta and host prefix. */
  readonly events: string[];
}

/** Runs the real babeltrace2 on a trace directory (throws when it is not installed). */
export function babeltrace2(dir: string, args: readonly string[] = []): Bt2Result {
  const bt2 = babeltrace2Path();
  if (!bt2) throw new Error('babeltrace2 is not installed (CI installs the Debian package babeltrace2)');
  const r = spawnSync(bt2, [dir, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const events = r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.replace(/^\[[^\]]*\] (\([^)]*\) )?\S+ /, ''));
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, events };
}

/** `{ name: count }` of the events babeltrace2 prints. */
export function countByName(events: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) {
    const name = e.slice(0, e.indexOf(': '));
    out[name] = (out[name] ?? 0) + 1;
  }
  return out;
}

/** Runs a compiled fixture (dist/test/tracer/fixtures/NAME.js) in a child Node process. */
export function runFixture(
  name: string,
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
  nodeArgs: readonly string[] = [],
): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const script = join(REPO_ROOT, 'dist', 'test', 'tracer', 'fixtures', `${name}.js`);
  const r = spawnSync(process.execPath, [...nodeArgs, script, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: timeoutMs,
    maxBuffer: 1 << 28,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The per-PID trace directories under a session output directory. */
export function perPidDirs(output: string): string[] {
  const base = join(output, 'ust', 'pid');
  try {
    return readdirSync(base)
      .map((d) => join(base, d))
      .filter((d) => statSync(d).isDirectory());
  } catch {
    return [];
  }
}
