/**
 * Enforces DESIGN.md's import directions: dependencies point downward only, and the pure areas
 * (usable in the browser and in workers) import nothing from node:*.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/paths.js';

const SRC = join(REPO_ROOT, 'src');

/** Area of a file under src/: its first folder, or first two for ctf/ and sources/. */
function areaOf(relPath: string): string {
  const parts = relPath.split('/');
  if (parts.length === 1) return parts[0] === 'errors.ts' ? 'errors' : 'root';
  if ((parts[0] === 'ctf' || parts[0] === 'sources') && parts.length > 2) return `${parts[0]}/${parts[1]}`;
  return parts[0]!;
}

const PURE = new Set([
  'errors',
  'util',
  'ctf',
  'ctf/model',
  'ctf/writer',
  'ctf/reader',
  'ringbuffer',
  'filter',
  'view',
  'analysis',
  'web',
]);

const BASE = ['errors', 'util'];
const CTF = ['ctf', 'ctf/model', 'ctf/writer', 'ctf/reader'];
/** Which areas each area may import (itself always). */
const ALLOWED: Record<string, string[]> = {
  errors: [],
  util: ['errors'],
  ctf: [...BASE, ...CTF],
  'ctf/model': [...BASE, 'ctf'],
  'ctf/writer': [...BASE, 'ctf', 'ctf/model'],
  'ctf/reader': [...BASE, 'ctf', 'ctf/model'],
  ringbuffer: [...BASE],
  filter: [...BASE, 'ctf', 'ctf/model'],
  symbols: [...BASE],
  view: [...BASE, ...CTF, 'filter'],
  analysis: [...BASE, ...CTF, 'filter', 'view'],
  tracer: [...BASE, ...CTF, 'ringbuffer', 'filter', 'symbols'],
  'sources/node': [...BASE, ...CTF, 'ringbuffer', 'filter', 'symbols', 'tracer', 'sources/statedump'],
  'sources/kernel': [...BASE, ...CTF, 'ringbuffer', 'filter', 'symbols', 'tracer', 'sources/statedump'],
  'sources/statedump': [...BASE, ...CTF, 'tracer', 'symbols'],
  daemon: [
    ...BASE,
    ...CTF,
    'ringbuffer',
    'filter',
    'symbols',
    'tracer',
    'sources/node',
    'sources/kernel',
    'sources/statedump',
    'view',
    'analysis',
  ],
  cli: [
    ...BASE,
    ...CTF,
    'ringbuffer',
    'filter',
    'symbols',
    'tracer',
    'sources/node',
    'sources/kernel',
    'sources/statedump',
    'daemon',
    'view',
    'analysis',
    'root',
  ],
  web: [...BASE, ...CTF, 'filter', 'view', 'analysis'],
  root: [
    ...BASE,
    ...CTF,
    'ringbuffer',
    'filter',
    'symbols',
    'tracer',
    'sources/node',
    'sources/kernel',
    'sources/statedump',
    'view',
    'analysis',
  ],
};

/** Known exceptions, as debt: "file -> imported file". Keep empty. */
const EXCEPTIONS = new Set<string>([]);

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT_RE =
  /(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s+['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;

const NODE_BUILTINS = new Set([
  'fs',
  'path',
  'os',
  'child_process',
  'worker_threads',
  'util',
  'url',
  'net',
  'http',
  'https',
  'crypto',
  'stream',
  'events',
  'buffer',
  'zlib',
  'v8',
  'perf_hooks',
  'diagnostics_channel',
  'async_hooks',
  'readline',
  'tty',
  'dgram',
  'dns',
  'cluster',
  'vm',
  'module',
  'process',
  'timers',
  'assert',
]);

test('every import under src/ follows the allowed directions', () => {
  const problems: string[] = [];
  for (const file of walk(SRC, [])) {
    const rel = relative(SRC, file);
    const area = areaOf(rel);
    const allowed = ALLOWED[area];
    if (!allowed) {
      problems.push(
        `${rel}: area "${area}" is not in DESIGN.md's map; add it to test/arch/import-directions.test.ts`,
      );
      continue;
    }
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (spec.startsWith('node:') || NODE_BUILTINS.has(spec.split('/')[0]!)) {
        if (PURE.has(area) && !EXCEPTIONS.has(`${rel} -> ${spec}`)) {
          problems.push(`${rel}: the pure area "${area}" imports ${spec}`);
        }
        continue;
      }
      if (!spec.startsWith('.')) {
        // Runtime dependencies: the tracer path has none (DESIGN.md); type-only imports are fine.
        if (!/^\s*import\s+type\s/.test(m[0].trim()) && !EXCEPTIONS.has(`${rel} -> ${spec}`)) {
          problems.push(`${rel}: imports the package "${spec}"; ttng has no runtime dependencies`);
        }
        continue;
      }
      const target = relative(SRC, resolve(dirname(file), spec));
      if (target.startsWith('..')) {
        problems.push(`${rel}: imports ${spec}, outside src/`);
        continue;
      }
      const targetArea = areaOf(target.replace(/\.js$/, '.ts'));
      if (targetArea === area) continue;
      if (!allowed.includes(targetArea) && !EXCEPTIONS.has(`${rel} -> ${target}`)) {
        problems.push(`${rel}: "${area}" may not import "${targetArea}" (${spec})`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('the check itself catches a violation', () => {
  // A pure file that imports node:fs must be reported: run the same regex on a sample.
  const sample = "import { readFileSync } from 'node:fs';\nimport type { X } from '../tracer/x.js';\n";
  const specs = [...sample.matchAll(IMPORT_RE)].map((m) => m[1] ?? m[2] ?? m[3]);
  assert.deepEqual(specs, ['node:fs', '../tracer/x.js']);
  assert.equal(areaOf('ctf/reader/tsdl-parser.ts'), 'ctf/reader');
  assert.equal(areaOf('sources/kernel/kbuffer.ts'), 'sources/kernel');
  assert.ok(!ALLOWED['ctf/model']!.includes('tracer'));
});
