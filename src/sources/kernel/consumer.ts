/**
 * The kernel consumer: reads every CPU's `trace_pipe_raw` one sub-buffer at a time until EAGAIN
 * or 0 (0 is not end of file, ftrace-raw.md §2), on a timer, decodes the pages with one KBuffer
 * per CPU and hands records to a sink in time stamp order across CPUs (so that state tracked
 * from one CPU's events is current when another CPU's events use it).
 *
 * Lost records: the per-CPU `stats` counters (`overrun`, `commit overrun`, `dropped events`) are
 * sampled after each CPU is drained; their growth is the exact number of records the kernel
 * lost, reported to the sink at that point of the stream. The page flag (`RB_MISSED_EVENTS`) is
 * reported too, for position, but not counted twice.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { KernelError, KernelErrorCode } from './errors.js';
import type { HeaderPage } from './format-parser.js';
import { KBUFFER_END, KBUFFER_ERRORS, KBUFFER_RECORD, KBuffer } from './kbuffer.js';
import { type CpuStats, parseCpuStats, type TracefsInstance } from './tracefs-instance.js';

export interface RecordSink {
  /**
   * One record, in time stamp order. `p` is the payload offset in `page` (its first two bytes
   * are the event id), `len` its length. The page is reused after the call: copy what you keep.
   */
  onRecord(
    cpuId: number,
    eventId: number,
    page: Uint8Array,
    view: DataView,
    p: number,
    len: number,
    tsHigh: number,
    tsLow: number,
  ): void;
  /** `count` records were lost on `cpuId` before what comes next (from the kernel's stats). */
  onDiscarded(cpuId: number, count: number): void;
  /** The consumer finished a batch (a timer tick or the final drain): a good time to flush. */
  onBatchEnd?(): void;
}

export interface ConsumerOptions {
  /** Poll period in ms (ftrace-raw.md §2 recommends 50-200). Default 100. */
  readonly pollIntervalMs?: number;
  /** Most sub-buffers read from one CPU per tick (keeps ticks short). Default: the whole buffer. */
  readonly maxSubbufsPerTick?: number;
  /**
   * Deliver records in one time order across CPUs (what state tracked across CPUs needs).
   * Default true; false delivers each CPU's records in turn, which is cheaper.
   */
  readonly ordered?: boolean;
  readonly littleEndian: boolean;
  readonly headerPage: HeaderPage;
}

export interface CpuConsumerStats {
  readonly cpuId: number;
  /** Records handed to the sink. */
  recordsRead: number;
  /** Sub-buffers read. */
  subbufsRead: number;
  /** Bytes read from trace_pipe_raw. */
  bytesRead: number;
  /** Records the kernel lost (growth of overrun + commit overrun + dropped events). */
  discarded: number;
  /** Pages that carried RB_MISSED_EVENTS. */
  pagesWithMissedEvents: number;
}

interface CpuState {
  readonly cpuId: number;
  fd: number;
  /** `per_cpu/cpuN/stats`, kept open and re-read at offset 0 (the kernel regenerates it). */
  statsFd: number;
  readonly kbuf: KBuffer;
  /** Sub-buffers read this tick, and how many are in use. */
  readonly pages: Uint8Array[];
  nPages: number;
  pageIdx: number;
  /** KBuffer positioned on a record not yet delivered. */
  hasRecord: boolean;
  lossBase: number;
  readonly stats: CpuConsumerStats;
}

function lossCount(s: CpuStats): number {
  return s.overrun + s.commitOverrun + s.droppedEvents;
}

export class KernelConsumer {
  private readonly instance: TracefsInstance;
  private readonly sink: RecordSink;
  private readonly subbufSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxPerTick: number;
  private readonly littleEndian: boolean;
  private readonly bufferBytes: number;
  private readonly ordered: boolean;
  private readonly cpus: CpuState[];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private error: unknown;

  constructor(instance: TracefsInstance, sink: RecordSink, o: ConsumerOptions) {
    this.instance = instance;
    this.sink = sink;
    this.subbufSize = instance.subbufSizeBytes;
    this.pollIntervalMs = o.pollIntervalMs ?? 100;
    this.littleEndian = o.littleEndian;
    this.bufferBytes = Math.max(this.subbufSize, instance.bufferSizeKb * 1024);
    this.ordered = o.ordered ?? true;
    const perCpuSubbufs = Math.ceil((instance.bufferSizeKb * 1024) / (o.headerPage.dataSizeBytes || 1)) + 2;
    this.maxPerTick = o.maxSubbufsPerTick ?? perCpuSubbufs;
    this.cpus = instance.cpuIds.map((cpuId) => ({
      cpuId,
      fd: -1,
      statsFd: -1,
      kbuf: new KBuffer(o.headerPage, { littleEndian: o.littleEndian }),
      pages: [],
      nPages: 0,
      pageIdx: 0,
      hasRecord: false,
      lossBase: 0,
      stats: {
        cpuId,
        recordsRead: 0,
        subbufsRead: 0,
        bytesRead: 0,
        discarded: 0,
        pagesWithMissedEvents: 0,
      },
    }));
  }

  /** Per-CPU counters so far. */
  get cpuStats(): readonly CpuConsumerStats[] {
    return this.cpus.map((c) => c.stats);
  }

  /**
   * Opens the pipes and samples the loss counters. Call before `tracing_on=1`; then `startTimer`.
   */
  open(): void {
    for (const c of this.cpus) {
      c.fd = this.instance.openPipe(c.cpuId);
      c.statsFd = openSync(this.instance.path(`per_cpu/cpu${c.cpuId}/stats`), 'r');
      c.lossBase = lossCount(this.readStats(c));
    }
    this.lastLossSampleMs = Date.now();
  }

  private readonly statsBuf = Buffer.alloc(1024);
  private lastLossSampleMs = 0;

  private readStats(c: CpuState): CpuStats {
    const n = readSync(c.statsFd, this.statsBuf, 0, this.statsBuf.length, 0);
    return parseCpuStats(this.statsBuf.toString('latin1', 0, n));
  }

  /**
   * Polls on a timer until `close`, sooner when the buffers fill: after a tick that found a CPU's
   * buffer over a quarter full the next comes at once-ish, over 1/16 four times sooner. Errors
   * stop the timer and surface from `drainAndClose`.
   */
  startTimer(): void {
    const tick = () => {
      this.timer = undefined;
      if (this.closed) return;
      let fill: number;
      try {
        fill = this.poll();
      } catch (e) {
        this.error = e;
        return;
      }
      const next =
        fill > 0.25 ? 1 : fill > 1 / 16 ? Math.max(1, this.pollIntervalMs / 4) : this.pollIntervalMs;
      this.timer = setTimeout(tick, next);
    };
    this.timer = setTimeout(tick, this.pollIntervalMs);
  }

  /**
   * Reads what is available now on every CPU (capped per CPU) and delivers it in order. Returns
   * the largest fraction of a CPU's ring buffer this read took (how full it was).
   */
  poll(): number {
    let maxPages = 0;
    for (const c of this.cpus) {
      const n = this.readCpu(c, this.maxPerTick);
      if (n > maxPages) maxPages = n;
    }
    this.deliver();
    // The stats are a file read per CPU: sample them once per poll period, not once per tick.
    const now = Date.now();
    if (now - this.lastLossSampleMs >= this.pollIntervalMs) {
      this.lastLossSampleMs = now;
      this.sampleLosses();
    }
    this.sink.onBatchEnd?.();
    return (maxPages * this.subbufSize) / this.bufferBytes;
  }

  /**
   * Stops polling, reads everything left (call after `tracing_on=0`), takes the final loss
   * counts and closes the pipes. Rethrows an error a timer tick met.
   */
  drainAndClose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    try {
      if (this.error === undefined && !this.closed) {
        // Read until every CPU reports nothing: unbounded, tracing is off.
        for (;;) {
          let n = 0;
          for (const c of this.cpus) n += this.readCpu(c, this.maxPerTick);
          this.deliver();
          if (n === 0) break;
        }
        this.sampleLosses();
        this.sink.onBatchEnd?.();
      }
    } finally {
      this.close();
    }
    if (this.error !== undefined) throw this.error;
  }

  /** Closes the pipes without reading (error paths). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const c of this.cpus) {
      if (c.fd >= 0) closeSync(c.fd);
      if (c.statsFd >= 0) closeSync(c.statsFd);
      c.fd = -1;
      c.statsFd = -1;
    }
  }

  private sampleLosses(): void {
    for (const c of this.cpus) {
      const total = lossCount(this.readStats(c));
      const delta = total - c.lossBase;
      if (delta > 0) {
        c.lossBase = total;
        c.stats.discarded += delta;
        this.sink.onDiscarded(c.cpuId, delta);
      }
    }
  }

  /** Reads up to `max` sub-buffers of one CPU into its page list. Returns how many. */
  private readCpu(c: CpuState, max: number): number {
    c.nPages = 0;
    c.pageIdx = 0;
    c.hasRecord = false;
    const size = this.subbufSize;
    while (c.nPages < max) {
      let page = c.pages[c.nPages];
      if (!page) {
        page = Buffer.allocUnsafe(size);
        c.pages.push(page);
      }
      let got: number;
      try {
        got = readSync(c.fd, page, 0, size, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') break;
        throw new KernelError(
          KernelErrorCode.Tracefs,
          `reading the raw pipe of CPU ${c.cpuId} failed: ${code}`,
          {
            cause: e,
          },
        );
      }
      // 0 is "nothing now" once any copy of the descriptor was closed (a spawned child's).
      if (got === 0) break;
      if (got < size) page.fill(0, got, size);
      c.nPages++;
      c.stats.subbufsRead++;
      c.stats.bytesRead += got;
    }
    return c.nPages;
  }

  /** Positions a CPU on its next record across its pages; false when none is left. */
  private advance(c: CpuState): boolean {
    for (;;) {
      if (c.pageIdx < c.nPages && c.hasRecord) {
        const st = c.kbuf.next();
        if (st === KBUFFER_RECORD) return true;
        if (st !== KBUFFER_END) this.pageError(c, st);
        c.pageIdx++;
        c.hasRecord = false;
      }
      if (c.pageIdx >= c.nPages) return false;
      const page = c.pages[c.pageIdx]!;
      const st = c.kbuf.loadPage(page, this.subbufSize);
      if (st !== KBUFFER_RECORD) this.pageError(c, st);
      if (c.kbuf.hasMissedEvents) c.stats.pagesWithMissedEvents++;
      c.hasRecord = true;
    }
  }

  private pageError(c: CpuState, status: number): never {
    throw new KernelError(
      KernelErrorCode.Page,
      `CPU ${c.cpuId}, sub-buffer ${c.stats.subbufsRead - c.nPages + c.pageIdx}, offset ${c.kbuf.recordOffset}: ${KBUFFER_ERRORS[status] ?? `status ${status}`}`,
    );
  }

  /**
   * Delivers this batch's records: every CPU's in turn, or, when the sink needs one timeline
   * (`ordered`), merged across CPUs, smallest time stamp first.
   */
  private deliver(): void {
    if (!this.ordered) {
      this.deliverPerCpu();
      return;
    }
    const cpus = this.cpus;
    const live: CpuState[] = [];
    for (const c of cpus) {
      c.hasRecord = false;
      c.pageIdx = 0;
      if (c.nPages > 0 && this.advance(c)) live.push(c);
    }
    const sink = this.sink;
    while (live.length > 0) {
      let best = 0;
      if (live.length > 1) {
        let bh = live[0]!.kbuf.tsHigh;
        let bl = live[0]!.kbuf.tsLow;
        for (let i = 1; i < live.length; i++) {
          const k = live[i]!.kbuf;
          if (k.tsHigh < bh || (k.tsHigh === bh && k.tsLow < bl)) {
            best = i;
            bh = k.tsHigh;
            bl = k.tsLow;
          }
        }
      }
      const c = live[best]!;
      const k = c.kbuf;
      const page = c.pages[c.pageIdx]!;
      const view = k.view;
      const id = view.getUint16(k.payloadOffset, this.littleEndian);
      c.stats.recordsRead++;
      sink.onRecord(c.cpuId, id, page, view, k.payloadOffset, k.payloadLength, k.tsHigh, k.tsLow);
      if (!this.advance(c)) live.splice(best, 1);
    }
  }

  /** One CPU after the other, page by page: no merge, better locality. */
  private deliverPerCpu(): void {
    const sink = this.sink;
    const le = this.littleEndian;
    const size = this.subbufSize;
    for (const c of this.cpus) {
      const k = c.kbuf;
      const cpuId = c.cpuId;
      let n = 0;
      for (let i = 0; i < c.nPages; i++) {
        c.pageIdx = i;
        const page = c.pages[i]!;
        let st = k.loadPage(page, size);
        if (st !== KBUFFER_RECORD) this.pageError(c, st);
        if (k.hasMissedEvents) c.stats.pagesWithMissedEvents++;
        const view = k.view;
        while ((st = k.next()) === KBUFFER_RECORD) {
          const p = k.payloadOffset;
          n++;
          sink.onRecord(cpuId, view.getUint16(p, le), page, view, p, k.payloadLength, k.tsHigh, k.tsLow);
        }
        if (st !== KBUFFER_END) this.pageError(c, st);
      }
      c.stats.recordsRead += n;
      c.nPages = 0;
    }
  }
}
