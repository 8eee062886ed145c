/**
 * Runs every ```js example of docs/writing-traces.md with node (as the docs say: an ES module at
 * the repository root, importing `ttng/ctf`) and checks what it prints against its `//=>` lines.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../helpers/paths.js';

const doc = readFileSync(join(REPO_ROOT, 'docs/writing-traces.md'), 'utf8');
const blocks = [...doc.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);

test('docs/writing-traces.md has examples', () => {
  assert.ok(blocks.length >= 5);
});

blocks.forEach((code, i) => {
  const title = code.split('\n').find((l) => l.startsWith('const ') || l.startsWith('import {')) ?? '';
  test(`docs/writing-traces.md example ${i + 1} runs and prints what it says`, () => {
    // Examples that write files do so under os.tmpdir(): point it at a directory removed after.
    const tmp = mkdtempSync(join(tmpdir(), 'ttng-docs-'));
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, TMPDIR: tmp },
    });
    rmSync(tmp, { recursive: true, force: true });
    assert.equal(r.stderr, '', `example ${i + 1} (${title.slice(0, 60)}) wrote on stderr`);
    assert.equal(r.status, 0);
    const expected = code
      .split('\n')
      .filter((l) => l.startsWith('//=> '))
      .map((l) => l.slice(5));
    assert.deepEqual(r.stdout.split('\n').slice(0, -1), expected);
  });
});
