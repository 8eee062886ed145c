/**
 * Bundled commands. `ttng view` is what users (and the benchmarks) run on every trace, so its
 * start matters: as ES modules it loads 38 files and compiles each function the first time it
 * runs (together 50 to 100 ms). `npm run build` also writes it as one CommonJS file with a V8
 * code cache made by running it once (scripts/bundle.mjs); the entry point runs that when it is
 * there. The cache is only a cache: V8 ignores one made by another Node or V8 version and
 * compiles as usual. A bundle older than the last TypeScript build (a bare `tsc`) is not used.
 * `TTNG_NO_BUNDLE=1` runs the ES modules instead (tests compare the two).
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import type { CommandModule } from './command.js';

/** Commands that have a bundle (their code must not use import.meta: a bundle has none). */
export const BUNDLED_COMMANDS: readonly string[] = ['view'];

/** What a bundle exports (src/cli/bundles/NAME.ts): the command and its own runCommand. */
export interface BundledCommand extends CommandModule {
  runCommand(mod: CommandModule, name: string, rest: string[], debug: boolean): Promise<number>;
}

/** The bundle and code cache files of command `name` under `dir` (dist/bundle). */
export function bundlePaths(dir: string, name: string): { code: string; cache: string } {
  return { code: join(dir, `${name}.cjs`), cache: join(dir, `${name}.cache`) };
}

/**
 * The bundle of command `name` in the build output `distDir`, when there is one and it is not
 * older than the last TypeScript build (a bare `tsc` leaves the bundle of the build before).
 */
export function freshBundle(distDir: string, name: string): { code: string; cache: string } | null {
  if (!BUNDLED_COMMANDS.includes(name)) return null;
  const paths = bundlePaths(join(distDir, 'bundle'), name);
  const code = statSync(paths.code, { throwIfNoEntry: false });
  if (code === undefined) return null;
  const tsBuild = statSync(join(distDir, '.tsbuildinfo'), { throwIfNoEntry: false });
  return tsBuild !== undefined && code.mtimeMs < tsBuild.mtimeMs ? null : paths;
}

/** The bytes of `path`, or undefined when there is no such file. */
function readIfThere(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export interface LoadedBundle {
  readonly command: BundledCommand;
  /** For scripts/bundle.mjs: createCachedData() after a run. */
  readonly script: Script;
}

/**
 * Compiles and runs the CommonJS bundle at `code`, with the code cache at `cache` when given and
 * present. The wrapper is the same when the cache is made and when it is used (V8 checks the
 * source).
 */
export function loadBundle(code: string, cache: string | null): LoadedBundle {
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(code, 'utf8')}\n})`;
  const cachedData = cache === null ? undefined : readIfThere(cache);
  const script = new Script(source, { filename: code, ...(cachedData ? { cachedData } : {}) });
  const wrapper = script.runInThisContext() as (
    exports: object,
    require: NodeJS.Require,
    module: { exports: object },
    filename: string,
    dirname: string,
  ) => void;
  const module = { exports: {} };
  wrapper(module.exports, createRequire(code), module, code, dirname(code));
  return { command: module.exports as BundledCommand, script };
}
