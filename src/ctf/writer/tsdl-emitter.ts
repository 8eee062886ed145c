/**
 * TSDL (CTF 1.8) emitter that writes what LTTng writes (specs/lttng.md §3.3): the `uintN_t`
 * typealiases, `trace`/`env`/`clock` blocks, the clock-mapped typealiases, `struct packet_context`,
 * `struct event_header_compact`/`_large`, then `stream` and `event` blocks where every field name
 * of a context or payload gets a leading `_` (readers strip one). Parts that are not LTTng's
 * standard layout are written inline with explicit `integer { ... }` declarations.
 *
 * Field classes TSDL cannot express (booleans, bit arrays, LEB128 integers, blobs, optionals,
 * variants whose selector is not an enumeration) are rejected with an error that names the event
 * record class and the field.
 */
import type { ClockClass } from '../model/clock-class.js';
import type { DataStreamClass } from '../model/data-stream-class.js';
import type { EventRecordClass } from '../model/event-record-class.js';
import {
  type FieldClass,
  FieldClassKind,
  type FixedLengthIntegerClass,
  fieldClassAlignmentBits,
  type StructureClass,
} from '../model/field-class.js';
import {
  type FieldLocation,
  type FieldLocationOrigin,
  TSDL_SCOPE_OF_ORIGIN,
} from '../model/field-location.js';
import { type LttngAlignment, lttngEventHeaderKindOf, lttngPacketLayoutOf } from '../model/lttng-layout.js';
import { type TraceClass, uuidToString } from '../model/trace-class.js';
import { CtfWriterError } from './errors.js';

const TSDL_KEYWORDS = new Set([
  'align',
  'callsite',
  'const',
  'char',
  'clock',
  'double',
  'enum',
  'env',
  'event',
  'floating_point',
  'float',
  'integer',
  'int',
  'long',
  'short',
  'signed',
  'stream',
  'string',
  'struct',
  'trace',
  'typealias',
  'typedef',
  'unsigned',
  'variant',
  'void',
  '_Bool',
  '_Complex',
  '_Imaginary',
]);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Scopes whose member names LTTng prefixes with `_`. */
const PREFIXED: ReadonlySet<FieldLocationOrigin> = new Set([
  'event-record-common-context',
  'event-record-specific-context',
  'event-record-payload',
]);

/** TSDL name of a member of a scope. */
export function tsdlMemberName(origin: FieldLocationOrigin, name: string): string {
  return PREFIXED.has(origin) ? `_${name}` : name;
}

/** A TSDL string literal. */
export function tsdlString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

interface Ctx {
  readonly tc: TraceClass;
  /** What to name in errors: the event record class, or the data stream class. */
  readonly owner: string;
  readonly origin: FieldLocationOrigin;
  /** The root structures of the scopes, to check references. */
  readonly roots: Partial<Record<FieldLocationOrigin, StructureClass>>;
}

function fail(ctx: Ctx, path: readonly string[], what: string): never {
  const where = path.length ? `field "${path.join('.')}"` : `the ${ctx.origin} scope`;
  throw new CtfWriterError(`${ctx.owner}: ${where}: ${what}`);
}

function tabs(n: number): string {
  return '\t'.repeat(n);
}

function integerSpec(tc: TraceClass, fc: FixedLengthIntegerClass): string {
  const signed = fc.kind === FieldClassKind.FixedLengthSignedInteger ? 1 : 0;
  const enc = fc.encoding === 'utf-8' ? 'UTF8' : 'none';
  let s = `integer { size = ${fc.lengthBits}; align = ${fc.alignmentBits}; signed = ${signed}; encoding = ${enc}; base = ${fc.preferredDisplayBase};`;
  if (fc.byteOrder !== tc.nativeByteOrder) s += ` byte_order = ${fc.byteOrder};`;
  if (fc.mappedClockClassName !== undefined) s += ` map = clock.${fc.mappedClockClassName}.value;`;
  return `${s} }`;
}

function checkName(ctx: Ctx, path: readonly string[], name: string): string {
  const tsdl = tsdlMemberName(ctx.origin, name);
  if (name === '' || !IDENTIFIER.test(tsdl) || TSDL_KEYWORDS.has(tsdl)) {
    fail(
      ctx,
      [...path.slice(0, -1), name],
      `${JSON.stringify(name)} is not a valid TSDL identifier (letters, digits and "_", not starting with a digit${PREFIXED.has(ctx.origin) ? '' : ', not a keyword'})`,
    );
  }
  return tsdl;
}

/** Field class at a location, through structures, arrays, variants (their first option). */
function classAt(root: FieldClass | undefined, path: readonly string[]): FieldClass | undefined {
  if (path.length === 0) return root;
  let cur: FieldClass | undefined = root;
  // Arrays, optionals and variants are transparent in a location path (CTF 2 §5.3.6); a variant
  // stands for the option that has the member.
  while (cur) {
    if (cur.kind === FieldClassKind.StaticLengthArray || cur.kind === FieldClassKind.DynamicLengthArray) {
      cur = cur.elementFieldClass;
    } else if (cur.kind === FieldClassKind.Optional) cur = cur.fieldClass;
    else if (cur.kind === FieldClassKind.Variant) {
      for (const o of cur.options) {
        const r = classAt(o.fieldClass, path);
        if (r) return r;
      }
      return undefined;
    } else break;
  }
  if (!cur || cur.kind !== FieldClassKind.Structure) return undefined;
  const [name, ...rest] = path;
  return classAt(cur.memberClasses.find((m) => m.name === name)?.fieldClass, rest);
}

/**
 * The TSDL reference to a length or selector field from a field whose enclosing structures are
 * `containers` (member names from the scope root; arrays are transparent). Relative when the
 * target is reachable lexically without being shadowed, else absolute.
 */
function reference(
  ctx: Ctx,
  containers: readonly (readonly string[])[],
  path: readonly string[],
  loc: FieldLocation,
  isTag = false,
): string {
  const mangle = (origin: FieldLocationOrigin, p: readonly string[]) =>
    p.map((n) => tsdlMemberName(origin, n));
  const absolute = () => {
    // Absolute paths go through structures only.
    let cur: FieldClass | undefined = ctx.roots[loc.origin];
    for (const name of loc.path.slice(0, -1)) {
      if (!cur || cur.kind !== FieldClassKind.Structure) break;
      cur = cur.memberClasses.find((m) => m.name === name)?.fieldClass;
      if (!cur || cur.kind !== FieldClassKind.Structure) {
        fail(
          ctx,
          path,
          `its length or selector "${loc.path.join('.')}" cannot be referred to in TSDL from here (it is inside an array or is shadowed by a member of the same name)`,
        );
      }
    }
    return `${TSDL_SCOPE_OF_ORIGIN[loc.origin]}.${mangle(loc.origin, loc.path).join('.')}`;
  };
  if (ctx.origin === 'event-record-specific-context') {
    // babeltrace2 2.0 aborts (ctf-meta-update-value-storing-indexes.c) on a sequence or a variant
    // inside an event's specific context: refuse to write a trace it cannot read.
    fail(
      ctx,
      path,
      'babeltrace2 2.0 cannot read a dynamic-length field or a variant in the event specific context; put it in the payload',
    );
  }
  if (loc.origin !== ctx.origin) {
    if (isTag)
      fail(
        ctx,
        path,
        `TSDL readers only resolve a variant selector in the same scope; "${loc.path.join('.')}" is in the ${loc.origin} scope`,
      );
    return absolute();
  }
  const container = containers[containers.length - 1] ?? [];
  let k = 0;
  while (k < container.length && k < loc.path.length - 1 && container[k] === loc.path[k]) k++;
  // The first token is looked up from the innermost structure outwards: a member of the same
  // name in a structure deeper than level k would shadow it.
  const first = loc.path[k]!;
  for (const c of containers) {
    if (c.length <= k) continue;
    const fc = classAt(ctx.roots[ctx.origin], c);
    if (fc?.kind === FieldClassKind.Structure && fc.memberClasses.some((m) => m.name === first)) {
      // babeltrace2's parser takes no absolute path (`event.fields...`) as a variant tag.
      if (isTag)
        fail(
          ctx,
          path,
          `its selector "${loc.path.join('.')}" is shadowed by a member of the same name in an inner structure`,
        );
      return absolute();
    }
  }
  return mangle(loc.origin, loc.path.slice(k)).join('.');
}

function enumBody(fc: FixedLengthIntegerClass, depth: number): string {
  const lines: string[] = [];
  for (const m of fc.mappings) {
    for (const r of m.ranges) {
      lines.push(
        `${tabs(depth + 1)}${tsdlString(m.name)} = ${r.lower === r.upper ? `${r.lower}` : `${r.lower} ... ${r.upper}`},`,
      );
    }
  }
  return `{\n${lines.join('\n')}\n${tabs(depth)}}`;
}

/**
 * The declaration of a field: `<type> <name><array suffixes>;` spread over lines for compound
 * types. `depth` is the indentation of the declaration.
 */
function declaration(
  ctx: Ctx,
  fc: FieldClass,
  name: string,
  path: readonly string[],
  containers: readonly (readonly string[])[],
  depth: number,
): string {
  let suffix = '';
  let elem = fc;
  // Arrays: the element type is declared once, the lengths follow the name (C order).
  for (;;) {
    if (elem.kind === FieldClassKind.StaticLengthArray) {
      if (
        elem.minimumAlignmentBits > 1 &&
        elem.minimumAlignmentBits > fieldClassAlignmentBits(elem.elementFieldClass)
      ) {
        fail(ctx, path, "TSDL cannot give an array a minimum alignment larger than its element's");
      }
      suffix += `[${elem.length}]`;
      elem = elem.elementFieldClass;
    } else if (elem.kind === FieldClassKind.DynamicLengthArray) {
      if (
        elem.minimumAlignmentBits > 1 &&
        elem.minimumAlignmentBits > fieldClassAlignmentBits(elem.elementFieldClass)
      ) {
        fail(ctx, path, "TSDL cannot give an array a minimum alignment larger than its element's");
      }
      suffix += `[ ${reference(ctx, containers, path, elem.lengthFieldLocation)} ]`;
      elem = elem.elementFieldClass;
    } else if (elem.kind === FieldClassKind.StaticLengthString) {
      suffix += `[${elem.lengthBytes}]`;
      return `${tabs(depth)}integer { size = 8; align = 8; signed = 0; encoding = UTF8; base = 10; } ${name}${suffix};`;
    } else if (elem.kind === FieldClassKind.DynamicLengthString) {
      suffix += `[ ${reference(ctx, containers, path, elem.lengthFieldLocation)} ]`;
      return `${tabs(depth)}integer { size = 8; align = 8; signed = 0; encoding = UTF8; base = 10; } ${name}${suffix};`;
    } else break;
  }
  return `${tabs(depth)}${typeSpec(ctx, elem, path, containers, depth)} ${name}${suffix};`;
}

function typeSpec(
  ctx: Ctx,
  fc: FieldClass,
  path: readonly string[],
  containers: readonly (readonly string[])[],
  depth: number,
): string {
  switch (fc.kind) {
    case FieldClassKind.FixedLengthUnsignedInteger:
    case FieldClassKind.FixedLengthSignedInteger:
      if (fc.mappings.length > 0) return `enum : ${integerSpec(ctx.tc, fc)} ${enumBody(fc, depth)}`;
      return integerSpec(ctx.tc, fc);
    case FieldClassKind.FixedLengthFloatingPointNumber: {
      const [exp, mant] = fc.lengthBits === 32 ? [8, 24] : [11, 53];
      const bo = fc.byteOrder !== ctx.tc.nativeByteOrder ? ` byte_order = ${fc.byteOrder};` : '';
      return `floating_point { exp_dig = ${exp}; mant_dig = ${mant}; align = ${fc.alignmentBits};${bo} }`;
    }
    case FieldClassKind.NullTerminatedString:
      return 'string';
    case FieldClassKind.Structure: {
      const inner = [...containers, path];
      const lines = fc.memberClasses.map((m) =>
        declaration(
          ctx,
          m.fieldClass,
          checkName(ctx, [...path, m.name], m.name),
          [...path, m.name],
          inner,
          depth + 1,
        ),
      );
      const align = fc.minimumAlignmentBits > 1 ? ` align(${fc.minimumAlignmentBits})` : '';
      return `struct {\n${lines.join('\n')}${lines.length ? '\n' : ''}${tabs(depth)}}${align}`;
    }
    case FieldClassKind.Variant: {
      const loc = fc.selectorFieldLocation;
      const sel = classAt(ctx.roots[loc.origin], loc.path);
      if (
        !sel ||
        (sel.kind !== FieldClassKind.FixedLengthUnsignedInteger &&
          sel.kind !== FieldClassKind.FixedLengthSignedInteger) ||
        sel.mappings.length === 0
      ) {
        fail(ctx, path, 'TSDL selects a variant option with an enumeration; this selector is not one');
      }
      const lines = fc.options.map((o) => {
        const m = sel.mappings.find((x) => x.name === o.name);
        const same =
          m &&
          m.ranges.length === o.selectorFieldRanges.length &&
          m.ranges.every(
            (r, i) =>
              r.lower === o.selectorFieldRanges[i]!.lower && r.upper === o.selectorFieldRanges[i]!.upper,
          );
        if (!same) {
          fail(
            ctx,
            path,
            `TSDL selects variant options by label: option "${o.name}" must be named after the selector label that selects it, with the same ranges`,
          );
        }
        if (!IDENTIFIER.test(o.name) || TSDL_KEYWORDS.has(o.name)) {
          fail(ctx, path, `option ${JSON.stringify(o.name)} is not a valid TSDL identifier`);
        }
        return declaration(ctx, o.fieldClass, o.name, path, containers, depth + 1);
      });
      return `variant <${reference(ctx, containers, path, loc, true)}> {\n${lines.join('\n')}\n${tabs(depth)}}`;
    }
    case FieldClassKind.FixedLengthBoolean:
      return fail(ctx, path, 'TSDL (CTF 1.8) has no boolean field class; use an integer, or CTF 2 metadata');
    case FieldClassKind.FixedLengthBitArray:
      return fail(
        ctx,
        path,
        'TSDL (CTF 1.8) has no bit array field class; use an unsigned integer, or CTF 2 metadata',
      );
    case FieldClassKind.VariableLengthUnsignedInteger:
    case FieldClassKind.VariableLengthSignedInteger:
      return fail(
        ctx,
        path,
        'TSDL (CTF 1.8) has no variable-length (LEB128) integer; use a fixed-length one, or CTF 2 metadata',
      );
    case FieldClassKind.StaticLengthBlob:
    case FieldClassKind.DynamicLengthBlob:
      return fail(
        ctx,
        path,
        'TSDL (CTF 1.8) has no blob field class; use an array of uint8, or CTF 2 metadata',
      );
    case FieldClassKind.Optional:
      return fail(ctx, path, 'TSDL (CTF 1.8) has no optional field class; use a variant, or CTF 2 metadata');
    default:
      return fail(ctx, path, `this field class cannot be written in TSDL`);
  }
}

/** `struct { ... }` of a scope root, members at `depth + 1`. */
function scopeStruct(ctx: Ctx, fc: StructureClass, depth: number): string {
  return typeSpec(ctx, fc, [], [], depth);
}

// ---------------------------------------------------------------------------------------------
// LTTng's standard text

function lttngTypealiases(alignment: LttngAlignment): string {
  const a = (n: number) => (alignment === 'byte' ? 8 : n);
  return [
    `typealias integer { size = 8; align = 8; signed = false; } := uint8_t;`,
    `typealias integer { size = 16; align = ${a(16)}; signed = false; } := uint16_t;`,
    `typealias integer { size = 32; align = ${a(32)}; signed = false; } := uint32_t;`,
    `typealias integer { size = 64; align = ${a(64)}; signed = false; } := uint64_t;`,
    `typealias integer { size = 64; align = ${a(64)}; signed = false; } := unsigned long;`,
    `typealias integer { size = 5; align = 1; signed = false; } := uint5_t;`,
    `typealias integer { size = 27; align = 1; signed = false; } := uint27_t;`,
    '',
  ].join('\n');
}

function lttngClockTypealiases(alignment: LttngAlignment, clock: string): string {
  const one = (size: number, align: number) =>
    `typealias integer {\n\tsize = ${size}; align = ${align}; signed = false;\n\tmap = clock.${clock}.value;\n} := uint${size}_clock_${clock}_t;\n`;
  return [one(27, 1), one(32, alignment === 'byte' ? 8 : 32), one(64, alignment === 'byte' ? 8 : 64)].join(
    '\n',
  );
}

function lttngPacketContextText(clock: string): string {
  return `struct packet_context {
\tuint64_clock_${clock}_t timestamp_begin;
\tuint64_clock_${clock}_t timestamp_end;
\tuint64_t content_size;
\tuint64_t packet_size;
\tuint64_t packet_seq_num;
\tunsigned long events_discarded;
\tuint32_t cpu_id;
};
`;
}

function lttngEventHeadersText(alignment: LttngAlignment, clock: string): string {
  const one = (kind: 'compact' | 'large') => {
    const [idT, max, tsT, align] =
      kind === 'compact'
        ? ['uint5_t', 31, `uint27_clock_${clock}_t`, alignment === 'byte' ? 8 : 32]
        : ['uint16_t', 65535, `uint32_clock_${clock}_t`, alignment === 'byte' ? 8 : 16];
    return `struct event_header_${kind} {
\tenum : ${idT} { compact = 0 ... ${max - 1}, extended = ${max} } id;
\tvariant <id> {
\t\tstruct {
\t\t\t${tsT} timestamp;
\t\t} compact;
\t\tstruct {
\t\t\tuint32_t id;
\t\t\tuint64_clock_${clock}_t timestamp;
\t\t} extended;
\t} v;
} align(${align});
`;
  };
  return `${one('compact')}\n${one('large')}`;
}

function clockText(cc: ClockClass): string {
  const lines = [`\tname = ${cc.name};`];
  lines[0] = `\tname = "${cc.name}";`;
  if (cc.uuid) lines.push(`\tuuid = "${uuidToString(cc.uuid)}";`);
  if (cc.description !== undefined) lines.push(`\tdescription = ${tsdlString(cc.description)};`);
  lines.push(`\tfreq = ${cc.frequency}; /* Frequency, in Hz */`);
  if (cc.precisionCycles !== undefined) lines.push(`\tprecision = ${cc.precisionCycles};`);
  lines.push('\t/* clock value offset from Epoch is: offset * (1/freq) */');
  lines.push(`\toffset = ${cc.offsetSeconds * cc.frequency + cc.offsetCycles};`);
  return `clock {\n${lines.join('\n')}\n};\n`;
}

function isLttngClock(cc: ClockClass): boolean {
  return (
    cc.frequency === 1_000_000_000n &&
    cc.offsetSeconds === 0n &&
    cc.precisionCycles === undefined &&
    cc.originIsUnixEpoch
  );
}

/** What the preamble defined, so stream blocks can use the named structs. */
export interface TsdlPreamble {
  readonly text: string;
  readonly lttng?: { alignment: LttngAlignment; clock: string };
}

/** The trace-level part of the metadata: typealiases, trace, env, clocks, LTTng's structs. */
export function tsdlPreamble(tc: TraceClass): TsdlPreamble {
  const out: string[] = ['/* CTF 1.8 */\n'];
  const layout =
    tc.packetHeaderFieldClass !== undefined
      ? lttngPacketLayoutOf(tc.packetHeaderFieldClass, undefined)
      : undefined;
  const lttng =
    layout && tc.clockClasses.length === 1 && isLttngClock(tc.clockClasses[0]!)
      ? { alignment: layout.alignment, clock: tc.clockClasses[0]!.name }
      : undefined;
  if (lttng) out.push(lttngTypealiases(lttng.alignment));
  const trace = ['\tmajor = 1;', '\tminor = 8;'];
  if (tc.uuid) trace.push(`\tuuid = "${uuidToString(tc.uuid)}";`);
  trace.push(`\tbyte_order = ${tc.nativeByteOrder};`);
  if (tc.packetHeaderFieldClass) {
    if (lttng) {
      trace.push(
        '\tpacket.header := struct {\n\t\tuint32_t magic;\n\t\tuint8_t  uuid[16];\n\t\tuint32_t stream_id;\n\t\tuint64_t stream_instance_id;\n\t};',
      );
    } else {
      const ctx: Ctx = {
        tc,
        owner: 'trace class',
        origin: 'packet-header',
        roots: { 'packet-header': tc.packetHeaderFieldClass },
      };
      trace.push(`\tpacket.header := ${scopeStruct(ctx, tc.packetHeaderFieldClass, 1)};`);
    }
  }
  out.push(`trace {\n${trace.join('\n')}\n};\n`);
  if (tc.environment.size > 0) {
    const env: string[] = [];
    for (const [k, v] of tc.environment) {
      if (!IDENTIFIER.test(k) || TSDL_KEYWORDS.has(k)) {
        throw new CtfWriterError(
          `trace class: environment key ${JSON.stringify(k)} is not a valid TSDL identifier`,
        );
      }
      env.push(`\t${k} = ${typeof v === 'bigint' ? v.toString() : tsdlString(v)};`);
    }
    out.push(`env {\n${env.join('\n')}\n};\n`);
  }
  for (const cc of tc.clockClasses) {
    if (!IDENTIFIER.test(cc.name))
      throw new CtfWriterError(`clock class ${JSON.stringify(cc.name)}: not a valid TSDL identifier`);
    out.push(clockText(cc));
  }
  if (lttng) {
    out.push(lttngClockTypealiases(lttng.alignment, lttng.clock));
    out.push(lttngPacketContextText(lttng.clock));
    out.push(lttngEventHeadersText(lttng.alignment, lttng.clock));
  }
  return { text: out.join('\n'), ...(lttng ? { lttng } : {}) };
}

/** `stream { ... };` */
export function tsdlDataStreamClass(tc: TraceClass, pre: TsdlPreamble, dsc: DataStreamClass): string {
  const lines = [`\tid = ${dsc.id};`];
  const owner = `data stream class ${dsc.id}${dsc.name ? ` (${dsc.name})` : ''}`;
  const roots = {
    'packet-context': dsc.packetContextFieldClass,
    'event-record-header': dsc.eventRecordHeaderFieldClass,
    'event-record-common-context': dsc.eventRecordCommonContextFieldClass,
  } as Partial<Record<FieldLocationOrigin, StructureClass>>;
  const hdr = dsc.eventRecordHeaderFieldClass;
  if (hdr) {
    const l = lttngEventHeaderKindOf(hdr);
    if (
      pre.lttng &&
      l &&
      l.options.alignment === pre.lttng.alignment &&
      l.options.byteOrder === tc.nativeByteOrder
    ) {
      lines.push(`\tevent.header := struct event_header_${l.kind};`);
    } else {
      lines.push(
        `\tevent.header := ${scopeStruct({ tc, owner, origin: 'event-record-header', roots }, hdr, 1)};`,
      );
    }
  }
  const pc = dsc.packetContextFieldClass;
  if (pc) {
    const l = lttngPacketLayoutOf(undefined, pc);
    if (pre.lttng && l && l.alignment === pre.lttng.alignment && l.byteOrder === tc.nativeByteOrder) {
      lines.push('\tpacket.context := struct packet_context;');
    } else {
      lines.push(
        `\tpacket.context := ${scopeStruct({ tc, owner, origin: 'packet-context', roots }, pc, 1)};`,
      );
    }
  }
  if (dsc.eventRecordCommonContextFieldClass) {
    const ctx: Ctx = { tc, owner, origin: 'event-record-common-context', roots };
    lines.push(`\tevent.context := ${scopeStruct(ctx, dsc.eventRecordCommonContextFieldClass, 1)};`);
  }
  return `stream {\n${lines.join('\n')}\n};\n`;
}

/** `event { ... };`, after checking that TSDL can express the class. */
export function tsdlEventRecordClass(tc: TraceClass, dsc: DataStreamClass, erc: EventRecordClass): string {
  const lines = [`\tname = ${tsdlString(erc.name)};`, `\tid = ${erc.id};`, `\tstream_id = ${dsc.id};`];
  if (erc.logLevel !== undefined) lines.push(`\tloglevel = ${erc.logLevel};`);
  if (erc.emfUri !== undefined) lines.push(`\tmodel.emf.uri = ${tsdlString(erc.emfUri)};`);
  const roots = {
    'event-record-common-context': dsc.eventRecordCommonContextFieldClass,
    'event-record-specific-context': erc.specificContextFieldClass,
    'event-record-payload': erc.payloadFieldClass,
  } as Partial<Record<FieldLocationOrigin, StructureClass>>;
  if (erc.specificContextFieldClass) {
    const ctx: Ctx = { tc, owner: erc.name, origin: 'event-record-specific-context', roots };
    lines.push(`\tcontext := ${scopeStruct(ctx, erc.specificContextFieldClass, 1)};`);
  }
  const payload = erc.payloadFieldClass;
  const ctx: Ctx = { tc, owner: erc.name, origin: 'event-record-payload', roots };
  lines.push(`\tfields := ${payload ? scopeStruct(ctx, payload, 1) : 'struct {\n\t}'};`);
  return `event {\n${lines.join('\n')}\n};\n`;
}

/** The whole metadata text for a trace class and the event record classes of each stream. */
export function emitTsdl(
  tc: TraceClass,
  eventRecordClasses?: ReadonlyMap<number, readonly EventRecordClass[]>,
): string {
  const pre = tsdlPreamble(tc);
  const parts = [pre.text];
  for (const dsc of tc.dataStreamClasses) parts.push(tsdlDataStreamClass(tc, pre, dsc));
  for (const dsc of tc.dataStreamClasses) {
    for (const erc of eventRecordClasses?.get(dsc.id) ?? dsc.eventRecordClasses) {
      parts.push(tsdlEventRecordClass(tc, dsc, erc));
    }
  }
  return parts.join('\n');
}
