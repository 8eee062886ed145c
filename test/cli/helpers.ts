/** Shared by the CLI tests: running `ttng`, reading babeltrace2's text lines, users. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { babeltrace2Path, CLI_PATH, REPO_ROOT } from '../helpers/paths.js';

/** The example program `ttng record -u` and `ttng demo` trace. */
export const DEMO_APP = join(REPO_ROOT, 'examples', 'demo-app.js');

/** uid/gid of `nobody`, to show that something works without root. */
export const NOBODY = 65534;

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function ttng(
  args: readonly string[],
  o: { uid?: number; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Run {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], {
    encoding: 'utf8',
    cwd: REPO_ROOT,
    timeout: o.timeoutMs ?? 60_000,
    maxBuffer: 1 << 28,
    ...(o.env ? { env: o.env } : {}),
    ...(o.uid !== undefined ? { uid: o.uid, gid: o.uid } : {}),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * When this process is root, whether `nobody` can run the CLI and the example (the checkout may
 * sit in a directory others cannot enter); undefined when not root.
 */
export function nobodyCanRun(): boolean | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `const fs = require('fs'); for (const p of process.argv.slice(1)) fs.accessSync(p, fs.constants.R_OK);`,
      CLI_PATH,
      DEMO_APP,
      join(REPO_ROOT, 'package.json'),
    ],
    { uid: NOBODY, gid: NOBODY, stdio: 'ignore' },
  );
  return r.status === 0;
}

/** One line of babeltrace2's default text output, split. */
export interface TextEvent {
  readonly line: string;
  /** `[HH:MM:SS.nnnnnnnnn]` as printed. */
  readonly time: string;
  /** Trace name: `host` for the kernel, `host:procname:(vpid)` for a Node process. */
  readonly trace: string;
  readonly name: string;
  /** Every `name = value` of the contexts and payload; the first of a name wins. */
  readonly fields: ReadonlyMap<string, string>;
}

const LINE = /^\[([^\]]+)\] \([^)]*\) (\S+) (\S+): (.*)$/;
const FIELD = /(\w+) = ("(?:[^"\\]|\\.)*"|[^,}\s]+)/g;

export function parseTextEvent(line: string): TextEvent {
  const m = LINE.exec(line);
  if (!m) throw new Error(`not a babeltrace2 event line: ${line}`);
  const fields = new Map<string, string>();
  for (const f of m[4]!.matchAll(FIELD)) if (!fields.has(f[1]!)) fields.set(f[1]!, f[2]!);
  return { line, time: m[1]!, trace: m[2]!, name: m[3]!, fields };
}

/** The real babeltrace2 on PATH (a session directory: every trace under it, merged). */
export function babeltrace2(path: string): Run & { events: TextEvent[] } {
  const bt2 = babeltrace2Path();
  if (!bt2) throw new Error('babeltrace2 is not installed');
  const r = spawnSync(bt2, [path], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const events = r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map(parseTextEvent);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, events };
}

/** `ttng record`'s summary line when -u is used, parsed. */
export interface SessionSummary {
  readonly events: number;
  readonly kernel: number | undefined;
  readonly ust: number;
  readonly processes: number;
  readonly lost: number;
  readonly path: string;
}

const num = (s: string) => Number(s.replace(/,/g, ''));

export function parseSessionSummary(stdout: string): SessionSummary | undefined {
  const m =
    /^ttng record: ([\d,]+) events \((?:kernel ([\d,]+), )?ust ([\d,]+) from (\d+) process(?:es)?\), ([\d,]+) lost(?: \([^)]*\))?, [\d.]+ [KMG]?i?B, (.+)$/m.exec(
      stdout,
    );
  if (!m) return undefined;
  return {
    events: num(m[1]!),
    kernel: m[2] === undefined ? undefined : num(m[2]),
    ust: num(m[3]!),
    processes: Number(m[4]),
    lost: num(m[5]!),
    path: m[6]!,
  };
}
