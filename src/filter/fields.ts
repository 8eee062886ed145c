/**
 * How a caller describes the fields a filter may read, once per event class. One description
 * serves the three callers: the Node.js tracer (fields are positional arguments: `read: 'a2'`),
 * the kernel tracer (fields are read from a raw record: `read: 'dv.getUint32(off + 12, true)'`)
 * and the reader (fields of a decoded event: `read: 'p.bytes'`). `read` is a JavaScript expression
 * over the compiled closure's parameters; it is pasted into the generated code once, at compile
 * time, so no name is looked up per event. The interpreter ignores `read` and looks values up by
 * name in plain objects (objectTarget() fills `read` for that same shape).
 */

/** Integer element of an array or sequence. */
export interface IntegerFieldType {
  readonly kind: 'integer';
  readonly signed: boolean;
  /** 8, 16, 32 or 64. */
  readonly sizeBits: number;
}

export type FilterFieldType =
  | IntegerFieldType
  /** An enumeration: filters see its integer value. */
  | { readonly kind: 'enum'; readonly signed: boolean; readonly sizeBits: number }
  | { readonly kind: 'float'; readonly sizeBits: 32 | 64 }
  | { readonly kind: 'string' }
  /** Static-length array (`ctf_array`); text arrays (`ctf_array_text`) compare as strings. */
  | {
      readonly kind: 'array';
      readonly length: number;
      readonly element: IntegerFieldType;
      readonly isText: boolean;
    }
  /** Dynamic-length array (`ctf_sequence`); text sequences compare as strings. */
  | { readonly kind: 'sequence'; readonly element: IntegerFieldType; readonly isText: boolean }
  /** Blob of bytes: indexable like an array of u8, never a string. Static when `length` is given. */
  | { readonly kind: 'blob'; readonly length?: number }
  /** Structure: `a.b` reads member `b` of `a` (an extension: LTTng tracers have no structures). */
  | { readonly kind: 'struct'; readonly members: readonly FilterField[] }
  /** A field that exists but no filter can read (variant, bit array, ...): any use fails to link. */
  | { readonly kind: 'opaque'; readonly why: string };

export interface FilterField {
  readonly name: string;
  readonly type: FilterFieldType;
  /**
   * JavaScript expression giving the value, in terms of the closure parameters. Values: integers
   * as number (up to 32 bits) or number/bigint (64 bits); floats as number; strings, text arrays
   * and text sequences as string or bytes (Uint8Array / byte numbers); arrays, sequences and blobs
   * as anything indexable with `length`; structures as objects (members use their own `read`, or
   * `parent[name]`).
   */
  readonly read?: string;
  /** Arrays, sequences, blobs: expression for element `$i`, instead of `(read)[$i]`. */
  readonly readElement?: string;
  /** Sequences and dynamic blobs: expression for the element count, instead of `(read).length`. */
  readonly readLength?: string;
}

/** What one compiled filter may read: the event class's payload fields and the available contexts. */
export interface FilterTarget {
  readonly payload: readonly FilterField[];
  /** `$ctx.NAME`. */
  readonly context?: readonly FilterField[];
  /** `$app.PROVIDER:NAME`. */
  readonly appContext?: readonly FilterField[];
  /**
   * false: lttng-modules semantics, where the kernel has no floating point: a filter with a float
   * literal or a float field records nothing. Default true (lttng-ust).
   */
  readonly floatingPoint?: boolean;
}

/** The values one event presents to the interpreter (and, through objectTarget(), to closures). */
export interface FilterEventValues {
  readonly payload: Readonly<Record<string, unknown>>;
  readonly context?: Readonly<Record<string, unknown>>;
  readonly appContext?: Readonly<Record<string, unknown>>;
}

function withReads(fields: readonly FilterField[] | undefined, base: string): FilterField[] {
  // Structure members keep no `read`: the compiler reads them from their parent's value.
  return (fields ?? []).map((f) => ({ ...f, read: `${base}[${JSON.stringify(f.name)}]` }));
}

/**
 * Fills every `read` so that the closure takes `(payload, context, appContext)` objects, the shape
 * FilterEventValues describes: what the reader and `ttng filter eval` use.
 */
export function objectTarget(t: FilterTarget): { target: FilterTarget; params: readonly string[] } {
  return {
    target: {
      payload: withReads(t.payload, 'p'),
      context: withReads(t.context, 'c'),
      appContext: withReads(t.appContext, 'a'),
      floatingPoint: t.floatingPoint ?? true,
    },
    params: ['p', 'c', 'a'],
  };
}
