/**
 * A slow, obviously-correct CTF encoder written bit by bit from the specification (CTF 1.8 §4,
 * CTF 2 §5.3), to check the generated serializers byte for byte. It shares no code with them.
 *
 * Bit order: a little-endian field's bit i goes to absolute bit (pos + i), numbered from the least
 * significant bit of each byte; a big-endian field's most significant bit goes first, numbered
 * from the most significant bit of each byte.
 */
import {
  type FieldClass,
  FieldClassKind,
  type FixedLengthIntegerClass,
  fieldClassAlignmentBits,
  type StructureClass,
} from '../../../src/ctf/model/field-class.js';

export class BitWriter {
  readonly bytes: Uint8Array;
  pos: number;

  constructor(sizeBytes: number, startBits = 0) {
    this.bytes = new Uint8Array(sizeBytes);
    this.pos = startBits;
  }

  private setBit(n: number, bit: number, be: boolean): void {
    const byte = n >> 3;
    const b = be ? 7 - (n & 7) : n & 7;
    if (bit) this.bytes[byte]! |= 1 << b;
    else this.bytes[byte]! &= ~(1 << b) & 0xff;
  }

  align(a: number): void {
    while (this.pos % a !== 0) this.pos++;
  }

  bits(v: bigint, len: number, be: boolean): void {
    const u = BigInt.asUintN(len, v);
    for (let i = 0; i < len; i++) {
      const bit = be ? Number((u >> BigInt(len - 1 - i)) & 1n) : Number((u >> BigInt(i)) & 1n);
      this.setBit(this.pos + i, bit, be);
    }
    this.pos += len;
  }

  byte(v: number): void {
    this.bits(BigInt(v), 8, false);
  }
}

const enc = new TextEncoder();

function intValue(
  fc:
    | FixedLengthIntegerClass
    | { mappings?: readonly { name: string; ranges: readonly { lower: bigint }[] }[] },
  v: unknown,
): bigint {
  if (typeof v === 'string') return fc.mappings!.find((m) => m.name === v)!.ranges[0]!.lower;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return BigInt(v as number | bigint);
}

function floatBits(v: number, len: 32 | 64): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  if (len === 32) {
    dv.setFloat32(0, v);
    return BigInt(dv.getUint32(0));
  }
  dv.setFloat64(0, v);
  return dv.getBigUint64(0);
}

/** Members of structures are encoded with their siblings in view, for lengths and selectors. */
export function encodeField(
  w: BitWriter,
  fc: FieldClass,
  v: unknown,
  siblings: Record<string, unknown>,
  lengths: Map<string, number>,
): void {
  switch (fc.kind) {
    case FieldClassKind.FixedLengthUnsignedInteger:
    case FieldClassKind.FixedLengthSignedInteger:
    case FieldClassKind.FixedLengthBitArray:
    case FieldClassKind.FixedLengthBoolean:
      w.align(fc.alignmentBits);
      w.bits(intValue(fc as FixedLengthIntegerClass, v), fc.lengthBits, fc.byteOrder === 'be');
      return;
    case FieldClassKind.FixedLengthFloatingPointNumber:
      w.align(fc.alignmentBits);
      w.bits(floatBits(Number(v), fc.lengthBits), fc.lengthBits, fc.byteOrder === 'be');
      return;
    case FieldClassKind.VariableLengthUnsignedInteger:
    case FieldClassKind.VariableLengthSignedInteger: {
      w.align(8);
      let x = intValue(fc as never, v);
      const signed = fc.kind === FieldClassKind.VariableLengthSignedInteger;
      for (;;) {
        const b = Number(BigInt.asUintN(7, x));
        x >>= 7n;
        const done = signed ? (x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0) : x === 0n;
        w.byte(done ? b : b | 0x80);
        if (done) return;
      }
    }
    case FieldClassKind.NullTerminatedString:
      w.align(8);
      for (const b of enc.encode(v as string)) w.byte(b);
      w.byte(0);
      return;
    case FieldClassKind.StaticLengthString: {
      w.align(8);
      const b = enc.encode(v as string);
      for (let i = 0; i < fc.lengthBytes; i++) w.byte(b[i] ?? 0);
      return;
    }
    case FieldClassKind.DynamicLengthString:
      w.align(8);
      for (const b of enc.encode(v as string)) w.byte(b);
      return;
    case FieldClassKind.StaticLengthBlob:
    case FieldClassKind.DynamicLengthBlob:
      w.align(8);
      for (const b of v as Uint8Array) w.byte(b);
      return;
    case FieldClassKind.Structure:
      encodeStructure(w, fc, v as Record<string, unknown>);
      return;
    case FieldClassKind.StaticLengthArray:
    case FieldClassKind.DynamicLengthArray: {
      w.align(fieldClassAlignmentBits(fc));
      const e = fc.elementFieldClass;
      if (typeof v === 'string') {
        const b = enc.encode(v);
        const n = fc.kind === FieldClassKind.StaticLengthArray ? fc.length : b.length;
        for (let i = 0; i < n; i++) w.byte(b[i] ?? 0);
        return;
      }
      for (const x of v as unknown[]) encodeField(w, e, x, siblings, lengths);
      return;
    }
    case FieldClassKind.Variant: {
      const sel = BigInt(siblings[fc.selectorFieldLocation.path.at(-1)!] as number | bigint);
      const opt = fc.options.find((o) =>
        o.selectorFieldRanges.some((r) => sel >= r.lower && sel <= r.upper),
      )!;
      encodeField(w, opt.fieldClass, v, siblings, lengths);
      return;
    }
    case FieldClassKind.Optional: {
      const selName = fc.selectorFieldLocation.path.at(-1)!;
      const s = siblings[selName];
      const on = fc.selectorFieldRanges
        ? fc.selectorFieldRanges.some((r) => BigInt(s as number) >= r.lower && BigInt(s as number) <= r.upper)
        : s === true || s === 1 || s === 1n;
      if (on) encodeField(w, fc.fieldClass, v, siblings, lengths);
      return;
    }
  }
}

/** A structure whose length fields are computed from the sibling that refers to them. */
export function encodeStructure(w: BitWriter, fc: StructureClass, o: Record<string, unknown>): void {
  w.align(fieldClassAlignmentBits(fc));
  const lengths = new Map<string, number>();
  for (const m of fc.memberClasses) {
    const f = m.fieldClass;
    if (
      f.kind === FieldClassKind.DynamicLengthArray ||
      f.kind === FieldClassKind.DynamicLengthString ||
      f.kind === FieldClassKind.DynamicLengthBlob
    ) {
      const val = o[m.name];
      lengths.set(
        f.lengthFieldLocation.path.at(-1)!,
        typeof val === 'string' ? enc.encode(val).length : (val as { length: number }).length,
      );
    }
  }
  // Selector values given as labels: their first range's lower bound.
  const values: Record<string, unknown> = { ...o };
  for (const m of fc.memberClasses) {
    const f = m.fieldClass;
    if (
      typeof o[m.name] === 'string' &&
      (f.kind === FieldClassKind.FixedLengthUnsignedInteger ||
        f.kind === FieldClassKind.FixedLengthSignedInteger)
    ) {
      values[m.name] = intValue(f, o[m.name]);
    }
  }
  for (const [k, n] of lengths) values[k] = n;
  for (const m of fc.memberClasses) encodeField(w, m.fieldClass, values[m.name], values, lengths);
}
