/**
 * Parsers for tracefs description files: `events/<sys>/<ev>/format`, `events/header_page` and
 * `events/header_event` (ftrace-raw.md §3-5). `size` and `signed` are authoritative, never the
 * C type (syscall arguments are declared `int` but stored in 8 bytes). Errors carry the source
 * name, line and column.
 */
import { KernelError, KernelErrorCode } from './errors.js';

/** How a field's bytes are laid out in the record (decided once, from the declaration). */
export const FtraceFieldKind = {
  /** Scalar of 1, 2, 4 or 8 bytes (integers, pointers, bools, enums). */
  Integer: 0,
  /** `char name[N]`: NUL-padded text of N bytes. */
  CharArray: 1,
  /** `T name[N]`: N elements of size/N bytes. */
  Array: 2,
  /** `__data_loc char[] name`: u32 `(len << 16) | offset` from the record start; text with NUL. */
  DataLocString: 3,
  /** `__data_loc T[] name` (also `__data_loc cpumask_t`): same locator, elements of T. */
  DataLocArray: 4,
  /** `__rel_loc char[] name`: like data_loc, offset counted from the end of this field. */
  RelLocString: 5,
  RelLocArray: 6,
  /** `char name[]` with size 0: text to the end of the record. */
  FlexString: 7,
  /** `T name[]` with size 0: elements to the end of the record. */
  FlexArray: 8,
  /** A scalar of another size (a struct by value): kept as bytes. */
  Bytes: 9,
} as const;
export type FtraceFieldKind = (typeof FtraceFieldKind)[keyof typeof FtraceFieldKind];

export interface FtraceField {
  readonly name: string;
  /** The C type as declared, array suffix of the type included (`__data_loc char[]`, `const char *`). */
  readonly type: string;
  readonly kind: FtraceFieldKind;
  readonly offsetBytes: number;
  readonly sizeBytes: number;
  readonly isSigned: boolean;
  /** Static arrays: the declared element count. */
  readonly arrayLength?: number;
  /** Size of one element for arrays, data_loc and flexible arrays; `sizeBytes` for scalars. */
  readonly elementSizeBytes: number;
  /** Declared as a pointer: print in hexadecimal. */
  readonly isPointer: boolean;
}

export interface EventFormat {
  readonly system: string;
  readonly name: string;
  /** The event id: `common_type` of its records; identical in every instance. */
  readonly id: number;
  /** `common_type`, `common_flags`, `common_preempt_count`, `common_pid`. */
  readonly commonFields: readonly FtraceField[];
  readonly fields: readonly FtraceField[];
  readonly printFmt: string;
}

/** `events/header_page`: where the page header's parts are (ftrace-raw.md §3). */
export interface HeaderPage {
  readonly timestampOffsetBytes: number;
  readonly timestampSizeBytes: number;
  readonly commitOffsetBytes: number;
  /** `local_t`: the kernel's word size, 8 on 64-bit kernels, 4 on 32-bit ones. */
  readonly commitSizeBytes: number;
  readonly dataOffsetBytes: number;
  /** Data bytes per sub-buffer: sub-buffer size minus the header. */
  readonly dataSizeBytes: number;
}

/** `events/header_event`: the record header's constants (ftrace-raw.md §4). */
export interface HeaderEvent {
  readonly typeLenBits: number;
  readonly timeDeltaBits: number;
  readonly paddingType: number;
  readonly timeExtendType: number;
  readonly timeStampType: number;
  readonly dataMaxTypeLen: number;
}

function formatError(source: string, line: number, column: number, what: string): KernelError {
  return new KernelError(KernelErrorCode.Format, `${source}:${line}:${column}: ${what}`);
}

const FIELD_LINE = /^(\s*field:\s*)(.*?);\s*offset:(\d+);\s*size:(\d+);\s*signed:([01]);/;
const DECLARATION = /^(.*?)\s*\b([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[\s*(\d*)\s*\])?\s*$/;

/** Element size of a C scalar type name, when it can be known from the name alone. */
function cTypeSizeBytes(type: string, wordSizeBytes: number): number | undefined {
  const t = type
    .replace(/\b(const|volatile|signed|__user|enum\s+\w+)\b/g, (m) => (m.startsWith('enum') ? 'int' : ''))
    .replace(/\s+/g, ' ')
    .trim();
  if (t.includes('*')) return wordSizeBytes;
  switch (t) {
    case 'char':
    case 'unsigned char':
    case 'u8':
    case 's8':
    case '__u8':
    case 'bool':
    case '_Bool':
      return 1;
    case 'short':
    case 'unsigned short':
    case 'u16':
    case 's16':
    case '__u16':
    case '__be16':
    case '__le16':
    case 'umode_t':
      return 2;
    case 'int':
    case 'unsigned int':
    case 'unsigned':
    case 'u32':
    case 's32':
    case '__u32':
    case '__be32':
    case '__le32':
    case 'pid_t':
    case 'uid_t':
    case 'gid_t':
    case 'dev_t':
    case 'gfp_t':
      return 4;
    case 'long':
    case 'unsigned long':
    case 'size_t':
    case 'ssize_t':
    case 'cpumask_t':
      return wordSizeBytes;
    case 'u64':
    case 's64':
    case '__u64':
    case 'long long':
    case 'unsigned long long':
    case 'loff_t':
    case 'sector_t':
      return 8;
    default:
      return undefined;
  }
}

function isCharType(type: string): boolean {
  return /^(const\s+)?(unsigned\s+|signed\s+)?char$/.test(type.trim());
}

/**
 * Parses one field line (`\tfield:TYPE NAME;\toffset:O;\tsize:S;\tsigned:G;`). Returns undefined
 * when the line is not a field line.
 */
export function parseFieldLine(
  text: string,
  o: { source: string; line: number; wordSizeBytes?: number },
): FtraceField | undefined {
  const m = FIELD_LINE.exec(text);
  if (!m) return undefined;
  const declColumn = m[1]!.length + 1;
  const decl = m[2]!.trim();
  const d = DECLARATION.exec(decl);
  if (!d || d[2] === undefined) {
    throw formatError(o.source, o.line, declColumn, `cannot find the field name in "${decl}"`);
  }
  const type = d[1]!.trim();
  const name = d[2];
  const bracket = d[3];
  const offsetBytes = Number(m[3]);
  const sizeBytes = Number(m[4]);
  const isSigned = m[5] === '1';
  const word = o.wordSizeBytes ?? 8;
  if (!Number.isSafeInteger(offsetBytes) || !Number.isSafeInteger(sizeBytes) || offsetBytes > 0xffff) {
    throw formatError(o.source, o.line, 1, `field "${name}": offset or size out of range`);
  }
  if (type.length === 0) throw formatError(o.source, o.line, declColumn, `field "${name}" has no type`);
  const isPointer = type.includes('*');
  const base = {
    name,
    type: bracket !== undefined ? `${type}[${bracket}]` : type,
    offsetBytes,
    sizeBytes,
    isSigned,
    isPointer,
  };

  const loc = /^__(data|rel)_loc\s+(.*?)\s*(\[\s*\])?$/.exec(type);
  if (loc) {
    if (sizeBytes !== 4) {
      throw formatError(
        o.source,
        o.line,
        declColumn,
        `field "${name}": a ${loc[1]}_loc locator has 4 bytes, not ${sizeBytes}`,
      );
    }
    const elem = loc[2]!;
    const isRel = loc[1] === 'rel';
    if (isCharType(elem)) {
      return {
        ...base,
        type,
        kind: isRel ? FtraceFieldKind.RelLocString : FtraceFieldKind.DataLocString,
        elementSizeBytes: 1,
      };
    }
    // cpumask_t is a bitmap of unsigned longs; other element types by name, else bytes.
    const es = cTypeSizeBytes(elem, word) ?? 1;
    return {
      ...base,
      type,
      kind: isRel ? FtraceFieldKind.RelLocArray : FtraceFieldKind.DataLocArray,
      elementSizeBytes: es,
    };
  }
  if (bracket !== undefined) {
    const n = bracket === '' ? 0 : Number(bracket);
    if (bracket === '' || sizeBytes === 0) {
      if (isCharType(type)) return { ...base, kind: FtraceFieldKind.FlexString, elementSizeBytes: 1 };
      const es = cTypeSizeBytes(type, word) ?? 1;
      return { ...base, kind: FtraceFieldKind.FlexArray, elementSizeBytes: es };
    }
    if (n === 0 || sizeBytes % n !== 0) {
      throw formatError(
        o.source,
        o.line,
        declColumn,
        `field "${name}": size ${sizeBytes} is not a multiple of ${n} elements`,
      );
    }
    const es = sizeBytes / n;
    if (isCharType(type) && es === 1) {
      return { ...base, kind: FtraceFieldKind.CharArray, arrayLength: n, elementSizeBytes: 1 };
    }
    if (es === 1 || es === 2 || es === 4 || es === 8) {
      return { ...base, kind: FtraceFieldKind.Array, arrayLength: n, elementSizeBytes: es };
    }
    return { ...base, kind: FtraceFieldKind.Bytes, elementSizeBytes: 1 };
  }
  if (sizeBytes === 1 || sizeBytes === 2 || sizeBytes === 4 || sizeBytes === 8) {
    return { ...base, kind: FtraceFieldKind.Integer, elementSizeBytes: sizeBytes };
  }
  return { ...base, kind: FtraceFieldKind.Bytes, elementSizeBytes: 1 };
}

/**
 * Parses an event `format` file. `system` is the directory it came from (the file does not name
 * it). `source` names the file in errors.
 */
export function parseEventFormat(
  text: string,
  o: { system: string; source?: string; wordSizeBytes?: number },
): EventFormat {
  const source = o.source ?? `events/${o.system}/?/format`;
  const lines = text.split('\n');
  let name: string | undefined;
  let id: number | undefined;
  let printFmt = '';
  const commonFields: FtraceField[] = [];
  const fields: FtraceField[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    if (line.startsWith('name:')) {
      name = line.slice(5).trim();
      if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw formatError(source, lineNo, 7, `bad event name "${name}"`);
      continue;
    }
    if (line.startsWith('ID:')) {
      const v = line.slice(3).trim();
      if (!/^\d{1,5}$/.test(v) || Number(v) > 0xffff) {
        throw formatError(source, lineNo, 5, `bad event id "${v}" (a 16-bit number is expected)`);
      }
      id = Number(v);
      continue;
    }
    if (line.startsWith('print fmt:')) {
      printFmt = lines.slice(i).join('\n').slice(10).trim();
      break;
    }
    if (/^\s*field:/.test(line)) {
      const f = parseFieldLine(line, {
        source,
        line: lineNo,
        ...(o.wordSizeBytes !== undefined ? { wordSizeBytes: o.wordSizeBytes } : {}),
      });
      if (!f) throw formatError(source, lineNo, 1, 'a field line needs offset, size and signed');
      if (seen.has(f.name)) throw formatError(source, lineNo, 1, `field "${f.name}" appears twice`);
      seen.add(f.name);
      (f.name.startsWith('common_') ? commonFields : fields).push(Object.freeze(f));
      continue;
    }
    if (line.trim() === '' || line.startsWith('format:')) continue;
    throw formatError(source, lineNo, 1, `unexpected line "${line.slice(0, 60)}"`);
  }
  if (name === undefined) throw formatError(source, 1, 1, 'no "name:" line');
  if (id === undefined) throw formatError(source, 1, 1, 'no "ID:" line');
  const type = commonFields.find((f) => f.name === 'common_type');
  if (type?.offsetBytes !== 0 || type.sizeBytes !== 2) {
    throw formatError(source, 1, 1, 'no 2-byte common_type field at offset 0');
  }
  return Object.freeze({
    system: o.system,
    name,
    id,
    commonFields: Object.freeze(commonFields),
    fields: Object.freeze(fields),
    printFmt,
  });
}

/** Parses `events/header_page`. */
export function parseHeaderPage(text: string, source = 'events/header_page'): HeaderPage {
  const byName = new Map<string, FtraceField>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const f = parseFieldLine(lines[i]!, { source, line: i + 1 });
    if (f) byName.set(f.name, f);
  }
  const need = (n: string): FtraceField => {
    const f = byName.get(n);
    if (!f) throw formatError(source, 1, 1, `no "${n}" field`);
    return f;
  };
  const ts = need('timestamp');
  const commit = need('commit');
  const data = need('data');
  if (ts.sizeBytes !== 8) throw formatError(source, 1, 1, `timestamp has ${ts.sizeBytes} bytes, 8 expected`);
  if (commit.sizeBytes !== 4 && commit.sizeBytes !== 8) {
    throw formatError(source, 1, 1, `commit has ${commit.sizeBytes} bytes, 4 or 8 expected`);
  }
  if (data.offsetBytes < commit.offsetBytes + commit.sizeBytes || data.sizeBytes <= 0) {
    throw formatError(source, 1, 1, 'data must follow commit and have a size');
  }
  return Object.freeze({
    timestampOffsetBytes: ts.offsetBytes,
    timestampSizeBytes: ts.sizeBytes,
    commitOffsetBytes: commit.offsetBytes,
    commitSizeBytes: commit.sizeBytes,
    dataOffsetBytes: data.offsetBytes,
    dataSizeBytes: data.sizeBytes,
  });
}

/**
 * Parses `events/header_event` and checks it is the layout the decoder implements (every
 * kernel since 2.6.31); anything else throws `TTNG_E_KERNEL_UNSUPPORTED`.
 */
export function parseHeaderEvent(text: string, source = 'events/header_event'): HeaderEvent {
  const num = (re: RegExp, what: string): number => {
    const m = re.exec(text);
    if (!m) throw formatError(source, 1, 1, `no ${what} line`);
    return Number(m[1]);
  };
  const h: HeaderEvent = {
    typeLenBits: num(/^\s*type_len\s*:\s*(\d+)\s*bits/m, 'type_len'),
    timeDeltaBits: num(/^\s*time_delta\s*:\s*(\d+)\s*bits/m, 'time_delta'),
    paddingType: num(/^\s*padding\s*:\s*type\s*==\s*(\d+)/m, 'padding'),
    timeExtendType: num(/^\s*time_extend\s*:\s*type\s*==\s*(\d+)/m, 'time_extend'),
    timeStampType: num(/^\s*time_stamp\s*:\s*type\s*==\s*(\d+)/m, 'time_stamp'),
    dataMaxTypeLen: num(/^\s*data max type_len\s*==\s*(\d+)/m, 'data max type_len'),
  };
  if (
    h.typeLenBits !== 5 ||
    h.timeDeltaBits !== 27 ||
    h.paddingType !== 29 ||
    h.timeExtendType !== 30 ||
    h.timeStampType !== 31 ||
    h.dataMaxTypeLen !== 28
  ) {
    throw new KernelError(
      KernelErrorCode.Unsupported,
      `${source}: record header ${JSON.stringify(h)} differs from the 5/27-bit layout ttng decodes`,
    );
  }
  return Object.freeze(h);
}
