/**
 * How an ftrace event becomes the event LTTng's kernel tracer would have recorded
 * (lttng.md §4; lttng-modules `include/instrumentation/events/*.h`): its LTTng name, its fields'
 * LTTng names and CTF classes, and where each value comes from in the ftrace record. Decided
 * once per event class; decoders and serializers are compiled from this plan.
 *
 * Rules, in order:
 * - Names: the ftrace event name (no system prefix), except LTTng's `*_MAP` renames (softirq ->
 *   `irq_softirq_*`, hrtimer -> `timer_hrtimer_*`, kmem -> `kmem_*`, x86 vectors ->
 *   `x86_irq_vectors_*`, ...). Syscalls: `sys_enter_X` -> `syscall_entry_X`, `sys_exit_X` ->
 *   `syscall_exit_X`.
 * - `common_*` fields are dropped (the tid is a context, the CPU is the stream's).
 * - `sched` events: thread ids are `tid` in LTTng (`pid` -> `tid`, `prev_pid` -> `prev_tid`, ...)
 *   and priorities are `prio - 100` (MAX_RT_PRIO), as lttng-modules records them.
 * - `sched_process_fork` gains LTTng's `parent_pid` and `child_pid` (thread group ids), which
 *   ftrace does not record: the consumer's task tracker supplies them.
 * - Syscall arguments take the type their C declaration names (`int dfd` -> 32-bit signed;
 *   pointers -> 64-bit hexadecimal), not ftrace's 8-byte slot; the value is the slot truncated,
 *   as the syscall ABI passes it. A string argument is a string when the format file carries the
 *   user string (`__<arg>_val`, Linux 6.19+), else the user address.
 * - Every other field keeps its name; its class follows the format file (`char x[N]` -> text,
 *   `__data_loc char[]` -> string, arrays -> arrays, `__data_loc T[]` -> `_x_length` + sequence).
 */
import {
  dynamicLengthArray,
  type FieldClass,
  fieldLocation,
  fixedLengthInteger,
  nullTerminatedString,
  staticLengthArray,
} from '../../ctf/model/index.js';
import { type EventFormat, type FtraceField, FtraceFieldKind } from './format-parser.js';

/** ftrace `system:event` -> LTTng record name, where lttng-modules renames (`*_MAP` macros). */
export const LTTNG_EVENT_RENAMES: Readonly<Record<string, string>> = Object.freeze({
  'irq:softirq_entry': 'irq_softirq_entry',
  'irq:softirq_exit': 'irq_softirq_exit',
  'irq:softirq_raise': 'irq_softirq_raise',
  'timer:hrtimer_init': 'timer_hrtimer_init',
  'timer:hrtimer_setup': 'timer_hrtimer_setup',
  'timer:hrtimer_start': 'timer_hrtimer_start',
  'timer:hrtimer_expire_entry': 'timer_hrtimer_expire_entry',
  'timer:hrtimer_expire_exit': 'timer_hrtimer_expire_exit',
  'timer:hrtimer_cancel': 'timer_hrtimer_cancel',
  'timer:itimer_state': 'timer_itimer_state',
  'timer:itimer_expire': 'timer_itimer_expire',
  'kmem:kmalloc': 'kmem_kmalloc',
  'kmem:kfree': 'kmem_kfree',
  'kmem:mm_page_alloc': 'kmem_mm_page_alloc',
  'kmem:mm_page_free': 'kmem_mm_page_free',
  'kmem:mm_page_free_batched': 'kmem_mm_page_free_batched',
  'kmem:mm_page_alloc_zone_locked': 'kmem_mm_page_alloc_zone_locked',
  'kmem:mm_page_pcpu_drain': 'kmem_mm_page_pcpu_drain',
  'kmem:mm_page_alloc_extfrag': 'kmem_mm_page_alloc_extfrag',
  'power:cpu_idle': 'power_cpu_idle',
  'power:cpu_frequency': 'power_cpu_frequency',
  'power:wakeup_source_activate': 'power_wakeup_source_activate',
  'power:wakeup_source_deactivate': 'power_wakeup_source_deactivate',
  'exceptions:page_fault_user': 'x86_exceptions_page_fault_user',
  'exceptions:page_fault_kernel': 'x86_exceptions_page_fault_kernel',
});

/** Systems whose events are not tracepoints a user enables by name (syscalls have `--syscall`). */
export const NON_TRACEPOINT_SYSTEMS: ReadonlySet<string> = new Set(['syscalls', 'raw_syscalls', 'ftrace']);

/** LTTng's name of a tracepoint or syscall event. */
export function lttngEventName(system: string, event: string): string {
  const renamed = LTTNG_EVENT_RENAMES[`${system}:${event}`];
  if (renamed) return renamed;
  if (system === 'irq_vectors') return `x86_irq_vectors_${event}`;
  if (system === 'syscalls') {
    if (event.startsWith('sys_enter_')) return `syscall_entry_${event.slice(10)}`;
    if (event.startsWith('sys_exit_')) return `syscall_exit_${event.slice(9)}`;
  }
  return event;
}

/** Where a field's value comes from, and how it is re-encoded. */
export const SourceKind = {
  /** Integer at `ftrace.offsetBytes` (`ftrace.sizeBytes`, `ftrace.isSigned`) -> out size/sign, plus `addend`. */
  Integer: 0,
  /** `char x[N]`: N bytes of NUL-padded text, copied as is. */
  CharArray: 1,
  /** data_loc / rel_loc / flexible `char[]`: text up to the first NUL. */
  String: 2,
  /** Static array of integers. */
  IntegerArray: 3,
  /** Element count of the sequence that follows (`_x_length`). */
  SequenceLength: 4,
  /** data_loc / rel_loc / flexible array of integers. */
  IntegerSequence: 5,
  /** Thread group id of the thread whose id is in the field `tidFieldName`: from the task tracker. */
  TgidOfTid: 6,
  /** Block events' `char rwbs[]` ("WS", "FWFS", "RA") as LTTng's RWBS_FLAG_* bit mask. */
  RwbsFlags: 7,
} as const;
export type SourceKind = (typeof SourceKind)[keyof typeof SourceKind];

export interface LayoutField {
  /** LTTng's name (TSDL adds the leading underscore). */
  readonly name: string;
  readonly fieldClass: FieldClass;
  readonly source: SourceKind;
  /** The ftrace field read (absent for tracker fields). */
  readonly ftrace?: FtraceField;
  /** Integers: size and signedness of the CTF value. Arrays: of one element. */
  readonly outSizeBytes: number;
  readonly outSigned: boolean;
  /** Added to integer values (-100 for scheduler priorities). */
  readonly addend: number;
  /** `TgidOfTid`: the ftrace field holding the thread id. */
  readonly tidFieldName?: string;
}

export interface EventLayout {
  readonly system: string;
  readonly event: string;
  /** ftrace event id (`common_type`). */
  readonly ftraceId: number;
  readonly lttngName: string;
  readonly format: EventFormat;
  readonly fields: readonly LayoutField[];
  /** Uses the task tracker (tgid of another task). */
  readonly needsTracker: boolean;
}

interface IntType {
  readonly sizeBytes: number;
  readonly signed: boolean;
  readonly hex: boolean;
}

/** The integer type a C declaration names, for syscall arguments; undefined when unknown. */
export function cIntegerType(type: string, wordSizeBytes = 8): IntType | undefined {
  const t = type
    .replace(/\b(const|volatile|__user)\b/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (t.includes('*')) return { sizeBytes: wordSizeBytes, signed: false, hex: true };
  switch (t) {
    case 'char':
    case 's8':
      return { sizeBytes: 1, signed: true, hex: false };
    case 'unsigned char':
    case 'u8':
    case 'bool':
      return { sizeBytes: 1, signed: false, hex: false };
    case 'short':
    case 's16':
      return { sizeBytes: 2, signed: true, hex: false };
    case 'unsigned short':
    case 'u16':
    case 'umode_t':
      return { sizeBytes: 2, signed: false, hex: false };
    case 'int':
    case 's32':
    case 'pid_t':
    case 'key_t':
    case 'clockid_t':
    case 'mqd_t':
    case 'rwf_t':
    case 'key_serial_t':
    case 'timer_t':
      return { sizeBytes: 4, signed: true, hex: false };
    case 'unsigned int':
    case 'unsigned':
    case 'u32':
    case '__u32':
    case 'uid_t':
    case 'gid_t':
    case 'qid_t':
    case 'old_uid_t':
    case 'old_gid_t':
      return { sizeBytes: 4, signed: false, hex: false };
    case 'long':
    case 'off_t':
    case 'loff_t':
    case 'ssize_t':
    case 'time_t':
    case '__kernel_old_time_t':
    case 's64':
    case '__s64':
    case 'long long':
    case 'clock_t':
      return { sizeBytes: 8, signed: true, hex: false };
    case 'unsigned long':
    case 'size_t':
    case 'u64':
    case '__u64':
    case 'unsigned long long':
    case 'aio_context_t':
      return { sizeBytes: wordSizeBytes, signed: false, hex: false };
    case 'cap_user_header_t':
    case 'cap_user_data_t':
      return { sizeBytes: wordSizeBytes, signed: false, hex: true };
    default:
      return undefined;
  }
}

/**
 * LTTng's `ctf_array_text`: N 8-bit UTF-8 integers, which readers print as text up to the first
 * NUL (TSDL `integer { size = 8; encoding = UTF8; } _comm[16]`).
 */
export function textArrayClass(lengthBytes: number): FieldClass {
  return staticLengthArray(
    fixedLengthInteger({ lengthBits: 8, signed: false, alignmentBits: 8, encoding: 'utf-8' }),
    lengthBytes,
  );
}

function intClass(sizeBytes: number, signed: boolean, hex: boolean): FieldClass {
  return fixedLengthInteger({
    lengthBits: sizeBytes * 8,
    signed,
    alignmentBits: 8,
    preferredDisplayBase: hex ? 16 : 10,
  });
}

const U32 = intClass(4, false, false);

const SCHED_TID_RENAMES: Readonly<Record<string, string>> = Object.freeze({
  pid: 'tid',
  old_pid: 'old_tid',
  prev_pid: 'prev_tid',
  next_pid: 'next_tid',
  parent_pid: 'parent_tid',
  child_pid: 'child_tid',
});
const SCHED_PRIO_FIELDS: ReadonlySet<string> = new Set([
  'prio',
  'prev_prio',
  'next_prio',
  'oldprio',
  'newprio',
]);

/** lttng-modules' block.h RWBS_FLAG_* bits. */
export const RwbsFlag = {
  Write: 1 << 0,
  Discard: 1 << 1,
  Read: 1 << 2,
  Rahead: 1 << 3,
  Barrier: 1 << 4,
  Sync: 1 << 5,
  Meta: 1 << 6,
  Secure: 1 << 7,
  Flush: 1 << 8,
  Fua: 1 << 9,
  Preflush: 1 << 10,
} as const;

/**
 * The kernel's `blk_fill_rwbs` text (`[F]` preflush, then the op `W`/`R`/`D`[`E`]/`F`/`N`, then
 * `F` fua, `A` readahead, `S` sync, `M` meta) as LTTng's bit mask.
 */
export function rwbsFlags(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  let v = 0;
  const at = (k: number) => (k < end ? bytes[k]! : 0);
  // A leading F is a preflush when an op letter follows it (a bare "F" is a flush op).
  if (at(i) === 0x46 && at(i + 1) !== 0 && i + 1 < end) {
    v |= RwbsFlag.Preflush;
    i++;
  }
  switch (at(i)) {
    case 0x57: // W
      v |= RwbsFlag.Write;
      i++;
      break;
    case 0x52: // R
      v |= RwbsFlag.Read;
      i++;
      break;
    case 0x44: // D, DE (secure erase)
      v |= RwbsFlag.Discard;
      i++;
      if (at(i) === 0x45) {
        v |= RwbsFlag.Secure;
        i++;
      }
      break;
    case 0x46: // F
      v |= RwbsFlag.Flush;
      i++;
      break;
    case 0x4e: // N
      i++;
      break;
  }
  for (; i < end; i++) {
    const c = bytes[i]!;
    if (c === 0) break;
    if (c === 0x46) v |= RwbsFlag.Fua;
    else if (c === 0x41) v |= RwbsFlag.Rahead;
    else if (c === 0x53) v |= RwbsFlag.Sync;
    else if (c === 0x4d) v |= RwbsFlag.Meta;
  }
  return v;
}

/** MAX_RT_PRIO: LTTng records `task->prio - MAX_RT_PRIO`. */
export const MAX_RT_PRIO = 100;

function fieldFromFormat(f: FtraceField, name: string, addend: number): LayoutField[] {
  const base = { ftrace: f, addend };
  switch (f.kind) {
    case FtraceFieldKind.Integer: {
      const hex = f.isPointer;
      return [
        {
          ...base,
          name,
          fieldClass: intClass(f.sizeBytes, f.isSigned, hex),
          source: SourceKind.Integer,
          outSizeBytes: f.sizeBytes,
          outSigned: f.isSigned,
        },
      ];
    }
    case FtraceFieldKind.CharArray:
      return [
        {
          ...base,
          name,
          fieldClass: textArrayClass(f.sizeBytes),
          source: SourceKind.CharArray,
          outSizeBytes: 1,
          outSigned: false,
        },
      ];
    case FtraceFieldKind.DataLocString:
    case FtraceFieldKind.RelLocString:
    case FtraceFieldKind.FlexString:
      return [
        {
          ...base,
          name,
          fieldClass: nullTerminatedString(),
          source: SourceKind.String,
          outSizeBytes: 1,
          outSigned: false,
        },
      ];
    case FtraceFieldKind.Array:
      return [
        {
          ...base,
          name,
          fieldClass: staticLengthArray(
            intClass(f.elementSizeBytes, f.isSigned, f.isPointer),
            f.arrayLength ?? 0,
          ),
          source: SourceKind.IntegerArray,
          outSizeBytes: f.elementSizeBytes,
          outSigned: f.isSigned,
        },
      ];
    case FtraceFieldKind.DataLocArray:
    case FtraceFieldKind.RelLocArray:
    case FtraceFieldKind.FlexArray: {
      const lengthName = `_${name}_length`;
      return [
        {
          ...base,
          name: lengthName,
          fieldClass: U32,
          source: SourceKind.SequenceLength,
          outSizeBytes: 4,
          outSigned: false,
        },
        {
          ...base,
          name,
          fieldClass: dynamicLengthArray(
            intClass(f.elementSizeBytes, f.isSigned, f.isPointer),
            fieldLocation('event-record-payload', lengthName),
          ),
          source: SourceKind.IntegerSequence,
          outSizeBytes: f.elementSizeBytes,
          outSigned: f.isSigned,
        },
      ];
    }
    default:
      // A struct by value: its bytes, as an array of u8.
      return [
        {
          ...base,
          name,
          fieldClass: staticLengthArray(intClass(1, false, true), f.sizeBytes),
          source: SourceKind.IntegerArray,
          outSizeBytes: 1,
          outSigned: false,
        },
      ];
  }
}

function syscallLayoutFields(format: EventFormat, wordSizeBytes: number): LayoutField[] {
  const out: LayoutField[] = [];
  const byName = new Map(format.fields.map((f) => [f.name, f]));
  for (const f of format.fields) {
    if (f.name === '__syscall_nr') continue;
    // User strings appended by Linux 6.19+ (`__filename_val`): they replace their pointer.
    if (/^__.*_val$/.test(f.name) && byName.has(f.name.slice(2, -4))) continue;
    const str = byName.get(`__${f.name}_val`);
    if (str && (str.kind === FtraceFieldKind.DataLocString || str.kind === FtraceFieldKind.RelLocString)) {
      out.push(...fieldFromFormat(str, f.name, 0));
      continue;
    }
    if (f.kind !== FtraceFieldKind.Integer) {
      out.push(...fieldFromFormat(f, f.name, 0));
      continue;
    }
    const t = cIntegerType(f.type, wordSizeBytes) ?? {
      sizeBytes: f.sizeBytes,
      signed: f.isSigned,
      hex: false,
    };
    const size = Math.min(t.sizeBytes, f.sizeBytes);
    out.push({
      name: f.name,
      fieldClass: intClass(size, t.signed, t.hex),
      source: SourceKind.Integer,
      ftrace: f,
      outSizeBytes: size,
      outSigned: t.signed,
      addend: 0,
    });
  }
  return out;
}

/** Builds the LTTng layout of one ftrace event from its format. */
export function buildEventLayout(format: EventFormat, o: { wordSizeBytes?: number } = {}): EventLayout {
  const word = o.wordSizeBytes ?? 8;
  const { system, name: event } = format;
  let fields: LayoutField[];
  let needsTracker = false;
  if (system === 'syscalls') {
    fields = syscallLayoutFields(format, word);
  } else if (system === 'sched') {
    fields = [];
    for (const f of format.fields) {
      const name = SCHED_TID_RENAMES[f.name] ?? f.name;
      const addend = SCHED_PRIO_FIELDS.has(f.name) && f.kind === FtraceFieldKind.Integer ? -MAX_RT_PRIO : 0;
      fields.push(...fieldFromFormat(f, name, addend));
      if (event === 'sched_process_fork' && (f.name === 'parent_pid' || f.name === 'child_pid')) {
        // LTTng's order: parent_comm, parent_tid, parent_pid, ..., child_comm, child_tid, child_pid.
        needsTracker = true;
        fields.push({
          name: f.name,
          fieldClass: intClass(4, true, false),
          source: SourceKind.TgidOfTid,
          outSizeBytes: 4,
          outSigned: true,
          addend: 0,
          tidFieldName: f.name,
        });
      }
    }
  } else if (system === 'block') {
    // lttng-modules records rwbs as a bit mask (Trace Compass tests its bits), ftrace as text.
    fields = format.fields.flatMap((f) =>
      f.name === 'rwbs' && f.kind === FtraceFieldKind.CharArray
        ? [
            {
              name: 'rwbs',
              fieldClass: intClass(4, false, false),
              source: SourceKind.RwbsFlags,
              ftrace: f,
              outSizeBytes: 4,
              outSigned: false,
              addend: 0,
            },
          ]
        : fieldFromFormat(f, f.name, 0),
    );
  } else {
    fields = format.fields.flatMap((f) => fieldFromFormat(f, f.name, 0));
  }
  return Object.freeze({
    system,
    event,
    ftraceId: format.id,
    lttngName: lttngEventName(system, event),
    format,
    fields: Object.freeze(fields.map((f) => Object.freeze(f))),
    needsTracker,
  });
}
