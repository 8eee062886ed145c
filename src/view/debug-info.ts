/**
 * `ttng view --debug-info`: babeltrace2 2.0's `flt.lttng-utils.debug-info` for binaries without
 * DWARF. Each event of a stream class whose common context has an unsigned integer `ip` and a
 * 32-bit signed `vpid` (and no `debug_info`) gets `debug_info = { bin = ..., func = ..., src = ... }`
 * after its other common context members. The addresses are mapped to binaries, per trace and
 * vpid, by the `lttng_ust_statedump:*`, `lttng_ust_lib:load/unload` and `lttng_ust_dl:dlopen`
 * events seen so far (in printing order), and to functions by the binaries' ELF `.symtab`
 * (docs/view.md). Pure: binaries are read by the caller, through a DebugInfoHost.
 */
import type { IrFieldClass, IrStreamClass } from '../ctf/reader/index.js';
import { wqstr } from '../ctf/reader/index.js';

/** What ttng needs of a binary (the CLI reads its ELF file). */
export interface DebugBinary {
  /**
   * babeltrace2's check of a build ID recorded in the trace against the file: every SHT_NOTE
   * section whose first note is a GNU build ID note holds one that starts with these bytes, and
   * there is at least one.
   */
  buildIdMatches(id: Uint8Array): boolean;
  /**
   * The `.symtab` STT_FUNC symbol with the greatest value at or below `addr` (the first of the
   * file's order among equal values), whatever its size; null when none.
   */
  nearestFunction(addr: bigint): { readonly name: string; readonly value: bigint } | null;
}

export interface DebugInfoHost {
  /** The binary at `path` (after the target prefix), or null when it cannot be read as ELF. */
  open(path: string): DebugBinary | null;
}

export interface DebugInfoOptions {
  /** `--debug-info-full-path`: the whole paths in `bin` (and `src`). */
  readonly fullPath: boolean;
  /** `--debug-info-target-prefix=DIR`: prepended to the binaries' paths from the trace. */
  readonly targetPrefix: string | null;
  readonly host: DebugInfoHost;
}

/** The three strings babeltrace2 prints (empty when unknown). */
export interface DebugInfoStrings {
  readonly bin: string;
  readonly func: string;
  readonly src: string;
}

const EMPTY: DebugInfoStrings = { bin: '', func: '', src: '' };

/** Where the common context's `ip` and `vpid` are (a compatible stream class). */
export interface DebugInfoFields {
  readonly ip: IrFieldClass;
  readonly vpid: IrFieldClass;
}

/** babeltrace2's is_event_common_ctx_dbg_info_compatible, on ttng's IR. */
export function debugInfoFieldsOf(sc: IrStreamClass): DebugInfoFields | null {
  const ctx = sc.eventCommonContext;
  if (ctx?.type !== 'struct') return null;
  let ip: IrFieldClass | null = null;
  let vpid: IrFieldClass | null = null;
  for (const m of ctx.members) {
    if (m.name === 'debug_info') return null;
    if (m.name === 'ip') ip = m.fc;
    else if (m.name === 'vpid') vpid = m.fc;
  }
  if (ip?.type !== 'int' || ip.isSigned || ip.isBool) return null;
  if (vpid?.type !== 'int' || !vpid.isSigned || vpid.isBool || vpid.size !== 32) return null;
  return { ip, vpid };
}

/** babeltrace2 handles events whose name starts with this (statedump, lib, dl). */
export const LTTNG_UST_PREFIX = 'lttng_ust';

/** The payload of an event that changes the mapping (what babeltrace2 reads of it). */
export interface StateEventPayload {
  readonly baddr: bigint | null;
  readonly memsz: bigint | null;
  /** null: the event has no `path` (dlopen before lttng-ust 2.9). */
  readonly path: string | null;
  /** null: no `is_pic` member (dlopen, lib load: always PIC). */
  readonly isPic: boolean | null;
  readonly buildId: Uint8Array | null;
}

class Bin {
  /** undefined: not opened yet. */
  file: DebugBinary | null | undefined = undefined;
  buildId: Uint8Array | null = null;
  buildIdMatches = false;

  constructor(
    readonly elfPath: string,
    readonly low: bigint,
    readonly high: bigint,
    readonly isPic: boolean,
  ) {}
}

class Proc {
  /** By base address, in insertion order (babeltrace2 walks a hash table: see docs/view.md). */
  readonly bins = new Map<bigint, Bin>();
  /** babeltrace2's ip_to_debug_info_src: emptied by a statedump start only. */
  readonly byIp = new Map<bigint, DebugInfoStrings>();
}

/** g_build_filename(prefix, path): one separator between them. */
export function joinTargetPrefix(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '') return prefix;
  const p = prefix.replace(/\/+$/, '');
  return `${p}/${path.replace(/^\/+/, '')}`;
}

/** babeltrace2's get_filename_from_path: after the last `/`, unless the path ends with one. */
export function shortPath(path: string): string {
  if (path === '' || path.endsWith('/')) return path;
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** `%#0" PRIx64`: `0x` then hex digits, but `0` alone for zero. */
function hexAlt(v: bigint): string {
  return v === 0n ? '0' : `0x${v.toString(16)}`;
}

/**
 * The debug-info state of one trace: created inactive (every event gets empty strings) and
 * activated by its first `lttng_ust*` event, like babeltrace2's per-trace debug_info.
 */
export class TraceDebugInfo {
  private active = false;
  private readonly procs = new Map<number, Proc>();
  private readonly files = new Map<string, DebugBinary | null>();

  constructor(private readonly opts: DebugInfoOptions) {}

  private proc(vpid: number): Proc {
    let p = this.procs.get(vpid);
    if (!p) {
      p = new Proc();
      this.procs.set(vpid, p);
    }
    return p;
  }

  private open(bin: Bin): DebugBinary | null {
    if (bin.file === undefined) {
      let f = this.files.get(bin.elfPath);
      if (f === undefined) {
        f = this.opts.host.open(bin.elfPath);
        this.files.set(bin.elfPath, f);
      }
      bin.file = f;
    }
    return bin.file;
  }

  /** An `lttng_ust*` event (before the event itself is annotated). */
  onStateEvent(name: string, vpid: number, pl: StateEventPayload): void {
    this.active = true;
    switch (name) {
      case 'lttng_ust_statedump:bin_info':
        this.binInfo(vpid, pl, true);
        return;
      case 'lttng_ust_dl:dlopen':
      case 'lttng_ust_lib:load':
        this.binInfo(vpid, pl, false);
        return;
      case 'lttng_ust_statedump:start': {
        const p = this.proc(vpid);
        p.bins.clear();
        p.byIp.clear();
        return;
      }
      case 'lttng_ust_statedump:build_id': {
        if (pl.baddr === null || pl.buildId === null) return;
        const bin = this.proc(vpid).bins.get(pl.baddr);
        if (!bin) return;
        bin.buildId = pl.buildId;
        const f = this.open(bin);
        bin.buildIdMatches = f?.buildIdMatches(pl.buildId) ?? false;
        return;
      }
      case 'lttng_ust_lib:unload':
        if (pl.baddr !== null) this.procs.get(vpid)?.bins.delete(pl.baddr);
        return;
      default:
        // lttng_ust_statedump:debug_link only leads babeltrace2 to DWARF, which ttng does not read.
        return;
    }
  }

  private binInfo(vpid: number, pl: StateEventPayload, hasPicField: boolean): void {
    if (pl.memsz === null || pl.baddr === null) return;
    // memsz 0: the vDSO.
    if (pl.memsz === 0n) return;
    if (pl.path === null) return;
    const isPic = hasPicField ? pl.isPic === true : true;
    const p = this.proc(vpid);
    if (p.bins.has(pl.baddr)) return;
    const path =
      this.opts.targetPrefix !== null ? joinTargetPrefix(this.opts.targetPrefix, pl.path) : pl.path;
    const high = BigInt.asUintN(64, pl.baddr + pl.memsz);
    p.bins.set(pl.baddr, new Bin(path, pl.baddr, high, isPic));
  }

  /** The strings of an event of a compatible stream class. */
  resolve(vpid: number, ip: bigint): DebugInfoStrings {
    if (!this.active) return EMPTY;
    const p = this.proc(vpid);
    const hit = p.byIp.get(ip);
    if (hit) return hit;
    for (const bin of p.bins.values()) {
      if (ip < bin.low || ip >= bin.high) continue;
      const s = this.source(bin, ip);
      if (s !== null) p.byIp.set(ip, s);
      return s ?? EMPTY;
    }
    return EMPTY;
  }

  /** babeltrace2's debug_info_source_create_from_bin, without DWARF (null: its failure). */
  private source(bin: Bin, ip: bigint): DebugInfoStrings | null {
    // A build ID that does not match the file (or no file to match): no information at all.
    if (bin.buildId !== null && !bin.buildIdMatches) return null;
    const addr = bin.isPic ? ip - bin.low : ip;
    let func = '';
    const f = this.open(bin);
    if (f !== null) {
      const sym = f.nearestFunction(addr);
      if (sym !== null) func = `${sym.name}+${hexAlt(addr - sym.value)}`;
    }
    const loc = bin.isPic ? `+${hexAlt(addr)}` : `@${hexAlt(ip)}`;
    const path = this.opts.fullPath ? bin.elfPath : shortPath(bin.elfPath);
    return { bin: `${path}${loc}`, func, src: '' };
  }
}

/** JSON output: a copy of the common context object with `debug_info` last. */
export function withDebugInfo(ctx: Record<string, unknown>, s: DebugInfoStrings): Record<string, unknown> {
  return { ...ctx, debug_info: { bin: s.bin, func: s.func, src: s.src } };
}

/** An unsigned integer from the values decoder (number or bigint), or null. */
export function valueToBig(v: unknown): bigint | null {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return null;
}

/** JSON output: the payload object of an `lttng_ust*` event as babeltrace2 reads it. */
export function payloadFromValues(pl: unknown): StateEventPayload {
  const o = pl !== null && typeof pl === 'object' ? (pl as Record<string, unknown>) : {};
  const id = o.build_id;
  let buildId: Uint8Array | null = null;
  if (Array.isArray(id)) buildId = Uint8Array.from(id.map((x) => Number(x) & 0xff));
  const pic = valueToBig(o.is_pic);
  return {
    baddr: valueToBig(o.baddr),
    memsz: valueToBig(o.memsz),
    path: typeof o.path === 'string' ? o.path : null,
    isPic: 'is_pic' in o ? pic === 1n : null,
    buildId,
  };
}

// ---- text output: the compiled lines capture ip, vpid and the state events' payloads ----

/** Indexes in the event object's caps (TextLineScope.captures, endMark). */
export const CAP = {
  /** Offset from the line's start just after the common context's text. */
  end: 0,
  ip: 1,
  vpid: 3,
  baddr: 4,
  memsz: 6,
  isPic: 8,
  /** Two slots: LTTng's `_build_id_length` is 64-bit. */
  buildIdLength: 9,
  buildId: 11,
  /** strs index of `path`. */
  path: 0,
} as const;

/** What TextSink compiles for an event record class of a compatible stream class. */
export interface TextPlan {
  readonly common: { readonly captures: ReadonlyMap<IrFieldClass, number>; readonly endMark: number };
  readonly payload: ReadonlyMap<IrFieldClass, number> | null;
  /** Run for every event of the class, in printing order: the bytes to insert. */
  readonly insertion: (caps: Float64Array, strs: readonly string[]) => Uint8Array;
}

const encoder = new TextEncoder();

/** Appends `"s"` with babeltrace2's escapes (the reader's string printer). */
function quoted(parts: number[], s: string): void {
  const b = encoder.encode(s);
  const out = new Uint8Array(b.length * 4 + 2);
  const n = wqstr(out, 0, b, 0, b.length);
  for (let i = 0; i < n; i++) parts.push(out[i]!);
}

function ascii(parts: number[], s: string): void {
  for (let i = 0; i < s.length; i++) parts.push(s.charCodeAt(i));
}

function u64At(caps: Float64Array, k: number, fc: IrFieldClass): bigint {
  if (fc.type !== 'int' && fc.type !== 'enum') return 0n;
  if (fc.size <= 32) return BigInt.asUintN(64, BigInt(caps[k]!));
  return (BigInt(caps[k]! >>> 0) << 32n) | BigInt(caps[k + 1]! >>> 0);
}

/** Per-trace states and per-class plans of the text output. */
export class DebugInfoText {
  private readonly traces = new Map<unknown, TraceDebugInfo>();
  /** The bytes printed for each distinct result (the strings and the names option). */
  private readonly bytes = new Map<DebugInfoStrings, Uint8Array>();

  constructor(
    private readonly opts: DebugInfoOptions,
    private readonly printNames: boolean,
  ) {}

  stateOf(trace: unknown): TraceDebugInfo {
    let t = this.traces.get(trace);
    if (!t) {
      t = new TraceDebugInfo(this.opts);
      this.traces.set(trace, t);
    }
    return t;
  }

  /** The plan of an event record class, or null when its stream class is not compatible. */
  plan(trace: unknown, sc: IrStreamClass, name: string, payload: IrFieldClass | null): TextPlan | null {
    const f = debugInfoFieldsOf(sc);
    if (f === null) return null;
    const state = this.stateOf(trace);
    const common = {
      captures: new Map<IrFieldClass, number>([
        [f.ip, CAP.ip],
        [f.vpid, CAP.vpid],
      ]),
      endMark: CAP.end,
    };
    const ip = f.ip;
    const isState = name.startsWith(LTTNG_UST_PREFIX);
    const members = new Map<string, IrFieldClass>();
    if (isState && payload?.type === 'struct') for (const m of payload.members) members.set(m.name, m.fc);
    const pcap = new Map<IrFieldClass, number>();
    const baddr = members.get('baddr');
    const memsz = members.get('memsz');
    const isPic = members.get('is_pic');
    const path = members.get('path');
    const buildId = members.get('build_id');
    const intOf = (fc: IrFieldClass | undefined): fc is IrFieldClass & { type: 'int' | 'enum' } =>
      fc?.type === 'int' || fc?.type === 'enum';
    if (intOf(baddr)) pcap.set(baddr, CAP.baddr);
    if (intOf(memsz)) pcap.set(memsz, CAP.memsz);
    if (intOf(isPic) && isPic.size <= 32) pcap.set(isPic, CAP.isPic);
    if (path?.type === 'string') pcap.set(path, CAP.path);
    let idOk = false;
    const elem = buildId?.type === 'sequence' ? buildId.elem : undefined;
    const length = buildId?.type === 'sequence' ? (buildId.lengthFc ?? undefined) : undefined;
    if (intOf(length) && intOf(elem) && elem.size <= 32) {
      pcap.set(length, CAP.buildIdLength);
      pcap.set(elem, CAP.buildId);
      idOk = true;
    }
    const insertion = (caps: Float64Array, strs: readonly string[]): Uint8Array => {
      const vpid = caps[CAP.vpid]!;
      if (isState) {
        let id: Uint8Array | null = null;
        if (idOk) {
          const n = Math.min(Number(u64At(caps, CAP.buildIdLength, length!)), caps.length - CAP.buildId);
          id = Uint8Array.from(caps.subarray(CAP.buildId, CAP.buildId + Math.max(0, n)));
        }
        state.onStateEvent(name, vpid, {
          baddr: intOf(baddr) ? u64At(caps, CAP.baddr, baddr) : null,
          memsz: intOf(memsz) ? u64At(caps, CAP.memsz, memsz) : null,
          path: path?.type === 'string' ? (strs[CAP.path] ?? '') : null,
          isPic: intOf(isPic) ? caps[CAP.isPic] === 1 : null,
          buildId: id,
        });
      }
      return this.text(state.resolve(vpid, u64At(caps, CAP.ip, ip)));
    };
    return { common, payload: isState ? pcap : null, insertion };
  }

  private text(s: DebugInfoStrings): Uint8Array {
    let b = this.bytes.get(s);
    if (b) return b;
    const n = this.printNames;
    const parts: number[] = [];
    ascii(parts, n ? ', debug_info = { bin = ' : ', { ');
    quoted(parts, s.bin);
    ascii(parts, n ? ', func = ' : ', ');
    quoted(parts, s.func);
    ascii(parts, n ? ', src = ' : ', ');
    quoted(parts, s.src);
    ascii(parts, ' }');
    b = Uint8Array.from(parts);
    this.bytes.set(s, b);
    return b;
  }
}
