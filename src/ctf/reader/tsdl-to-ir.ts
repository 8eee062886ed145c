/**
 * TSDL syntax tree -> CTF IR (ctf-ir.ts). Applies CTF 1.8's semantics the way babeltrace2 2.0 does,
 * so that a metadata text it accepts, we accept, and one it rejects, we reject (with the line of
 * the offending node). Declarations are copied where they are used, and a copy drops one more
 * leading underscore from member names, exactly like babeltrace2 (LTTng relies on the first one).
 */
import {
  copyFieldClass,
  type IrArray,
  type IrByteOrder,
  type IrClockClass,
  type IrEnvValue,
  type IrEventClass,
  type IrFieldClass,
  type IrFloat,
  type IrInt,
  type IrSequence,
  type IrStreamClass,
  type IrString,
  type IrStruct,
  type IrTraceClass,
  type IrVariant,
  irNamed,
  isIrInt,
  Meaning,
  newStreamClass,
} from './ctf-ir.js';
import { MetadataError } from './errors.js';
import type {
  BlockEntry,
  BlockNode,
  CtfExpression,
  EnumNode,
  Pos,
  RootDeclaration,
  RootNode,
  StructEntry,
  StructNode,
  Typealias,
  TypeDeclarator,
  TypeSpecifier,
  TypeSpecifierList,
  Unary,
  UnaryNode,
  VariantNode,
} from './tsdl-ast.js';

/** Options that change the trace class the way babeltrace2's `src.ctf.fs` parameters do. */
export interface TsdlOptions {
  /** `--clock-offset`: seconds added to every clock class offset. */
  readonly clockOffsetSeconds?: bigint;
  /** `--clock-offset-ns`: nanoseconds added to every clock class offset. */
  readonly clockOffsetNs?: bigint;
  /** Treat every clock class as having the Unix epoch as origin. */
  readonly forceClockOriginUnixEpoch?: boolean;
}

const U64_MAX = (1n << 64n) - 1n;

function fail(msg: string, pos?: Pos): never {
  throw new MetadataError(msg, pos);
}

/** `a.b->c` as one string, or null when an element is not a name (babeltrace2's rule). */
export function concatenateUnaryStrings(list: Unary): string | null {
  let out = '';
  for (let i = 0; i < list.length; i++) {
    const n = list[i]!;
    if (n.type !== 'string' || (n.link !== 'none') !== (i !== 0)) return null;
    if (n.link === 'dot') out += '.';
    else if (n.link === 'arrow') out += '->';
    else if (n.link === 'dotdotdot') out += '...';
    out += n.str!;
  }
  return list.length === 0 ? null : out;
}

function isUnaryString(list: Unary): boolean {
  return list.every((n) => n.type === 'string');
}

function getUnaryUnsigned(list: Unary, what: string, pos: Pos): bigint {
  if (list.length !== 1 || list[0]!.type !== 'uconst' || list[0]!.link !== 'none') {
    fail(`${what}: expecting an unsigned integer constant`, list[0]?.pos ?? pos);
  }
  return list[0]!.value!;
}

function getUnarySigned(list: Unary, what: string, pos: Pos): bigint {
  const n = list[0];
  if (list.length !== 1 || !n || (n.type !== 'uconst' && n.type !== 'sconst') || n.link !== 'none') {
    fail(`${what}: expecting an integer constant`, n?.pos ?? pos);
  }
  return n.type === 'uconst' ? BigInt.asIntN(64, n.value!) : n.value!;
}

function getBoolean(n: UnaryNode, what: string): boolean {
  switch (n.type) {
    case 'uconst':
    case 'sconst':
      return n.value !== 0n;
    case 'string':
      if (n.str === 'true' || n.str === 'TRUE') return true;
      if (n.str === 'false' || n.str === 'FALSE') return false;
      return fail(`${what}: unexpected boolean value "${n.str}"`, n.pos);
    default:
      return fail(`${what}: expecting a boolean`, n.pos);
  }
}

/** `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX` (what babeltrace2's scanf accepts). */
export function parseUuid(s: string): Uint8Array | null {
  if (s.length !== 36) return null;
  const m = /^([0-9a-fA-F]{8})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{12})/.exec(s);
  if (!m) return null;
  const hex = m.slice(1).join('');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function getUnaryUuid(list: Unary, what: string, pos: Pos): Uint8Array {
  const n = list[0];
  if (list.length !== 1 || !n || n.type !== 'string' || n.link !== 'none') {
    fail(`${what}: expecting a UUID string`, n?.pos ?? pos);
  }
  const u = parseUuid(n.str!);
  if (!u) fail(`${what}: "${n.str}" is not a UUID`, n.pos);
  return u;
}

type Prefix = 'a' | 'e' | 's' | 'v';

class DeclScope {
  private readonly map = new Map<string, IrFieldClass>();
  constructor(readonly parent: DeclScope | null) {}

  lookup(prefix: Prefix, name: string, levels = Number.POSITIVE_INFINITY): IrFieldClass | undefined {
    let s: DeclScope | null = this;
    let level = 0;
    while (s && level < levels) {
      const fc = s.map.get(prefix + name);
      if (fc) return fc;
      s = s.parent;
      level++;
    }
    return undefined;
  }

  /** Registers a copy; false if the name exists in this very scope. */
  register(prefix: Prefix, name: string, fc: IrFieldClass): boolean {
    if (this.map.has(prefix + name)) return false;
    this.map.set(prefix + name, copyFieldClass(fc));
    return true;
  }
}

function newInt(): IrInt {
  return {
    type: 'int',
    alignment: 1,
    inIr: false,
    size: 0,
    byteOrder: 'le',
    isSigned: false,
    base: 10,
    encoding: 'none',
    mappedClock: null,
    meaning: Meaning.None,
    storingIndex: -1,
    mappings: [],
  };
}

function newStruct(): IrStruct {
  return { type: 'struct', alignment: 1, inIr: false, members: [] };
}

function structAppend(s: IrStruct, origName: string, fc: IrFieldClass): void {
  s.members.push(irNamed(origName, fc));
  if (fc.alignment > s.alignment) s.alignment = fc.alignment;
}

class Visitor {
  readonly tc: IrTraceClass;
  private scope = new DeclScope(null);
  private isTraceVisited = false;
  private isLttng = false;
  readonly warnings: string[] = [];

  constructor(private readonly options: TsdlOptions) {
    this.tc = {
      major: 0,
      minor: 0,
      uuid: null,
      defaultByteOrder: 'le',
      packetHeader: null,
      clocks: [],
      streamClasses: [],
      env: new Map(),
      storedValueCount: 0,
      format: 'tsdl',
    };
  }

  private warn(msg: string, pos?: Pos): void {
    this.warnings.push(pos ? `${pos.line}:${pos.column}: ${msg}` : msg);
  }

  private pushScope(): void {
    this.scope = new DeclScope(this.scope);
  }

  private popScope(): void {
    this.scope = this.scope.parent!;
  }

  // --- root

  visitRoot(root: RootNode): void {
    if (root.trace.length === 0) fail('the metadata has no `trace` block');
    if (root.trace.length > 1) fail('the metadata has more than one `trace` block', root.trace[1]!.pos);
    this.setTraceByteOrder(root.trace[0]!);
    for (const env of root.env) this.visitEnv(env);
    for (const clock of root.clock) this.visitClock(clock);
    for (const decl of root.declarations) this.visitRootDeclaration(decl);
    for (const cs of root.callsite) this.warn('`callsite` blocks are not supported', cs.pos);
    for (const trace of root.trace) this.visitTrace(trace);
    for (const stream of root.stream) this.visitStream(stream);
    for (const event of root.event) this.visitEvent(event);
  }

  private setTraceByteOrder(trace: BlockNode): void {
    let found = false;
    for (const e of trace.entries) {
      if (e.kind !== 'ctf-expression') continue;
      const left = concatenateUnaryStrings(e.left);
      if (left === null) fail('cannot read the name of an attribute', e.pos);
      if (left !== 'byte_order') continue;
      if (found) fail('the `trace` block has more than one `byte_order` attribute', e.pos);
      found = true;
      const right = (e.right as Unary)[0];
      const bo = right ? byteOrderOf(right) : undefined;
      if (bo === undefined) {
        fail('invalid `byte_order` attribute in the `trace` block: expecting `le`, `be` or `network`', e.pos);
      }
      if (bo === 'native') {
        fail('the `byte_order` attribute of the `trace` block cannot be `native`', e.pos);
      }
      this.tc.defaultByteOrder = bo;
    }
    if (!found) fail('missing `byte_order` attribute in the `trace` block', trace.pos);
  }

  private visitRootDeclaration(decl: RootDeclaration): void {
    switch (decl.kind) {
      case 'typedef':
        this.visitTypedef(decl.specifiers, decl.declarators);
        return;
      case 'typealias':
        this.visitTypealias(decl);
        return;
      case 'type-specifier-list':
        this.visitSpecifierList(decl);
        return;
    }
  }

  // --- environment and clocks

  private visitEnv(node: BlockNode): void {
    for (const e of node.entries) {
      if (e.kind !== 'ctf-expression') fail('only `name = value;` entries are allowed in `env`', e.pos);
      const left = concatenateUnaryStrings(e.left);
      if (left === null) fail("cannot read the environment entry's name", e.pos);
      const right = e.right as Unary;
      let value: IrEnvValue | undefined;
      if (e.isTypeAssignment) {
        this.warn(`environment entry "${left}" has an unknown type`, e.pos);
        continue;
      }
      if (isUnaryString(right)) {
        const s = concatenateUnaryStrings(right);
        if (s === null) fail(`unexpected value for environment entry "${left}"`, e.pos);
        if (left === 'tracer_name' && s.startsWith('lttng')) this.isLttng = true;
        value = { type: 'string', value: s };
      } else if (right.every((n) => n.type === 'uconst')) {
        const v = getUnaryUnsigned(right, `environment entry "${left}"`, e.pos);
        value = { type: 'int', value: BigInt.asIntN(64, v) };
      } else if (right.every((n) => n.type === 'sconst')) {
        value = { type: 'int', value: getUnarySigned(right, `environment entry "${left}"`, e.pos) };
      } else {
        this.warn(`environment entry "${left}" has an unknown type`, e.pos);
        continue;
      }
      // A repeated name keeps its first position and takes the last value (babeltrace2's IR).
      this.tc.env.set(left, value);
    }
  }

  private visitClock(node: BlockNode): void {
    const clock: IrClockClass = {
      name: '',
      description: '',
      frequency: 1_000_000_000n,
      precision: 0n,
      offsetSeconds: 0n,
      offsetCycles: 0n,
      uuid: null,
      isAbsolute: false,
    };
    const seen = new Set<string>();
    let offsetSeconds = 0n;
    let offsetCycles = 0n;
    for (const e of node.entries) {
      if (e.kind !== 'ctf-expression') fail('only `name = value;` entries are allowed in `clock`', e.pos);
      const left = concatenateUnaryStrings(e.left);
      if (left === null) fail('cannot read the name of a clock attribute', e.pos);
      const right = e.isTypeAssignment ? [] : (e.right as Unary);
      const dup = (): void => {
        if (seen.has(left)) fail(`duplicate \`${left}\` attribute in clock class`, e.pos);
        seen.add(left);
      };
      switch (left) {
        case 'name': {
          dup();
          const v = concatenateUnaryStrings(right);
          if (v === null) fail("unexpected value for the clock class's `name` attribute", e.pos);
          clock.name = v;
          break;
        }
        case 'uuid':
          dup();
          clock.uuid = getUnaryUuid(right, "the clock class's `uuid` attribute", e.pos);
          break;
        case 'description': {
          dup();
          const v = concatenateUnaryStrings(right);
          if (v === null) fail("unexpected value for the clock class's `description` attribute", e.pos);
          clock.description = v;
          break;
        }
        case 'freq': {
          dup();
          const f = getUnaryUnsigned(right, "the clock class's `freq` attribute", e.pos);
          if (f === 0n || f === U64_MAX) fail(`invalid clock class frequency: ${f}`, e.pos);
          clock.frequency = f;
          break;
        }
        case 'precision':
          dup();
          clock.precision = getUnaryUnsigned(right, "the clock class's `precision` attribute", e.pos);
          break;
        case 'offset_s':
          dup();
          offsetSeconds = getUnarySigned(right, "the clock class's `offset_s` attribute", e.pos);
          break;
        case 'offset':
          dup();
          offsetCycles = getUnaryUnsigned(right, "the clock class's `offset` attribute", e.pos);
          break;
        case 'absolute': {
          dup();
          const r = right[0];
          if (!r) fail("unexpected value for the clock class's `absolute` attribute", e.pos);
          clock.isAbsolute = getBoolean(r, "the clock class's `absolute` attribute");
          break;
        }
        default:
          this.warn(`unknown attribute in clock class: "${left}"`, e.pos);
      }
    }
    if (!seen.has('name')) fail('missing `name` attribute in clock class', node.pos);
    if (this.isLttng && clock.name === 'monotonic') {
      // Old LTTng versions forgot to say their monotonic clock is absolute.
      clock.isAbsolute = true;
    }
    [offsetSeconds, offsetCycles] = calibrateOffsets(offsetSeconds, offsetCycles, clock.frequency);
    clock.offsetSeconds = offsetSeconds;
    clock.offsetCycles = offsetCycles;
    this.applyClockOffset(clock);
    if (this.options.forceClockOriginUnixEpoch) clock.isAbsolute = true;
    if (this.tc.clocks.some((c) => c.name === clock.name)) {
      fail(`duplicate clock class named "${clock.name}"`, node.pos);
    }
    this.tc.clocks.push(clock);
  }

  private applyClockOffset(clock: IrClockClass): void {
    const s = this.options.clockOffsetSeconds ?? 0n;
    const ns = this.options.clockOffsetNs ?? 0n;
    if (s === 0n && ns === 0n) return;
    let offsetSToApply = s;
    let offsetNsToApply: bigint;
    if (ns < 0n) {
      const absNs = -ns;
      const extraS = -(absNs / 1_000_000_000n + 1n);
      offsetNsToApply = ns - extraS * 1_000_000_000n;
      offsetSToApply += extraS;
    } else {
      const extraS = ns / 1_000_000_000n;
      offsetNsToApply = ns - extraS * 1_000_000_000n;
      offsetSToApply += extraS;
    }
    let curS = clock.offsetSeconds + offsetSToApply;
    let curCycles = clock.offsetCycles + cyclesFromNs(clock.frequency, offsetNsToApply);
    [curS, curCycles] = calibrateOffsets(curS, curCycles, clock.frequency);
    clock.offsetSeconds = curS;
    clock.offsetCycles = curCycles;
  }

  // --- trace, stream, event

  private visitTrace(node: BlockNode): void {
    if (this.isTraceVisited) fail('duplicate `trace` block', node.pos);
    this.pushScope();
    const seen = new Set<string>();
    try {
      for (const e of node.entries) {
        if (e.kind !== 'ctf-expression') {
          this.visitBlockTypeDecl(e);
          continue;
        }
        const left = concatenateUnaryStrings(e.left);
        if (left === null) fail('cannot read the name of a `trace` attribute', e.pos);
        const right = e.isTypeAssignment ? [] : (e.right as Unary);
        const dup = (): void => {
          if (seen.has(left)) fail(`duplicate \`${left}\` attribute in the \`trace\` block`, e.pos);
        };
        switch (left) {
          case 'major': {
            dup();
            const v = getUnaryUnsigned(right, "the trace's `major` attribute", e.pos);
            // babeltrace2 logs the error but goes on; the attribute then counts as missing.
            if (v !== 1n) {
              this.warn("invalid trace's `major` attribute: expecting 1", e.pos);
              break;
            }
            this.tc.major = 1;
            seen.add(left);
            break;
          }
          case 'minor': {
            dup();
            const v = getUnaryUnsigned(right, "the trace's `minor` attribute", e.pos);
            if (v !== 8n) {
              this.warn("invalid trace's `minor` attribute: expecting 8", e.pos);
              break;
            }
            this.tc.minor = 8;
            seen.add(left);
            break;
          }
          case 'uuid':
            dup();
            this.tc.uuid = getUnaryUuid(right, "the trace's `uuid` attribute", e.pos);
            seen.add(left);
            break;
          case 'byte_order':
            dup();
            seen.add(left);
            break;
          case 'packet.header': {
            dup();
            if (!e.isTypeAssignment) fail('`packet.header` must be assigned a type (`:=`)', e.pos);
            this.tc.packetHeader = this.visitSpecifierList(e.right as TypeSpecifierList);
            seen.add(left);
            break;
          }
          default:
            this.warn(`unknown attribute in the \`trace\` block: "${left}"`, e.pos);
        }
      }
    } finally {
      this.popScope();
    }
    if (!seen.has('major')) fail('missing `major` attribute in the `trace` block', node.pos);
    if (!seen.has('minor')) fail('missing `minor` attribute in the `trace` block', node.pos);
    if (!seen.has('byte_order')) fail('missing `byte_order` attribute in the `trace` block', node.pos);
    this.isTraceVisited = true;
  }

  private visitBlockTypeDecl(e: BlockEntry): void {
    if (e.kind === 'typedef') this.visitTypedef(e.specifiers, e.declarators);
    else if (e.kind === 'typealias') this.visitTypealias(e);
  }

  private visitStream(node: BlockNode): void {
    const sc = newStreamClass(0n);
    const seen = new Set<string>();
    this.pushScope();
    try {
      for (const e of node.entries) {
        if (e.kind !== 'ctf-expression') {
          this.visitBlockTypeDecl(e);
          continue;
        }
        const left = concatenateUnaryStrings(e.left);
        if (left === null) fail('cannot read the name of a `stream` attribute', e.pos);
        if (
          left !== 'id' &&
          left !== 'event.header' &&
          left !== 'event.context' &&
          left !== 'packet.context'
        ) {
          this.warn(`unknown attribute in stream class: "${left}"`, e.pos);
          continue;
        }
        if (seen.has(left)) fail(`duplicate \`${left}\` entry in stream class`, e.pos);
        if (left === 'id') {
          const id = getUnaryUnsigned(
            e.isTypeAssignment ? [] : (e.right as Unary),
            "the stream class's `id`",
            e.pos,
          );
          if (id > (1n << 63n) - 1n) fail("unexpected value for the stream class's `id` attribute", e.pos);
          if (this.tc.streamClasses.some((s) => s.id === id)) {
            fail(`duplicate stream class (same ID): id=${id}`, e.pos);
          }
          sc.id = id;
          seen.add(left);
          continue;
        }
        if (!e.isTypeAssignment) fail(`\`${left}\` must be assigned a type (\`:=\`)`, e.pos);
        const fc = this.visitSpecifierList(e.right as TypeSpecifierList);
        if (left === 'event.header') {
          sc.eventHeader = fc;
          this.autoMapFields(fc, 'timestamp', e.pos);
        } else if (left === 'event.context') {
          sc.eventCommonContext = fc;
        } else {
          sc.packetContext = fc;
          this.autoMapFields(fc, 'timestamp_begin', e.pos);
          this.autoMapFields(fc, 'timestamp_end', e.pos);
        }
        seen.add(left);
      }
    } finally {
      this.popScope();
    }
    if (seen.has('id')) {
      // babeltrace2 drops such a stream class without failing (its error path returns 0).
      const ph = this.tc.packetHeader;
      const m = ph && ph.type === 'struct' ? ph.members.find((x) => x.name === 'stream_id') : undefined;
      if (!m || !isIrInt(m.fc)) {
        this.warn(
          'stream class has an `id` attribute but no integer `stream_id` in the packet header',
          node.pos,
        );
        return;
      }
    } else {
      if (this.tc.streamClasses.length !== 0) {
        fail("missing `id` attribute in stream class as there's more than one stream class", node.pos);
      }
      sc.id = 0n;
    }
    if (this.tc.streamClasses.some((s) => s.id === sc.id)) {
      fail(`duplicate stream class (same ID): id=${sc.id}`, node.pos);
    }
    this.tc.streamClasses.push(sc);
  }

  private visitEvent(node: BlockNode): void {
    let name: string | null = null;
    for (const e of node.entries) {
      if (e.kind !== 'ctf-expression') continue;
      const left = concatenateUnaryStrings(e.left);
      if (left === null) fail('cannot read the name of an `event` attribute', e.pos);
      if (left === 'name') {
        name = e.isTypeAssignment ? null : concatenateUnaryStrings(e.right as Unary);
        if (name === null) fail("unexpected value for the event class's `name` attribute", e.pos);
        break;
      }
    }
    if (name === null) fail('missing `name` attribute in event class', node.pos);
    const ec: IrEventClass = { id: 0n, name, logLevel: null, emfUri: '', specContext: null, payload: null };
    const seen = new Set<string>();
    let streamId = 0n;
    this.pushScope();
    try {
      for (const e of node.entries) {
        if (e.kind !== 'ctf-expression') {
          this.visitBlockTypeDecl(e);
          continue;
        }
        const left = concatenateUnaryStrings(e.left);
        if (left === null) fail('cannot read the name of an `event` attribute', e.pos);
        const right = e.isTypeAssignment ? [] : (e.right as Unary);
        const known = ['name', 'id', 'stream_id', 'context', 'fields', 'loglevel', 'model.emf.uri'];
        if (!known.includes(left)) {
          this.warn(`unknown attribute in event class: "${left}"`, e.pos);
          continue;
        }
        if (seen.has(left)) fail(`duplicate \`${left}\` attribute in event class`, e.pos);
        seen.add(left);
        switch (left) {
          case 'name':
            break;
          case 'id': {
            const id = getUnaryUnsigned(right, "the event class's `id` attribute", e.pos);
            if (id > (1n << 63n) - 1n) fail("unexpected value for the event class's `id` attribute", e.pos);
            ec.id = id;
            break;
          }
          case 'stream_id':
            streamId = getUnaryUnsigned(right, "the event class's `stream_id` attribute", e.pos);
            break;
          case 'context':
          case 'fields': {
            if (!e.isTypeAssignment) fail(`\`${left}\` must be assigned a type (\`:=\`)`, e.pos);
            const fc = this.visitSpecifierList(e.right as TypeSpecifierList);
            if (left === 'context') ec.specContext = fc;
            else ec.payload = fc;
            break;
          }
          case 'loglevel': {
            const v = getUnaryUnsigned(right, "the event class's `loglevel` attribute", e.pos);
            if (v <= 14n) ec.logLevel = Number(v);
            else this.warn(`not setting the log level of event class "${name}": unknown value ${v}`, e.pos);
            break;
          }
          case 'model.emf.uri': {
            const v = concatenateUnaryStrings(right);
            if (v === null) fail("unexpected value for the event class's `model.emf.uri` attribute", e.pos);
            if (v.length > 0) ec.emfUri = v;
            break;
          }
        }
      }
    } finally {
      this.popScope();
    }
    let sc: IrStreamClass | undefined;
    if (!seen.has('stream_id')) {
      if (this.tc.streamClasses.length === 0) {
        sc = newStreamClass(0n);
        this.tc.streamClasses.push(sc);
      } else if (this.tc.streamClasses.length === 1) {
        sc = this.tc.streamClasses[0]!;
      } else {
        fail('missing `stream_id` attribute in event class', node.pos);
      }
    } else {
      sc = this.tc.streamClasses.find((s) => s.id === streamId);
      if (!sc) fail(`cannot find stream class ${streamId} for event class "${name}"`, node.pos);
    }
    if (!seen.has('id')) {
      if (sc.eventClasses.length !== 0) fail(`missing \`id\` attribute in event class "${name}"`, node.pos);
      ec.id = 0n;
    }
    // Event classes are looked up by their ID cut to 32 bits, as in babeltrace2.
    const id32 = BigInt.asUintN(32, ec.id);
    if (sc.eventClasses.some((x) => BigInt.asUintN(32, x.id) === id32)) {
      fail(`duplicate event class (same ID ${ec.id}) in stream class ${sc.id}`, node.pos);
    }
    sc.eventClasses.push(ec);
  }

  /** Maps the integer members named `fieldName` (recursively) to the trace's only clock. */
  private autoMapFields(root: IrFieldClass | null, fieldName: string, pos: Pos): void {
    if (!root || (root.type !== 'struct' && root.type !== 'variant')) return;
    const children = root.type === 'struct' ? root.members : root.options;
    for (const m of children) {
      if (m.name === fieldName && isIrInt(m.fc) && !m.fc.mappedClock) {
        if (this.tc.clocks.length === 0) {
          this.tc.clocks.push({
            name: 'default',
            description: '',
            frequency: 1_000_000_000n,
            precision: 0n,
            offsetSeconds: 0n,
            offsetCycles: 0n,
            uuid: null,
            isAbsolute: false,
          });
        } else if (this.tc.clocks.length > 1) {
          fail(
            `\`${fieldName}\` field found with no mapped clock class, but there's more than one clock class`,
            pos,
          );
        }
        m.fc.mappedClock = this.tc.clocks[0]!;
      }
      this.autoMapFields(m.fc, fieldName, pos);
    }
  }

  // --- type definitions

  private visitTypedef(specs: TypeSpecifierList, declarators: TypeDeclarator[]): void {
    for (const d of declarators) {
      const { fc, name } = this.visitDeclarator(specs, d, null);
      if (fc.type === 'variant') {
        // babeltrace2 checks the (still unresolved) selector path: no variant passes.
        fail('type definition of an untagged variant field class is not allowed', d.pos);
      }
      if (name === null || !this.scope.register('a', name, fc)) {
        fail(`cannot register field class alias "${name ?? ''}"`, d.pos);
      }
    }
  }

  private visitTypealias(node: Typealias): void {
    const d = node.target.declarators[0] ?? null;
    const { fc, name } = this.visitDeclarator(node.target.specifiers, d, null);
    if (fc.type === 'variant') {
      fail('type definition of an untagged variant field class is not allowed', node.pos);
    }
    if (name !== null) fail(`expecting an empty identifier in the aliased type, not "${name}"`, node.pos);
    const aliasDecl = node.alias.declarators[0]!;
    const aliasName = this.aliasIdentifier(node.alias.specifiers, aliasDecl);
    if (!this.scope.register('a', aliasName, fc)) {
      fail(`cannot register field class alias "${aliasName}"`, aliasDecl.pos);
    }
  }

  private specifierName(s: TypeSpecifier): string {
    switch (s.type) {
      case 'void':
      case 'char':
      case 'short':
      case 'int':
      case 'long':
      case 'float':
      case 'double':
      case 'signed':
      case 'unsigned':
      case 'const':
        return s.type;
      case 'bool':
        return 'bool';
      case 'complex':
        return '_Complex';
      case 'imaginary':
        return '_Imaginary';
      case 'id-type':
        return s.idType ?? '';
      case 'struct': {
        const n = (s.node as StructNode).name;
        if (n === undefined) fail('unexpected empty structure field class name', s.pos);
        return `struct ${n}`;
      }
      case 'variant': {
        const n = (s.node as VariantNode).name;
        if (n === undefined) fail('unexpected empty variant field class name', s.pos);
        return `variant ${n}`;
      }
      case 'enum': {
        const n = (s.node as EnumNode).name;
        if (n === undefined) fail('unexpected empty enumeration field class name', s.pos);
        return `enum ${n}`;
      }
      default:
        return fail(`unexpected field class specifier \`${s.type}\` in a type name`, s.pos);
    }
  }

  private specifierListName(list: TypeSpecifierList): string {
    return list.specifiers.map((s) => this.specifierName(s)).join(' ');
  }

  private aliasIdentifier(list: TypeSpecifierList, d: TypeDeclarator): string {
    let s = this.specifierListName(list);
    for (const p of d.pointers) s += p.isConst ? ' * const' : ' *';
    return s;
  }

  private visitDeclarator(
    specs: TypeSpecifierList,
    d: TypeDeclarator | null,
    nested: IrFieldClass | null,
  ): { fc: IrFieldClass; name: string | null } {
    if (d?.bitfield) fail('GCC bit-fields are not supported', d.pos);
    let decl = nested;
    if (!decl) {
      if (d && d.pointers.length > 0) {
        const alias = this.aliasIdentifier(specs, d);
        const found = this.scope.lookup('a', alias);
        if (!found) fail(`cannot find field class alias "${alias}"`, d.pos);
        decl = copyFieldClass(found);
        // A pointer is shown in hexadecimal.
        if (decl.type === 'int') decl.base = 16;
      } else {
        decl = this.visitSpecifierList(specs);
      }
    }
    if (!d) return { fc: decl, name: null };
    if (d.type === 'id') return { fc: decl, name: d.id ?? null };
    const length = d.length ?? [];
    if (length.length === 0) fail('expecting a length field reference or value', d.pos);
    const first = length[0]!;
    let outer: IrFieldClass;
    if (first.type === 'uconst') {
      const arr: IrArray = {
        type: 'array',
        alignment: 1,
        inIr: false,
        elem: decl,
        length: Number(first.value!),
        isText: false,
        isUuid: false,
      };
      outer = arr;
    } else if (first.type === 'string') {
      const lengthName = concatenateUnaryStrings(length);
      if (lengthName === null) fail('cannot read the length field reference', d.pos);
      if (lengthName.startsWith('env.')) {
        const key = lengthName.slice(4);
        const entry = this.tc.env.get(key);
        if (!entry) fail(`cannot find environment entry "${key}"`, d.pos);
        if (entry.type !== 'int') fail(`environment entry "${key}" is not an integer`, d.pos);
        if (entry.value < 0n) fail(`invalid, negative array length ${entry.value} (env.${key})`, d.pos);
        outer = {
          type: 'array',
          alignment: 1,
          inIr: false,
          elem: decl,
          length: Number(entry.value),
          isText: false,
          isUuid: false,
        };
      } else {
        const seq: IrSequence = {
          type: 'sequence',
          alignment: 1,
          inIr: false,
          elem: decl,
          lengthRef: lengthName,
          lengthPath: null,
          lengthFc: null,
          isText: false,
          storedLengthIndex: -1,
        };
        outer = seq;
      }
    } else {
      return fail('an array length must be an unsigned integer or a field reference', first.pos);
    }
    return this.visitDeclarator(specs, d.nested ?? null, outer);
  }

  visitSpecifierList(list: TypeSpecifierList): IrFieldClass {
    const first = list.specifiers[0]!;
    switch (first.type) {
      case 'integer':
        return this.visitInteger((first.node as { expressions: CtfExpression[] }).expressions, first.pos);
      case 'floating-point':
        return this.visitFloat((first.node as { expressions: CtfExpression[] }).expressions, first.pos);
      case 'string':
        return this.visitString((first.node as { expressions: CtfExpression[] }).expressions);
      case 'struct':
        return this.visitStruct(first.node as StructNode);
      case 'variant':
        return this.visitVariant(first.node as VariantNode);
      case 'enum':
        return this.visitEnum(first.node as EnumNode);
      default: {
        const name = this.specifierListName(list);
        const found = this.scope.lookup('a', name);
        if (!found) fail(`cannot find field class alias "${name}"`, list.pos);
        return copyFieldClass(found);
      }
    }
  }

  private visitStructEntries(
    entries: StructEntry[],
    onField: (specs: TypeSpecifierList, d: TypeDeclarator) => void,
  ): void {
    for (const e of entries) {
      if (e.kind === 'typedef') this.visitTypedef(e.specifiers, e.declarators);
      else if (e.kind === 'typealias') this.visitTypealias(e);
      else for (const d of e.declarators) onField(e.specifiers, d);
    }
  }

  private visitStruct(node: StructNode): IrFieldClass {
    if (!node.hasBody) {
      if (node.name === undefined) fail('bodyless structure field class without a name', node.pos);
      const found = this.scope.lookup('s', node.name);
      if (!found) fail(`cannot find structure field class "struct ${node.name}"`, node.pos);
      return copyFieldClass(found);
    }
    if (node.name !== undefined && this.scope.lookup('s', node.name, 1)) {
      fail(`structure field class "struct ${node.name}" is already declared in this scope`, node.pos);
    }
    let minAlign = 0n;
    if (node.minAlign.length > 0) {
      minAlign = getUnaryUnsigned(node.minAlign, "the structure's `align` attribute", node.pos);
    }
    const s = newStruct();
    if (minAlign !== 0n) s.alignment = Number(minAlign);
    this.pushScope();
    try {
      this.visitStructEntries(node.entries, (specs, d) => {
        const { fc, name } = this.visitDeclarator(specs, d, null);
        const fieldName = name ?? '';
        if (s.members.some((m) => m.name === fieldName)) {
          fail(`duplicate field "${fieldName}" in structure field class`, d.pos);
        }
        structAppend(s, fieldName, fc);
      });
    } finally {
      this.popScope();
    }
    if (node.name !== undefined && !this.scope.register('s', node.name, s)) {
      fail(`cannot register structure field class "struct ${node.name}"`, node.pos);
    }
    return s;
  }

  private visitVariant(node: VariantNode): IrFieldClass {
    let v: IrVariant;
    if (!node.hasBody) {
      if (node.name === undefined) fail('bodyless variant field class without a name', node.pos);
      const found = this.scope.lookup('v', node.name);
      if (!found) fail(`cannot find variant field class "variant ${node.name}"`, node.pos);
      v = copyFieldClass(found) as IrVariant;
    } else {
      if (node.name !== undefined && this.scope.lookup('v', node.name, 1)) {
        fail(`variant field class "variant ${node.name}" is already declared in this scope`, node.pos);
      }
      v = {
        type: 'variant',
        alignment: 1,
        inIr: false,
        options: [],
        tagRef: '',
        tagPath: null,
        tagFc: null,
        ranges: [],
        storedTagIndex: -1,
      };
      const variant = v;
      this.pushScope();
      try {
        this.visitStructEntries(node.entries, (specs, d) => {
          const { fc, name } = this.visitDeclarator(specs, d, null);
          const fieldName = name ?? '';
          if (variant.options.some((m) => m.name === fieldName)) {
            fail(`duplicate option "${fieldName}" in variant field class`, d.pos);
          }
          variant.options.push(irNamed(fieldName, fc));
        });
      } finally {
        this.popScope();
      }
      if (node.name !== undefined && !this.scope.register('v', node.name, v)) {
        fail(`cannot register variant field class "variant ${node.name}"`, node.pos);
      }
    }
    if (node.choice !== undefined) v.tagRef = node.choice;
    return v;
  }

  private visitEnum(node: EnumNode): IrFieldClass {
    if (!node.hasBody) {
      if (node.name === undefined) fail('bodyless enumeration field class without a name', node.pos);
      const found = this.scope.lookup('e', node.name);
      if (!found) fail(`cannot find enumeration field class "enum ${node.name}"`, node.pos);
      return copyFieldClass(found);
    }
    if (node.name !== undefined && this.scope.lookup('e', node.name, 1)) {
      fail(`enumeration field class "enum ${node.name}" is already declared in this scope`, node.pos);
    }
    let container: IrFieldClass;
    if (!node.container) {
      const found = this.scope.lookup('a', 'int');
      if (!found) fail('cannot find the implicit `int` field class alias for an enumeration', node.pos);
      container = copyFieldClass(found);
    } else {
      container = this.visitDeclarator(node.container, null, null).fc;
    }
    if (container.type !== 'int') {
      fail('the container field class of an enumeration is not an integer field class', node.pos);
    }
    const e: IrInt = { ...container, type: 'enum', mappings: [] };
    const signed = e.isSigned;
    // `last` follows babeltrace2: the next implicit value, with the signedness of the last value.
    let last = { isSigned: signed, value: 0n };
    for (const en of node.enumerators) {
      const vals: { isSigned: boolean; value: bigint }[] = [];
      for (const n of en.values) {
        if (n.type === 'sconst') vals.push({ isSigned: true, value: n.value! });
        else if (n.type === 'uconst') vals.push({ isSigned: false, value: n.value! });
        else {
          fail(
            `invalid enumeration label "${en.id}": expecting a constant signed or unsigned integer`,
            n.pos,
          );
        }
        if (vals.length > 2) fail(`invalid enumeration label "${en.id}"`, n.pos);
      }
      const start = vals.length === 0 ? last : vals[0]!;
      const end = vals.length <= 1 ? start : vals[1]!;
      last = { isSigned: last.isSigned, value: end.value + 1n };
      if (end.isSigned) last = { isSigned: last.isSigned, value: BigInt.asIntN(64, end.value + 1n) };
      else last = { isSigned: last.isSigned, value: BigInt.asUintN(64, end.value + 1n) };
      // Ranges are kept as 64-bit patterns, read with the container's signedness.
      const lower = signed ? BigInt.asIntN(64, start.value) : BigInt.asUintN(64, start.value);
      const upper = signed ? BigInt.asIntN(64, end.value) : BigInt.asUintN(64, end.value);
      let m = e.mappings.find((x) => x.label === en.id);
      if (!m) {
        m = { label: en.id, ranges: [] };
        e.mappings.push(m);
      }
      m.ranges.push({ lower, upper });
    }
    if (node.name !== undefined && !this.scope.register('e', node.name, e)) {
      fail(`cannot register enumeration field class "enum ${node.name}"`, node.pos);
    }
    return e;
  }

  private attrs(
    expressions: CtfExpression[],
    what: string,
    each: (name: string, right: Unary, e: CtfExpression) => boolean,
  ): void {
    const seen = new Set<string>();
    for (const e of expressions) {
      const left = e.left[0]!;
      if (left.type !== 'string') fail(`${what}: unexpected attribute name`, left.pos);
      const name = left.str!;
      const right = e.isTypeAssignment ? [] : (e.right as Unary);
      if (right.length === 0) fail(`${what}: attribute \`${name}\` needs a value`, e.pos);
      const known = each(name, right, e);
      if (!known) {
        this.warn(`unknown attribute in ${what}: "${name}"`, e.pos);
        continue;
      }
      if (seen.has(name)) fail(`duplicate attribute \`${name}\` in ${what}`, e.pos);
      seen.add(name);
    }
  }

  private visitInteger(expressions: CtfExpression[], pos: Pos): IrInt {
    const fc = newInt();
    fc.byteOrder = this.tc.defaultByteOrder;
    let size: bigint | undefined;
    let align: bigint | undefined;
    const seen = new Set<string>();
    for (const e of expressions) {
      const left = e.left[0]!;
      if (left.type !== 'string') fail('integer field class: unexpected attribute name', left.pos);
      const name = left.str!;
      const right = e.isTypeAssignment ? [] : (e.right as Unary);
      const r = right[0];
      const known = ['signed', 'byte_order', 'size', 'align', 'base', 'encoding', 'map'];
      if (!known.includes(name)) {
        this.warn(`unknown attribute in integer field class: "${name}"`, e.pos);
        continue;
      }
      if (seen.has(name)) fail(`duplicate attribute \`${name}\` in integer field class`, e.pos);
      if (!r) fail(`integer field class: attribute \`${name}\` needs a value`, e.pos);
      switch (name) {
        case 'signed':
          fc.isSigned = getBoolean(r, "integer field class's `signed` attribute");
          break;
        case 'byte_order': {
          const bo = byteOrderOf(r);
          if (bo === undefined) {
            fail(
              'invalid `byte_order` attribute in integer field class: expecting `be`, `le`, `network` or `native`',
              r.pos,
            );
          }
          fc.byteOrder = bo === 'native' ? this.tc.defaultByteOrder : bo;
          break;
        }
        case 'size':
          if (r.type !== 'uconst')
            fail('invalid `size` attribute in integer field class: expecting an unsigned integer', r.pos);
          size = r.value!;
          if (size === 0n)
            fail('invalid `size` attribute in integer field class: expecting a positive integer', r.pos);
          if (size > 64n)
            fail(`invalid \`size\` attribute in integer field class: ${size} bits is more than 64`, r.pos);
          break;
        case 'align':
          if (r.type !== 'uconst')
            fail('invalid `align` attribute in integer field class: expecting an unsigned integer', r.pos);
          align = r.value!;
          if (!isPowerOfTwo(align))
            fail(`invalid \`align\` attribute in integer field class: ${align} is not a power of two`, r.pos);
          break;
        case 'base':
          if (r.type === 'uconst') {
            const v = r.value!;
            if (v === 2n) fc.base = 2;
            else if (v === 8n) fc.base = 8;
            else if (v === 10n) fc.base = 10;
            else if (v === 16n) fc.base = 16;
            else fail(`invalid \`base\` attribute in integer field class: ${v}`, r.pos);
          } else if (r.type === 'string') {
            const s = concatenateUnaryStrings(right);
            if (s === null) fail("unexpected value for integer field class's `base` attribute", r.pos);
            if (['decimal', 'dec', 'd', 'i', 'u'].includes(s)) fc.base = 10;
            else if (['hexadecimal', 'hex', 'x', 'X', 'p'].includes(s)) fc.base = 16;
            else if (['octal', 'oct', 'o'].includes(s)) fc.base = 8;
            else if (['binary', 'b'].includes(s)) fc.base = 2;
            else fail(`unexpected value for integer field class's \`base\` attribute: "${s}"`, r.pos);
          } else {
            fail('invalid `base` attribute in integer field class: expecting an integer or a name', r.pos);
          }
          break;
        case 'encoding': {
          if (r.type !== 'string')
            fail('invalid `encoding` attribute in integer field class: expecting a name', r.pos);
          const s = concatenateUnaryStrings(right);
          if (s === null) fail("unexpected value for integer field class's `encoding` attribute", r.pos);
          fc.encoding = encodingOf(s, 'integer field class', r.pos);
          break;
        }
        case 'map': {
          if (r.type !== 'string')
            fail('invalid `map` attribute in integer field class: expecting a name', r.pos);
          const clockName = mapClockName(right);
          if (clockName === null) {
            // babeltrace2 logs an error but ignores a malformed `map` value.
            this.warn(
              `invalid \`map\` attribute in integer field class: "${concatenateUnaryStrings(right)}"`,
              r.pos,
            );
            break;
          }
          const clock = this.tc.clocks.find((c) => c.name === clockName);
          if (!clock)
            fail(
              `invalid \`map\` attribute in integer field class: no clock class named "${clockName}"`,
              r.pos,
            );
          fc.mappedClock = clock;
          break;
        }
      }
      seen.add(name);
    }
    if (size === undefined) fail('missing `size` attribute in integer field class', pos);
    fc.size = Number(size);
    fc.alignment = align !== undefined ? Number(align) : fc.size % 8 ? 1 : 8;
    return fc;
  }

  private visitFloat(expressions: CtfExpression[], pos: Pos): IrFloat {
    let byteOrder: IrByteOrder = this.tc.defaultByteOrder;
    let expDig: bigint | undefined;
    let mantDig: bigint | undefined;
    let align: bigint | undefined;
    const seen = new Set<string>();
    for (const e of expressions) {
      const left = e.left[0]!;
      if (left.type !== 'string')
        fail('floating point number field class: unexpected attribute name', left.pos);
      const name = left.str!;
      const r = (e.isTypeAssignment ? [] : (e.right as Unary))[0];
      if (!['byte_order', 'exp_dig', 'mant_dig', 'align'].includes(name)) {
        this.warn(`unknown attribute in floating point number field class: "${name}"`, e.pos);
        continue;
      }
      if (seen.has(name)) fail(`duplicate attribute \`${name}\` in floating point number field class`, e.pos);
      if (!r) fail(`floating point number field class: attribute \`${name}\` needs a value`, e.pos);
      if (name === 'byte_order') {
        const bo = byteOrderOf(r);
        if (bo === undefined)
          fail('invalid `byte_order` attribute in floating point number field class', r.pos);
        byteOrder = bo === 'native' ? this.tc.defaultByteOrder : bo;
      } else {
        if (r.type !== 'uconst') {
          fail(
            `invalid \`${name}\` attribute in floating point number field class: expecting an unsigned integer`,
            r.pos,
          );
        }
        if (name === 'exp_dig') expDig = r.value!;
        else if (name === 'mant_dig') mantDig = r.value!;
        else {
          align = r.value!;
          if (!isPowerOfTwo(align))
            fail(
              `invalid \`align\` attribute in floating point number field class: ${align} is not a power of two`,
              r.pos,
            );
        }
      }
      seen.add(name);
    }
    if (mantDig === undefined) fail('missing `mant_dig` attribute in floating point number field class', pos);
    if (expDig === undefined) fail('missing `exp_dig` attribute in floating point number field class', pos);
    if (mantDig !== 24n && mantDig !== 53n) fail('`mant_dig` attribute: expecting 24 or 53', pos);
    if (mantDig === 24n && expDig !== 8n)
      fail('`exp_dig` attribute: expecting 8 because `mant_dig` is 24', pos);
    if (mantDig === 53n && expDig !== 11n)
      fail('`exp_dig` attribute: expecting 11 because `mant_dig` is 53', pos);
    const size = Number(mantDig + expDig) as 32 | 64;
    return {
      type: 'float',
      alignment: align !== undefined ? Number(align) : size % 8 ? 1 : 8,
      inIr: false,
      size,
      byteOrder,
    };
  }

  private visitString(expressions: CtfExpression[]): IrString {
    let encoding: 'none' | 'utf8' = 'utf8';
    this.attrs(expressions, 'string field class', (name, right) => {
      if (name !== 'encoding') return false;
      const r = right[0]!;
      if (r.type !== 'string')
        fail('invalid `encoding` attribute in string field class: expecting a name', r.pos);
      const s = concatenateUnaryStrings(right);
      if (s === null) fail("unexpected value for string field class's `encoding` attribute", r.pos);
      encoding = encodingOf(s, 'string field class', r.pos);
      return true;
    });
    return { type: 'string', alignment: 8, inIr: false, encoding };
  }
}

function isPowerOfTwo(v: bigint): boolean {
  return v !== 0n && (v & (v - 1n)) === 0n;
}

function byteOrderOf(n: UnaryNode): IrByteOrder | 'native' | undefined {
  if (n.type !== 'string') return undefined;
  switch (n.str) {
    case 'be':
    case 'network':
      return 'be';
    case 'le':
      return 'le';
    case 'native':
      return 'native';
    default:
      return undefined;
  }
}

function encodingOf(s: string, what: string, pos: Pos): 'none' | 'utf8' {
  if (['UTF8', 'utf8', 'utf-8', 'UTF-8', 'ASCII', 'ascii'].includes(s)) return 'utf8';
  if (s === 'none') return 'none';
  return fail(`invalid \`encoding\` attribute in ${what}: unknown encoding "${s}"`, pos);
}

/** `clock.NAME.value` -> NAME, or null. */
/** `clock.NAME.value` -> NAME; like babeltrace2, `clock.NAME` is accepted too. */
function mapClockName(list: Unary): string | null {
  if (list.length < 2 || list.length > 3) return null;
  for (let i = 0; i < list.length; i++) {
    const n = list[i]!;
    if (n.type !== 'string') return null;
    if ((n.link !== 'none') !== (i !== 0)) return null;
    if (i > 0 && n.link !== 'dot') return null;
  }
  if (list[0]!.str !== 'clock' || (list.length === 3 && list[2]!.str !== 'value')) return null;
  return list[1]!.str!;
}

function calibrateOffsets(s: bigint, cycles: bigint, freq: bigint): [bigint, bigint] {
  if (cycles >= freq) {
    const sIn = cycles / freq;
    return [BigInt.asIntN(64, s + sIn), cycles - sIn * freq];
  }
  return [s, cycles];
}

function cyclesFromNs(freq: bigint, ns: bigint): bigint {
  if (freq === 1_000_000_000n) return ns;
  return BigInt(Math.trunc((Number(ns) * Number(freq)) / 1e9));
}

export interface TsdlResult {
  readonly trace: IrTraceClass;
  readonly warnings: readonly string[];
}

/** Builds the CTF IR of a TSDL syntax tree (before the passes of ctf-ir-passes.ts). */
export function tsdlToIr(root: RootNode, options: TsdlOptions = {}): TsdlResult {
  const v = new Visitor(options);
  v.visitRoot(root);
  return { trace: v.tc, warnings: v.warnings };
}
