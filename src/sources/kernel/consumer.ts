/**
 * The kernel consumer: reads every CPU's `trace_pipe_raw` one sub-buffer at a time (EAGAIN or 0
 * is "nothing now": 0 is not end of file, ftrace-raw.md §2), on a timer that follows the fill
 * rate, only full sub-buffers while tracing runs (readCpu), reading ahead while a long batch is
 * delivered (readAhead); decodes the pages with one KBuffer per CPU and hands records to a sink,
 * per CPU or in time stamp order across CPUs (so that state tracked from one CPU's events is
 * current when another CPU's events use it). Nothing is allocated per record: pages and their
 * DataViews are reused, the time stamp travels in the KBuffer's Uint32Array.
 *
 * Lost records: the per-CPU `stats` counters (`overrun`, `commit overrun`, `dropped events`) are
 * sampled after each CPU is drained; their growth is the exact number of records the kernel
 * lost, reported to the sink at that point of the stream. The page flag (`RB_MISSED_EVENTS`) is
 * reported too, for position, but not counted twice.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { KernelError, KernelErrorCode } from './errors.js';
import type { HeaderPage } from './format-parser.js';
import { COMMIT_MASK, KBUFFER_END, KBUFFER_ERRORS, KBUFFER_RECORD, KBuffer } from './kbuffer.js';
import { type CpuStats, parseCpuStats, type TracefsInstance } from './tracefs-instance.js';

export interface RecordSink {
  /**
   * One record, in time stamp order. `p` is the payload offset in `page` (its first two bytes
   * are the event id), `len` its length, `ts` its time stamp (high half at 0, low half at 1: an
   * array, so that no number is boxed per record). The page and `ts` are reused after the call:
   * copy what you keep.
   */
  onRecord(
    cpuId: number,
    eventId: number,
    page: Uint8Array,
    view: DataView,
    p: number,
    len: number,
    ts: Uint32Array,
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
  /** Sub-buffers read this tick (with a DataView each, made once), and how many are in use. */
  readonly pages: Uint8Array[];
  readonly views: DataView[];
  /** Pages read and not yet delivered (slots [0, nPages) of `pages`). */
  nPages: number;
  /** Pages read since the current tick began (read-ahead included): how fast the buffer fills. */
  readThisTick: number;
  /**
   * Fraction of the CPU's ring buffer filled per ms, from the last ticks (decaying by half per
   * tick when the rate drops); 0 until known.
   */
  rate: number;
  /** When its pipe was last read (performance.now()). */
  lastReadMs: number;
  pageIdx: number;
  /** KBuffer positioned on a record not yet delivered. */
  hasRecord: boolean;
  lossBase: number;
  readonly stats: CpuConsumerStats;
}

/** How full the busiest buffer may get between two reads, at the rate last seen (startTimer). */
const TARGET_FILL = 1 / 8;
/**
 * While delivering, a CPU's pipe is read again when its buffer may have filled TARGET_FILL since
 * its last read at the rate last seen, and at least this often (ms; readAhead).
 */
const READ_AHEAD_MAX_MS = 20;
/** Read-ahead looks at the pipes no more often than this (ms). */
const READ_AHEAD_MIN_MS = 2;
/** Read-ahead holds at most this many bytes of pages, all CPUs together (beyond one buffer each). */
const READ_AHEAD_MAX_BYTES = 256 * 1024 * 1024;

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
  /** Where the low 32 bits of a page's `commit` are, and the data bytes a sub-buffer holds. */
  private readonly commitLowOffset: number;
  private readonly dataSizeBytes: number;
  /**
   * A page whose commit leaves more than this unused is the one the kernel was still writing:
   * the reader caught up with the writer (see readCpu).
   */
  private readonly caughtUpSlackBytes: number;
  /** Most pages a CPU may hold read and not yet delivered (read-ahead stops there). */
  private readonly maxPending: number;
  /** When the pipes were last read (performance.now()), for read-ahead. */
  private lastReadMs = 0;
  /** When the last poll began (performance.now()), for the fill rates. */
  private lastPollMs = 0;
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
    const hp = o.headerPage;
    this.commitLowOffset = o.littleEndian
      ? hp.commitOffsetBytes
      : hp.commitOffsetBytes + hp.commitSizeBytes - 4;
    this.dataSizeBytes = this.subbufSize - hp.dataOffsetBytes;
    // A full page leaves less than one record unused (40 bytes at most seen with syscall events);
    // records over 1 KiB are rare, and misjudging one only defers reading to the next tick.
    this.caughtUpSlackBytes = Math.min(1024, this.dataSizeBytes >>> 3);
    const perCpuSubbufs = Math.ceil((instance.bufferSizeKb * 1024) / (o.headerPage.dataSizeBytes || 1)) + 2;
    this.maxPerTick = o.maxSubbufsPerTick ?? perCpuSubbufs;
    // Read-ahead may hold up to 4 buffers' worth per CPU while the first records warm the code
    // up, within READ_AHEAD_MAX_BYTES for all CPUs (but always one buffer's worth).
    const cap = Math.floor(READ_AHEAD_MAX_BYTES / instance.cpuIds.length / this.subbufSize);
    this.maxPending = Math.max(this.maxPerTick, Math.min(4 * perCpuSubbufs, cap));
    this.cpus = instance.cpuIds.map((cpuId) => ({
      cpuId,
      fd: -1,
      statsFd: -1,
      kbuf: new KBuffer(o.headerPage, { littleEndian: o.littleEndian }),
      pages: [],
      views: [],
      nPages: 0,
      readThisTick: 0,
      rate: 0,
      lastReadMs: 0,
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
    // The first poll measures the fill rate since now.
    this.lastPollMs = performance.now();
  }

  private readonly statsBuf = Buffer.alloc(1024);
  private lastLossSampleMs = 0;

  private readStats(c: CpuState): CpuStats {
    const n = readSync(c.statsFd, this.statsBuf, 0, this.statsBuf.length, 0);
    return parseCpuStats(this.statsBuf.toString('latin1', 0, n));
  }

  /**
   * Polls on a timer until `close`. The period follows the fill rate of the busiest CPU's buffer
   * (the fraction of it read per ms, as `poll` measures it): the next tick comes when that buffer
   * would be an eighth full, between 1 ms and `pollIntervalMs`. A tick reads only full pages
   * while tracing runs (readCpu), so this is what keeps up with a busy kernel without losing
   * records. Errors stop the timer and surface from `drainAndClose`.
   */
  startTimer(): void {
    const tick = () => {
      this.timer = undefined;
      if (this.closed) return;
      try {
        this.poll();
      } catch (e) {
        this.error = e;
        return;
      }
      let rate = 0;
      for (const c of this.cpus) if (c.rate > rate) rate = c.rate;
      const next =
        rate > 0 ? Math.min(this.pollIntervalMs, Math.max(1, TARGET_FILL / rate)) : this.pollIntervalMs;
      this.timer = setTimeout(tick, next);
    };
    this.timer = setTimeout(tick, this.pollIntervalMs);
  }

  /**
   * Reads what is available now on every CPU (capped per CPU) and delivers it in order. Returns
   * the largest fraction of a CPU's ring buffer this read took (how full it was).
   */
  poll(): number {
    const start = performance.now();
    const elapsedMs = this.lastPollMs > 0 ? Math.max(1, start - this.lastPollMs) : 0;
    this.lastPollMs = start;
    this.lastReadMs = start;
    for (const c of this.cpus) {
      c.readThisTick = 0;
      c.lastReadMs = start;
      this.readCpu(c, this.maxPerTick);
    }
    this.deliver();
    let maxPages = 0;
    for (const c of this.cpus) {
      if (c.readThisTick > maxPages) maxPages = c.readThisTick;
      if (elapsedMs > 0) {
        const fill = (c.readThisTick * this.subbufSize) / this.bufferBytes;
        c.rate = Math.max(fill / elapsedMs, c.rate * 0.5);
      }
    }
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
          for (const c of this.cpus) n += this.readCpu(c, this.maxPerTick, true);
          this.deliver();
          // Pages read ahead for a CPU already delivered wait for the next round.
          if (n === 0 && this.cpus.every((c) => c.nPages === 0)) break;
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

  /**
   * Reads up to `max` more sub-buffers of one CPU after its pending ones (at most `maxPending`
   * held). Returns how many.
   *
   * A read returns the page the kernel is still filling when the reader has caught up, a whole
   * sub-buffer (mostly zeros) for the few records written since the last read. Reading on until
   * EAGAIN then costs a sub-buffer copy per handful of records (3/4 of the consumer's CPU time
   * with 64 KiB sub-buffers in bench/kernel/record.bench.ts): so, while tracing runs, a page
   * that is not full ends this CPU's reads, unless it is the first of this call (the rest of the
   * page the previous call stopped on). `untilEmpty` (tracing stopped) drains everything.
   */
  private readCpu(c: CpuState, max: number, untilEmpty = false): number {
    const size = this.subbufSize;
    const stopAtPartial = !untilEmpty;
    const limit = Math.min(max, this.maxPending - c.nPages);
    let n = 0;
    while (n < limit) {
      let page = c.pages[c.nPages];
      if (!page) {
        page = Buffer.allocUnsafe(size);
        c.pages.push(page);
        c.views.push(new DataView(page.buffer, page.byteOffset, page.byteLength));
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
      c.stats.subbufsRead++;
      c.stats.bytesRead += got;
      const view = c.views[c.nPages]!;
      c.nPages++;
      c.readThisTick++;
      n++;
      if (
        stopAtPartial &&
        n > 1 &&
        this.dataSizeBytes - (view.getUint32(this.commitLowOffset, this.littleEndian) & COMMIT_MASK) >
          this.caughtUpSlackBytes
      ) {
        break;
      }
    }
    return n;
  }

  /**
   * While a batch is delivered, reads the kernel's full pages again: when delivering is slow (the
   * first records of each event class run unoptimized code, a garbage collection, a busy
   * machine), the kernel's buffers must not fill meanwhile. A CPU is read when its buffer may
   * have filled an eighth since its last read, at its rate (every READ_AHEAD_MAX_MS at least):
   * each read of a CPU that has little costs a sub-buffer copy for a few records. Returns true
   * when it read anything.
   */
  private readAhead(): boolean {
    const now = performance.now();
    if (now - this.lastReadMs < READ_AHEAD_MIN_MS) return false;
    this.lastReadMs = now;
    let any = false;
    for (const c of this.cpus) {
      const sinceMs = now - c.lastReadMs;
      if (c.rate * sinceMs < TARGET_FILL && sinceMs < READ_AHEAD_MAX_MS) continue;
      c.lastReadMs = now;
      if (this.readCpu(c, this.maxPerTick) > 0) any = true;
    }
    return any;
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
      const st = c.kbuf.loadPage(page, this.subbufSize, c.views[c.pageIdx]);
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
    let sinceCheck = 0;
    while (live.length > 0) {
      if (++sinceCheck === 1024) {
        sinceCheck = 0;
        // Read-ahead can give pages to CPUs whose pages ran out: they rejoin the merge.
        if (this.readAhead()) {
          for (const c of cpus) {
            if (!live.includes(c) && c.pageIdx < c.nPages) {
              if (this.advance(c)) live.push(c);
            }
          }
        }
      }
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
      sink.onRecord(c.cpuId, id, page, view, k.payloadOffset, k.payloadLength, k.ts);
      if (!this.advance(c)) live.splice(best, 1);
    }
    for (const c of cpus) {
      c.nPages = 0;
      c.pageIdx = 0;
      c.hasRecord = false;
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
        let st = k.loadPage(page, size, c.views[i]);
        if (st !== KBUFFER_RECORD) this.pageError(c, st);
        if (k.hasMissedEvents) c.stats.pagesWithMissedEvents++;
        const view = k.view;
        const ts = k.ts;
        while ((st = k.next()) === KBUFFER_RECORD) {
          const p = k.payloadOffset;
          n++;
          sink.onRecord(cpuId, view.getUint16(p, le), page, view, p, k.payloadLength, ts);
        }
        if (st !== KBUFFER_END) this.pageError(c, st);
        this.readAhead();
      }
      c.stats.recordsRead += n;
      c.nPages = 0;
    }
  }
}
