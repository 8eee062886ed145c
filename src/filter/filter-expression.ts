/**
 * The client side, as lttng-ctl: expression text to checked bytecode, ready to cross a process
 * boundary. Throws FilterError with LTTng's category and message and the column of the fault.
 */
import { encodeBytecode } from './bytecode.js';
import { formatIr, generateIr, type IrNode } from './ir.js';
import { parseFilter } from './parser.js';

export interface FilterExpression {
  readonly source: string;
  /** The expression as understood: canonical spelling, glob patterns normalized. */
  readonly normalized: string;
  readonly ir: IrNode;
  /** `struct lttng_bytecode`: 48-byte header, instructions, relocation table. */
  readonly bytecode: Uint8Array;
}

export function compileFilterExpression(source: string): FilterExpression {
  const ir = generateIr(parseFilter(source));
  return { source, normalized: formatIr(ir), ir, bytecode: encodeBytecode(ir) };
}
