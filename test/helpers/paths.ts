import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/..., so go up from this file's compiled place). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** ../shared next to the repository: specs and conformance data. */
export const SHARED_DIR = fileURLToPath(new URL('../../../../shared/', import.meta.url));
/** The compiled CLI. */
export const CLI_PATH = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

let bt2: string | null | undefined;
/** Path of the real babeltrace2, or null when it is not installed (CI installs it). */
export function babeltrace2Path(): string | null {
  if (bt2 !== undefined) return bt2;
  try {
    execFileSync('babeltrace2', ['--version'], { stdio: 'ignore' });
    bt2 = 'babeltrace2';
  } catch {
    bt2 = null;
  }
  return bt2;
}
