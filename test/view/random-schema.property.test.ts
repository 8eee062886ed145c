/**
 * Property: for random schemas (every field class kind TSDL expresses, nested, both byte orders,
 * odd sizes and alignments, compact and large LTTng headers) and random values, written by ttng's
 * CTF writer, `ttng view --clock-cycles --no-delta` prints exactly babeltrace2's line for each
 * event. The expected text comes from the writer tests' model of babeltrace2's format
 * (test/ctf/writer/bt2-text.ts, itself checked against the real babeltrace2), so this runs in
 * process without babeltrace2; one extra run compares with the real babeltrace2 when installed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { nodeReaderHost, parseViewArgs } from '../../src/cli/commands/view.js';
import type { EventRecordClass } from '../../src/ctf/model/event-record-class.js';
import { type StructureClass, structure } from '../../src/ctf/model/field-class.js';
import { createDirectorySink } from '../../src/ctf/writer/trace-sink.js';
import { createTraceWriter, type StreamWriter } from '../../src/ctf/writer/trace-writer.js';
import { runView } from '../../src/view/run-view.js';
import { bt2Value } from '../ctf/writer/bt2-text.js';
import { type Draw, type SchemaContext, struct, structValue } from '../ctf/writer/random-schema.js';
import { babeltrace2Path } from '../helpers/paths.js';

function drawFrom(g: fc.GeneratorValue): Draw {
  return {
    int: (min, max) => g(fc.integer, { min, max }),
    bigint: (min, max) => g(fc.bigInt, { min, max }),
    double: () => g(fc.double),
    string: (maxLength) =>
      g(() =>
        fc.oneof(
          fc.string({ unit: 'binary', minLength: 1, maxLength }),
          fc.constantFrom('q\'?"\\\n\t\u0001\u007f\u001b'),
        ),
      ).replace(/\0/g, '') || 'x',
  };
}

/** Writes a random trace; returns the expected lines in time order. */
function writeRandomTrace(dir: string, d: Draw, classes: number, ctf2 = false): string[] {
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
    metadata: ctf2 ? 'ctf2' : d.int(0, 2) === 0 ? 'tsdl-text' : 'tsdl',
    index: d.int(0, 1) === 0,
    dataStreamClasses: [
      { eventHeader: 'compact', ...(contexts[0] ? { commonContext: contexts[0] } : {}) },
      { eventHeader: 'large', ...(contexts[1] ? { commonContext: contexts[1] } : {}) },
    ],
  });
  const streams: StreamWriter[][] = [0, 1].map((dsc) =>
    [0, 1].map((cpu) => w.createStream(dsc, { instanceId: cpu })),
  );
  const ercs: { erc: EventRecordClass; dsc: number }[] = [];
  for (let i = 0; i < classes; i++) {
    const dsc = d.int(0, 9) < 7 ? 0 : 1;
    const specific = d.int(0, 4) === 0 ? struct(c, 2, 3, 'event-record-specific-context', []) : undefined;
    const erc = w.addEventRecordClass(dsc, {
      name: `prov${i}:event_${i}`,
      logLevel: d.int(0, 14),
      payload: struct(c, 3, 5, 'event-record-payload', []),
      ...(specific ? { specificContext: specific } : {}),
    });
    ercs.push({ erc, dsc });
  }
  const lines: string[] = [];
  let ts = d.bigint(0n, 1n << 40n);
  const events: { erc: EventRecordClass; dsc: number }[] = [];
  for (const k of ercs) for (let j = d.int(1, 3); j > 0; j--) events.push(k);
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
    lines.push(`[${ts.toString().padStart(20, '0')}] ${erc.name}: ${scopes.join(', ')}`);
  }
  w.close();
  return lines;
}

function ttngLines(dir: string): string[] {
  const { options } = parseViewArgs(['--clock-cycles', '--no-delta', dir]);
  const chunks: Buffer[] = [];
  runView(nodeReaderHost, [dir], options, { write: (b) => chunks.push(Buffer.from(b)), warn: () => {} });
  return Buffer.concat(chunks).toString('utf8').split('\n').slice(0, -1);
}

/** fast-check reports only the counterexample: this keeps the trace and says what failed. */
function check(dir: string, expected: string[]): void {
  let got: string[];
  try {
    got = ttngLines(dir);
  } catch (e) {
    fs.cpSync(dir, `${dir}-failed`, { recursive: true });
    throw new Error(`ttng view failed (trace kept in ${dir}-failed): ${(e as Error).message}`);
  }
  for (let i = 0; i < Math.max(got.length, expected.length); i++) {
    if (got[i] !== expected[i]) {
      fs.cpSync(dir, `${dir}-failed`, { recursive: true });
      throw new Error(
        `line ${i + 1} differs (trace kept in ${dir}-failed):\n  expected ${expected[i]}\n  ttng     ${got[i]}`,
      );
    }
  }
}

for (const ctf2 of [false, true]) {
  test(`random schemas and values written by ttng${ctf2 ? ' (CTF 2 metadata)' : ''}: ttng view prints babeltrace2 text`, () => {
    let failure = '';
    try {
      fc.assert(
        fc.property(fc.gen(), (g) => {
          const dir = fs.mkdtempSync(join(tmpdir(), 'ttng-view-prop-'));
          try {
            check(dir, writeRandomTrace(dir, drawFrom(g), 30, ctf2));
          } catch (e) {
            failure = (e as Error).message;
            throw e;
          } finally {
            fs.rmSync(dir, { recursive: true, force: true });
          }
        }),
        { numRuns: ctf2 ? 6 : 12, endOnFailure: true },
      );
    } catch (e) {
      assert.fail(`${failure}\n${(e as Error).message.split('\n').slice(0, 2).join('\n')}`);
    }
  });
}

const BT2 = babeltrace2Path();

test('random schemas: ttng view and the real babeltrace2 print the same bytes', {
  skip: !BT2 && 'babeltrace2 is not installed',
}, () => {
  fc.assert(
    fc.property(fc.gen(), (g) => {
      const dir = fs.mkdtempSync(join(tmpdir(), 'ttng-view-prop-'));
      try {
        writeRandomTrace(dir, drawFrom(g), 40);
        const r = spawnSync(BT2!, ['--clock-seconds', dir], {
          maxBuffer: 64 << 20,
          env: { ...process.env, TZ: 'UTC', BABELTRACE_TERM_COLOR: 'NEVER' },
        });
        assert.equal(r.status, 0, r.stderr.toString());
        const { options } = parseViewArgs(['--clock-seconds', dir]);
        const chunks: Buffer[] = [];
        runView(nodeReaderHost, [dir], options, {
          write: (b) => chunks.push(Buffer.from(b)),
          warn: () => {},
        });
        assert.ok(Buffer.concat(chunks).equals(r.stdout));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 2, endOnFailure: true },
  );
});
