/**
 * Clock class (CTF 2 §5.5; TSDL `clock { ... }`). LTTng's is `monotonic`, 1 GHz, offset =
 * realtime minus monotonic in ns, uuid = the boot id.
 */
import { CtfModelError } from '../errors.js';

export interface ClockClass {
  /** TSDL `name`, CTF 2 `id`: what `map = clock.NAME.value` refers to. */
  readonly name: string;
  readonly description?: string;
  /** Cycles per second. */
  readonly frequency: bigint;
  /** Offset from the origin: `offsetSeconds` s + `offsetCycles` cycles (TSDL `offset_s`, `offset`). */
  readonly offsetSeconds: bigint;
  readonly offsetCycles: bigint;
  readonly precisionCycles?: bigint;
  /** 16 bytes. */
  readonly uuid?: Uint8Array;
  /** TSDL `absolute = true`; CTF 2 origin `unix-epoch`. */
  readonly originIsUnixEpoch: boolean;
}

export function clockClass(o: {
  name: string;
  description?: string;
  frequency?: bigint;
  offsetSeconds?: bigint;
  offsetCycles?: bigint;
  precisionCycles?: bigint;
  uuid?: Uint8Array;
  originIsUnixEpoch?: boolean;
}): ClockClass {
  const frequency = o.frequency ?? 1_000_000_000n;
  if (frequency <= 0n)
    throw new CtfModelError(`clock class "${o.name}": frequency ${frequency} Hz is not positive`);
  if (o.uuid && o.uuid.length !== 16) {
    throw new CtfModelError(`clock class "${o.name}": a UUID has 16 bytes, not ${o.uuid.length}`);
  }
  return Object.freeze({
    name: o.name,
    ...(o.description !== undefined ? { description: o.description } : {}),
    frequency,
    offsetSeconds: o.offsetSeconds ?? 0n,
    offsetCycles: o.offsetCycles ?? 0n,
    ...(o.precisionCycles !== undefined ? { precisionCycles: o.precisionCycles } : {}),
    ...(o.uuid ? { uuid: o.uuid } : {}),
    originIsUnixEpoch: o.originIsUnixEpoch ?? true,
  });
}

/** Nanoseconds from the origin of a clock value, exact (bigint). */
export function clockValueToNsFromOrigin(cc: ClockClass, cycles: bigint): bigint {
  const total = cc.offsetSeconds * cc.frequency + cc.offsetCycles + cycles;
  if (cc.frequency === 1_000_000_000n) return total;
  // Split to keep precision as babeltrace2 does: whole seconds, then the remainder.
  const s = total / cc.frequency;
  const rem = total - s * cc.frequency;
  return s * 1_000_000_000n + (rem * 1_000_000_000n) / cc.frequency;
}
