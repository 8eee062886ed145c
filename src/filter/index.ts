/** The filter language: `ttng/filter`. See docs/filters.md. */
export type { AstNode } from './ast.js';
export { type DecodedBytecode, decodeBytecode, disassemble, encodeBytecode, type Insn } from './bytecode.js';
export { type CompiledFilter, compileFilter } from './compiler.js';
export { BytecodeError, FilterError, type FilterErrorCategory } from './errors.js';
export type {
  FilterEventValues,
  FilterField,
  FilterFieldType,
  FilterTarget,
  IntegerFieldType,
} from './fields.js';
export { objectTarget } from './fields.js';
export { compileFilterExpression, type FilterExpression } from './filter-expression.js';
export { type FtraceField, type FtracePushdown, translateToFtrace } from './ftrace-pushdown.js';
export { createInterpreter, type InterpretedFilter } from './interpreter.js';
export { formatIr, generateIr, type IrNode } from './ir.js';
export { tokenize } from './lexer.js';
export { type LinkedFilter, type LinkResult, linkFilter } from './link.js';
export { MAX_STACK_DEPTH, Op, opName } from './opcodes.js';
export { parseFilter } from './parser.js';
export { type FilterTree, type ValidatedBytecode, validateBytecode } from './validator.js';
