/**
 * A random multi-stream trace written by ttng's CTF writer, with what babeltrace2 must print for
 * it: random schemas from test/ctf/writer/random-schema.ts (every field class kind TSDL expresses,
 * nested, both byte orders, odd sizes and alignments), two data stream classes (compact headers,
 * so ids pass 30, and large headers; random common contexts), two streams each, random specific
 * contexts and values, and time stamp gaps that cross the 27- and 32-bit header boundaries.
 * Shared by the babeltrace2 round trip (test/ctf/writer) and `ttng view`'s property test.
 */
import * as fs from 'node:fs';
import fc from 'fast-check';
import type { EventRecordClass } from '../../src/ctf/model/event-record-class.js';
import { type StructureClass, structure } from '../../src/ctf/model/field-class.js';
import { createDirectorySink } from '../../src/ctf/writer/trace-sink.js';
import { createTraceWriter, type StreamWriter } from '../../src/ctf/writer/trace-writer.js';
import { bt2Value } from '../ctf/writer/bt2-text.js';
import { type Draw, type SchemaContext, struct, structValue } from '../ctf/writer/random-schema.js';

/**
 * fast-check's `gen` as a Draw. Strings: binary-unit ones, the escape-heavy constant, and, with
 * `asciiStrings`, printable ASCII ones too.
 */
export function drawFrom(g: fc.GeneratorValue, o: { readonly asciiStrings: boolean }): Draw {
  const kinds = (maxLength: number) => [
    fc.string({ unit: 'binary', minLength: 1, maxLength }),
    ...(o.asciiStrings ? [fc.string({ minLength: 1, maxLength })] : []),
    fc.constantFrom('q\'?"\\\n\t\u0001\u007f\u001b'),
  ];
  return {
    int: (min, max) => g(fc.integer, { min, max }),
    bigint: (min, max) => g(fc.bigInt, { min, max }),
    double: () => g(fc.double),
    string: (maxLength) => g(() => fc.oneof(...kinds(maxLength))).replace(/\0/g, '') || 'x',
  };
}

export interface RandomTraceOptions {
  /** Event record classes to draw; each gets one to three event records. */
  readonly eventRecordClasses: number;
  /** CTF 2 metadata, or TSDL written as plain text in one trace out of `tsdlTextOneIn` (packetized otherwise). */
  readonly metadata: 'ctf2' | { readonly tsdlTextOneIn: number };
  /** Draw whether index files are written; when false, the writer's default (written). */
  readonly drawIndex: boolean;
}

/** One event record written, in time order. */
export interface WrittenEventRecord {
  readonly tsNs: bigint;
  /** babeltrace2's line for it with `--clock-cycles --no-delta`. */
  readonly line: string;
  /** The values given to the writer, for debugging a difference. */
  readonly values: { ctx: unknown; spec: unknown; payload: unknown };
}

/** Writes a random trace into `dir` (an existing empty directory). */
export function writeRandomTrace(dir: string, d: Draw, o: RandomTraceOptions): WrittenEventRecord[] {
  const native = d.int(0, 1) ? 'be' : 'le';
  const c: SchemaContext = { d, native, names: 0 };
  const ctxOf = (): StructureClass | undefined =>
    d.int(0, 2) === 0 ? undefined : struct(c, 2, 3, 'event-record-common-context', []);
  const contexts = [ctxOf(), ctxOf()];
  const w = createTraceWriter({
    sink: createDirectorySink(dir, fs),
    byteOrder: native,
    alignment: d.int(0, 1) ? 'natural' : 'byte',
    packetSizeBytes: 4096,
    metadata:
      o.metadata === 'ctf2' ? 'ctf2' : d.int(0, o.metadata.tsdlTextOneIn - 1) === 0 ? 'tsdl-text' : 'tsdl',
    ...(o.drawIndex ? { index: d.int(0, 1) === 0 } : {}),
    dataStreamClasses: [
      { eventHeader: 'compact', ...(contexts[0] ? { commonContext: contexts[0] } : {}) },
      { eventHeader: 'large', ...(contexts[1] ? { commonContext: contexts[1] } : {}) },
    ],
  });
  const streams: StreamWriter[][] = [0, 1].map((dsc) =>
    [0, 1].map((cpu) => w.createStream(dsc, { instanceId: cpu })),
  );
  const classes: { erc: EventRecordClass; dsc: number }[] = [];
  for (let i = 0; i < o.eventRecordClasses; i++) {
    // Most on the compact channel, so ids pass 30 and need the extended header.
    const dsc = d.int(0, 9) < 7 ? 0 : 1;
    const specific = d.int(0, 4) === 0 ? struct(c, 2, 3, 'event-record-specific-context', []) : undefined;
    const erc = w.addEventRecordClass(dsc, {
      name: `prov${i}:event_${i}`,
      logLevel: d.int(0, 14),
      payload: struct(c, 3, 5, 'event-record-payload', []),
      ...(specific ? { specificContext: specific } : {}),
    });
    classes.push({ erc, dsc });
  }
  // Events in time order, spread over the streams; gaps cross the 27- and 32-bit boundaries.
  const out: WrittenEventRecord[] = [];
  let ts = d.bigint(0n, 1n << 40n);
  const events: { erc: EventRecordClass; dsc: number }[] = [];
  for (const k of classes) for (let j = d.int(1, 3); j > 0; j--) events.push(k);
  for (let i = events.length - 1; i > 0; i--) {
    const j = d.int(0, i);
    [events[i], events[j]] = [events[j]!, events[i]!];
  }
  for (const { erc, dsc } of events) {
    const gap = d.int(0, 9);
    ts +=
      gap < 6
        ? d.bigint(1n, 1000n)
        : gap < 8
          ? d.bigint(1n << 26n, 1n << 28n)
          : d.bigint(1n << 31n, 1n << 33n);
    const cpu = d.int(0, 1);
    const ctxFc = contexts[dsc];
    const ctx = ctxFc ? structValue(d, ctxFc) : undefined;
    const spec = erc.specificContextFieldClass ? structValue(d, erc.specificContextFieldClass) : undefined;
    const payloadFc = erc.payloadFieldClass ?? structure([]);
    const payload = structValue(d, payloadFc);
    streams[dsc]![cpu]!.write(erc, ts, ctx ?? null, payload, spec ?? null);
    const scopes = [`{ cpu_id = ${cpu} }`];
    if (ctxFc) scopes.push(bt2Value(ctxFc, ctx));
    if (erc.specificContextFieldClass) scopes.push(bt2Value(erc.specificContextFieldClass, spec));
    scopes.push(bt2Value(payloadFc, payload));
    out.push({
      tsNs: ts,
      line: `[${ts.toString().padStart(20, '0')}] ${erc.name}: ${scopes.join(', ')}`,
      values: { ctx, spec, payload },
    });
  }
  w.close();
  return out;
}
