/**
 * Per-event decoders compiled from an `EventLayout`: one JavaScript function per event class
 * that reads the ftrace record at fixed offsets and fills a reused values object keyed by
 * LTTng's field names (what filters, tests and generic writers consume). Byte order is baked in
 * when the function is generated; no per-field interpretation at run time.
 *
 * Values: integers are numbers when exact (|v| < 2^53), bigints beyond; text is a string up to
 * the first NUL; arrays and sequences are arrays of numbers (or bigints).
 */
import type { FieldValue } from '../../ctf/model/index.js';
import { FtraceFieldKind } from './format-parser.js';
import { type EventLayout, type LayoutField, rwbsFlags, SourceKind } from './lttng-layout.js';

/** Supplies what ftrace records do not carry (thread group ids). */
export interface TaskLookup {
  tgidOf(tid: number): number;
}

export type EventValues = { [field: string]: FieldValue };

/**
 * `(bytes, view, p, len, out, tasks)`: `bytes`/`view` over the page, `p` the payload offset
 * (where `common_type` is), `len` the payload length.
 */
export type ValuesDecodeFn = (
  bytes: Uint8Array,
  view: DataView,
  p: number,
  len: number,
  out: EventValues,
  tasks: TaskLookup,
) => void;

export interface ValuesDecoder {
  readonly layout: EventLayout;
  readonly decode: ValuesDecodeFn;
  /** A values object with every field present (monomorphic shape), to reuse per record. */
  newValues(): EventValues;
}

const TEXT = new TextDecoder('utf-8');

/**
 * Decoded strings by content: kernel records repeat the same few names (task comms, irq
 * handlers), so a string is decoded once and then found by a hash of its bytes, with no
 * allocation. Direct-mapped; a collision replaces the entry.
 */
const CACHE_SLOTS = 4096;
const cacheBytes: (Uint8Array | undefined)[] = new Array(CACHE_SLOTS);
const cacheStrings: string[] = new Array(CACHE_SLOTS).fill('');
/** Longer strings (file names) are decoded every time: they rarely repeat. */
const CACHE_MAX_BYTES = 64;

/** Text of bytes[s, e) up to the first NUL. */
export function cString(bytes: Uint8Array, s: number, e: number): string {
  let n = s;
  let h = 0x811c9dc5;
  while (n < e) {
    const b = bytes[n]!;
    if (b === 0) break;
    h = Math.imul(h ^ b, 0x01000193);
    n++;
  }
  const len = n - s;
  if (len > CACHE_MAX_BYTES) return TEXT.decode(bytes.subarray(s, n));
  const slot = (h >>> 0) & (CACHE_SLOTS - 1);
  const cached = cacheBytes[slot];
  if (cached !== undefined && cached.length === len) {
    let i = 0;
    while (i < len && cached[i] === bytes[s + i]) i++;
    if (i === len) return cacheStrings[slot]!;
  }
  const str = len === 0 ? '' : TEXT.decode(bytes.subarray(s, n));
  cacheBytes[slot] = bytes.slice(s, n);
  cacheStrings[slot] = str;
  return str;
}

/** 64-bit integer from two 32-bit halves: a number when exact, else a bigint. */
export function int64Value(hi: number, lo: number, signed: boolean): number | bigint {
  if (signed) {
    if (hi >= -0x200000 && hi < 0x200000) return hi * 4294967296 + lo;
    return (BigInt(hi) << 32n) + BigInt(lo);
  }
  if (hi < 0x200000) return hi * 4294967296 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Expression reading an integer of `size` bytes at `at` (code), LE or BE. */
export function intReadExpr(at: string, size: number, signed: boolean, le: boolean): string {
  switch (size) {
    case 1:
      return signed ? `view.getInt8(${at})` : `view.getUint8(${at})`;
    case 2:
      return `view.get${signed ? 'Int16' : 'Uint16'}(${at}, ${le})`;
    case 4:
      return `view.get${signed ? 'Int32' : 'Uint32'}(${at}, ${le})`;
    case 8: {
      const hi = le ? `${at} + 4` : at;
      const lo = le ? at : `${at} + 4`;
      return `int64Value(view.get${signed ? 'Int32' : 'Uint32'}(${hi}, ${le}), view.getUint32(${lo}, ${le}), ${signed})`;
    }
    default:
      throw new Error(`no ${size}-byte integer`);
  }
}

/** Code computing [start, end) of a located field into `s`, `e` (data_loc, rel_loc, flexible). */
function locatedRangeCode(f: LayoutField, le: boolean): string {
  const ft = f.ftrace!;
  switch (ft.kind) {
    case FtraceFieldKind.DataLocString:
    case FtraceFieldKind.DataLocArray:
      return `loc = view.getUint32(p + ${ft.offsetBytes}, ${le}); s = p + (loc & 0xffff); e = s + (loc >>> 16); if (e > p + len) e = p + len; if (s > e) s = e;`;
    case FtraceFieldKind.RelLocString:
    case FtraceFieldKind.RelLocArray:
      return `loc = view.getUint32(p + ${ft.offsetBytes}, ${le}); s = p + ${ft.offsetBytes + 4} + (loc & 0xffff); e = s + (loc >>> 16); if (e > p + len) e = p + len; if (s > e) s = e;`;
    default:
      // Flexible array: to the end of the payload (which may include up to 3 pad bytes).
      return `s = p + ${ft.offsetBytes}; e = p + len; if (s > e) s = e;`;
  }
}

/**
 * Code reading one layout field from the ftrace record: statements to run first (`pre`) and the
 * value expression. `charArraysAsBytes`: text arrays are copied into the reusable `scratch<i>`
 * byte array instead of decoded (the CTF writer takes their bytes as they are). Length fields
 * give their count. Generated code uses `bytes`, `view`, `p`, `len`, `tasks` and the locals
 * `loc, s, e, n, a`.
 */
export function fieldReadCode(
  layout: EventLayout,
  i: number,
  o: { littleEndian: boolean; charArraysAsBytes?: boolean },
): { pre: string; expr: string } {
  const le = o.littleEndian;
  const f = layout.fields[i]!;
  const ft = f.ftrace;
  switch (f.source) {
    case SourceKind.Integer: {
      // Truncation (syscall slots declared narrower): the low bytes, wherever the order puts them.
      const at = `p + ${ft!.offsetBytes + (le ? 0 : ft!.sizeBytes - f.outSizeBytes)}`;
      const read = intReadExpr(at, f.outSizeBytes, f.outSigned, le);
      return { pre: '', expr: f.addend !== 0 ? `(${read} + (${f.addend}))` : read };
    }
    case SourceKind.CharArray: {
      const from = `p + ${ft!.offsetBytes}`;
      if (o.charArraysAsBytes) {
        return {
          pre: `for (n = 0; n < ${ft!.sizeBytes}; n++) scratch${i}[n] = bytes[${from} + n];`,
          expr: `scratch${i}`,
        };
      }
      return { pre: '', expr: `cString(bytes, ${from}, ${from} + ${ft!.sizeBytes})` };
    }
    case SourceKind.String:
      return { pre: locatedRangeCode(f, le), expr: 'cString(bytes, s, e)' };
    case SourceKind.IntegerArray: {
      const es = f.outSizeBytes;
      const count = ft!.kind === FtraceFieldKind.Bytes ? ft!.sizeBytes : (ft!.arrayLength ?? 0);
      return {
        pre: `a = new Array(${count}); for (n = 0; n < ${count}; n++) a[n] = ${intReadExpr(`p + ${ft!.offsetBytes} + n * ${es}`, es, f.outSigned, le)}; const arr${i} = a;`,
        expr: `arr${i}`,
      };
    }
    case SourceKind.SequenceLength:
      return { pre: locatedRangeCode(f, le), expr: `Math.floor((e - s) / ${ft!.elementSizeBytes})` };
    case SourceKind.IntegerSequence: {
      const es = f.outSizeBytes;
      return {
        pre: `${locatedRangeCode(f, le)} a = new Array(Math.floor((e - s) / ${es})); for (n = 0; n < a.length; n++) a[n] = ${intReadExpr(`s + n * ${es}`, es, f.outSigned, le)}; const arr${i} = a;`,
        expr: `arr${i}`,
      };
    }
    case SourceKind.RwbsFlags: {
      const from = `p + ${ft!.offsetBytes}`;
      return { pre: '', expr: `rwbsFlags(bytes, ${from}, ${from} + ${ft!.sizeBytes})` };
    }
    case SourceKind.TgidOfTid: {
      const tidField = layout.format.fields.find((x) => x.name === f.tidFieldName)!;
      return { pre: '', expr: `tasks.tgidOf(${intReadExpr(`p + ${tidField.offsetBytes}`, 4, true, le)})` };
    }
  }
}

/** Helpers generated code calls, passed in by name. */
export const DECODER_HELPERS = Object.freeze({ cString, int64Value, rwbsFlags });

/** Compiles the values decoder of one event layout. `littleEndian` is the traced kernel's order. */
export function compileValuesDecoder(layout: EventLayout, o: { littleEndian: boolean }): ValuesDecoder {
  const lines: string[] = ['let loc = 0, s = 0, e = 0, n = 0, a = null;'];
  for (let i = 0; i < layout.fields.length; i++) {
    const { pre, expr } = fieldReadCode(layout, i, { littleEndian: o.littleEndian });
    if (pre) lines.push(pre);
    lines.push(`out[${JSON.stringify(layout.fields[i]!.name)}] = ${expr};`);
  }
  const body = lines.join('\n');
  const factory = new Function(
    'H',
    `const { cString, int64Value, rwbsFlags } = H;\nreturn function decode_${layout.ftraceId}(bytes, view, p, len, out, tasks) {\n${body}\n};`,
  );
  const decode = factory(DECODER_HELPERS) as ValuesDecodeFn;
  const template: EventValues = {};
  for (const f of layout.fields) template[f.name] = 0;
  return {
    layout,
    decode,
    newValues: () => ({ ...template }),
  };
}
