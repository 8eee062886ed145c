/**
 * Acceptance 1 on this machine's /proc/kallsyms: every symbol round-trips through its unique name;
 * addresses resolve like a brute-force scan (every symbol start and last byte, plus a large random
 * sample); kallsyms.md §5's measured facts hold.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  buildNaming,
  LookupStatus,
  lazyNaming,
  loadKallsyms,
  readWholeFile,
  SymbolLookup,
  SymbolsError,
} from '../../src/symbols/index.js';
import { chooseAlias, NaiveLookup, naiveParse } from './naive-kallsyms.js';

function readProc(): string | undefined {
  try {
    return readWholeFile('/proc/kallsyms').toString('latin1');
  } catch {
    return undefined;
  }
}

const text = readProc();
const hidden = text !== undefined && /^0{8,16} /.test(text) && !/^(?!0{8,16} )[0-9a-f]+ /m.test(text);
const skip =
  text === undefined
    ? '/proc/kallsyms is not readable'
    : hidden
      ? 'kallsyms addresses are hidden (not root?)'
      : false;

test('the /proc/kallsyms table matches a naive parse', { skip }, () => {
  const table = loadKallsyms({ path: '/proc/kallsyms' });
  const naive = naiveParse(text!);
  // /proc/kallsyms can change between two reads (modules, BPF): compare the core part only.
  const core = naive.filter((e) => e.module === '').length;
  let tableCore = 0;
  for (let i = 0; i < table.count; i++) if (table.module(i) === '') tableCore++;
  assert.equal(tableCore, core);
  for (let i = 0; i < core; i += 97) {
    assert.equal(table.name(i), naive[i]!.name);
    assert.equal(table.address(i), naive[i]!.addr);
    assert.equal(table.type(i), naive[i]!.type);
  }
});

test('every kallsyms symbol round-trips through its unique name', { skip }, () => {
  const table = loadKallsyms({ path: '/proc/kallsyms' });
  const naming = buildNaming(table);
  const seen = new Map<string, number>();
  for (let i = 0; i < table.count; i++) {
    const u = naming.uniqueName(i);
    assert.ok(!seen.has(u), `${u} names entries ${seen.get(u)} and ${i}`);
    seen.set(u, i);
  }
  let failures = 0;
  for (let i = 0; i < table.count; i++) {
    const j = naming.indexOf(naming.uniqueName(i));
    if (j !== i || table.address(j) !== table.address(i) || naming.uniqueName(j) !== naming.uniqueName(i))
      failures++;
  }
  assert.equal(failures, 0);
  // Names that are unique stay bare; duplicated ones carry an annotation.
  const counts = new Map<string, number>();
  for (let i = 0; i < table.count; i++) counts.set(table.name(i), (counts.get(table.name(i)) ?? 0) + 1);
  for (let i = 0; i < table.count; i++) {
    const dup = counts.get(table.name(i))! > 1;
    assert.equal(naming.annotation(i) !== '', dup || table.module(i) !== '', table.name(i));
  }
  console.log(
    `# ${table.count} symbols, ${naming.fallbackCount} needed an anchor, ${seen.size} distinct unique names`,
  );
});

test('lazy names (symbols lookup) equal the names computed for every symbol', { skip }, () => {
  // A fresh table, no name index: the scans lazyNaming uses. Duplicated names first (the anchor
  // rule), then a spread of others.
  const fresh = loadKallsyms({ path: '/proc/kallsyms' });
  const lazy = lazyNaming(fresh);
  const table = loadKallsyms({ path: '/proc/kallsyms' });
  const full = buildNaming(table);
  assert.equal(fresh.count, table.count);
  const dup: number[] = [];
  const seenName = new Set<string>();
  for (let i = 0; i < table.count && dup.length < 12; i++) {
    const name = table.name(i);
    if (seenName.has(name)) continue;
    seenName.add(name);
    const same = table.indicesOfName(name);
    if (same.length > 2) dup.push(...same);
  }
  const sample = [...dup, ...Array.from({ length: 40 }, (_, k) => Math.floor((k * table.count) / 40))];
  for (const i of sample) assert.equal(lazy.uniqueName(i), full.uniqueName(i), `entry ${i}`);
  for (const i of sample) assert.equal(lazy.indexOf(full.uniqueName(i)), i);
  // Every entry, once the name index exists (lazyNaming then uses it).
  const lazyIndexed = lazyNaming(table);
  let differ = 0;
  for (let i = 0; i < table.count; i++) if (lazyIndexed.uniqueName(i) !== full.uniqueName(i)) differ++;
  assert.equal(differ, 0);
});

test('every symbol start and last byte, and random addresses, resolve like a brute-force scan', {
  skip,
}, () => {
  const table = loadKallsyms({ path: '/proc/kallsyms' });
  // Same snapshot for both: the naive model reads the table's own text back.
  const lines: string[] = [];
  for (let i = 0; i < table.count; i++) {
    const m = table.module(i);
    lines.push(`${table.addressHex(i)} ${table.type(i)} ${table.name(i)}${m ? `\t[${m}]` : ''}`);
  }
  const naive = naiveParse(lines.join('\n'));
  let min = naive[0]!.addr;
  let max = min;
  for (const e of naive) {
    if (e.addr < min) min = e.addr;
    if (e.addr > max) max = e.addr;
  }
  assert.ok(max - min < 2n ** 52n, 'addresses span less than 2^52 (no percpu absolute symbols here)');
  const model = new NaiveLookup(naive, min);
  const out = new SymbolLookup();

  // Every symbol start: the first non-padding alias in file order, offset 0 (or padding).
  const byAddr = new Map<bigint, number[]>();
  for (const e of naive) {
    const l = byAddr.get(e.addr);
    if (l) l.push(e.index);
    else byAddr.set(e.addr, [e.index]);
  }
  const sorted = [...byAddr.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let starts = 0;
  let lastBytes = 0;
  for (let k = 0; k < sorted.length; k++) {
    const addr = sorted[k]!;
    const at = byAddr.get(addr)!;
    const st = table.lookupInto(Number(addr >> 32n), Number(addr & 0xffffffffn), out);
    const pick = chooseAlias(at.map((i) => naive[i]!.name));
    const real = pick >= 0 ? at[pick] : undefined;
    if (real !== undefined) {
      assert.equal(st, LookupStatus.Found);
      assert.equal(out.index, real);
      assert.equal(out.offsetBytes, 0);
    } else {
      assert.notEqual(st, LookupStatus.NotFound, `padding at ${addr.toString(16)}`);
    }
    starts++;
    // The last byte before the next address of the same module belongs to the same symbol.
    const next = sorted[k + 1];
    if (
      next !== undefined &&
      naive[byAddr.get(next)![0]!]!.module === naive[at[0]!]!.module &&
      real !== undefined
    ) {
      const last = next - 1n;
      table.lookupInto(Number(last >> 32n), Number(last & 0xffffffffn), out);
      assert.equal(out.index, real);
      assert.equal(out.offsetBytes, Number(next - 1n - addr));
      assert.equal(out.sizeBytes, Number(next - addr));
      lastBytes++;
    }
  }

  // Random addresses over the whole span, and inside text, against the brute-force scan.
  let seed = 12345;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const SAMPLE = 3000;
  const span = Number(max - min) + 64;
  let found = 0;
  for (let s = 0; s < SAMPLE; s++) {
    const addr = min - 16n + BigInt(Math.floor(rand() * span));
    const [status, index, offset] = model.lookup(addr);
    const st = table.lookupInto(Number(addr >> 32n), Number(addr & 0xffffffffn), out);
    assert.equal(st, status, `status at ${addr.toString(16)}`);
    if (st !== LookupStatus.NotFound) {
      assert.equal(out.index, index, `symbol at ${addr.toString(16)}`);
      assert.equal(out.offsetBytes, offset, `offset at ${addr.toString(16)}`);
      found++;
    }
  }
  console.log(
    `# ${starts} symbol starts, ${lastBytes} last bytes, ${SAMPLE} random addresses (${found} inside symbols) checked`,
  );
});

test('kallsyms.md facts: __pfx_ padding sits 16 bytes before its function; duplicates as measured', {
  skip,
}, () => {
  const table = loadKallsyms({ path: '/proc/kallsyms' });
  let pfx = 0;
  for (let i = 0; i < table.count; i++) {
    const name = table.name(i);
    if (!name.startsWith('__pfx_')) continue;
    const fn = table.indicesOfName(name.slice(6)).filter((j) => table.address(j) === table.address(i) + 16n);
    if (fn.length > 0) pfx++;
    // An address inside the padding reports the function that follows, at a negative offset.
    const a = table.address(i) + 8n;
    const r = table.resolve(a);
    if (fn.length > 0 && r) {
      assert.equal(r.status, LookupStatus.InPadding);
      assert.equal(r.offsetBytes, -8);
    }
  }
  assert.ok(pfx > 0);
  const naming = buildNaming(table);
  const ex = table.indicesOfName('init_once').map((i) => naming.uniqueName(i));
  if (ex.length > 1)
    assert.ok(
      ex.every((u) => /^init_once \{@[\w.]+(#\d+)?\}$/.test(u)),
      ex.join(', '),
    );
});

test('the reader process, the direct read and a saved copy give the same table', { skip }, () => {
  const viaChild = loadKallsyms({ reader: 'reader-process' });
  const direct = loadKallsyms({ reader: 'direct' });
  const dir = mkdtempSync(join(tmpdir(), 'ttng-kallsyms-'));
  try {
    const copy = join(dir, 'kallsyms');
    writeFileSync(copy, text!, 'latin1');
    const saved = loadKallsyms({ path: copy });
    // Module and BPF symbols can come and go between reads: compare the core part.
    const core = (t: typeof direct): string[] => {
      const out: string[] = [];
      for (let i = 0; i < t.count; i++)
        if (t.module(i) === '') out.push(`${t.addressHex(i)} ${t.type(i)} ${t.name(i)}`);
      return out;
    };
    const expected = core(saved);
    assert.deepEqual(core(viaChild), expected);
    assert.deepEqual(core(direct), expected);
    assert.equal(viaChild.groupCount, saved.groupCount);
    const r = saved.resolve(saved.address(saved.count >> 1) + 1n);
    assert.deepEqual(viaChild.resolve(saved.address(saved.count >> 1) + 1n), r);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hidden addresses (kptr_restrict) are detected on load, with what to do', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ttng-kallsyms-'));
  try {
    const copy = join(dir, 'kallsyms');
    writeFileSync(copy, '0000000000000000 T _text\n0000000000000000 t foo\t[m]\n', 'latin1');
    assert.throws(
      () => loadKallsyms({ path: copy }),
      (e: unknown) =>
        e instanceof SymbolsError &&
        e.code === 'TTNG_E_SYMBOLS_ADDRESSES_HIDDEN' &&
        /kptr_restrict/.test(e.message),
    );
    assert.ok(loadKallsyms({ path: copy, allowHiddenAddresses: true }).isAddressRestricted);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
