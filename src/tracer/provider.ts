/**
 * `defineProvider(name, { event: { loglevel, fields } })`: one tracepoint function per event,
 * typed from the definition. Everything is checked here, at definition time: names, field types,
 * log levels, and that the same name is not defined differently elsewhere in the process.
 */

import { TracerError, TracerErrorCode } from './errors.js';
import { checkProviderName, type EventDefinition, makeEventClassDef } from './event-class-def.js';
import type { ArgsOf } from './field-spec.js';
import { logLevelName } from './log-level.js';
import { ThreadTracer, type TracepointRecord } from './thread-tracer.js';

/** A tracepoint: call it with the fields in declaration order; a no-op unless a session records it. */
export interface Tracepoint<A extends unknown[] = unknown[]> {
  (...args: A): void;
  /** True while an active session records this event (in this thread). */
  readonly enabled: boolean;
  /** `provider:event`. */
  readonly eventName: string;
  /** LTTng log level number (0 EMERG ... 14 DEBUG). */
  readonly logLevel: number;
  /** Calls `listener(enabled)` each time the tracepoint is enabled or disabled; returns an unsubscribe function. */
  onEnabledChange(listener: (enabled: boolean) => void): () => void;
}

export interface EventDefinitionOf<F> {
  readonly loglevel?: string | number;
  readonly fields?: F;
  readonly emfUri?: string;
}

type Definitions = Readonly<Record<string, EventDefinitionOf<unknown>>>;

/** The provider object: one tracepoint per event, plus the provider's name. */
export type Provider<D extends Definitions> = {
  readonly [K in keyof D]: Tracepoint<D[K] extends { readonly fields: infer F } ? ArgsOf<F> : []>;
} & { readonly providerName: string };

/** Builds the user-facing tracepoint function of a record. */
export function tracepointOf(rec: TracepointRecord): Tracepoint {
  const fn = rec.fn as Tracepoint & { onEnabledChange?: unknown };
  Object.defineProperties(fn, {
    enabled: { get: () => rec.st.on !== 0, enumerable: true },
    eventName: { value: rec.def.name, enumerable: true },
    logLevel: { value: rec.def.logLevel, enumerable: true },
    logLevelName: { value: logLevelName(rec.def.logLevel) },
    onEnabledChange: {
      value: (listener: (enabled: boolean) => void) => {
        rec.listeners.add(listener);
        return () => rec.listeners.delete(listener);
      },
    },
  });
  return fn;
}

/**
 * Defines a provider. Each key of `events` becomes a tracepoint `provider:key`:
 *
 *     const app = defineProvider('myapp', {
 *       request: { loglevel: 'INFO', fields: { url: 'string', status: 'u16' } },
 *     });
 *     app.request('/index', 200);
 */
export function defineProvider<const D extends Definitions>(name: string, events: D): Provider<D> {
  const provider = checkProviderName(name);
  if (events === null || typeof events !== 'object' || Array.isArray(events)) {
    throw new TracerError(
      TracerErrorCode.Definition,
      `provider "${provider}": events must be an object { eventName: { loglevel?, fields? } }`,
    );
  }
  const entries = Object.entries(events);
  if (entries.length === 0)
    throw new TracerError(TracerErrorCode.Definition, `provider "${provider}" defines no event`);
  if (Object.hasOwn(events, 'providerName')) {
    throw new TracerError(
      TracerErrorCode.Definition,
      `provider "${provider}": "providerName" is reserved; rename that event`,
    );
  }
  // Check every definition before registering any: a bad one leaves nothing half-defined.
  const defs = entries.map(([event, def]) => makeEventClassDef(provider, event, def as EventDefinition));
  const tracer = ThreadTracer.get();
  const out: Record<string, unknown> = { providerName: provider };
  for (const def of defs) out[def.event] = tracepointOf(tracer.define(def));
  return Object.freeze(out) as Provider<D>;
}
