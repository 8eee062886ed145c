/**
 * `ttng view`: opens the traces under the inputs, merges their messages in babeltrace2's order and
 * feeds a sink (text, JSON or counts). Pure: file access goes through a ReaderHost, output through
 * SinkIo.
 */
import {
  createMuxer,
  MsgType,
  type MuxInput,
  type OpenedTrace,
  openTraces,
  type ReaderHost,
} from '../ctf/reader/index.js';
import { CountSink } from './count-sink.js';
import { JsonSink } from './json-sink.js';
import { type SinkIo, TextSink } from './text-sink.js';
import type { ViewOptions } from './view-options.js';

export interface ViewResult {
  /** Events delivered (before any error). */
  readonly events: number;
}

/**
 * Runs the view. Throws a TtngError on failure, after every message before the failure was
 * printed (and flushed), like babeltrace2.
 */
export function runView(
  host: ReaderHost,
  inputs: readonly string[],
  options: ViewOptions,
  io: SinkIo,
): ViewResult {
  const traces: OpenedTrace[] = openTraces(host, inputs, {
    clockOffsetSeconds: options.clockOffsetSeconds,
    clockOffsetNs: options.clockOffsetNs,
  });
  const counting = options.format === 'count';
  let streams = 0;
  for (const t of traces) streams += t.streams.length;
  const text = options.format === 'text' ? new TextSink(options.text, io, streams) : null;
  const mux = createMuxer(host, traces, {
    keepBytes: !counting,
    eventObjects: text !== null,
    ...(text ? { lines: text.lines } : {}),
  });
  let events = 0;
  if (counting) {
    const sink = new CountSink();
    try {
      if (mux.canSkipMerging) {
        mux.scanWithoutMerging((ev) => {
          sink.count(ev);
          events++;
        });
      } else {
        for (let m = mux.next(); m; m = mux.next()) {
          if (m.type === MsgType.Event) {
            sink.count(m.ev!);
            events++;
          }
        }
      }
    } finally {
      mux.close();
    }
    io.write(sink.render());
    return { events };
  }
  const sink = text ?? new JsonSink(io);
  const onPacket = (c: MuxInput['cursor']): unknown => sink.onPacket(c);
  for (const inp of mux.inputs) inp.cursor.onPacket = onPacket;
  try {
    for (let m = mux.next(); m; m = mux.next()) {
      const type = m.type;
      if (type === MsgType.Event) {
        sink.event(m);
        events++;
      } else if (type === MsgType.DiscardedEvents || type === MsgType.DiscardedPackets) {
        sink.discarded(m);
      }
    }
  } finally {
    sink.flush();
    mux.close();
  }
  return { events };
}
