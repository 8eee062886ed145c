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
  type TraceRuntime,
} from '../ctf/reader/index.js';
import { CountSink } from './count-sink.js';
import { DebugInfoText, TraceDebugInfo } from './debug-info.js';
import { JsonSink } from './json-sink.js';
import { hasKernelCallstack, KernelStackAnnotator } from './kernel-symbols.js';
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
  const annotators = counting ? null : kernelAnnotators(traces, options, io);
  let streams = 0;
  for (const t of traces) streams += t.streams.length;
  const dbg = counting ? undefined : options.debugInfo;
  const text =
    options.format === 'text'
      ? new TextSink(
          options.text,
          io,
          streams,
          annotators,
          dbg ? new DebugInfoText(dbg, options.text.names.context) : null,
        )
      : null;
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
  const sink = text ?? new JsonSink(io, annotators, dbg ? jsonDebugInfo(dbg) : null);
  const onPacket = (c: MuxInput['cursor']): unknown => sink.onPacket(c);
  for (const inp of mux.inputs) inp.cursor.onPacket = onPacket;
  try {
    // A batch at a time (bench/view: no call per message between the muxer and the sink).
    const out = mux.out;
    for (let n = mux.fill(); n > 0; n = mux.fill()) {
      if (text !== null) {
        events += text.batch(out, n);
        continue;
      }
      for (let i = 0; i < n; i++) {
        const m = out[i]!;
        const type = m.type;
        if (type === MsgType.Event) {
          sink.event(m);
          events++;
        } else if (type === MsgType.DiscardedEvents || type === MsgType.DiscardedPackets) {
          sink.discarded(m);
        }
      }
    }
  } finally {
    sink.flush();
    mux.close();
  }
  return { events };
}

/** `--debug-info`, JSON output: one state per trace. */
function jsonDebugInfo(opts: NonNullable<ViewOptions['debugInfo']>): (trace: TraceRuntime) => TraceDebugInfo {
  const states = new Map<TraceRuntime, TraceDebugInfo>();
  return (trace) => {
    let s = states.get(trace);
    if (!s) {
      s = new TraceDebugInfo(opts);
      states.set(trace, s);
    }
    return s;
  };
}

/**
 * `--kernel-symbols`: one annotator per kernel trace that records `callstack_kernel` (its
 * symbols are loaded here, before anything is printed, so a bad kallsyms fails first).
 */
function kernelAnnotators(
  traces: readonly OpenedTrace[],
  options: ViewOptions,
  io: SinkIo,
): ReadonlyMap<TraceRuntime, KernelStackAnnotator> | null {
  const provider = options.kernelSymbols;
  if (!provider) return null;
  const out = new Map<TraceRuntime, KernelStackAnnotator>();
  for (const t of traces) {
    if (hasKernelCallstack(t.runtime)) out.set(t.runtime, new KernelStackAnnotator(provider(t.runtime)));
  }
  if (out.size === 0) {
    io.warn(
      'ttng view: --kernel-symbols: no kernel trace with a callstack_kernel context here: nothing to symbolize',
    );
    return null;
  }
  return out;
}
