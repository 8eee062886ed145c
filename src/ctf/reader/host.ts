/**
 * What the reader needs from the file system. The reader is pure (no node:* imports); the CLI
 * provides the implementation (src/cli/commands/view.ts exports `nodeReaderHost`). Every method is
 * synchronous: reads are large and sequential, and a synchronous loop keeps the hot path simple.
 */

export type EntryKind = 'file' | 'dir' | 'other' | 'missing';

export interface ReaderHost {
  /** What `path` is (symbolic links followed). */
  kind(path: string): EntryKind;
  /** Names in a directory (not `.`/`..`), in any order. */
  listDir(path: string): string[];
  /** Size in bytes of a regular file. */
  fileSize(path: string): number;
  /** Whole file (metadata, index files). */
  readFile(path: string): Uint8Array;
  /** Opens a file for reading; returns a handle. */
  open(path: string): number;
  /** Reads up to `length` bytes at file offset `position` into `buf[offset..]`; returns the count. */
  read(handle: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  close(handle: number): void;
  /** Absolute, normalized form of `path` (babeltrace2 names streams after it). */
  absolute(path: string): string;
}

/** `a/b` without doubling the separator. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}
