/**
 * Passes over a freshly built CTF IR, in babeltrace2's order: default clock classes, special
 * meanings of well-known member names, stream class configuration, text arrays, length/selector
 * resolution, "in IR" (which fields are printed), stored-value slots, and final validation.
 */
import {
  compoundChildren,
  type IrClockClass,
  type IrEventClass,
  type IrFieldClass,
  type IrFieldPath,
  type IrInt,
  type IrStreamClass,
  type IrTraceClass,
  isIrInt,
  Meaning,
  SCOPE_NAMES,
  Scope,
  structMemberByName,
} from './ctf-ir.js';
import { MetadataError } from './errors.js';

function fail(msg: string): never {
  throw new MetadataError(msg);
}

// ---------------------------------------------------------------------------------------------
// Default clock classes

function findMappedClock(fc: IrFieldClass | null, found: { cc: IrClockClass | null }): void {
  if (!fc) return;
  if (isIrInt(fc)) {
    if (fc.mappedClock) {
      if (found.cc && found.cc !== fc.mappedClock) {
        fail(
          `a stream class maps integers to more than one clock class ("${found.cc.name}" and "${fc.mappedClock.name}")`,
        );
      }
      found.cc = fc.mappedClock;
    }
    return;
  }
  for (const c of compoundChildren(fc)) findMappedClock(c, found);
}

function updateDefaultClockClasses(tc: IrTraceClass): void {
  const ph = { cc: null as IrClockClass | null };
  findMappedClock(tc.packetHeader, ph);
  if (ph.cc) fail('the packet header maps an integer to a clock class');
  for (const sc of tc.streamClasses) {
    const found = { cc: sc.defaultClock };
    findMappedClock(sc.packetContext, found);
    findMappedClock(sc.eventHeader, found);
    findMappedClock(sc.eventCommonContext, found);
    for (const ec of sc.eventClasses) {
      findMappedClock(ec.specContext, found);
      findMappedClock(ec.payload, found);
    }
    if (!sc.defaultClock) sc.defaultClock = found.cc;
  }
}

// ---------------------------------------------------------------------------------------------
// Meanings

function memberInt(fc: IrFieldClass | null, name: string): IrInt | undefined {
  const m = structMemberByName(fc, name);
  return m && isIrInt(m.fc) ? m.fc : undefined;
}

function setMeaningByName(
  fc: IrFieldClass,
  fieldName: string | null,
  idName: string,
  meaning: Meaning,
): void {
  switch (fc.type) {
    case 'int':
    case 'enum':
      if (fieldName === idName) fc.meaning = meaning;
      break;
    case 'struct':
      for (const m of fc.members) setMeaningByName(m.fc, m.name, idName, meaning);
      break;
    case 'variant':
      for (const m of fc.options) setMeaningByName(m.fc, null, idName, meaning);
      break;
    case 'array':
    case 'sequence':
      setMeaningByName(fc.elem, null, idName, meaning);
      break;
    default:
      break;
  }
}

function updateMeanings(tc: IrTraceClass): void {
  // CTF 2 gives the meanings as roles (set while reading the metadata).
  if (tc.format === 'ctf2') return;
  const ph = tc.packetHeader;
  if (ph) {
    const magic = memberInt(ph, 'magic');
    if (magic) magic.meaning = Meaning.Magic;
    const sid = memberInt(ph, 'stream_id');
    if (sid) sid.meaning = Meaning.StreamClassId;
    const siid = memberInt(ph, 'stream_instance_id');
    if (siid) siid.meaning = Meaning.DataStreamId;
    const uuid = structMemberByName(ph, 'uuid');
    if (uuid && uuid.fc.type === 'array') uuid.fc.isUuid = true;
  }
  for (const sc of tc.streamClasses) {
    const pc = sc.packetContext;
    if (pc) {
      const tb = memberInt(pc, 'timestamp_begin');
      if (tb) tb.meaning = Meaning.PacketBeginningTime;
      const te = memberInt(pc, 'timestamp_end');
      if (te) {
        te.meaning = Meaning.PacketEndTime;
        // The end time must not update the clock while decoding.
        te.mappedClock = null;
      }
      const ed = memberInt(pc, 'events_discarded');
      if (ed) ed.meaning = Meaning.DiscardedEventsCounterSnapshot;
      const sn = memberInt(pc, 'packet_seq_num');
      if (sn) sn.meaning = Meaning.PacketCounterSnapshot;
      const ps = memberInt(pc, 'packet_size');
      if (ps) ps.meaning = Meaning.ExpectedPacketTotalSize;
      const cs = memberInt(pc, 'content_size');
      if (cs) cs.meaning = Meaning.ExpectedPacketContentSize;
    }
    if (sc.eventHeader) setMeaningByName(sc.eventHeader, null, 'id', Meaning.EventClassId);
  }
}

function hasMeaning(fc: IrFieldClass | null, m: Meaning): boolean {
  if (!fc) return false;
  if (isIrInt(fc)) return fc.meaning === m;
  return compoundChildren(fc).some((c) => hasMeaning(c, m));
}

function updateStreamClassConfig(tc: IrTraceClass): void {
  for (const sc of tc.streamClasses) {
    if (!sc.packetContext) continue;
    if (tc.format === 'ctf2') {
      const pc = sc.packetContext;
      sc.packetsHaveTsBegin = hasMeaning(pc, Meaning.PacketBeginningTime);
      sc.packetsHaveTsEnd = hasMeaning(pc, Meaning.PacketEndTime);
      sc.hasDiscardedEvents = hasMeaning(pc, Meaning.DiscardedEventsCounterSnapshot);
      sc.discardedEventsHaveCs = sc.hasDiscardedEvents && sc.packetsHaveTsBegin && sc.packetsHaveTsEnd;
      sc.hasDiscardedPackets = hasMeaning(pc, Meaning.PacketCounterSnapshot);
      sc.discardedPacketsHaveCs = sc.hasDiscardedPackets && sc.packetsHaveTsBegin && sc.packetsHaveTsEnd;
      continue;
    }
    sc.packetsHaveTsBegin =
      memberInt(sc.packetContext, 'timestamp_begin')?.meaning === Meaning.PacketBeginningTime;
    sc.packetsHaveTsEnd = memberInt(sc.packetContext, 'timestamp_end')?.meaning === Meaning.PacketEndTime;
    sc.hasDiscardedEvents =
      memberInt(sc.packetContext, 'events_discarded')?.meaning === Meaning.DiscardedEventsCounterSnapshot;
    sc.discardedEventsHaveCs = sc.hasDiscardedEvents && sc.packetsHaveTsBegin && sc.packetsHaveTsEnd;
    sc.hasDiscardedPackets =
      memberInt(sc.packetContext, 'packet_seq_num')?.meaning === Meaning.PacketCounterSnapshot;
    sc.discardedPacketsHaveCs = sc.hasDiscardedPackets && sc.packetsHaveTsBegin && sc.packetsHaveTsEnd;
  }
}

// ---------------------------------------------------------------------------------------------
// Text arrays and sequences

function setTextArraySequence(fc: IrFieldClass | null): void {
  if (!fc) return;
  if (fc.type === 'array' || fc.type === 'sequence') {
    const e = fc.elem;
    if (isIrInt(e) && e.alignment === 8 && e.size === 8 && e.encoding === 'utf8') {
      fc.isText = true;
      // One decoding path for text: bytes are characters.
      e.isSigned = false;
    }
  }
  for (const c of compoundChildren(fc)) setTextArraySequence(c);
}

// ---------------------------------------------------------------------------------------------
// Resolution of sequence lengths and variant selectors

const ABSOLUTE_PREFIXES: readonly [string, Scope, number][] = [
  ['trace.packet.header.', Scope.PacketHeader, 3],
  ['stream.packet.context.', Scope.PacketContext, 3],
  ['stream.event.header.', Scope.EventHeader, 3],
  ['stream.event.context.', Scope.EventCommonContext, 3],
  ['event.context.', Scope.EventSpecificContext, 2],
  ['event.fields.', Scope.EventPayload, 2],
];

interface Frame {
  fc: IrFieldClass;
  index: number;
}

class Resolver {
  scopes: (IrFieldClass | null)[] = [null, null, null, null, null, null];
  rootScope: Scope = Scope.PacketHeader;
  stack: Frame[] = [];
  hasSc = false;
  hasEc = false;

  resolveRoot(scope: Scope): void {
    this.rootScope = scope;
    this.stack = [];
    const fc = this.scopes[scope];
    if (fc) this.resolve(fc);
  }

  private resolve(fc: IrFieldClass): void {
    if (fc.type === 'sequence' || fc.type === 'variant') this.resolveRef(fc);
    if (fc.type === 'struct' || fc.type === 'variant' || fc.type === 'array' || fc.type === 'sequence') {
      const frame: Frame = { fc, index: 0 };
      this.stack.push(frame);
      const children = compoundChildren(fc);
      for (let i = 0; i < children.length; i++) {
        frame.index = fc.type === 'array' || fc.type === 'sequence' ? -1 : i;
        this.resolve(children[i]!);
      }
      this.stack.pop();
    }
  }

  private static childIndexByOrigName(fc: IrFieldClass, name: string): number {
    if (fc.type === 'struct') return fc.members.findIndex((m) => m.origName === name);
    if (fc.type === 'variant') return fc.options.findIndex((m) => m.origName === name);
    return -1;
  }

  private static child(fc: IrFieldClass, index: number): IrFieldClass | undefined {
    if (fc.type === 'struct') return fc.members[index]?.fc;
    if (fc.type === 'variant') return fc.options[index]?.fc;
    if (fc.type === 'array' || fc.type === 'sequence') return fc.elem;
    return undefined;
  }

  /** Follows path tokens from `fc`; null when not found there. */
  /** CTF 2: a location path does not name variant options. */
  static transparentVariants = false;

  private static tokensToPath(tokens: string[], fc: IrFieldClass, srcIndex: number): number[] | null {
    const out: number[] = [];
    let t = 0;
    let firstLevelDone = false;
    let cur = fc;
    while (t < tokens.length) {
      let childIndex: number;
      if (cur.type === 'array' || cur.type === 'sequence') {
        childIndex = -1;
      } else {
        childIndex = Resolver.childIndexByOrigName(cur, tokens[t]!);
        if (childIndex < 0 && cur.type === 'variant' && Resolver.transparentVariants) {
          // CTF 2 field locations go through variants without naming the option.
          const tok = tokens[t]!;
          childIndex = cur.options.findIndex(
            (o) => o.fc.type === 'struct' && o.fc.members.some((m) => m.origName === tok),
          );
          if (childIndex < 0) return null;
          out.push(childIndex);
          cur = cur.options[childIndex]!.fc;
          continue;
        }
        if (childIndex < 0) return null;
        if (childIndex > srcIndex && !firstLevelDone) return null;
        t++;
        firstLevelDone = true;
      }
      out.push(childIndex);
      const next = Resolver.child(cur, childIndex);
      if (!next) return null;
      cur = next;
    }
    return out;
  }

  private pathToFc(path: IrFieldPath): IrFieldClass | null {
    let fc = this.scopes[path.root] ?? null;
    if (!fc) return null;
    for (const i of path.path) {
      const c = Resolver.child(fc, i);
      if (!c) return null;
      fc = c;
    }
    return fc;
  }

  private resolveRef(fc: IrFieldClass & { type: 'sequence' | 'variant' }): void {
    const pathStr = fc.type === 'sequence' ? fc.lengthRef : fc.tagRef;
    const what = fc.type === 'sequence' ? 'sequence length' : 'variant selector';
    if (pathStr === '') fail(`a variant has no selector (\`variant <NAME>\`)`);
    const tokens = pathStr.split('.');
    if (tokens.some((t) => t === '')) fail(`invalid ${what} reference "${pathStr}"`);
    const abs = ABSOLUTE_PREFIXES.find(([p]) => pathStr.startsWith(p));
    let target: IrFieldPath;
    if (!abs) {
      // Relative: search from the innermost enclosing compound outwards, in the current scope.
      let found: IrFieldPath | null = null;
      for (let pos = this.stack.length - 1; pos >= 0; pos--) {
        const frame = this.stack[pos]!;
        const tail = Resolver.tokensToPath(tokens, frame.fc, frame.index);
        if (tail) {
          const head = this.stack.slice(0, pos).map((f) => f.index);
          found = { root: this.rootScope, path: [...head, ...tail] };
          break;
        }
      }
      if (!found) fail(`cannot find the ${what} "${pathStr}" from ${SCOPE_NAMES[this.rootScope]}`);
      target = found;
    } else {
      const [, root, skip] = abs;
      if (
        (root === Scope.PacketContext || root === Scope.EventHeader || root === Scope.EventCommonContext) &&
        !this.hasSc
      ) {
        fail(`the ${what} "${pathStr}" refers to a stream scope outside a stream class`);
      }
      if ((root === Scope.EventSpecificContext || root === Scope.EventPayload) && !this.hasEc) {
        fail(`the ${what} "${pathStr}" refers to an event scope outside an event class`);
      }
      const rootFc = this.scopes[root];
      if (!rootFc) fail(`the ${what} "${pathStr}" refers to ${SCOPE_NAMES[root]}, which does not exist`);
      const path = Resolver.tokensToPath(tokens.slice(skip), rootFc, Number.MAX_SAFE_INTEGER);
      if (!path) fail(`cannot find the ${what} "${pathStr}"`);
      target = { root, path };
    }
    const targetFc = this.pathToFc(target);
    if (!targetFc) fail(`cannot find the ${what} "${pathStr}"`);
    this.validateTarget(target, targetFc, fc, pathStr, what);
    if (fc.type === 'sequence') {
      fc.lengthPath = target;
      fc.lengthFc = targetFc as IrInt;
    } else {
      fc.tagPath = target;
      this.setTag(fc, targetFc as IrInt);
    }
  }

  private validateTarget(
    target: IrFieldPath,
    targetFc: IrFieldClass,
    fc: IrFieldClass,
    pathStr: string,
    what: string,
  ): void {
    const ctxPath = this.stack.map((f) => f.index);
    if (target.path.length === 0) fail(`the ${what} "${pathStr}" refers to a whole scope`);
    if (target.root > this.rootScope) {
      fail(`the ${what} "${pathStr}" refers to a field that comes after it (in ${SCOPE_NAMES[target.root]})`);
    }
    if (target.root === this.rootScope) {
      let lca = 0;
      for (;;) {
        if (lca === target.path.length || lca === ctxPath.length) {
          fail(`the ${what} "${pathStr}" refers to a field that contains it`);
        }
        if (target.path[lca] !== ctxPath[lca]) break;
        lca++;
      }
      if (target.path[lca]! >= ctxPath[lca]!) {
        fail(`the ${what} "${pathStr}" refers to a field that does not come before it`);
      }
    }
    if (fc.type === 'variant') {
      if (fc.explicitRanges) {
        if (!isIrInt(targetFc)) fail(`the variant selector "${pathStr}" is not an integer`);
      } else if (targetFc.type !== 'enum') {
        fail(`the variant selector "${pathStr}" is not an enumeration`);
      }
    } else if (!isIrInt(targetFc) || targetFc.isSigned) {
      fail(`the sequence length "${pathStr}" is not an unsigned integer`);
    }
  }

  private setTag(v: IrFieldClass & { type: 'variant' }, tag: IrInt): void {
    v.tagFc = tag;
    if (v.explicitRanges) return;
    v.ranges = [];
    v.options.forEach((opt, i) => {
      const m = tag.mappings.find((x) => x.label === opt.origName);
      if (!m) return;
      for (const r of m.ranges) v.ranges.push({ lower: r.lower, upper: r.upper, optionIndex: i });
    });
  }
}

function resolveAll(tc: IrTraceClass): void {
  Resolver.transparentVariants = tc.format === 'ctf2';
  const r = new Resolver();
  r.scopes[Scope.PacketHeader] = tc.packetHeader;
  r.resolveRoot(Scope.PacketHeader);
  for (const sc of tc.streamClasses) {
    r.hasSc = true;
    r.scopes[Scope.PacketContext] = sc.packetContext;
    r.resolveRoot(Scope.PacketContext);
    r.scopes[Scope.EventHeader] = sc.eventHeader;
    r.resolveRoot(Scope.EventHeader);
    r.scopes[Scope.EventCommonContext] = sc.eventCommonContext;
    for (const ec of sc.eventClasses) {
      r.hasEc = true;
      // babeltrace2 resolves the common context for each event class (with that event's scopes).
      r.scopes[Scope.EventSpecificContext] = ec.specContext;
      r.resolveRoot(Scope.EventCommonContext);
      r.resolveRoot(Scope.EventSpecificContext);
      r.scopes[Scope.EventPayload] = ec.payload;
      r.resolveRoot(Scope.EventPayload);
      r.scopes[Scope.EventSpecificContext] = null;
      r.scopes[Scope.EventPayload] = null;
      r.hasEc = false;
    }
    r.scopes[Scope.PacketContext] = null;
    r.scopes[Scope.EventHeader] = null;
    r.scopes[Scope.EventCommonContext] = null;
    r.hasSc = false;
  }
}

// ---------------------------------------------------------------------------------------------
// In IR: which fields reach the output

function forceInIr(fc: IrFieldClass | null, v: boolean): void {
  if (!fc) return;
  fc.inIr = v;
  for (const c of compoundChildren(fc)) forceInIr(c, v);
}

function updateInIr(fc: IrFieldClass | null, dependents: Set<IrFieldClass>): void {
  if (!fc) return;
  switch (fc.type) {
    case 'int':
    case 'enum':
      if ((!fc.mappedClock && fc.meaning === Meaning.None) || dependents.has(fc)) fc.inIr = true;
      break;
    case 'struct':
      if (fc.members.length === 0) fc.inIr = true;
      for (let i = fc.members.length - 1; i >= 0; i--) {
        const m = fc.members[i]!;
        updateInIr(m.fc, dependents);
        if (m.fc.inIr) fc.inIr = true;
      }
      break;
    case 'variant':
      for (let i = fc.options.length - 1; i >= 0; i--) {
        const o = fc.options[i]!;
        updateInIr(o.fc, dependents);
        if (o.fc.inIr) fc.inIr = true;
      }
      if (fc.inIr) {
        // Every option stays selectable, even one whose fields were all removed.
        for (const o of fc.options) o.fc.inIr = true;
        if (fc.tagFc) dependents.add(fc.tagFc);
      }
      break;
    case 'array':
    case 'sequence':
      updateInIr(fc.elem, dependents);
      fc.inIr = fc.elem.inIr;
      if (fc.type === 'array' && fc.isUuid) {
        fc.inIr = false;
        fc.elem.inIr = false;
      } else if (fc.type === 'sequence' && fc.inIr && fc.lengthFc) {
        dependents.add(fc.lengthFc);
      }
      break;
    default:
      fc.inIr = true;
  }
}

function updateAllInIr(tc: IrTraceClass): void {
  const dependents = new Set<IrFieldClass>();
  for (const sc of tc.streamClasses) {
    for (const ec of sc.eventClasses) {
      updateInIr(ec.payload, dependents);
      updateInIr(ec.specContext, dependents);
    }
    updateInIr(sc.eventCommonContext, dependents);
    forceInIr(sc.eventHeader, false);
    updateInIr(sc.packetContext, dependents);
  }
  forceInIr(tc.packetHeader, false);
}

// ---------------------------------------------------------------------------------------------
// Stored values (lengths and selectors)

function updateStoringIndexes(fc: IrFieldClass | null, tc: IrTraceClass): void {
  if (!fc) return;
  if (fc.type === 'variant' || fc.type === 'sequence') {
    const tgt = fc.type === 'variant' ? fc.tagFc : fc.lengthFc;
    if (!tgt) fail('internal: unresolved sequence length or variant selector');
    if (tgt.storingIndex < 0) tgt.storingIndex = tc.storedValueCount++;
    if (fc.type === 'variant') fc.storedTagIndex = tgt.storingIndex;
    else fc.storedLengthIndex = tgt.storingIndex;
  }
  for (const c of compoundChildren(fc)) updateStoringIndexes(c, tc);
}

// ---------------------------------------------------------------------------------------------
// Validation

function checkUnsignedMember(fc: IrFieldClass | null, name: string, scope: string): void {
  const m = structMemberByName(fc, name);
  if (!m) return;
  if (!isIrInt(m.fc)) fail(`invalid ${scope}: \`${name}\` member is not an integer field class`);
  if (m.fc.isSigned) fail(`invalid ${scope}: \`${name}\` member is signed`);
}

function validate(tc: IrTraceClass): void {
  const ph = tc.packetHeader;
  if (ph && ph.type === 'struct') {
    const magic = structMemberByName(ph, 'magic');
    if (magic) {
      if (ph.members[0] !== magic) fail('invalid packet header: `magic` member is not the first member');
      if (!isIrInt(magic.fc)) fail('invalid packet header: `magic` member is not an integer field class');
      if (magic.fc.isSigned) fail('invalid packet header: `magic` member is signed');
      if (magic.fc.size !== 32) fail('invalid packet header: `magic` member is not 32-bit');
    }
    const sid = structMemberByName(ph, 'stream_id');
    if (sid) checkUnsignedMember(ph, 'stream_id', 'packet header');
    else if (tc.streamClasses.length > 1) {
      fail("invalid packet header: missing `stream_id` member as there's more than one stream class");
    }
    checkUnsignedMember(ph, 'stream_instance_id', 'packet header');
    const uuid = structMemberByName(ph, 'uuid');
    if (uuid) {
      const a = uuid.fc;
      if (a.type !== 'array') fail('invalid packet header: `uuid` member is not an array field class');
      if (a.length !== 16) fail('invalid packet header: `uuid` member is not a 16-element array field class');
      const e = a.elem;
      if (e.type !== 'int')
        fail("invalid packet header: `uuid` member's element is not an integer field class");
      if (e.isSigned) fail("invalid packet header: `uuid` member's element is signed");
      if (e.size !== 8) fail("invalid packet header: `uuid` member's element is not 8-bit");
      if (e.alignment !== 8) fail("invalid packet header: `uuid` member's element alignment is not 8");
    }
  } else if (!ph && tc.streamClasses.length > 1) {
    fail("missing packet header with a `stream_id` member as there's more than one stream class");
  }
  for (const sc of tc.streamClasses) {
    for (const n of [
      'timestamp_begin',
      'timestamp_end',
      'events_discarded',
      'packet_seq_num',
      'packet_size',
      'content_size',
    ]) {
      checkUnsignedMember(sc.packetContext, n, `packet context of stream class ${sc.id}`);
    }
    const id = structMemberByName(sc.eventHeader, 'id');
    if (id) checkUnsignedMember(sc.eventHeader, 'id', `event header of stream class ${sc.id}`);
    else if (sc.eventClasses.length > 1) {
      fail(
        `invalid event header of stream class ${sc.id}: missing \`id\` member as there's more than one event class`,
      );
    }
  }
}

/** Checks that babeltrace2 makes while building its trace IR (its preconditions). */
function checkIrPreconditions(tc: IrTraceClass): void {
  const visit = (fc: IrFieldClass | null, where: string): void => {
    if (!fc) return;
    if (fc.type === 'enum') {
      for (const m of fc.mappings) {
        for (const r of m.ranges) {
          if (r.lower > r.upper) {
            fail(
              `enumeration label "${m.label}" in ${where} has a range whose lower value ${r.lower} is above its upper value ${r.upper}`,
            );
          }
        }
      }
    }
    if (fc.type === 'struct' && fc.inIr) {
      const names = new Set<string>();
      for (const m of fc.members) {
        if (!m.fc.inIr) continue;
        if (names.has(m.name)) fail(`two members of a structure in ${where} are named "${m.name}"`);
        names.add(m.name);
      }
    }
    for (const c of compoundChildren(fc)) visit(c, where);
  };
  visit(tc.packetHeader, SCOPE_NAMES[0]);
  for (const sc of tc.streamClasses) {
    visit(sc.packetContext, SCOPE_NAMES[1]);
    visit(sc.eventHeader, SCOPE_NAMES[2]);
    visit(sc.eventCommonContext, SCOPE_NAMES[3]);
    for (const ec of sc.eventClasses) {
      visit(ec.specContext, `event class "${ec.name}"`);
      visit(ec.payload, `event class "${ec.name}"`);
    }
  }
}

/** The scopes of a stream class must be structures for the rest of the reader. */
function checkScopeTypes(tc: IrTraceClass): void {
  const check = (fc: IrFieldClass | null, what: string): void => {
    if (fc && fc.type !== 'struct') fail(`${what} is not a structure`);
  };
  check(tc.packetHeader, 'the packet header (`trace.packet.header`)');
  for (const sc of tc.streamClasses) {
    check(sc.packetContext, `the packet context of stream class ${sc.id}`);
    check(sc.eventHeader, `the event header of stream class ${sc.id}`);
    check(sc.eventCommonContext, `the event common context of stream class ${sc.id}`);
    for (const ec of sc.eventClasses) {
      check(ec.specContext, `the specific context of event class "${ec.name}"`);
      check(ec.payload, `the payload of event class "${ec.name}"`);
    }
  }
}

/**
 * babeltrace2's `ctf_trace_class_update_alignments`: an array or sequence is aligned like its
 * element (even when empty), and a structure at least like its most aligned member.
 */
function setAlignments(fc: IrFieldClass | null): void {
  if (!fc) return;
  switch (fc.type) {
    case 'struct':
      for (const m of fc.members) {
        setAlignments(m.fc);
        if (m.fc.alignment > fc.alignment) fc.alignment = m.fc.alignment;
      }
      break;
    case 'variant':
      for (const o of fc.options) setAlignments(o.fc);
      break;
    case 'array':
    case 'sequence':
      setAlignments(fc.elem);
      fc.alignment = fc.elem.alignment;
      break;
    default:
      break;
  }
}

/** Runs every pass; throws MetadataError (without a line: these are whole-trace checks). */
export function finishIr(tc: IrTraceClass): void {
  checkScopeTypes(tc);
  updateDefaultClockClasses(tc);
  updateMeanings(tc);
  updateStreamClassConfig(tc);
  setTextArraySequence(tc.packetHeader);
  for (const sc of tc.streamClasses) {
    setTextArraySequence(sc.packetContext);
    setTextArraySequence(sc.eventHeader);
    setTextArraySequence(sc.eventCommonContext);
    for (const ec of sc.eventClasses) {
      setTextArraySequence(ec.specContext);
      setTextArraySequence(ec.payload);
    }
  }
  setAlignments(tc.packetHeader);
  for (const sc of tc.streamClasses) {
    setAlignments(sc.packetContext);
    setAlignments(sc.eventHeader);
    setAlignments(sc.eventCommonContext);
    for (const ec of sc.eventClasses) {
      setAlignments(ec.specContext);
      setAlignments(ec.payload);
    }
  }
  resolveAll(tc);
  updateAllInIr(tc);
  updateStoringIndexes(tc.packetHeader, tc);
  for (const sc of tc.streamClasses) {
    updateStoringIndexes(sc.packetContext, tc);
    updateStoringIndexes(sc.eventHeader, tc);
    updateStoringIndexes(sc.eventCommonContext, tc);
    for (const ec of sc.eventClasses) {
      updateStoringIndexes(ec.specContext, tc);
      updateStoringIndexes(ec.payload, tc);
    }
  }
  // babeltrace2's checks of LTTng's well-known member names (CTF 2 uses roles instead).
  if (tc.format !== 'ctf2') validate(tc);
  checkIrPreconditions(tc);
}

export type { IrEventClass, IrStreamClass };
