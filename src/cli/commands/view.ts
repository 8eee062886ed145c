/**
 * `ttng view [OPTIONS] PATH...`: prints the events of CTF traces as babeltrace2 2.0 does
 * (docs/view.md). Also exports the node implementation of the reader's file access
 * (`nodeReaderHost`), used by tests and other commands.
 */
import {
  closeSync,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  writeSync,
} from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { EntryKind, ReaderHost } from '../../ctf/reader/index.js';
import { runView } from '../../view/run-view.js';
import type { SinkIo } from '../../view/text-sink.js';
import { parseFields, parseNames, type ViewOptions } from '../../view/view-options.js';
import { UsageError } from '../errors.js';

export const summary = 'Print the events of CTF traces (babeltrace2 text, JSON or counts)';

export const usage = `Usage: ttng view [OPTIONS] PATH...

Prints the events of every CTF trace found under each PATH (a trace is a directory holding a
\`metadata\` file; an LTTng session directory holds several), merged by time, in babeltrace2
2.0's default text format.

Options:
  --clock-seconds          print timestamps as [sec.ns] instead of local time
  --clock-date             print the date too (YYYY-MM-DD)
  --clock-gmt              print UTC times instead of local times
  --clock-cycles           print timestamps in clock cycles
  --clock-offset=SEC       add SEC seconds to every clock offset
  --clock-offset-ns=NS     add NS nanoseconds to every clock offset
  --no-delta               do not print the time since the previous event
  -n, --names=LIST         print field names: payload (or args, arg), context (or ctx),
                           scope, header, all, none
  -f, --fields=LIST        print these fields: trace, trace:hostname, trace:domain,
                           trace:procname, trace:vpid, loglevel, emf, callsite, all, none
  --output-format=FORMAT   text (default) or json (one JSON object per event and line)
  --count                  print the number of events per event name instead of the events
  -h, --help               this help

Exit status: 0 success, 1 a trace could not be read (the events before the problem are
printed, the error goes to stderr), 2 bad usage.`;

/** The reader's file access on node:fs (synchronous, large reads). */
export const nodeReaderHost: ReaderHost = {
  kind(path: string): EntryKind {
    try {
      const s = statSync(path);
      if (s.isFile()) return 'file';
      if (s.isDirectory()) return 'dir';
      return 'other';
    } catch {
      return 'missing';
    }
  },
  listDir(path: string): string[] {
    return readdirSync(path);
  },
  fileSize(path: string): number {
    return statSync(path).size;
  },
  readFile(path: string): Uint8Array {
    const b = readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  },
  open(path: string): number {
    const fd = openSync(path, 'r');
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      throw new Error(`${path}: not a regular file`);
    }
    return fd;
  },
  read(handle: number, buf: Uint8Array, offset: number, length: number, position: number): number {
    return readSync(handle, buf, offset, length, position);
  },
  close(handle: number): void {
    closeSync(handle);
  },
  absolute(path: string): string {
    return resolve(path);
  },
};

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes everything to a file descriptor, waiting when a non-blocking pipe is full. */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let off = 0;
  let waitMs = 0.05;
  while (off < bytes.length) {
    try {
      off += writeSync(fd, bytes, off, bytes.length - off);
      waitMs = 0.05;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        // Short waits first: a reader usually drains a pipe within microseconds.
        Atomics.wait(pause, 0, 0, waitMs);
        waitMs = Math.min(2, waitMs * 2);
        continue;
      }
      throw e;
    }
  }
}

/**
 * node makes a piped stdout non-blocking as soon as `process.stdout` exists (the CLI listens for
 * its errors): every full pipe then costs an EAGAIN and a wait. The view writes synchronously,
 * so it asks libuv for a blocking pipe again (`ttng view | wc -l`: about 1.6 s of 3.9 s on a
 * 2.5 M event kernel trace went there). Without that handle method, writeAllSync still works.
 */
function blockingStdout(): void {
  const handle = (process.stdout as unknown as { _handle?: { setBlocking?: (b: boolean) => number } })
    ._handle;
  if (typeof handle?.setBlocking === 'function') handle.setBlocking(true);
}

class PipeClosed extends Error {}

function parseBigInt(name: string, v: string): bigint {
  if (!/^[+-]?\d+$/.test(v)) throw new UsageError(`--${name}: "${v}" is not an integer`);
  return BigInt(v);
}

export function parseViewArgs(args: string[]): { inputs: string[]; options: ViewOptions } {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        'clock-seconds': { type: 'boolean' },
        'clock-date': { type: 'boolean' },
        'clock-gmt': { type: 'boolean' },
        'clock-cycles': { type: 'boolean' },
        'clock-offset': { type: 'string' },
        'clock-offset-ns': { type: 'string' },
        'no-delta': { type: 'boolean' },
        names: { type: 'string', short: 'n', multiple: true },
        fields: { type: 'string', short: 'f', multiple: true },
        'output-format': { type: 'string' },
        count: { type: 'boolean' },
      },
    });
  }
  try {
    parsed = parse();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (parsed.positionals.length === 0) throw new UsageError('no trace path given');
  const split = (l: string[] | undefined): string[] =>
    (l ?? []).flatMap((s) => s.split(',')).filter((s) => s !== '');
  const fmt = v['output-format'] ?? 'text';
  if (fmt !== 'text' && fmt !== 'json')
    throw new UsageError(`--output-format: unknown format "${fmt}" (text or json)`);
  if (v.count && v['output-format'] !== undefined)
    throw new UsageError('--count and --output-format cannot be combined');
  let names: ViewOptions['text']['names'];
  let fields: ViewOptions['text']['fields'];
  try {
    names = parseNames(split(v.names));
    fields = parseFields(split(v.fields));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return {
    inputs: parsed.positionals,
    options: {
      format: v.count ? 'count' : fmt,
      text: {
        clockSeconds: v['clock-seconds'] ?? false,
        clockDate: v['clock-date'] ?? false,
        clockGmt: v['clock-gmt'] ?? false,
        clockCycles: v['clock-cycles'] ?? false,
        delta: !(v['no-delta'] ?? false),
        names,
        fields,
      },
      clockOffsetSeconds:
        v['clock-offset'] !== undefined ? parseBigInt('clock-offset', v['clock-offset']) : 0n,
      clockOffsetNs:
        v['clock-offset-ns'] !== undefined ? parseBigInt('clock-offset-ns', v['clock-offset-ns']) : 0n,
    },
  };
}

/** stdout and stderr as the view writes them (synchronously, in large chunks). */
const stdio: SinkIo = {
  write(bytes: Uint8Array): void {
    try {
      writeAllSync(1, bytes);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') throw new PipeClosed();
      throw e;
    }
  },
  warn(line: string): void {
    writeAllSync(2, Buffer.from(`${line}\n`, 'latin1'));
  },
};

export async function run(args: string[]): Promise<number> {
  const { inputs, options } = parseViewArgs(args);
  blockingStdout();
  try {
    runView(nodeReaderHost, inputs, options, stdio);
  } catch (e) {
    if (e instanceof PipeClosed) return 0;
    if (e instanceof RangeError) {
      throw new UsageError(`the trace is too deeply nested to be read (${e.message})`);
    }
    throw e;
  }
  return 0;
}
