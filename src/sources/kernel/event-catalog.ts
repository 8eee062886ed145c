/**
 * The kernel's events as a user names them: `system:event` (ftrace's names) or LTTng's record
 * name (`sched_switch`, `irq_softirq_entry`), each with globs where `*` matches anything and
 * `\*` is a literal star (LTTng's rule); syscalls by their name without prefix (`openat`) or
 * `all`. Format files are read only for the events chosen, and cached.
 */
import { KernelError, KernelErrorCode } from './errors.js';
import { type EventFormat, parseEventFormat } from './format-parser.js';
import { lttngEventName, NON_TRACEPOINT_SYSTEMS } from './lttng-layout.js';
import type { Tracefs } from './tracefs.js';

export interface KernelEventRef {
  readonly system: string;
  readonly event: string;
  readonly lttngName: string;
}

export interface SyscallRef {
  /** Syscall name without prefix (`openat`). */
  readonly name: string;
  readonly entry: KernelEventRef;
  readonly exit: KernelEventRef;
}

/** LTTng glob -> RegExp: `*` matches any run of characters, `\*` a star, nothing else special. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '\\' && i + 1 < glob.length) {
      re += glob[i + 1]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    } else if (ch === '*') {
      re += '.*';
    } else {
      re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

export class EventCatalog {
  readonly tracefs: Tracefs;
  /** Every event of the kernel, in `available_events` order. */
  readonly events: readonly KernelEventRef[];
  private readonly formats = new Map<string, EventFormat>();
  private readonly wordSizeBytes: number;

  constructor(tracefs: Tracefs, o: { wordSizeBytes?: number } = {}) {
    this.tracefs = tracefs;
    this.wordSizeBytes = o.wordSizeBytes ?? 8;
    this.events = Object.freeze(
      tracefs.availableEvents().map((se) => {
        const i = se.indexOf(':');
        const system = se.slice(0, i);
        const event = se.slice(i + 1);
        return Object.freeze({ system, event, lttngName: lttngEventName(system, event) });
      }),
    );
  }

  /** The event `system:event`, or undefined. */
  find(system: string, event: string): KernelEventRef | undefined {
    return this.events.find((e) => e.system === system && e.event === event);
  }

  /**
   * Tracepoints matching `pattern`: `system:event` (globs on both parts) or an LTTng record name
   * glob. Syscall and ftrace-internal systems are not tracepoints here. Throws
   * `TTNG_E_KERNEL_UNKNOWN_EVENT` when nothing matches.
   */
  tracepoints(pattern: string): KernelEventRef[] {
    const colon = pattern.indexOf(':');
    let found: KernelEventRef[];
    if (colon >= 0) {
      const sys = globToRegExp(pattern.slice(0, colon));
      const ev = globToRegExp(pattern.slice(colon + 1));
      found = this.events.filter((e) => sys.test(e.system) && ev.test(e.event));
    } else {
      const re = globToRegExp(pattern);
      found = this.events.filter((e) => !NON_TRACEPOINT_SYSTEMS.has(e.system) && re.test(e.lttngName));
    }
    if (found.length === 0) throw this.unknown(pattern, 'kernel event');
    return found;
  }

  /** Every syscall with typed entry and exit events. */
  allSyscalls(): SyscallRef[] {
    const exits = new Map<string, KernelEventRef>();
    for (const e of this.events) {
      if (e.system === 'syscalls' && e.event.startsWith('sys_exit_')) exits.set(e.event.slice(9), e);
    }
    const out: SyscallRef[] = [];
    for (const e of this.events) {
      if (e.system !== 'syscalls' || !e.event.startsWith('sys_enter_')) continue;
      const name = e.event.slice(10);
      const exit = exits.get(name);
      if (exit) out.push({ name, entry: e, exit });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Syscalls by name or glob (`openat`, `read*`), or `all`. Throws when one matches nothing. */
  syscalls(names: readonly string[]): SyscallRef[] {
    const all = this.allSyscalls();
    const out = new Map<string, SyscallRef>();
    for (const n of names) {
      if (n === 'all') {
        for (const s of all) out.set(s.name, s);
        continue;
      }
      const re = globToRegExp(n);
      const found = all.filter((s) => re.test(s.name));
      if (found.length === 0)
        throw this.unknown(
          n,
          'syscall',
          all.map((s) => s.name),
        );
      for (const s of found) out.set(s.name, s);
    }
    return [...out.values()];
  }

  /** The parsed `format` of an event (cached). */
  format(ref: { system: string; event: string }): EventFormat {
    const key = `${ref.system}:${ref.event}`;
    let f = this.formats.get(key);
    if (!f) {
      f = parseEventFormat(this.tracefs.formatText(ref.system, ref.event), {
        system: ref.system,
        source: this.tracefs.path(`events/${ref.system}/${ref.event}/format`),
        wordSizeBytes: this.wordSizeBytes,
      });
      this.formats.set(key, f);
    }
    return f;
  }

  private unknown(pattern: string, what: string, names?: string[]): KernelError {
    const candidates =
      names ?? this.events.filter((e) => !NON_TRACEPOINT_SYSTEMS.has(e.system)).map((e) => e.lttngName);
    let best: string | undefined;
    let bestD = 4;
    if (!pattern.includes('*')) {
      const bare = pattern.includes(':') ? pattern.slice(pattern.indexOf(':') + 1) : pattern;
      for (const c of candidates) {
        const d = editDistance(bare, c);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
    }
    return new KernelError(
      KernelErrorCode.UnknownEvent,
      `no ${what} matches "${pattern}"${best ? ` (did you mean "${best}"?)` : ''}: the kernel's events are listed in ${this.tracefs.path('available_events')}`,
    );
  }
}
