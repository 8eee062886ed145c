/**
 * What `ttng view --kernel-symbols` must print for kernel addresses, computed independently from
 * `ttng symbols lookup` (the real CLI, same kallsyms file): `name+0xOFF` (or `name-0xOFF`) from
 * its `%pS`-style text, then the annotations of its unique name; `?` when no symbol covers the
 * address. Shared by test/view/kernel-symbols.test.ts and the live test in
 * test/sources/kernel/record-cli.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CLI_PATH } from '../helpers/paths.js';

/** Address (lower-case hex, no 0x) -> expected text between the angle brackets. */
export function expectedSymbols(kallsyms: string, addresses: Iterable<string>): Map<string, string> {
  const list = [...new Set(addresses)].map((a) => a.toLowerCase());
  const out = new Map<string, string>();
  // Chunks keep the command line short.
  for (let i = 0; i < list.length; i += 500) {
    const chunk = list.slice(i, i + 500);
    const r = spawnSync(
      process.execPath,
      [CLI_PATH, 'symbols', 'lookup', '--kallsyms', kallsyms, ...chunk.map((a) => `0x${a}`)],
      { encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    for (const line of r.stdout.split('\n')) {
      if (!line) continue;
      const m = /^0x([0-9a-f]+) (\S+?)([+-]0x[0-9a-f]+)(?:\/0x[0-9a-f]+)?(?: \[[^\]]+\])?\t([^\t]+)/.exec(
        line,
      );
      assert.ok(m, `unexpected lookup line ${JSON.stringify(line)}`);
      const [, addr, name, offset, unique] = m as unknown as [string, string, string, string, string];
      assert.ok(unique === name || unique.startsWith(`${name} `), `unique name ${unique} of ${name}`);
      const annotations = unique.slice(name.length);
      out.set(addr!, `${name}${offset}${annotations}`);
    }
    for (const line of r.stderr.split('\n')) {
      const m = /^ttng symbols: 0x([0-9a-f]+): no kernel symbol covers this address$/.exec(line);
      if (m) out.set(m[1]!, '?');
      else assert.equal(line, '', `unexpected lookup error ${line}`);
    }
  }
  for (const a of list) assert.ok(out.has(a), `lookup said nothing about 0x${a}`);
  return out;
}

/** Every `0xADDR <SYMBOL>` pair of a text output. */
export function printedFrames(text: string): { address: string; symbol: string }[] {
  const frames: { address: string; symbol: string }[] = [];
  for (const m of text.matchAll(/\b0x([0-9A-F]+) <([^>]*)>/g)) {
    frames.push({ address: m[1]!.toLowerCase(), symbol: m[2]! });
  }
  return frames;
}

/** The text output with the symbols taken out: what babeltrace2 prints. */
export function withoutSymbols(text: string): string {
  return text.replace(/(\b0x[0-9A-F]+) <[^>]*>/g, '$1');
}
