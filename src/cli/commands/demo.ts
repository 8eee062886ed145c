/**
 * `ttng demo [DIR]`: a real recording, shown. `ttng record` traces examples/demo-app.js (its own
 * `demo:*` tracepoints and Node's `node:http_*` events: the program sends HTTP requests to
 * itself) with the user-space tracer, always, and the kernel (sched_switch and a few syscalls of
 * that program) into the same session directory when this process may use tracefs (root); then
 * the merged trace is printed with `ttng view` (or babeltrace2), shortened, with a count and the
 * path. `ttng demo --sample` writes instead a small trace with the CTF writer API alone (every
 * field kind; no tracer involved), the example of docs/writing-traces.md. `npm run demo` runs it.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { TtngError } from '../../errors.js';
import { Tracefs } from '../../sources/kernel/tracefs.js';
import { UsageError } from '../errors.js';

export const summary = 'Record a small Node program (and the kernel, as root) and show the merged trace';

export const usage = `Usage: ttng demo [OPTIONS] [DIR]

Records examples/demo-app.js with \`ttng record\` into the session directory DIR (default: a new
directory under the system's temporary directory): the program's own tracepoints (demo:*) and
Node's HTTP events (node:http_*: it sends HTTP requests to itself) with ttng's user-space
tracer, always; and, when this process may use tracefs (root), the kernel's sched_switch and the
program's getppid, connect, accept4, writev and shutdown system calls, in the same session.
Then prints part of the merged trace with \`ttng view\` (or babeltrace2 when \`ttng view\` is not
available), from the program's first event on, the number of events, and where the trace is.

Options:
      --rounds N   HTTP requests the program sends to itself (default 5)
      --lines N    events printed (default 30; 0 for all)
      --sample     write the writer-only sample trace instead (every CTF field kind, made with
                   the CTF writer API, no tracer) and print all of it
      --no-view    record (or write) the trace only
  -h, --help       this help

Exit status: 0 done, 1 the recording failed, 2 bad usage.`;

/** TtngError code: the example program is not next to this command (an installed package). */
export const DEMO_NO_EXAMPLE = 'TTNG_E_CLI_DEMO_NO_EXAMPLE';

const CLI_MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
/** The example program: examples/ at the root of the checkout (dist/src/cli/commands/ -> root). */
export const DEMO_APP = fileURLToPath(new URL('../../../../examples/demo-app.js', import.meta.url));
const USERSPACE_EVENTS = 'demo:*,node:http_*';
const KERNEL_ARGS = [
  '-k',
  'sched_switch',
  '--syscall',
  'getppid,connect,accept4,writev,shutdown',
  '--only-command',
  '--no-statedump',
];

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

/** Why the kernel cannot be recorded here (tracefs's own sentence), or undefined when it can. */
export function kernelUnavailable(): string | undefined {
  try {
    Tracefs.open();
    return undefined;
  } catch (e) {
    if (e instanceof TtngError) return e.message;
    throw e;
  }
}

function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function quote(a: string): string {
  return /^[\w./:=,+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** Prints a trace: `ttng view` when it is there and works, else babeltrace2; all of it or part. */
function show(traceDir: string, o: { fromEvent?: string; lines: number }): void {
  const viewers: { name: string; argv: string[] }[] = [];
  if (fs.existsSync(new URL('./view.js', import.meta.url))) {
    viewers.push({ name: 'ttng view', argv: [process.execPath, CLI_MAIN, 'view', traceDir] });
  }
  viewers.push({ name: 'babeltrace2', argv: ['babeltrace2', traceDir] });
  for (const v of viewers) {
    const r = spawnSync(v.argv[0]!, v.argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.error) continue; // not installed
    if (r.status !== 0) {
      process.stderr.write(`ttng demo: \`${v.name}\` failed (exit ${r.status}): ${r.stderr.trim()}\n`);
      continue;
    }
    const lines = r.stdout.split('\n').filter((l) => l.length > 0);
    const from = o.fromEvent
      ? Math.max(
          0,
          lines.findIndex((l) => l.includes(` ${o.fromEvent}: `)),
        )
      : 0;
    const shown = o.lines > 0 ? lines.slice(from, from + o.lines) : lines.slice(from);
    const where =
      from > 0 ? ` (from ${o.fromEvent} on, ${shown.length} of ${count(lines.length)} events)` : '';
    process.stdout.write(`\n$ ${v.name} ${traceDir}${where}\n`);
    if (r.stderr) process.stderr.write(r.stderr);
    process.stdout.write(`${shown.join('\n')}\n`);
    if (from + shown.length < lines.length || from > 0) {
      // LTTng's kernel event names have no colon; user-space ones are provider:event.
      let user = 0;
      for (const l of lines) if (/^\[[^\]]*\] \([^)]*\) \S+ [^\s:]+:[^\s:]+: /.test(l)) user++;
      const split =
        user > 0 && user < lines.length
          ? `: ${count(lines.length - user)} kernel, ${count(user)} user space`
          : '';
      process.stdout.write(`... ${count(lines.length)} events in all${split}\n`);
    }
    return;
  }
  process.stdout.write(
    '\nNeither `ttng view` nor babeltrace2 is available to print it; install babeltrace2 (apt-get install babeltrace2).\n',
  );
}

function positiveInt(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name}: "${v}" is not a non-negative integer`);
  return Number(v);
}

export async function run(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args,
      options: {
        'no-view': { type: 'boolean' },
        sample: { type: 'boolean' },
        rounds: { type: 'string' },
        lines: { type: 'string' },
      },
      allowPositionals: true,
    });
  }
  try {
    parsed = parse();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (parsed.positionals.length > 1) throw new UsageError('give at most one directory');
  const rounds = positiveInt('rounds', v.rounds, 5);
  const lines = positiveInt('lines', v.lines, 30);
  if (v.sample && (v.rounds !== undefined || v.lines !== undefined)) {
    throw new UsageError('--rounds and --lines are for the recording, not --sample');
  }
  const dir = parsed.positionals[0]
    ? resolve(parsed.positionals[0])
    : fs.mkdtempSync(join(tmpdir(), 'ttng-demo-'));

  if (v.sample) {
    const traceDir = writeDemoTrace(dir);
    if (!v['no-view']) show(traceDir, { lines: 0 });
    process.stdout.write(`\nTrace written to ${traceDir}\n`);
    return 0;
  }

  if (!fs.existsSync(DEMO_APP)) {
    throw new TtngError(
      DEMO_NO_EXAMPLE,
      `the demo program ${DEMO_APP} is missing: run the demo from a checkout of ttng (it is not in the npm package), or try \`ttng demo --sample\``,
    );
  }
  const noKernel = kernelUnavailable();
  if (noKernel) {
    process.stdout.write(
      `Kernel events are left out: ${noKernel}. Recording the Node program only (user space).\n`,
    );
  }
  const app = relative(process.cwd(), DEMO_APP);
  const recordArgs = [
    'record',
    ...(noKernel ? [] : KERNEL_ARGS),
    '-u',
    USERSPACE_EVENTS,
    '-o',
    dir,
    '--',
    process.execPath,
    app.startsWith('..') ? DEMO_APP : app,
    String(rounds),
  ];
  process.stdout.write(`$ ttng ${recordArgs.map(quote).join(' ')}\n`);
  const r = spawnSync(process.execPath, [CLI_MAIN, ...recordArgs], { stdio: 'inherit' });
  if (r.status !== 0) {
    throw new TtngError(
      'TTNG_E_CLI_DEMO_RECORD',
      `the recording failed (ttng record exit ${r.status ?? r.signal}); see the message above`,
    );
  }
  if (!v['no-view']) show(dir, { fromEvent: 'demo:start', lines });
  const parts = [noKernel ? undefined : 'kernel/', 'ust/pid/...'].filter(Boolean).join(' and ');
  process.stdout.write(`\nTrace: ${dir} (${parts}); the whole of it: ttng view ${dir}\n`);
  return 0;
}
