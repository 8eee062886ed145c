/**
 * How babeltrace2 2.0's `sink.text.pretty` prints field values (src/plugins/text/pretty/print.c),
 * for comparing its output with the values a test wrote: integers in their display base (hex and
 * octal of signed values masked to a rounded length), enumerations, `%g` doubles (glibc rounding:
 * half to even on the exact binary value), escaped strings, arrays, structures and variants.
 */
import {
  type FieldClass,
  FieldClassKind,
  type FixedLengthIntegerClass,
  mappingLabelsOf,
} from '../../../src/ctf/model/field-class.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** print_escape_string(): `"` + escaped bytes + `"`. */
export function bt2String(s: string): string {
  const bytes = encoder.encode(s);
  const out: number[] = [];
  const push = (t: string) => {
    for (const c of t) out.push(c.charCodeAt(0));
  };
  for (const b of bytes) {
    if (b === 0) break;
    switch (b) {
      case 0x5c:
        push('\\\\');
        continue;
      case 0x27:
        push("\\'");
        continue;
      case 0x22:
        push('\\"');
        continue;
      case 0x3f:
        push('\\?');
        continue;
    }
    if (b >= 0x20 && b !== 0x7f) {
      out.push(b);
      continue;
    }
    const named: Record<number, string> = {
      7: 'a',
      8: 'b',
      27: 'e',
      12: 'f',
      10: 'n',
      13: 'r',
      9: 't',
      11: 'v',
    };
    if (named[b]) push(`\\${named[b]}`);
    else push(`\\x${b.toString(16).padStart(2, '0')}`);
  }
  return `"${decoder.decode(new Uint8Array(out))}"`;
}

/** print_integer() for a value of an integer class. */
export function bt2Integer(
  fc: { lengthBits: number; preferredDisplayBase: number; kind: number },
  v: bigint,
): string {
  const len = BigInt(fc.lengthBits);
  const signed = fc.kind === FieldClassKind.FixedLengthSignedInteger;
  const u = BigInt.asUintN(64, v);
  switch (fc.preferredDisplayBase) {
    case 2: {
      const bits = BigInt.asUintN(fc.lengthBits, v).toString(2).padStart(fc.lengthBits, '0');
      return `0b${bits}`;
    }
    case 8: {
      let x = u;
      if (signed && len < 64n) {
        const rounded = ((len - 1n) / 3n + 1n) * 3n;
        x &= (1n << rounded) - 1n;
      }
      return `0${x.toString(8)}`;
    }
    case 16: {
      let x = u;
      if (len < 64n) {
        const rounded = (len + 3n) & ~3n;
        // babeltrace2 computes `((uint64_t) 1 << rounded) - 1`: for 61..63-bit integers the
        // shift is by 64, which x86-64 takes modulo 64, so the mask is 0 and it prints 0x0.
        x &= (1n << (rounded & 63n)) - 1n;
      }
      return `0x${x.toString(16).toUpperCase()}`;
    }
    default:
      return signed ? BigInt.asIntN(64, v).toString() : u.toString();
  }
}

/** Exact decimal digits and exponent of a finite non-zero double: value = 0.d1d2... x 10^exp10. */
function exactDecimal(v: number): { digits: string; pointPos: number } {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, Math.abs(v));
  const bits = dv.getBigUint64(0);
  const e = Number((bits >> 52n) & 0x7ffn);
  let m = bits & ((1n << 52n) - 1n);
  let exp2: number;
  if (e === 0) exp2 = -1074;
  else {
    m |= 1n << 52n;
    exp2 = e - 1075;
  }
  // value = m * 2^exp2
  let digits: string;
  let pointPos: number; // number of digits before the decimal point
  if (exp2 >= 0) {
    digits = (m << BigInt(exp2)).toString();
    pointPos = digits.length;
  } else {
    const n = m * 5n ** BigInt(-exp2);
    digits = n.toString();
    pointPos = digits.length - -exp2;
  }
  // Strip leading zeros (pointPos counts from the first digit).
  const lead = digits.match(/^0*/)![0].length;
  digits = digits.slice(lead);
  pointPos -= lead;
  return { digits: digits.replace(/0+$/, '') || '0', pointPos };
}

/** printf("%g", v) as glibc does it. */
export function formatG(v: number, precision = 6): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Number.POSITIVE_INFINITY) return 'inf';
  if (v === Number.NEGATIVE_INFINITY) return '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const sign = v < 0 ? '-' : '';
  const { digits, pointPos } = exactDecimal(v);
  // Round to `precision` significant digits, half to even on the exact value.
  let d = digits;
  let pp = pointPos;
  if (d.length > precision) {
    const keep = d.slice(0, precision);
    const rest = d.slice(precision);
    let up: boolean;
    if (rest[0]! > '5') up = true;
    else if (rest[0]! < '5') up = false;
    else if (/[1-9]/.test(rest.slice(1))) up = true;
    else up = Number(keep[keep.length - 1]) % 2 === 1;
    let n = BigInt(keep);
    if (up) n += 1n;
    d = n.toString();
    if (d.length > precision) {
      d = d.slice(0, precision);
      pp += 1;
    }
  }
  const x = pp - 1; // decimal exponent of the first digit
  d = d.padEnd(precision, '0');
  if (x < -4 || x >= precision) {
    let frac = d.slice(1).replace(/0+$/, '');
    frac = frac ? `.${frac}` : '';
    const ex = Math.abs(x).toString().padStart(2, '0');
    return `${sign}${d[0]}${frac}e${x < 0 ? '-' : '+'}${ex}`;
  }
  let s: string;
  if (x >= 0) {
    s = `${d.slice(0, x + 1)}.${d.slice(x + 1)}`;
  } else {
    s = `0.${'0'.repeat(-x - 1)}${d}`;
  }
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return sign + s;
}

/** Numeric value of an integer (or enum) value given to the writer (number, bigint or label). */
export function integerValueOf(fc: FixedLengthIntegerClass, v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string') {
    const m = fc.mappings.find((x) => x.name === v);
    if (!m) throw new Error(`no label ${v}`);
    return m.ranges[0]!.lower;
  }
  if (typeof v === 'boolean') return v ? 1n : 0n;
  throw new Error(`not an integer: ${String(v)}`);
}

export function bt2Enum(fc: FixedLengthIntegerClass, v: bigint): string {
  const labels = mappingLabelsOf(fc, v);
  const l = labels.length === 0 ? '<unknown>' : labels.map(bt2String).join(', ');
  return `( ${l} : container = ${bt2Integer(fc, v)} )`;
}

/**
 * How babeltrace2 prints a value of `fc`. Length fields and variant selectors are expected to be
 * members of the same structure as the field that refers to them (the writer computes lengths).
 */
export function bt2Value(fc: FieldClass, v: unknown): string {
  switch (fc.kind) {
    case FieldClassKind.FixedLengthUnsignedInteger:
    case FieldClassKind.FixedLengthSignedInteger: {
      const n = integerValueOf(fc, v);
      return fc.mappings.length > 0 ? bt2Enum(fc, n) : bt2Integer(fc, n);
    }
    case FieldClassKind.FixedLengthFloatingPointNumber: {
      const x = typeof v === 'bigint' ? Number(v) : (v as number);
      return formatG(fc.lengthBits === 32 ? Math.fround(x) : x);
    }
    case FieldClassKind.NullTerminatedString:
    case FieldClassKind.StaticLengthString:
    case FieldClassKind.DynamicLengthString:
      return bt2String(v as string);
    case FieldClassKind.StaticLengthArray:
    case FieldClassKind.DynamicLengthArray: {
      const e = fc.elementFieldClass;
      if (typeof v === 'string') return bt2String(v);
      const arr = v as readonly unknown[];
      if (arr.length === 0) return '[ ]';
      return `[ ${arr.map((x, i) => `[${i}] = ${bt2Value(e, x)}`).join(', ')} ]`;
    }
    case FieldClassKind.Structure: {
      const o = v as Record<string, unknown>;
      if (fc.memberClasses.length === 0) return '{ }';
      // Length fields: the length of the sibling that refers to them.
      const lengths = new Map<string, unknown>();
      for (const m of fc.memberClasses) {
        const f = m.fieldClass;
        if (f.kind === FieldClassKind.DynamicLengthArray || f.kind === FieldClassKind.DynamicLengthString) {
          const name = f.lengthFieldLocation.path[f.lengthFieldLocation.path.length - 1]!;
          const val = o[m.name];
          lengths.set(name, typeof val === 'string' ? encoder.encode(val).length : (val as unknown[]).length);
        }
      }
      const parts = fc.memberClasses.map((m) => {
        const f = m.fieldClass;
        const val = lengths.has(m.name) ? lengths.get(m.name) : o[m.name];
        if (f.kind === FieldClassKind.Variant) {
          const selName = f.selectorFieldLocation.path[f.selectorFieldLocation.path.length - 1]!;
          const selFc = fc.memberClasses.find((x) => x.name === selName)!
            .fieldClass as FixedLengthIntegerClass;
          const sel = integerValueOf(selFc, o[selName]);
          const opt = f.options.find((x) =>
            x.selectorFieldRanges.some((r) => sel >= r.lower && sel <= r.upper),
          )!;
          return `${m.name} = { ${bt2Value(opt.fieldClass, val)} }`;
        }
        return `${m.name} = ${bt2Value(f, val)}`;
      });
      return `{ ${parts.join(', ')} }`;
    }
    default:
      throw new Error(`bt2Value: kind ${fc.kind} is not printed by this helper`);
  }
}
