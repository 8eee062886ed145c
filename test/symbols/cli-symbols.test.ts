/**
 * `ttng symbols`: lookups both ways with exit statuses, hidden addresses, ELF listing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI_PATH, REPO_ROOT } from '../helpers/paths.js';

const KS = join(REPO_ROOT, 'test/data/symbols/kallmodsyms/kallsyms');

function ttng(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI_PATH, 'symbols', ...args], { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('lookup: address, unique name, bare unique name; exit 0', () => {
  const r = ttng('lookup', '--kallsyms', KS, '0xffffffff82001104', 'fork_thing', 'init_once [loadmod] {#2}');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      '0xffffffff82001104 ext4_fill_super+0x4/0xf00\text4_fill_super',
      'ffffffff82000200 T fork_thing',
      'ffffffffc0000100 t init_once [loadmod] {#2}',
      '',
    ].join('\n'),
  );
});

test('lookup: ambiguous name and unknown symbol exit 1 and list the candidates', () => {
  const r = ttng('lookup', '--kallsyms', KS, 'event_show', 'no_such_symbol', '0x10');
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(
    r.stderr,
    /event_show: ambiguous, 3 symbols have this name; give one of these unique names:\n {2}ffffffff82004000 t event_show \{@helper#1\}/,
  );
  assert.match(r.stderr, /no_such_symbol: no kernel symbol has this name/);
  assert.match(r.stderr, /0x10: no kernel symbol covers this address/);
});

test('hidden addresses (kptr_restrict) are reported with what to do', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ttng-ks-'));
  try {
    const f = join(dir, 'kallsyms');
    writeFileSync(f, '0000000000000000 T _text\n0000000000000000 t foo\n');
    const r = ttng('lookup', '--kallsyms', f, 'foo');
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /every address in .* is 0: the kernel hides symbol addresses .*kptr_restrict=.*CAP_SYSLOG/,
    );
    const bad = join(dir, 'bad');
    writeFileSync(bad, 'ffffffff81000000 T ok\nnot a line\n');
    const b = ttng('list', '--kallsyms', bad);
    assert.equal(b.status, 1);
    assert.match(b.stderr, /bad:2:1: no hex address/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('elf: nm-style listing, --sdt, --info; usage errors exit 2', () => {
  const f = join(REPO_ROOT, 'test/data/symbols/elf/be64-ppc64.elf');
  const r = ttng('elf', f);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^0000000000001234 A abs_sym\n0000000000411020 b bss_obj\n/);
  const nm = spawnSync('nm', [f], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  if (nm.status === 0) assert.equal(r.stdout, nm.stdout, 'same lines, same order as nm');
  const s = ttng('elf', '--sdt', f);
  assert.match(
    s.stdout,
    /prov:tick pc=0x400214 base=0x400300 semaphore=0x411010 args="-4@%edi 8@-8\(%rbp\)"\n {2}uprobe: p:sdt_prov\/tick \S+:0x214\(0x1010\) arg1=%di:s32 arg2=-8\(%bp\):u64/,
  );
  const i = ttng('elf', '--info', f);
  assert.match(i.stdout, /byte order: big-endian\n/);
  assert.equal(ttng('elf').status, 2);
  assert.equal(ttng('frob').status, 2);
  const u = ttng('uprobe', `sdt:${f}:prov:tock`);
  assert.equal(u.stdout, `p:sdt_prov/tock ${f}:0x224 arg1=\\42:u64 arg2=%ax:s16\n`);
});

const canDrop = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;

test('an unprivileged reader of the real /proc/kallsyms gets the hidden-addresses error', {
  skip: !canDrop && 'needs root and setpriv to run as uid 65534',
}, () => {
  const r = spawnSync(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      CLI_PATH,
      'symbols',
      'lookup',
      'schedule',
    ],
    { encoding: 'utf8' },
  );
  if (r.status === 0) return; // this kernel shows addresses to everyone (perf_event_paranoid <= 1)
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    /every address in \/proc\/kallsyms is 0: .*kernel\.kptr_restrict=\d, kernel\.perf_event_paranoid=-?\d\).*CAP_SYSLOG/,
  );
});
