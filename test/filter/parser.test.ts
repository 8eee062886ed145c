/** Lexer, parser and lttng-ctl checks: the details of LTTng's grammar that a reimplementation misses. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileFilterExpression, FilterError, parseFilter, tokenize } from '../../src/filter/index.js';

function norm(e: string): string {
  return compileFilterExpression(e).normalized;
}

function rejects(e: string): FilterError {
  try {
    compileFilterExpression(e);
  } catch (err) {
    assert.ok(err instanceof FilterError, `${e.slice(0, 80)}: ${err}`);
    return err;
  }
  assert.fail(`${e.slice(0, 80)} should be rejected`);
}

test('bitwise operators bind tighter than comparisons; every level is left associative', () => {
  assert.equal(norm('1&3==1'), '1 & 3 == 1');
  assert.equal(norm('(1 & 3) == 1'), '1 & 3 == 1');
  assert.equal(norm('1 & (3 == 1)'), '1 & (3 == 1)');
  assert.equal(norm('a == 1 == 1'), 'a == 1 == 1');
  assert.equal(norm('a == (1 == 1)'), 'a == (1 == 1)');
  assert.equal(norm('a || b && c'), 'a || b && c');
  assert.equal(norm('(a || b) && c'), '(a || b) && c');
  assert.equal(norm('1 | 2 ^ 3 & 4 << 5'), '1 | 2 ^ 3 & 4 << 5');
  assert.equal(norm('((1 | 2) ^ 3) & 4'), '((1 | 2) ^ 3) & 4');
  assert.equal(norm('1 | (2 ^ 3)'), '1 | 2 ^ 3');
  const t = parseFilter('a < b | c');
  assert.equal(t.type === 'binary' && t.op, '<');
});

test('integer literals convert as lttng-ctl sscanf does', () => {
  assert.equal(norm('x == 0x1F'), 'x == 31');
  assert.equal(norm('x == 017'), 'x == 15');
  assert.equal(norm('x == 0'), 'x == 0');
  assert.equal(norm('x == 00'), 'x == 0');
  assert.equal(norm('x == 10ULL'), 'x == 10');
  assert.equal(norm('x == 9223372036854775808'), 'x == (-9223372036854775808)');
  assert.equal(norm('x == 0xffffffffffffffff'), 'x == (-1)');
  // strtoull saturates; %20 reads at most 20 digits.
  assert.equal(norm('x == 99999999999999999999'), 'x == (-1)');
  assert.equal(norm('x == 123456789012345678901'), 'x == (-6101065172474983726)');
  // `0u`: "0%o" finds no digit; `0X1`: the format wants a lower-case x.
  assert.equal(rejects('x == 0u').category, 'syntax');
  assert.equal(rejects('x == 0X1').category, 'syntax');
  // `08` lexes as `0` then `8`: two constants in a row.
  assert.equal(rejects('x == 08').category, 'syntax');
});

test('float literals, decimal and hexadecimal', () => {
  assert.equal(norm('x < 1.5'), 'x < 1.5');
  assert.equal(norm('x < .5'), 'x < 0.5');
  assert.equal(norm('x < 1.'), 'x < 1.0');
  assert.equal(norm('x < 1e3'), 'x < 1000.0');
  assert.equal(norm('x < 2.5f'), 'x < 2.5');
  assert.equal(norm('x < 0x1.8p1'), 'x < 3.0');
  assert.equal(norm('x < 0x.8p0'), 'x < 0.5');
  assert.equal(norm('x < 0x10p-4'), 'x < 1.0');
});

test('strings: raw contents, escapes checked later, char constants, ESCSEQ quirk', () => {
  assert.equal(norm('s == "a\\\\*"'), 's == "a\\\\*"');
  assert.equal(norm("s == 'abc'"), 's == "abc"');
  assert.equal(norm('s == L"abc"'), 's == "abc"');
  assert.equal(norm('s == "a***b"'), 's == "a*b"');
  assert.equal(norm('s == "a\\**b"'), 's == "a\\**b"');
  const e = rejects('s == "a\\nb"');
  assert.equal(e.category, 'escape');
  assert.equal(e.lttngMessage, 'Unsupported escape character detected.');
  assert.equal(e.column, 8);
  // `\"` ends the string at the quote: what follows is a syntax error.
  assert.equal(rejects('s == "a\\"b"').category, 'syntax');
  assert.equal(rejects('s == "ESCSEQ"').category, 'syntax');
  assert.equal(rejects("s == ''").category, 'syntax');
  assert.equal(rejects('s == "abc').category, 'syntax');
});

test('identifiers: `:` belongs to them, `$ctx`/`$app`, nested fields and indexes', () => {
  assert.equal(norm('$ctx.perf:thread:cycles > 1'), '$ctx.perf:thread:cycles > 1');
  assert.equal(norm('$app.myprov:ctx == 1'), '$app.myprov:ctx == 1');
  assert.equal(norm('a->b.c[3].d == 1'), 'a.b.c[3].d == 1');
  // Only the first `[...]` of a name is used (the grammar links the others where nobody looks).
  assert.equal(norm('a[1][2] == 1'), 'a[1] == 1');
  assert.equal(norm('a[1][x] == 1'), 'a[1] == 1');
  assert.equal(rejects('a[x] == 1').lttngMessage, 'Expecting constant index in array expression');
  assert.equal(rejects('a[-1] == 1').lttngMessage, 'Expecting constant index in array expression');
  assert.equal(rejects('a[(1)] == 1').lttngMessage, 'Expecting constant index in array expression');
  assert.equal(rejects('$ctx == 0').lttngMessage, "Expecting identifier after '$ctx'");
  assert.equal(rejects('$foo.x == 0').lttngMessage, "Unexpected identifier '$foo'");
  // perf counter names with '-' parse as a subtraction.
  assert.equal(rejects('$ctx.perf:cpu:stalled-cycles-frontend > 1').category, 'unsupported');
});

test('comments and whitespace', () => {
  assert.equal(norm('a /* c */ == /* d */ 1'), 'a == 1');
  assert.equal(norm('a == 1 // rest'), 'a == 1');
  assert.equal(norm('a == 1 /* unterminated'), 'a == 1');
  assert.equal(norm('a\n==\t1'), 'a == 1');
  assert.equal(rejects('a ==\r1').category, 'syntax');
});

test('errors carry the column of the fault', () => {
  assert.equal(rejects('intfield + 1').column, 10);
  assert.equal(rejects('(a').column, 3);
  assert.equal(rejects('a ->').column, 5);
  assert.equal(rejects('x == 1 && "s"').column, 8);
  assert.equal(rejects('x == 1 && !"s"').column, 11);
  assert.equal(rejects('"a*b" < x').column, 7);
  assert.equal(rejects('  "s"').column, 3);
  assert.equal(rejects('x @ 1').column, 3);
});

test('the lexer takes the longest match, ties to the earlier rule', () => {
  const kinds = (s: string) => tokenize(s).map((t) => `${t.kind}:${t.text}`);
  assert.deepEqual(kinds(':'), ['PUNCT::', 'EOF:']);
  assert.deepEqual(kinds('::a'), ['IDENT:::a', 'EOF:']);
  assert.deepEqual(kinds(':='), ['PUNCT::=', 'EOF:']);
  assert.deepEqual(kinds('1abc'), ['INT:1', 'IDENT:abc', 'EOF:']);
  assert.deepEqual(kinds('1e5x'), ['FLOAT:1e5', 'IDENT:x', 'EOF:']);
  assert.deepEqual(kinds('a\\u0041b'), ['IDENT:a\\u0041b', 'EOF:']);
  assert.deepEqual(kinds('$'), ['ERROR:$', 'EOF:']);
});

test("a 5,460-deep && chain compiles (5,461 is lttng-tools' over-64-KiB case)", () => {
  const ok = compileFilterExpression(`intfield${' && 1'.repeat(5460)}`);
  assert.equal(ok.bytecode.length - 48, 65536);
  assert.equal(rejects(`intfield${' && 1'.repeat(5461)}`).category, 'too-long');
});

test('nesting deeper than the parser allows is a syntax error, not a crash', () => {
  assert.equal(rejects(`${'('.repeat(5000)}a${')'.repeat(5000)}`).lttngMessage, 'memory exhausted');
  assert.equal(rejects(`${'!'.repeat(5000)}a`).lttngMessage, 'memory exhausted');
  assert.equal(norm(`${'('.repeat(190)}a${')'.repeat(190)} == 1`), 'a == 1');
  assert.equal(norm(`${'-'.repeat(190)}a`).length, 191);
});
