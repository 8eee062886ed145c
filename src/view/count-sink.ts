/**
 * `ttng view --count`: events per event record class name. Decoding still validates every event
 * (like `babeltrace2 -o dummy`), but nothing is formatted.
 */
import type { EventRuntime } from '../ctf/reader/index.js';

export class CountSink {
  private readonly seen = new Set<EventRuntime>();

  count(ev: EventRuntime): void {
    if (ev.count++ === 0) this.seen.add(ev);
  }

  /** Counts by name: `[name, count]`, most frequent first, then by name. */
  counts(): [string, number][] {
    const byName = new Map<string, number>();
    for (const ev of this.seen) byName.set(ev.ec.name, (byName.get(ev.ec.name) ?? 0) + ev.count);
    return [...byName].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** Lines `COUNT<TAB>NAME`, then `TOTAL<TAB>(total)`. */
  render(): Uint8Array {
    let total = 0;
    let text = '';
    for (const [name, n] of this.counts()) {
      text += `${n}\t${name}\n`;
      total += n;
    }
    text += `${total}\t(total)\n`;
    const b = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i) & 0xff;
    return b;
  }
}
