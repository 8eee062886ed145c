/**
 * Options of `ttng view`, mapped the way babeltrace2's CLI maps its own to `sink.text.pretty`
 * parameters: `--names`/`--fields` items become `name-*`/`field-*` booleans, and any item other
 * than `all`/`none` hides the defaults.
 */
import { TtngError } from '../errors.js';
import type { DebugInfoOptions } from './debug-info.js';
import type { KernelSymbolsProvider } from './kernel-symbols.js';

export interface NameFlags {
  payload: boolean;
  context: boolean;
  scope: boolean;
  header: boolean;
}

export interface FieldFlags {
  trace: boolean;
  hostname: boolean;
  domain: boolean;
  procname: boolean;
  vpid: boolean;
  loglevel: boolean;
  emf: boolean;
  callsite: boolean;
}

export interface TextOptions {
  readonly clockSeconds: boolean;
  readonly clockDate: boolean;
  readonly clockGmt: boolean;
  readonly clockCycles: boolean;
  readonly delta: boolean;
  readonly names: NameFlags;
  readonly fields: FieldFlags;
}

export type OutputFormat = 'text' | 'json' | 'count';

export interface ViewOptions {
  readonly format: OutputFormat;
  readonly text: TextOptions;
  /** Seconds added to every clock class offset (`--clock-offset`). */
  readonly clockOffsetSeconds: bigint;
  /** Nanoseconds added to every clock class offset (`--clock-offset-ns`). */
  readonly clockOffsetNs: bigint;
  /**
   * `--kernel-symbols`: symbols after the `callstack_kernel` addresses of kernel traces (text),
   * a `callstack_kernel_symbols` array (JSON). Absent: babeltrace2's output, unchanged.
   */
  readonly kernelSymbols?: KernelSymbolsProvider;
  /**
   * `--debug-info`: a `debug_info = { bin, func, src }` member at the end of the common context
   * of user-space events that record `ip` and `vpid` (babeltrace2's debug-info filter, from ELF
   * symbols only). Absent: babeltrace2's output without the filter, unchanged.
   */
  readonly debugInfo?: DebugInfoOptions;
}

export class ViewOptionError extends TtngError {
  constructor(message: string) {
    super('TTNG_E_VIEW_OPTION', message);
    this.name = 'ViewOptionError';
  }
}

const NAME_ITEMS: Record<string, keyof NameFlags> = {
  payload: 'payload',
  args: 'payload',
  arg: 'payload',
  context: 'context',
  ctx: 'context',
  scope: 'scope',
  header: 'header',
};

const FIELD_ITEMS: Record<string, keyof FieldFlags> = {
  trace: 'trace',
  'trace:hostname': 'hostname',
  'trace:domain': 'domain',
  'trace:procname': 'procname',
  'trace:vpid': 'vpid',
  loglevel: 'loglevel',
  emf: 'emf',
  callsite: 'callsite',
};

/** `--names` items (comma-separated, repeatable) -> flags. */
export function parseNames(items: readonly string[]): NameFlags {
  const defaults: NameFlags = { payload: true, context: true, scope: false, header: false };
  let def: boolean | null = null;
  const set: Partial<NameFlags> = {};
  let any = false;
  for (const item of items) {
    if (item === 'all') def = true;
    else if (item === 'none') def = false;
    else {
      const k = NAME_ITEMS[item];
      if (!k) {
        throw new ViewOptionError(
          `unknown --names item "${item}" (expecting payload, args, arg, context, ctx, scope, header, all or none)`,
        );
      }
      set[k] = true;
      any = true;
    }
  }
  if (def === null && any) def = false;
  const base: NameFlags = def === null ? defaults : { payload: def, context: def, scope: def, header: def };
  return { ...base, ...set };
}

/** `--fields` items -> flags. */
export function parseFields(items: readonly string[]): FieldFlags {
  const defaults: FieldFlags = {
    trace: false,
    hostname: true,
    domain: false,
    procname: true,
    vpid: true,
    loglevel: false,
    emf: false,
    callsite: false,
  };
  let def: boolean | null = null;
  const set: Partial<FieldFlags> = {};
  let any = false;
  for (const item of items) {
    if (item === 'all') def = true;
    else if (item === 'none') def = false;
    else {
      const k = FIELD_ITEMS[item];
      if (!k) {
        throw new ViewOptionError(
          `unknown --fields item "${item}" (expecting trace, trace:hostname, trace:domain, trace:procname, trace:vpid, loglevel, emf, callsite, all or none)`,
        );
      }
      set[k] = true;
      any = true;
    }
  }
  if (def === null && any) def = false;
  const base: FieldFlags =
    def === null
      ? defaults
      : {
          trace: def,
          hostname: def,
          domain: def,
          procname: def,
          vpid: def,
          loglevel: def,
          emf: def,
          callsite: def,
        };
  return { ...base, ...set };
}

export function defaultTextOptions(): TextOptions {
  return {
    clockSeconds: false,
    clockDate: false,
    clockGmt: false,
    clockCycles: false,
    delta: true,
    names: parseNames([]),
    fields: parseFields([]),
  };
}
