#!/usr/bin/env node
// Makes the V8 code cache of one bundled command (scripts/bundle.mjs): loads the bundle as
// `ttng` does, runs the command on small traces so that the functions of its usual paths are
// compiled, and saves the cache. Run with stdout to /dev/null (the command prints).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const name = process.argv[2];
const dist = new URL('../dist/', import.meta.url).pathname;
const { bundlePaths, loadBundle } = await import(join(dist, 'src/cli/bundle-loader.js'));
const paths = bundlePaths(join(dist, 'bundle'), name);
const { command, script } = loadBundle(paths.code, null);

/** The runs that warm each bundled command (exit status 0 expected). */
const warmups = {
  view: async (dir) => {
    const { writeKernelTrace, writeUstTrace } = await import(join(dist, 'bench/view/make-traces.js'));
    writeUstTrace(join(dir, 'ust'), 2000, 2);
    writeKernelTrace(join(dir, 'kernel'), 2000, 2);
    return [
      [dir],
      ['--clock-seconds', '--names', 'all', dir],
      ['--output-format', 'json', dir],
      ['--count', dir],
    ];
  },
};

const dir = mkdtempSync(join(tmpdir(), `ttng-bundle-${name}-`));
try {
  for (const args of await warmups[name](dir)) {
    const status = await command.run(args);
    if (status !== 0) throw new Error(`ttng ${name} ${args.join(' ')} exited with ${status}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
writeFileSync(paths.cache, script.createCachedData());
