/**
 * Small deterministic traces (fixed UUIDs, clock, environment and timestamps) whose every byte is
 * checked against test/data/ctf-writer/. `TTNG_UPDATE_GOLDEN=1` rewrites the files (then review
 * the diff, and check them with babeltrace2 as the golden test does).
 */
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
} from '../../../src/ctf/model/field-class.js';
import { fieldLocation } from '../../../src/ctf/model/field-location.js';
import { lttngClockClass } from '../../../src/ctf/model/lttng-layout.js';
import { uuidFromString } from '../../../src/ctf/model/trace-class.js';
import { MemorySink } from '../../../src/ctf/writer/trace-sink.js';
import { createTraceWriter, type MetadataFormat } from '../../../src/ctf/writer/trace-writer.js';

export interface GoldenTrace {
  readonly name: string;
  readonly sink: MemorySink;
}

const TRACE_UUID = uuidFromString('2a6422d0-6cee-11e0-8c08-cb07d7b3a564');
const BOOT_ID = uuidFromString('8e5f8b0e-1f0e-4b0c-9a1b-7c6d5e4f3a2b');
/** 2025-01-01T00:00:00Z minus a 1000 s uptime, in ns. */
const OFFSET_NS = 1_735_689_600_000_000_000n - 1_000_000_000_000n;
const T0 = 1_000_000_000_000n;

const i32 = fixedLengthInteger({ lengthBits: 32, signed: true });
const u16 = fixedLengthInteger({ lengthBits: 16 });
const u64 = fixedLengthInteger({ lengthBits: 64 });
const i64 = fixedLengthInteger({ lengthBits: 64, signed: true });
const f64 = fixedLengthFloatingPointNumber({ lengthBits: 64 });

/** A user-space trace: channel contexts, every TSDL field kind, two streams, a class added late. */
export function ustTrace(metadata: MetadataFormat = 'tsdl'): GoldenTrace {
  const sink = new MemorySink();
  const w = createTraceWriter({
    sink,
    metadata,
    uuid: TRACE_UUID,
    clock: lttngClockClass({ offsetNs: OFFSET_NS, uuid: BOOT_ID }),
    packetSizeBytes: 4096,
    environment: {
      domain: 'ust',
      tracer_name: 'lttng-ust',
      tracer_major: 2,
      tracer_minor: 13,
      tracer_patchlevel: 0,
      tracer_buffering_scheme: 'pid',
      tracer_buffering_id: 4242,
      architecture_bit_width: 64,
      trace_name: 'golden',
      trace_creation_datetime: '20250101T000000+0000',
      hostname: 'golden-host',
      vpid: 4242,
      procname: 'node',
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
    name: 'myapp:request',
    logLevel: 'INFO',
    payload: { url: nullTerminatedString(), status: u16, bytes: u64, ratio: f64 },
  });
  const tick = w.addEventRecordClass(0, { name: 'myapp:tick', logLevel: 'DEBUG_LINE', payload: { n: i64 } });
  const state = fixedLengthInteger({
    lengthBits: 8,
    mappings: [
      { name: 'IDLE', ranges: [{ lower: 0n, upper: 0n }] },
      { name: 'BUSY', ranges: [{ lower: 1n, upper: 9n }] },
      { name: 'NUMBER', ranges: [{ lower: 10n, upper: 10n }] },
      { name: 'TEXT', ranges: [{ lower: 11n, upper: 11n }] },
    ],
  });
  const kinds = w.addEventRecordClass(0, {
    name: 'myapp:kinds',
    logLevel: 'WARNING',
    payload: structure([
      { name: 'state', fieldClass: state },
      { name: 'hex', fieldClass: fixedLengthInteger({ lengthBits: 32, preferredDisplayBase: 16 }) },
      {
        name: 'oct',
        fieldClass: fixedLengthInteger({
          lengthBits: 12,
          signed: true,
          preferredDisplayBase: 8,
          alignmentBits: 1,
        }),
      },
      {
        name: 'bin',
        fieldClass: fixedLengthInteger({ lengthBits: 5, preferredDisplayBase: 2, alignmentBits: 1 }),
      },
      {
        name: 'net',
        fieldClass: fixedLengthInteger({ lengthBits: 32, byteOrder: 'be', preferredDisplayBase: 16 }),
      },
      { name: 'f', fieldClass: fixedLengthFloatingPointNumber({ lengthBits: 32 }) },
      { name: 'comm', fieldClass: staticLengthString(16) },
      { name: '_seq_length', fieldClass: fixedLengthInteger({ lengthBits: 8 }) },
      {
        name: 'seq',
        fieldClass: dynamicLengthArray(u16, fieldLocation('event-record-payload', '_seq_length')),
      },
      { name: '_msg_length', fieldClass: fixedLengthInteger({ lengthBits: 32 }) },
      { name: 'msg', fieldClass: dynamicLengthString(fieldLocation('event-record-payload', '_msg_length')) },
      { name: 'arr', fieldClass: staticLengthArray(i32, 3) },
      { name: 'point', fieldClass: structureOf({ x: i32, y: i32 }) },
      {
        name: 'v',
        fieldClass: variantFromEnumeration(state, fieldLocation('event-record-payload', 'state'), [
          { name: 'NUMBER', fieldClass: i64 },
          { name: 'TEXT', fieldClass: nullTerminatedString() },
          { name: 'IDLE', fieldClass: structure([]) },
          { name: 'BUSY', fieldClass: u16 },
        ]),
      },
    ]),
  });
  const s0 = w.createStream(0, { instanceId: 0 });
  const s1 = w.createStream(0, { instanceId: 1 });
  const ctx0 = { vpid: 4242, vtid: 4242, procname: 'node' };
  const ctx1 = { vpid: 4242, vtid: 4250, procname: 'worker' };
  let t = T0;
  for (let i = 0; i < 60; i++) {
    s0.write(request, (t += 1500n), ctx0, {
      url: `/index/${i}`,
      status: i % 7 === 0 ? 404 : 200,
      bytes: BigInt(i) * 1_000_000_000_000n,
      ratio: i / 8,
    });
    if (i % 10 === 0) s1.write(tick, (t += 7n), ctx1, { n: -i });
  }
  s1.write(kinds, (t += 1n << 32n), ctx1, {
    state: 'NUMBER',
    hex: 0xdeadbeef,
    oct: -5,
    bin: 0b10110,
    net: 0x0a000001,
    f: 0.5,
    comm: 'swapper/0',
    seq: [1, 2, 65535],
    msg: 'héllo',
    arr: [-1, 0, 1],
    point: { x: 3, y: -4 },
    v: -9_007_199_254_740_993n,
  });
  s1.write(kinds, (t += 3n), ctx1, {
    state: 11,
    hex: 0,
    oct: 2047,
    bin: 31,
    net: 1,
    f: -1e-10,
    comm: 'sixteen-bytes-ok',
    seq: [],
    msg: 'tab\there',
    arr: [7, 8, 9],
    point: { x: 0, y: 0 },
    v: 'a "quoted" \\ string',
  });
  w.flush();
  // Registered after packets were written: its metadata is appended.
  const late = w.addEventRecordClass(0, { name: 'myapp:late', logLevel: 'ERR', payload: { code: i32 } });
  s0.write(late, (t += 1000n), ctx0, { code: 1 });
  w.close();
  return { name: metadata === 'ctf2' ? 'ust-ctf2' : 'ust', sink };
}

/** A kernel-like trace: compact headers, 40 classes (ids past 30 use the extended header), 2 CPUs. */
export function kernelTrace(): GoldenTrace {
  const sink = new MemorySink();
  const w = createTraceWriter({
    sink,
    uuid: uuidFromString('5b1f3c9e-0d7a-4e61-a2f4-7b8c9d0e1f20'),
    clock: lttngClockClass({ offsetNs: OFFSET_NS, uuid: BOOT_ID }),
    packetSizeBytes: 4096,
    environment: {
      hostname: 'golden-host',
      domain: 'kernel',
      sysname: 'Linux',
      kernel_release: '6.1.0-golden',
      kernel_version: '#1 SMP',
      tracer_name: 'lttng-modules',
      tracer_major: 2,
      tracer_minor: 13,
      tracer_patchlevel: 0,
      trace_buffering_scheme: 'global',
    },
    dataStreamClasses: [{ name: 'channel0', eventHeader: 'compact' }],
  });
  const comm = staticLengthString(16);
  const classes = [
    w.addEventRecordClass(0, {
      name: 'sched_switch',
      payload: {
        prev_comm: comm,
        prev_tid: i32,
        prev_prio: i32,
        prev_state: i64,
        next_comm: comm,
        next_tid: i32,
        next_prio: i32,
      },
    }),
  ];
  for (let i = 1; i < 40; i++) {
    classes.push(w.addEventRecordClass(0, { name: `syscall_entry_nr${i}`, payload: { nr: i32, arg: u64 } }));
  }
  const cpus = [w.createStream(0, { instanceId: 0 }), w.createStream(0, { instanceId: 1 })];
  let t = T0;
  for (let i = 0; i < 200; i++) {
    const cpu = cpus[i % 2]!;
    const erc = classes[(i * 7) % classes.length]!;
    t += i % 50 === 49 ? 1n << 28n : 333n;
    if (erc.name === 'sched_switch') {
      cpu.write(erc, t, null, {
        prev_comm: 'swapper/0',
        prev_tid: 0,
        prev_prio: 20,
        prev_state: 0,
        next_comm: 'bash',
        next_tid: 1234 + i,
        next_prio: 20,
      });
    } else {
      cpu.write(erc, t, null, { nr: i, arg: BigInt(i) << 40n });
    }
  }
  w.close();
  return { name: 'kernel', sink };
}

/** Big-endian trace with natural alignment and bit-packed fields. */
export function beNaturalTrace(): GoldenTrace {
  const sink = new MemorySink();
  const w = createTraceWriter({
    sink,
    uuid: uuidFromString('0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9'),
    clock: lttngClockClass({ offsetNs: OFFSET_NS, uuid: BOOT_ID }),
    byteOrder: 'be',
    alignment: 'natural',
    packetSizeBytes: 4096,
    environment: { hostname: 'golden-host', domain: 'ust' },
  });
  const bits = (n: number, signed = false) =>
    fixedLengthInteger({ lengthBits: n, signed, byteOrder: 'be', alignmentBits: 1 });
  const e = w.addEventRecordClass(0, {
    name: 'bits:packed',
    payload: {
      a: bits(3),
      b: bits(13, true),
      c: bits(1),
      d: fixedLengthInteger({ lengthBits: 64, byteOrder: 'be', alignmentBits: 64 }),
      e: bits(7),
      f: fixedLengthFloatingPointNumber({ lengthBits: 64, byteOrder: 'be', alignmentBits: 64 }),
      g: fixedLengthInteger({ lengthBits: 16, byteOrder: 'be', alignmentBits: 16 }),
    },
  });
  const s = w.createStream(0);
  for (let i = 0; i < 5; i++) {
    s.write(e, T0 + BigInt(i) * 10n, null, {
      a: i,
      b: -i * 100,
      c: i & 1,
      d: BigInt(i) << 60n,
      e: 100 + i,
      f: i * 1.25,
      g: 0xabc0 + i,
    });
  }
  w.close();
  return { name: 'be-natural', sink };
}

export function allGoldenTraces(): GoldenTrace[] {
  return [ustTrace(), ustTrace('ctf2'), kernelTrace(), beNaturalTrace()];
}
