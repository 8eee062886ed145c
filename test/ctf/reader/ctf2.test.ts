/**
 * CTF 2 metadata (JSON text sequence), written by ttng's writer: read into the same trace class
 * as TSDL, printed as babeltrace2 prints the equivalent TSDL classes; CTF 2-only classes
 * (booleans, bit arrays, blobs); the unsupported ones fail with one clear error; JSON errors give
 * the line and column. (Random schemas in CTF 2 are checked in test/view/random-schema.property.test.ts.)
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { nodeReaderHost, parseViewArgs } from '../../../src/cli/commands/view.js';
import {
  dynamicLengthString,
  fixedLengthBitArray,
  fixedLengthBoolean,
  fixedLengthInteger,
  nullTerminatedString,
  staticLengthBlob,
  variableLengthInteger,
} from '../../../src/ctf/model/field-class.js';
import { fieldLocation } from '../../../src/ctf/model/field-location.js';
import { readMetadata } from '../../../src/ctf/reader/index.js';
import { createDirectorySink } from '../../../src/ctf/writer/trace-sink.js';
import { createTraceWriter } from '../../../src/ctf/writer/trace-writer.js';
import { runView } from '../../../src/view/run-view.js';

const work = fs.mkdtempSync(join(tmpdir(), 'ttng-ctf2-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

function view(dir: string, args: string[] = ['--clock-cycles']): string {
  const { options } = parseViewArgs([...args, dir]);
  const chunks: Buffer[] = [];
  runView(nodeReaderHost, [dir], options, { write: (b) => chunks.push(Buffer.from(b)), warn: () => {} });
  return Buffer.concat(chunks).toString('utf8');
}

function write(dir: string, metadata: 'ctf2' | 'tsdl'): void {
  const w = createTraceWriter({
    sink: createDirectorySink(dir, fs),
    metadata,
    uuid: new Uint8Array(16).fill(3),
    environment: { hostname: 'h' },
  });
  w.addEventRecordClass(0, {
    name: 'e',
    logLevel: 'WARNING',
    payload: {
      n: fixedLengthInteger({ lengthBits: 8 }),
      s: dynamicLengthString(fieldLocation('event-record-payload', 'n')),
      t: nullTerminatedString(),
      i: fixedLengthInteger({ lengthBits: 64, signed: true }),
    },
  });
  const st = w.createStream(0);
  st.write('e', 100, null, { s: 'abc', t: 'x', i: -(1n << 62n) });
  st.write('e', 250, null, { s: 'hello', t: 'y', i: 9007199254740993n });
  st.close();
  w.close();
}

test('a CTF 2 trace prints exactly like the same trace with TSDL metadata', () => {
  const a = join(work, 'ctf2');
  const b = join(work, 'tsdl');
  write(a, 'ctf2');
  write(b, 'tsdl');
  assert.equal(fs.readFileSync(join(a, 'metadata'))[0], 0x1e);
  for (const args of [['--clock-cycles'], ['--clock-seconds', '--fields=all', '--names=all']]) {
    const x = view(a, args);
    assert.equal(x, view(b, args));
    assert.equal(x.split('\n').length, 3);
  }
  assert.match(view(a), /i = -4611686018427387904 \}\n.*i = 9007199254740993 \}\n$/);
  const md = readMetadata(fs.readFileSync(join(a, 'metadata')), 'metadata');
  assert.equal(md.trace.format, 'ctf2');
  assert.equal(md.trace.streamClasses[0]!.eventClasses[0]!.logLevel, 4);
});

test('CTF 2 booleans, bit arrays and blobs', () => {
  const dir = join(work, 'kinds');
  const w = createTraceWriter({ sink: createDirectorySink(dir, fs), metadata: 'ctf2' });
  w.addEventRecordClass(0, {
    name: 'k',
    payload: {
      yes: fixedLengthBoolean({ lengthBits: 8 }),
      no: fixedLengthBoolean({ lengthBits: 1 }),
      bits: fixedLengthBitArray({ lengthBits: 12, alignmentBits: 8 }),
      blob: staticLengthBlob(3),
    },
  });
  const st = w.createStream(0);
  st.write('k', 1, null, { yes: true, no: false, bits: 0xabcn, blob: Uint8Array.from([1, 0xfe, 7]) });
  st.close();
  w.close();
  assert.match(
    view(dir),
    /k: \{ cpu_id = 0 \}, \{ yes = true, no = false, bits = 0xABC, blob = \[ \[0\] = 0x1, \[1\] = 0xFE, \[2\] = 0x7 \] \}\n$/,
  );
});

test('CTF 2 classes the reader does not support yet fail with one clear error', () => {
  const dir = join(work, 'varint');
  const w = createTraceWriter({ sink: createDirectorySink(dir, fs), metadata: 'ctf2' });
  w.addEventRecordClass(0, { name: 'v', payload: { x: variableLengthInteger({}) } });
  const st = w.createStream(0);
  st.write('v', 1, null, { x: 5 });
  st.close();
  w.close();
  assert.throws(
    () => view(dir),
    /metadata: CTF 2 metadata: variable-length-unsigned-integer field classes are not supported/,
  );
});

test('CTF 2 JSON errors give the line and column', () => {
  const text =
    '\u001e{"type":"preamble","version":2}\n\u001e{"type":"trace-class",\n "environment": {"a": tru}}\n';
  assert.throws(
    () => readMetadata(new TextEncoder().encode(text), 'metadata'),
    /metadata:3:\d+: CTF 2 metadata: unexpected text/,
  );
  assert.throws(
    () => readMetadata(new TextEncoder().encode('\u001e{"type":"trace-class"}\n'), 'metadata'),
    /first fragment must be the preamble/,
  );
});
