/**
 * The decoding half of the kernel consumer, without the kernel: real pages of this kernel
 * (test/data/kernel/pages/mixed.*.bin) walked by KBuffer and decoded by the compiled decoders into
 * LTTng's fields, against a baseline that only copies the same pages (what a recorder that keeps
 * raw pages does). Prints records per second and ns per record for both, and the ratio.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileValuesDecoder, type ValuesDecoder } from '../../src/sources/kernel/event-decoder.js';
import { parseEventFormat, parseHeaderPage } from '../../src/sources/kernel/format-parser.js';
import { KBUFFER_RECORD, KBuffer } from '../../src/sources/kernel/kbuffer.js';
import { buildEventLayout } from '../../src/sources/kernel/lttng-layout.js';

const DATA = fileURLToPath(new URL('../../../test/data/kernel/', import.meta.url));
const hp = parseHeaderPage(readFileSync(join(DATA, 'formats/header_page'), 'latin1'));
const SUBBUF = hp.dataOffsetBytes + hp.dataSizeBytes;
const decoders: (ValuesDecoder | undefined)[] = new Array(65536).fill(undefined);
const values: ({ [k: string]: unknown } | undefined)[] = new Array(65536).fill(undefined);
for (const f of readdirSync(join(DATA, 'formats')).filter((x) => x.endsWith('.format'))) {
  const fmt = parseEventFormat(readFileSync(join(DATA, 'formats', f), 'latin1'), {
    system: f.split('.')[0]!,
  });
  const d = compileValuesDecoder(buildEventLayout(fmt), { littleEndian: true });
  decoders[fmt.id] = d;
  values[fmt.id] = d.newValues();
}
const pages = Buffer.concat([
  readFileSync(join(DATA, 'pages/mixed.cpu0.bin')),
  readFileSync(join(DATA, 'pages/mixed.cpu1.bin')),
]);
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
time(copyAll, 300);
const dec = time(decodeAll, ROUNDS);
const cp = time(copyAll, ROUNDS);
const recs = perRound * ROUNDS;
console.log(
  `decode: ${(dec.ns / recs).toFixed(1)} ns/record, ${((recs / dec.ns) * 1e3).toFixed(2)} M records/s (${perRound} records in ${pages.length / SUBBUF} pages)`,
);
console.log(`copy baseline: ${(cp.ns / recs).toFixed(1)} ns/record (the same pages copied, nothing decoded)`);
console.log(`ratio decode/copy: ${(dec.ns / cp.ns).toFixed(1)}`);
