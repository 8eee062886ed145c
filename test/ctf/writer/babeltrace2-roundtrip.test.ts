/**
 * Acceptance 1 of issue 2: random schemas (every field class kind TSDL expresses, nested, both
 * byte orders, odd sizes and alignments) with random values, written by ttng and read by the real
 * babeltrace2: exit 0, nothing on stderr, and every line prints exactly the values written.
 *
 * Each fast-check run writes one trace of 50 event record classes (two channels: compact headers
 * with ids past 30, and large headers; random channel contexts; two streams each) and reads it
 * with one babeltrace2 process; 4 runs = 200 schemas per `npm test`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import type { EventRecordClass } from '../../../src/ctf/model/event-record-class.js';
import { type StructureClass, structure } from '../../../src/ctf/model/field-class.js';
import { createDirectorySink } from '../../../src/ctf/writer/trace-sink.js';
import { createTraceWriter, type StreamWriter } from '../../../src/ctf/writer/trace-writer.js';
import { babeltrace2Path } from '../../helpers/paths.js';
import { bt2Value } from './bt2-text.js';
import { type Draw, type SchemaContext, struct, structValue } from './random-schema.js';

const BT2 = babeltrace2Path();
const SCHEMAS_PER_TRACE = 50;
const TRACES = 4;

function drawFrom(g: fc.GeneratorValue): Draw {
  return {
    int: (min, max) => g(fc.integer, { min, max }),
    bigint: (min, max) => g(fc.bigInt, { min, max }),
    double: () => g(fc.double),
    string: (maxLength) =>
      g(() =>
        fc.oneof(
          fc.string({ unit: 'binary', minLength: 1, maxLength }),
          fc.string({ minLength: 1, maxLength }),
          fc.constantFrom('q\'?"\\\n\t\u0001\u007f\u001b'),
        ),
      ).replace(/\0/g, '') || 'x',
  };
}

interface Written {
  tsNs: bigint;
  line: string;
  /** The values given to the writer, for debugging a difference. */
  values: unknown;
}

function writeRandomTrace(dir: string, d: Draw): Written[] {
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
    metadata: d.int(0, 3) === 0 ? 'tsdl-text' : 'tsdl',
    dataStreamClasses: [
      { eventHeader: 'compact', ...(contexts[0] ? { commonContext: contexts[0] } : {}) },
      { eventHeader: 'large', ...(contexts[1] ? { commonContext: contexts[1] } : {}) },
    ],
  });
  const streams: StreamWriter[][] = [0, 1].map((dsc) =>
    [0, 1].map((cpu) => w.createStream(dsc, { instanceId: cpu })),
  );
  const classes: { erc: EventRecordClass; dsc: number }[] = [];
  for (let i = 0; i < SCHEMAS_PER_TRACE; i++) {
    // Most on the compact channel, so ids pass 30 and need the extended header.
    const dsc = d.int(0, 9) < 7 ? 0 : 1;
    const specific = d.int(0, 4) === 0 ? struct(c, 2, 3, 'event-record-specific-context', []) : undefined;
    const payload = struct(c, 3, 5, 'event-record-payload', []);
    const erc = w.addEventRecordClass(dsc, {
      name: `prov${i}:event_${i}`,
      logLevel: d.int(0, 14),
      payload,
      ...(specific ? { specificContext: specific } : {}),
    });
    classes.push({ erc, dsc });
  }
  // Events in time order, spread over the streams; gaps cross the 27- and 32-bit boundaries.
  const out: Written[] = [];
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

test(`${SCHEMAS_PER_TRACE * TRACES} random schemas written by ttng are read back exactly by babeltrace2`, {
  skip: BT2 === null ? 'babeltrace2 is not installed (CI installs it)' : false,
  timeout: 120_000,
}, () => {
  let runs = 0;
  fc.assert(
    fc.property(fc.gen(), (g) => {
      const dir = fs.mkdtempSync(join(tmpdir(), 'ttng-bt2-prop-'));
      const written = writeRandomTrace(dir, drawFrom(g));
      // Kept next to the trace when something differs, to diff by hand.
      fs.writeFileSync(`${dir}.expected.txt`, written.map((x) => `${x.line}\n`).join(''));
      fs.writeFileSync(
        `${dir}.values.txt`,
        written
          .map((x) => `${JSON.stringify(x.values, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}\n`)
          .join(''),
      );
      const r = spawnSync(BT2!, ['--clock-cycles', '--no-delta', dir], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      assert.equal(r.stderr, '', `babeltrace2 wrote on stderr (trace kept in ${dir})`);
      assert.equal(r.status, 0, `babeltrace2 exited with ${r.status} (trace kept in ${dir})`);
      const lines = r.stdout.split('\n').slice(0, -1);
      const expected = written.map((x) => x.line);
      for (let i = 0; i < Math.max(lines.length, expected.length); i++) {
        assert.equal(lines[i], expected[i], `line ${i + 1} differs (trace kept in ${dir})`);
      }
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(`${dir}.expected.txt`, { force: true });
      fs.rmSync(`${dir}.values.txt`, { force: true });
      runs++;
    }),
    { numRuns: TRACES, endOnFailure: true },
  );
  assert.equal(runs, TRACES);
});
