/**
 * Field classes, in CTF 2 vocabulary (CTF2-SPECRC-9.0 §5.3). One immutable object per class;
 * `kind` is a small integer so decoders and serializers dispatch on a number, once, when they are
 * generated. CTF 1.8 (TSDL) types map onto these: `integer` -> fixed-length (un)signed integer,
 * `enum` -> integer with `mappings`, `floating_point` -> fixed-length floating point number,
 * `string` -> null-terminated string, arrays/sequences -> static/dynamic-length arrays (text ones
 * -> static/dynamic-length strings), `struct` -> structure, `variant` -> variant.
 */
import { CtfModelError } from '../errors.js';
import type { FieldLocation } from './field-location.js';

export const FieldClassKind = {
  FixedLengthBitArray: 0,
  FixedLengthBoolean: 1,
  FixedLengthUnsignedInteger: 2,
  FixedLengthSignedInteger: 3,
  FixedLengthFloatingPointNumber: 4,
  VariableLengthUnsignedInteger: 5,
  VariableLengthSignedInteger: 6,
  NullTerminatedString: 7,
  StaticLengthString: 8,
  DynamicLengthString: 9,
  StaticLengthBlob: 10,
  DynamicLengthBlob: 11,
  Structure: 12,
  StaticLengthArray: 13,
  DynamicLengthArray: 14,
  Optional: 15,
  Variant: 16,
} as const;
export type FieldClassKind = (typeof FieldClassKind)[keyof typeof FieldClassKind];

export type ByteOrder = 'le' | 'be';
export type DisplayBase = 2 | 8 | 10 | 16;

/** CTF 2 roles; a TSDL reader derives them from LTTng's well-known member names. */
export type FieldRole =
  | 'packet-magic-number'
  | 'metadata-stream-uuid'
  | 'data-stream-class-id'
  | 'data-stream-id'
  | 'packet-total-length'
  | 'packet-content-length'
  | 'default-clock-timestamp'
  | 'packet-end-default-clock-timestamp'
  | 'discarded-event-record-counter-snapshot'
  | 'packet-sequence-number'
  | 'event-record-class-id';

/** Inclusive integer range. bigint: enumeration and selector ranges span the whole 64-bit space. */
export interface IntegerRange {
  readonly lower: bigint;
  readonly upper: bigint;
}

/** One enumeration label and the value ranges it names (CTF 2 integer `mappings`). */
export interface EnumMapping {
  readonly name: string;
  readonly ranges: readonly IntegerRange[];
}

/** Character encoding of an 8-bit integer (CTF 1.8 `encoding = UTF8`), or of a string. */
export type CharEncoding = 'none' | 'utf-8';

interface FieldClassBase {
  /** Free-form attributes, kept as given (CTF 2 `attributes`, LTTng's namespace included). */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

export interface FixedLengthBitArrayClass extends FieldClassBase {
  readonly kind: typeof FieldClassKind.FixedLengthBitArray;
  readonly lengthBits: number;
  readonly byteOrder: ByteOrder;
  readonly alignmentBits: number;
}

export interface FixedLengthBooleanClass extends FieldClassBase {
  readonly kind: typeof FieldClassKind.FixedLengthBoolean;
  readonly lengthBits: number;
  readonly byteOrder: ByteOrder;
  readonly alignmentBits: number;
}

export interface FixedLengthIntegerClass extends FieldClassBase {
  readonly kind:
    | typeof FieldClassKind.FixedLengthUnsignedInteger
    | typeof FieldClassKind.FixedLengthSignedInteger;
  /** 1 to 64. */
  readonly lengthBits: number;
  readonly byteOrder: ByteOrder;
  /** Power of two, in bits. */
  readonly alignmentBits: number;
  readonly preferredDisplayBase: DisplayBase;
  /** Non-empty: this integer is an enumeration. */
  readonly mappings: readonly EnumMapping[];
  readonly roles: readonly FieldRole[];
  /** CTF 1.8 `encoding`: `utf-8` on an 8-bit integer makes arrays of it text. */
  readonly encoding: CharEncoding;
  /** CTF 1.8 `map = clock.NAME.value`: name of the clock class this integer samples. */
  readonly mappedClockClassName?: string;
}

export interface FixedLengthFloatingPointNumberClass extends FieldClassBase {
  readonly kind: typeof FieldClassKind.FixedLengthFloatingPointNumber;
  /** 32 or 64. */
  readonly lengthBits: 32 | 64;
  readonly byteOrder: ByteOrder;
  readonly alignmentBits: number;
}

export interface VariableLengthIntegerClass extends FieldClassBase {
  readonly kind:
    | typeof FieldClassKind.VariableLengthUnsignedInteger
    | typeof FieldClassKind.VariableLengthSignedInteger;
  readonly preferredDisplayBase: DisplayBase;
  readonly mappings: readonly EnumMapping[];
  readonly roles: readonly FieldRole[];
}

export interface NullTerminatedStringClass extends FieldClassBase {
  readonly kind: typeof FieldClassKind.NullTerminatedString;
  readonly encoding: 'utf-8';
}

export interface StaticLengthStringClass extends FieldClassBase {
  readonly kind: typeof FieldClassKind.StaticLengthString;
  /** In bytes. The string ends at the first NUL, the rest is padding. */
  readonly lengthBytes: number;
  readonly encoding: 'utf-8';
}

export interface DynamicLengthStringClass extends FieldClassBase {
  readonly kind: typeof FieldClassKind.DynamicLengthString;
  /** Location of the unsigned integer holding the length in bytes. */
  readonly lengthFieldLocation: FieldLocation;
  readonly encoding: 'utf-8';
}

export interface StaticLengthBlobClass extends FieldClassBase {
  readonly kind: typeof FieldClassKind.StaticLengthBlob;
  readonly lengthBytes: number;
  readonly mediaType: string;
  readonly roles: readonly FieldRole[];
}

export interface DynamicLengthBlobClass extends FieldClassBase {
  readonly kind: typeof FieldClassKind.DynamicLengthBlob;
  readonly lengthFieldLocation: FieldLocation;
  readonly mediaType: string;
}

export interface StructureMemberClass {
  readonly name: string;
  readonly fieldClass: FieldClass;
  readonly attributes?: Readonly<Record<string, unknown>>;
}

export interface StructureClass extends FieldClassBase {
  readonly kind: typeof FieldClassKind.Structure;
  readonly memberClasses: readonly StructureMemberClass[];
  /** CTF 1.8 `align(N)` after a struct; CTF 2 `minimum-alignment`. In bits. */
  readonly minimumAlignmentBits: number;
}

export interface StaticLengthArrayClass extends FieldClassBase {
  readonly kind: typeof FieldClassKind.StaticLengthArray;
  readonly elementFieldClass: FieldClass;
  readonly length: number;
  readonly minimumAlignmentBits: number;
}

export interface DynamicLengthArrayClass extends FieldClassBase {
  readonly kind: typeof FieldClassKind.DynamicLengthArray;
  readonly elementFieldClass: FieldClass;
  /** Location of the unsigned integer holding the element count. */
  readonly lengthFieldLocation: FieldLocation;
  readonly minimumAlignmentBits: number;
}

export interface OptionalClass extends FieldClassBase {
  readonly kind: typeof FieldClassKind.Optional;
  readonly fieldClass: FieldClass;
  readonly selectorFieldLocation: FieldLocation;
  /** Integer selector: enabled when the value is in one of these ranges. Absent: boolean selector. */
  readonly selectorFieldRanges?: readonly IntegerRange[];
}

export interface VariantOption {
  /** Option name. In TSDL it equals the label of the selector enumeration that selects it. */
  readonly name: string;
  readonly fieldClass: FieldClass;
  /** Selector values that select this option. */
  readonly selectorFieldRanges: readonly IntegerRange[];
  readonly attributes?: Readonly<Record<string, unknown>>;
}

export interface VariantClass extends FieldClassBase {
  readonly kind: typeof FieldClassKind.Variant;
  readonly selectorFieldLocation: FieldLocation;
  readonly options: readonly VariantOption[];
}

export type IntegerClass = FixedLengthIntegerClass | VariableLengthIntegerClass;

export type FieldClass =
  | FixedLengthBitArrayClass
  | FixedLengthBooleanClass
  | FixedLengthIntegerClass
  | FixedLengthFloatingPointNumberClass
  | VariableLengthIntegerClass
  | NullTerminatedStringClass
  | StaticLengthStringClass
  | DynamicLengthStringClass
  | StaticLengthBlobClass
  | DynamicLengthBlobClass
  | StructureClass
  | StaticLengthArrayClass
  | DynamicLengthArrayClass
  | OptionalClass
  | VariantClass;

/**
 * A field value, as the writer takes it and as generic readers return it.
 * Integers: number when exact, bigint for 64-bit values beyond 2^53 (either is accepted on input).
 * Structures: plain objects keyed by member name. Variants: the selected option's value.
 * Optionals: `null` when absent. Blobs: Uint8Array.
 */
export type FieldValue =
  | number
  | bigint
  | boolean
  | string
  | null
  | Uint8Array
  | readonly FieldValue[]
  | { readonly [member: string]: FieldValue };

// ---------------------------------------------------------------------------------------------
// Factories. They validate, fill CTF's defaults and freeze, so a class is right once it exists.

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

function checkAlignment(what: string, alignmentBits: number): void {
  if (!isPowerOfTwo(alignmentBits)) {
    throw new CtfModelError(`${what}: alignment ${alignmentBits} bits is not a positive power of two`);
  }
}

function checkRanges(what: string, ranges: readonly IntegerRange[]): readonly IntegerRange[] {
  for (const r of ranges) {
    if (typeof r.lower !== 'bigint' || typeof r.upper !== 'bigint') {
      throw new CtfModelError(`${what}: range bounds must be bigint`);
    }
    if (r.lower > r.upper) {
      throw new CtfModelError(
        `${what}: range ${r.lower}...${r.upper} has its lower bound above its upper bound`,
      );
    }
  }
  return Object.freeze(ranges.map((r) => Object.freeze({ lower: r.lower, upper: r.upper })));
}

function freezeMappings(mappings: readonly EnumMapping[] | undefined): readonly EnumMapping[] {
  if (!mappings) return Object.freeze([]);
  const seen = new Set<string>();
  return Object.freeze(
    mappings.map((m) => {
      if (seen.has(m.name)) throw new CtfModelError(`enumeration: label "${m.name}" appears twice`);
      seen.add(m.name);
      return Object.freeze({ name: m.name, ranges: checkRanges(`enumeration label "${m.name}"`, m.ranges) });
    }),
  );
}

function defaultAlignmentBits(lengthBits: number): number {
  return lengthBits % 8 === 0 ? 8 : 1;
}

export interface FixedLengthIntegerOptions {
  lengthBits: number;
  signed?: boolean;
  byteOrder?: ByteOrder;
  /** Default: 8 when the length is a multiple of 8, else 1 (CTF 1.8's rule). */
  alignmentBits?: number;
  preferredDisplayBase?: DisplayBase;
  mappings?: readonly EnumMapping[];
  roles?: readonly FieldRole[];
  encoding?: CharEncoding;
  mappedClockClassName?: string;
  attributes?: Readonly<Record<string, unknown>>;
}

export function fixedLengthInteger(o: FixedLengthIntegerOptions): FixedLengthIntegerClass {
  if (!Number.isInteger(o.lengthBits) || o.lengthBits < 1 || o.lengthBits > 64) {
    throw new CtfModelError(`integer: length ${o.lengthBits} bits is outside 1..64`);
  }
  const alignmentBits = o.alignmentBits ?? defaultAlignmentBits(o.lengthBits);
  checkAlignment('integer', alignmentBits);
  const base = o.preferredDisplayBase ?? 10;
  if (base !== 2 && base !== 8 && base !== 10 && base !== 16) {
    throw new CtfModelError(`integer: display base ${base} is not 2, 8, 10 or 16`);
  }
  const encoding = o.encoding ?? 'none';
  if (encoding === 'utf-8' && o.lengthBits !== 8) {
    throw new CtfModelError(`integer: a UTF-8 character must be 8 bits long, not ${o.lengthBits}`);
  }
  const fc: FixedLengthIntegerClass = {
    kind: o.signed ? FieldClassKind.FixedLengthSignedInteger : FieldClassKind.FixedLengthUnsignedInteger,
    lengthBits: o.lengthBits,
    byteOrder: o.byteOrder ?? 'le',
    alignmentBits,
    preferredDisplayBase: base,
    mappings: freezeMappings(o.mappings),
    roles: Object.freeze([...(o.roles ?? [])]),
    encoding,
    ...(o.mappedClockClassName !== undefined ? { mappedClockClassName: o.mappedClockClassName } : {}),
    ...(o.attributes ? { attributes: o.attributes } : {}),
  };
  return Object.freeze(fc);
}

export function fixedLengthFloatingPointNumber(o: {
  lengthBits: 32 | 64;
  byteOrder?: ByteOrder;
  alignmentBits?: number;
  attributes?: Readonly<Record<string, unknown>>;
}): FixedLengthFloatingPointNumberClass {
  if (o.lengthBits !== 32 && o.lengthBits !== 64) {
    throw new CtfModelError(`floating point number: length ${o.lengthBits} bits is not 32 or 64`);
  }
  const alignmentBits = o.alignmentBits ?? 8;
  checkAlignment('floating point number', alignmentBits);
  return Object.freeze({
    kind: FieldClassKind.FixedLengthFloatingPointNumber,
    lengthBits: o.lengthBits,
    byteOrder: o.byteOrder ?? 'le',
    alignmentBits,
    ...(o.attributes ? { attributes: o.attributes } : {}),
  });
}

export function fixedLengthBitArray(o: {
  lengthBits: number;
  byteOrder?: ByteOrder;
  alignmentBits?: number;
}): FixedLengthBitArrayClass {
  if (!Number.isInteger(o.lengthBits) || o.lengthBits < 1 || o.lengthBits > 64) {
    throw new CtfModelError(`bit array: length ${o.lengthBits} bits is outside 1..64`);
  }
  const alignmentBits = o.alignmentBits ?? defaultAlignmentBits(o.lengthBits);
  checkAlignment('bit array', alignmentBits);
  return Object.freeze({
    kind: FieldClassKind.FixedLengthBitArray,
    lengthBits: o.lengthBits,
    byteOrder: o.byteOrder ?? 'le',
    alignmentBits,
  });
}

export function fixedLengthBoolean(o: {
  lengthBits: number;
  byteOrder?: ByteOrder;
  alignmentBits?: number;
}): FixedLengthBooleanClass {
  if (!Number.isInteger(o.lengthBits) || o.lengthBits < 1 || o.lengthBits > 64) {
    throw new CtfModelError(`boolean: length ${o.lengthBits} bits is outside 1..64`);
  }
  const alignmentBits = o.alignmentBits ?? defaultAlignmentBits(o.lengthBits);
  checkAlignment('boolean', alignmentBits);
  return Object.freeze({
    kind: FieldClassKind.FixedLengthBoolean,
    lengthBits: o.lengthBits,
    byteOrder: o.byteOrder ?? 'le',
    alignmentBits,
  });
}

export function variableLengthInteger(o: {
  signed?: boolean;
  preferredDisplayBase?: DisplayBase;
  mappings?: readonly EnumMapping[];
  roles?: readonly FieldRole[];
}): VariableLengthIntegerClass {
  return Object.freeze({
    kind: o.signed
      ? FieldClassKind.VariableLengthSignedInteger
      : FieldClassKind.VariableLengthUnsignedInteger,
    preferredDisplayBase: o.preferredDisplayBase ?? 10,
    mappings: freezeMappings(o.mappings),
    roles: Object.freeze([...(o.roles ?? [])]),
  });
}

export function nullTerminatedString(
  o: { attributes?: Readonly<Record<string, unknown>> } = {},
): NullTerminatedStringClass {
  return Object.freeze({
    kind: FieldClassKind.NullTerminatedString,
    encoding: 'utf-8',
    ...(o.attributes ? { attributes: o.attributes } : {}),
  });
}

export function staticLengthString(lengthBytes: number): StaticLengthStringClass {
  if (!Number.isInteger(lengthBytes) || lengthBytes < 0) {
    throw new CtfModelError(`static-length string: length ${lengthBytes} is not a non-negative integer`);
  }
  return Object.freeze({ kind: FieldClassKind.StaticLengthString, lengthBytes, encoding: 'utf-8' });
}

export function dynamicLengthString(lengthFieldLocation: FieldLocation): DynamicLengthStringClass {
  return Object.freeze({ kind: FieldClassKind.DynamicLengthString, lengthFieldLocation, encoding: 'utf-8' });
}

export function staticLengthBlob(
  lengthBytes: number,
  mediaType = 'application/octet-stream',
  roles: readonly FieldRole[] = [],
): StaticLengthBlobClass {
  if (!Number.isInteger(lengthBytes) || lengthBytes < 0) {
    throw new CtfModelError(`static-length blob: length ${lengthBytes} is not a non-negative integer`);
  }
  return Object.freeze({
    kind: FieldClassKind.StaticLengthBlob,
    lengthBytes,
    mediaType,
    roles: Object.freeze([...roles]),
  });
}

export function dynamicLengthBlob(
  lengthFieldLocation: FieldLocation,
  mediaType = 'application/octet-stream',
): DynamicLengthBlobClass {
  return Object.freeze({ kind: FieldClassKind.DynamicLengthBlob, lengthFieldLocation, mediaType });
}

export function structure(
  memberClasses: readonly StructureMemberClass[],
  o: { minimumAlignmentBits?: number; attributes?: Readonly<Record<string, unknown>> } = {},
): StructureClass {
  const seen = new Set<string>();
  for (const m of memberClasses) {
    if (seen.has(m.name)) throw new CtfModelError(`structure: member "${m.name}" appears twice`);
    seen.add(m.name);
  }
  const minimumAlignmentBits = o.minimumAlignmentBits ?? 1;
  checkAlignment('structure', minimumAlignmentBits);
  return Object.freeze({
    kind: FieldClassKind.Structure,
    memberClasses: Object.freeze(memberClasses.map((m) => Object.freeze({ ...m }))),
    minimumAlignmentBits,
    ...(o.attributes ? { attributes: o.attributes } : {}),
  });
}

/** Shorthand: `struct({ a: u32, b: str })` keeps insertion order. */
export function structureOf(
  members: Readonly<Record<string, FieldClass>>,
  o: { minimumAlignmentBits?: number } = {},
): StructureClass {
  return structure(
    Object.entries(members).map(([name, fieldClass]) => ({ name, fieldClass })),
    o,
  );
}

export function staticLengthArray(
  elementFieldClass: FieldClass,
  length: number,
  o: { minimumAlignmentBits?: number } = {},
): StaticLengthArrayClass {
  if (!Number.isInteger(length) || length < 0) {
    throw new CtfModelError(`static-length array: length ${length} is not a non-negative integer`);
  }
  const minimumAlignmentBits = o.minimumAlignmentBits ?? 1;
  checkAlignment('static-length array', minimumAlignmentBits);
  return Object.freeze({
    kind: FieldClassKind.StaticLengthArray,
    elementFieldClass,
    length,
    minimumAlignmentBits,
  });
}

export function dynamicLengthArray(
  elementFieldClass: FieldClass,
  lengthFieldLocation: FieldLocation,
  o: { minimumAlignmentBits?: number } = {},
): DynamicLengthArrayClass {
  const minimumAlignmentBits = o.minimumAlignmentBits ?? 1;
  checkAlignment('dynamic-length array', minimumAlignmentBits);
  return Object.freeze({
    kind: FieldClassKind.DynamicLengthArray,
    elementFieldClass,
    lengthFieldLocation,
    minimumAlignmentBits,
  });
}

export function optional(
  fieldClass: FieldClass,
  selectorFieldLocation: FieldLocation,
  selectorFieldRanges?: readonly IntegerRange[],
): OptionalClass {
  return Object.freeze({
    kind: FieldClassKind.Optional,
    fieldClass,
    selectorFieldLocation,
    ...(selectorFieldRanges ? { selectorFieldRanges: checkRanges('optional', selectorFieldRanges) } : {}),
  });
}

export function variant(
  selectorFieldLocation: FieldLocation,
  options: readonly VariantOption[],
): VariantClass {
  if (options.length === 0) throw new CtfModelError('variant: it has no option');
  const seen = new Set<string>();
  const frozen = options.map((opt) => {
    if (seen.has(opt.name)) throw new CtfModelError(`variant: option "${opt.name}" appears twice`);
    seen.add(opt.name);
    return Object.freeze({
      ...opt,
      selectorFieldRanges: checkRanges(`variant option "${opt.name}"`, opt.selectorFieldRanges),
    });
  });
  // Two options selected by one value would make decoding ambiguous.
  for (let i = 0; i < frozen.length; i++) {
    for (let j = i + 1; j < frozen.length; j++) {
      for (const a of frozen[i]!.selectorFieldRanges) {
        for (const b of frozen[j]!.selectorFieldRanges) {
          if (a.lower <= b.upper && b.lower <= a.upper) {
            throw new CtfModelError(
              `variant: options "${frozen[i]!.name}" and "${frozen[j]!.name}" are both selected by ${a.lower > b.lower ? a.lower : b.lower}`,
            );
          }
        }
      }
    }
  }
  return Object.freeze({
    kind: FieldClassKind.Variant,
    selectorFieldLocation,
    options: Object.freeze(frozen),
  });
}

/**
 * A variant selected by an enumeration, TSDL style: each option is named after a label of the
 * selector enumeration and takes that label's ranges.
 */
export function variantFromEnumeration(
  selector: FixedLengthIntegerClass,
  selectorFieldLocation: FieldLocation,
  options: readonly { name: string; fieldClass: FieldClass }[],
): VariantClass {
  return variant(
    selectorFieldLocation,
    options.map((o) => {
      const m = selector.mappings.find((x) => x.name === o.name);
      if (!m)
        throw new CtfModelError(`variant: option "${o.name}" is not a label of its selector enumeration`);
      return { name: o.name, fieldClass: o.fieldClass, selectorFieldRanges: m.ranges };
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Derived properties.

export function isIntegerClass(fc: FieldClass): fc is FixedLengthIntegerClass {
  return (
    fc.kind === FieldClassKind.FixedLengthUnsignedInteger ||
    fc.kind === FieldClassKind.FixedLengthSignedInteger
  );
}

export function isSignedIntegerClass(fc: FieldClass): boolean {
  return (
    fc.kind === FieldClassKind.FixedLengthSignedInteger ||
    fc.kind === FieldClassKind.VariableLengthSignedInteger
  );
}

export function isEnumerationClass(fc: FieldClass): boolean {
  return (
    (fc.kind === FieldClassKind.FixedLengthUnsignedInteger ||
      fc.kind === FieldClassKind.FixedLengthSignedInteger ||
      fc.kind === FieldClassKind.VariableLengthUnsignedInteger ||
      fc.kind === FieldClassKind.VariableLengthSignedInteger) &&
    fc.mappings.length > 0
  );
}

/**
 * Alignment of a field of this class, in bits, before its first bit is read or written
 * (CTF 1.8 §4.2; CTF 2 §5.3). A variant's alignment depends on its selected option, so it has
 * none of its own (1).
 */
export function fieldClassAlignmentBits(fc: FieldClass): number {
  switch (fc.kind) {
    case FieldClassKind.FixedLengthBitArray:
    case FieldClassKind.FixedLengthBoolean:
    case FieldClassKind.FixedLengthUnsignedInteger:
    case FieldClassKind.FixedLengthSignedInteger:
    case FieldClassKind.FixedLengthFloatingPointNumber:
      return fc.alignmentBits;
    case FieldClassKind.VariableLengthUnsignedInteger:
    case FieldClassKind.VariableLengthSignedInteger:
    case FieldClassKind.NullTerminatedString:
    case FieldClassKind.StaticLengthString:
    case FieldClassKind.DynamicLengthString:
    case FieldClassKind.StaticLengthBlob:
    case FieldClassKind.DynamicLengthBlob:
      return 8;
    case FieldClassKind.Structure: {
      let a = fc.minimumAlignmentBits;
      for (const m of fc.memberClasses) a = Math.max(a, fieldClassAlignmentBits(m.fieldClass));
      return a;
    }
    case FieldClassKind.StaticLengthArray:
    case FieldClassKind.DynamicLengthArray:
      return Math.max(fc.minimumAlignmentBits, fieldClassAlignmentBits(fc.elementFieldClass));
    case FieldClassKind.Optional:
      return fieldClassAlignmentBits(fc.fieldClass);
    case FieldClassKind.Variant:
      return 1;
  }
}

/** Inclusive value range of a fixed-length integer class. */
export function integerClassRange(fc: FixedLengthIntegerClass): IntegerRange {
  const n = BigInt(fc.lengthBits);
  if (fc.kind === FieldClassKind.FixedLengthSignedInteger) {
    return { lower: -(1n << (n - 1n)), upper: (1n << (n - 1n)) - 1n };
  }
  return { lower: 0n, upper: (1n << n) - 1n };
}

/** Labels whose ranges contain `value`, in declaration order (babeltrace2 prints them all). */
export function mappingLabelsOf(fc: IntegerClass, value: bigint): string[] {
  const out: string[] = [];
  for (const m of fc.mappings) {
    for (const r of m.ranges) {
      if (value >= r.lower && value <= r.upper) {
        out.push(m.name);
        break;
      }
    }
  }
  return out;
}
