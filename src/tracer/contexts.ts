/**
 * Context fields a channel adds to every record (LTTng `add-context -u -t TYPE`; specs/lttng.md
 * §1.4), with LTTng's field types: vpid and vtid are signed 32-bit integers, procname a 17-byte
 * UTF-8 char array, hostname a 65-byte one (the kernel tracer's). Node adds its own: the async id
 * and trigger async id of the calling code (async_hooks.executionAsyncId / triggerAsyncId), as
 * signed 64-bit integers. Per-thread constants are baked into the generated code as constants.
 */
import { describeValue, TracerError, TracerErrorCode } from './errors.js';

export const CONTEXT_NAMES = [
  'vpid',
  'vtid',
  'procname',
  'hostname',
  'async_id',
  'trigger_async_id',
] as const;
export type ContextName = (typeof CONTEXT_NAMES)[number];

/** How a context is written: a constant of the thread, or a value read at each event. */
export type ContextDef =
  | { readonly name: ContextName; readonly kind: 'i32-const' }
  | { readonly name: ContextName; readonly kind: 'text-const'; readonly lengthBytes: number }
  | { readonly name: ContextName; readonly kind: 'i64-call' };

export const CONTEXT_DEFS: Readonly<Record<ContextName, ContextDef>> = Object.freeze({
  vpid: { name: 'vpid', kind: 'i32-const' },
  vtid: { name: 'vtid', kind: 'i32-const' },
  procname: { name: 'procname', kind: 'text-const', lengthBytes: 17 },
  hostname: { name: 'hostname', kind: 'text-const', lengthBytes: 65 },
  async_id: { name: 'async_id', kind: 'i64-call' },
  trigger_async_id: { name: 'trigger_async_id', kind: 'i64-call' },
});

/** Validates a `contexts` option: known names, each once, order kept (it is the record order). */
export function normalizeContexts(contexts: unknown, where: string): ContextName[] {
  if (contexts === undefined) return [];
  const list = typeof contexts === 'string' ? contexts.split(',') : contexts;
  if (!Array.isArray(list)) {
    throw new TracerError(TracerErrorCode.Config, `${where}: contexts must be a list of names`);
  }
  const out: ContextName[] = [];
  for (const raw of list) {
    if (typeof raw !== 'string') {
      throw new TracerError(TracerErrorCode.Config, `${where}: context ${describeValue(raw)} is not a name`);
    }
    const name = raw.trim().replace(/-/g, '_') as ContextName;
    if (!(CONTEXT_NAMES as readonly string[]).includes(name)) {
      throw new TracerError(
        TracerErrorCode.Config,
        `${where}: unknown context "${raw}"; the Node.js tracer offers ${CONTEXT_NAMES.join(', ')}`,
      );
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** Bytes of a context field in a record. */
export function contextSizeBytes(name: ContextName): number {
  const d = CONTEXT_DEFS[name];
  return d.kind === 'i32-const' ? 4 : d.kind === 'text-const' ? d.lengthBytes : 8;
}

/** A string as `lengthBytes` UTF-8 bytes, cut at a character boundary and NUL-padded. */
export function fixedTextBytes(s: string, lengthBytes: number): Uint8Array {
  const out = new Uint8Array(lengthBytes);
  const enc = new TextEncoder().encode(s.replace(/\0/g, ''));
  // Keep at least one NUL at the end (C strings) and never cut a UTF-8 sequence in two.
  let n = Math.min(enc.length, lengthBytes - 1);
  while (n > 0 && n < enc.length && (enc[n]! & 0xc0) === 0x80) n--;
  out.set(enc.subarray(0, n));
  return out;
}
