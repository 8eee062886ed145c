/** `ttng filter check` and `ttng filter eval`, run as a user runs them. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { CLI_PATH } from '../helpers/paths.js';

function ttng(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI_PATH, 'filter', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('check prints the normalized expression and the disassembly', () => {
  const r = ttng('check', 'intfield>1&&$ctx.procname=="gen***"');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], 'intfield > 1 && $ctx.procname == "gen*"');
  assert.match(r.stdout, /LOAD_FIELD_REF\s+"intfield"/);
  assert.match(r.stdout, /AND\s+-> 26/);
  assert.match(r.stdout, /GET_CONTEXT_REF\s+"\$ctx.procname"/);
  assert.match(r.stdout, /^\s+26\s+RETURN$/m);
});

test('check reports the error with a caret under the column, exit 1', () => {
  const r = ttng('check', 'intfield > 1 && "abc"');
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    'ttng filter: error: logical binary operation \'&&\' cannot have string operand (column 14) [semantic]\n  intfield > 1 && "abc"\n               ^\n',
  );
  assert.match(ttng('check', 'intfield * 2').stderr, /binary operation '\*' not supported .*\[unsupported\]/);
});

test('eval prints true or false', () => {
  assert.equal(
    ttng('eval', 'bytes > 100 && name == "node*"', '--fields', '{"bytes": 4096, "name": "node-1"}').stdout,
    'true\n',
  );
  assert.equal(
    ttng('eval', 'bytes > 100 && name == "node*"', '--fields', '{"bytes": 10, "name": "node-1"}').stdout,
    'false\n',
  );
  assert.equal(ttng('eval', 'big == -1', '--fields', '{"big": "18446744073709551615"}').stdout, 'true\n');
  assert.equal(ttng('eval', 'big > 0', '--fields', '{"big": "18446744073709551615"}').stdout, 'false\n');
  assert.equal(
    ttng('eval', 'a[1] == 7 && s.x == "y"', '--fields', '{"a": [1, 7], "s": {"x": "y"}}').stdout,
    'true\n',
  );
  assert.equal(ttng('eval', '$ctx.vtid == 42', '--fields', '{}', '--ctx', '{"vtid": 42}').stdout, 'true\n');
  assert.equal(ttng('eval', 'd < 2.5', '--fields', '{"d": 1.5}', '--interpret').stdout, 'true\n');
  assert.equal(ttng('eval', 'd < 2.5', '--fields', '{"d": 1.5}', '--kernel').stdout, 'false\n');
  const missing = ttng('eval', '!nosuch', '--fields', '{"x": 1}');
  assert.equal(missing.stdout, 'false\n');
  assert.match(missing.stderr, /no field named "nosuch".*LTTng records nothing/);
});

test('bad use exits 2', () => {
  assert.equal(ttng('eval', 'x == 1').status, 2);
  assert.equal(ttng('eval', 'x == 1', '--fields', '{bad').status, 2);
  assert.equal(ttng('frob', 'x').status, 2);
  assert.equal(ttng('check').status, 2);
});
