/**
 * `ttng demo [DIR]`: writes a small sample trace with the public CTF writer API (a user-space
 * trace in LTTng's per-PID layout: channel contexts, every field kind, two streams), then shows
 * it with `ttng view`, or with the real babeltrace2 when `ttng view` is not there, and says where
 * the trace is. `npm run demo` runs it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  dynamicLengthArray,
  dynamicLengthString,
  fixedLengthFloatingPointNumber,
  fixedLengthInteger,
  nullTerminatedString,
  staticLengthArray,
  staticLengthString,
  structure,
  structureOf,
  variantFromEnumeration,
} from '../../ctf/model/field-class.js';
import { fieldLocation } from '../../ctf/model/field-location.js';
import { lttngClockClass, sampleClockOffsetNs } from '../../ctf/model/lttng-layout.js';
import { uuidFromString } from '../../ctf/model/trace-class.js';
import { createDirectorySink } from '../../ctf/writer/trace-sink.js';
import { createTraceWriter } from '../../ctf/writer/trace-writer.js';
import { UsageError } from '../errors.js';

export const summary = 'Write a small sample trace and show it';

export const usage = `Usage: ttng demo [OPTIONS] [DIR]

Writes a small sample CTF trace (LTTng's user-space layout: vpid/vtid/procname contexts, every
field kind, two streams) into DIR (default: a new directory under the system's temporary
directory), then prints it with \`ttng view\` (or babeltrace2 when \`ttng view\` is not available)
and says where the trace is.

Options:
  --no-view     write the trace only
  -h, --help    this help`;

function bootId(): Uint8Array | undefined {
  try {
    return uuidFromString(fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  } catch {
    return undefined;
  }
}

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** Writes the sample trace under `dir` and returns the trace directory. */
export function writeDemoTrace(dir: string): string {
  const now = new Date();
  const pid = process.pid;
  const procname = 'ttng-demo';
  // LTTng's per-PID layout: ust/pid/<procname>-<pid>-<YYYYmmdd-HHMMSS>/
  const traceDir = join(dir, 'ust', 'pid', `${procname}-${pid}-${stamp(now)}`);
  const offsetNs = sampleClockOffsetNs(
    () => BigInt(Date.now()) * 1_000_000n,
    () => process.hrtime.bigint(),
  );
  const boot = bootId();
  const i32 = fixedLengthInteger({ lengthBits: 32, signed: true });
  const w = createTraceWriter({
    sink: createDirectorySink(traceDir, fs),
    clock: lttngClockClass({ offsetNs, ...(boot ? { uuid: boot } : {}) }),
    packetSizeBytes: 16384,
    environment: {
      hostname: hostname(),
      domain: 'ust',
      tracer_name: 'lttng-ust',
      tracer_major: 2,
      tracer_minor: 13,
      tracer_patchlevel: 0,
      tracer_buffering_scheme: 'pid',
      tracer_buffering_id: pid,
      architecture_bit_width: 64,
      trace_name: 'ttng-demo',
      trace_creation_datetime: `${stamp(now).replace('-', 'T')}+0000`,
      vpid: pid,
      procname,
      vpid_datetime: `${stamp(now).replace('-', 'T')}+0000`,
    },
    dataStreamClasses: [
      {
        name: 'channel0',
        eventHeader: 'large',
        commonContext: { vpid: i32, vtid: i32, procname: staticLengthString(17) },
      },
    ],
  });
  const request = w.addEventRecordClass(0, {
    name: 'demo:http_request',
    logLevel: 'INFO',
    payload: {
      method: nullTerminatedString(),
      url: nullTerminatedString(),
      status: fixedLengthInteger({ lengthBits: 16 }),
      bytes: fixedLengthInteger({ lengthBits: 64 }),
      duration_ms: fixedLengthFloatingPointNumber({ lengthBits: 64 }),
    },
  });
  const kind = fixedLengthInteger({
    lengthBits: 8,
    mappings: [
      { name: 'MINOR', ranges: [{ lower: 0n, upper: 0n }] },
      { name: 'MAJOR', ranges: [{ lower: 1n, upper: 1n }] },
      { name: 'INCREMENTAL', ranges: [{ lower: 2n, upper: 3n }] },
    ],
  });
  const gc = w.addEventRecordClass(0, {
    name: 'demo:gc',
    logLevel: 'DEBUG_LINE',
    payload: {
      kind,
      duration_us: fixedLengthInteger({ lengthBits: 32 }),
      flags: fixedLengthInteger({ lengthBits: 16, preferredDisplayBase: 16 }),
    },
  });
  const P = 'event-record-payload';
  const tag = fixedLengthInteger({
    lengthBits: 8,
    mappings: [
      { name: 'code', ranges: [{ lower: 0n, upper: 0n }] },
      { name: 'message', ranges: [{ lower: 1n, upper: 1n }] },
    ],
  });
  const every = w.addEventRecordClass(0, {
    name: 'demo:every_field_kind',
    logLevel: 'DEBUG',
    payload: structure([
      {
        name: 'small',
        fieldClass: fixedLengthInteger({ lengthBits: 5, alignmentBits: 1, preferredDisplayBase: 2 }),
      },
      {
        name: 'negative',
        fieldClass: fixedLengthInteger({ lengthBits: 11, signed: true, alignmentBits: 1 }),
      },
      {
        name: 'mode',
        fieldClass: fixedLengthInteger({ lengthBits: 12, alignmentBits: 1, preferredDisplayBase: 8 }),
      },
      { name: 'addr', fieldClass: fixedLengthInteger({ lengthBits: 64, preferredDisplayBase: 16 }) },
      {
        name: 'net_order',
        fieldClass: fixedLengthInteger({ lengthBits: 32, byteOrder: 'be', preferredDisplayBase: 16 }),
      },
      { name: 'ratio', fieldClass: fixedLengthFloatingPointNumber({ lengthBits: 32 }) },
      { name: 'kind', fieldClass: kind },
      { name: 'name', fieldClass: nullTerminatedString() },
      { name: 'comm', fieldClass: staticLengthString(16) },
      { name: '_samples_length', fieldClass: fixedLengthInteger({ lengthBits: 8 }) },
      {
        name: 'samples',
        fieldClass: dynamicLengthArray(
          fixedLengthInteger({ lengthBits: 16 }),
          fieldLocation(P, '_samples_length'),
        ),
      },
      { name: '_note_length', fieldClass: fixedLengthInteger({ lengthBits: 16 }) },
      { name: 'note', fieldClass: dynamicLengthString(fieldLocation(P, '_note_length')) },
      { name: 'xyz', fieldClass: staticLengthArray(i32, 3) },
      { name: 'point', fieldClass: structureOf({ x: i32, y: i32 }) },
      { name: 'tag', fieldClass: tag },
      {
        name: 'result',
        fieldClass: variantFromEnumeration(tag, fieldLocation(P, 'tag'), [
          { name: 'code', fieldClass: i32 },
          { name: 'message', fieldClass: nullTerminatedString() },
        ]),
      },
    ]),
  });
  const main = w.createStream(0, { instanceId: 0 });
  const worker = w.createStream(0, { instanceId: 1 });
  const mainCtx = { vpid: pid, vtid: pid, procname };
  const workerCtx = { vpid: pid, vtid: pid + 1, procname: 'ttng-worker' };
  const urls = ['/', '/index.html', '/api/items?id=42', '/missing'];
  let t = process.hrtime.bigint();
  const next = (ns: number) => (t += BigInt(ns));
  for (let i = 0; i < 8; i++) {
    main.write(request, next(15_000 + i * 1_000), mainCtx, {
      method: i % 3 === 0 ? 'POST' : 'GET',
      url: urls[i % urls.length]!,
      status: urls[i % urls.length] === '/missing' ? 404 : 200,
      bytes: 512 * (i + 1),
      duration_ms: 0.25 * (i + 1),
    });
    if (i % 3 === 1)
      worker.write(gc, next(2_500), workerCtx, {
        kind: i % 2 === 0 ? 'MAJOR' : 'MINOR',
        duration_us: 120 + i,
        flags: 0x10 | i,
      });
  }
  worker.write(every, next(40_000), workerCtx, {
    small: 0b10101,
    negative: -1000,
    mode: 0o644,
    addr: 0x7f32bbafb000n,
    net_order: 0x7f000001,
    ratio: 0.75,
    kind: 'INCREMENTAL',
    name: 'every field kind',
    comm: 'ttng-worker',
    samples: [3, 1, 4, 1, 5],
    note: 'dynamic-length string',
    xyz: [1, -2, 3],
    point: { x: 10, y: -20 },
    tag: 'message',
    result: 'variant selected by an enumeration',
  });
  w.close();
  return traceDir;
}

export async function run(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options: { 'no-view': { type: 'boolean' } }, allowPositionals: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (parsed.positionals.length > 1) throw new UsageError('give at most one directory');
  const dir = parsed.positionals[0]
    ? resolve(parsed.positionals[0])
    : fs.mkdtempSync(join(tmpdir(), 'ttng-demo-'));
  const traceDir = writeDemoTrace(dir);
  if (!parsed.values['no-view']) show(traceDir);
  process.stdout.write(`\nTrace written to ${traceDir}\n`);
  return 0;
}

function show(traceDir: string): void {
  const viewPath = new URL('./view.js', import.meta.url);
  if (fs.existsSync(viewPath)) {
    process.stdout.write(`$ ttng view ${traceDir}\n`);
    const r = spawnSync(
      process.execPath,
      [new URL('../main.js', import.meta.url).pathname, 'view', traceDir],
      {
        stdio: 'inherit',
      },
    );
    if (r.status === 0) return;
    process.stderr.write(`ttng demo: \`ttng view\` failed (exit ${r.status}); trying babeltrace2\n`);
  }
  const probe = spawnSync('babeltrace2', ['--version'], { stdio: 'ignore' });
  if (!probe.error) {
    process.stdout.write(`$ babeltrace2 ${traceDir}\n`);
    spawnSync('babeltrace2', [traceDir], { stdio: 'inherit' });
  } else {
    process.stdout.write(
      'Neither `ttng view` nor babeltrace2 is available to print it; install babeltrace2 (apt-get install babeltrace2).\n',
    );
  }
}
