/**
 * LTTng filters (`-f EXPR`) on kernel events, through the filter area: pushed down to the event's
 * ftrace `filter` file when the filter area says the kernel computes exactly what LTTng would for
 * that event's fields, else compiled to a closure over the decoded LTTng fields and run by the
 * consumer. Pushdown only sees the fields whose LTTng value is the ftrace value as is (same size,
 * same sign, no priority offset, no truncated syscall slot); the filter names LTTng's fields and
 * the kernel's names are put back in the translated text.
 */
import type { FieldClass } from '../../ctf/model/index.js';
import { FieldClassKind } from '../../ctf/model/index.js';
import {
  compileFilter,
  compileFilterExpression,
  type FilterField,
  type FilterFieldType,
  type FtraceField,
  linkFilter,
  objectTarget,
  translateToFtrace,
  validateBytecode,
} from '../../filter/index.js';
import type { EventValues } from './event-decoder.js';
import { FtraceFieldKind } from './format-parser.js';
import type { KernelFilterPlan } from './kernel-session.js';
import { type EventLayout, SourceKind } from './lttng-layout.js';

/** `$ctx.NAME` a kernel filter may read (LTTng's kernel contexts ttng records). */
const CONTEXT_FIELDS: readonly FilterField[] = [
  { name: 'pid', type: { kind: 'integer', signed: true, sizeBits: 32 } },
  { name: 'tid', type: { kind: 'integer', signed: true, sizeBits: 32 } },
  { name: 'procname', type: { kind: 'string' } },
  { name: 'prio', type: { kind: 'integer', signed: true, sizeBits: 32 } },
  { name: 'cpu_id', type: { kind: 'integer', signed: false, sizeBits: 32 } },
];

function filterType(fc: FieldClass): FilterFieldType {
  switch (fc.kind) {
    case FieldClassKind.FixedLengthSignedInteger:
    case FieldClassKind.FixedLengthUnsignedInteger:
      return {
        kind: 'integer',
        signed: fc.kind === FieldClassKind.FixedLengthSignedInteger,
        sizeBits: fc.lengthBits,
      };
    case FieldClassKind.NullTerminatedString:
    case FieldClassKind.StaticLengthString:
      return { kind: 'string' };
    case FieldClassKind.StaticLengthArray:
    case FieldClassKind.DynamicLengthArray: {
      const e = fc.elementFieldClass;
      if (
        e.kind !== FieldClassKind.FixedLengthSignedInteger &&
        e.kind !== FieldClassKind.FixedLengthUnsignedInteger
      ) {
        return { kind: 'opaque', why: 'an array of non-integers' };
      }
      const element = {
        kind: 'integer' as const,
        signed: e.kind === FieldClassKind.FixedLengthSignedInteger,
        sizeBits: e.lengthBits,
      };
      return fc.kind === FieldClassKind.StaticLengthArray
        ? { kind: 'array', length: fc.length, element, isText: false }
        : { kind: 'sequence', element, isText: false };
    }
    default:
      return { kind: 'opaque', why: 'a field class filters cannot read' };
  }
}

/** The fields whose LTTng value is the ftrace value unchanged, under their LTTng names. */
function pushableFields(layout: EventLayout): { fields: FtraceField[]; ftraceName: Map<string, string> } {
  const fields: FtraceField[] = [];
  const ftraceName = new Map<string, string>();
  for (const f of layout.fields) {
    const ft = f.ftrace;
    if (!ft) continue;
    if (f.source === SourceKind.Integer) {
      if (f.addend !== 0 || f.outSizeBytes !== ft.sizeBytes || f.outSigned !== ft.isSigned) continue;
      fields.push({ name: f.name, sizeBytes: ft.sizeBytes, isSigned: ft.isSigned, isString: false });
    } else if (
      (f.source === SourceKind.CharArray || f.source === SourceKind.String) &&
      ft.kind !== FtraceFieldKind.FlexString
    ) {
      fields.push({ name: f.name, sizeBytes: ft.sizeBytes, isSigned: false, isString: true });
    } else {
      continue;
    }
    ftraceName.set(f.name, ft.name);
  }
  return { fields, ftraceName };
}

/** Replaces field names outside string literals (the translated text quotes strings with `"`). */
export function renameFilterFields(text: string, names: ReadonlyMap<string, string>): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[A-Za-z0-9_]/.test(text[j]!)) j++;
      const word = text.slice(i, j);
      out += names.get(word) ?? word;
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

export interface KernelFilter extends KernelFilterPlan {
  /** The expression as the filter area understood it. */
  readonly normalized: string;
  /** Per event (`system:event`): the ftrace text pushed down, or why it runs in user space. */
  readonly decisions: Map<string, { pushedDown: string } | { userSpace: string }>;
}

/**
 * Compiles an LTTng filter expression for kernel events. Throws the filter area's FilterError
 * (with LTTng's category and the column) for a bad expression.
 */
export function kernelFilter(source: string): KernelFilter {
  const expr = compileFilterExpression(source);
  const validated = validateBytecode(expr.bytecode);
  const decisions = new Map<string, { pushedDown: string } | { userSpace: string }>();
  return {
    normalized: expr.normalized,
    decisions,
    ftraceFilter(layout: EventLayout): string | undefined {
      const { fields, ftraceName } = pushableFields(layout);
      const r = translateToFtrace(validated, fields);
      const key = `${layout.system}:${layout.event}`;
      if (!r.canPushDown) {
        decisions.set(key, { userSpace: r.reason });
        return undefined;
      }
      const text = renameFilterFields(r.filter, ftraceName);
      decisions.set(key, { pushedDown: text });
      return text;
    },
    compile(layout: EventLayout): (payload: EventValues, context: EventValues) => boolean {
      const payload: FilterField[] = layout.fields
        .filter((f) => f.source !== SourceKind.SequenceLength)
        .map((f) => ({ name: f.name, type: filterType(f.fieldClass) }));
      const { target, params } = objectTarget({ payload, context: CONTEXT_FIELDS, floatingPoint: false });
      const link = linkFilter(validated, target);
      const compiled = compileFilter(link, params);
      return compiled.fn as unknown as (payload: EventValues, context: EventValues) => boolean;
    },
  };
}
