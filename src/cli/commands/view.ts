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

/**
 * The symbol readers of `--kernel-symbols` and `--debug-info` (src/cli/view-symbols.ts), loaded
 * only when one of them is asked for: the symbols modules take 20-25 ms to import.
 */
let viewSymbols: typeof import('../view-symbols.js') | null = null;

/** Loads what `--kernel-symbols` and `--debug-info` need (run() does it; tests call it). */
export async function loadViewSymbols(): Promise<typeof import('../view-symbols.js')> {
  viewSymbols ??= await import('../view-symbols.js');
  return viewSymbols;
}

function symbolsLoaded(): typeof import('../view-symbols.js') {
  if (!viewSymbols)
    throw new Error('loadViewSymbols() must be awaited before --kernel-symbols or --debug-info');
  return viewSymbols;
}

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
  --debug-info             add debug_info = { bin, func, src } to the common context of
                           user-space events with ip and vpid contexts (babeltrace2's
                           --debug-info, from ELF symbols: src stays empty, see docs/view.md)
  --debug-info-full-path   full paths in bin (implies --debug-info)
  --debug-info-target-prefix=DIR
                           read the binaries under DIR (implies --debug-info)
  --kernel-symbols[=FILE]  after each callstack_kernel address of a kernel trace, print its
                           symbol: " <name+0xOFF>" (" <?>": no symbol). FILE: a kallsyms or
                           System.map file; default: the kallsyms file ttng record saved with
                           the trace, else /proc/kallsyms (with a warning)
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

/** `--kernel-symbols[=FILE]` (the value only with `=`: `--kernel-symbols DIR` names a trace). */
function takeKernelSymbols(args: string[]): { rest: string[]; on: boolean; file: string | null } {
  const rest: string[] = [];
  let on = false;
  let file: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (a === '--kernel-symbols') {
      on = true;
      file = null;
    } else if (a.startsWith('--kernel-symbols=')) {
      on = true;
      file = a.slice('--kernel-symbols='.length);
      if (file === '') throw new UsageError('--kernel-symbols=FILE: the file name is empty');
    } else rest.push(a);
  }
  return { rest, on, file };
}

export function parseViewArgs(args: string[]): { inputs: string[]; options: ViewOptions } {
  const ks = takeKernelSymbols(args);
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: ks.rest,
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
        'debug-info': { type: 'boolean' },
        'debug-info-full-path': { type: 'boolean' },
        'debug-info-target-prefix': { type: 'string' },
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
      ...(ks.on
        ? { kernelSymbols: symbolsLoaded().kernelSymbolsProvider(ks.file, (l) => stdio.warn(l)) }
        : {}),
      ...(v['debug-info'] || v['debug-info-full-path'] || v['debug-info-target-prefix'] !== undefined
        ? {
            debugInfo: {
              fullPath: v['debug-info-full-path'] ?? false,
              targetPrefix: v['debug-info-target-prefix'] ?? null,
              host: symbolsLoaded().elfDebugInfoHost((l) => stdio.warn(l)),
            },
          }
        : {}),
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
  if (args.some((a) => a.startsWith('--kernel-symbols') || a.startsWith('--debug-info'))) {
    await loadViewSymbols();
  }
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
