/**
 * LTTng's filter bytecode, `struct lttng_bytecode` on the wire: a 48-byte header
 * (u32 len, u32 reloc_table_offset, u64 seqnum, 32 bytes of padding), then `len` bytes of data:
 * the instructions, then the relocation table (`{u16 insn_offset; char symbol[]}` entries).
 * Little-endian (the x86 hosts LTTng runs on). The encoder emits exactly what lttng-ctl's
 * `filter-visitor-generate-bytecode.c` emits for the same IR; the decoder reads any bytecode and
 * refuses what it cannot decode (the validator, validator.ts, decides what may run).
 */
import { BytecodeError, FilterError } from './errors.js';
import { type IrNode, irDataType, leftSpine } from './ir.js';
import { BYTECODE_HEADER_BYTES, FILTER_MAX_LEN_BYTES, Op, opName } from './opcodes.js';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

class ByteBuf {
  bytes = new Uint8Array(64);
  len = 0;
  private reserve(n: number): number {
    if (this.len + n > FILTER_MAX_LEN_BYTES)
      throw new FilterError('too-long', 'Filter bytecode too long', 1, `over ${FILTER_MAX_LEN_BYTES} bytes`);
    if (this.len + n > this.bytes.length) {
      const b = new Uint8Array(Math.max(this.bytes.length * 2, this.len + n));
      b.set(this.bytes.subarray(0, this.len));
      this.bytes = b;
    }
    const at = this.len;
    this.len += n;
    return at;
  }
  u8(v: number): void {
    // reserve() first: it may replace this.bytes.
    const at = this.reserve(1);
    this.bytes[at] = v;
  }
  u16(v: number): void {
    const at = this.reserve(2);
    this.bytes[at] = v & 0xff;
    this.bytes[at + 1] = (v >>> 8) & 0xff;
  }
  u64(v: bigint): void {
    const at = this.reserve(8);
    new DataView(this.bytes.buffer).setBigUint64(at, BigInt.asUintN(64, v), true);
  }
  f64(v: number): void {
    const at = this.reserve(8);
    new DataView(this.bytes.buffer).setFloat64(at, v, true);
  }
  raw(b: Uint8Array): void {
    const at = this.reserve(b.length);
    this.bytes.set(b, at);
  }
  patchU16(at: number, v: number): void {
    this.bytes[at] = v & 0xff;
    this.bytes[at + 1] = (v >>> 8) & 0xff;
  }
  view(): Uint8Array {
    return this.bytes.subarray(0, this.len);
  }
}

const BINARY_OPS: Record<string, number> = {
  '>>': Op.BIT_RSHIFT,
  '<<': Op.BIT_LSHIFT,
  '&': Op.BIT_AND,
  '|': Op.BIT_OR,
  '^': Op.BIT_XOR,
  '==': Op.EQ,
  '!=': Op.NE,
  '>': Op.GT,
  '<': Op.LT,
  '>=': Op.GE,
  '<=': Op.LE,
};

/** Encodes a checked IR (ir.ts) as lttng-ctl does. Throws FilterError `too-long` past 64 KiB. */
export function encodeBytecode(root: IrNode, seqnum = 0n): Uint8Array {
  const code = new ByteBuf();
  const reloc = new ByteBuf();
  const tooLong = () =>
    new FilterError('too-long', 'Filter bytecode too long', 1, `over ${FILTER_MAX_LEN_BYTES} bytes`);

  const insnOffset = (): number => {
    if (code.len > FILTER_MAX_LEN_BYTES - 1) throw tooLong();
    return code.len;
  };
  const pushReloc = (at: number, symbol: string) => {
    reloc.u16(at);
    reloc.raw(utf8Encoder.encode(symbol));
    reloc.u8(0);
  };
  const castIfNeeded = (n: IrNode) => {
    const t = irDataType(n);
    if (t === 'expression') code.u8(Op.CAST_TO_S64);
    else if (t === 'float') code.u8(Op.CAST_DOUBLE_TO_S64);
  };

  const visit = (n: IrNode): void => {
    switch (n.op) {
      case 'string':
        code.u8(n.strType === 'glob-star' ? Op.LOAD_STAR_GLOB_STRING : Op.LOAD_STRING);
        code.raw(utf8Encoder.encode(n.value));
        code.u8(0);
        return;
      case 'numeric':
        code.u8(Op.LOAD_S64);
        code.u64(n.value);
        return;
      case 'float':
        code.u8(Op.LOAD_DOUBLE);
        code.f64(n.value);
        return;
      case 'field': {
        const isLegacy = n.steps.every((s) => s.kind === 'symbol');
        if (isLegacy) {
          const names = n.steps.map((s) => (s as { name: string }).name).join('.');
          const symbol =
            n.root === 'context' ? `$ctx.${names}` : n.root === 'app-context' ? `$app.${names}` : names;
          const at = insnOffset();
          code.u8(n.root === 'payload' ? Op.LOAD_FIELD_REF : Op.GET_CONTEXT_REF);
          code.u16(0xffff);
          pushReloc(at, symbol);
          return;
        }
        code.u8(
          n.root === 'payload'
            ? Op.GET_PAYLOAD_ROOT
            : n.root === 'context'
              ? Op.GET_CONTEXT_ROOT
              : Op.GET_APP_CONTEXT_ROOT,
        );
        for (const s of n.steps) {
          if (s.kind === 'symbol') {
            const at = insnOffset();
            code.u8(Op.GET_SYMBOL);
            // The operand is the symbol's offset in the relocation table, past the entry's u16.
            code.u16((reloc.len + 2) & 0xffff);
            pushReloc(at, s.name);
          } else {
            code.u8(Op.GET_INDEX_U64);
            code.u64(s.index);
          }
        }
        code.u8(Op.LOAD_FIELD);
        return;
      }
      case 'unary':
        visit(n.child);
        if (n.type === '-') code.u8(Op.UNARY_MINUS);
        else if (n.type === '!') code.u8(Op.UNARY_NOT);
        else if (n.type === '~') code.u8(Op.UNARY_BIT_NOT);
        return;
      case 'binary':
      case 'logical': {
        // Loop down the left spine (chains thousands deep), recurse only into right operands.
        const { spine, leaf } = leftSpine(n);
        visit(leaf);
        for (let k = spine.length - 1; k >= 0; k--) {
          const node = spine[k]!;
          if (node.op === 'binary') {
            visit(node.right);
            code.u8(BINARY_OPS[node.type]!);
            continue;
          }
          castIfNeeded(node.left);
          code.u8(node.type === '&&' ? Op.AND : Op.OR);
          const skipAt = code.len;
          code.u16(0xffff);
          visit(node.right);
          castIfNeeded(node.right);
          code.patchU16(skipAt, code.len & 0xffff);
        }
        return;
      }
    }
  };

  visit(root);
  code.u8(Op.RETURN);
  const relocOffset = code.len;
  if (relocOffset + reloc.len > FILTER_MAX_LEN_BYTES) throw tooLong();
  const out = new Uint8Array(BYTECODE_HEADER_BYTES + relocOffset + reloc.len);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, relocOffset + reloc.len, true);
  dv.setUint32(4, relocOffset, true);
  dv.setBigUint64(8, BigInt.asUintN(64, seqnum), true);
  out.set(code.view(), BYTECODE_HEADER_BYTES);
  out.set(reloc.view(), BYTECODE_HEADER_BYTES + relocOffset);
  return out;
}

/** One decoded instruction. `pc` is its offset in the data; operands depend on `op`. */
export interface Insn {
  readonly pc: number;
  readonly op: number;
  readonly sizeBytes: number;
  /** field_ref / get_symbol offset, get_index_u16 index, or logical skip_offset. */
  readonly u16?: number;
  /** get_index_u64 index, or literal_numeric value (as s64). */
  readonly big?: bigint;
  readonly f64?: number;
  /** literal string bytes (without NUL) and their UTF-8 decoding. */
  readonly strBytes?: Uint8Array;
  readonly str?: string;
}

export interface RelocEntry {
  /** Offset of the entry in the relocation table. */
  readonly entryOffset: number;
  readonly insnOffset: number;
  readonly symbol: string;
}

export interface DecodedBytecode {
  readonly seqnum: bigint;
  /** The data: instructions then relocation table. */
  readonly data: Uint8Array;
  readonly relocOffset: number;
  readonly insns: readonly Insn[];
  readonly relocs: readonly RelocEntry[];
}

/** Fixed operand sizes (bytes after the opcode); -1 for a NUL-terminated string operand. */
function operandBytes(op: number): number {
  switch (op) {
    case Op.AND:
    case Op.OR:
    case Op.LOAD_FIELD_REF:
    case Op.LOAD_FIELD_REF_STRING:
    case Op.LOAD_FIELD_REF_SEQUENCE:
    case Op.LOAD_FIELD_REF_S64:
    case Op.LOAD_FIELD_REF_DOUBLE:
    case Op.LOAD_FIELD_REF_USER_STRING:
    case Op.LOAD_FIELD_REF_USER_SEQUENCE:
    case Op.GET_CONTEXT_REF:
    case Op.GET_CONTEXT_REF_STRING:
    case Op.GET_CONTEXT_REF_S64:
    case Op.GET_CONTEXT_REF_DOUBLE:
    case Op.GET_SYMBOL:
    case Op.GET_SYMBOL_FIELD:
    case Op.GET_INDEX_U16:
      return 2;
    case Op.LOAD_S64:
    case Op.LOAD_DOUBLE:
    case Op.GET_INDEX_U64:
      return 8;
    case Op.LOAD_STRING:
    case Op.LOAD_STAR_GLOB_STRING:
      return -1;
    default:
      return 0;
  }
}

function cstringEnd(data: Uint8Array, from: number, limit: number): number {
  for (let i = from; i < limit; i++) if (data[i] === 0) return i;
  return -1;
}

/**
 * Reads the header, the instruction stream and the relocation table. Throws BytecodeError on
 * anything out of bounds, a size over 65,536 bytes, or an opcode outside LTTng's table.
 */
export function decodeBytecode(buf: Uint8Array): DecodedBytecode {
  if (buf.length < BYTECODE_HEADER_BYTES)
    throw new BytecodeError(`${buf.length} bytes, shorter than the ${BYTECODE_HEADER_BYTES}-byte header`, -1);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const len = dv.getUint32(0, true);
  const relocOffset = dv.getUint32(4, true);
  const seqnum = dv.getBigUint64(8, true);
  if (len > FILTER_MAX_LEN_BYTES)
    throw new BytecodeError(`length ${len} exceeds the ${FILTER_MAX_LEN_BYTES}-byte limit`, -1);
  if (buf.length !== BYTECODE_HEADER_BYTES + len)
    throw new BytecodeError(
      `header says ${len} data bytes, ${buf.length - BYTECODE_HEADER_BYTES} present`,
      -1,
    );
  if (relocOffset > len)
    throw new BytecodeError(`relocation table offset ${relocOffset} is past the end (${len})`, -1);
  const data = buf.subarray(BYTECODE_HEADER_BYTES);
  const ddv = new DataView(data.buffer, data.byteOffset, data.byteLength);

  const insns: Insn[] = [];
  let pc = 0;
  while (pc < relocOffset) {
    const op = data[pc]!;
    if (op === Op.UNKNOWN || op > Op.RETURN_S64) throw new BytecodeError(`unknown opcode ${op}`, pc);
    const n = operandBytes(op);
    if (n === -1) {
      const end = cstringEnd(data, pc + 1, relocOffset);
      if (end < 0)
        throw new BytecodeError(
          `${opName(op)}: string operand without its NUL before the end of the instructions`,
          pc,
        );
      const strBytes = data.slice(pc + 1, end);
      insns.push({ pc, op, sizeBytes: end + 1 - pc, strBytes, str: utf8Decoder.decode(strBytes) });
      pc = end + 1;
      continue;
    }
    if (pc + 1 + n > relocOffset)
      throw new BytecodeError(`${opName(op)}: operand runs past the end of the instructions`, pc);
    if (n === 2) insns.push({ pc, op, sizeBytes: 3, u16: ddv.getUint16(pc + 1, true) });
    else if (n === 8 && op === Op.LOAD_DOUBLE)
      insns.push({ pc, op, sizeBytes: 9, f64: ddv.getFloat64(pc + 1, true) });
    else if (n === 8 && op === Op.LOAD_S64)
      insns.push({ pc, op, sizeBytes: 9, big: ddv.getBigInt64(pc + 1, true) });
    else if (n === 8) insns.push({ pc, op, sizeBytes: 9, big: ddv.getBigUint64(pc + 1, true) });
    else insns.push({ pc, op, sizeBytes: 1 });
    pc += 1 + n;
  }

  const relocs: RelocEntry[] = [];
  let at = relocOffset;
  while (at < len) {
    if (at + 2 > len) throw new BytecodeError('truncated relocation entry', at);
    const insnOffset = ddv.getUint16(at, true);
    const end = cstringEnd(data, at + 2, len);
    if (end < 0) throw new BytecodeError('relocation symbol without its NUL', at);
    relocs.push({
      entryOffset: at - relocOffset,
      insnOffset,
      symbol: utf8Decoder.decode(data.subarray(at + 2, end)),
    });
    at = end + 1;
  }
  return { seqnum, data, relocOffset, insns, relocs };
}

function quote(s: string): string {
  return JSON.stringify(s);
}

/** One line per instruction: `offset  OPCODE  operands`, then the relocation table. */
export function disassemble(d: DecodedBytecode): string {
  const lines: string[] = [];
  const symbolAt = new Map<number, string>();
  for (const r of d.relocs) symbolAt.set(r.insnOffset, r.symbol);
  const symAtEntry = new Map<number, string>();
  for (const r of d.relocs) symAtEntry.set(r.entryOffset + 2, r.symbol);
  for (const i of d.insns) {
    let operand = '';
    if (i.str !== undefined) operand = quote(i.str);
    else if (i.f64 !== undefined) operand = String(i.f64);
    else if (i.big !== undefined) operand = String(i.big);
    else if (i.op === Op.AND || i.op === Op.OR) operand = `-> ${i.u16}`;
    else if (i.op === Op.GET_SYMBOL) operand = `${quote(symAtEntry.get(i.u16!) ?? '?')} (reloc +${i.u16})`;
    else if (i.u16 !== undefined) operand = symbolAt.has(i.pc) ? quote(symbolAt.get(i.pc)!) : String(i.u16);
    lines.push(`${String(i.pc).padStart(5)}  ${opName(i.op).padEnd(22)}${operand}`.trimEnd());
  }
  lines.push(`reloc table at ${d.relocOffset}, ${d.data.length - d.relocOffset} bytes:`);
  for (const r of d.relocs) lines.push(`  insn ${r.insnOffset}: ${quote(r.symbol)}`);
  return lines.join('\n');
}
