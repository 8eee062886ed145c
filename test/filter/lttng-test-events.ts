/**
 * The events lttng-tools' filtering tests generate, as data (../shared/conformance/filters/README.md,
 * "What the valid tests generate"): field classes as a FilterTarget, and the 100 events of each.
 */
import type { FilterEventValues, FilterField, FilterTarget } from '../../src/filter/index.js';

const s32 = { kind: 'integer', signed: true, sizeBits: 32 } as const;
const s64 = { kind: 'integer', signed: true, sizeBits: 64 } as const;
const u32 = { kind: 'integer', signed: false, sizeBits: 32 } as const;
const s8 = { kind: 'integer', signed: true, sizeBits: 8 } as const;

const TPTEST_COMMON: FilterField[] = [
  { name: 'intfield', type: s32 },
  { name: 'intfield2', type: s32 },
  { name: 'longfield', type: s64 },
  { name: 'netintfield', type: s32 },
  { name: 'netintfieldhex', type: s32 },
  { name: 'arrfield1', type: { kind: 'array', length: 3, element: s64, isText: false } },
  { name: 'arrfield2', type: { kind: 'array', length: 10, element: s8, isText: true } },
  { name: 'arrfield3', type: { kind: 'array', length: 3, element: u32, isText: false } },
  { name: 'seqfield1', type: { kind: 'sequence', element: s8, isText: false } },
  { name: 'seqfield2', type: { kind: 'sequence', element: s8, isText: true } },
  { name: 'seqfield3', type: { kind: 'sequence', element: u32, isText: false } },
  { name: 'seqfield4', type: { kind: 'sequence', element: s64, isText: false } },
  { name: 'stringfield', type: { kind: 'string' } },
  { name: 'stringfield2', type: { kind: 'string' } },
];

const UST_CONTEXT: FilterField[] = [
  { name: 'procname', type: { kind: 'array', length: 17, element: s8, isText: true } },
  { name: 'vpid', type: s32 },
  { name: 'vtid', type: s32 },
];

export const TPTEST_UST: FilterTarget = {
  payload: [
    ...TPTEST_COMMON,
    { name: 'floatfield', type: { kind: 'float', sizeBits: 32 } },
    { name: 'doublefield', type: { kind: 'float', sizeBits: 64 } },
  ],
  context: UST_CONTEXT,
};

export const TEST_FILTER_EVENT_KERNEL: FilterTarget = {
  payload: [...TPTEST_COMMON, { name: 'signedfield', type: s64 }],
  context: [
    { name: 'procname', type: { kind: 'array', length: 16, element: s8, isText: true } },
    { name: 'vpid', type: s32 },
    { name: 'vtid', type: s32 },
  ],
  floatingPoint: false,
};

export const THE_STRING_UST: FilterTarget = {
  payload: [
    { name: 'i', type: s32 },
    { name: 'arg_i', type: s32 },
    { name: 'str', type: { kind: 'string' } },
  ],
  context: UST_CONTEXT,
};

export const TPTEST_BLOB_UST: FilterTarget = {
  payload: [
    { name: 'fixblobfield_nomediatype', type: { kind: 'blob', length: 4 } },
    { name: 'fixblobfield_mediatype', type: { kind: 'blob', length: 4 } },
    { name: 'varblobfield_nomediatype', type: { kind: 'blob' } },
    { name: 'varblobfield_mediatype', type: { kind: 'blob' } },
  ],
  context: UST_CONTEXT,
};

const WORDS =
  'hypothec hypotheca hypothecary hypothecate hypothecation hypothecator hypothecium hypothenar hypothenuse hypothermal hypothermia hypothermic hypotheses hypothesis hypothesise hypothesised hypothesises hypothesize hypothesizing hypothetic electrothermic endothermic exothermic geothermic apothecary hypothecary peccary scary actinomycosis adenohypophysis adiposis emesis emphasis conformal coseismal decimal dermal'.split(
    ' ',
  );

const USTCTX = (i: number) => ({ procname: 'gen-ust-events', vpid: 4242, vtid: 4243 + (i % 2) });

export function tptestEvents(domain: 'ust' | 'kernel'): FilterEventValues[] {
  const out: FilterEventValues[] = [];
  for (let i = 0; i < 100; i++) {
    const payload: Record<string, unknown> = {
      intfield: i,
      intfield2: i,
      longfield: i,
      netintfield: i,
      netintfieldhex: i,
      arrfield1: [1, 2, 3],
      // The text array as recorded: "test" padded with NULs to 10 bytes.
      arrfield2: new Uint8Array([0x74, 0x65, 0x73, 0x74, 0, 0, 0, 0, 0, 0]),
      arrfield3: [1, 2, 3],
      seqfield1: [0x74, 0x65, 0x73, 0x74],
      seqfield2: 'test',
      seqfield3: [1, 2, 3],
      seqfield4: [1, 2, 3],
      stringfield: 'test',
      stringfield2: '\\*',
    };
    if (domain === 'ust') {
      payload.floatfield = 2222.0;
      payload.doublefield = 2.0;
    } else {
      payload.signedfield = -1;
    }
    out.push({
      payload,
      context: domain === 'ust' ? USTCTX(i) : { procname: 'test_valid_filt', vpid: 777, vtid: 778 },
    });
  }
  return out;
}

export function theStringEvents(): FilterEventValues[] {
  const out: FilterEventValues[] = [];
  for (let i = 0; i < 100; i++)
    out.push({ payload: { i, arg_i: i, str: WORDS[i % WORDS.length] }, context: USTCTX(i) });
  return out;
}

export function blobEvents(): FilterEventValues[] {
  const out: FilterEventValues[] = [];
  for (let i = 0; i < 100; i++) {
    const b = new Uint8Array([2, 3, 4, 5]);
    out.push({
      payload: {
        fixblobfield_nomediatype: b,
        fixblobfield_mediatype: b,
        varblobfield_nomediatype: b,
        varblobfield_mediatype: b,
      },
      context: USTCTX(i),
    });
  }
  return out;
}
