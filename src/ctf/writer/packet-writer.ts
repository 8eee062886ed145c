/**
 * Writes the packet header and packet context at the start of a packet, for the StreamWriter
 * and for tracers that manage their own buffers (a ring buffer's sub-buffer is a packet: write
 * the header/context when the sub-buffer opens, records after it, and write them again with the
 * final sizes, end time and discarded count when it closes).
 *
 * Members are filled by role (CTF 2 roles; LTTng's names map onto them): magic, trace UUID,
 * stream class id, stream instance id, begin/end timestamps, content/packet sizes in bits,
 * sequence number, cumulative discarded count. Other members (LTTng's `cpu_id`) come from the
 * caller. Compiled once per data stream class; one call costs one generated function call.
 */
import type { DataStreamClass } from '../model/data-stream-class.js';
import {
  FieldClassKind,
  type FieldRole,
  type FieldValue,
  type StructureClass,
} from '../model/field-class.js';
import { CTF_PACKET_MAGIC } from '../model/lttng-layout.js';
import type { TraceClass } from '../model/trace-class.js';
import { CtfWriterError } from './errors.js';
import { compileStructureSerializer, type StructureWriteFunction } from './serializer-compiler.js';

/** What one packet's header and context say. Timestamps in clock cycles (ns for LTTng's clock). */
export interface PacketFields {
  /** `stream_instance_id`: the CPU, or the thread's stream number. */
  streamInstanceId: number | bigint;
  beginTs: number | bigint;
  endTs: number | bigint;
  /** Bits of header, context and records (the end of the last record). */
  contentSizeBits: number;
  /** Whole packet including padding, in bits (a multiple of 8). */
  packetSizeBits: number;
  sequenceNumber: number | bigint;
  /** Cumulative for the stream, as LTTng writes it. */
  eventsDiscarded: number | bigint;
  /** Values of the context members that have no role, by name (`cpu_id`). */
  context?: Readonly<Record<string, FieldValue>>;
}

function roleMember(fc: StructureClass | undefined, role: FieldRole): string | undefined {
  return fc?.memberClasses.find(
    (m) =>
      (m.fieldClass.kind === FieldClassKind.FixedLengthUnsignedInteger ||
        m.fieldClass.kind === FieldClassKind.FixedLengthSignedInteger ||
        m.fieldClass.kind === FieldClassKind.StaticLengthBlob) &&
      m.fieldClass.roles.includes(role),
  )?.name;
}

export class PacketWriter {
  readonly traceClass: TraceClass;
  readonly dataStreamClass: DataStreamClass;
  /** Where records start: bits taken by the packet header and context. */
  readonly headerAndContextBits: number;
  /** Packet context members the caller must give (no role), in order. */
  readonly contextMemberNames: readonly string[];
  private readonly writeHeader: StructureWriteFunction | undefined;
  private readonly writeContext: StructureWriteFunction;
  private readonly header: Record<string, FieldValue> = {};
  private readonly context: Record<string, FieldValue> = {};
  private readonly names: Record<
    'begin' | 'end' | 'content' | 'total' | 'seq' | 'discarded',
    string | undefined
  >;
  private readonly instanceName: string | undefined;

  constructor(traceClass: TraceClass, dataStreamClass: DataStreamClass) {
    this.traceClass = traceClass;
    this.dataStreamClass = dataStreamClass;
    const where = `data stream class ${dataStreamClass.id}`;
    const ph = traceClass.packetHeaderFieldClass;
    if (ph) {
      for (const m of ph.memberClasses) {
        const f = m.fieldClass;
        const roles = 'roles' in f ? (f.roles as readonly FieldRole[]) : [];
        if (roles.includes('packet-magic-number')) this.header[m.name] = CTF_PACKET_MAGIC;
        else if (roles.includes('data-stream-class-id')) this.header[m.name] = dataStreamClass.id;
        else if (roles.includes('data-stream-id')) {
          this.header[m.name] = 0;
          this.instanceName = m.name;
        } else if (
          roles.includes('metadata-stream-uuid') ||
          (m.name === 'uuid' && f.kind === FieldClassKind.StaticLengthArray)
        ) {
          if (!traceClass.uuid)
            throw new CtfWriterError(`${where}: the packet header has a uuid but the trace class has none`);
          this.header[m.name] =
            f.kind === FieldClassKind.StaticLengthBlob ? traceClass.uuid : Array.from(traceClass.uuid);
        } else {
          throw new CtfWriterError(
            `${where}: the writer has no value for the packet header member "${m.name}"`,
          );
        }
      }
      const c = compileStructureSerializer(ph, 'packet-header', 'packet header');
      if (c.fixedSizeBits === null)
        throw new CtfWriterError(`${where}: the packet header must have a fixed size`);
      this.writeHeader = c.write;
    }
    const pc = dataStreamClass.packetContextFieldClass;
    this.names = {
      begin: roleMember(pc, 'default-clock-timestamp'),
      end: roleMember(pc, 'packet-end-default-clock-timestamp'),
      content: roleMember(pc, 'packet-content-length'),
      total: roleMember(pc, 'packet-total-length'),
      seq: roleMember(pc, 'packet-sequence-number'),
      discarded: roleMember(pc, 'discarded-event-record-counter-snapshot'),
    };
    if (!pc || !this.names.content || !this.names.total) {
      throw new CtfWriterError(
        `${where}: the packet context must have content and packet sizes (LTTng's content_size and packet_size)`,
      );
    }
    const roleNames = new Set(Object.values(this.names));
    const others: string[] = [];
    for (const m of pc.memberClasses) {
      this.context[m.name] = 0;
      if (!roleNames.has(m.name)) others.push(m.name);
    }
    this.contextMemberNames = Object.freeze(others);
    const cc = compileStructureSerializer(pc, 'packet-context', 'packet context');
    if (cc.fixedSizeBits === null)
      throw new CtfWriterError(`${where}: the packet context must have a fixed size`);
    this.writeContext = cc.write;
    // The context starts aligned; compute where it ends from a trial write.
    const scratch = new Uint8Array(4096);
    const end = this.write(scratch, new DataView(scratch.buffer), 0, {
      streamInstanceId: 0,
      beginTs: 0,
      endTs: 0,
      contentSizeBits: 0,
      packetSizeBits: 0,
      sequenceNumber: 0,
      eventsDiscarded: 0,
      context: Object.fromEntries(others.map((n) => [n, 0])),
    });
    if (end < 0) throw new CtfWriterError(`${where}: the packet header and context are larger than 4 KiB`);
    this.headerAndContextBits = end;
  }

  /**
   * Writes the header and context of the packet starting at `packetStartBits` (a multiple of 8;
   * packets start at page boundaries in practice) and returns where records start.
   */
  write(u8: Uint8Array, dv: DataView, packetStartBits: number, f: PacketFields): number {
    const h = this.header;
    if (this.instanceName) h[this.instanceName] = f.streamInstanceId;
    const v = this.context;
    const n = this.names;
    if (n.begin) v[n.begin] = f.beginTs;
    if (n.end) v[n.end] = f.endTs;
    v[n.content!] = f.contentSizeBits;
    v[n.total!] = f.packetSizeBits;
    if (n.seq) v[n.seq] = f.sequenceNumber;
    if (n.discarded) v[n.discarded] = f.eventsDiscarded;
    for (const name of this.contextMemberNames) {
      const x = f.context?.[name];
      if (x === undefined) {
        throw new CtfWriterError(
          `data stream class ${this.dataStreamClass.id}: no value for the packet context member "${name}"`,
        );
      }
      v[name] = x;
    }
    const end = u8.length * 8;
    let at = packetStartBits;
    if (this.writeHeader) at = this.writeHeader(u8, dv, at, end, h);
    if (at < 0) return at;
    return this.writeContext(u8, dv, at, end, v);
  }
}

/** Compiles the packet header/context writer of a data stream class. */
export function compilePacketWriter(o: {
  traceClass: TraceClass;
  dataStreamClass: DataStreamClass;
}): PacketWriter {
  return new PacketWriter(o.traceClass, o.dataStreamClass);
}
