/**
 * Field types of tracepoint definitions, as users write them, their TypeScript argument types,
 * and their normalized form. `'u16'`, `'string'`, `{ type: 'array', element: 'i32', length: 3 }`...
 * become `NormalizedType`s once, at definition time; every error is raised there, with the event
 * and field named, so a call can never produce a record the metadata does not describe.
 */
import { describeValue, TracerError, TracerErrorCode } from './errors.js';

export type IntTypeName = 'i8' | 'i16' | 'i32' | 'i64' | 'u8' | 'u16' | 'u32' | 'u64';
/** Unsigned integers displayed in hexadecimal (LTTng's `ctf_integer_hex`). */
export type HexTypeName = 'x8' | 'x16' | 'x32' | 'x64';
export type FloatTypeName = 'f32' | 'f64';
export type ScalarTypeName = IntTypeName | HexTypeName | FloatTypeName | 'string';

/** An integer with options: display base, byte order (`'be'`: LTTng's `ctf_integer_network`). */
export interface IntegerSpec {
  readonly type: IntTypeName | HexTypeName;
  readonly base?: 2 | 8 | 10 | 16;
  readonly byteOrder?: 'le' | 'be';
}

/** An enumeration: labels name a value or an inclusive `[low, high]` range. */
export interface EnumSpec {
  readonly type: 'enum';
  readonly container?: IntTypeName;
  readonly labels: Readonly<Record<string, number | bigint | readonly [number | bigint, number | bigint]>>;
}

export interface ArraySpec {
  readonly type: 'array';
  readonly element: ElementSpec;
  readonly length: number;
}

export interface SequenceSpec {
  readonly type: 'sequence';
  readonly element: ElementSpec;
  /** Type of the `_<name>_length` field written before the elements. Default `'u32'`. */
  readonly lengthType?: 'u8' | 'u16' | 'u32' | 'u64';
}

/**
 * Text as a char array: `length` bytes (LTTng's `ctf_array_text`; shorter strings are padded with
 * NULs), or, without `length`, a char sequence preceded by `_<name>_length` (LTTng's
 * `ctf_sequence_text`, as the tracelog `msg` field).
 */
export interface TextSpec {
  readonly type: 'text';
  readonly length?: number;
  /** Type of `_<name>_length` for the sequence form. Default `'u32'`. */
  readonly lengthType?: 'u8' | 'u16' | 'u32' | 'u64';
}

export type ElementSpec = ScalarTypeName | IntegerSpec | EnumSpec;
export type FieldSpec = ElementSpec | ArraySpec | SequenceSpec | TextSpec;

// ---------------------------------------------------------------------------------------------
// TypeScript argument types.

/** 64-bit integers take a number (exact up to 2^53) or a bigint. */
type Int64Name = 'i64' | 'u64' | 'x64';

type ElementArg<S> = S extends Int64Name
  ? number | bigint
  : S extends 'string'
    ? string
    : S extends ScalarTypeName
      ? number
      : S extends { readonly type: 'enum'; readonly labels: infer L }
        ? number | bigint | Extract<keyof L, string>
        : S extends { readonly type: Int64Name }
          ? number | bigint
          : S extends { readonly type: IntTypeName | HexTypeName }
            ? number
            : never;

/** The argument a field of spec S takes. */
export type FieldArg<S> = S extends { readonly type: 'array' | 'sequence'; readonly element: infer E }
  ? ArrayLike<ElementArg<E>>
  : S extends { readonly type: 'text' }
    ? string
    : ElementArg<S>;

type UnionToIntersection<U> = (U extends unknown ? (k: U) => void : never) extends (k: infer I) => void
  ? I
  : never;
type LastOf<U> = UnionToIntersection<U extends unknown ? () => U : never> extends () => infer R ? R : never;
/** Members of a union as a tuple. Only its LENGTH is reliable: TypeScript orders unions its own way. */
type UnionToTuple<U, Last = LastOf<U>> = [U] extends [never] ? [] : [...UnionToTuple<Exclude<U, Last>>, Last];

/** Ordered form of `fields`: `[['url', 'string'], ['status', 'u16']]`; argument types are exact. */
export type FieldList = readonly (readonly [string, FieldSpec])[];
/** Object form of `fields`, as in `{ url: 'string', status: 'u16' }`: arguments in declaration order. */
export type FieldRecord = Readonly<Record<string, FieldSpec>>;

/**
 * Arguments of a tracepoint. With the ordered (list) form each argument has its exact type. With
 * the object form TypeScript cannot know the declaration order of keys (object types are not
 * ordered), so the arity is exact and each argument takes any of the fields' argument types; the
 * run-time order is the declaration order.
 */
export type ArgsOf<F> = F extends FieldList
  ? { -readonly [I in keyof F]: F[I] extends readonly [string, infer S] ? FieldArg<S> : never }
  : F extends FieldRecord
    ? Fill<UnionToTuple<keyof F>, FieldArg<F[keyof F]>>
    : [];

/** A tuple as long as T whose elements are all A (mapped over a type parameter to stay a tuple). */
type Fill<T extends unknown[], A> = { [I in keyof T]: A };

// ---------------------------------------------------------------------------------------------
// Normalized form.

export const TypeKind = {
  Int: 0,
  Float: 1,
  String: 2,
  Enum: 3,
  Array: 4,
  Sequence: 5,
  Text: 6,
  DynamicText: 7,
} as const;
export type TypeKind = (typeof TypeKind)[keyof typeof TypeKind];

export interface IntType {
  readonly kind: typeof TypeKind.Int;
  readonly signed: boolean;
  readonly sizeBits: 8 | 16 | 32 | 64;
  readonly base: 2 | 8 | 10 | 16;
  readonly byteOrder: 'le' | 'be';
}
export interface FloatType {
  readonly kind: typeof TypeKind.Float;
  readonly sizeBits: 32 | 64;
}
export interface StringType {
  readonly kind: typeof TypeKind.String;
}
export interface EnumType {
  readonly kind: typeof TypeKind.Enum;
  readonly container: IntType;
  readonly labels: readonly { readonly name: string; readonly low: bigint; readonly high: bigint }[];
  /** Label name -> value, for label arguments (the first value of the label's range). */
  readonly valueOfLabel: Readonly<Record<string, number>>;
}
export interface ArrayType {
  readonly kind: typeof TypeKind.Array;
  readonly element: ScalarType;
  readonly length: number;
}
export interface SequenceType {
  readonly kind: typeof TypeKind.Sequence;
  readonly element: ScalarType;
  readonly lengthType: IntType;
}
export interface TextType {
  readonly kind: typeof TypeKind.Text;
  readonly lengthBytes: number;
}
export interface DynamicTextType {
  readonly kind: typeof TypeKind.DynamicText;
  readonly lengthType: IntType;
}
export type ScalarType = IntType | FloatType | StringType | EnumType;
export type NormalizedType = ScalarType | ArrayType | SequenceType | TextType | DynamicTextType;

export interface NormalizedField {
  readonly name: string;
  readonly type: NormalizedType;
}

/** C identifiers, as LTTng wants for providers, events and fields. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Elements of one array or sequence at most (a record must fit in a sub-buffer anyway). */
export const MAX_STATIC_LENGTH = 1 << 20;

function intType(name: IntTypeName | HexTypeName, base?: number, byteOrder?: string): IntType {
  const hex = name[0] === 'x';
  const sizeBits = Number(name.slice(1)) as 8 | 16 | 32 | 64;
  return Object.freeze({
    kind: TypeKind.Int,
    signed: name[0] === 'i',
    sizeBits,
    base: (base ?? (hex ? 16 : 10)) as 2 | 8 | 10 | 16,
    byteOrder: (byteOrder ?? 'le') as 'le' | 'be',
  });
}

const INT_NAMES = new Set(['i8', 'i16', 'i32', 'i64', 'u8', 'u16', 'u32', 'u64', 'x8', 'x16', 'x32', 'x64']);

function describe(spec: unknown): string {
  return describeValue(spec);
}

/** Normalizes one field spec. `where` names the event and field for errors. */
export function normalizeFieldSpec(spec: unknown, where: string, allowComposite = true): NormalizedType {
  const fail = (why: string): never => {
    throw new TracerError(TracerErrorCode.Definition, `${where}: ${why}`);
  };
  if (typeof spec === 'string') {
    if (INT_NAMES.has(spec)) return intType(spec as IntTypeName);
    if (spec === 'f32' || spec === 'f64')
      return Object.freeze({ kind: TypeKind.Float, sizeBits: spec === 'f32' ? 32 : 64 });
    if (spec === 'string') return Object.freeze({ kind: TypeKind.String });
    return fail(
      `unknown field type ${describe(spec)}; use i8 i16 i32 i64 u8 u16 u32 u64 x8 x16 x32 x64 f32 f64 string, or an object { type: 'enum' | 'array' | 'sequence' | 'text', ... }`,
    );
  }
  if (typeof spec !== 'object' || spec === null || typeof (spec as { type?: unknown }).type !== 'string') {
    return fail(`field type ${describe(spec)} is neither a type name nor an object with a "type"`);
  }
  const o = spec as Record<string, unknown>;
  const type = o.type as string;
  if (INT_NAMES.has(type)) {
    if (o.base !== undefined && o.base !== 2 && o.base !== 8 && o.base !== 10 && o.base !== 16) {
      fail(`display base ${describe(o.base)} is not 2, 8, 10 or 16`);
    }
    if (o.byteOrder !== undefined && o.byteOrder !== 'le' && o.byteOrder !== 'be') {
      fail(`byte order ${describe(o.byteOrder)} is not "le" or "be"`);
    }
    return intType(type as IntTypeName, o.base as number | undefined, o.byteOrder as string | undefined);
  }
  if (type === 'enum') return normalizeEnum(o, fail);
  if (type === 'text') {
    if (!allowComposite) fail('text fields cannot be elements of arrays or sequences');
    const n = o.length;
    if (n === undefined) {
      const lt = o.lengthType ?? 'u32';
      if (lt !== 'u8' && lt !== 'u16' && lt !== 'u32' && lt !== 'u64') {
        fail(`text length type ${describe(lt)} is not u8, u16, u32 or u64`);
      }
      return Object.freeze({ kind: TypeKind.DynamicText, lengthType: intType(lt as IntTypeName) });
    }
    if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > MAX_STATIC_LENGTH) {
      fail(`text length ${describe(n)} is not an integer in 1..${MAX_STATIC_LENGTH}`);
    }
    if (o.lengthType !== undefined) fail('a text field has a length or a length type, not both');
    return Object.freeze({ kind: TypeKind.Text, lengthBytes: n as number });
  }
  if (type === 'array' || type === 'sequence') {
    if (!allowComposite) fail('arrays and sequences cannot be elements of arrays or sequences');
    const element = normalizeFieldSpec(o.element, `${where} (element)`, false) as ScalarType;
    if (type === 'array') {
      const n = o.length;
      if (!Number.isInteger(n) || (n as number) < 0 || (n as number) > MAX_STATIC_LENGTH) {
        fail(`array length ${describe(n)} is not an integer in 0..${MAX_STATIC_LENGTH}`);
      }
      return Object.freeze({ kind: TypeKind.Array, element, length: n as number });
    }
    const lt = o.lengthType ?? 'u32';
    if (lt !== 'u8' && lt !== 'u16' && lt !== 'u32' && lt !== 'u64') {
      fail(`sequence length type ${describe(lt)} is not u8, u16, u32 or u64`);
    }
    return Object.freeze({ kind: TypeKind.Sequence, element, lengthType: intType(lt as IntTypeName) });
  }
  return fail(`unknown field type ${describe(type)}`);
}

function toBigInt(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  return undefined;
}

function normalizeEnum(o: Record<string, unknown>, fail: (why: string) => never): EnumType {
  const containerName = (o.container ?? 'i32') as string;
  if (!INT_NAMES.has(containerName) || containerName[0] === 'x') {
    fail(`enumeration container ${describe(containerName)} is not one of i8 i16 i32 i64 u8 u16 u32 u64`);
  }
  const container = intType(containerName as IntTypeName);
  const bits = BigInt(container.sizeBits);
  const min = container.signed ? -(1n << (bits - 1n)) : 0n;
  const max = container.signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (typeof o.labels !== 'object' || o.labels === null || Object.keys(o.labels).length === 0) {
    fail('an enumeration needs at least one label: labels: { NAME: value | [low, high] }');
  }
  const labels: { name: string; low: bigint; high: bigint }[] = [];
  const valueOfLabel: Record<string, number> = Object.create(null);
  for (const [name, v] of Object.entries(o.labels as Record<string, unknown>)) {
    let low: bigint | undefined;
    let high: bigint | undefined;
    if (Array.isArray(v) && v.length === 2) {
      low = toBigInt(v[0]);
      high = toBigInt(v[1]);
    } else {
      low = high = toBigInt(v);
    }
    if (low === undefined || high === undefined)
      fail(`enumeration label "${name}": ${describe(v)} is not an integer or [low, high]`);
    if (low! > high!) fail(`enumeration label "${name}": range ${low}..${high} is reversed`);
    if (low! < min || high! > max)
      fail(`enumeration label "${name}": ${low}..${high} does not fit in ${containerName}`);
    labels.push({ name, low: low!, high: high! });
    valueOfLabel[name] = Number(low);
  }
  return Object.freeze({
    kind: TypeKind.Enum,
    container,
    labels: Object.freeze(labels),
    valueOfLabel: Object.freeze(valueOfLabel),
  });
}

/** Normalizes the `fields` of an event definition (object or ordered list form). */
export function normalizeFields(fields: unknown, eventName: string): readonly NormalizedField[] {
  if (fields === undefined) return Object.freeze([]);
  let entries: [string, unknown][];
  if (Array.isArray(fields)) {
    entries = fields.map((e, i) => {
      if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string') {
        throw new TracerError(
          TracerErrorCode.Definition,
          `event "${eventName}": field #${i} must be a [name, type] pair`,
        );
      }
      return [e[0], e[1]];
    });
  } else if (typeof fields === 'object' && fields !== null) {
    entries = Object.entries(fields);
  } else {
    throw new TracerError(
      TracerErrorCode.Definition,
      `event "${eventName}": fields must be an object or a list of [name, type]`,
    );
  }
  const seen = new Set<string>();
  /** Every member name of the payload, the generated `_<name>_length` fields included. */
  const members = new Map<string, string>();
  const out: NormalizedField[] = [];
  for (const [name, spec] of entries) {
    const where = `event "${eventName}", field "${name}"`;
    if (!IDENTIFIER.test(name)) {
      throw new TracerError(
        TracerErrorCode.Definition,
        `${where}: a field name must be a C identifier ([A-Za-z_][A-Za-z0-9_]*)`,
      );
    }
    if (seen.has(name)) throw new TracerError(TracerErrorCode.Definition, `${where}: the name appears twice`);
    seen.add(name);
    const type = normalizeFieldSpec(spec, where);
    const names =
      type.kind === TypeKind.Sequence || type.kind === TypeKind.DynamicText
        ? [`_${name}_length`, name]
        : [name];
    for (const m of names) {
      const other = members.get(m);
      if (other !== undefined) {
        throw new TracerError(
          TracerErrorCode.Definition,
          `event "${eventName}": the length field "${m}" of a sequence collides with field "${other}"; rename one`,
        );
      }
      members.set(m, name);
    }
    out.push(Object.freeze({ name, type }));
  }
  if (out.length > 32) {
    // Generated functions take one parameter per field; past this, V8 stops optimizing well.
    throw new TracerError(
      TracerErrorCode.Definition,
      `event "${eventName}": ${out.length} fields; at most 32`,
    );
  }
  return Object.freeze(out);
}

/** A stable text form of normalized fields: two definitions are the same event class iff equal. */
export function fieldsSignature(fields: readonly NormalizedField[]): string {
  return JSON.stringify(fields, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}
