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
import { runView } from '../../src/view/run-view.js';
import { babeltrace2Path } from '../helpers/paths.js';
import { drawFrom, writeRandomTrace } from '../helpers/random-trace.js';

/** The view test's draws: binary and escape-heavy strings, TSDL text one trace in 3, random index files. */
function expectedLines(dir: string, g: fc.GeneratorValue, classes: number, ctf2 = false): string[] {
  return writeRandomTrace(dir, drawFrom(g, { asciiStrings: false }), {
    eventRecordClasses: classes,
    metadata: ctf2 ? 'ctf2' : { tsdlTextOneIn: 3 },
    drawIndex: true,
  }).map((x) => x.line);
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
            check(dir, expectedLines(dir, g, 30, ctf2));
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
        expectedLines(dir, g, 40);
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
