/**
 * Where tracefs is and plain access to its files, with errors that say what to do. Everything
 * that writes goes through `writeText` so a refused write names the file and the value.
 */
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KernelError, KernelErrorCode } from './errors.js';

/** Where tracefs is mounted, newest convention first (debugfs exposes it as `tracing/` too). */
export const TRACEFS_CANDIDATES: readonly string[] = Object.freeze([
  '/sys/kernel/tracing',
  '/sys/kernel/debug/tracing',
]);

/** Root of a tracefs mount, checked for presence and access. */
export class Tracefs {
  readonly root: string;

  private constructor(root: string) {
    this.root = root;
  }

  /**
   * Finds tracefs (or checks `root`), and checks that this process may use it. Throws
   * `TTNG_E_KERNEL_NO_TRACEFS` when it is not mounted and `TTNG_E_KERNEL_NOT_ROOT` without access.
   */
  static open(root?: string): Tracefs {
    const candidates = root ? [root] : TRACEFS_CANDIDATES;
    let denied: string | undefined;
    for (const dir of candidates) {
      try {
        accessSync(dir, constants.R_OK | constants.X_OK);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EACCES') denied = dir;
        continue;
      }
      // An empty mount point (tracefs not mounted) has no `instances` directory.
      if (!existsSync(join(dir, 'instances'))) continue;
      try {
        accessSync(join(dir, 'instances'), constants.W_OK);
        accessSync(join(dir, 'events'), constants.R_OK | constants.X_OK);
      } catch {
        denied = dir;
        continue;
      }
      return new Tracefs(dir);
    }
    if (denied !== undefined) {
      throw new KernelError(
        KernelErrorCode.NotRoot,
        `kernel tracing needs root (or CAP_SYS_ADMIN with write access to ${denied}): run the command with sudo`,
      );
    }
    throw new KernelError(
      KernelErrorCode.NoTracefs,
      `tracefs is not mounted (looked in ${candidates.join(' and ')}): mount it with \`sudo mount -t tracefs nodev /sys/kernel/tracing\``,
    );
  }

  path(rel: string): string {
    return join(this.root, rel);
  }

  readText(rel: string): string {
    return readTracefsText(this.path(rel));
  }

  /** `sys:event` of every event this kernel offers (global `available_events`). */
  availableEvents(): string[] {
    return this.readText('available_events')
      .split('\n')
      .filter((l) => l.length > 0);
  }

  /** The `format` text of one event (identical in every instance). */
  formatText(system: string, event: string): string {
    return this.readText(`events/${system}/${event}/format`);
  }
}

/** Reads a whole tracefs (or procfs) file; errors name the file. */
export function readTracefsText(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch (e) {
    throw new KernelError(
      KernelErrorCode.Tracefs,
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      { cause: e },
    );
  }
}

/**
 * Writes `text` to a tracefs file, or throws naming the file, the value and the errno. `append`
 * opens without O_TRUNC: on `set_event`, `trigger` and `uprobe_events` a truncating open clears
 * every entry, which is never what we mean.
 */
export function writeTracefsText(path: string, text: string, o: { append?: boolean } = {}): void {
  try {
    writeFileSync(path, text, { flag: o.append ? 'a' : 'w', encoding: 'latin1' });
  } catch (e) {
    throw new KernelError(
      KernelErrorCode.Tracefs,
      `cannot write ${JSON.stringify(text.trim())} to ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      { cause: e },
    );
  }
}

/** errno code of a failed tracefs write, or undefined when it worked. */
export function tryWriteTracefsText(
  path: string,
  text: string,
  o: { append?: boolean } = {},
): string | undefined {
  try {
    writeFileSync(path, text, { flag: o.append ? 'a' : 'w', encoding: 'latin1' });
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}
