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
import { babeltrace2Path } from '../../helpers/paths.js';
import { drawFrom, writeRandomTrace } from '../../helpers/random-trace.js';

const BT2 = babeltrace2Path();
const SCHEMAS_PER_TRACE = 50;
const TRACES = 4;

test(`${SCHEMAS_PER_TRACE * TRACES} random schemas written by ttng are read back exactly by babeltrace2`, {
  skip: BT2 === null ? 'babeltrace2 is not installed (CI installs it)' : false,
  timeout: 120_000,
}, () => {
  let runs = 0;
  fc.assert(
    fc.property(fc.gen(), (g) => {
      const dir = fs.mkdtempSync(join(tmpdir(), 'ttng-bt2-prop-'));
      const written = writeRandomTrace(dir, drawFrom(g, { asciiStrings: true }), {
        eventRecordClasses: SCHEMAS_PER_TRACE,
        metadata: { tsdlTextOneIn: 4 },
        drawIndex: false,
      });
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
