/**
 * Session options as users give them (`startSession({...})`, or `TTNG_*` environment variables),
 * checked and normalized into the JSON configuration every thread reads from the process-wide
 * control buffer. Channel attributes follow `lttng enable-channel`: sizes are rounded up to powers
 * of two (sub-buffers at least a page), `snapshot` forces overwrite mode (as `lttng create
 * --snapshot`).
 */
import { type ContextName, normalizeContexts } from './contexts.js';
import { describeValue, TracerError, TracerErrorCode } from './errors.js';
import { DEFAULT_CHANNEL, type EventRule, type EventRuleSpec, normalizeEventRule } from './event-rule.js';

export interface ChannelOptions {
  readonly name: string;
  readonly mode?: 'discard' | 'overwrite';
  /** Bytes per sub-buffer, or a size with a k/M/G suffix. Default 262144 (256 KiB). */
  readonly subbufSize?: number | string;
  /** Default 4. */
  readonly numSubbuf?: number;
  /** Period of the switch timer (flush of quiet buffers), in µs; 0 (default) disables it. */
  readonly switchTimerUs?: number;
  /** Contexts of this channel, in record order. */
  readonly contexts?: readonly ContextName[] | string;
}

export interface SessionOptions {
  /** Default `auto-YYYYmmdd-HHMMSS`. */
  readonly name?: string;
  /** Session output directory. Default `$LTTNG_HOME/lttng-traces/<name>-<YYYYmmdd-HHMMSS>`. */
  readonly output?: string;
  /** Event rules: names or globs (`'myapp:*'`), or rule objects. Default `['*']`. */
  readonly events?: readonly (string | EventRuleSpec)[] | string;
  /** Filter of the rules given as plain names. */
  readonly filter?: string;
  /** Log level condition (at least as severe) of the rules given as plain names. */
  readonly loglevel?: string | number;
  /** Exact log level condition of the rules given as plain names. */
  readonly loglevelOnly?: string | number;
  /** Exclusions of the rules given as plain names (globs). */
  readonly exclude?: readonly string[];
  /** Options of the default channel `channel0` (when `channels` is not given). */
  readonly contexts?: readonly ContextName[] | string;
  readonly mode?: 'discard' | 'overwrite';
  readonly subbufSize?: number | string;
  readonly numSubbuf?: number;
  readonly switchTimerUs?: number;
  /** Several channels; rules name theirs (`channel`, default `channel0`). */
  readonly channels?: readonly ChannelOptions[];
  /** Snapshot mode: overwrite buffers, nothing written until `session.snapshot()`. */
  readonly snapshot?: boolean;
  /** Emit the `lttng_ust_statedump:*` events at start (default true). */
  readonly statedump?: boolean;
  /** How long stop and exit wait for threads and the consumer, in ms. Default 3000. */
  readonly timeoutMs?: number;
}

export interface ChannelConfig {
  readonly name: string;
  /** The data stream class id (order of the channels). */
  readonly id: number;
  /** 0 discard, 1 overwrite (RingBufferMode). */
  readonly mode: 0 | 1;
  readonly subbufSizeBytes: number;
  readonly numSubbuf: number;
  readonly switchTimerUs: number;
  readonly contexts: readonly ContextName[];
}

/** What every thread of the process reads (JSON in the control buffer). */
export interface SessionConfig {
  readonly name: string;
  readonly outputDir: string;
  readonly snapshot: boolean;
  readonly statedump: boolean;
  readonly timeoutMs: number;
  readonly channels: readonly ChannelConfig[];
  readonly rules: readonly EventRule[];
  /** Filled by session.ts: trace identity and layout. */
  readonly trace: {
    readonly uuid: string;
    readonly clockOffsetNs: string;
    readonly bootId: string | null;
    readonly hostname: string;
    readonly procname: string;
    readonly pid: number;
    readonly creationDateTime: string;
    readonly vpidDateTime: string;
    /** Relative to a chunk directory: `ust/pid/<procname>-<pid>-<date>`. */
    readonly perPidDir: string;
  };
}

export const DEFAULT_SUBBUF_SIZE = 262144;
export const DEFAULT_NUM_SUBBUF = 4;
const PAGE_SIZE = 4096;

function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** `262144`, `'256k'`, `'1M'`, `'1G'` -> bytes, rounded up to a power of two, at least a page. */
export function parseSize(v: unknown, where: string): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string') {
    const m = /^\s*(\d+)\s*([kKmMgG]?)\s*$/.exec(v);
    if (!m)
      throw new TracerError(
        TracerErrorCode.Config,
        `${where}: size "${v}" is not a number with an optional k, M or G suffix`,
      );
    n =
      Number(m[1]) *
      ({ '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as Record<string, number>)[m[2]!.toLowerCase()]!;
  } else {
    throw new TracerError(
      TracerErrorCode.Config,
      `${where}: size ${describeValue(v)} is not a number or a string`,
    );
  }
  if (!Number.isFinite(n) || n <= 0)
    throw new TracerError(TracerErrorCode.Config, `${where}: size ${n} is not positive`);
  return Math.max(PAGE_SIZE, nextPowerOfTwo(Math.ceil(n)));
}

function channelOf(o: ChannelOptions, id: number, snapshot: boolean): ChannelConfig {
  if (o === null || typeof o !== 'object') {
    throw new TracerError(
      TracerErrorCode.Config,
      `channel ${describeValue(o)} is not an object { name, ... }`,
    );
  }
  const where = `channel ${describeValue(o.name)}`;
  if (typeof o.name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(o.name)) {
    throw new TracerError(
      TracerErrorCode.Config,
      `${where}: a channel name is letters, digits, "_", "." or "-"`,
    );
  }
  if (o.mode !== undefined && o.mode !== 'discard' && o.mode !== 'overwrite') {
    throw new TracerError(
      TracerErrorCode.Config,
      `${where}: mode ${describeValue(o.mode)} is neither "discard" nor "overwrite"`,
    );
  }
  if (snapshot && o.mode === 'discard') {
    throw new TracerError(
      TracerErrorCode.Config,
      `${where}: a snapshot session records in overwrite mode only`,
    );
  }
  const subbufSizeBytes = parseSize(o.subbufSize ?? DEFAULT_SUBBUF_SIZE, `${where}, subbufSize`);
  const num = o.numSubbuf ?? DEFAULT_NUM_SUBBUF;
  if (typeof num !== 'number' || !Number.isInteger(num) || num < 1 || num > 4096) {
    throw new TracerError(
      TracerErrorCode.Config,
      `${where}: numSubbuf ${describeValue(num)} is not an integer in 1..4096`,
    );
  }
  const numSubbuf = Math.max(2, nextPowerOfTwo(num));
  if (subbufSizeBytes * numSubbuf > 2 ** 28 - 2 ** 20) {
    throw new TracerError(
      TracerErrorCode.Config,
      `${where}: ${numSubbuf} x ${subbufSizeBytes} bytes is more than 255 MiB per thread`,
    );
  }
  const switchTimerUs = o.switchTimerUs ?? 0;
  if (typeof switchTimerUs !== 'number' || !Number.isInteger(switchTimerUs) || switchTimerUs < 0) {
    throw new TracerError(
      TracerErrorCode.Config,
      `${where}: switchTimerUs ${describeValue(switchTimerUs)} is not a non-negative integer`,
    );
  }
  return Object.freeze({
    name: o.name,
    id,
    mode: snapshot || o.mode === 'overwrite' ? 1 : 0,
    subbufSizeBytes,
    numSubbuf,
    switchTimerUs,
    contexts: Object.freeze(normalizeContexts(o.contexts, where)),
  });
}

export type NormalizedSessionOptions = Omit<SessionConfig, 'trace' | 'outputDir'> & {
  readonly output: string | null;
};

/** Checks options; filters are checked by the caller (they need the filter area). */
export function normalizeSessionOptions(o: SessionOptions): NormalizedSessionOptions {
  if (o === null || typeof o !== 'object')
    throw new TracerError(TracerErrorCode.Config, 'session options must be an object');
  const known = new Set([
    'name',
    'output',
    'events',
    'filter',
    'loglevel',
    'loglevelOnly',
    'exclude',
    'contexts',
    'mode',
    'subbufSize',
    'numSubbuf',
    'switchTimerUs',
    'channels',
    'snapshot',
    'statedump',
    'timeoutMs',
  ]);
  for (const k of Object.keys(o)) {
    if (!known.has(k)) throw new TracerError(TracerErrorCode.Config, `unknown session option "${k}"`);
  }
  const snapshot = o.snapshot === true;
  if (o.name !== undefined && typeof o.name !== 'string') {
    throw new TracerError(TracerErrorCode.Config, `session name ${describeValue(o.name)} is not a string`);
  }
  if (o.output !== undefined && typeof o.output !== 'string') {
    throw new TracerError(
      TracerErrorCode.Config,
      `output ${describeValue(o.output)} is not a directory path`,
    );
  }
  for (const k of ['snapshot', 'statedump'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') {
      throw new TracerError(TracerErrorCode.Config, `${k} ${describeValue(o[k])} is not true or false`);
    }
  }
  const name = o.name ?? '';
  if (name.includes('/'))
    throw new TracerError(TracerErrorCode.Config, `session name "${name}" contains "/"`);
  let channels: ChannelConfig[];
  if (o.channels !== undefined) {
    if (!Array.isArray(o.channels) || o.channels.length === 0) {
      throw new TracerError(TracerErrorCode.Config, 'channels must be a non-empty list');
    }
    for (const k of ['contexts', 'mode', 'subbufSize', 'numSubbuf', 'switchTimerUs'] as const) {
      if (o[k] !== undefined) {
        throw new TracerError(
          TracerErrorCode.Config,
          `give "${k}" inside each channel when "channels" is used`,
        );
      }
    }
    channels = o.channels.map((c, i) => channelOf(c, i, snapshot));
    const names = new Set<string>();
    for (const c of channels) {
      if (names.has(c.name))
        throw new TracerError(TracerErrorCode.Config, `channel "${c.name}" is given twice`);
      names.add(c.name);
    }
  } else {
    channels = [
      channelOf(
        {
          name: DEFAULT_CHANNEL,
          ...(o.mode !== undefined ? { mode: o.mode } : {}),
          ...(o.subbufSize !== undefined ? { subbufSize: o.subbufSize } : {}),
          ...(o.numSubbuf !== undefined ? { numSubbuf: o.numSubbuf } : {}),
          ...(o.switchTimerUs !== undefined ? { switchTimerUs: o.switchTimerUs } : {}),
          ...(o.contexts !== undefined ? { contexts: o.contexts } : {}),
        },
        0,
        snapshot,
      ),
    ];
  }
  const events =
    o.events === undefined ? ['*'] : typeof o.events === 'string' ? splitNames(o.events) : o.events;
  if (!Array.isArray(events) || events.length === 0) {
    throw new TracerError(TracerErrorCode.Config, 'events must be a non-empty list of names, globs or rules');
  }
  const rules = events.map((e, i) => {
    const spec: EventRuleSpec =
      typeof e === 'string'
        ? {
            name: e,
            ...(o.filter !== undefined ? { filter: o.filter } : {}),
            ...(o.loglevel !== undefined ? { loglevel: o.loglevel } : {}),
            ...(o.loglevelOnly !== undefined ? { loglevelOnly: o.loglevelOnly } : {}),
            ...(o.exclude !== undefined ? { exclude: o.exclude } : {}),
            channel: channels[0]!.name,
          }
        : e;
    const r = normalizeEventRule(spec, `events[${i}]`);
    if (!channels.some((c) => c.name === r.channel)) {
      throw new TracerError(
        TracerErrorCode.Config,
        `events[${i}]: channel "${r.channel}" is not one of the session's channels`,
      );
    }
    return r;
  });
  const timeoutMs = o.timeoutMs ?? 3000;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new TracerError(
      TracerErrorCode.Config,
      `timeoutMs ${describeValue(timeoutMs)} is not a non-negative number`,
    );
  }
  return {
    name,
    output: o.output ?? null,
    snapshot,
    statedump: o.statedump !== false,
    timeoutMs,
    channels: Object.freeze(channels),
    rules: Object.freeze(rules),
  };
}

/** Splits `a,b\,c` on unescaped commas (LTTng's `\,`). */
export function splitNames(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && s[i + 1] === ',') {
      cur += ',';
      i++;
    } else if (c === ',') {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/**
 * Session options from the environment, for a program started without code changes:
 * `TTNG_EVENTS` (required to trace: comma-separated names or globs), `TTNG_OUTPUT`,
 * `TTNG_SESSION_NAME`, `TTNG_FILTER`, `TTNG_LOGLEVEL`, `TTNG_LOGLEVEL_ONLY`, `TTNG_EXCLUDE`,
 * `TTNG_CONTEXTS`, `TTNG_MODE`, `TTNG_SUBBUF_SIZE`, `TTNG_NUM_SUBBUF`, `TTNG_SWITCH_TIMER_US`,
 * `TTNG_SNAPSHOT`, `TTNG_STATEDUMP`. Returns null when neither TTNG_EVENTS nor TTNG_OUTPUT is set.
 */
export function sessionOptionsFromEnv(env: NodeJS.ProcessEnv): SessionOptions | null {
  if (!env.TTNG_EVENTS && !env.TTNG_OUTPUT) return null;
  const o: Record<string, unknown> = {};
  if (env.TTNG_EVENTS) o.events = splitNames(env.TTNG_EVENTS);
  if (env.TTNG_OUTPUT) o.output = env.TTNG_OUTPUT;
  if (env.TTNG_SESSION_NAME) o.name = env.TTNG_SESSION_NAME;
  if (env.TTNG_FILTER) o.filter = env.TTNG_FILTER;
  if (env.TTNG_LOGLEVEL) o.loglevel = env.TTNG_LOGLEVEL;
  if (env.TTNG_LOGLEVEL_ONLY) o.loglevelOnly = env.TTNG_LOGLEVEL_ONLY;
  if (env.TTNG_EXCLUDE) o.exclude = splitNames(env.TTNG_EXCLUDE);
  if (env.TTNG_CONTEXTS) o.contexts = env.TTNG_CONTEXTS;
  if (env.TTNG_MODE) o.mode = env.TTNG_MODE;
  if (env.TTNG_SUBBUF_SIZE) o.subbufSize = env.TTNG_SUBBUF_SIZE;
  if (env.TTNG_NUM_SUBBUF) o.numSubbuf = Number(env.TTNG_NUM_SUBBUF);
  if (env.TTNG_SWITCH_TIMER_US) o.switchTimerUs = Number(env.TTNG_SWITCH_TIMER_US);
  if (env.TTNG_SNAPSHOT) o.snapshot = env.TTNG_SNAPSHOT === '1' || env.TTNG_SNAPSHOT === 'true';
  if (env.TTNG_STATEDUMP) o.statedump = !(env.TTNG_STATEDUMP === '0' || env.TTNG_STATEDUMP === 'false');
  return o as SessionOptions;
}
