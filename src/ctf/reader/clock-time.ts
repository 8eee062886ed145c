/**
 * Clock snapshot (cycles) -> nanoseconds from origin, with babeltrace2's exact arithmetic
 * (`bt_util_clock_cycles_to_ns_from_origin`): 1 GHz clocks are exact, other frequencies go through
 * a double `1e9 * cycles / frequency` truncated, and any int64 overflow is an error.
 *
 * A time is kept as two safe integers, seconds (floor) and nanoseconds (0..999999999), so that
 * 64-bit nanosecond values never lose precision and no BigInt is made per event.
 */
import type { IrClockClass } from './ctf-ir.js';

const TWO32 = 4294967296;
const NS = 1_000_000_000;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** A time from origin: `sec * 1e9 + nsec` nanoseconds, `0 <= nsec < 1e9`. */
export interface NsTime {
  sec: number;
  nsec: number;
}

/** Per clock class conversion constants, computed once. */
export class ClockConverter {
  readonly freq: number;
  readonly freqBig: bigint;
  readonly is1GHz: boolean;
  /** The clock offset does not fit int64 nanoseconds: every conversion fails. */
  readonly offsetOverflows: boolean;
  /** Offset from origin in nanoseconds (exact), as seconds + nanoseconds. */
  readonly baseSec: number;
  readonly baseNsec: number;
  readonly baseNs: bigint;
  /**
   * The last second converted (1 GHz clocks): cycle values in [winLo, winHi) are `winSec` seconds
   * and `v - winLo` nanoseconds, with no division (consecutive events mostly share a second).
   * Empty until a conversion fills it.
   */
  winLo = 0;
  winHi = 0;
  winSec = 0;

  constructor(readonly clock: IrClockClass) {
    this.freqBig = clock.frequency;
    this.freq = Number(clock.frequency);
    this.is1GHz = clock.frequency === 1_000_000_000n;
    const os = clock.offsetSeconds;
    // babeltrace2 leaves one second of room for the cycles part.
    this.offsetOverflows = os <= I64_MIN / 1_000_000_000n - 1n || os >= I64_MAX / 1_000_000_000n - 1n;
    const ocNs = this.offsetOverflows ? 0n : nsFromValueBig(this.freq, this.is1GHz, clock.offsetCycles);
    this.baseNs = this.offsetOverflows ? 0n : os * 1_000_000_000n + ocNs;
    const t = splitNs(this.baseNs);
    this.baseSec = t.sec;
    this.baseNsec = t.nsec;
  }

  /**
   * Converts the 64-bit cycle value `hi:lo` into `out`. Returns false when the result does not
   * fit int64 nanoseconds (babeltrace2: "Cannot convert clock cycles to nanoseconds from origin").
   */
  toNs(hi: number, lo: number, out: NsTime): boolean {
    const isSmall = hi < 0x200000;
    if (isSmall) {
      const v = hi * TWO32 + lo;
      if (v >= this.winLo && v < this.winHi) {
        out.sec = this.winSec;
        out.nsec = v - this.winLo;
        return true;
      }
    }
    if (this.offsetOverflows) return false;
    // d: nanoseconds from the clock's origin, below 2^53 from here on.
    let d: number;
    if (this.is1GHz) {
      if (!isSmall) {
        const v = (BigInt(hi) << 32n) | BigInt(lo);
        if (v > I64_MAX) return false;
        return this.addBig(v, out);
      }
      d = hi * TWO32 + lo;
    } else {
      d = Math.trunc((1e9 * (hi * TWO32 + lo)) / this.freq);
      // babeltrace2: beyond uint64 is -1, and beyond INT64_MAX fails.
      if (d >= 2 ** 63) return false;
      if (d >= 9007199254740992) return this.addBig(BigInt(d), out);
    }
    let vSec = Math.floor(d / NS);
    let vNsec = d - vSec * NS;
    if (vNsec < 0) {
      vSec--;
      vNsec += NS;
    } else if (vNsec >= NS) {
      vSec++;
      vNsec -= NS;
    }
    let sec = this.baseSec + vSec;
    let nsec = this.baseNsec + vNsec;
    if (nsec >= NS) {
      nsec -= NS;
      sec++;
    }
    // Far from the int64 limits (about +-292 years of seconds): no overflow possible.
    if (sec > 9_000_000_000 || sec < -9_000_000_000) {
      const total = BigInt(sec) * 1_000_000_000n + BigInt(nsec);
      if (total > I64_MAX || total < I64_MIN) return false;
    } else if (this.is1GHz) {
      // Exact: d - nsec is the cycle value at the start of this second (d < 2^53).
      this.winLo = d - nsec;
      this.winHi = this.winLo + NS;
      this.winSec = sec;
    }
    out.sec = sec;
    out.nsec = nsec;
    return true;
  }

  private addBig(valueNs: bigint, out: NsTime): boolean {
    const total = this.baseNs + valueNs;
    if (total > I64_MAX || total < I64_MIN) return false;
    const t = splitNs(total);
    out.sec = t.sec;
    out.nsec = t.nsec;
    return true;
  }
}

/** babeltrace2's `bt_util_ns_from_value` on bigints (used for offsets, not per event). */
function nsFromValueBig(freq: number, is1GHz: boolean, value: bigint): bigint {
  if (is1GHz) return value;
  const d = Math.trunc((1e9 * Number(value)) / freq);
  if (d >= 2 ** 64) return (1n << 64n) - 1n;
  return BigInt(d);
}

export function splitNs(ns: bigint): NsTime {
  let sec = ns / 1_000_000_000n;
  let nsec = ns % 1_000_000_000n;
  if (nsec < 0n) {
    nsec += 1_000_000_000n;
    sec -= 1n;
  }
  return { sec: Number(sec), nsec: Number(nsec) };
}

export function nsTimeToBig(t: NsTime): bigint {
  return BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec);
}

/** -1, 0 or 1. */
export function compareNsTime(aSec: number, aNsec: number, bSec: number, bNsec: number): number {
  if (aSec !== bSec) return aSec < bSec ? -1 : 1;
  if (aNsec !== bNsec) return aNsec < bNsec ? -1 : 1;
  return 0;
}
