/**
 * Format files: goldens on real files of this kernel (test/data/kernel/formats, with the LTTng
 * layout built from each), every format of the running kernel when tracefs is readable, clear
 * errors with line and column, and a fuzz test over a saved corpus.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { isTtngError } from '../../../src/errors.js';
import {
  FtraceFieldKind,
  parseEventFormat,
  parseHeaderEvent,
  parseHeaderPage,
} from '../../../src/sources/kernel/format-parser.js';
import { buildEventLayout, RwbsFlag, rwbsFlags } from '../../../src/sources/kernel/lttng-layout.js';
import { KERNEL_DATA } from './helpers.js';

const FORMATS = join(KERNEL_DATA, 'formats');

function summary(file: string): unknown {
  const fmt = parseEventFormat(readFileSync(join(FORMATS, file), 'latin1'), {
    system: file.split('.')[0]!,
    source: file,
  });
  const layout = buildEventLayout(fmt);
  const fcAny = (x: unknown) => x as { kind: number; lengthBits?: number; preferredDisplayBase?: number };
  return JSON.parse(
    JSON.stringify({
      format: { ...fmt, printFmt: fmt.printFmt.length },
      lttng: {
        name: layout.lttngName,
        fields: layout.fields.map((x) => ({
          name: x.name,
          kind: fcAny(x.fieldClass).kind,
          lengthBits: fcAny(x.fieldClass).lengthBits,
          signed: x.outSigned,
          base: fcAny(x.fieldClass).preferredDisplayBase,
          source: x.source,
          from: x.ftrace?.name,
          addend: x.addend,
        })),
      },
    }),
  );
}

test('golden: real format files parse, and map to LTTng layouts, as recorded', () => {
  const files = readdirSync(FORMATS).filter((f) => f.endsWith('.format'));
  assert.ok(files.length >= 15);
  for (const f of files) {
    const expected = JSON.parse(
      readFileSync(join(FORMATS, f.replace(/\.format$/, '.expected.json')), 'utf8'),
    );
    assert.deepEqual(summary(f), expected, f);
  }
});

test('golden: key facts of the LTTng layouts', () => {
  const get = (f: string) =>
    summary(f) as {
      lttng: {
        name: string;
        fields: { name: string; addend: number; lengthBits?: number; signed: boolean }[];
      };
    };
  const sw = get('sched.sched_switch.format').lttng;
  assert.equal(sw.name, 'sched_switch');
  assert.deepEqual(
    sw.fields.map((f) => f.name),
    ['prev_comm', 'prev_tid', 'prev_prio', 'prev_state', 'next_comm', 'next_tid', 'next_prio'],
  );
  assert.equal(sw.fields[2]!.addend, -100);
  assert.equal(get('irq.softirq_entry.format').lttng.name, 'irq_softirq_entry');
  const open = get('syscalls.sys_enter_openat.format').lttng;
  assert.equal(open.name, 'syscall_entry_openat');
  assert.deepEqual(
    open.fields.map((f) => [f.name, f.lengthBits, f.signed]),
    [
      ['dfd', 32, true],
      ['filename', 64, false],
      ['flags', 32, true],
      ['mode', 16, false],
    ],
  );
  assert.deepEqual(
    get('syscalls.sys_exit_read.format').lttng.fields.map((f) => [f.name, f.lengthBits, f.signed]),
    [['ret', 64, true]],
  );
});

test('header_page and header_event of this kernel', () => {
  const hp = parseHeaderPage(readFileSync(join(FORMATS, 'header_page'), 'latin1'));
  assert.deepEqual(hp, {
    timestampOffsetBytes: 0,
    timestampSizeBytes: 8,
    commitOffsetBytes: 8,
    commitSizeBytes: 8,
    dataOffsetBytes: 16,
    dataSizeBytes: 4080,
  });
  const he = parseHeaderEvent(readFileSync(join(FORMATS, 'header_event'), 'latin1'));
  assert.equal(he.timeExtendType, 30);
  assert.throws(
    () => parseHeaderEvent(readFileSync(join(FORMATS, 'header_event'), 'latin1').replace('5 bits', '6 bits')),
    {
      code: 'TTNG_E_KERNEL_UNSUPPORTED',
    },
  );
});

test('every format file of the running kernel parses (when tracefs is readable)', (t) => {
  const root = '/sys/kernel/tracing/events';
  try {
    statSync(join(root, 'sched/sched_switch/format'));
  } catch (e) {
    t.skip(`tracefs is not readable here (${(e as NodeJS.ErrnoException).code})`);
    return;
  }
  let n = 0;
  for (const sys of readdirSync(root)) {
    const sd = join(root, sys);
    if (!statSync(sd).isDirectory()) continue;
    for (const ev of readdirSync(sd)) {
      const f = join(sd, ev, 'format');
      if (!existsSync(f)) continue;
      const fmt = parseEventFormat(readFileSync(f, 'latin1'), { system: sys, source: f });
      buildEventLayout(fmt);
      n++;
    }
  }
  assert.ok(n > 1000, `only ${n} formats`);
});

test('kinds: data_loc, rel_loc, struct by value, flexible arrays', () => {
  const fmt = parseEventFormat(
    readFileSync(join(KERNEL_DATA, 'fuzz/formats/crafted-kinds.format'), 'latin1'),
    { system: 'x' },
  );
  assert.deepEqual(
    fmt.fields.map((f) => f.kind),
    [FtraceFieldKind.RelLocString, FtraceFieldKind.Bytes, FtraceFieldKind.FlexString],
  );
  const dma = parseEventFormat(readFileSync(join(FORMATS, 'dma.dma_map_sg.format'), 'latin1'), {
    system: 'dma',
  });
  const lengths = dma.fields.find((f) => f.name === 'lengths')!;
  assert.equal(lengths.kind, FtraceFieldKind.DataLocArray);
  assert.equal(lengths.elementSizeBytes, 4);
});

test('errors say where: source, line, column', () => {
  const bad =
    'name: x\nID: 3\nformat:\n\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\tfield:int;\toffset:8;\tsize:4;\tsigned:1;\n';
  assert.throws(
    () => parseEventFormat(bad, { system: 's', source: 'f.format' }),
    (e: unknown) => {
      assert.ok(isTtngError(e));
      assert.equal(e.code, 'TTNG_E_KERNEL_FORMAT');
      assert.match(e.message, /^f\.format:5:8: /);
      return true;
    },
  );
  assert.throws(() => parseEventFormat('name: x\nID: 99999999\n', { system: 's' }), /bad event id/);
  assert.throws(() => parseEventFormat('ID: 3\n', { system: 's' }), /no "name:" line/);
  assert.throws(
    () => parseEventFormat('name: x\nID: 3\nformat:\n\tgarbage here\n', { system: 's', source: 'g' }),
    /^Error: g:4:1|g:4:1: unexpected line/,
  );
});

test('fuzz: mutated format files parse or fail with TTNG_E_KERNEL_FORMAT, never anything else', () => {
  const corpus = [
    ...readdirSync(join(KERNEL_DATA, 'fuzz/formats')).map((f) =>
      readFileSync(join(KERNEL_DATA, 'fuzz/formats', f), 'latin1'),
    ),
    readFileSync(join(FORMATS, 'sched.sched_process_fork.format'), 'latin1'),
  ];
  const alphabet = [
    '\t',
    '\n',
    ';',
    ':',
    '[',
    ']',
    ' ',
    '0',
    '9',
    'field:',
    'offset:',
    'size:',
    'signed:',
    '__data_loc ',
    'char',
    '*',
    'x',
  ];
  fc.assert(
    fc.property(
      fc.nat(corpus.length - 1),
      fc.array(fc.tuple(fc.nat(4000), fc.nat(8), fc.constantFrom(...alphabet)), { maxLength: 8 }),
      (i, edits) => {
        let s = corpus[i]!;
        for (const [at, del, ins] of edits) {
          const p = at % (s.length + 1);
          s = s.slice(0, p) + ins + s.slice(p + del);
        }
        try {
          const f = parseEventFormat(s, { system: 'fuzz' });
          buildEventLayout(f);
        } catch (e) {
          if (!(isTtngError(e) && e.code === 'TTNG_E_KERNEL_FORMAT')) throw e;
        }
      },
    ),
    { numRuns: 3000 },
  );
});

test("block rwbs text becomes LTTng's RWBS_FLAG_* mask", () => {
  const cases: [string, number][] = [
    ['W', RwbsFlag.Write],
    ['WS', RwbsFlag.Write | RwbsFlag.Sync],
    ['RA', RwbsFlag.Read | RwbsFlag.Rahead],
    ['DS', RwbsFlag.Discard | RwbsFlag.Sync],
    ['DE', RwbsFlag.Discard | RwbsFlag.Secure],
    ['FWFS', RwbsFlag.Preflush | RwbsFlag.Write | RwbsFlag.Fua | RwbsFlag.Sync],
    ['F', RwbsFlag.Flush],
    ['N', 0],
    ['WSM', RwbsFlag.Write | RwbsFlag.Sync | RwbsFlag.Meta],
  ];
  for (const [text, mask] of cases) {
    const b = new Uint8Array(10);
    b.set(new TextEncoder().encode(text));
    assert.equal(rwbsFlags(b, 0, 10), mask, text);
  }
});
