/**
 * User-space probes (`--userspace-probe elf:PATH:SYMBOL[+OFF]` and `sdt:PATH:PROVIDER:NAME`)
 * through the global `uprobe_events` (ftrace-raw.md §9): locations come from the symbols area
 * (file offsets through the ELF program headers, SDT semaphores as REF_CTR_OFFSET, SDT
 * arguments as fetch args). Definitions are global, so each session puts its probes in its own
 * group `ttng_<session>` and removes them at the end; groups whose instance is gone (a killed
 * run) are removed by the next start.
 */
import { readdirSync } from 'node:fs';
import { resolveUprobe, type UprobeLocation, uprobeDefinition } from '../../symbols/index.js';
import { KernelError, KernelErrorCode } from './errors.js';
import { readTracefsText, type Tracefs, tryWriteTracefsText } from './tracefs.js';
import { INSTANCE_PREFIX } from './tracefs-instance.js';

export interface UserspaceProbeSpec {
  /** `elf:PATH:SYMBOL[+OFFSET]` or `sdt:PATH:PROVIDER:NAME`. */
  readonly location: string;
  /** Record name. Default: SYMBOL, or PROVIDER:NAME. */
  readonly name?: string;
}

/** One probe site defined in uprobe_events. */
export interface DefinedUprobe {
  /** ftrace system (the group) and event. */
  readonly system: string;
  readonly event: string;
  /** The LTTng record name the user gave (several SDT sites share one). */
  readonly recordName: string;
  readonly location: UprobeLocation;
}

const GROUP_PREFIX = 'ttng_';

/** `ttng_<session>` with what ftrace allows in a group name. */
export function uprobeGroupOf(sessionName: string): string {
  return `${GROUP_PREFIX}${sessionName.replace(/^ttng-/, '').replace(/[^A-Za-z0-9_]/g, '_')}`;
}

function defaultName(location: string): string {
  const sdt = /^sdt:.*:([^:]+):([^:]+)$/.exec(location);
  if (sdt) return `${sdt[1]}:${sdt[2]}`;
  const elf = /^elf:.*:([^:+]+)(?:\+\S+)?$/.exec(location);
  return elf ? elf[1]! : location;
}

/** Resolves the locations (reads the ELF files): errors here leave nothing behind. */
export function resolveUserspaceProbes(
  specs: readonly UserspaceProbeSpec[],
): { spec: UserspaceProbeSpec; locations: UprobeLocation[] }[] {
  return specs.map((spec) => {
    const locations = resolveUprobe(spec.location);
    if (locations.length === 0) {
      throw new KernelError(KernelErrorCode.UnknownEvent, `no probe site for ${spec.location}`);
    }
    return { spec, locations };
  });
}

/** Defined uprobe groups: the `system` part of every `p:`/`r:` line of uprobe_events. */
function definedGroups(tracefs: Tracefs): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const line of readTracefsText(tracefs.path('uprobe_events')).split('\n')) {
    const m = /^[pr]:([^/\s]+)\/(\S+)\s/.exec(line);
    if (!m) continue;
    const list = groups.get(m[1]!) ?? [];
    list.push(m[2]!);
    groups.set(m[1]!, list);
  }
  return groups;
}

/**
 * Removes `ttng_*` groups whose session instance no longer exists (a killed run), and the
 * session's own group (its name is ours now). A probe still enabled somewhere stays (EBUSY).
 */
export function sweepStaleUprobes(tracefs: Tracefs, ownGroup: string): void {
  let live: Set<string>;
  try {
    live = new Set(
      readdirSync(tracefs.path('instances'))
        .filter((n) => n.startsWith(INSTANCE_PREFIX))
        .map((n) => uprobeGroupOf(n)),
    );
  } catch {
    return;
  }
  for (const [group, events] of definedGroups(tracefs)) {
    if (!group.startsWith(GROUP_PREFIX)) continue;
    if (group !== ownGroup && live.has(group)) continue;
    for (const e of events)
      tryWriteTracefsText(tracefs.path('uprobe_events'), `-:${group}/${e}\n`, { append: true });
  }
}

/** Defines the probes in `group`. Throws with the kernel's error_log on a refused definition. */
export function defineUprobes(
  tracefs: Tracefs,
  group: string,
  resolved: readonly { spec: UserspaceProbeSpec; locations: UprobeLocation[] }[],
): DefinedUprobe[] {
  const out: DefinedUprobe[] = [];
  const used = new Set<string>();
  try {
    for (const { spec, locations } of resolved) {
      const recordName = spec.name ?? defaultName(spec.location);
      const base = recordName.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 48) || 'probe';
      locations.forEach((loc, k) => {
        let event = locations.length > 1 ? `${base}_${k}` : base;
        while (used.has(event)) event = `${event}_`;
        used.add(event);
        const def = uprobeDefinition(loc, group, event);
        const err = tryWriteTracefsText(tracefs.path('uprobe_events'), `${def}\n`, { append: true });
        if (err !== undefined) {
          const log = readTracefsText(tracefs.path('error_log')).trimEnd().split('\n').slice(-3).join('\n');
          throw new KernelError(
            KernelErrorCode.BadFilter,
            `the kernel refused the uprobe ${def} (${err})${log ? `:\n${log}` : ''}`,
          );
        }
        out.push({ system: group, event, recordName, location: loc });
      });
    }
  } catch (e) {
    removeUprobes(tracefs, out);
    throw e;
  }
  return out;
}

/** Removes probe definitions (after the instance that enabled them is gone). */
export function removeUprobes(tracefs: Tracefs, probes: readonly DefinedUprobe[]): void {
  for (const p of probes)
    tryWriteTracefsText(tracefs.path('uprobe_events'), `-:${p.system}/${p.event}\n`, { append: true });
}
