/**
 * kallmodsyms' [module] and {object} names (kallsyms.md §3-4) on a synthetic kernel
 * (test/data/symbols/kallmodsyms, expected output derived by hand from the rules, see
 * PROVENANCE.md), and on a real program linked by this machine's gcc/ld (real linker map and
 * STT_FILE runs).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type buildNaming,
  fileSymbolRuns,
  kallmodsymsNaming,
  loadKbuildArtifacts,
  parseKallsyms,
  parseLinkerMap,
  parseModulesBuiltinObjs,
  parseModulesBuiltinRanges,
  readElf,
} from '../../src/symbols/index.js';
import { CLI_PATH, REPO_ROOT } from '../helpers/paths.js';

const DIR = join(REPO_ROOT, 'test/data/symbols/kallmodsyms');
const f = (name: string): string => join(DIR, name);

function listUnique(naming: ReturnType<typeof buildNaming>, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(naming.listLine(i));
  return `${out.join('\n')}\n`;
}

test('modules.builtin.objs + linker map give kallmodsyms names exactly as the rules say', () => {
  const table = parseKallsyms(readFileSync(f('kallsyms'), 'latin1'));
  const artifacts = loadKbuildArtifacts({
    modulesBuiltin: f('modules.builtin'),
    builtinObjs: f('modules.builtin.objs'),
    builtinModinfo: f('modules.builtin.modinfo'),
    linkerMap: f('vmlinux.map'),
  })!;
  const naming = kallmodsymsNaming(table, artifacts);
  assert.equal(listUnique(naming, table.count), readFileSync(f('expected-unique.txt'), 'latin1'));
  // Round trip through every unique name.
  for (let i = 0; i < table.count; i++) assert.equal(naming.indexOf(naming.uniqueName(i)), i);
  assert.equal(naming.indexOf('event_show {intel/core}'), 10);
  assert.equal(naming.indexOf('smp_helper\t{kernel/smp}'), 13);
});

test('modules.builtin.ranges gives the same [module] annotations (KASLR slide applied)', () => {
  const table = parseKallsyms(readFileSync(f('kallsyms'), 'latin1'));
  const artifacts = loadKbuildArtifacts({
    builtinRanges: f('modules.builtin.ranges'),
    linkerMap: f('vmlinux.map'),
  })!;
  assert.equal(
    listUnique(kallmodsymsNaming(table, artifacts), table.count),
    readFileSync(f('expected-unique.txt'), 'latin1'),
  );
});

test('ttng symbols list prints the kallmodsyms format with and without --unique', () => {
  const args = ['symbols', 'list', '--kallsyms', f('kallsyms'), '--modules-builtin', f('modules.builtin')];
  args.push('--builtin-objs', f('modules.builtin.objs'), '--linker-map', f('vmlinux.map'));
  const plain = execFileSync(process.execPath, [CLI_PATH, ...args], { encoding: 'latin1' });
  assert.equal(plain, readFileSync(f('expected-kallmodsyms.txt'), 'latin1'));
  const unique = execFileSync(process.execPath, [CLI_PATH, ...args, '--unique'], { encoding: 'latin1' });
  assert.equal(unique, readFileSync(f('expected-unique.txt'), 'latin1'));
});

test('artifact parsers: module names, shared objects, ranges, map members', () => {
  const objs = parseModulesBuiltinObjs('a/b-c.o: a/x.o a/y.o\nd/e.o: a/y.o\nsingle/one.o:\n');
  assert.deepEqual(objs.get('a/y.o'), ['b_c', 'e']);
  assert.deepEqual(objs.get('single/one.o'), ['one']);
  const r = parseModulesBuiltinRanges('.text 00000000-00000000 = _text\n.text 00000010-00000020 m1 m2\n');
  assert.equal(r[0]!.startOffset, 0x10n);
  assert.deepEqual(r[0]!.modules, ['m1', 'm2']);
  assert.throws(
    () => parseModulesBuiltinRanges('.text 00000010-00000020 m1\n'),
    /before its "= ANCHOR" line/,
  );
  assert.throws(() => parseLinkerMap('nothing here'), /not a GNU ld map/);
});

const hasGcc = spawnSync('gcc', ['--version']).status === 0;

test('a real gcc/ld link: linker map objects and STT_FILE runs name same-named static functions', {
  skip: !hasGcc && 'gcc is not installed',
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ttng-kms-'));
  try {
    for (const d of ['net/a', 'fs/a', 'kernel']) mkdirSync(join(dir, d), { recursive: true });
    const src: Record<string, string> = {
      'net/a/core.c':
        'static int __attribute__((noinline)) helper(int x){return x*3;}\nint net_entry(int x){return helper(x)+1;}\n',
      'fs/a/core.c':
        'static int __attribute__((noinline)) helper(int x){return x*5;}\nint fs_entry(int x){return helper(x)+2;}\n',
      'kernel/main.c':
        'int net_entry(int);int fs_entry(int);\nint main(int c,char**v){(void)v;return net_entry(c)+fs_entry(c);}\n',
    };
    for (const [p, s] of Object.entries(src)) {
      writeFileSync(join(dir, p), s);
      execFileSync('gcc', ['-O1', '-fno-inline', '-c', p, '-o', p.replace(/\.c$/, '.o')], { cwd: dir });
    }
    execFileSync(
      'gcc',
      ['-no-pie', '-o', 'vmlinux', 'kernel/main.o', 'net/a/core.o', 'fs/a/core.o', '-Wl,-Map=vmlinux.map'],
      { cwd: dir },
    );
    // A kallsyms-format file from nm -n (defined symbols only), as scripts/kallsyms reads it.
    const nm = execFileSync('nm', ['-n', join(dir, 'vmlinux')], { encoding: 'latin1' });
    const ks = nm
      .split('\n')
      .filter((l) => /^[0-9a-f]{16} [tT] /.test(l))
      .join('\n');
    const table = parseKallsyms(`${ks}\n`);
    const helpers = table.indicesOfName('helper');
    assert.equal(helpers.length, 2);

    const byMap = kallmodsymsNaming(table, {
      linkerMap: parseLinkerMap(readFileSync(join(dir, 'vmlinux.map'), 'latin1')),
    });
    const names = helpers.map((i) => byMap.uniqueName(i)).sort();
    // Both objects are "core", then "a/core": lengthened together (equal path lengths) until they differ.
    assert.deepEqual(names, ['helper {fs/a/core}', 'helper {net/a/core}']);
    // The other functions of those objects carry the object name too.
    assert.equal(byMap.uniqueName(table.indicesOfName('net_entry')[0]!), 'net_entry {net/a/core}');
    assert.equal(byMap.uniqueName(table.indicesOfName('main')[0]!), 'main');

    // STT_FILE runs know only "core.c": the objects stay ambiguous and the anchor rule decides.
    const byFile = kallmodsymsNaming(table, { fileSymbols: fileSymbolRuns(readElf(join(dir, 'vmlinux'))) });
    const fileNames = helpers.map((i) => byFile.uniqueName(i));
    assert.equal(new Set(fileNames).size, 2);
    for (const n of fileNames) assert.match(n, /^helper \{core\} \{@\w+\}$/);
    for (const i of helpers) assert.equal(byFile.indexOf(byFile.uniqueName(i)), i);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
