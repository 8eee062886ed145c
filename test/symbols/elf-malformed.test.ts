/**
 * Acceptance 3 for ELF: truncated files and out-of-range offsets give an ElfError naming the byte
 * offset; a fuzz test mutates the saved corpus (test/data/symbols/fuzz/elf) and requires a clean
 * result or a SymbolsError, never another exception.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  ElfError,
  ElfFile,
  ElfSymbolizer,
  nmLines,
  SymbolsError,
  sdtProbes,
} from '../../src/symbols/index.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { buildElf } from './elf-builder.js';

const good = buildElf({ classBits: 64, bigEndian: false, machine: 62 });

function exercise(bytes: Uint8Array): void {
  const elf = ElfFile.parse(bytes, 'fuzz.elf');
  elf.symbols();
  elf.dynamicSymbols();
  elf.notes();
  elf.buildId();
  elf.debugLink();
  sdtProbes(elf);
  nmLines(elf, false);
  new ElfSymbolizer(elf).resolve(0x400210n);
  elf.vaddrToFileOffset(0x411010n);
}

function expectElfError(bytes: Uint8Array, re: RegExp): void {
  assert.throws(
    () => exercise(bytes),
    (e: unknown) =>
      e instanceof ElfError &&
      e.code === 'TTNG_E_SYMBOLS_ELF_MALFORMED' &&
      re.test(e.message) &&
      /at byte offset 0x[0-9a-f]+/.test(e.message),
  );
}

test('truncated ELF files: the error names the offset', () => {
  expectElfError(good.slice(0, 3), /not an ELF file/);
  expectElfError(good.slice(0, 40), /truncated ELF header/);
  expectElfError(good.slice(0, 100), /program header table .* outside the file/);
  expectElfError(good.slice(0, good.length - 10), /section header table .* outside the file/);
});

test('offsets out of range: section, string table, symbol table link', () => {
  const shoff = Number(new DataView(good.buffer).getBigUint64(40, true));
  const set = (mutate: (dv: DataView) => void): Uint8Array => {
    const b = good.slice();
    mutate(new DataView(b.buffer));
    return b;
  };
  // .text (section 1) sh_offset far past the end.
  expectElfError(
    set((dv) => dv.setBigUint64(shoff + 64 + 24, 0x100000n, true)),
    /section 1 .* ends past the end of the file/,
  );
  // e_shstrndx not a section.
  expectElfError(
    set((dv) => dv.setUint16(62, 99, true)),
    /e_shstrndx 99 is not a section/,
  );
  // .symtab (section 9) sh_link to a missing section.
  expectElfError(
    set((dv) => dv.setUint32(shoff + 9 * 64 + 40, 77, true)),
    /sh_link 77 is not a section/,
  );
  // A symbol name offset outside .strtab.
  const symOff = 0x1200 + 24 * 3;
  expectElfError(
    set((dv) => dv.setUint32(symOff, 0xffff, true)),
    /string offset 65535 is outside its string table/,
  );
  // A note whose size runs past its section.
  expectElfError(
    set((dv) => dv.setUint32(0x1100 + 4, 0x7000, true)),
    /note with namesz 8, descsz 28672 runs past the end/,
  );
  assert.throws(() => ElfFile.parse(set((dv) => dv.setUint8(4, 7))), /bad EI_CLASS 7/);
});

const DIR = join(REPO_ROOT, 'test/data/symbols/fuzz/elf');
const corpus = readdirSync(DIR)
  .sort()
  .map((f) => new Uint8Array(readFileSync(join(DIR, f))));

test('the saved ELF corpus parses', () => {
  assert.ok(corpus.length >= 4);
  for (const c of corpus) exercise(c);
});

test('fuzz: truncations, byte edits and wild 32/64-bit fields never escape as other errors', () => {
  fc.assert(
    fc.property(
      fc.nat(),
      fc.array(
        fc.record({
          at: fc.nat(),
          kind: fc.constantFrom('byte', 'u32', 'u64', 'truncate'),
          value: fc.oneof(fc.constantFrom(0, 1, 0xff, 0xffff, 0x7fffffff, 0xffffffff), fc.nat()),
        }),
        { minLength: 1, maxLength: 6 },
      ),
      (pick, edits) => {
        let b = corpus[pick % corpus.length]!.slice();
        for (const e of edits) {
          const at = e.at % Math.max(1, b.length);
          const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
          if (e.kind === 'truncate') b = b.slice(0, at);
          else if (e.kind === 'byte') b[at] = e.value & 0xff;
          else if (e.kind === 'u32' && at + 4 <= b.length) dv.setUint32(at, e.value >>> 0, true);
          else if (e.kind === 'u64' && at + 8 <= b.length)
            dv.setBigUint64(at, BigInt(e.value) * 0x10001n, true);
        }
        try {
          exercise(b);
        } catch (err) {
          if (!(err instanceof SymbolsError)) throw err;
        }
        return true;
      },
    ),
    { numRuns: 3000 },
  );
});
