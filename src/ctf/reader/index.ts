/**
 * The CTF reader: metadata (TSDL and CTF 2), compiled decoders, data streams read through bounded
 * windows, and babeltrace2-compatible muxing. See docs/view.md.
 *
 * Typical use:
 *
 * ```ts
 * const traces = openTraces(host, ['/path/to/session']);
 * const mux = createMuxer(host, traces);
 * for (let m = mux.next(); m; m = mux.next()) {
 *   if (m.cursor.type === MsgType.Event) ...
 * }
 * ```
 */
import type { ReaderHost } from './host.js';
import { Muxer, MuxInput, type MuxOptions } from './muxer.js';
import { StreamCursor } from './stream-cursor.js';
import type { OpenedTrace } from './trace-set.js';

export { ClockConverter, compareNsTime, type NsTime, nsTimeToBig, splitNs } from './clock-time.js';
export type { IrEventClass, IrFieldClass, IrStreamClass, IrTraceClass } from './ctf-ir.js';
export { DecodeState, DecodeStatus } from './decode-state.js';
export {
  byteStringToText,
  CAPS_LENGTH,
  compileScope,
  compileTextLine,
  type ElementAnnotator,
  fixedSizeBits,
  type ScopeFn,
  scopeIsPrinted,
  TEXT_SLACK,
  type TextLineScope,
  type TextLineSpec,
  updateClock,
} from './decoder-compiler.js';
export { DecodeError, MetadataError, TraceError } from './errors.js';
export { EventObject } from './event-object.js';
export { type EntryKind, joinPath, type ReaderHost } from './host.js';
export { type Metadata, type MetadataOptions, readMetadata } from './metadata.js';
export { decodeMetadataStream, type MetadataText } from './metadata-stream.js';
export {
  BATCH,
  compareMessages,
  MsgRecord,
  Muxer,
  MuxInput,
  type MuxOptions,
  type TextLines,
} from './muxer.js';
export {
  type IndexEntry,
  type LineProvider,
  MSG_WEIGHT,
  MsgType,
  type PacketProps,
  StreamCursor,
  WinBuf,
} from './stream-cursor.js';
export { formatG, wfloat, wnano, wqstr, wudec, wudec64 } from './text-helpers.js';
export { EventRuntime, type PrintOptions, StreamClassRuntime, TraceRuntime } from './trace-runtime.js';
export {
  type DataStream,
  type DiscoveredTrace,
  discoverTraces,
  type OpenedTrace,
  type OpenOptions,
  openTraces,
} from './trace-set.js';
export { parseTsdl } from './tsdl-parser.js';

/** Default window size per data stream, reduced when there are many streams (memory bound). */
export function windowBytesFor(streamCount: number): number {
  const budget = 32 << 20;
  const per = Math.floor(budget / Math.max(1, streamCount));
  return Math.max(1 << 16, Math.min(1 << 20, 2 ** Math.floor(Math.log2(per))));
}

/** A muxer over every data stream of the opened traces, in babeltrace2's input order. */
export function createMuxer(
  host: ReaderHost,
  traces: readonly OpenedTrace[],
  options: MuxOptions = { keepBytes: true, eventObjects: true },
  windowBytes?: number,
): Muxer {
  let n = 0;
  for (const t of traces) n += t.streams.length;
  const win = windowBytes ?? windowBytesFor(n);
  const inputs: MuxInput[] = [];
  for (const t of traces) {
    for (const ds of t.streams) {
      inputs.push(new MuxInput(new StreamCursor(host, ds.trace, ds.entries, ds.sc, win), ds));
    }
  }
  return new Muxer(inputs, options);
}
export { irToModel } from './ir-to-model.js';
