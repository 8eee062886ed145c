/**
 * The raw page decoder against real pages of this kernel (test/data/kernel/pages, captured with
 * trace_clock x86-tsc by capture-pages.mjs) and the kernel's own text of the same records:
 * every record, exact time stamps, every field. Then crafted pages for each record type and
 * every error, and a fuzz test over mutated real pages.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  KBUFFER_END,
  KBUFFER_ERRORS,
  KBUFFER_RECORD,
  KBuffer,
  KbufferError,
  RB_MISSED_EVENTS,
  RB_MISSED_STORED,
} from '../../../src/sources/kernel/kbuffer.js';
import { parseCpuStats } from '../../../src/sources/kernel/tracefs-instance.js';
import {
  decodePages,
  expectedFromText,
  KERNEL_DATA,
  parseTraceText,
  savedFormats,
  savedHeaderPage,
} from './helpers.js';

const PAGES = join(KERNEL_DATA, 'pages');
const HP = savedHeaderPage();
const SUBBUF = HP.dataOffsetBytes + HP.dataSizeBytes;

function checkAgainstText(name: string, cpu: number): { n: number; names: Set<string> } {
  const pages = readFileSync(join(PAGES, `${name}.cpu${cpu}.bin`));
  const text = parseTraceText(readFileSync(join(PAGES, `${name}.cpu${cpu}.txt`), 'latin1'));
  const dec = decodePages(pages, SUBBUF, HP, savedFormats(), cpu);
  assert.deepEqual(dec.errors, [], `${name} cpu${cpu}: page errors`);
  assert.equal(dec.records.length, text.length, `${name} cpu${cpu}: record count`);
  const names = new Set<string>();
  for (let i = 0; i < text.length; i++) {
    const t = text[i]!;
    const r = dec.records[i]!;
    const where = `${name} cpu${cpu} record ${i} (${t.body.slice(0, 60)})`;
    assert.equal(r.ts, t.ts, `${where}: time stamp`);
    assert.equal(r.commonPid, t.pid, `${where}: common_pid`);
    const exp = expectedFromText(t);
    assert.ok(exp, `${where}: the test does not know this event`);
    assert.equal(r.lttngName, exp.lttngName, `${where}: event`);
    names.add(r.lttngName);
    for (const [k, v] of Object.entries(exp.fields)) {
      const got = k === 'buf' ? String(r.values[k]).replace(/\n$/, '') : r.values[k];
      assert.equal(got, v, `${where}: field ${k}`);
    }
  }
  return { n: text.length, names };
}

test('real pages decode to exactly what the kernel printed (mixed events, both CPUs)', () => {
  const a = checkAgainstText('mixed', 0);
  const b = checkAgainstText('mixed', 1);
  assert.ok(a.n + b.n > 300, `only ${a.n + b.n} records`);
  const names = new Set([...a.names, ...b.names]);
  for (const n of [
    'sched_switch',
    'sched_waking',
    'syscall_entry_openat',
    'syscall_exit_openat',
    'print',
    'sched_process_exec',
  ]) {
    assert.ok(names.has(n), `no ${n} record in the capture`);
  }
});

test('the capture holds a TIME_EXTEND and a type_len 0 record, and both decode right', () => {
  const pages = readFileSync(join(PAGES, 'mixed.cpu0.bin'));
  const types = new Set<number>();
  for (let off = 0; off < pages.length; off += SUBBUF) {
    const commit = pages.readUInt32LE(off + HP.commitOffsetBytes) & ((1 << 27) - 1);
    let pos = off + HP.dataOffsetBytes;
    const end = pos + commit;
    while (pos < end) {
      const w = pages.readUInt32LE(pos);
      const tl = w & 31;
      types.add(tl);
      if (tl === 0) pos += 4 + pages.readUInt32LE(pos + 4);
      else if (tl <= 28) pos += 4 + 4 * tl;
      else if (tl === 29 && w >>> 5 === 0) break;
      else if (tl === 29) pos += 4 + pages.readUInt32LE(pos + 4);
      else pos += 8;
    }
  }
  assert.ok(types.has(0), 'no type_len 0 record (the 300-byte marker)');
  assert.ok(types.has(30), 'no TIME_EXTEND (the 400 ms gap)');
  // And the records around them matched the text in the test above.
});

test('overwrite mode: the first page carries RB_MISSED_EVENTS and the count equals the overrun stat', () => {
  const pages = readFileSync(join(PAGES, 'overwrite.cpu0.bin'));
  const stats = parseCpuStats(readFileSync(join(PAGES, 'overwrite.cpu0.stats'), 'latin1'));
  const dec = decodePages(pages, SUBBUF, HP, savedFormats());
  assert.ok(stats.overrun > 0);
  assert.deepEqual(dec.missed[0], [true, stats.overrun]);
  for (const m of dec.missed.slice(1)) assert.deepEqual(m, [false, 0]);
  checkAgainstText('overwrite', 0);
  // The markers are numbered: the records kept are the last ones, none missing after the loss.
  const nums = dec.records.map((r) => Number(/^m(\d+)/.exec(String(r.values.buf))?.[1]));
  assert.equal(nums[0], stats.overrun);
  for (const [i, n] of nums.entries()) assert.equal(n, nums[0]! + i);
});

// --- Crafted pages ---------------------------------------------------------------------------

function page(
  records: number[],
  o: { ts?: bigint; flags?: number; missed?: bigint; size?: number } = {},
): Buffer {
  const size = o.size ?? SUBBUF;
  const b = Buffer.alloc(size);
  b.writeBigUInt64LE(o.ts ?? 1000n, 0);
  const data = Buffer.alloc(records.length * 4);
  for (const [i, w] of records.entries()) data.writeUInt32LE(w >>> 0, i * 4);
  data.copy(b, 16);
  b.writeUInt32LE((data.length | (o.flags ?? 0)) >>> 0, 8);
  if (o.flags && o.flags >>> 0 >= 0x80000000) b.writeUInt32LE(0xffffffff, 12); // sign-extended, as the kernel leaves it
  if (o.missed !== undefined) b.writeBigUInt64LE(o.missed, 16 + data.length);
  return b;
}
const hdr = (typeLen: number, delta: number) => ((delta << 5) | typeLen) >>> 0;

function walk(b: Buffer): { ts: bigint[]; lens: number[]; status: number } {
  const kb = new KBuffer(HP, { littleEndian: true });
  const ts: bigint[] = [];
  const lens: number[] = [];
  let st = kb.loadPage(b, b.length);
  if (st !== KBUFFER_RECORD) return { ts, lens, status: st };
  for (;;) {
    st = kb.next();
    if (st !== KBUFFER_RECORD) return { ts, lens, status: st };
    ts.push(kb.tsBigInt);
    lens.push(kb.payloadLength);
  }
}

test('crafted: data records, time extend, absolute stamp, padding', () => {
  const r = walk(
    page([
      hdr(1, 0),
      0xaaaa, // data, 4 bytes, ts 1000
      hdr(2, 5),
      1,
      2, // data, 8 bytes, ts 1005
      hdr(30, 7),
      3, // extend: (3 << 27) + 7
      hdr(1, 0),
      0, // data at 1005 + 3*2^27 + 7
      hdr(29, 9),
      8,
      0, // discarded record, 4 + 8 bytes: skipped, its delta ignored
      hdr(0, 1),
      12,
      1,
      2, // type_len 0: payload 8 bytes
      hdr(31, 0x10),
      0x20, // absolute: (0x20 << 27) | 0x10
      hdr(1, 1),
      0,
      hdr(29, 0), // end-of-page padding
      hdr(1, 0),
      0, // never reached
    ]),
  );
  const ext = 1005n + (3n << 27n) + 7n;
  const abs = (0x20n << 27n) | 0x10n;
  assert.deepEqual(r.ts, [1000n, 1005n, ext, ext + 1n, abs + 1n]);
  assert.deepEqual(r.lens, [4, 8, 4, 8, 4]);
  assert.equal(r.status, KBUFFER_END);
});

test('crafted: the 59-bit absolute stamp keeps the top bits of the running clock and carries', () => {
  const top = 0xf8n << 56n;
  // Running ts has top bits set; an absolute stamp lower than it (in 59 bits) wraps forward.
  const start = top | ((1n << 59n) - 100n);
  const r = walk(page([hdr(1, 0), 0, hdr(31, 5), 0, hdr(1, 0), 0], { ts: start }));
  assert.equal(r.ts[0], start);
  assert.equal(r.ts[1], BigInt.asUintN(64, (top | 5n) + (1n << 59n)));
});

test('crafted: missed-events flags, with and without the stored count', () => {
  const kb = new KBuffer(HP, { littleEndian: true });
  const flags = (RB_MISSED_EVENTS | RB_MISSED_STORED) >>> 0;
  assert.equal(kb.loadPage(page([hdr(1, 0), 0], { flags, missed: 1394n }), SUBBUF), KBUFFER_RECORD);
  assert.equal(kb.hasMissedEvents, true);
  assert.equal(kb.missedEvents, 1394);
  assert.equal(kb.loadPage(page([hdr(1, 0), 0], { flags: RB_MISSED_EVENTS }), SUBBUF), KBUFFER_RECORD);
  assert.equal(kb.missedEvents, -1);
  assert.equal(kb.loadPage(page([hdr(1, 0), 0]), SUBBUF), KBUFFER_RECORD);
  assert.equal(kb.hasMissedEvents, false);
});

test('crafted: every error code is reported, with a message', () => {
  const kb = new KBuffer(HP, { littleEndian: true });
  assert.equal(kb.loadPage(Buffer.alloc(8), 8), KbufferError.PageTooShort);
  const big = page([]);
  big.writeUInt32LE(SUBBUF, 8);
  assert.equal(kb.loadPage(big, SUBBUF), KbufferError.CommitPastEnd);
  assert.equal(walk(page([hdr(5, 0), 0])).status, KbufferError.RecordPastCommit);
  assert.equal(walk(page([hdr(0, 0), 4])).status, KbufferError.ZeroLengthData);
  assert.equal(walk(page([hdr(30, 0)])).status, KbufferError.ExtendWithoutData);
  for (const code of Object.values(KbufferError)) assert.ok(KBUFFER_ERRORS[code], `no message for ${code}`);
});

test('big-endian kernels: the same records, byte order decided once', () => {
  const le = page([hdr(1, 3), 0x01020304, hdr(30, 1), 2, hdr(2, 0), 7, 8], { ts: 77n });
  const be = Buffer.alloc(le.length);
  be.writeBigUInt64BE(77n, 0);
  be.writeUInt32BE(0, 8);
  be.writeUInt32BE(le.readUInt32LE(8), 12);
  // BE record header: type_len in the top 5 bits.
  const beHdr = (tl: number, d: number) => ((tl << 27) | d) >>> 0;
  const words = [beHdr(1, 3), 0x01020304, beHdr(30, 1), 2, beHdr(2, 0), 7, 8];
  for (const [i, w] of words.entries()) be.writeUInt32BE(w, 16 + i * 4);
  const kbBe = new KBuffer(HP, { littleEndian: false });
  assert.equal(kbBe.loadPage(be, be.length), KBUFFER_RECORD);
  const got: bigint[] = [];
  while (kbBe.next() === KBUFFER_RECORD) got.push(kbBe.tsBigInt);
  assert.deepEqual(got, walk(le).ts);
});

test('fuzz: mutated real pages never throw nor loop, and records stay inside the page', () => {
  const corpusDir = join(KERNEL_DATA, 'fuzz/pages');
  const seeds = [
    readFileSync(join(PAGES, 'mixed.cpu0.bin')).subarray(0, SUBBUF),
    ...readdirSync(corpusDir).map((f) => readFileSync(join(corpusDir, f))),
  ];
  fc.assert(
    fc.property(
      fc.nat(seeds.length - 1),
      fc.array(fc.tuple(fc.nat(SUBBUF - 1), fc.nat(255)), { maxLength: 16 }),
      (seed, edits) => {
        const b = Buffer.from(seeds[seed]!);
        for (const [at, v] of edits) if (at < b.length) b[at] = v;
        const kb = new KBuffer(HP, { littleEndian: true });
        if (kb.loadPage(b, b.length) !== KBUFFER_RECORD) return;
        for (let n = 0; n < SUBBUF; n++) {
          const st = kb.next();
          if (st !== KBUFFER_RECORD) {
            assert.ok(st === KBUFFER_END || KBUFFER_ERRORS[st] !== undefined);
            return;
          }
          assert.ok(
            kb.payloadOffset >= HP.dataOffsetBytes && kb.payloadOffset + kb.payloadLength <= b.length,
          );
        }
        assert.fail('more records than bytes: the walk does not advance');
      },
    ),
    { numRuns: 3000 },
  );
});
