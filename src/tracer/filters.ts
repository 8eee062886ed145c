/**
 * Filters of event rules, through the filter area: checked once at session start as lttng-ctl
 * does (text -> bytecode -> validation; an invalid filter rejects startSession with the filter
 * area's own error), then, in each thread, linked to each event class and compiled to a closure
 * reading the tracepoint's positional arguments (`a0`, `a1`...) and the contexts. `$ctx.vpid`,
 * `$ctx.vtid`, `$ctx.procname` work whether or not the channel records them (LTTng's behaviour);
 * a filter that does not link (unknown field, type mismatch) records nothing, as in LTTng.
 */
import {
  compileFilter,
  compileFilterExpression,
  type FilterField,
  type FilterFieldType,
  type IntegerFieldType,
  linkFilter,
  type ValidatedBytecode,
  validateBytecode,
} from '../filter/index.js';
import type { EventClassDef } from './event-class-def.js';
import { type NormalizedType, type ScalarType, TypeKind } from './field-spec.js';
import { sequenceLengthName } from './trace-model.js';

/** Checks a filter expression; throws the filter area's FilterError (LTTng's category, column). */
export function checkFilter(source: string): ValidatedBytecode {
  return validateBytecode(compileFilterExpression(source).bytecode);
}

const validatedCache = new Map<string, ValidatedBytecode>();

function validated(source: string): ValidatedBytecode {
  let v = validatedCache.get(source);
  if (!v) validatedCache.set(source, (v = checkFilter(source)));
  return v;
}

function elementType(t: ScalarType): IntegerFieldType | null {
  switch (t.kind) {
    case TypeKind.Int:
      return { kind: 'integer', signed: t.signed, sizeBits: t.sizeBits };
    case TypeKind.Enum:
      return { kind: 'integer', signed: t.container.signed, sizeBits: t.container.sizeBits };
    default:
      return null;
  }
}

function filterType(t: NormalizedType): FilterFieldType {
  switch (t.kind) {
    case TypeKind.Int:
      return { kind: 'integer', signed: t.signed, sizeBits: t.sizeBits };
    case TypeKind.Enum:
      return { kind: 'enum', signed: t.container.signed, sizeBits: t.container.sizeBits };
    case TypeKind.Float:
      return { kind: 'float', sizeBits: t.sizeBits };
    case TypeKind.String:
      return { kind: 'string' };
    case TypeKind.Text:
      return {
        kind: 'array',
        length: t.lengthBytes,
        element: { kind: 'integer', signed: false, sizeBits: 8 },
        isText: true,
      };
    case TypeKind.DynamicText:
      return { kind: 'sequence', element: { kind: 'integer', signed: false, sizeBits: 8 }, isText: true };
    case TypeKind.Array: {
      const e = elementType(t.element);
      if (!e) return { kind: 'opaque', why: 'arrays of floats or strings cannot be filtered on' };
      return { kind: 'array', length: t.length, element: e, isText: false };
    }
    case TypeKind.Sequence: {
      const e = elementType(t.element);
      if (!e) return { kind: 'opaque', why: 'sequences of floats or strings cannot be filtered on' };
      return { kind: 'sequence', element: e, isText: false };
    }
  }
}

/** Context values a filter may read in one thread: literals, or calls through `X`. */
export interface FilterContextValues {
  readonly vpid: number;
  readonly vtid: number;
  readonly procname: string;
  readonly hostname: string;
}

function contextFields(c: FilterContextValues): FilterField[] {
  const s64 = { kind: 'integer', signed: true, sizeBits: 64 } as const;
  const s32 = { kind: 'integer', signed: true, sizeBits: 32 } as const;
  return [
    { name: 'vpid', type: s32, read: String(c.vpid) },
    { name: 'vtid', type: s32, read: String(c.vtid) },
    { name: 'procname', type: { kind: 'string' }, read: JSON.stringify(c.procname) },
    { name: 'hostname', type: { kind: 'string' }, read: JSON.stringify(c.hostname) },
    { name: 'async_id', type: s64, read: 'X.executionAsyncId()' },
    { name: 'trigger_async_id', type: s64, read: 'X.triggerAsyncId()' },
  ];
}

/**
 * The closure of one filter for one event class in this thread: `(a0, ..., aN-1, X) => boolean`.
 * A filter that does not link gives a closure returning false (LTTng records nothing).
 */
export function compileTracepointFilter(
  source: string,
  def: EventClassDef,
  ctx: FilterContextValues,
): (...args: never[]) => boolean {
  const payload: FilterField[] = [];
  def.fields.forEach((f, i) => {
    if (f.type.kind === TypeKind.Sequence || f.type.kind === TypeKind.DynamicText) {
      const lt = f.type.lengthType;
      // A text sequence's length is in UTF-8 bytes; a JS string's length counts UTF-16 units.
      const len =
        f.type.kind === TypeKind.DynamicText ? `X.utf8Length(a${i})` : `(a${i} == null ? 0 : a${i}.length)`;
      payload.push({
        name: sequenceLengthName(f.name),
        type: { kind: 'integer', signed: false, sizeBits: lt.sizeBits },
        read: len,
      });
    }
    payload.push({ name: f.name, type: filterType(f.type), read: `a${i}` });
  });
  const link = linkFilter(validated(source), { payload, context: contextFields(ctx) });
  const params = [...def.fields.map((_f, i) => `a${i}`), 'X'];
  return compileFilter(link, params).fn;
}
