/**
 * Random event record classes and values for property tests: every field class kind TSDL can
 * express (integers of any size 1..64, both byte orders, any alignment, every display base;
 * enumerations; 32/64-bit floats; null-terminated, static- and dynamic-length strings; static and
 * dynamic arrays; structures; variants selected by an enumeration), nested, and values for them.
 *
 * Limits keep a record under ~3.5 KiB (so it fits a 4 KiB packet): at most 3 levels below a
 * scope, arrays of at most 3 elements, structures of at most 3 members (5 at a scope root),
 * strings of at most 8 characters. Length and selector fields are siblings placed before the
 * field that uses them, as LTTng does. A field whose byte order is not the trace's has a size
 * that is a multiple of 8 and an alignment of at least 8 (CTF readers reject a byte order change
 * in the middle of a byte).
 */
import {
  type ByteOrder,
  type DisplayBase,
  dynamicLengthArray,
  dynamicLengthBlob,
  dynamicLengthString,
  type FieldClass,
  FieldClassKind,
  type FixedLengthIntegerClass,
  fixedLengthBitArray,
  fixedLengthBoolean,
  fixedLengthFloatingPointNumber,
  fixedLengthInteger,
  integerClassRange,
  nullTerminatedString,
  optional,
  type StructureClass,
  type StructureMemberClass,
  staticLengthArray,
  staticLengthBlob,
  staticLengthString,
  structure,
  variableLengthInteger,
  variant,
  variantFromEnumeration,
} from '../../../src/ctf/model/field-class.js';
import { type FieldLocationOrigin, fieldLocation } from '../../../src/ctf/model/field-location.js';

/** The random source (fast-check's `gen`, or a seeded PRNG). */
export interface Draw {
  int(min: number, max: number): number;
  bigint(min: bigint, max: bigint): bigint;
  double(): number;
  /**
   * A non-empty string without NUL, at most `maxLength` code points. Non-empty: babeltrace2
   * 2.0.4 prints a recycled string field's previous value when a string is empty
   * (bt_field_string_clear() sets the length to 0 but leaves the old bytes, and nothing is
   * appended), so an empty string cannot be checked through its output.
   */
  string(maxLength: number): string;
}

export interface SchemaContext {
  readonly d: Draw;
  readonly native: ByteOrder;
  names: number;
  /** Also CTF 2-only kinds: booleans, bit arrays, LEB128 integers, blobs, optionals, integer-selected variants. */
  readonly ctf2?: boolean;
}

function pick<T>(d: Draw, xs: readonly T[]): T {
  return xs[d.int(0, xs.length - 1)]!;
}

const LABELS = ['A', 'B', 'RUNNING', 'with space', 'q"uote', 'back\\slash', 'é', 'x?y', 'L0', 'L1'];

function intClass(
  c: SchemaContext,
  o: { minBits?: number; maxBits?: number; signed?: boolean } = {},
): FixedLengthIntegerClass {
  const d = c.d;
  const minBits = o.minBits ?? 1;
  const maxBits = o.maxBits ?? 64;
  const other: ByteOrder = c.native === 'le' ? 'be' : 'le';
  const nonNative = d.int(0, 3) === 0 && maxBits >= 8 && Math.ceil(minBits / 8) * 8 <= maxBits;
  let lengthBits: number;
  let alignmentBits: number;
  if (nonNative) {
    lengthBits = 8 * d.int(Math.max(1, Math.ceil(minBits / 8)), Math.floor(maxBits / 8));
    alignmentBits = pick(d, [8, 8, 16, 32, 64]);
  } else {
    lengthBits = d.int(minBits, maxBits);
    alignmentBits = pick(d, [1, 1, 2, 4, 8, 8, 8, 16, 32, 64]);
  }
  return fixedLengthInteger({
    lengthBits,
    signed: o.signed ?? d.int(0, 1) === 1,
    byteOrder: nonNative ? other : c.native,
    alignmentBits,
    preferredDisplayBase: pick(d, [10, 10, 10, 16, 8, 2] as DisplayBase[]),
  });
}

function randomIn(d: Draw, fc: FixedLengthIntegerClass): bigint {
  const r = integerClassRange(fc);
  return d.bigint(r.lower, r.upper);
}

function enumClass(c: SchemaContext): FixedLengthIntegerClass {
  const base = intClass(c, { minBits: 2 });
  const n = c.d.int(1, 4);
  const labels = new Set<string>();
  while (labels.size < n) labels.add(pick(c.d, LABELS));
  const mappings = [...labels].map((name) => {
    const k = c.d.int(1, 2);
    const ranges = Array.from({ length: k }, () => {
      const a = randomIn(c.d, base);
      const b = c.d.int(0, 2) === 0 ? a : randomIn(c.d, base);
      return a <= b ? { lower: a, upper: b } : { lower: b, upper: a };
    });
    return { name, ranges };
  });
  return fixedLengthInteger({
    ...base,
    signed: base.kind === FieldClassKind.FixedLengthSignedInteger,
    mappings,
  });
}

function floatClass(c: SchemaContext): FieldClass {
  const lengthBits = c.d.int(0, 1) ? 64 : 32;
  const nonNative = c.d.int(0, 3) === 0;
  return fixedLengthFloatingPointNumber({
    lengthBits,
    byteOrder: nonNative ? (c.native === 'le' ? 'be' : 'le') : c.native,
    alignmentBits: nonNative ? pick(c.d, [8, 32, 64]) : pick(c.d, [1, 8, 8, 32, 64]),
  });
}

type LeafKind = 'int' | 'enum' | 'float' | 'string' | 'sstring';

function leaf(c: SchemaContext, kind: LeafKind): FieldClass {
  switch (kind) {
    case 'int':
      return intClass(c);
    case 'enum':
      return enumClass(c);
    case 'float':
      return floatClass(c);
    case 'string':
      return nullTerminatedString();
    case 'sstring':
      return staticLengthString(c.d.int(1, 16));
  }
}

const LEAVES: readonly LeafKind[] = ['int', 'int', 'int', 'enum', 'float', 'string', 'sstring'];

/** An array element or a variant option: no sibling to hold a length or a selector. */
function element(
  c: SchemaContext,
  depthLeft: number,
  origin: FieldLocationOrigin,
  path: string[],
): FieldClass {
  if (depthLeft >= 2 && c.d.int(0, 4) === 0) return struct(c, depthLeft - 1, 3, origin, path);
  return leaf(c, pick(c.d, LEAVES));
}

/** A structure; `path` is its location from the scope root (arrays are transparent). */
export function struct(
  c: SchemaContext,
  depthLeft: number,
  maxMembers: number,
  origin: FieldLocationOrigin,
  path: string[],
): StructureClass {
  // babeltrace2 2.0 cannot read sequences or variants in an event's specific context.
  const refs = origin !== 'event-record-specific-context';
  const n = c.d.int(0, maxMembers);
  const members: StructureMemberClass[] = [];
  for (let i = 0; i < n; i++) {
    const name = `f${c.names++}`;
    const kinds = [
      'leaf',
      'leaf',
      'leaf',
      ...(refs ? ['dstring', 'variant'] : []),
      ...(depthLeft >= 2 ? ['sarray', 'struct', ...(refs ? ['darray'] : [])] : []),
      ...(c.ctf2
        ? ['bool', 'bitarray', 'varint', 'sblob', ...(refs ? ['dblob', 'optional', 'ivariant'] : [])]
        : []),
    ];
    const kind = pick(c.d, kinds);
    const p = [...path, name];
    switch (kind) {
      case 'leaf':
        members.push({ name, fieldClass: leaf(c, pick(c.d, LEAVES)) });
        break;
      case 'dstring':
      case 'darray': {
        // Room for 3 elements, or 8 characters of up to 4 UTF-8 bytes each.
        const len = intClass(c, { minBits: kind === 'dstring' ? 6 : 3, maxBits: 32, signed: false });
        members.push({ name: `${name}_len`, fieldClass: len });
        const loc = fieldLocation(origin, ...path, `${name}_len`);
        members.push({
          name,
          fieldClass:
            kind === 'dstring'
              ? dynamicLengthString(loc)
              : dynamicLengthArray(element(c, depthLeft - 1, origin, p), loc),
        });
        break;
      }
      case 'variant': {
        const k = c.d.int(1, 3);
        const mappings = Array.from({ length: k }, (_, j) => ({
          name: `o${j}`,
          ranges: [
            { lower: BigInt(j * 10), upper: BigInt(j * 10 + c.d.int(0, 5)) },
            ...(c.d.int(0, 1)
              ? [{ lower: BigInt(100 + j * 10), upper: BigInt(100 + j * 10 + c.d.int(0, 5)) }]
              : []),
          ],
        }));
        const base = intClass(c, { minBits: 8, maxBits: 16, signed: false });
        const sel = fixedLengthInteger({ ...base, signed: false, mappings });
        members.push({ name: `${name}_tag`, fieldClass: sel });
        const options = mappings.map((m) => ({
          name: m.name,
          fieldClass: element(c, Math.max(1, depthLeft - 1), origin, p),
        }));
        members.push({
          name,
          fieldClass: variantFromEnumeration(sel, fieldLocation(origin, ...path, `${name}_tag`), options),
        });
        break;
      }
      case 'sarray':
        members.push({
          name,
          fieldClass: staticLengthArray(element(c, depthLeft - 1, origin, p), c.d.int(0, 3)),
        });
        break;
      case 'struct':
        members.push({ name, fieldClass: struct(c, depthLeft - 1, 3, origin, p) });
        break;
      case 'bool':
        members.push({
          name,
          fieldClass: fixedLengthBoolean({
            lengthBits: c.d.int(1, 64),
            byteOrder: c.native,
            alignmentBits: pick(c.d, [1, 8, 16]),
          }),
        });
        break;
      case 'bitarray':
        members.push({
          name,
          fieldClass: fixedLengthBitArray({
            lengthBits: c.d.int(1, 64),
            byteOrder: c.native,
            alignmentBits: pick(c.d, [1, 4, 8, 32]),
          }),
        });
        break;
      case 'varint':
        members.push({ name, fieldClass: variableLengthInteger({ signed: c.d.int(0, 1) === 1 }) });
        break;
      case 'sblob':
        members.push({ name, fieldClass: staticLengthBlob(c.d.int(0, 6)) });
        break;
      case 'dblob': {
        const len = intClass(c, { minBits: 3, maxBits: 32, signed: false });
        members.push({ name: `${name}_len`, fieldClass: len });
        members.push({ name, fieldClass: dynamicLengthBlob(fieldLocation(origin, ...path, `${name}_len`)) });
        break;
      }
      case 'optional': {
        const byBool = c.d.int(0, 1) === 1;
        const sel = byBool
          ? fixedLengthBoolean({ lengthBits: c.d.int(1, 8), byteOrder: c.native })
          : intClass(c, { minBits: 4, maxBits: 16, signed: false });
        members.push({ name: `${name}_sel`, fieldClass: sel });
        const loc = fieldLocation(origin, ...path, `${name}_sel`);
        const inner = element(c, Math.max(1, depthLeft - 1), origin, p);
        members.push({
          name,
          fieldClass: byBool ? optional(inner, loc) : optional(inner, loc, [{ lower: 1n, upper: 3n }]),
        });
        break;
      }
      case 'ivariant': {
        const sel = intClass(c, { minBits: 8, maxBits: 16, signed: false });
        members.push({ name: `${name}_sel`, fieldClass: sel });
        const k = c.d.int(1, 3);
        members.push({
          name,
          fieldClass: variant(
            fieldLocation(origin, ...path, `${name}_sel`),
            Array.from({ length: k }, (_, j) => ({
              name: `opt${j}`,
              fieldClass: element(c, Math.max(1, depthLeft - 1), origin, p),
              selectorFieldRanges: [{ lower: BigInt(j * 10), upper: BigInt(j * 10 + 3) }],
            })),
          ),
        });
        break;
      }
    }
  }
  return structure(members, { minimumAlignmentBits: pick(c.d, [1, 1, 1, 8, 16, 32, 64]) });
}

/** A string whose UTF-8 form is at most `maxBytes` bytes. */
function stringUpTo(d: Draw, maxChars: number, maxBytes: number): string {
  const enc = new TextEncoder();
  let s = d.string(maxChars);
  while (enc.encode(s).length > maxBytes) s = [...s].slice(0, -1).join('');
  return s === '' ? 'x' : s;
}

/** A value for `fc` (length fields left out: the writer computes them). */
export function value(d: Draw, fc: FieldClass): unknown {
  switch (fc.kind) {
    case FieldClassKind.FixedLengthUnsignedInteger:
    case FieldClassKind.FixedLengthSignedInteger: {
      let v: bigint;
      const way = fc.mappings.length > 0 ? d.int(0, 2) : 0;
      if (way === 1) return pick(d, fc.mappings).name;
      if (way === 2) {
        const r = pick(d, pick(d, fc.mappings).ranges);
        v = d.bigint(r.lower, r.upper);
      } else v = randomIn(d, fc);
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) && d.int(0, 1)
        ? Number(v)
        : v;
    }
    case FieldClassKind.FixedLengthFloatingPointNumber:
      return d.double();
    case FieldClassKind.FixedLengthBoolean:
      return d.int(0, 1) === 1;
    case FieldClassKind.FixedLengthBitArray:
      return d.bigint(0n, (1n << BigInt(fc.lengthBits)) - 1n);
    case FieldClassKind.VariableLengthUnsignedInteger:
      return d.int(0, 1) ? d.int(0, 300) : d.bigint(0n, (1n << 64n) - 1n);
    case FieldClassKind.VariableLengthSignedInteger:
      return d.int(0, 1) ? d.int(-300, 300) : d.bigint(-(1n << 63n), (1n << 63n) - 1n);
    case FieldClassKind.StaticLengthBlob:
      return Uint8Array.from({ length: fc.lengthBytes }, () => d.int(0, 255));
    case FieldClassKind.NullTerminatedString:
      return d.string(8);
    case FieldClassKind.StaticLengthString:
      return stringUpTo(d, 8, fc.lengthBytes);
    case FieldClassKind.StaticLengthArray:
      return Array.from({ length: fc.length }, () => value(d, fc.elementFieldClass));
    case FieldClassKind.Structure:
      return structValue(d, fc);
    default:
      throw new Error(`value: kind ${fc.kind} is generated by structValue`);
  }
}

export function structValue(d: Draw, fc: StructureClass): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const m of fc.memberClasses) {
    const f = m.fieldClass;
    if (f.kind === FieldClassKind.Variant) {
      const k = d.int(0, f.options.length - 1);
      const selName = f.selectorFieldLocation.path[f.selectorFieldLocation.path.length - 1]!;
      const opt = f.options[k]!;
      o[m.name] = value(d, opt.fieldClass);
      const r = pick(d, opt.selectorFieldRanges);
      // The selector: a value in the option's ranges, or the label (its first range's lower bound).
      const selFc = fc.memberClasses.find((x) => x.name === selName)!.fieldClass;
      const hasLabels = 'mappings' in selFc && selFc.mappings.length > 0;
      o[selName] = hasLabels && d.int(0, 2) === 0 ? opt.name : Number(d.bigint(r.lower, r.upper));
    } else if (f.kind === FieldClassKind.DynamicLengthArray) {
      o[m.name] = Array.from({ length: d.int(0, 3) }, () => value(d, f.elementFieldClass));
    } else if (f.kind === FieldClassKind.DynamicLengthString) {
      o[m.name] = d.string(8);
    } else if (f.kind === FieldClassKind.DynamicLengthBlob) {
      o[m.name] = Uint8Array.from({ length: d.int(0, 5) }, () => d.int(0, 255));
    } else if (f.kind === FieldClassKind.Optional) {
      const selName = f.selectorFieldLocation.path.at(-1)!;
      const on = d.int(0, 1) === 1;
      if (f.selectorFieldRanges) o[selName] = on ? d.int(1, 3) : pick(d, [0, 4, 9]);
      else o[selName] = on;
      o[m.name] = on ? value(d, f.fieldClass) : null;
    }
  }
  for (const m of fc.memberClasses) {
    if (m.name in o) continue;
    const isLength = fc.memberClasses.some(
      (x) =>
        (x.fieldClass.kind === FieldClassKind.DynamicLengthArray ||
          x.fieldClass.kind === FieldClassKind.DynamicLengthString ||
          x.fieldClass.kind === FieldClassKind.DynamicLengthBlob) &&
        x.fieldClass.lengthFieldLocation.path.at(-1) === m.name,
    );
    if (isLength) continue;
    o[m.name] = value(d, m.fieldClass);
  }
  return o;
}
