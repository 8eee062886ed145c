/**
 * Recording event rules, LTTng's (specs/lttng.md §1.3): a name glob (`*` anywhere, `\*` a
 * literal star), exclusions (globs, only with a glob name), a log level condition (`range`: at
 * least as severe as; `single`: exactly), a filter, and the channel the events go to. An event
 * is recorded in a channel when at least one rule of that channel matches it; it is recorded once
 * even when several rules match, and it passes when any matching rule's filter passes.
 */
import { describeValue, TracerError, TracerErrorCode } from './errors.js';
import { parseLogLevel } from './log-level.js';

export const LogLevelRuleType = { All: 0, Range: 1, Single: 2 } as const;
export type LogLevelRuleType = (typeof LogLevelRuleType)[keyof typeof LogLevelRuleType];

/** A rule as users write it in `startSession({ events: [...] })`. */
export interface EventRuleSpec {
  /** Full event name or glob: `myapp:request`, `myapp:*`, `*`. */
  readonly name: string;
  /** Names (globs) not to record although `name` matches. */
  readonly exclude?: readonly string[];
  /** At least this severe (LTTng `--loglevel`). */
  readonly loglevel?: string | number;
  /** Exactly this level (LTTng `--loglevel-only`). */
  readonly loglevelOnly?: string | number;
  /** LTTng filter expression. */
  readonly filter?: string;
  /** Channel name; default `channel0`. */
  readonly channel?: string;
}

export interface EventRule {
  readonly name: string;
  readonly exclusions: readonly string[];
  readonly logLevelType: LogLevelRuleType;
  /** -1 with LogLevelRuleType.All. */
  readonly logLevel: number;
  readonly filter: string | null;
  readonly channel: string;
}

export const DEFAULT_CHANNEL = 'channel0';
const MAX_NAME = 255;

/** LTTng's star-glob match (strutils_star_glob_match): `*` matches any run, `\*` a star. */
export function starGlobMatch(pattern: string, text: string): boolean {
  // Iterative with one backtrack point: linear enough for names of 255 characters.
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (p < pattern.length) {
      const c = pattern[p]!;
      if (c === '*') {
        starP = ++p;
        starT = t;
        continue;
      }
      let lit = c;
      let step = 1;
      if (c === '\\' && p + 1 < pattern.length) {
        lit = pattern[p + 1]!;
        step = 2;
      }
      if (lit === text[t]) {
        p += step;
        t++;
        continue;
      }
    }
    if (starP < 0) return false;
    p = starP;
    t = ++starT;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

export function isGlob(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === '*') return true;
  }
  return false;
}

/** Validates and normalizes a rule. `where` names the option for errors. */
export function normalizeEventRule(spec: string | EventRuleSpec, where: string): EventRule {
  const s: EventRuleSpec = typeof spec === 'string' ? { name: spec } : spec;
  const fail = (why: string): never => {
    throw new TracerError(TracerErrorCode.Config, `${where}: ${why}`);
  };
  if (typeof s !== 'object' || s === null || typeof s.name !== 'string')
    fail('an event rule needs a "name" (glob)');
  const name = s.name.trim();
  if (name.length === 0) fail('an event rule name is empty; use "*" for every event');
  if (name.length > MAX_NAME) fail(`event rule name is ${name.length} characters; LTTng allows ${MAX_NAME}`);
  if (s.exclude !== undefined && !Array.isArray(s.exclude)) fail('exclude must be a list of names or globs');
  if (s.filter !== undefined && typeof s.filter !== 'string') fail('a filter must be a string');
  if (s.channel !== undefined && typeof s.channel !== 'string') fail('a channel name must be a string');
  const exclusions = [...(s.exclude ?? [])].map((x) => {
    if (typeof x !== 'string') fail(`exclusion ${describeValue(x)} is not a string`);
    return x.trim();
  });
  if (exclusions.length > 0) {
    if (!isGlob(name)) fail(`exclusions need a glob name, and "${name}" has no "*"`);
    for (const x of exclusions) {
      if (x.length === 0 || x.length > MAX_NAME) fail(`exclusion "${x}" is empty or longer than ${MAX_NAME}`);
      if (x === name || x === '*') fail(`exclusion "${x}" excludes every event "${name}" matches`);
    }
  }
  if (s.loglevel !== undefined && s.loglevelOnly !== undefined)
    fail('give loglevel or loglevelOnly, not both');
  let logLevelType: LogLevelRuleType = LogLevelRuleType.All;
  let logLevel = -1;
  if (s.loglevel !== undefined) {
    logLevelType = LogLevelRuleType.Range;
    logLevel = parseLogLevel(s.loglevel, where);
  } else if (s.loglevelOnly !== undefined) {
    logLevelType = LogLevelRuleType.Single;
    logLevel = parseLogLevel(s.loglevelOnly, where);
  }
  const channel = s.channel ?? DEFAULT_CHANNEL;
  if (!/^[A-Za-z0-9_.-]+$/.test(channel) || channel.length > MAX_NAME) {
    fail(`channel name "${channel}" must be letters, digits, "_", "." or "-"`);
  }
  const filter = s.filter === undefined || s.filter.trim() === '' ? null : s.filter;
  return Object.freeze({
    name,
    exclusions: Object.freeze(exclusions),
    logLevelType,
    logLevel,
    filter,
    channel,
  });
}

/** Does the rule select this event, before its filter? */
export function eventRuleMatches(rule: EventRule, eventName: string, eventLogLevel: number): boolean {
  if (!starGlobMatch(rule.name, eventName)) return false;
  for (const x of rule.exclusions) if (starGlobMatch(x, eventName)) return false;
  switch (rule.logLevelType) {
    case LogLevelRuleType.Range:
      return eventLogLevel <= rule.logLevel;
    case LogLevelRuleType.Single:
      return eventLogLevel === rule.logLevel;
    default:
      return true;
  }
}

/**
 * What a channel does with one event class: not record it, record it, or record it when one of
 * the filters passes (null entries never occur: a rule without filter makes `filters` empty).
 */
export interface ChannelSelection {
  readonly channel: string;
  /** Empty: record every call. Otherwise: record when any of these filters passes. */
  readonly filters: readonly string[];
}

/** For one event class, which channels record it and under which filters. */
export function selectChannels(
  rules: readonly EventRule[],
  eventName: string,
  eventLogLevel: number,
): ChannelSelection[] {
  const byChannel = new Map<string, { unfiltered: boolean; filters: string[] }>();
  for (const r of rules) {
    if (!eventRuleMatches(r, eventName, eventLogLevel)) continue;
    let e = byChannel.get(r.channel);
    if (!e) byChannel.set(r.channel, (e = { unfiltered: false, filters: [] }));
    if (r.filter === null) e.unfiltered = true;
    else if (!e.filters.includes(r.filter)) e.filters.push(r.filter);
  }
  return [...byChannel].map(([channel, e]) => ({ channel, filters: e.unfiltered ? [] : e.filters }));
}
