/**
 * Opening traces the way babeltrace2 2.0 does (`babeltrace2 PATH...` with `src.ctf.fs`):
 *
 * - discovery: a directory holding a regular `metadata` file is a trace (its subdirectories are not
 *   searched); other directories are searched recursively;
 * - traces sharing a UUID are merged into one;
 * - each stream file is indexed (its `index/NAME.idx` when valid, else by reading every packet
 *   header and context), then files are grouped into data streams by stream class and stream
 *   instance ID, ordered by their first packet's beginning time;
 * - known tracer bugs are detected from the environment, which makes babeltrace2 decode some
 *   packets completely while opening (their errors fail the opening, as in babeltrace2).
 *
 * Everything that can fail before the first message fails here, naming the file and offset.
 */
import type { ClockConverter } from './clock-time.js';
import { DecodeError, TraceError } from './errors.js';
import { joinPath, type ReaderHost } from './host.js';
import { type Metadata, type MetadataOptions, readMetadata } from './metadata.js';
import { type IndexEntry, type PacketProps, StreamCursor } from './stream-cursor.js';
import { type StreamClassRuntime, TraceRuntime } from './trace-runtime.js';

export interface OpenOptions extends MetadataOptions {
  /** Bytes of the read window of each data stream (default 1 MiB; grows for larger events). */
  readonly windowBytes?: number;
}

/** A data stream: the stream files of one stream class and stream instance ID. */
export interface DataStream {
  readonly trace: TraceRuntime;
  readonly sc: StreamClassRuntime;
  /** `stream_instance_id` of the packets, or -1n. */
  readonly instanceId: bigint;
  /** babeltrace2's stream ID: the instance ID, else a counter. */
  streamId: bigint;
  /** babeltrace2's stream name: the path of its first file. */
  name: string;
  readonly files: { path: string; beginNs: bigint }[];
  entries: IndexEntry[];
}

export interface OpenedTrace {
  readonly runtime: TraceRuntime;
  readonly streams: DataStream[];
  readonly metadata: Metadata;
}

export interface DiscoveredTrace {
  /** Directory of the trace. */
  readonly path: string;
  /** Path relative to the input it was found under ('' when the input is the trace). */
  readonly relative: string;
}

/** Finds the traces under each input, as babeltrace2's automatic source discovery does. */
export function discoverTraces(host: ReaderHost, inputs: readonly string[]): DiscoveredTrace[] {
  const out: DiscoveredTrace[] = [];
  for (const input of inputs) {
    const kind = host.kind(input);
    if (kind === 'missing') throw new TraceError(`${input}: no such file or directory`);
    const before = out.length;
    if (kind === 'dir') walk(host, input, '', out);
    if (out.length === before) {
      throw new TraceError(
        kind === 'dir'
          ? `${input}: no CTF trace found (a trace is a directory with a \`metadata\` file)`
          : `${input}: not a CTF trace directory (give the directory that holds the \`metadata\` file)`,
      );
    }
  }
  return out;
}

function walk(host: ReaderHost, dir: string, rel: string, out: DiscoveredTrace[]): void {
  if (host.kind(joinPath(dir, 'metadata')) === 'file') {
    out.push({ path: dir, relative: rel });
    return;
  }
  let names: string[];
  try {
    names = host.listDir(dir);
  } catch {
    return;
  }
  names.sort();
  for (const n of names) {
    const p = joinPath(dir, n);
    if (host.kind(p) === 'dir') walk(host, p, rel === '' ? n : `${rel}/${n}`, out);
  }
}

function uuidKey(u: Uint8Array | null): string | null {
  if (!u) return null;
  let s = '';
  for (const b of u) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * Opens every trace under the inputs. Returns them in babeltrace2's component order (traces with
 * the same UUID merged into one).
 */
export function openTraces(
  host: ReaderHost,
  inputs: readonly string[],
  options: OpenOptions = {},
): OpenedTrace[] {
  const found = discoverTraces(host, inputs);
  // Group by UUID (babeltrace2 makes one source component per UUID).
  const groups: DiscoveredTrace[][] = [];
  const byUuid = new Map<string, DiscoveredTrace[]>();
  const metas = new Map<DiscoveredTrace, Metadata>();
  for (const t of found) {
    const metaPath = joinPath(t.path, 'metadata');
    const md = readMetadata(host.readFile(metaPath), metaPath, options);
    metas.set(t, md);
    const key = uuidKey(md.trace.uuid);
    const g = key === null ? undefined : byUuid.get(key);
    if (g) g.push(t);
    else {
      const ng = [t];
      groups.push(ng);
      if (key !== null) byUuid.set(key, ng);
    }
  }
  const out: OpenedTrace[] = [];
  for (const g of groups) out.push(openComponent(host, g, metas, options));
  return out;
}

function traceName(md: Metadata, suffix: string | null): string {
  const host = md.trace.env.get('hostname');
  let name = '';
  if (host?.type === 'string') {
    name += host.value;
    if (suffix !== null) name += '/';
  }
  if (suffix !== null) name += suffix;
  return name;
}

interface PartTrace {
  runtime: TraceRuntime;
  streams: DataStream[];
  md: Metadata;
}

function openComponent(
  host: ReaderHost,
  parts: DiscoveredTrace[],
  metas: Map<DiscoveredTrace, Metadata>,
  options: OpenOptions,
): OpenedTrace {
  const sorted = [...parts].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const opened: PartTrace[] = [];
  for (const t of sorted) {
    const md = metas.get(t)!;
    const suffix = parts.length === 1 && t.relative !== '' ? t.relative : null;
    const runtime = new TraceRuntime(md.trace, traceName(md, suffix), t.path);
    opened.push({ runtime, md, streams: createDataStreams(host, runtime, options) });
  }
  let winner = opened[0]!;
  if (opened.length > 1) {
    let best = countClasses(winner.runtime);
    for (const o of opened.slice(1)) {
      const c = countClasses(o.runtime);
      if (c > best) {
        best = c;
        winner = o;
      }
    }
    for (const o of opened) {
      if (o !== winner) mergeStreams(winner, o);
    }
  }
  fixTracerBugs(host, winner, options);
  winner.streams.sort((a, b) => {
    const pa = a.files[0]!.path;
    const pb = b.files[0]!.path;
    return pa < pb ? -1 : pa > pb ? 1 : 0;
  });
  let next = 0n;
  for (const s of winner.streams) {
    if (s.instanceId === -1n) s.streamId = next++;
    else s.streamId = BigInt.asUintN(64, s.instanceId);
  }
  return { runtime: winner.runtime, streams: winner.streams, metadata: winner.md };
}

function countClasses(t: TraceRuntime): number {
  let n = t.tc.streamClasses.length;
  for (const sc of t.tc.streamClasses) n += sc.eventClasses.length;
  return n;
}

function mergeStreams(dest: PartTrace, src: PartTrace): void {
  const destLen = dest.streams.length;
  for (const s of src.streams) {
    let d: DataStream | undefined;
    if (s.instanceId !== -1n) {
      for (let i = 0; i < destLen; i++) {
        const c = dest.streams[i]!;
        if (c.instanceId !== -1n && c.instanceId === s.instanceId && c.sc.id === s.sc.id) {
          d = c;
          break;
        }
      }
    }
    if (!d) {
      const sc = dest.runtime.streamClass(Number(s.sc.id));
      if (!sc)
        throw new TraceError(
          `${src.runtime.path}: stream class ${s.sc.id} is missing from the merged trace's metadata`,
        );
      d = {
        trace: dest.runtime,
        sc,
        instanceId: s.instanceId,
        streamId: 0n,
        name: '',
        files: [],
        entries: [],
      };
      dest.streams.push(d);
    }
    for (const f of s.files) insertFileSorted(d, f);
    for (const e of s.entries) insertEntrySorted(d.entries, e);
    d.name = d.files[0]!.path;
  }
}

function insertFileSorted(g: DataStream, f: { path: string; beginNs: bigint }): void {
  let i = 0;
  while (i < g.files.length && !(f.beginNs < g.files[i]!.beginNs)) i++;
  g.files.splice(i, 0, f);
}

function sameEntry(a: IndexEntry, b: IndexEntry): boolean {
  return (
    a.sizeBytes === b.sizeBytes && a.tsBegin === b.tsBegin && a.tsEnd === b.tsEnd && a.seqNum === b.seqNum
  );
}

/** babeltrace2's `ds_index_insert_ds_index_entry_sorted` (duplicate packets dropped). */
function insertEntrySorted(entries: IndexEntry[], e: IndexEntry): void {
  const key = e.tsBeginNs ?? -1n;
  let i = 0;
  for (; i < entries.length; i++) {
    if (key <= (entries[i]!.tsBeginNs ?? -1n)) break;
  }
  if (i === entries.length || !sameEntry(e, entries[i]!)) entries.splice(i, 0, e);
}

function createDataStreams(host: ReaderHost, runtime: TraceRuntime, options: OpenOptions): DataStream[] {
  const streams: DataStream[] = [];
  const dir = runtime.path;
  const abs = host.absolute(dir);
  const names = host.listDir(dir).sort();
  for (const name of names) {
    if (name === 'metadata' || name.startsWith('.')) continue;
    const path = joinPath(dir, name);
    if (host.kind(path) !== 'file') continue;
    if (host.fileSize(path) === 0) continue;
    addFile(host, runtime, path, joinPath(abs, name), streams, options);
  }
  return streams;
}

function addFile(
  host: ReaderHost,
  runtime: TraceRuntime,
  path: string,
  absPath: string,
  streams: DataStream[],
  options: OpenOptions,
): void {
  const size = host.fileSize(path);
  const cursor = new StreamCursor(host, runtime, [], null, Math.min(options.windowBytes ?? 1 << 16, 1 << 16));
  try {
    const first = cursor.readPacketProps(entryAt(path, 0, size));
    const sc = first.sc;
    let beginNs = -1n;
    if (first.tsBegin !== null && sc.clock) {
      const ns = toNsBig(sc.clock, first.tsBegin);
      if (ns === null) {
        throw new DecodeError(
          `cannot convert the first packet's beginning time (${first.tsBegin} cycles of clock \`${sc.clock.clock.name}\`) to nanoseconds from origin: it does not fit 64 bits`,
          path,
          0,
        );
      }
      beginNs = ns;
    }
    const entries =
      (sc.clock ? indexFromIdxFile(host, path, size, sc) : null) ??
      indexFromStream(cursor, path, size, first);
    let instanceId = first.dataStreamId;
    if (beginNs === -1n) instanceId = -1n;
    const file = { path: absPath, beginNs };
    // Entries name the path as given (for reading); stream names use the absolute path.
    if (instanceId === -1n) {
      streams.push({
        trace: runtime,
        sc,
        instanceId: -1n,
        streamId: 0n,
        name: absPath,
        files: [file],
        entries,
      });
      return;
    }
    const g = streams.find((s) => s.sc === sc && s.instanceId === instanceId);
    if (!g) {
      streams.push({ trace: runtime, sc, instanceId, streamId: 0n, name: absPath, files: [file], entries });
      return;
    }
    for (const e of entries) insertEntrySorted(g.entries, e);
    insertFileSorted(g, file);
    g.name = g.files[0]!.path;
  } finally {
    cursor.close();
  }
}

function entryAt(path: string, offsetBytes: number, sizeBytes: number): IndexEntry {
  return {
    path,
    offsetBytes,
    sizeBytes,
    tsBegin: null,
    tsEnd: null,
    tsBeginNs: null,
    tsEndNs: null,
    seqNum: null,
  };
}

export function toNsBig(c: ClockConverter, cycles: bigint): bigint | null {
  const t = { sec: 0, nsec: 0 };
  if (!c.toNs(Number(cycles >> 32n), Number(cycles & 0xffffffffn), t)) return null;
  return BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec);
}

/** babeltrace2's `build_index_from_stream_file`: every packet header and context. */
function indexFromStream(
  cursor: StreamCursor,
  path: string,
  fileSize: number,
  first: PacketProps,
): IndexEntry[] {
  const entries: IndexEntry[] = [];
  let off = 0;
  let props: PacketProps | null = first;
  while (off < fileSize) {
    if (!props) props = cursor.readPacketProps(entryAt(path, off, fileSize - off));
    const sizeBytes = props.totalBits >= 0 ? Math.floor(props.totalBits / 8) : fileSize;
    if (off + sizeBytes > fileSize) {
      throw new DecodeError(
        `packet size (${props.totalBits} bits) goes past the end of the file (${fileSize} bytes)`,
        path,
        off,
      );
    }
    if (sizeBytes === 0) {
      throw new DecodeError(`packet size (${props.totalBits} bits) is smaller than one byte`, path, off);
    }
    const clock = props.sc.clock;
    const e = entryAt(path, off, sizeBytes);
    e.tsBegin = props.tsBegin;
    e.tsEnd = props.tsEnd;
    if (clock) {
      if (props.tsBegin !== null) {
        e.tsBeginNs = toNsBig(clock, props.tsBegin);
        if (e.tsBeginNs === null) throw clockError(path, off, props.tsBegin, clock);
      }
      if (props.tsEnd !== null) {
        e.tsEndNs = toNsBig(clock, props.tsEnd);
        if (e.tsEndNs === null) throw clockError(path, off, props.tsEnd, clock);
      }
    }
    (e as { seqNum: bigint | null }).seqNum = null;
    entries.push(e);
    off += sizeBytes;
    props = null;
  }
  return entries;
}

function clockError(path: string, off: number, cycles: bigint, clock: ClockConverter): DecodeError {
  return new DecodeError(
    `cannot convert packet time ${cycles} (cycles of clock \`${clock.clock.name}\`) to nanoseconds from origin: it does not fit 64 bits`,
    path,
    off,
  );
}

const IDX_MAGIC = 0xc1f1dcc1;
const IDX_HEADER_BYTES = 16;
const IDX_ENTRY_1_0_BYTES = 56;

/** LTTng's `index/NAME.idx`, used when fully consistent with the stream file (else null). */
function indexFromIdxFile(
  host: ReaderHost,
  path: string,
  fileSize: number,
  sc: StreamClassRuntime,
): IndexEntry[] | null {
  const slash = path.lastIndexOf('/');
  const idxPath = `${slash >= 0 ? path.slice(0, slash) : '.'}/index/${path.slice(slash + 1)}.idx`;
  if (host.kind(idxPath) !== 'file') return null;
  let bytes: Uint8Array;
  try {
    bytes = host.readFile(idxPath);
  } catch {
    return null;
  }
  if (bytes.length < IDX_HEADER_BYTES) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, false) !== IDX_MAGIC) return null;
  const major = dv.getUint32(4, false);
  const minor = dv.getUint32(8, false);
  if (major !== 1) return null;
  const entrySize = dv.getUint32(12, false);
  if (entrySize < IDX_ENTRY_1_0_BYTES) return null;
  const body = bytes.length - IDX_HEADER_BYTES;
  if (body % entrySize !== 0) return null;
  const count = body / entrySize;
  const clock = sc.clock!;
  const entries: IndexEntry[] = [];
  let total = 0n;
  let prevOff = -1n;
  for (let i = 0; i < count; i++) {
    const at = IDX_HEADER_BYTES + i * entrySize;
    const offset = dv.getBigUint64(at, false);
    const packetBits = dv.getBigUint64(at + 8, false);
    if (packetBits % 8n !== 0n) return null;
    if (i !== 0 && offset < prevOff) return null;
    prevOff = offset;
    const tsBegin = dv.getBigUint64(at + 24, false);
    const tsEnd = dv.getBigUint64(at + 32, false);
    if (tsEnd < tsBegin) return null;
    const tsBeginNs = toNsBig(clock, tsBegin);
    const tsEndNs = toNsBig(clock, tsEnd);
    if (tsBeginNs === null || tsEndNs === null) return null;
    const seqNum = minor >= 1 && entrySize >= 72 ? dv.getBigUint64(at + 64, false) : null;
    const sizeBytes = packetBits / 8n;
    total += sizeBytes;
    entries.push({
      path,
      offsetBytes: Number(offset),
      sizeBytes: Number(sizeBytes),
      tsBegin,
      tsEnd,
      tsBeginNs,
      tsEndNs,
      seqNum,
    });
  }
  if (total !== BigInt(fileSize)) return null;
  // Offsets must stay inside the file for reading.
  for (const e of entries) if (e.offsetBytes >= fileSize) return null;
  return entries;
}

/** babeltrace2's `fix_packet_index_tracer_bugs`: the decodes it does, with their errors. */
function fixTracerBugs(host: ReaderHost, t: PartTrace, options: OpenOptions): void {
  const q = t.runtime.quirks;
  if (!q.lttngEventAfterPacket && !q.barectfEventBeforePacket && !q.lttngCrash) return;
  const win = Math.min(options.windowBytes ?? 1 << 16, 1 << 16);
  const dry = (f: (c: StreamCursor) => void): void => {
    const c = new StreamCursor(host, t.runtime, [], null, win);
    try {
      f(c);
    } finally {
      c.close();
    }
  };
  for (const s of t.streams) {
    if (s.entries.length === 0) continue;
    if (q.lttngEventAfterPacket) {
      for (let i = 0; i < s.entries.length - 1; i++) {
        s.entries[i]!.tsEnd = s.entries[i + 1]!.tsBegin;
        s.entries[i]!.tsEndNs = s.entries[i + 1]!.tsBeginNs;
      }
      const last = s.entries[s.entries.length - 1]!;
      dry((c) => {
        last.tsEnd = c.lastEventClock(last);
      });
    }
    if (q.barectfEventBeforePacket) {
      for (let i = 1; i < s.entries.length; i++) {
        const e = s.entries[i]!;
        dry((c) => {
          e.tsBegin = c.firstEventClock(e);
        });
        s.entries[i - 1]!.tsEnd = e.tsBegin;
      }
    }
    if (q.lttngCrash) {
      const last = s.entries[s.entries.length - 1]!;
      if (last.tsEnd === 0n && last.tsBegin !== 0n) {
        dry((c) => {
          last.tsEnd = c.lastEventClock(last);
        });
      }
    }
  }
}
