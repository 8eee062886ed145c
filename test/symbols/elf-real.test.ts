/**
 * Acceptance 2: the ELF reader equals `nm`, `nm -D` and `readelf -n` on real binaries of this
 * machine (libc, node, libstdc++ with SDT probes, a stripped binary, a 32-bit object from this
 * machine's gcc -m32, a program built with <sys/sdt.h> and a semaphore) and on the crafted
 * big-endian/32-bit fixtures of test/data/symbols/elf.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type ElfFile,
  nmLines,
  processSymbolizer,
  readElf,
  resolveSdtLocations,
  sdtProbes,
  uprobeDefinition,
} from '../../src/symbols/index.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { buildElf, FIXTURES } from './elf-builder.js';

const hasBinutils =
  spawnSync('nm', ['--version']).status === 0 && spawnSync('readelf', ['--version']).status === 0;
const noBinutils = !hasBinutils && 'binutils (nm, readelf) is not installed';

function sortC(lines: string[]): string[] {
  return [...lines].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** What nm prints, sorted; [] when nm says there are no symbols. */
function realNm(path: string, dynamic: boolean): string[] {
  const r = spawnSync('nm', dynamic ? ['-D', path] : [path], {
    encoding: 'latin1',
    maxBuffer: 1 << 28,
    env: { ...process.env, LC_ALL: 'C' },
  });
  if (r.status !== 0 && /no symbols/.test(r.stderr)) return [];
  assert.equal(r.status, 0, r.stderr);
  return sortC(r.stdout.split('\n').filter((l) => l));
}

interface ReadelfNotes {
  buildId: string | undefined;
  sdt: { provider: string; name: string; pc: bigint; base: bigint; semaphore: bigint; args: string }[];
}

function realNotes(path: string): ReadelfNotes {
  const out = execFileSync('readelf', ['-nW', path], {
    encoding: 'latin1',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const buildId = /Build ID: ([0-9a-f]+)/.exec(out)?.[1];
  const sdt: ReadelfNotes['sdt'] = [];
  const re =
    /Provider: (\S+)\n\s+Name: (\S+)\n\s+Location: 0x([0-9a-f]+), Base: 0x([0-9a-f]+), Semaphore: 0x([0-9a-f]+)\n\s+Arguments: ?(.*)\n/g;
  for (const m of out.matchAll(re)) {
    sdt.push({
      provider: m[1]!,
      name: m[2]!,
      pc: BigInt(`0x${m[3]}`),
      base: BigInt(`0x${m[4]}`),
      semaphore: BigInt(`0x${m[5]}`),
      args: m[6]!,
    });
  }
  return { buildId, sdt };
}

function compare(elf: ElfFile, path: string): { symtab: number; dynsym: number; sdt: number } {
  const symtab = sortC(nmLines(elf, false));
  assert.deepEqual(symtab, realNm(path, false), `nm ${path}`);
  const dynsym = sortC(nmLines(elf, true));
  if (elf.dynamicSymbols().length > 0) assert.deepEqual(dynsym, realNm(path, true), `nm -D ${path}`);
  const notes = realNotes(path);
  assert.equal(elf.buildId(), notes.buildId, `build-id of ${path}`);
  const ours = sdtProbes(elf).map((p) => ({
    provider: p.provider,
    name: p.name,
    pc: p.pc,
    base: p.base,
    semaphore: p.semaphore,
    args: p.args,
  }));
  assert.deepEqual(ours, notes.sdt, `stapsdt notes of ${path}`);
  return { symtab: symtab.length, dynsym: dynsym.length, sdt: ours.length };
}

/** File offset of virtual address `vaddr`, from the PT_LOAD lines of `readelf -lW`. */
function fileOffsetOf(path: string, vaddr: bigint): bigint {
  const out = execFileSync('readelf', ['-lW', path], {
    encoding: 'latin1',
    env: { ...process.env, LC_ALL: 'C' },
  });
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] !== 'LOAD') continue;
    const [off, va, , , memsz] = f.slice(1, 6).map((x) => BigInt(x));
    if (vaddr >= va! && vaddr < va! + memsz!) return vaddr - va! + off!;
  }
  throw new Error(`${vaddr} is in no PT_LOAD of ${path}`);
}

const LIB = '/usr/lib/x86_64-linux-gnu';
const REAL: [string, string][] = [
  ['libc', `${LIB}/libc.so.6`],
  ['libstdc++ (SDT probes)', `${LIB}/libstdc++.so.6`],
  ['node', process.execPath],
  ['a stripped binary', '/usr/bin/ls'],
];

for (const [what, path] of REAL) {
  test(`${what}: nm, nm -D and readelf -n agree`, {
    skip: noBinutils || (!existsSync(path) && `${path} is missing`),
  }, () => {
    const elf = readElf(path);
    const counts = compare(elf, path);
    console.log(
      `# ${path}: ${counts.symtab} .symtab lines, ${counts.dynsym} .dynsym lines, ${counts.sdt} SDT probes equal`,
    );
    if (what.startsWith('a stripped')) assert.equal(elf.symbols().length, 0);
    if (what.startsWith('libstdc++')) {
      // The file offset readelf's program headers give for the probe's address, and one fetch
      // argument per note argument with its size (sizes and registers differ between builds).
      const loc = resolveSdtLocations(elf, path, 'libstdcxx', 'catch')[0]!;
      const note = realNotes(path).sdt.find((p) => p.provider === 'libstdcxx' && p.name === 'catch')!;
      const offset = fileOffsetOf(path, note.pc);
      const def = uprobeDefinition(loc, 'sdtt', 'catch');
      const m = /^p:sdtt\/catch (\S+):0x([0-9a-f]+)((?: arg\d+=\S+)*)$/.exec(def);
      assert.ok(m, def);
      assert.equal(m[1], path);
      assert.equal(BigInt(`0x${m[2]}`), offset);
      const args = m[3]!.trim().split(' ');
      const sizes = note.args.split(' ').map((a) => Math.abs(Number(a.split('@')[0])) * 8);
      assert.deepEqual(
        args.map((a) => Number(/:[us](\d+)$/.exec(a)?.[1])),
        sizes,
        `${def} vs ${note.args}`,
      );
    }
  });
}

test('crafted fixtures (32/64-bit, big and little endian) are what the builder makes and agree with nm/readelf', {
  skip: noBinutils,
}, () => {
  for (const [name, spec] of Object.entries(FIXTURES)) {
    const path = join(REPO_ROOT, 'test/data/symbols/elf', name);
    const bytes = readFileSync(path);
    assert.deepEqual(
      new Uint8Array(bytes),
      buildElf(spec),
      `${name} is the builder's output (regenerate with make-elf-fixtures)`,
    );
    const elf = readElf(path);
    assert.equal(elf.header.isLittleEndian, !spec.bigEndian);
    assert.equal(elf.header.classBits, spec.classBits);
    const counts = compare(elf, path);
    assert.equal(counts.symtab, 13);
    assert.equal(counts.sdt, 2);
    assert.deepEqual(elf.debugLink(), { fileName: 'fixture.debug', crc32: 0xdeadbeef });
    // Data lives at file offset 0x1000 but vaddr 0x411000: the semaphore's REF_CTR_OFFSET is 0x1010.
    const [tick] = resolveSdtLocations(elf, path, 'prov', 'tick');
    assert.equal(tick!.offsetBytes, 0x214n);
    assert.equal(tick!.refCtrOffsetBytes, 0x1010n);
    assert.equal(
      uprobeDefinition(tick!, 'sdt_prov', 'tick'),
      `p:sdt_prov/tick ${path}:0x214(0x1010) arg1=%di:s32 arg2=-8(%bp):u64`,
    );
    const [tock] = resolveSdtLocations(elf, path, 'prov', 'tock');
    assert.equal(
      uprobeDefinition(tock!, 'sdt_prov', 'tock'),
      `p:sdt_prov/tock ${path}:0x224 arg1=\\42:u64 arg2=%ax:s16`,
    );
  }
});

const hasGcc = spawnSync('gcc', ['--version']).status === 0;

test('a 32-bit object made by gcc -m32 agrees with nm', {
  skip: noBinutils || (!hasGcc && 'gcc is not installed'),
}, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ttng-elf32-'));
  try {
    writeFileSync(
      join(dir, 'a.c'),
      'static int s(int x){return x*2;}\nint g(int y){return s(y)+1;}\nint data1=3;\nint common_one;\nextern int ext(int);\nint h(void){return ext(1);}\n',
    );
    const r = spawnSync('gcc', ['-m32', '-fcommon', '-O0', '-c', 'a.c', '-o', 'a.o'], { cwd: dir });
    let path = join(dir, 'a.o');
    if (r.status !== 0) {
      t.diagnostic('gcc -m32 failed here: using the committed fixture test/data/symbols/elf/gcc-m32.o');
      path = join(REPO_ROOT, 'test/data/symbols/elf/gcc-m32.o');
    }
    const elf = readElf(path);
    assert.equal(elf.header.classBits, 32);
    compare(elf, path);
    assert.ok(nmLines(elf, false).some((l) => / C common_one$/.test(l)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const hasSdtH =
  hasGcc && ['/usr/include/sys/sdt.h', '/usr/include/x86_64-linux-gnu/sys/sdt.h'].some((p) => existsSync(p));

test('a program built with <sys/sdt.h> and a semaphore; its live process symbolized through /proc/PID/maps', {
  skip: noBinutils || (!hasSdtH && 'sys/sdt.h is missing (Debian package systemtap-sdt-dev)'),
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ttng-sdt-'));
  try {
    writeFileSync(
      join(dir, 'sdt.c'),
      [
        '#define _SDT_HAS_SEMAPHORES 1',
        '#include <sys/sdt.h>',
        '#include <stdio.h>',
        'unsigned short myprov_tick_semaphore __attribute__((section(".probes")));',
        '__attribute__((noinline)) int greet(int x) { if (myprov_tick_semaphore) DTRACE_PROBE1(myprov, tick, x); return x + 1; }',
        'int main(void) { printf("%p %p\\n", (void *)greet, (void *)&myprov_tick_semaphore); fflush(stdout); getchar(); return greet(2) == 3 ? 0 : 1; }',
      ].join('\n'),
    );
    execFileSync('gcc', ['-O1', '-g0', '-o', 'sdt', 'sdt.c'], { cwd: dir });
    const path = join(dir, 'sdt');
    const elf = readElf(path);
    compare(elf, path);
    const [loc] = resolveSdtLocations(elf, path, 'myprov', 'tick');
    assert.ok(loc);
    // Independent check of the file offsets: readelf's program headers.
    const ph = execFileSync('readelf', ['-lW', path], { encoding: 'latin1' });
    const loads = [...ph.matchAll(/^\s+LOAD\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x[0-9a-f]+ 0x([0-9a-f]+)/gm)].map(
      (m) => ({
        off: BigInt(`0x${m[1]}`),
        vaddr: BigInt(`0x${m[2]}`),
        filesz: BigInt(`0x${m[3]}`),
      }),
    );
    const toOff = (v: bigint): bigint => {
      const l = loads.find((x) => v >= x.vaddr && v < x.vaddr + x.filesz)!;
      return v - l.vaddr + l.off;
    };
    const probe = loc.probe!;
    assert.notEqual(probe.semaphore, 0n);
    assert.equal(loc.offsetBytes, toOff(probe.pc));
    assert.equal(loc.refCtrOffsetBytes, toOff(probe.semaphore));
    assert.match(
      uprobeDefinition(loc, 'sdt_myprov', 'tick'),
      /^p:sdt_myprov\/tick \S+:0x[0-9a-f]+\(0x[0-9a-f]+\) arg1=\S+:s32$/,
    );

    // Run it: the printed addresses resolve through its maps (PIE load bias) to greet+0.
    const child = spawn(path, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve) =>
      child.stdout.once('data', (d: Buffer) => resolve(d.toString())),
    );
    try {
      const [fnAddr, semAddr] = line
        .trim()
        .split(' ')
        .map((x) => BigInt(x));
      const sym = processSymbolizer(child.pid!);
      const r = sym.resolve(fnAddr! + 1n)!;
      assert.equal(r.symbolName, 'greet');
      assert.equal(r.offsetBytes, 1);
      assert.equal(r.buildId, elf.buildId());
      const s = sym.resolve(semAddr!)!;
      assert.equal(s.vaddr, probe.semaphore);
      assert.equal(s.loadBias, fnAddr! - elf.symbols().find((x) => x.name === 'greet')!.value);
    } finally {
      child.stdin.end('\n');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
