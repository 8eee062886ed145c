/**
 * `ttng view --debug-info` only adds: for any combination of the view's options, on the
 * committed LTTng-UST fixtures, taking the `debug_info` member out of each line gives the output
 * without the option, byte for byte (text, names on or off), and the same objects (JSON); and the
 * member's strings do not depend on the other options.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadViewSymbols, nodeReaderHost, parseViewArgs } from '../../src/cli/commands/view.js';
import { runView } from '../../src/view/run-view.js';
import { REPO_ROOT } from '../helpers/paths.js';

const D = join(REPO_ROOT, 'test/data/view/debug-info');

// --debug-info's ELF readers are imported on demand (the CLI's run() does the same).
await loadViewSymbols();

function render(args: string[]): string {
  const { inputs, options } = parseViewArgs(args);
  const chunks: Buffer[] = [];
  runView(nodeReaderHost, inputs, options, {
    write: (b) => chunks.push(Buffer.from(b)),
    warn: () => {},
  });
  return Buffer.concat(chunks).toString('latin1');
}

/** The inserted member, with or without names (the strings hold no `"`: plain paths and symbols). */
const MEMBER = /, (debug_info = )?\{ (bin = )?"[^"]*", (func = )?"[^"]*", (src = )?"[^"]*" \}(?= \})/g;

test('--debug-info adds a member and changes nothing else (any options, text and JSON)', () => {
  const opt = fc.record({
    trace: fc.constantFrom('nodebug', 'debug', 'nobuildid'),
    names: fc.constantFrom(
      [],
      ['--names=none'],
      ['--names=all'],
      ['--names=context'],
      ['--names=payload,scope'],
    ),
    fields: fc.constantFrom([], ['--fields=all'], ['--fields=trace,loglevel']),
    clock: fc.constantFrom(
      [],
      ['--clock-seconds'],
      ['--clock-cycles', '--no-delta'],
      ['--clock-gmt', '--clock-date'],
    ),
    dbg: fc.constantFrom(
      ['--debug-info'],
      ['--debug-info-full-path'],
      [`--debug-info-target-prefix=${join(D, 'root')}`],
      [`--debug-info-target-prefix=${join(D, 'root')}`, '--debug-info-full-path'],
    ),
    json: fc.boolean(),
  });
  fc.assert(
    fc.property(opt, (o) => {
      const trace = join(D, 'traces', o.trace);
      if (o.json) {
        const plain = render(['--output-format=json', trace]).trimEnd().split('\n');
        const dbg = render(['--output-format=json', ...o.dbg, trace])
          .trimEnd()
          .split('\n');
        assert.equal(dbg.length, plain.length);
        dbg.forEach((l, i) => {
          const x = JSON.parse(l) as { common_context: Record<string, unknown> };
          assert.deepEqual(Object.keys(x.common_context.debug_info as object), ['bin', 'func', 'src']);
          delete x.common_context.debug_info;
          assert.deepEqual(x, JSON.parse(plain[i]!));
        });
        return;
      }
      const base = [...o.names, ...o.fields, ...o.clock];
      const plain = render([...base, trace]);
      const dbg = render([...base, ...o.dbg, trace]);
      const members = dbg.match(MEMBER) ?? [];
      assert.equal(members.length, plain.split('\n').length - 1);
      assert.equal(dbg.replace(MEMBER, ''), plain);
    }),
    { numRuns: 25 },
  );
});
