/**
 * The user-space half of the kernel consumer, without the kernel: real pages of this kernel
 * (test/data/kernel/pages/mixed.*.bin) walked by KBuffer and (1) decoded by the compiled decoders
 * into LTTng's fields (what filters see), (2) transcoded into CTF packets by the kernel CTF
 * output (what `ttng record` writes, files included), against a baseline that only copies the
 * same pages (what a recorder that keeps raw pages does). Prints ns per record for each, and the
 * ratios.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KernelCtfOutput } from '../../src/sources/kernel/ctf-output.js';
import { compileValuesDecoder, type ValuesDecoder } from '../../src/sources/kernel/event-decoder.js';
import { parseEventFormat, parseHeaderPage } from '../../src/sources/kernel/format-parser.js';
import { KBUFFER_RECORD, KBuffer } from '../../src/sources/kernel/kbuffer.js';
import type { KernelEventClass, RawRecordWriter } from '../../src/sources/kernel/kernel-session.js';
import { buildEventLayout, type EventLayout } from '../../src/sources/kernel/lttng-layout.js';

const DATA = fileURLToPath(new URL('../../../test/data/kernel/', import.meta.url));
const hp = parseHeaderPage(readFileSync(join(DATA, 'formats/header_page'), 'latin1'));
const SUBBUF = hp.dataOffsetBytes + hp.dataSizeBytes;
const decoders: (ValuesDecoder | undefined)[] = new Array(65536).fill(undefined);
const values: ({ [k: string]: unknown } | undefined)[] = new Array(65536).fill(undefined);
const layouts: EventLayout[] = [];
for (const f of readdirSync(join(DATA, 'formats')).filter((x) => x.endsWith('.format'))) {
  const fmt = parseEventFormat(readFileSync(join(DATA, 'formats', f), 'latin1'), {
    system: f.split('.')[0]!,
  });
  const layout = buildEventLayout(fmt);
  layouts.push(layout);
  const d = compileValuesDecoder(layout, { littleEndian: true });
  decoders[fmt.id] = d;
  values[fmt.id] = d.newValues();
}
const cpu0 = readFileSync(join(DATA, 'pages/mixed.cpu0.bin'));
const pages = Buffer.concat([cpu0, readFileSync(join(DATA, 'pages/mixed.cpu1.bin'))]);
/** Pages before this offset are CPU 0's. */
const CPU1_FROM = cpu0.length;
const tasks = { tgidOf: (tid: number) => tid };
const kb = new KBuffer(hp, { littleEndian: true });

function decodeAll(): number {
  let n = 0;
  for (let off = 0; off < pages.length; off += SUBBUF) {
    const page = pages.subarray(off, off + SUBBUF);
    if (kb.loadPage(page, SUBBUF) !== KBUFFER_RECORD) continue;
    const view = kb.view;
    while (kb.next() === KBUFFER_RECORD) {
      const p = kb.payloadOffset;
      const id = view.getUint16(p, true);
      const d = decoders[id];
      if (d !== undefined) d.decode(page, view, p, kb.payloadLength, values[id] as never, tasks);
      n++;
    }
  }
  return n;
}

// The kernel CTF output, as `ttng record -c tid` writes it (into a temporary directory).
const work = mkdtempSync(join(tmpdir(), 'ttng-bench-transcode-'));
const classes: KernelEventClass[] = layouts.map((layout, id) => ({
  id,
  name: layout.lttngName,
  fields: layout.fields,
  layout,
}));
const classOf: number[] = new Array(65536).fill(-1);
for (const c of classes) classOf[c.layout!.ftraceId] = c.id;
const output = new KernelCtfOutput({ dir: work, traceName: 'bench' });
output.begin({ classes, contexts: ['tid'], cpuIds: [0, 1] });
const writers: (RawRecordWriter | undefined)[][] = [new Array(65536), new Array(65536)];
const ctx = { tid: 0 };
const ts = new Uint32Array(2);
let round = 0;

function transcodeAll(): number {
  let n = 0;
  // Each round is stamped 2^40 ns later, so that every stream stays in time order.
  round++;
  for (let off = 0; off < pages.length; off += SUBBUF) {
    const page = pages.subarray(off, off + SUBBUF);
    const cpu = off < CPU1_FROM ? 0 : 1;
    if (kb.loadPage(page, SUBBUF) !== KBUFFER_RECORD) continue;
    const view = kb.view;
    const w = writers[cpu]!;
    while (kb.next() === KBUFFER_RECORD) {
      const p = kb.payloadOffset;
      const id = view.getUint16(p, true);
      const c = classOf[id]!;
      if (c < 0) continue;
      let raw = w[id];
      if (raw === undefined) raw = w[id] = output.rawWriter(cpu, c, classes[c]!.layout!, true);
      ts[0] = kb.ts[0]! + round * 256;
      ts[1] = kb.ts[1]!;
      raw(view, page, p, kb.payloadLength, ts, ctx, tasks);
      n++;
    }
  }
  return n;
}

const copyTarget = Buffer.alloc(pages.length);
function copyAll(): number {
  for (let off = 0; off < pages.length; off += SUBBUF) pages.copy(copyTarget, off, off, off + SUBBUF);
  return 0;
}

function time(fn: () => number, rounds: number): { ns: number; records: number } {
  let records = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) records += fn();
  return { ns: Number(process.hrtime.bigint() - t0), records };
}

const perRound = decodeAll();
const ROUNDS = 3000;
time(decodeAll, 300); // warm-up
time(transcodeAll, 300);
time(copyAll, 300);
const dec = time(decodeAll, ROUNDS);
const tx = time(transcodeAll, ROUNDS);
const cp = time(copyAll, ROUNDS);
output.close();
rmSync(work, { recursive: true, force: true });
const recs = perRound * ROUNDS;
console.log(
  `decode: ${(dec.ns / recs).toFixed(1)} ns/record, ${((recs / dec.ns) * 1e3).toFixed(2)} M records/s (${perRound} records in ${pages.length / SUBBUF} pages)`,
);
console.log(
  `transcode into CTF packets and files: ${(tx.ns / tx.records).toFixed(1)} ns/record, ${((tx.records / tx.ns) * 1e3).toFixed(2)} M records/s`,
);
console.log(`copy baseline: ${(cp.ns / recs).toFixed(1)} ns/record (the same pages copied, nothing decoded)`);
console.log(
  `ratio decode/copy: ${(dec.ns / cp.ns).toFixed(1)}, transcode/copy: ${(tx.ns / tx.records / (cp.ns / recs)).toFixed(1)}`,
);
