/**
 * Writes benchmark traces with ttng's CTF writer, in LTTng's layouts:
 *
 * - `ust`: per-UID user space trace, large event headers, three channel contexts (`vpid`,
 *   `vtid`, `procname`), events with an integer and a string payload field, 4 per-CPU streams;
 * - `kernel`: kernel trace, compact event headers, `cpu_id` packet context, scheduler-like events
 *   (`sched_switch`, `sched_wakeup`) and syscalls with integers and short strings, 4 CPUs.
 *
 * Used by bench/view/view.bench.ts (cached under a temp dir) and by tests (small traces).
 */
import * as fs from 'node:fs';
import {
  dynamicLengthArray,
  fixedLengthFloatingPointNumber,
  fixedLengthInteger,
  nullTerminatedString,
  staticLengthArray,
  structureOf,
  variantFromEnumeration,
} from '../../src/ctf/model/field-class.js';
import { fieldLocation } from '../../src/ctf/model/field-location.js';
import { createDirectorySink } from '../../src/ctf/writer/trace-sink.js';
import { createTraceWriter } from '../../src/ctf/writer/trace-writer.js';

const u8 = fixedLengthInteger({ lengthBits: 8, alignmentBits: 8 });
const s32 = fixedLengthInteger({ lengthBits: 32, signed: true, alignmentBits: 8 });
const s64 = fixedLengthInteger({ lengthBits: 64, signed: true, alignmentBits: 8 });
const u32hex = fixedLengthInteger({ lengthBits: 32, alignmentBits: 8, preferredDisplayBase: 16 });
const str = nullTerminatedString();
const comm = staticLengthArray(
  fixedLengthInteger({ lengthBits: 8, alignmentBits: 8, encoding: 'utf-8' }),
  16,
);

const UUID = Uint8Array.from([
  0x2a, 0x64, 0x22, 0xd0, 0x6c, 0xee, 0x11, 0xe0, 0x8c, 0x08, 0xcb, 0x07, 0xd7, 0xb3, 0xa5, 0x64,
]);

/** Deterministic pseudo-random numbers (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

const WORDS = ['hello', 'world', 'request', 'GET /index.html', 'db.query', '', 'cache miss', 'tick'];

/**
 * Writes a user-space-layout trace of `events` events under `dir`. Consecutive events are
 * `1 + (random % tsSpreadNs)` ns apart, or `random % tsSpreadNs` with `ties` (events of
 * different streams at the same time: the muxer's tie-breaking).
 */
export function writeUstTrace(
  dir: string,
  events: number,
  cpus = 4,
  opts: { tsSpreadNs?: number; ties?: boolean } = {},
): void {
  const spread = opts.tsSpreadNs ?? 2000;
  const minStep = opts.ties ? 0 : 1;
  fs.mkdirSync(dir, { recursive: true });
  const w = createTraceWriter({
    sink: createDirectorySink(dir, fs),
    uuid: UUID,
    clock: { offsetNs: 1_700_000_000_000_000_000n },
    environment: {
      hostname: 'benchhost',
      domain: 'ust',
      tracer_name: 'lttng-ust',
      tracer_major: 2,
      tracer_minor: 13,
      tracer_patchlevel: 0,
    },
    dataStreamClasses: [
      { name: 'channel0', eventHeader: 'large', commonContext: { vpid: s32, vtid: s32, procname: str } },
    ],
  });
  w.addEventRecordClass(0, { name: 'app:request', logLevel: 'INFO', payload: { value: s64, text: str } });
  w.addEventRecordClass(0, { name: 'app:tick', logLevel: 'DEBUG', payload: { count: s32, where: str } });
  const streams = Array.from({ length: cpus }, (_, i) => w.createStream(0, { instanceId: i }));
  const emitA = streams.map((s) => s.emitter('app:request'));
  const emitB = streams.map((s) => s.emitter('app:tick'));
  const r = rng(42);
  let ts = 1_000_000_000;
  for (let i = 0; i < events; i++) {
    ts += minStep + (r() % spread);
    const cpu = r() % cpus;
    const hi = Math.floor(ts / 4294967296);
    const lo = ts % 4294967296;
    const tid = 1000 + (r() % 8);
    if (r() % 4 === 0) emitB[cpu]!(hi, lo, 4242, tid, 'bench-app', r() % 1000, WORDS[r() % WORDS.length]);
    else emitA[cpu]!(hi, lo, 4242, tid, 'bench-app', r() * 977, WORDS[r() % WORDS.length]);
  }
  for (const s of streams) s.close();
  w.close();
}

/** Writes a kernel-layout trace of `events` events under `dir`. */
export function writeKernelTrace(dir: string, events: number, cpus = 4): void {
  fs.mkdirSync(dir, { recursive: true });
  const w = createTraceWriter({
    sink: createDirectorySink(dir, fs),
    uuid: UUID.map((b, i) => (i === 0 ? 0x3b : b)),
    clock: { offsetNs: 1_700_000_000_000_000_000n },
    environment: {
      hostname: 'benchhost',
      domain: 'kernel',
      sysname: 'Linux',
      tracer_name: 'lttng-modules',
      tracer_major: 2,
      tracer_minor: 13,
      tracer_patchlevel: 0,
    },
    dataStreamClasses: [{ name: 'channel0', eventHeader: 'compact' }],
  });
  w.addEventRecordClass(0, {
    name: 'sched_switch',
    payload: {
      prev_comm: comm,
      prev_tid: s32,
      prev_prio: s32,
      prev_state: s64,
      next_comm: comm,
      next_tid: s32,
      next_prio: s32,
    },
  });
  w.addEventRecordClass(0, { name: 'sched_wakeup', payload: { comm, tid: s32, prio: s32, target_cpu: s32 } });
  w.addEventRecordClass(0, {
    name: 'syscall_entry_openat',
    payload: { dfd: s32, filename: str, flags: s32, mode: u8 },
  });
  w.addEventRecordClass(0, { name: 'syscall_exit_openat', payload: { ret: s64 } });
  w.addEventRecordClass(0, { name: 'irq_handler_entry', payload: { irq: s32, name: str, handler: u32hex } });
  const streams = Array.from({ length: cpus }, (_, i) => w.createStream(0, { instanceId: i }));
  const names = ['swapper/0', 'bash', 'node', 'kworker/1:2', 'systemd'];
  const files = ['/etc/passwd', '/usr/lib/libc.so.6', '', '/proc/self/stat'];
  const e = streams.map((s) => ({
    sw: s.emitter('sched_switch'),
    wk: s.emitter('sched_wakeup'),
    en: s.emitter('syscall_entry_openat'),
    ex: s.emitter('syscall_exit_openat'),
    irq: s.emitter('irq_handler_entry'),
  }));
  const r = rng(7);
  let ts = 1_000_000_000;
  for (let i = 0; i < events; i++) {
    ts += 1 + (r() % 3000);
    const hi = Math.floor(ts / 4294967296);
    const lo = ts % 4294967296;
    const s = e[r() % cpus]!;
    switch (r() % 5) {
      case 0:
        s.sw(hi, lo, names[r() % 5], r() % 5000, 120, r() % 2, names[r() % 5], r() % 5000, 120);
        break;
      case 1:
        s.wk(hi, lo, names[r() % 5], r() % 5000, 120, r() % 4);
        break;
      case 2:
        s.en(hi, lo, -100, files[r() % 4], 0x80000, 0);
        break;
      case 3:
        s.ex(hi, lo, r() % 64);
        break;
      default:
        s.irq(hi, lo, r() % 64, 'eth0', r());
        break;
    }
  }
  for (const s of streams) s.close();
  w.close();
}

/**
 * A big-endian trace with plain-text TSDL metadata and no index, whose events use enumerations,
 * floats, sequences, variants, nested structures and 64-bit values (fuzz corpus, tests).
 */
export function writeRichTrace(dir: string, events: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const be = 'be' as const;
  const sel = fixedLengthInteger({
    lengthBits: 8,
    byteOrder: be,
    mappings: [
      { name: 'NUM', ranges: [{ lower: 0n, upper: 0n }] },
      { name: 'TEXT', ranges: [{ lower: 1n, upper: 1n }] },
    ],
  });
  const len = fixedLengthInteger({ lengthBits: 16, byteOrder: be });
  const u64 = fixedLengthInteger({ lengthBits: 64, byteOrder: be, preferredDisplayBase: 16 });
  const i13 = fixedLengthInteger({ lengthBits: 13, signed: true, byteOrder: be, alignmentBits: 1 });
  const f64 = fixedLengthFloatingPointNumber({ lengthBits: 64, byteOrder: be });
  const f32 = fixedLengthFloatingPointNumber({ lengthBits: 32, byteOrder: be });
  const w = createTraceWriter({
    sink: createDirectorySink(dir, fs),
    uuid: UUID.map((b, i) => (i === 0 ? 0x4c : b)),
    byteOrder: be,
    metadata: 'tsdl-text',
    index: false,
    packetSizeBytes: 4096,
    environment: { hostname: 'rich', domain: 'ust', tracer_name: 'ttng', tracer_major: 0, tracer_minor: 1 },
  });
  w.addEventRecordClass(0, {
    name: 'rich:event',
    payload: {
      kind: sel,
      value: variantFromEnumeration(sel, fieldLocation('event-record-payload', 'kind'), [
        { name: 'NUM', fieldClass: f64 },
        { name: 'TEXT', fieldClass: str },
      ]),
      n: len,
      samples: dynamicLengthArray(i13, fieldLocation('event-record-payload', 'n')),
      big: u64,
      ratio: f32,
      pair: structureOf({ a: i13, b: str }),
    },
  });
  const s = w.createStream(0);
  const r = rng(99);
  let ts = 5_000_000;
  for (let i = 0; i < events; i++) {
    ts += 1 + (r() % 100000);
    const k = r() % 2;
    const n = r() % 4;
    s.write('rich:event', ts, null, {
      kind: k,
      value: k === 0 ? (r() % 100000) / 7 : WORDS[r() % WORDS.length],
      samples: Array.from({ length: n }, () => (r() % 8192) - 4096),
      big: (BigInt(r()) << 32n) | BigInt(r()),
      ratio: Math.fround((r() % 1000) / 3),
      pair: { a: (r() % 8192) - 4096, b: WORDS[r() % WORDS.length] },
    });
  }
  s.close();
  w.close();
}
