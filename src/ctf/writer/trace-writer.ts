/**
 * The public API to write a whole CTF trace from code, in LTTng's layout: metadata (packetized
 * TSDL, plain TSDL or CTF 2), one file per stream (`<channel>_<instance>`), fixed-size packets
 * with LTTng's packet header and context, and index files (`index/<stream>.idx`). Event record
 * classes can be added at any time: their metadata is appended before the first packet that
 * could use them reaches the sink.
 *
 * Bytes go to a TraceSink (trace-sink.ts): memory, or a directory through an injected `fs`.
 */
import type { ClockClass } from '../model/clock-class.js';
import type { DataStreamClass } from '../model/data-stream-class.js';
import {
  type EventRecordClass,
  LogLevel,
  type LogLevelName,
  eventRecordClass as makeEventRecordClass,
} from '../model/event-record-class.js';
import {
  type ByteOrder,
  type FieldClass,
  FieldClassKind,
  type FieldValue,
  type StructureClass,
  structureOf,
} from '../model/field-class.js';
import {
  type LttngAlignment,
  type LttngEventHeaderKind,
  lttngClockClass,
  lttngDataStreamClass,
  lttngTraceClass,
} from '../model/lttng-layout.js';
import type { EnvironmentValue, TraceClass } from '../model/trace-class.js';
import { ctf2DataStreamClass, ctf2EventRecordClass, ctf2Preamble } from './ctf2-emitter.js';
import { CtfValueError, CtfWriterError } from './errors.js';
import { encodeIndexEntry, encodeIndexHeader, type PacketIndexEntry } from './index-file.js';
import { packetizeMetadata } from './metadata-stream.js';
import { type PacketFields, PacketWriter } from './packet-writer.js';
import {
  type CompiledEventRecordSerializer,
  type CompiledEventRecordTranscoder,
  compileEventRecordSerializer,
  compileEventRecordTranscoder,
  createTimestampState,
  type FieldSource,
} from './serializer-compiler.js';
import { zeroFill } from './serializer-runtime.js';
import type { TraceSink } from './trace-sink.js';
import {
  type TsdlPreamble,
  tsdlDataStreamClass,
  tsdlEventRecordClass,
  tsdlPreamble,
} from './tsdl-emitter.js';

export type MetadataFormat = 'tsdl' | 'tsdl-text' | 'ctf2';

/** Page size LTTng trims flushed packets to. */
export const PAGE_BYTES = 4096;
export const DEFAULT_PACKET_BYTES = 65536;

type Members = StructureClass | Readonly<Record<string, FieldClass>>;

function asStructure(m: Members | undefined): StructureClass | undefined {
  if (!m) return undefined;
  if (
    (m as StructureClass).kind === FieldClassKind.Structure &&
    Array.isArray((m as StructureClass).memberClasses)
  ) {
    return m as StructureClass;
  }
  return structureOf(m as Readonly<Record<string, FieldClass>>);
}

export interface DataStreamClassSpec {
  /** Default: position in the list. */
  id?: number;
  /** Channel name, used for stream file names. Default `channel<id>`. */
  name?: string;
  /** LTTng's event header: `large` (UST's) by default; `compact` (5-bit id) for < 31 classes. */
  eventHeader?: LttngEventHeaderKind;
  /** Channel contexts (LTTng's `stream.event.context`), in order. */
  commonContext?: Members;
}

export interface TraceWriterOptions {
  sink: TraceSink;
  /** A complete trace class; when given, the LTTng-layout options below are ignored. */
  traceClass?: TraceClass;
  /** Trace UUID (16 bytes). Default: random (version 4). */
  uuid?: Uint8Array;
  /** Native byte order. Default `le`. */
  byteOrder?: ByteOrder;
  /** `byte` (x86 LTTng, default) or `natural`. */
  alignment?: LttngAlignment;
  /** TSDL `env`, in order. Numbers must be integers. */
  environment?:
    | Readonly<Record<string, string | number | bigint>>
    | ReadonlyMap<string, string | number | bigint>;
  /** The `monotonic` clock: a ClockClass, or LTTng's with this offset (realtime - monotonic, ns) and uuid (boot id). */
  clock?: ClockClass | { offsetNs?: bigint; uuid?: Uint8Array; name?: string; description?: string };
  /** Channels. Default: one, `channel0`, large headers, no context. */
  dataStreamClasses?: readonly DataStreamClassSpec[];
  /** Default `tsdl` (packetized, as LTTng). */
  metadata?: MetadataFormat;
  /** Packet (sub-buffer) size, a multiple of 4096. Default 65536. */
  packetSizeBytes?: number;
  /** Write `index/<stream>.idx`. Default true. */
  index?: boolean;
}

export interface EventRecordClassSpec {
  /** `provider:event` for user space, the bare name for kernel events. */
  name: string;
  /** Default: the next free id of its data stream class (registration order, as LTTng). */
  id?: number;
  /** LTTng log level, as a number (0..14) or a name (`INFO`). */
  logLevel?: number | LogLevelName;
  emfUri?: string;
  payload?: Members;
  specificContext?: Members;
  attributes?: Readonly<Record<string, unknown>>;
}

export interface StreamOptions {
  /** `stream_instance_id`: the CPU for per-CPU buffers, a thread index for per-thread ones. Default 0. */
  instanceId?: number;
  /** Values of packet context members that have no role (`cpu_id` defaults to the instance id). */
  packetContext?: Readonly<Record<string, FieldValue>>;
  /** Stream file name. Default `<channel name>_<instance id>`. */
  fileName?: string;
}

function randomUuid(): Uint8Array {
  const u = new Uint8Array(16);
  globalThis.crypto.getRandomValues(u);
  u[6] = (u[6]! & 0x0f) | 0x40;
  u[8] = (u[8]! & 0x3f) | 0x80;
  return u;
}

function logLevelOf(l: number | LogLevelName | undefined): number | undefined {
  if (l === undefined || typeof l === 'number') return l;
  const v = LogLevel[l];
  if (v === undefined)
    throw new CtfWriterError(`unknown log level "${l}" (one of ${Object.keys(LogLevel).join(', ')})`);
  return v;
}

const TWO32 = 4294967296;

/** A timestamp (ns) as 32-bit halves, checked. */
export function splitTimestamp(tsNs: bigint | number, out: { hi: number; lo: number }): void {
  if (typeof tsNs === 'number') {
    if (!Number.isSafeInteger(tsNs) || tsNs < 0) {
      throw new CtfValueError(
        `timestamp ${tsNs} is not a non-negative integer below 2^53; give it as a bigint`,
      );
    }
    out.lo = tsNs % TWO32;
    out.hi = (tsNs - out.lo) / TWO32;
  } else if (typeof tsNs === 'bigint') {
    if (tsNs < 0n || tsNs >= 1n << 64n)
      throw new CtfValueError(`timestamp ${tsNs} is not a 64-bit unsigned integer`);
    out.lo = Number(tsNs & 0xffffffffn);
    out.hi = Number(tsNs >> 32n);
  } else {
    throw new CtfValueError(`a timestamp must be a bigint or a number of ns, not ${typeof tsNs}`);
  }
}

function tsValue(hi: number, lo: number): number | bigint {
  return hi < 0x200000 ? hi * TWO32 + lo : (BigInt(hi) << 32n) | BigInt(lo);
}

function tsBig(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

interface StreamClassState {
  readonly dsc: DataStreamClass;
  readonly ercs: EventRecordClass[];
  readonly byName: Map<string, EventRecordClass>;
  readonly ids: Set<number>;
  nextId: number;
}

export class TraceWriter {
  readonly traceClass: TraceClass;
  readonly metadataFormat: MetadataFormat;
  readonly packetSizeBytes: number;
  readonly writesIndex: boolean;
  private readonly sink: TraceSink;
  private readonly classes = new Map<number, StreamClassState>();
  private readonly compiled = new Map<EventRecordClass, CompiledEventRecordSerializer>();
  private readonly streams: StreamWriter[] = [];
  private readonly streamFiles = new Set<string>();
  private pendingMetadata: string[] = [];
  private tsdl: TsdlPreamble | undefined;
  private closed = false;

  constructor(o: TraceWriterOptions) {
    this.sink = o.sink;
    this.metadataFormat = o.metadata ?? 'tsdl';
    if (!['tsdl', 'tsdl-text', 'ctf2'].includes(this.metadataFormat)) {
      throw new CtfWriterError(`unknown metadata format "${this.metadataFormat}" (tsdl, tsdl-text or ctf2)`);
    }
    this.packetSizeBytes = o.packetSizeBytes ?? DEFAULT_PACKET_BYTES;
    if (
      !Number.isInteger(this.packetSizeBytes) ||
      this.packetSizeBytes < PAGE_BYTES ||
      this.packetSizeBytes % PAGE_BYTES !== 0
    ) {
      throw new CtfWriterError(`packet size ${o.packetSizeBytes} bytes is not a multiple of ${PAGE_BYTES}`);
    }
    if (this.packetSizeBytes > 1 << 27) {
      throw new CtfWriterError(
        `packet size ${this.packetSizeBytes} bytes is above the 128 MiB a serializer can address`,
      );
    }
    this.writesIndex = o.index ?? true;
    this.traceClass = o.traceClass ?? this.buildTraceClass(o);
    for (const dsc of this.traceClass.dataStreamClasses) {
      const st: StreamClassState = { dsc, ercs: [], byName: new Map(), ids: new Set(), nextId: 0 };
      this.classes.set(dsc.id, st);
    }
    // The trace-level metadata, then every channel, then the classes the model already has.
    if (this.metadataFormat === 'ctf2') {
      this.pendingMetadata.push(ctf2Preamble(this.traceClass));
      for (const dsc of this.traceClass.dataStreamClasses)
        this.pendingMetadata.push(ctf2DataStreamClass(dsc));
    } else {
      this.tsdl = tsdlPreamble(this.traceClass);
      this.pendingMetadata.push(this.tsdl.text);
      for (const dsc of this.traceClass.dataStreamClasses) {
        this.pendingMetadata.push(`\n${tsdlDataStreamClass(this.traceClass, this.tsdl, dsc)}`);
      }
    }
    for (const dsc of this.traceClass.dataStreamClasses) {
      for (const erc of dsc.eventRecordClasses) this.addEventRecordClass(dsc.id, erc);
    }
  }

  private buildTraceClass(o: TraceWriterOptions): TraceClass {
    const byteOrder = o.byteOrder ?? 'le';
    const alignment = o.alignment ?? 'byte';
    const clock =
      o.clock && 'frequency' in o.clock
        ? (o.clock as ClockClass)
        : lttngClockClass((o.clock as { offsetNs?: bigint; uuid?: Uint8Array } | undefined) ?? {});
    const specs = o.dataStreamClasses ?? [{}];
    const dscs = specs.map((s, i) =>
      lttngDataStreamClass({
        id: s.id ?? i,
        ...(s.name !== undefined ? { name: s.name } : {}),
        eventHeader: s.eventHeader ?? 'large',
        clockClass: clock,
        byteOrder,
        alignment,
        ...(s.commonContext ? { commonContextFieldClass: asStructure(s.commonContext)! } : {}),
      }),
    );
    const env = new Map<string, EnvironmentValue>();
    const entries = o.environment instanceof Map ? [...o.environment] : Object.entries(o.environment ?? {});
    for (const [k, v] of entries) {
      if (typeof v === 'number') {
        if (!Number.isInteger(v)) throw new CtfWriterError(`environment "${k}": ${v} is not an integer`);
        env.set(k, BigInt(v));
      } else env.set(k, v as EnvironmentValue);
    }
    return lttngTraceClass({
      uuid: o.uuid ?? randomUuid(),
      byteOrder,
      alignment,
      clockClass: clock,
      environment: env,
      dataStreamClasses: dscs,
    });
  }

  private state(dsc: number | string | DataStreamClass): StreamClassState {
    let st: StreamClassState | undefined;
    if (typeof dsc === 'number') st = this.classes.get(dsc);
    else if (typeof dsc === 'string') st = [...this.classes.values()].find((s) => s.dsc.name === dsc);
    else st = this.classes.get(dsc.id);
    if (!st)
      throw new CtfWriterError(
        `the trace has no data stream class ${typeof dsc === 'object' ? dsc.id : JSON.stringify(dsc)}`,
      );
    return st;
  }

  /** The data stream class with this id or name. */
  dataStreamClass(dsc: number | string): DataStreamClass {
    return this.state(dsc).dsc;
  }

  /** Event record classes registered so far for a data stream class, in registration order. */
  eventRecordClasses(dsc: number | string | DataStreamClass): readonly EventRecordClass[] {
    return this.state(dsc).ercs;
  }

  /**
   * Registers an event record class (at any time). Compiles its serializer and its metadata now,
   * so a class the writer or TSDL cannot handle (a bad identifier, a field class TSDL lacks) is
   * rejected here with the event and field named. Returns the class to pass to `write`.
   * `compileSerializer: false` defers the serializer to its first use (a tracer that only
   * transcodes the class never compiles it); the metadata is still made now.
   */
  addEventRecordClass(
    dsc: number | string | DataStreamClass,
    spec: EventRecordClassSpec | EventRecordClass,
    o: { readonly compileSerializer?: boolean } = {},
  ): EventRecordClass {
    if (this.closed) throw new CtfWriterError('the trace writer is closed');
    const st = this.state(dsc);
    if (!spec.name) throw new CtfWriterError('an event record class needs a name');
    if (st.byName.has(spec.name)) {
      throw new CtfWriterError(
        `${spec.name}: data stream class ${st.dsc.id} already has an event record class of this name`,
      );
    }
    let erc: EventRecordClass;
    // A model object (frozen, from eventRecordClass()) is taken as is; a spec is built into one.
    const isModel = Object.isFrozen(spec) && !('payload' in spec) && !('specificContext' in spec);
    if (isModel) {
      erc = spec as EventRecordClass;
    } else {
      const s = spec as EventRecordClassSpec;
      let id = s.id;
      if (id === undefined) {
        while (st.ids.has(st.nextId)) st.nextId++;
        id = st.nextId;
      }
      const payload = asStructure(s.payload);
      const specific = asStructure(s.specificContext);
      const logLevel = logLevelOf(s.logLevel);
      erc = makeEventRecordClass({
        id,
        name: s.name,
        ...(logLevel !== undefined ? { logLevel } : {}),
        ...(s.emfUri !== undefined ? { emfUri: s.emfUri } : {}),
        ...(payload ? { payloadFieldClass: payload } : {}),
        ...(specific ? { specificContextFieldClass: specific } : {}),
        ...(s.attributes ? { attributes: s.attributes } : {}),
      });
    }
    if (st.ids.has(erc.id)) {
      throw new CtfWriterError(
        `${erc.name}: data stream class ${st.dsc.id} already has an event record class with id ${erc.id}`,
      );
    }
    const compiled =
      o.compileSerializer === false
        ? undefined
        : compileEventRecordSerializer({
            traceClass: this.traceClass,
            dataStreamClass: st.dsc,
            eventRecordClass: erc,
          });
    const text =
      this.metadataFormat === 'ctf2'
        ? ctf2EventRecordClass(st.dsc, erc)
        : `\n${tsdlEventRecordClass(this.traceClass, st.dsc, erc)}`;
    st.ercs.push(erc);
    st.byName.set(erc.name, erc);
    st.ids.add(erc.id);
    this.registered.set(erc, st.dsc);
    if (compiled) this.compiled.set(erc, compiled);
    this.pendingMetadata.push(text);
    return erc;
  }

  /** Registered classes and their data stream class (their serializer may not be compiled yet). */
  private readonly registered = new Map<EventRecordClass, DataStreamClass>();

  /** The serializer of a registered class, compiled now if registration deferred it. */
  private compiledOf(erc: EventRecordClass): CompiledEventRecordSerializer | undefined {
    let c = this.compiled.get(erc);
    if (c === undefined) {
      const dsc = this.registered.get(erc);
      if (dsc === undefined) return undefined;
      c = compileEventRecordSerializer({
        traceClass: this.traceClass,
        dataStreamClass: dsc,
        eventRecordClass: erc,
      });
      this.compiled.set(erc, c);
    }
    return c;
  }

  /** The compiled serializer of a registered class (for tracers that manage their own buffers). */
  serializer(erc: EventRecordClass): CompiledEventRecordSerializer {
    const c = this.compiledOf(erc);
    if (!c)
      throw new CtfWriterError(
        `${erc.name}: this event record class was not registered with this trace writer`,
      );
    return c;
  }

  /**
   * A transcoder of a registered class (see `compileEventRecordTranscoder`): its fields read from
   * a source record's bytes as `sources` says, for `StreamWriter.transcode`. Compiles on each
   * call: keep the result.
   */
  transcoder(
    erc: EventRecordClass,
    sources: Readonly<Record<string, FieldSource>>,
  ): CompiledEventRecordTranscoder {
    const dsc = this.registered.get(erc);
    if (!dsc)
      throw new CtfWriterError(
        `${erc.name}: this event record class was not registered with this trace writer`,
      );
    return compileEventRecordTranscoder({
      traceClass: this.traceClass,
      dataStreamClass: dsc,
      eventRecordClass: erc,
      sources,
    });
  }

  /** @internal Looks up a class by object or name within a data stream class. */
  resolveClass(dsc: DataStreamClass, erc: EventRecordClass | string): CompiledEventRecordSerializer {
    if (typeof erc === 'string') {
      const e = this.state(dsc).byName.get(erc);
      if (!e)
        throw new CtfWriterError(`data stream class ${dsc.id} has no event record class named "${erc}"`);
      erc = e;
    }
    const c = this.compiledOf(erc);
    if (!c || c.dataStreamClass !== dsc) {
      throw new CtfWriterError(
        `${erc.name}: this event record class is not registered for data stream class ${dsc.id}`,
      );
    }
    return c;
  }

  private readonly packetWriters = new Map<number, PacketWriter>();

  /** The packet header/context writer of a data stream class (compiled once). */
  packetWriter(dsc: number | string | DataStreamClass): PacketWriter {
    const st = this.state(dsc);
    let pw = this.packetWriters.get(st.dsc.id);
    if (!pw) this.packetWriters.set(st.dsc.id, (pw = new PacketWriter(this.traceClass, st.dsc)));
    return pw;
  }

  /** A stream of a data stream class: one file, written packet by packet. */
  createStream(dsc: number | string | DataStreamClass, o: StreamOptions = {}): StreamWriter {
    if (this.closed) throw new CtfWriterError('the trace writer is closed');
    const st = this.state(dsc);
    const instanceId = o.instanceId ?? 0;
    const fileName = o.fileName ?? `${st.dsc.name ?? `channel${st.dsc.id}`}_${instanceId}`;
    if (!/^[^/\0]+$/.test(fileName) || fileName === 'metadata' || fileName === 'index') {
      throw new CtfWriterError(`"${fileName}" cannot be a stream file name`);
    }
    if (this.streamFiles.has(fileName))
      throw new CtfWriterError(`two streams would write the file "${fileName}"`);
    this.streamFiles.add(fileName);
    const s = new StreamWriter(this, st.dsc, instanceId, fileName, o.packetContext ?? {});
    this.streams.push(s);
    return s;
  }

  /** Writes the metadata registered since the last call. */
  flushMetadata(): void {
    if (this.pendingMetadata.length === 0) return;
    const text = this.pendingMetadata.join('');
    this.pendingMetadata = [];
    const bytes =
      this.metadataFormat === 'tsdl'
        ? packetizeMetadata(text, {
            byteOrder: this.traceClass.nativeByteOrder,
            ...(this.traceClass.uuid ? { uuid: this.traceClass.uuid } : {}),
          })
        : new TextEncoder().encode(text);
    this.sink.append('metadata', bytes);
  }

  /** @internal */
  appendStreamBytes(path: string, bytes: Uint8Array): void {
    this.flushMetadata();
    this.sink.append(path, bytes);
  }

  /** Metadata, then every stream's current packet (trimmed to a page multiple, as LTTng flushes). */
  flush(): void {
    this.flushMetadata();
    for (const s of this.streams) s.flush();
  }

  /** Flushes everything and closes the sink. The trace is complete. */
  close(): void {
    if (this.closed) return;
    for (const s of this.streams) s.close();
    this.flushMetadata();
    this.closed = true;
    this.sink.close?.();
  }
}

/** Creates a trace writer. See TraceWriterOptions and docs/writing-traces.md. */
export function createTraceWriter(o: TraceWriterOptions): TraceWriter {
  return new TraceWriter(o);
}

/**
 * One stream (one file): packets of `packetSizeBytes`, each with the packet header and context,
 * events appended until the next one does not fit. Not thread-safe; one writer per stream.
 */
export class StreamWriter {
  readonly dataStreamClass: DataStreamClass;
  readonly instanceId: number;
  readonly fileName: string;
  readonly indexFileName: string;
  // Hot state, read and written by the generated emitters.
  u8: Uint8Array;
  dv: DataView;
  /** Bit position of the next record in the current packet. */
  at: number;
  readonly endBits: number;
  readonly st: Uint32Array;
  /** Records in the current packet. */
  count = 0;
  lastHi = 0;
  lastLo = 0;
  beginHi = 0;
  beginLo = 0;
  closed = false;

  private readonly trace: TraceWriter;
  private readonly headerEndBits: number;
  private readonly packets: PacketWriter;
  private readonly packetFields: PacketFields;
  private readonly packetBytes: number;
  private fileOffsetBytes = 0;
  private seq = 0;
  private discardedTotal = 0;
  private discardedAtLastPacket = 0;
  private indexStarted = false;
  private readonly indexEntry = new Uint8Array(72);
  private readonly tsSplit = { hi: 0, lo: 0 };
  private readonly emitters = new Map<
    EventRecordClass,
    (tsHi: number, tsLo: number, ...a: unknown[]) => void
  >();

  /** @internal Use TraceWriter.createStream. */
  constructor(
    trace: TraceWriter,
    dsc: DataStreamClass,
    instanceId: number,
    fileName: string,
    packetContext: Readonly<Record<string, FieldValue>>,
  ) {
    this.trace = trace;
    this.dataStreamClass = dsc;
    this.instanceId = instanceId;
    this.fileName = fileName;
    this.indexFileName = `index/${fileName}.idx`;
    this.packetBytes = trace.packetSizeBytes;
    this.u8 = new Uint8Array(this.packetBytes);
    this.dv = new DataView(this.u8.buffer);
    this.endBits = this.packetBytes * 8;
    this.st = createTimestampState();
    this.packets = trace.packetWriter(dsc);
    const context: Record<string, FieldValue> = {};
    for (const name of this.packets.contextMemberNames) {
      const v = packetContext[name] ?? (name === 'cpu_id' ? instanceId : undefined);
      if (v === undefined) {
        throw new CtfWriterError(
          `stream "${fileName}": give a value for the packet context member "${name}" (packetContext option)`,
        );
      }
      context[name] = v;
    }
    this.packetFields = {
      streamInstanceId: instanceId,
      beginTs: 0,
      endTs: 0,
      contentSizeBits: 0,
      packetSizeBits: 0,
      sequenceNumber: 0,
      eventsDiscarded: 0,
      context,
    };
    this.headerEndBits = this.packets.headerAndContextBits;
    if (this.headerEndBits >= this.endBits)
      throw new CtfWriterError(`stream "${fileName}": the packet header and context do not fit in a packet`);
    this.at = this.headerEndBits;
  }

  /** Bits the packet header and context take at the start of each packet. */
  get packetHeaderBits(): number {
    return this.headerEndBits;
  }

  private checkTime(hi: number, lo: number): void {
    if (hi < this.lastHi || (hi === this.lastHi && lo < this.lastLo)) {
      throw new CtfValueError(
        `stream "${this.fileName}": timestamp ${tsBig(hi, lo)} is before the previous record's (${tsBig(this.lastHi, this.lastLo)}); a stream's records must be in time order`,
      );
    }
  }

  /** @internal Called by emitters: the record does not fit the current packet. */
  switchPacket(): void {
    if (this.count > 0 || this.discardedTotal !== this.discardedAtLastPacket) this.closePacket(true);
  }

  /** @internal */
  tooLarge(name: string): never {
    throw new CtfWriterError(
      `${name}: the record does not fit in an empty packet of ${this.packetBytes} bytes; use a larger packetSizeBytes`,
    );
  }

  /** @internal */
  closedError(): never {
    throw new CtfWriterError(`stream "${this.fileName}" is closed`);
  }

  /**
   * Writes one event record. `context` holds the channel (common) context members, `payload` the
   * payload members, `eventContext` the specific context members, each keyed by member name.
   * Length fields are computed. Throws CtfValueError (naming the event and field) for a value
   * that does not fit: nothing of the record is written.
   */
  write(
    erc: EventRecordClass | string,
    tsNs: bigint | number,
    context?: Readonly<Record<string, unknown>> | null,
    payload?: Readonly<Record<string, unknown>> | null,
    eventContext?: Readonly<Record<string, unknown>> | null,
  ): void {
    if (this.closed) this.closedError();
    const c = this.trace.resolveClass(this.dataStreamClass, erc);
    const t = this.tsSplit;
    splitTimestamp(tsNs, t);
    this.checkTime(t.hi, t.lo);
    let r = c.writeObjects(
      this.u8,
      this.dv,
      this.at,
      this.endBits,
      this.st,
      t.hi,
      t.lo,
      context,
      eventContext,
      payload,
    );
    if (r < 0) {
      if (this.count === 0) this.tooLarge(c.eventRecordClass.name);
      this.closePacket(true);
      r = c.writeObjects(
        this.u8,
        this.dv,
        this.at,
        this.endBits,
        this.st,
        t.hi,
        t.lo,
        context,
        eventContext,
        payload,
      );
      if (r < 0) this.tooLarge(c.eventRecordClass.name);
    }
    if (this.count === 0) {
      this.beginHi = t.hi;
      this.beginLo = t.lo;
    }
    this.count++;
    this.at = r;
    this.lastHi = t.hi;
    this.lastLo = t.lo;
  }

  /**
   * A fast writer for one event record class: `(tsHi, tsLo, ...args)` with the timestamp as
   * 32-bit halves and the arguments positional (see `argumentNames` of the serializer: context
   * members, then payload members, without length fields). Allocates nothing per call.
   */
  emitter(erc: EventRecordClass | string): (tsHi: number, tsLo: number, ...args: unknown[]) => void {
    const c = this.trace.resolveClass(this.dataStreamClass, erc);
    const cached = this.emitters.get(c.eventRecordClass);
    if (cached) return cached;
    const args = c.argumentNames.map((_, i) => `a${i}`);
    const call = `w(S.u8, S.dv, S.at, S.endBits, S.st, tsHi, tsLo${args.map((a) => `, ${a}`).join('')})`;
    const src = `"use strict";
return function emit(tsHi, tsLo${args.map((a) => `, ${a}`).join('')}) {
  if (S.closed) S.closedError();
  if (tsHi < S.lastHi || (tsHi === S.lastHi && tsLo < S.lastLo)) S.checkTime(tsHi, tsLo);
  let r = ${call};
  if (r < 0) {
    if (S.count === 0) S.tooLarge(N);
    S.switchPacket();
    r = ${call};
    if (r < 0) S.tooLarge(N);
  }
  if (S.count === 0) { S.beginHi = tsHi; S.beginLo = tsLo; }
  S.count++;
  S.at = r;
  S.lastHi = tsHi;
  S.lastLo = tsLo;
};`;
    const fn = new Function('S', 'w', 'N', src)(this, c.write, c.eventRecordClass.name) as (
      tsHi: number,
      tsLo: number,
      ...a: unknown[]
    ) => void;
    this.emitters.set(c.eventRecordClass, fn);
    return fn;
  }

  /**
   * Writes one record of a transcoder's class (`TraceWriter.transcoder`) stamped `ts` (a
   * Uint32Array: high half at 0, low half at 1): the sourced fields from the source record
   * `[sp, sp + sl)` of `src`/`sv` (a Uint8Array and a DataView over the same bytes), the others
   * from `values` (in `valueArgumentNames` order). Packets, time order and errors as `emitter`;
   * allocates nothing.
   */
  transcode(
    t: CompiledEventRecordTranscoder,
    ts: Uint32Array,
    src: Uint8Array,
    sv: DataView,
    sp: number,
    sl: number,
    values?: readonly unknown[],
  ): void {
    if (this.closed) this.closedError();
    if (t.dataStreamClass !== this.dataStreamClass) this.foreignClass(t.eventRecordClass.name);
    const tsHi = ts[0]!;
    const tsLo = ts[1]!;
    if (tsHi < this.lastHi || (tsHi === this.lastHi && tsLo < this.lastLo)) this.checkTime(tsHi, tsLo);
    let r = t.write(this.u8, this.dv, this.at, this.endBits, this.st, ts, src, sv, sp, sl, values);
    if (r < 0) {
      if (this.count === 0) this.tooLarge(t.eventRecordClass.name);
      this.switchPacket();
      r = t.write(this.u8, this.dv, this.at, this.endBits, this.st, ts, src, sv, sp, sl, values);
      if (r < 0) this.tooLarge(t.eventRecordClass.name);
    }
    if (this.count === 0) {
      this.beginHi = tsHi;
      this.beginLo = tsLo;
    }
    this.count++;
    this.at = r;
    this.lastHi = tsHi;
    this.lastLo = tsLo;
  }

  private foreignClass(name: string): never {
    throw new CtfWriterError(
      `${name}: this transcoder is for another data stream class than stream "${this.fileName}"'s`,
    );
  }

  /** Counts records the producer had to drop; the next packet's `events_discarded` includes them. */
  discard(count = 1): void {
    if (!Number.isSafeInteger(count) || count < 0)
      throw new CtfValueError(`discarded count ${count} is not a non-negative integer`);
    this.discardedTotal += count;
  }

  /** Cumulative discarded records so far. */
  get eventsDiscarded(): number {
    return this.discardedTotal;
  }

  /** Packets written so far. */
  get packetCount(): number {
    return this.seq;
  }

  private closePacket(full: boolean, endTs?: { hi: number; lo: number }): void {
    const contentBits = this.at;
    const contentBytes = Math.ceil(contentBits / 8);
    const packetBytes = full
      ? this.packetBytes
      : Math.min(this.packetBytes, Math.ceil(contentBytes / PAGE_BYTES) * PAGE_BYTES);
    zeroFill(this.u8, contentBytes, packetBytes);
    const hasEvents = this.count > 0;
    const bHi = hasEvents ? this.beginHi : this.lastHi;
    const bLo = hasEvents ? this.beginLo : this.lastLo;
    let eHi = this.lastHi;
    let eLo = this.lastLo;
    if (endTs && (endTs.hi > eHi || (endTs.hi === eHi && endTs.lo > eLo))) {
      eHi = endTs.hi;
      eLo = endTs.lo;
    }
    const f = this.packetFields;
    f.beginTs = tsValue(bHi, bLo);
    f.endTs = tsValue(eHi, eLo);
    f.contentSizeBits = contentBits;
    f.packetSizeBits = packetBytes * 8;
    f.sequenceNumber = this.seq;
    f.eventsDiscarded = this.discardedTotal;
    this.packets.write(this.u8, this.dv, 0, f);
    this.trace.appendStreamBytes(this.fileName, this.u8.subarray(0, packetBytes));
    if (this.trace.writesIndex) {
      if (!this.indexStarted) {
        this.trace.appendStreamBytes(this.indexFileName, encodeIndexHeader());
        this.indexStarted = true;
      }
      const e: PacketIndexEntry = {
        offsetBytes: BigInt(this.fileOffsetBytes),
        packetSizeBits: BigInt(packetBytes * 8),
        contentSizeBits: BigInt(contentBits),
        timestampBegin: tsBig(bHi, bLo),
        timestampEnd: tsBig(eHi, eLo),
        eventsDiscarded: BigInt(this.discardedTotal),
        streamId: BigInt(this.dataStreamClass.id),
        streamInstanceId: BigInt(this.instanceId),
        packetSeqNum: BigInt(this.seq),
      };
      this.trace.appendStreamBytes(this.indexFileName, encodeIndexEntry(e, this.indexEntry));
    }
    this.fileOffsetBytes += packetBytes;
    this.seq++;
    this.discardedAtLastPacket = this.discardedTotal;
    // Next packet.
    this.at = this.headerEndBits;
    this.count = 0;
    this.st[2] = 1;
  }

  /**
   * Ends the current packet now (trimmed to a page multiple), if it holds records or new discards.
   * `tsNs`: the flush time, used as the packet's end timestamp when later than its last record.
   * `evenIfEmpty`: end it (an empty packet) even then: a reader counts the records a producer
   * dropped between two packets, so a stream's first losses need a packet before them.
   */
  flush(tsNs?: bigint | number, o: { readonly evenIfEmpty?: boolean } = {}): void {
    if (this.closed) return;
    let end: { hi: number; lo: number } | undefined;
    if (tsNs !== undefined) {
      end = { hi: 0, lo: 0 };
      splitTimestamp(tsNs, end);
    }
    if (this.count > 0 || this.discardedTotal !== this.discardedAtLastPacket || o.evenIfEmpty)
      this.closePacket(false, end);
    // Later records may not be earlier than the time the stream was flushed at (packets would
    // overlap in time).
    if (end && (end.hi > this.lastHi || (end.hi === this.lastHi && end.lo > this.lastLo))) {
      this.lastHi = end.hi;
      this.lastLo = end.lo;
    }
  }

  /** Flushes and closes the stream. A stream that never got a record writes no file. */
  close(tsNs?: bigint | number): void {
    if (this.closed) return;
    this.flush(tsNs);
    this.closed = true;
  }
}
