/**
 * The consumer of a session, run in its own worker thread (consumer-worker.ts): it receives the
 * ring buffers threads create (BroadcastChannel `stream` messages), waits on the process
 * doorbell (Atomics.waitAsync: only the consumer waits), appends each full sub-buffer as a packet
 * to its stream file `<channel>_<n>` with an index entry, and appends event classes to the
 * metadata as they register. It also takes the last packets of threads that are gone, writes
 * snapshots, rotates chunks, and at process exit drains everything while the main thread blocks.
 */
import { closeSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { encodeIndexEntry, encodeIndexHeader } from '../ctf/writer/index-file.js';
import { type MonotonicClock, RingBuffer, waitAsync } from '../ringbuffer/index.js';
import type { EventClassDef } from './event-class-def.js';
import { MetadataWriter, readRegistry, sessionTraceClass } from './metadata-writer.js';
import type { SessionConfig } from './session-config.js';
import type { TracerMessage } from './thread-tracer.js';
import { archiveDirName, indexFileName, snapshotDirName, streamFileName } from './trace-layout.js';
import { PacketOffsets } from './trace-model.js';
import { ControlWord, type TracerControl } from './tracer-control.js';

const PAGE = 4096;

interface Stream {
  readonly key: string;
  readonly channel: string;
  readonly channelId: number;
  readonly streamIndex: number;
  readonly threadId: number;
  readonly vtid: number;
  readonly rb: RingBuffer;
  fd: number;
  indexFd: number;
  offsetBytes: number;
  /** The thread is gone (its buffer can be finished in place). */
  dead: boolean;
  /** Nothing more will be read from this stream. */
  done: boolean;
  packets: number;
  lastDiscarded: number;
}

/** Statistics a stop or rotation reports, per stream. */
export interface StreamStats {
  readonly channel: string;
  readonly streamIndex: number;
  readonly vtid: number;
  readonly packets: number;
  /** events_discarded of the last packet written (cumulative). */
  readonly discarded: number;
}

export type ConsumerCommand =
  | { readonly t: 'stop' }
  | { readonly t: 'snapshot'; readonly name: string; readonly seq: number }
  | { readonly t: 'rotate' };

export type ConsumerReply =
  | { readonly t: 'stopped'; readonly streams: readonly StreamStats[]; readonly archives: readonly string[] }
  | { readonly t: 'snapshot-done'; readonly path: string }
  | { readonly t: 'rotated'; readonly path: string }
  | { readonly t: 'error'; readonly message: string; readonly code?: string };

function u64(dv: DataView, off: number): bigint {
  return dv.getBigUint64(off, true);
}

export class Consumer {
  private readonly streams = new Map<string, Stream>();
  private readonly registryCursor = { count: 0, bytes: 0 };
  private readonly eventClasses = new Map<number, EventClassDef>();
  /** Null in snapshot mode: nothing is written until a snapshot. */
  private metadata: MetadataWriter | null;
  private readonly tc;
  private readonly dsc;
  private readonly clock: MonotonicClock;
  /** Directory of the current chunk's per-PID trace. */
  private traceDir: string;
  private chunkBegin = new Date();
  private chunkId = 0;
  private readonly archives: string[] = [];
  private readonly flushAcks = new Map<number, Set<number>>();
  private nextReq = 1;
  private scratch = new Uint8Array(0);
  private stopping = false;

  constructor(
    private readonly control: TracerControl,
    private readonly config: SessionConfig,
    clock: MonotonicClock,
  ) {
    this.clock = clock;
    const { tc, streams } = sessionTraceClass(config);
    this.tc = tc;
    this.dsc = streams;
    this.traceDir = join(config.outputDir, config.trace.perPidDir);
    this.metadata = config.snapshot ? null : this.openChunk(this.traceDir);
  }

  private openChunk(dir: string): MetadataWriter {
    mkdirSync(join(dir, 'index'), { recursive: true });
    const m = new MetadataWriter(join(dir, 'metadata'), this.tc, this.dsc);
    m.addEventClasses(this.eventClasses);
    return m;
  }

  // -------------------------------------------------------------------------------------------
  // Messages.

  onMessage(m: TracerMessage): void {
    if (m.t === 'stream') this.addStream(m);
    else if (m.t === 'thread-exit') {
      for (const s of this.streams.values()) if (s.threadId === m.threadId) s.dead = true;
    } else if (m.t === 'flushed') this.flushAcks.get(m.req)?.add(m.threadId);
  }

  private addStream(m: Extract<TracerMessage, { t: 'stream' }>): void {
    // A stream of another session (a late message) is not ours.
    if (m.gen !== this.sessionGen) return;
    const ch = this.config.channels.find((c) => c.name === m.channel);
    if (!ch) return;
    const key = `${m.channel}_${m.streamIndex}`;
    if (this.streams.has(key) || this.closed) return;
    const s: Stream = {
      key,
      channel: m.channel,
      channelId: ch.id,
      streamIndex: m.streamIndex,
      threadId: m.threadId,
      vtid: m.vtid,
      rb: RingBuffer.attach(m.sab, this.clock),
      fd: -1,
      indexFd: -1,
      offsetBytes: 0,
      dead: false,
      done: false,
      packets: 0,
      lastDiscarded: 0,
    };
    if (!this.config.snapshot) this.openStreamFiles(s, this.traceDir);
    this.streams.set(key, s);
  }

  /** The generation of the session this consumer serves (set by the worker before any message). */
  sessionGen = -1;

  private openStreamFiles(s: Stream, dir: string): void {
    s.fd = openSync(join(dir, streamFileName(s.channel, s.streamIndex)), 'w');
    s.indexFd = openSync(join(dir, indexFileName(s.channel, s.streamIndex)), 'w');
    const h = encodeIndexHeader();
    writeSync(s.indexFd, h, 0, h.length);
    s.offsetBytes = 0;
  }

  private closeStreamFiles(s: Stream): void {
    if (s.fd >= 0) closeSync(s.fd);
    if (s.indexFd >= 0) closeSync(s.indexFd);
    s.fd = -1;
    s.indexFd = -1;
  }

  // -------------------------------------------------------------------------------------------
  // Data.

  /** Appends new event classes to the metadata and every full packet to its stream. */
  pump(): void {
    if (this.closed) return;
    if (readRegistry(this.control, this.registryCursor, this.eventClasses)) {
      this.metadata?.addEventClasses(this.eventClasses);
    }
    // Snapshot mode: buffers are only read by snapshots, never consumed.
    if (this.config.snapshot) return;
    for (const s of this.streams.values()) {
      if (!s.done) this.drain(s);
    }
  }

  private drain(s: Stream): void {
    const rb = s.rb;
    for (let i = rb.acquireFull(); i >= 0; i = rb.acquireFull()) {
      try {
        const start = rb.subbufStart(i);
        const content = rb.contentSizeBytes(i);
        // A packet handed over early (flush, stop) is trimmed to whole pages, as LTTng does.
        const size =
          content >= rb.subbufSizeBytes
            ? rb.subbufSizeBytes
            : Math.min(rb.subbufSizeBytes, Math.ceil(content / PAGE) * PAGE);
        rb.setPacketSizeBytes(i, size);
        // Bytes past the content are left from an earlier packet: zero them, so files are deterministic.
        rb.u8.fill(0, start + content, start + size);
        this.writePacket(s, rb.u8.subarray(start, start + size));
      } finally {
        rb.release(i);
      }
    }
  }

  private writePacket(s: Stream, packet: Uint8Array): void {
    const dv = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
    writeSync(s.fd, packet, 0, packet.length);
    const entry = encodeIndexEntry({
      offsetBytes: BigInt(s.offsetBytes),
      packetSizeBits: u64(dv, PacketOffsets.packetSize),
      contentSizeBits: u64(dv, PacketOffsets.contentSize),
      timestampBegin: u64(dv, PacketOffsets.tsBegin),
      timestampEnd: u64(dv, PacketOffsets.tsEnd),
      eventsDiscarded: u64(dv, PacketOffsets.discarded),
      streamId: BigInt(s.channelId),
      streamInstanceId: BigInt(s.streamIndex),
      packetSeqNum: u64(dv, PacketOffsets.seqNum),
    });
    writeSync(s.indexFd, entry, 0, entry.length);
    s.offsetBytes += packet.length;
    s.packets++;
    s.lastDiscarded = Number(u64(dv, PacketOffsets.discarded));
  }

  /** Finishes a stream whose producer will not write again (closed or gone). */
  private finish(s: Stream): void {
    if (this.config.snapshot) {
      s.done = true;
      return;
    }
    this.drain(s);
    while (s.rb.finishAbandoned()) this.drain(s);
    s.done = true;
  }

  /** Takes what a producer that may still run has written, without disturbing it. */
  private takeLive(s: Stream): void {
    if (this.config.snapshot) {
      s.done = true;
      return;
    }
    this.drain(s);
    if (this.scratch.length < s.rb.subbufSizeBytes) this.scratch = new Uint8Array(s.rb.subbufSizeBytes);
    const len = s.rb.copyCurrent(this.scratch);
    if (len > 0) {
      const size = Math.min(s.rb.subbufSizeBytes, Math.ceil(len / PAGE) * PAGE);
      this.scratch.fill(0, len, size);
      new DataView(this.scratch.buffer).setBigUint64(PacketOffsets.packetSize, BigInt(size * 8), true);
      this.writePacket(s, this.scratch.subarray(0, size));
    }
    s.done = true;
  }

  private finishReady(): void {
    for (const s of this.streams.values()) {
      if (!s.done && (s.dead || s.rb.isClosed)) this.finish(s);
    }
  }

  /** Are the registrations of every stream the threads created received? */
  private allStreamsKnown(): boolean {
    return this.streams.size >= Atomics.load(this.control.words, ControlWord.StreamCount);
  }

  // -------------------------------------------------------------------------------------------
  // Loop and commands.

  /** Waits on the doorbell and pumps until a stop. `onExitRequest` runs the synchronous exit drain. */
  async run(): Promise<void> {
    const w = this.control.words;
    for (;;) {
      if (this.stopping) return;
      const seen = Atomics.load(w, ControlWord.Doorbell);
      this.pump();
      this.finishReady();
      if (Atomics.load(w, ControlWord.ExitRequest) === 1) {
        await this.exitDrain();
        return;
      }
      await waitAsync(w, ControlWord.Doorbell, seen, 250);
    }
  }

  /** Process exit: the main thread waits (Atomics.wait) until ExitDone. */
  private async exitDrain(): Promise<void> {
    const w = this.control.words;
    this.stopping = true;
    try {
      // Stream registrations posted just before the exit may still be on their way.
      const deadline = Date.now() + Math.min(500, this.config.timeoutMs);
      while (!this.allStreamsKnown() && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 5));
      }
      this.pump();
      for (const s of this.streams.values()) {
        if (s.done) continue;
        if (s.dead || s.rb.isClosed) this.finish(s);
        else this.takeLive(s);
      }
      this.closeAll();
    } finally {
      Atomics.store(w, ControlWord.ExitDone, 1);
      Atomics.notify(w, ControlWord.ExitDone);
    }
  }

  private closed = false;

  private closeAll(): void {
    if (this.closed) return;
    this.pump();
    this.closed = true;
    for (const s of this.streams.values()) this.closeStreamFiles(s);
    this.metadata?.close();
  }

  /** Stop: wait for every thread to close its streams (or be gone), up to the timeout, then finish. */
  async stop(): Promise<ConsumerReply> {
    const deadline = Date.now() + this.config.timeoutMs;
    const w = this.control.words;
    this.stopping = true;
    for (;;) {
      if (Atomics.load(w, ControlWord.ExitRequest) === 1) {
        // The process is exiting while the stop runs: the owner waits for ExitDone.
        await this.exitDrain();
        break;
      }
      const seen = Atomics.load(w, ControlWord.Doorbell);
      this.pump();
      this.finishReady();
      const pending = [...this.streams.values()].some((s) => !s.done);
      if ((!pending && this.allStreamsKnown()) || Date.now() >= deadline) break;
      await waitAsync(w, ControlWord.Doorbell, seen, 20);
    }
    // Threads that did not answer (busy in a synchronous loop): take what they wrote.
    if (!this.closed) for (const s of this.streams.values()) if (!s.done) this.takeLive(s);
    this.closeAll();
    if (this.chunkId > 0) this.archives.push(this.archiveCurrentChunk(new Date()));
    this.stopping = true;
    return {
      t: 'stopped',
      streams: [...this.streams.values()].map((s) => ({
        channel: s.channel,
        streamIndex: s.streamIndex,
        vtid: s.vtid,
        packets: s.packets,
        discarded: s.lastDiscarded,
      })),
      archives: this.archives,
    };
  }

  /** Waits (up to the timeout) for the registrations of every stream threads created so far. */
  private async waitStreamsKnown(): Promise<void> {
    const deadline = Date.now() + this.config.timeoutMs;
    while (!this.allStreamsKnown() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  }

  /** Asks every thread to hand over its partial packets; resolves when they answered or timed out. */
  private async flushThreads(post: (m: TracerMessage) => void): Promise<void> {
    // Commands and stream registrations come through different ports: let registrations land first.
    await this.waitStreamsKnown();
    const req = this.nextReq++;
    const acks = new Set<number>();
    this.flushAcks.set(req, acks);
    post({ t: 'flush', req });
    const expected = new Set(
      [...this.streams.values()].filter((s) => !s.done && !s.dead).map((s) => s.threadId),
    );
    const deadline = Date.now() + Math.min(this.config.timeoutMs, 1000);
    while ([...expected].some((t) => !acks.has(t)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
    }
    this.flushAcks.delete(req);
  }

  /** `lttng snapshot record`: copies every buffer (full and current packets) without consuming. */
  async snapshot(name: string, seq: number): Promise<ConsumerReply> {
    await this.waitStreamsKnown();
    this.pump();
    const at = new Date();
    const dir = join(this.config.outputDir, snapshotDirName(name, at, seq), this.config.trace.perPidDir);
    mkdirSync(join(dir, 'index'), { recursive: true });
    const meta = new MetadataWriter(join(dir, 'metadata'), this.tc, this.dsc);
    meta.addEventClasses(this.eventClasses);
    meta.close();
    for (const s of this.streams.values()) {
      const out: Stream = { ...s, fd: -1, indexFd: -1, offsetBytes: 0, packets: 0 };
      this.openStreamFiles(out, dir);
      const rb = s.rb;
      let lastSeq = -1;
      for (const i of rb.listFull()) {
        const seq = rb.seqNumOf(i);
        if (!rb.tryAcquire(i)) continue;
        try {
          // Overwrite mode: the producer may have reused it for a newer packet since the list;
          // copying that one here would put packets out of order.
          if (rb.seqNumOf(i) !== seq || seq <= lastSeq) continue;
          lastSeq = seq;
          // A copy, trimmed like a consumed packet: the buffer itself stays as the producer left it.
          const start = rb.subbufStart(i);
          const content = rb.contentSizeBytes(i);
          const size =
            content >= rb.subbufSizeBytes
              ? rb.subbufSizeBytes
              : Math.min(rb.subbufSizeBytes, Math.ceil(content / PAGE) * PAGE);
          const copy = new Uint8Array(size);
          copy.set(rb.u8.subarray(start, start + content));
          new DataView(copy.buffer).setBigUint64(PacketOffsets.packetSize, BigInt(size * 8), true);
          this.writePacket(out, copy);
        } finally {
          rb.release(i, false);
        }
      }
      if (this.scratch.length < rb.subbufSizeBytes) this.scratch = new Uint8Array(rb.subbufSizeBytes);
      const len = rb.copyCurrent(this.scratch);
      if (len > 0) this.writePacket(out, this.scratch.slice(0, len));
      this.closeStreamFiles(out);
    }
    return { t: 'snapshot-done', path: dir };
  }

  /** `lttng rotate`: archives the current chunk into `archives/BEGIN-END-ID` and goes on. */
  async rotate(post: (m: TracerMessage) => void): Promise<ConsumerReply> {
    await this.flushThreads(post);
    this.pump();
    for (const s of this.streams.values()) this.closeStreamFiles(s);
    this.metadata?.close();
    const path = this.archiveCurrentChunk(new Date());
    this.archives.push(path);
    this.chunkBegin = new Date();
    this.chunkId++;
    this.metadata = this.openChunk(this.traceDir);
    for (const s of this.streams.values()) if (!s.done) this.openStreamFiles(s, this.traceDir);
    return { t: 'rotated', path };
  }

  /** Moves `<output>/ust` of the current chunk to `<output>/archives/<BEGIN>-<END>-<ID>/ust`. */
  private archiveCurrentChunk(end: Date): string {
    const archive = join(this.config.outputDir, archiveDirName(this.chunkBegin, end, this.chunkId));
    const ust = join(this.config.outputDir, 'ust');
    mkdirSync(archive, { recursive: true });
    renameSync(ust, join(archive, 'ust'));
    return archive;
  }
}
