/**
 * The metadata pipeline: metadata stream bytes -> text -> syntax tree -> IR -> checked, resolved IR.
 * Every failure is a MetadataError naming the metadata file (and the line and column where known).
 */
import type { IrTraceClass } from './ctf-ir.js';
import { finishIr } from './ctf-ir-passes.js';
import { ctf2ToIr } from './ctf2-parser.js';
import { MetadataError } from './errors.js';
import { decodeMetadataStream, type MetadataText } from './metadata-stream.js';
import { parseTsdl } from './tsdl-parser.js';
import { checkTsdlSemantics } from './tsdl-semantic.js';
import { type TsdlOptions, tsdlToIr } from './tsdl-to-ir.js';

export type MetadataOptions = TsdlOptions;

export interface Metadata {
  readonly trace: IrTraceClass;
  /** Non-fatal findings, in the order found (babeltrace2 logs them as warnings). */
  readonly warnings: readonly string[];
  readonly stream: MetadataText;
}

/** Reads the bytes of a `metadata` file. `file` names it in errors. */
export function readMetadata(bytes: Uint8Array, file: string, options: MetadataOptions = {}): Metadata {
  try {
    const stream = decodeMetadataStream(bytes);
    if (stream.format === 'ctf2') {
      const r = ctf2ToIr(stream.text, options);
      finishIr(r.trace);
      return { trace: r.trace, warnings: r.warnings, stream };
    }
    const root = parseTsdl(stream.text);
    checkTsdlSemantics(root);
    const r = tsdlToIr(root, options);
    finishIr(r.trace);
    return { trace: r.trace, warnings: r.warnings, stream };
  } catch (e) {
    if (e instanceof MetadataError) throw e.inFile(file);
    if (e instanceof RangeError) {
      // Deeply nested metadata exhausting the stack: still one clear error, never a crash.
      throw new MetadataError(`metadata nesting too deep (${e.message})`, undefined, file);
    }
    throw e;
  }
}
