/**
 * One tracepoint definition, normalized and checked: `provider:event`, its log level, its fields.
 * This is what crosses threads (JSON, in the registry of tracer-control.ts) so the consumer can
 * describe the event record class in the metadata, and what the code generator specializes on.
 */

import { describeValue, TracerError, TracerErrorCode } from './errors.js';
import {
  fieldsSignature,
  IDENTIFIER,
  type NormalizedField,
  normalizeFields,
  TypeKind,
} from './field-spec.js';
import { DEFAULT_LOG_LEVEL, parseLogLevel } from './log-level.js';

export interface EventClassDef {
  /** `provider:event`. */
  readonly name: string;
  readonly provider: string;
  readonly event: string;
  readonly logLevel: number;
  readonly fields: readonly NormalizedField[];
  readonly emfUri?: string;
}

/** What a user writes for one event of `defineProvider`. */
export interface EventDefinition {
  readonly loglevel?: string | number;
  readonly fields?: unknown;
  /** LTTng's `model.emf.uri` attribute. */
  readonly emfUri?: string;
}

/** LTTNG_SYMBOL_NAME_LEN - 1. */
export const MAX_EVENT_NAME = 255;

export function checkProviderName(provider: unknown): string {
  if (typeof provider !== 'string' || !IDENTIFIER.test(provider)) {
    throw new TracerError(
      TracerErrorCode.Definition,
      `provider name ${describeValue(provider)} must be a C identifier ([A-Za-z_][A-Za-z0-9_]*), as LTTng's`,
    );
  }
  return provider;
}

export function makeEventClassDef(provider: string, event: string, def: EventDefinition): EventClassDef {
  const name = `${provider}:${event}`;
  if (!IDENTIFIER.test(event)) {
    throw new TracerError(
      TracerErrorCode.Definition,
      `event "${name}": the event name must be a C identifier ([A-Za-z_][A-Za-z0-9_]*)`,
    );
  }
  if (name.length > MAX_EVENT_NAME) {
    throw new TracerError(
      TracerErrorCode.Definition,
      `event "${name}": the full name is longer than ${MAX_EVENT_NAME} characters`,
    );
  }
  if (def === null || typeof def !== 'object') {
    throw new TracerError(
      TracerErrorCode.Definition,
      `event "${name}": its definition must be an object { loglevel?, fields? }`,
    );
  }
  for (const k of Object.keys(def)) {
    if (k !== 'loglevel' && k !== 'fields' && k !== 'emfUri') {
      throw new TracerError(
        TracerErrorCode.Definition,
        `event "${name}": unknown property "${k}" (use loglevel, fields, emfUri)`,
      );
    }
  }
  const logLevel =
    def.loglevel === undefined
      ? DEFAULT_LOG_LEVEL
      : parseLogLevel(def.loglevel, `event "${name}"`, TracerErrorCode.Definition);
  const fields = normalizeFields(def.fields, name);
  return Object.freeze({
    name,
    provider,
    event,
    logLevel,
    fields,
    ...(def.emfUri !== undefined ? { emfUri: checkEmfUri(def.emfUri, name) } : {}),
  });
}

function checkEmfUri(v: unknown, name: string): string {
  if (typeof v !== 'string')
    throw new TracerError(TracerErrorCode.Definition, `event "${name}": emfUri must be a string`);
  return v;
}

/** Identity of a definition across threads: same key, same event class. */
export function eventClassKey(d: EventClassDef): string {
  return `${d.logLevel}|${d.emfUri ?? ''}|${fieldsSignature(d.fields)}`;
}

/** JSON form for the registry (bigints of enumeration ranges as strings). */
export function eventClassToJson(d: EventClassDef): unknown {
  return JSON.parse(JSON.stringify(d, (_k, v) => (typeof v === 'bigint' ? { $big: v.toString() } : v)));
}

export function eventClassFromJson(j: unknown): EventClassDef {
  return JSON.parse(JSON.stringify(j), (_k, v) =>
    v !== null && typeof v === 'object' && typeof (v as { $big?: unknown }).$big === 'string'
      ? BigInt((v as { $big: string }).$big)
      : v,
  ) as EventClassDef;
}

/** Number of positional arguments a tracepoint of this class takes. */
export function arityOf(d: EventClassDef): number {
  return d.fields.length;
}

/** True when a field's size in a record depends on its argument (strings, sequences). */
export function hasDynamicSize(d: EventClassDef): boolean {
  return d.fields.some(
    (f) =>
      f.type.kind === TypeKind.String ||
      f.type.kind === TypeKind.Sequence ||
      f.type.kind === TypeKind.DynamicText ||
      (f.type.kind === TypeKind.Array && f.type.element.kind === TypeKind.String),
  );
}
