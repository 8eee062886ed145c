/** Shared by the kernel tests: fixture paths, page decoding, and the kernel's text output parsed. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import {
  compileValuesDecoder,
  type EventValues,
  type ValuesDecoder,
} from '../../../src/sources/kernel/event-decoder.js';
import {
  type EventFormat,
  type HeaderPage,
  parseEventFormat,
  parseHeaderPage,
} from '../../../src/sources/kernel/format-parser.js';
import { KBUFFER_END, KBUFFER_RECORD, KBuffer } from '../../../src/sources/kernel/kbuffer.js';
import { buildEventLayout } from '../../../src/sources/kernel/lttng-layout.js';
import { Tracefs } from '../../../src/sources/kernel/tracefs.js';
import { sweepStaleInstances } from '../../../src/sources/kernel/tracefs-instance.js';
import { sweepStaleUprobes } from '../../../src/sources/kernel/uprobes.js';
import { REPO_ROOT } from '../../helpers/paths.js';

export const KERNEL_DATA = join(REPO_ROOT, 'test/data/kernel');

/** Every saved format file, parsed (the system is the file name's first part). */
export function savedFormats(): EventFormat[] {
  const dir = join(KERNEL_DATA, 'formats');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.format'))
    .map((f) =>
      parseEventFormat(readFileSync(join(dir, f), 'latin1'), { system: f.split('.')[0]!, source: f }),
    );
}

export interface DecodedRecord {
  readonly cpuId: number;
  readonly ts: bigint;
  readonly id: number;
  readonly commonPid: number;
  readonly name: string;
  readonly lttngName: string;
  readonly values: EventValues;
  readonly pageIndex: number;
}

export interface DecodedPages {
  readonly records: DecodedRecord[];
  /** Per page: [hasMissedEvents, missedEvents]. */
  readonly missed: [boolean, number][];
  readonly errors: number[];
}

/** Decodes concatenated sub-buffers with the given formats (unknown ids are skipped). */
export function decodePages(
  pages: Uint8Array,
  subbufSize: number,
  headerPage: HeaderPage,
  formats: readonly EventFormat[],
  cpuId = 0,
): DecodedPages {
  const decoders = new Map<number, { d: ValuesDecoder; f: EventFormat }>();
  for (const f of formats)
    decoders.set(f.id, { d: compileValuesDecoder(buildEventLayout(f), { littleEndian: true }), f });
  const kb = new KBuffer(headerPage, { littleEndian: true });
  const records: DecodedRecord[] = [];
  const missed: [boolean, number][] = [];
  const errors: number[] = [];
  const tasks = { tgidOf: (tid: number) => tid };
  for (let i = 0; i * subbufSize < pages.length; i++) {
    const page = pages.subarray(i * subbufSize, (i + 1) * subbufSize);
    const st = kb.loadPage(page, page.length);
    if (st !== KBUFFER_RECORD) {
      errors.push(st);
      continue;
    }
    missed.push([kb.hasMissedEvents, kb.missedEvents]);
    for (;;) {
      const r = kb.next();
      if (r === KBUFFER_END) break;
      if (r !== KBUFFER_RECORD) {
        errors.push(r);
        break;
      }
      const view = kb.view;
      const id = view.getUint16(kb.payloadOffset, true);
      const x = decoders.get(id);
      const values = x ? x.d.newValues() : {};
      if (x) x.d.decode(page, view, kb.payloadOffset, kb.payloadLength, values, tasks);
      records.push({
        cpuId,
        ts: kb.tsBigInt,
        id,
        commonPid: view.getInt32(kb.payloadOffset + 4, true),
        name: x?.f.name ?? `#${id}`,
        lttngName: x?.d.layout.lttngName ?? `#${id}`,
        values,
        pageIndex: i,
      });
    }
  }
  return { records, missed, errors };
}

export function savedHeaderPage(): HeaderPage {
  return parseHeaderPage(readFileSync(join(KERNEL_DATA, 'formats/header_page'), 'latin1'));
}

/** One line of the kernel's `trace` text. */
export interface TextRecord {
  readonly comm: string;
  readonly pid: number;
  readonly cpuId: number;
  readonly ts: bigint;
  /** What follows the time stamp: `sched_switch: prev_comm=...`, `sys_openat(...)`. */
  readonly body: string;
}

const TEXT_LINE = /^\s*(.*)-(\d+)\s+\[(\d{3})\]\s+\S+\s+(\d+): (.*)$/;

/** Parses `per_cpu/cpuN/trace` text taken with a raw clock (x86-tsc or counter). */
export function parseTraceText(text: string): TextRecord[] {
  const out: TextRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = TEXT_LINE.exec(line);
    if (!m) {
      // Continuation of a multi-line record (a marker with a newline inside): append.
      const last = out.pop();
      if (last) out.push({ ...last, body: `${last.body}\n${line}` });
      continue;
    }
    out.push({ comm: m[1]!.trim(), pid: Number(m[2]), cpuId: Number(m[3]), ts: BigInt(m[4]!), body: m[5]! });
  }
  return out;
}

/** TASK_* state letters as sched_switch prints them -> the prev_state value. */
export function prevStateFromText(s: string): number {
  const preempted = s.endsWith('+');
  const letters = preempted ? s.slice(0, -1) : s;
  let v = 0;
  const bits: Record<string, number> = { S: 1, D: 2, T: 4, t: 8, X: 16, Z: 32, P: 64, I: 128 };
  if (letters !== 'R') for (const part of letters.split('|')) v |= bits[part] ?? 0;
  return v | (preempted ? 0x100 : 0);
}

const s32 = (x: bigint) => Number(BigInt.asIntN(32, x));
const s64 = (x: bigint) => BigInt.asIntN(64, x);

/**
 * The fields the kernel's text shows for the events the tests record, in ttng's LTTng names and
 * values (prio - 100, tids, syscall argument types), or undefined for an event it does not know.
 */
export function expectedFromText(
  t: TextRecord,
): { lttngName: string; fields: Record<string, string | number | bigint> } | undefined {
  let m: RegExpExecArray | null;
  const b = t.body;
  if (
    (m =
      /^sched_switch: prev_comm=(.*) prev_pid=(\d+) prev_prio=(-?\d+) prev_state=(\S+) ==> next_comm=(.*) next_pid=(\d+) next_prio=(-?\d+)$/.exec(
        b,
      ))
  ) {
    return {
      lttngName: 'sched_switch',
      fields: {
        prev_comm: m[1]!,
        prev_tid: Number(m[2]),
        prev_prio: Number(m[3]) - 100,
        prev_state: prevStateFromText(m[4]!),
        next_comm: m[5]!,
        next_tid: Number(m[6]),
        next_prio: Number(m[7]) - 100,
      },
    };
  }
  if ((m = /^sched_waking: comm=(.*) pid=(\d+) prio=(-?\d+) target_cpu=(\d+)$/.exec(b))) {
    return {
      lttngName: 'sched_waking',
      fields: { comm: m[1]!, tid: Number(m[2]), prio: Number(m[3]) - 100, target_cpu: Number(m[4]) },
    };
  }
  if ((m = /^softirq_entry: vec=(\d+) \[action=\w+\]$/.exec(b))) {
    return { lttngName: 'irq_softirq_entry', fields: { vec: Number(m[1]) } };
  }
  if ((m = /^sched_process_fork: comm=(.*) pid=(\d+) child_comm=(.*) child_pid=(\d+)$/.exec(b))) {
    return {
      lttngName: 'sched_process_fork',
      fields: { parent_comm: m[1]!, parent_tid: Number(m[2]), child_comm: m[3]!, child_tid: Number(m[4]) },
    };
  }
  if ((m = /^sched_process_exec: filename=(.*) pid=(\d+) old_pid=(\d+)$/.exec(b))) {
    return {
      lttngName: 'sched_process_exec',
      fields: { filename: m[1]!, tid: Number(m[2]), old_tid: Number(m[3]) },
    };
  }
  if (
    (m =
      /^sys_openat\(dfd: (?:0x)?([0-9a-f]+), filename: (?:0x)?([0-9a-f]+), flags: (?:0x)?([0-9a-f]+), mode: (?:0x)?([0-9a-f]+)\)$/.exec(
        b,
      ))
  ) {
    return {
      lttngName: 'syscall_entry_openat',
      fields: {
        dfd: s32(BigInt(`0x${m[1]}`)),
        filename: Number(BigInt(`0x${m[2]}`)),
        flags: s32(BigInt(`0x${m[3]}`)),
        mode: Number(BigInt(`0x${m[4]}`) & 0xffffn),
      },
    };
  }
  if ((m = /^sys_openat -> 0x([0-9a-f]+)$/.exec(b))) {
    const v = s64(BigInt(`0x${m[1]}`));
    return { lttngName: 'syscall_exit_openat', fields: { ret: Number(v) } };
  }
  if ((m = /^tracing_mark_write: ([\s\S]*)$/.exec(b))) {
    return { lttngName: 'print', fields: { buf: m[1]! } };
  }
  return undefined;
}

/** Why the live kernel tests cannot run here, or undefined when they can (root and tracefs). */
export function liveTracefsUnavailable(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root: tracefs needs root';
  try {
    readFileSync('/sys/kernel/tracing/events/header_page', 'latin1');
  } catch (e) {
    return `tracefs is not available at /sys/kernel/tracing (${(e as NodeJS.ErrnoException).code})`;
  }
  return undefined;
}

/** Global tracefs settings a kernel test must leave as it found them. */
export function globalTracefsState(): Record<string, string> {
  const r = (f: string) => {
    try {
      return readFileSync(join('/sys/kernel/tracing', f), 'latin1');
    } catch {
      return '';
    }
  };
  const instances = readdirSync('/sys/kernel/tracing/instances').filter((n) => n.startsWith('ttng-'));
  return {
    tracing_on: r('tracing_on'),
    trace_clock: r('trace_clock'),
    set_event: r('set_event'),
    set_event_pid: r('set_event_pid'),
    buffer_size_kb: r('buffer_size_kb'),
    'options/overwrite': r('options/overwrite'),
    uprobe_events: r('uprobe_events'),
    ttngInstances: instances.join(','),
  };
}

/** A record as a sink received it, copied. */
export interface SunkRecord {
  readonly cpuId: number;
  readonly name: string;
  readonly ts: bigint;
  readonly context: Record<string, unknown> | undefined;
  readonly values: Record<string, unknown>;
}

/** A KernelTraceSink that keeps copies of everything (tests only). */
export class CollectingSink {
  classes: readonly { name: string }[] = [];
  readonly records: SunkRecord[] = [];
  readonly discardedByCpu = new Map<number, number>();
  flushes = 0;
  begin(info: { classes: readonly { name: string }[] }): void {
    this.classes = info.classes;
  }
  record(
    cpuId: number,
    classId: number,
    tsHigh: number,
    tsLow: number,
    context: EventValues | undefined,
    payload: EventValues,
  ): void {
    this.records.push({
      cpuId,
      name: this.classes[classId]!.name,
      ts: (BigInt(tsHigh) << 32n) | BigInt(tsLow),
      context: context ? { ...context } : undefined,
      values: { ...payload },
    });
  }
  discarded(cpuId: number, count: number): void {
    this.discardedByCpu.set(cpuId, (this.discardedByCpu.get(cpuId) ?? 0) + count);
  }
  flush(): void {
    this.flushes++;
  }
}

/**
 * Removes what a failed kernel test may have left: ttng instances no live process holds, and
 * uprobe groups without their instance. Tests call it in `after`, before comparing global state.
 */
export function cleanupKernelLeftovers(): void {
  const tfs = Tracefs.open();
  sweepStaleInstances(tfs);
  sweepStaleUprobes(tfs, '');
}

/**
 * Registers, for the calling test file, the hooks that check it leaves the global tracefs state
 * (globalTracefsState) as it found it: `before` takes the state; `after` runs the file's own
 * `cleanup`, removes kernel leftovers (cleanupKernelLeftovers), then fails the file if the state
 * differs. Does nothing when the live tests are skipped (`skip` is their reason). Call it once, at
 * the top level of the file.
 */
export function checkGlobalTracefsStateKept(skip: string | undefined, cleanup?: () => void): void {
  if (skip) return;
  let globalBefore: Record<string, string>;
  before(() => {
    globalBefore = globalTracefsState();
  });
  after(() => {
    cleanup?.();
    cleanupKernelLeftovers();
    assert.deepEqual(globalTracefsState(), globalBefore, 'global tracefs state changed');
  });
}
