/**
 * Symbols: kernel (kallsyms, unique names, kallmodsyms) and user space (ELF, SDT, process maps,
 * uprobe locations). docs/symbols.md describes the API with examples.
 */
export * from './elf-file.js';
export * from './elf-symbolizer.js';
export * from './errors.js';
export * from './kallmodsyms.js';
export * from './kallsyms-table.js';
export * from './kernel-files.js';
export * from './nm-format.js';
export * from './proc-maps.js';
export * from './sdt.js';
export * from './unique-names.js';
export * from './uprobe-location.js';
