/**
 * Where a trace writer's bytes go. The pure core builds packets in memory and hands them to a
 * sink; the file system is reached only through an injected `fs`-like object, so this area stays
 * free of node:* (DESIGN.md) and a browser or a worker can write into memory.
 */
import { concatBytes } from './metadata-stream.js';

export interface TraceSink {
  /**
   * Appends `bytes` to the file `path` of the trace (relative, `/`-separated: `metadata`,
   * `channel0_0`, `index/channel0_0.idx`), creating it. The bytes are only valid during the call:
   * the writer reuses its buffers.
   */
  append(path: string, bytes: Uint8Array): void;
  /** Called once when the trace writer closes. */
  close?(): void;
}

/** Keeps every file in memory (tests, benchmarks, browsers). */
export class MemorySink implements TraceSink {
  private readonly files = new Map<string, Uint8Array[]>();
  closed = false;

  append(path: string, bytes: Uint8Array): void {
    let parts = this.files.get(path);
    if (!parts) this.files.set(path, (parts = []));
    parts.push(bytes.slice());
  }

  close(): void {
    this.closed = true;
  }

  /** Paths written so far, sorted. */
  paths(): string[] {
    return [...this.files.keys()].sort();
  }

  /** The whole content of one file (empty when it was never written). */
  file(path: string): Uint8Array {
    return concatBytes(this.files.get(path) ?? []);
  }
}

/** The part of node:fs a directory sink uses (pass `fs` from `import * as fs from 'node:fs'`). */
export interface FileSystemLike {
  mkdirSync(path: string, options: { recursive: true }): unknown;
  openSync(path: string, flags: string): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  closeSync(fd: number): void;
}

/**
 * Writes the trace under `dir` with synchronous appends (files stay open until close()). `fs` is
 * node:fs; it is injected so this module stays pure. Existing files are truncated when first
 * written.
 */
export function createDirectorySink(dir: string, fs: FileSystemLike): TraceSink {
  const fds = new Map<string, number>();
  const base = dir.endsWith('/') ? dir.slice(0, -1) : dir;
  fs.mkdirSync(base, { recursive: true });
  return {
    append(path: string, bytes: Uint8Array): void {
      if (path.startsWith('/') || path.split('/').includes('..')) {
        throw new Error(`trace file path "${path}" must stay inside the trace directory`);
      }
      let fd = fds.get(path);
      if (fd === undefined) {
        const slash = path.lastIndexOf('/');
        if (slash > 0) fs.mkdirSync(`${base}/${path.slice(0, slash)}`, { recursive: true });
        fd = fs.openSync(`${base}/${path}`, 'w');
        fds.set(path, fd);
      }
      let off = 0;
      while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    },
    close(): void {
      for (const fd of fds.values()) fs.closeSync(fd);
      fds.clear();
    },
  };
}
