/**
 * The fast path of the kallsyms parser as a small WebAssembly function, assembled here from
 * opcodes (no build step, no binary blob). Why: a fresh process reads /proc/kallsyms once, and
 * the same loop in JavaScript spends its first ~10k lines in V8's interpreter (2-3 us a line on
 * this machine) and needs 15-70 ms of TurboFan compilation that competes with the kernel's read
 * for the two cores; WebAssembly runs compiled (Liftoff) from the first line
 * (bench/symbols/symbols.bench.ts, "load").
 *
 * `scan` parses lines `ADDRESS(16 hex) TYPE NAME` and `... NAME\t[MODULE]` (when MODULE is the
 * current one) into the entry arrays and stops at the first line it does not take: any other
 * address length, empty line, CR, new module, a core name that may be a text marker (`_stext`),
 * or garbage. The caller parses that line in JavaScript (with the errors) and calls `scan` again.
 *
 * Memory layout (byte addresses): [0, 256) hex digit value of each byte (255: not a digit), then
 * the entry arrays at the bases held in globals, then the input bytes from `inBase`.
 */

/** The part of the WebAssembly API used here (the project's `lib` setting has no wasm types). */
interface WasmGlobal {
  value: number | bigint;
}
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

/** A new wasm memory of at least `bytes` bytes. */
export function newWasmMemory(bytes: number): WasmMemory {
  return new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
}

/** Exports of one scanner instance. */
export interface KallsymsScannerExports {
  /** Parses from `pos` (absolute) up to `limit`, at most until `count` reaches `maxCount`. */
  scan(pos: number, limit: number, count: number, maxCount: number): number;
  /** Records an entry parsed outside `scan` for the sortedness and all-zero checks. */
  note(hi: number, lo: number, count: number): void;
  hiBase: WasmGlobal;
  loBase: WasmGlobal;
  nameStartBase: WasmGlobal;
  nameEndBase: WasmGlobal;
  scopeBase: WasmGlobal;
  typeBase: WasmGlobal;
  paddingBase: WasmGlobal;
  /** Where scan stopped (absolute). */
  pos: WasmGlobal;
  /** First entry whose address is lower than the previous one, or -1. */
  firstUnsorted: WasmGlobal;
  hasNonZero: WasmGlobal;
  /** Scope id, address and length of the current module name (lines of that module are taken). */
  curScope: WasmGlobal;
  modStart: WasmGlobal;
  modLen: WasmGlobal;
  /** Previous address (i64, BigInt in JavaScript). */
  prev: WasmGlobal;
  /** Where the input bytes start; names are stored relative to it. */
  inBase: WasmGlobal;
}

// Opcodes (WebAssembly core 1.0).
const BLOCK = 0x02;
const LOOP = 0x03;
const IF = 0x04;
const ELSE = 0x05;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const GLOBAL_GET = 0x23;
const GLOBAL_SET = 0x24;
const I32_LOAD = 0x28;
const I32_LOAD8_U = 0x2d;
const I32_LOAD16_U = 0x2f;
const I32_STORE = 0x36;
const I32_STORE8 = 0x3a;
const I32_STORE16 = 0x3b;
const I32_CONST = 0x41;
const I64_CONST = 0x42;
const I32_EQZ = 0x45;
const I32_EQ = 0x46;
const I32_NE = 0x47;
const I32_LT_S = 0x48;
const I32_LT_U = 0x49;
const I32_GT_U = 0x4b;
const I32_LE_U = 0x4d;
const I32_GE_U = 0x4f;
const I64_EQZ = 0x50;
const I64_LT_U = 0x54;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_AND = 0x71;
const I32_OR = 0x72;
const I32_SHL = 0x74;
const I64_OR = 0x84;
const I64_SHL = 0x86;
const I64_SHR_U = 0x88;
const I32_WRAP_I64 = 0xa7;
const I64_EXTEND_I32_U = 0xad;
const VOID = 0x40;
const T_I32 = 0x7f;
const T_I64 = 0x7e;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const i32 = (n: number): number[] => [I32_CONST, ...sleb(n | 0)];
const get = (l: number): number[] => [LOCAL_GET, l];
const set = (l: number): number[] => [LOCAL_SET, l];
const tee = (l: number): number[] => [LOCAL_TEE, l];
const gget = (g: number): number[] => [GLOBAL_GET, g];
const gset = (g: number): number[] => [GLOBAL_SET, g];
/** memarg: alignment exponent 0 (unaligned is allowed), then the offset. */
const mem = (op: number, offset = 0): number[] => [op, 0, ...uleb(offset)];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

// Globals, in index order.
const GLOBALS = [
  ['hiBase', T_I32, 0],
  ['loBase', T_I32, 0],
  ['nameStartBase', T_I32, 0],
  ['nameEndBase', T_I32, 0],
  ['scopeBase', T_I32, 0],
  ['typeBase', T_I32, 0],
  ['paddingBase', T_I32, 0],
  ['pos', T_I32, 0],
  ['firstUnsorted', T_I32, -1],
  ['hasNonZero', T_I32, 0],
  ['curScope', T_I32, 0],
  ['modStart', T_I32, 0],
  ['modLen', T_I32, -1],
  ['prev', T_I64, 0],
  ['inBase', T_I32, 0],
] as const;
const G = Object.fromEntries(GLOBALS.map(([n], k) => [n, k])) as Record<(typeof GLOBALS)[number][0], number>;

/** `__pfx_` / `__cfi_` bytes 2..5 as a little-endian u32 (`pfx_`, `cfi_`). */
const PFX_LE = 0x5f786670;
const CFI_LE = 0x5f696663;

/** Sortedness and all-zero bookkeeping of address `v` (local `v`, entry index local `count`). */
function noteBody(v: number, count: number): number[] {
  // biome-ignore format: one WebAssembly instruction per group, nesting shown by indentation
  return [
    ...gget(G.firstUnsorted), ...i32(0), I32_LT_S,
    IF, VOID,
      ...get(v), ...gget(G.prev), I64_LT_U,
      IF, VOID, ...get(count), ...gset(G.firstUnsorted), END,
    END,
    ...get(v), ...gset(G.prev),
    ...get(v), I64_EQZ, I32_EQZ,
    IF, VOID, ...i32(1), ...gset(G.hasNonZero), END,
  ];
}

/** `base + count * size` for a store. */
const slot = (g: number, count: number, shift: number): number[] =>
  shift ? [...gget(g), ...get(count), ...i32(shift), I32_SHL, I32_ADD] : [...gget(g), ...get(count), I32_ADD];

function scanBody(): number[] {
  // Params 0 pos, 1 limit, 2 count, 3 maxCount; locals 4 v (i64), 5 k, 6 d, 7 t, 8 ns, 9 e,
  // 10 c, 11 scope, 12 m, 13 len, 14 pad, 15 next.
  const [pos, limit, count, maxCount, v, k, d, t, ns, e, c, scope, m, len, pad, next] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  ];
  // biome-ignore format: one WebAssembly instruction per group, nesting shown by indentation
  return [
    BLOCK, VOID,
    LOOP, VOID,
      ...get(pos), ...get(limit), I32_GE_U, BR_IF, 1,
      ...get(count), ...get(maxCount), I32_GE_U, BR_IF, 1,
      // 16 hex digits into v.
      I64_CONST, 0, ...set(v),
      ...i32(0), ...set(k),
      LOOP, VOID,
        ...get(pos), ...get(k), I32_ADD, ...mem(I32_LOAD8_U), ...mem(I32_LOAD8_U), ...tee(d),
        ...i32(15), I32_GT_U, BR_IF, 2,
        ...get(v), I64_CONST, 4, I64_SHL, ...get(d), I64_EXTEND_I32_U, I64_OR, ...set(v),
        ...get(k), ...i32(1), I32_ADD, ...tee(k), ...i32(16), I32_LT_U, BR_IF, 0,
      END,
      // ' ' TYPE ' '
      ...get(pos), ...mem(I32_LOAD8_U, 16), ...i32(32), I32_NE, BR_IF, 1,
      ...get(pos), ...mem(I32_LOAD8_U, 17), ...tee(t), ...i32(32), I32_LE_U, BR_IF, 1,
      ...get(pos), ...mem(I32_LOAD8_U, 18), ...i32(32), I32_NE, BR_IF, 1,
      // NAME: bytes above space.
      ...get(pos), ...i32(19), I32_ADD, ...tee(ns), ...set(e),
      LOOP, VOID,
        ...get(e), ...mem(I32_LOAD8_U), ...i32(32), I32_GT_U,
        IF, VOID, ...get(e), ...i32(1), I32_ADD, ...set(e), BR, 1, END,
      END,
      ...get(e), ...get(ns), I32_EQ, BR_IF, 1,
      ...i32(0), ...set(scope),
      ...get(e), ...mem(I32_LOAD8_U), ...tee(c), ...i32(10), I32_EQ,
      IF, VOID,
        ...get(e), ...i32(1), I32_ADD, ...set(next),
      ELSE,
        // `\t[MODULE]\n` of the current module only.
        ...get(c), ...i32(9), I32_NE, BR_IF, 2,
        ...get(e), ...mem(I32_LOAD8_U, 1), ...i32(91), I32_NE, BR_IF, 2,
        ...get(e), ...i32(2), I32_ADD, ...set(m),
        LOOP, VOID,
          ...get(m), ...mem(I32_LOAD8_U), ...tee(c), ...i32(32), I32_GT_U,
          ...get(c), ...i32(91), I32_NE, I32_AND,
          ...get(c), ...i32(93), I32_NE, I32_AND,
          IF, VOID, ...get(m), ...i32(1), I32_ADD, ...set(m), BR, 1, END,
        END,
        ...get(c), ...i32(93), I32_NE, BR_IF, 2,
        ...get(m), ...mem(I32_LOAD8_U, 1), ...i32(10), I32_NE, BR_IF, 2,
        ...get(m), ...get(e), I32_SUB, ...i32(2), I32_SUB, ...tee(len),
        ...gget(G.modLen), I32_NE, BR_IF, 2,
        ...get(len), I32_EQZ, BR_IF, 2,
        ...i32(0), ...set(k),
        LOOP, VOID,
          ...get(e), ...get(k), I32_ADD, ...mem(I32_LOAD8_U, 2),
          ...gget(G.modStart), ...get(k), I32_ADD, ...mem(I32_LOAD8_U),
          I32_NE, BR_IF, 3,
          ...get(k), ...i32(1), I32_ADD, ...tee(k), ...get(len), I32_LT_U, BR_IF, 0,
        END,
        ...gget(G.curScope), ...set(scope),
        ...get(m), ...i32(2), I32_ADD, ...set(next),
      END,
      // A core name `_xxxxx` or `_xxxxxxxxx` may be a text marker: the caller looks at it.
      ...get(ns), ...mem(I32_LOAD8_U), ...i32(95), I32_EQ,
      IF, VOID,
        ...get(ns), ...mem(I32_LOAD8_U, 1), ...i32(95), I32_NE, ...get(scope), I32_EQZ, I32_AND,
        IF, VOID,
          ...get(e), ...get(ns), I32_SUB, ...tee(len), ...i32(6), I32_EQ,
          ...get(len), ...i32(10), I32_EQ, I32_OR, BR_IF, 3,
        END,
      END,
      // Padding: `__pfx_` or `__cfi_`.
      ...get(ns), ...mem(I32_LOAD16_U), ...i32(0x5f5f), I32_EQ,
      IF, T_I32,
        ...get(ns), ...mem(I32_LOAD, 2), ...tee(k), ...i32(PFX_LE), I32_EQ,
        ...get(k), ...i32(CFI_LE), I32_EQ, I32_OR,
      ELSE,
        ...i32(0),
      END,
      ...set(pad),
      ...noteBody(v, count),
      ...slot(G.hiBase, count, 2), ...get(v), I64_CONST, 32, I64_SHR_U, I32_WRAP_I64, ...mem(I32_STORE),
      ...slot(G.loBase, count, 2), ...get(v), I32_WRAP_I64, ...mem(I32_STORE),
      ...slot(G.nameStartBase, count, 2), ...get(ns), ...gget(G.inBase), I32_SUB, ...mem(I32_STORE),
      ...slot(G.nameEndBase, count, 2), ...get(e), ...gget(G.inBase), I32_SUB, ...mem(I32_STORE),
      ...slot(G.scopeBase, count, 1), ...get(scope), ...mem(I32_STORE16),
      ...slot(G.typeBase, count, 0), ...get(t), ...mem(I32_STORE8),
      ...slot(G.paddingBase, count, 0), ...get(pad), ...mem(I32_STORE8),
      ...get(count), ...i32(1), I32_ADD, ...set(count),
      ...get(next), ...set(pos),
      BR, 0,
    END,
    END,
    ...get(pos), ...gset(G.pos),
    ...get(count),
    END,
  ];
}

function noteFnBody(): number[] {
  // Params 0 hi, 1 lo, 2 count; local 3 v (i64).
  // biome-ignore format: one WebAssembly instruction per group
  return [
    ...get(0), I64_EXTEND_I32_U, I64_CONST, 32, I64_SHL, ...get(1), I64_EXTEND_I32_U, I64_OR, ...set(3),
    ...noteBody(3, 2),
    END,
  ];
}

function moduleBytes(): Uint8Array {
  const types = section(
    1,
    vec([
      [0x60, ...vec([[T_I32], [T_I32], [T_I32], [T_I32]]), ...vec([[T_I32]])],
      [0x60, ...vec([[T_I32], [T_I32], [T_I32]]), ...vec([])],
    ]),
  );
  const imports = section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]]));
  const functions = section(3, vec([[0], [1]]));
  const globals = section(
    6,
    vec(
      GLOBALS.map(([, type, init]) =>
        type === T_I64 ? [T_I64, 0x01, I64_CONST, ...sleb(init), END] : [T_I32, 0x01, ...i32(init), END],
      ),
    ),
  );
  const exports = section(
    7,
    vec([
      [...name('scan'), 0x00, 0],
      [...name('note'), 0x00, 1],
      ...GLOBALS.map(([n], k) => [...name(n), 0x03, k]),
    ]),
  );
  const fn = (locals: number[][], body: number[]): number[] => {
    const code = [...vec(locals), ...body];
    return [...uleb(code.length), ...code];
  };
  const code = section(
    10,
    vec([
      fn(
        [
          [1, T_I64],
          [11, T_I32],
        ],
        scanBody(),
      ),
      fn([[1, T_I64]], noteFnBody()),
    ]),
  );
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  return Uint8Array.from([...header, ...types, ...imports, ...functions, ...globals, ...exports, ...code]);
}

let compiled: object | undefined;

/** A scanner over `memory` (compiled once per process, instantiated per parser). */
export function createKallsymsScanner(memory: WasmMemory): KallsymsScannerExports {
  compiled ??= new WebAssembly.Module(moduleBytes());
  return new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as KallsymsScannerExports;
}
