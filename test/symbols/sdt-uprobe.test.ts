/**
 * SDT argument conversion (kallsyms.md §7), uprobe location strings, /proc/PID/maps parsing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  convertSdtArgument,
  convertSdtArguments,
  findMapping,
  parseProcMaps,
  parseUprobeSpec,
  SymbolsError,
} from '../../src/symbols/index.js';

test('SDT arguments become uprobe fetchargs with pt_regs names and types', () => {
  const conv = (s: string): string | undefined => convertSdtArgument(s).fetchArg;
  assert.equal(conv('8@%rdx'), '%dx:u64');
  assert.equal(conv('8@-80(%rbx)'), '-80(%bx):u64');
  assert.equal(conv('-4@%edi'), '%di:s32');
  assert.equal(conv('-4@%r12d'), '%r12:s32');
  assert.equal(conv('2@%ax'), '%ax:u16');
  assert.equal(conv('1@%sil'), '%si:u8');
  assert.equal(conv('8@%rsp'), '%sp:u64');
  assert.equal(conv('-8@$42'), '\\42:s64');
  assert.equal(conv('4@$-7'), '\\-7:u32');
  assert.equal(conv('8@16(%rbp)'), '+16(%bp):u64');
  assert.equal(conv('8@(%rax)'), '+0(%ax):u64');
  assert.equal(conv('%rdi'), '%di:u64', 'old format without N@');
  const idx = convertSdtArgument('8@8(%rax,%rbx,8)');
  assert.equal(idx.fetchArg, '%ax:u64');
  assert.match(idx.note!, /index\/scale/);
  const rip = convertSdtArgument('4@counter(%rip)', {
    symbolVaddr: (n) => (n === 'counter' ? 0x4028n : undefined),
    pcVaddr: 0x1159n,
    pcFileOffset: 0x1159n,
  });
  assert.equal(rip.fetchArg, '@+16424:u32');
  assert.equal(convertSdtArgument('4@other(%rip)').fetchArg, undefined);
  assert.throws(() => convertSdtArgument('3@%rax'), SymbolsError);
  assert.throws(() => convertSdtArgument('8@%xmm0'), /unknown register %xmm0/);
  assert.deepEqual(
    convertSdtArguments('8@%rdi 8@%rsi').map((a) => a.fetchArg),
    ['%di:u64', '%si:u64'],
  );
});

test('uprobe location strings', () => {
  assert.deepEqual(parseUprobeSpec('elf:/usr/lib/libc.so.6:malloc'), {
    kind: 'elf',
    path: '/usr/lib/libc.so.6',
    symbol: 'malloc',
    offsetBytes: 0n,
  });
  assert.equal((parseUprobeSpec('elf:/bin/x:main+0x10') as { offsetBytes: bigint }).offsetBytes, 16n);
  assert.deepEqual(parseUprobeSpec('sdt:/a:b/lib.so:libstdcxx:catch'), {
    kind: 'sdt',
    path: '/a:b/lib.so',
    provider: 'libstdcxx',
    name: 'catch',
  });
  assert.throws(() => parseUprobeSpec('elf:/bin/x'), /missing PATH or SYMBOL/);
  assert.throws(() => parseUprobeSpec('kprobe:x'), /unknown kind/);
});

test('/proc/PID/maps lines, deleted files and pseudo paths', () => {
  const maps = parseProcMaps(
    [
      '561052ccf000-561052cd0000 r--p 00000000 fd:01 1234   /tmp/sdt',
      '561052cd3000-561052cd4000 rw-p 00003000 fd:01 1234   /tmp/sdt (deleted)',
      '7ffd1000-7ffd3000 rw-p 00000000 00:00 0                          [stack]',
      '7f0000000000-7f0000001000 rw-p 00000000 00:00 0 ',
    ].join('\n'),
  );
  assert.equal(maps.length, 4);
  assert.equal(maps[1]!.isDeleted, true);
  assert.equal(maps[1]!.path, '/tmp/sdt');
  assert.equal(maps[2]!.path, '[stack]');
  assert.equal(maps[3]!.path, '');
  assert.equal(findMapping(maps, 0x561052cd3028n)!.offsetBytes, 0x3000n);
  assert.equal(findMapping(maps, 0x10n), undefined);
  assert.throws(() => parseProcMaps('oops\n', '/proc/1/maps'), /\/proc\/1\/maps:1: expected/);
});
