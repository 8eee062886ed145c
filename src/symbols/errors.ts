import { TtngError } from '../errors.js';

/** Codes of the symbols area (kallsyms, kbuild artifacts, ELF, SDT, /proc/PID/maps). */
export const SymbolsErrorCode = {
  /** A kallsyms or System.map line that cannot be parsed (the message has the line and column). */
  KallsymsParse: 'TTNG_E_SYMBOLS_KALLSYMS_PARSE',
  /** Every address in kallsyms is 0: the kernel hides them from this reader (kptr_restrict). */
  AddressesHidden: 'TTNG_E_SYMBOLS_ADDRESSES_HIDDEN',
  /** modules.builtin*, a linker map or another build artifact that cannot be parsed. */
  ArtifactParse: 'TTNG_E_SYMBOLS_ARTIFACT_PARSE',
  /** Not an ELF file, or an ELF file whose headers point outside the file (the message has the offset). */
  ElfMalformed: 'TTNG_E_SYMBOLS_ELF_MALFORMED',
  /** A .note.stapsdt note or SDT argument that cannot be decoded or converted. */
  Sdt: 'TTNG_E_SYMBOLS_SDT',
  /** A /proc/PID/maps line that cannot be parsed. */
  MapsParse: 'TTNG_E_SYMBOLS_MAPS_PARSE',
  /** A name, unique name or address that matches no symbol. */
  NotFound: 'TTNG_E_SYMBOLS_NOT_FOUND',
  /** A name that matches several symbols; the message lists their unique names. */
  Ambiguous: 'TTNG_E_SYMBOLS_AMBIGUOUS',
  /** A uprobe location string (`elf:PATH:SYMBOL`, `sdt:PATH:PROVIDER:NAME`) of the wrong form. */
  Location: 'TTNG_E_SYMBOLS_LOCATION',
} as const;
export type SymbolsErrorCode = (typeof SymbolsErrorCode)[keyof typeof SymbolsErrorCode];

export class SymbolsError extends TtngError {
  constructor(code: SymbolsErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'SymbolsError';
  }
}

/** A malformed ELF file: says where (byte offset) and what is wrong. */
export class ElfError extends SymbolsError {
  /** Byte offset in the file where the problem is. */
  readonly offsetBytes: number;
  constructor(message: string, offsetBytes: number, source?: string) {
    super(
      SymbolsErrorCode.ElfMalformed,
      `${source ? `${source}: ` : ''}${message} (at byte offset 0x${offsetBytes.toString(16)})`,
    );
    this.name = 'ElfError';
    this.offsetBytes = offsetBytes;
  }
}
