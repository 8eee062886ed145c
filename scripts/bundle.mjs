#!/usr/bin/env node
// After tsc (`npm run build`): writes each command of BUNDLED_COMMANDS as one CommonJS file,
// dist/bundle/NAME.cjs, and its V8 code cache, dist/bundle/NAME.cache (src/cli/bundle-loader.ts
// says why). The cache is made by a child process that loads the bundle, runs the command on
// small traces and saves what V8 compiled (scripts/bundle-cache.mjs).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const { BUNDLED_COMMANDS, bundlePaths } = await import(join(dist, 'src/cli/bundle-loader.js'));

for (const name of BUNDLED_COMMANDS) {
  const paths = bundlePaths(join(dist, 'bundle'), name);
  rmSync(paths.cache, { force: true });
  const result = await build({
    entryPoints: [join(dist, 'src/cli/bundles', `${name}.js`)],
    outfile: paths.code,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'silent',
  });
  // A warning (import.meta in a bundled module, above all) means the bundle would not behave
  // like the modules: stop the build.
  if (result.warnings.length > 0 || result.errors.length > 0) {
    for (const m of [...result.errors, ...result.warnings]) {
      console.error(
        `bundle ${name}: ${m.text}${m.location ? ` (${m.location.file}:${m.location.line})` : ''}`,
      );
    }
    process.exit(1);
  }
  const child = spawnSync(process.execPath, [join(root, 'scripts/bundle-cache.mjs'), name], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (child.status !== 0) {
    console.error(`bundle ${name}: making the code cache failed (exit ${child.status ?? child.signal})`);
    process.exit(1);
  }
}
