/**
 * Golden tests (acceptance 2): the metadata text (TSDL and CTF 2) and every byte of a few small
 * traces are compared with test/data/ctf-writer/. The TSDL traces are also read by babeltrace2,
 * whose output is compared with the saved expected-babeltrace2.txt (exit 0, nothing on stderr).
 * `TTNG_UPDATE_GOLDEN=1` rewrites the files.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { unpacketizeMetadata } from '../../../src/ctf/writer/metadata-stream.js';
import { babeltrace2Path, REPO_ROOT } from '../../helpers/paths.js';
import { allGoldenTraces, type GoldenTrace } from './golden-traces.js';

const DATA = join(REPO_ROOT, 'test/data/ctf-writer');
const UPDATE = process.env.TTNG_UPDATE_GOLDEN === '1';
const BT2 = babeltrace2Path();

function hexDiff(a: Uint8Array, b: Uint8Array): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const hex = (x: Uint8Array) => Buffer.from(x.subarray(i, i + 16)).toString('hex');
  return `first difference at byte ${i} (sizes ${a.length} and ${b.length}): ${hex(a)} vs ${hex(b)}`;
}

function checkFile(path: string, bytes: Uint8Array | string): void {
  const data = typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes);
  if (UPDATE) {
    fs.mkdirSync(dirname(path), { recursive: true });
    fs.writeFileSync(path, data);
    return;
  }
  assert.ok(fs.existsSync(path), `${path} is missing (run with TTNG_UPDATE_GOLDEN=1 to create it)`);
  const want = fs.readFileSync(path);
  if (!want.equals(data)) assert.fail(`${path}: ${hexDiff(data, want)}`);
}

const traces = allGoldenTraces();

for (const g of traces) {
  test(`golden trace "${g.name}": every file byte for byte`, () => {
    const dir = join(DATA, g.name, 'trace');
    const written = g.sink.paths();
    if (!UPDATE) {
      const onDisk: string[] = [];
      const walk = (d: string, rel: string) => {
        for (const n of fs.readdirSync(d)) {
          const p = join(d, n);
          if (fs.statSync(p).isDirectory()) walk(p, `${rel}${n}/`);
          else onDisk.push(`${rel}${n}`);
        }
      };
      walk(dir, '');
      assert.deepEqual(written, onDisk.sort());
    }
    for (const p of written) checkFile(join(dir, p), g.sink.file(p));
  });
}

test('golden metadata text: TSDL as LTTng writes it, and CTF 2', () => {
  const ust = traces.find((t) => t.name === 'ust')!;
  checkFile(join(DATA, 'ust', 'metadata.tsdl'), unpacketizeMetadata(ust.sink.file('metadata')));
  const kernel = traces.find((t) => t.name === 'kernel')!;
  checkFile(join(DATA, 'kernel', 'metadata.tsdl'), unpacketizeMetadata(kernel.sink.file('metadata')));
  const ctf2 = traces.find((t) => t.name === 'ust-ctf2')!;
  const text = new TextDecoder().decode(ctf2.sink.file('metadata'));
  checkFile(join(DATA, 'ust-ctf2', 'metadata.json-seq'), text);
  // Every fragment is one JSON object after a record separator.
  const fragments = text.split('\u001e').slice(1);
  assert.ok(fragments.length >= 7);
  for (const f of fragments) assert.equal(typeof JSON.parse(f).type, 'string');
});

test('CTF 2 and TSDL traces of the same model have the same data streams', () => {
  const a = traces.find((t) => t.name === 'ust')!;
  const b = traces.find((t) => t.name === 'ust-ctf2')!;
  const streams = a.sink.paths().filter((p) => p !== 'metadata');
  assert.deepEqual(
    streams,
    b.sink.paths().filter((p) => p !== 'metadata'),
  );
  for (const p of streams) {
    if (p.startsWith('index/')) continue;
    // Same layout; only the packet header's UUID bytes are the same too (same trace UUID).
    assert.ok(Buffer.from(a.sink.file(p)).equals(Buffer.from(b.sink.file(p))), p);
  }
});

for (const g of traces) {
  if (g.name.endsWith('ctf2')) continue; // babeltrace2 2.0 reads CTF 1.8 only
  test(`golden trace "${g.name}" as babeltrace2 prints it`, {
    skip: BT2 === null ? 'babeltrace2 is not installed (CI installs it)' : false,
  }, () => {
    const dir = join(DATA, g.name, 'trace');
    const r = spawnSync(BT2!, ['--clock-gmt', dir], { encoding: 'utf8' });
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    checkFile(join(DATA, g.name, 'expected-babeltrace2.txt'), r.stdout);
  });
}

export type { GoldenTrace };
