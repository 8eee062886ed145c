/**
 * Compiled decoders of a trace class: one set per stream class and per event record class,
 * compiled on first use (a kernel trace declares about a thousand event classes and uses a few
 * dozen). Skip decoders validate and apply special meanings; text and values decoders print or
 * build values.
 */
import { ClockConverter } from './clock-time.js';
import type { IrEventClass, IrStreamClass, IrTraceClass } from './ctf-ir.js';
import {
  type CompileMode,
  compileScope,
  compileSkipScopes,
  type ScopeFn,
  scopeIsPrinted,
} from './decoder-compiler.js';
import type { EventObject } from './event-object.js';

export interface PrintOptions {
  /** Member names in payload (`name-payload`). */
  readonly payloadNames: boolean;
  /** Member names in contexts (`name-context`). */
  readonly contextNames: boolean;
}

function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

export class EventRuntime {
  readonly nameBytes: Uint8Array;
  private skipBodyFn: ScopeFn | null = null;
  readonly specPrinted: boolean;
  readonly payloadPrinted: boolean;
  private textSpecFn: ScopeFn | null = null;
  private textPayloadFn: ScopeFn | null = null;
  private valuesSpecFn: ScopeFn | null = null;
  private valuesPayloadFn: ScopeFn | null = null;
  /** Per-run counter slot (--count). */
  count = 0;
  /** The text sink's line part between the timestamp and the scopes (one sink per run). */
  textHeader: Uint8Array | null = null;
  /** The text line function of this class (compileTextLine; one sink per run). */
  lineFn: ScopeFn | null = null;
  /** babeltrace2's event object pool of this class (LIFO). */
  readonly pool: EventObject[] = [];

  constructor(
    readonly ec: IrEventClass,
    readonly sc: StreamClassRuntime,
  ) {
    this.nameBytes = latin1Bytes(ec.name);
    this.specPrinted = scopeIsPrinted(ec.specContext);
    this.payloadPrinted = scopeIsPrinted(ec.payload);
  }

  /**
   * The stream class's common context, then the specific context and the payload, validated and
   * skipped. Compiled on first use: the text output never needs it (its line writers validate).
   */
  get skipBody(): ScopeFn {
    this.skipBodyFn ??= compileSkipScopes(
      [this.sc.sc.eventCommonContext, this.ec.specContext, this.ec.payload],
      ['stream.event.context', 'event.context', 'event.fields'],
    );
    return this.skipBodyFn;
  }

  textSpec(o: PrintOptions): ScopeFn {
    this.textSpecFn ??= compileScope(this.ec.specContext, {
      mode: 'text',
      printNames: o.contextNames,
      scopeName: 'event.context',
    });
    return this.textSpecFn;
  }

  textPayload(o: PrintOptions): ScopeFn {
    this.textPayloadFn ??= compileScope(this.ec.payload, {
      mode: 'text',
      printNames: o.payloadNames,
      scopeName: 'event.fields',
    });
    return this.textPayloadFn;
  }

  valuesSpec(): ScopeFn {
    this.valuesSpecFn ??= compileScope(this.ec.specContext, { mode: 'values', scopeName: 'event.context' });
    return this.valuesSpecFn;
  }

  valuesPayload(): ScopeFn {
    this.valuesPayloadFn ??= compileScope(this.ec.payload, { mode: 'values', scopeName: 'event.fields' });
    return this.valuesPayloadFn;
  }
}

/** Event class IDs below this are looked up in an array (LTTng's kernel IDs are below 2000). */
const FAST_IDS = 4096;

export class StreamClassRuntime {
  readonly skipContext: ScopeFn;
  readonly skipHeader: ScopeFn;
  readonly skipCommon: ScopeFn;
  readonly contextPrinted: boolean;
  readonly commonPrinted: boolean;
  readonly clock: ClockConverter | null;
  /** The only event class when the stream class has exactly one (no ID needed). */
  readonly onlyEvent: IrEventClass | null;
  private readonly byId = new Map<number, IrEventClass>();
  private readonly runtimes = new Map<IrEventClass, EventRuntime>();
  private textContextFn: ScopeFn | null = null;
  private textCommonFn: ScopeFn | null = null;
  private valuesContextFn: ScopeFn | null = null;
  private valuesCommonFn: ScopeFn | null = null;

  constructor(
    readonly sc: IrStreamClass,
    readonly trace: TraceRuntime,
  ) {
    this.skipContext = compileScope(sc.packetContext, { mode: 'skip', scopeName: 'stream.packet.context' });
    this.skipHeader = compileScope(sc.eventHeader, { mode: 'skip', scopeName: 'stream.event.header' });
    this.skipCommon = compileScope(sc.eventCommonContext, {
      mode: 'skip',
      scopeName: 'stream.event.context',
    });
    this.contextPrinted = scopeIsPrinted(sc.packetContext);
    this.commonPrinted = scopeIsPrinted(sc.eventCommonContext);
    this.clock = sc.defaultClock ? trace.converterOf(sc.defaultClock) : null;
    this.onlyEvent = sc.eventClasses.length === 1 ? sc.eventClasses[0]! : null;
    let maxId = -1;
    for (const ec of sc.eventClasses) {
      // IDs beyond 2^53 cannot be matched exactly; such classes are unreachable in practice.
      if (ec.id <= 9007199254740991n) this.byId.set(Number(ec.id), ec);
      if (ec.id < BigInt(FAST_IDS) && Number(ec.id) > maxId) maxId = Number(ec.id);
    }
    this.fastLen = maxId + 1;
    this.fast = new Array<EventRuntime | undefined>(this.fastLen).fill(undefined);
  }

  get id(): bigint {
    return this.sc.id;
  }

  /**
   * Runtimes by small ID, filled on first use: an array load per event instead of two Map
   * lookups (bench/view). -1 (no ID field) is kept apart.
   */
  private readonly fast: (EventRuntime | undefined)[];
  private readonly fastLen: number;
  private onlyRt: EventRuntime | undefined = undefined;

  /** The event class for a decoded ID (-1: no ID field), or null. */
  eventClass(id: number): EventRuntime | null {
    if (id >= 0 && id < this.fastLen) {
      const rt = this.fast[id];
      if (rt !== undefined) return rt;
    } else if (id === -1 && this.onlyRt !== undefined) return this.onlyRt;
    const rt = this.eventClassSlow(id);
    if (rt !== null) {
      if (id >= 0 && id < this.fastLen) this.fast[id] = rt;
      else if (id === -1) this.onlyRt = rt;
    }
    return rt;
  }

  private eventClassSlow(id: number): EventRuntime | null {
    const ec = id === -1 ? this.onlyEvent : this.byId.get(id);
    if (!ec) return null;
    let rt = this.runtimes.get(ec);
    if (!rt) {
      rt = new EventRuntime(ec, this);
      this.runtimes.set(ec, rt);
    }
    return rt;
  }

  /** Every event runtime made so far (for --count). */
  eventRuntimes(): IterableIterator<EventRuntime> {
    return this.runtimes.values();
  }

  textContext(o: PrintOptions): ScopeFn {
    this.textContextFn ??= compileScope(this.sc.packetContext, {
      mode: 'text',
      printNames: o.contextNames,
      scopeName: 'stream.packet.context',
    });
    return this.textContextFn;
  }

  textCommon(o: PrintOptions): ScopeFn {
    this.textCommonFn ??= compileScope(this.sc.eventCommonContext, {
      mode: 'text',
      printNames: o.contextNames,
      scopeName: 'stream.event.context',
    });
    return this.textCommonFn;
  }

  valuesContext(): ScopeFn {
    this.valuesContextFn ??= compileScope(this.sc.packetContext, {
      mode: 'values',
      scopeName: 'stream.packet.context',
    });
    return this.valuesContextFn;
  }

  valuesCommon(): ScopeFn {
    this.valuesCommonFn ??= compileScope(this.sc.eventCommonContext, {
      mode: 'values',
      scopeName: 'stream.event.context',
    });
    return this.valuesCommonFn;
  }
}

/** Tracer bugs babeltrace2 works around (from the trace environment). */
export interface TraceQuirks {
  lttngEventAfterPacket: boolean;
  barectfEventBeforePacket: boolean;
  lttngCrash: boolean;
}

export class TraceRuntime {
  readonly skipPacketHeader: ScopeFn;
  readonly streamClasses = new Map<number, StreamClassRuntime>();
  readonly onlyStreamClass: StreamClassRuntime | null;
  readonly quirks: TraceQuirks;
  private readonly converters = new Map<object, ClockConverter>();

  constructor(
    readonly tc: IrTraceClass,
    /** babeltrace2's trace name: `[hostname/]relative-path`. */
    readonly name: string,
    /** Directory of the trace (as given). */
    readonly path: string,
  ) {
    this.skipPacketHeader = compileScope(tc.packetHeader, { mode: 'skip', scopeName: 'trace.packet.header' });
    const list: StreamClassRuntime[] = [];
    for (const sc of tc.streamClasses) {
      const rt = new StreamClassRuntime(sc, this);
      list.push(rt);
      if (sc.id <= 9007199254740991n) this.streamClasses.set(Number(sc.id), rt);
    }
    this.onlyStreamClass = list.length === 1 ? list[0]! : null;
    this.quirks = tracerQuirks(tc);
  }

  converterOf(clock: object & IrTraceClass['clocks'][number]): ClockConverter {
    let c = this.converters.get(clock);
    if (!c) {
      c = new ClockConverter(clock);
      this.converters.set(clock, c);
    }
    return c;
  }

  /** Stream class for a decoded ID (-1: no ID field), or null. */
  streamClass(id: number): StreamClassRuntime | null {
    if (id === -1) return this.onlyStreamClass;
    return this.streamClasses.get(id) ?? null;
  }

  envString(name: string): string | undefined {
    const v = this.tc.env.get(name);
    return v?.type === 'string' ? v.value : undefined;
  }

  envInt(name: string): bigint | undefined {
    const v = this.tc.env.get(name);
    return v?.type === 'int' ? v.value : undefined;
  }
}

/** babeltrace2's `extract_tracer_info` + `is_tracer_affected_by_*`. */
function tracerQuirks(tc: IrTraceClass): TraceQuirks {
  const q: TraceQuirks = { lttngEventAfterPacket: false, barectfEventBeforePacket: false, lttngCrash: false };
  const name = tc.env.get('tracer_name');
  const major = tc.env.get('tracer_major');
  if (name?.type !== 'string' || major?.type !== 'int') return q;
  const minorV = tc.env.get('tracer_minor');
  let minor = 0n;
  let patch = 0n;
  if (minorV?.type === 'int') {
    minor = minorV.value;
    const patchV = tc.env.get('tracer_patch') ?? tc.env.get('tracer_patchlevel');
    if (patchV?.type === 'int') patch = patchV.value;
  }
  const maj = major.value;
  if (name.value === 'lttng-ust') {
    q.lttngEventAfterPacket = maj < 2n || (maj === 2n && minor < 11n);
    q.lttngCrash = true;
  } else if (name.value === 'lttng-modules') {
    if (maj < 2n) q.lttngEventAfterPacket = true;
    else if (maj === 2n) {
      if (minor === 10n) q.lttngEventAfterPacket = patch < 10n;
      else if (minor === 9n) q.lttngEventAfterPacket = patch < 13n;
      else if (minor < 9n) q.lttngEventAfterPacket = true;
    }
    q.lttngCrash = true;
  } else if (name.value === 'barectf') {
    q.barectfEventBeforePacket = maj < 2n || (maj === 2n && (minor < 3n || (minor === 3n && patch < 1n)));
  }
  return q;
}

export type { CompileMode };
