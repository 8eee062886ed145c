/**
 * Where a length or selector field is (CTF 2 §5.3.6 "field location"). Always absolute in the
 * model: TSDL's relative and lexically scoped references are resolved by the TSDL reader.
 * The path names structure members from the origin's root structure; when it passes through an
 * array, it means the element being read or written at that moment (CTF's rule).
 */
import { CtfModelError } from '../errors.js';

export type FieldLocationOrigin =
  | 'packet-header'
  | 'packet-context'
  | 'event-record-header'
  | 'event-record-common-context'
  | 'event-record-specific-context'
  | 'event-record-payload';

/** The root scopes, in the order a data stream lays them out. */
export const FIELD_LOCATION_ORIGINS: readonly FieldLocationOrigin[] = Object.freeze([
  'packet-header',
  'packet-context',
  'event-record-header',
  'event-record-common-context',
  'event-record-specific-context',
  'event-record-payload',
]);

/** TSDL spelling of each origin (`event.fields.len`). */
export const TSDL_SCOPE_OF_ORIGIN: Readonly<Record<FieldLocationOrigin, string>> = Object.freeze({
  'packet-header': 'trace.packet.header',
  'packet-context': 'stream.packet.context',
  'event-record-header': 'stream.event.header',
  'event-record-common-context': 'stream.event.context',
  'event-record-specific-context': 'event.context',
  'event-record-payload': 'event.fields',
});

export interface FieldLocation {
  readonly origin: FieldLocationOrigin;
  readonly path: readonly string[];
}

export function fieldLocation(origin: FieldLocationOrigin, ...path: string[]): FieldLocation {
  if (!FIELD_LOCATION_ORIGINS.includes(origin))
    throw new CtfModelError(`field location: unknown origin "${origin}"`);
  if (path.length === 0) throw new CtfModelError('field location: the path is empty');
  return Object.freeze({ origin, path: Object.freeze([...path]) });
}

export function fieldLocationToString(loc: FieldLocation): string {
  return `${TSDL_SCOPE_OF_ORIGIN[loc.origin]}.${loc.path.join('.')}`;
}
