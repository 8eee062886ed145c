/**
 * Writes the committed fixture test/data/view/kernel-callstack/kernel: a small kernel trace
 * (env `domain = "kernel"`, LTTng's kernel layout) whose events carry LTTng's `callstack_kernel`
 * context (`_callstack_kernel_length` + a sequence of 64-bit hexadecimal addresses), with
 * addresses chosen in the committed `kallsyms` beside it: functions, `__pfx_` padding, repeated
 * names (unique names with `{@anchor}`), module symbols, and addresses no symbol covers.
 * test/view/kernel-symbols.test.ts regenerates it and checks that it equals the committed files.
 */
import * as fs from 'node:fs';
import {
  dynamicLengthArray,
  fixedLengthInteger,
  nullTerminatedString,
} from '../../src/ctf/model/field-class.js';
import { fieldLocation } from '../../src/ctf/model/field-location.js';
import { createDirectorySink } from '../../src/ctf/writer/trace-sink.js';
import { createTraceWriter } from '../../src/ctf/writer/trace-writer.js';

const s32 = fixedLengthInteger({ lengthBits: 32, signed: true, alignmentBits: 8 });
const u32 = fixedLengthInteger({ lengthBits: 32, alignmentBits: 8 });
const u64hex = fixedLengthInteger({ lengthBits: 64, alignmentBits: 8, preferredDisplayBase: 16 });

/** The stacks of the fixture's events, innermost frame first (as the kernel gives them). */
export const FIXTURE_STACKS: readonly (readonly bigint[])[] = [
  [0xffffffff81000200n, 0xffffffff81000401n, 0xffffffff81000610n],
  [],
  [0xffffffff81000115n, 0xffffffff81000545n, 0xffffffff81000499n, 0xffffffff81000510n],
  // Padding before a function, a module's symbols, an address past the last one of its module,
  // below every symbol, past _etext.
  [0xffffffff81000108n, 0xffffffffc0001010n, 0xffffffffc0001210n, 0xffffffffc0002008n],
  [0xffffffffc0002104n, 0xffffffff80000000n, 0xffffffff81000805n, 0xffffffffc0002100n],
  [0xffffffff81000200n, 0xffffffff81000401n, 0xffffffff81000710n, 0xffffffff81000610n],
];

export function writeCallstackFixture(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const w = createTraceWriter({
    sink: createDirectorySink(dir, fs),
    uuid: Uint8Array.from([
      0x6b, 0x1e, 0x0c, 0x55, 0x02, 0x7a, 0x4d, 0x31, 0x9a, 0x4f, 0x10, 0x2c, 0x8e, 0x61, 0x3d, 0x07,
    ]),
    clock: { offsetNs: 1_700_000_000_000_000_000n },
    environment: {
      hostname: 'fixture',
      domain: 'kernel',
      sysname: 'Linux',
      tracer_name: 'lttng-modules',
      tracer_major: 2,
      tracer_minor: 13,
      tracer_patchlevel: 0,
    },
    dataStreamClasses: [
      {
        name: 'channel0',
        eventHeader: 'compact',
        commonContext: {
          tid: s32,
          _callstack_kernel_length: u32,
          callstack_kernel: dynamicLengthArray(
            u64hex,
            fieldLocation('event-record-common-context', '_callstack_kernel_length'),
          ),
        },
      },
    ],
  });
  w.addEventRecordClass(0, { name: 'sched_switch', payload: { prev_tid: s32, next_tid: s32 } });
  w.addEventRecordClass(0, { name: 'syscall_entry_openat', payload: { filename: nullTerminatedString() } });
  const streams = [0, 1].map((cpu) => w.createStream(0, { instanceId: cpu }));
  const sw = streams.map((s) => s.emitter('sched_switch'));
  const open = streams.map((s) => s.emitter('syscall_entry_openat'));
  FIXTURE_STACKS.forEach((stack, i) => {
    const cpu = i % 2;
    const ts = 1_000_000_000 + i * 1500;
    if (i % 3 === 2) open[cpu]!(0, ts, 100 + i, stack, '/etc/hostname');
    else sw[cpu]!(0, ts, 100 + i, stack, 100 + i, 200 + i);
  });
  for (const s of streams) s.close();
  w.close();
}
