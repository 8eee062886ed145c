/**
 * ftrace pushdown: what translates and what must stay in user space; the translations are written
 * into a private tracefs instance (the real kernel parses them), and one is checked against the
 * kernel's own filtering: two instances record the same sched_switch events, one filtered by the
 * kernel with the translation, the other unfiltered and filtered here by the interpreter.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  compileFilterExpression,
  createInterpreter,
  type FtraceField,
  linkFilter,
  translateToFtrace,
  validateBytecode,
} from '../../src/filter/index.js';

const TRACEFS = '/sys/kernel/tracing';
const FORMAT = `${TRACEFS}/events/sched/sched_switch/format`;

/** The fields of a tracefs `format` file (enough of it for this test). */
function parseFormat(text: string): FtraceField[] {
  const out: FtraceField[] = [];
  for (const m of text.matchAll(/field:([^;]+);\s*offset:\d+;\s*size:(\d+);\s*signed:(\d);/g)) {
    const decl = m[1]!.trim();
    const name = /([A-Za-z_][A-Za-z0-9_]*)(\[\d*\])?$/.exec(decl)![1]!;
    const isArray = /\[\d*\]$/.test(decl);
    const isString = /\bchar\b/.test(decl) && (isArray || decl.includes('__data_loc') || decl.includes('*'));
    out.push({
      name,
      sizeBytes: Number(m[2]),
      isSigned: m[3] === '1',
      isString,
      isArray: isArray && !isString,
    });
  }
  return out;
}

const SCHED_SWITCH: FtraceField[] = existsSync(FORMAT)
  ? parseFormat(readFileSync(FORMAT, 'utf8'))
  : [
      { name: 'prev_comm', sizeBytes: 16, isSigned: false, isString: true },
      { name: 'prev_pid', sizeBytes: 4, isSigned: true, isString: false },
      { name: 'prev_prio', sizeBytes: 4, isSigned: true, isString: false },
      { name: 'prev_state', sizeBytes: 8, isSigned: true, isString: false },
      { name: 'next_comm', sizeBytes: 16, isSigned: false, isString: true },
      { name: 'next_pid', sizeBytes: 4, isSigned: true, isString: false },
      { name: 'next_prio', sizeBytes: 4, isSigned: true, isString: false },
    ];

function translate(expr: string, fields: FtraceField[] = SCHED_SWITCH) {
  return translateToFtrace(validateBytecode(compileFilterExpression(expr).bytecode), fields);
}

const PUSHED: [string, string][] = [
  ['next_pid == 0', 'next_pid == 0'],
  ['1 < next_pid', 'next_pid > 1'],
  ['next_pid', 'next_pid != 0'],
  ['prev_prio > 100 && next_comm == "swapper*"', '(prev_prio > 100) && (next_comm ~ "swapper*")'],
  ['!(prev_state & 1) || -1 == prev_pid', '(!(prev_state & 1)) || (prev_pid == -1)'],
  ['next_comm != "a*b*"', '!(next_comm ~ "a*b*")'],
  ['"*sh" == prev_comm', 'prev_comm ~ "*sh"'],
  ['next_comm == "kworker/0:1"', 'next_comm == "kworker/0:1"'],
  ['next_pid >= -2147483648', 'next_pid >= -2147483648'],
  ['common_pid == 1', 'common_pid == 1'],
];

const REFUSED: [string, RegExp][] = [
  ['$ctx.vtid == 1', /context/],
  ['(next_pid << 2) == 4', /no field in this comparison/],
  ['next_pid << 2', /no ftrace equivalent/],
  ['next_pid == 2.5', /records nothing.*floating point/],
  ['next_pid == 4294967296', /outside the range/],
  ['next_comm < "abc"', /no string '<'/],
  ['nosuch == 1', /records nothing.*nosuch/],
  ['prev_pid == next_pid', /two fields/],
  ['next_comm == "a?b*"', /special to ftrace globs/],
  ['next_comm == "a\\*b"', /escaped star/],
  ['(next_pid == 1) == 1', /no field in this comparison/],
  ['1', /constant filter/],
  ['prev_state & 0x8000000000000000', /does not fit/],
];

test('what translates to ftrace, and to what', () => {
  for (const [expr, want] of PUSHED)
    assert.deepEqual(translate(expr), { canPushDown: true, filter: want }, expr);
  for (const [expr, why] of REFUSED) {
    const r = translate(expr);
    assert.equal(r.canPushDown, false, expr);
    if (!r.canPushDown) assert.match(r.reason, why, expr);
  }
  const u64: FtraceField[] = [{ name: 'addr', sizeBytes: 8, isSigned: false, isString: false }];
  assert.deepEqual(translate('addr == -1', u64), {
    canPushDown: true,
    filter: 'addr == 18446744073709551615',
  });
  assert.match((translate('addr < 5', u64) as { reason: string }).reason, /unsigned 64-bit/);
});

const canUseTracefs = existsSync(FORMAT) && process.getuid?.() === 0;

function withInstance<T>(suffix: string, f: (dir: string) => T): T {
  const dir = `${TRACEFS}/instances/ttng-filtertest-${process.pid}-${suffix}`;
  mkdirSync(dir);
  try {
    return f(dir);
  } finally {
    writeFileSync(`${dir}/tracing_on`, '0');
    writeFileSync(`${dir}/events/sched/sched_switch/enable`, '0');
    rmdirSync(dir);
  }
}

test('the kernel accepts every translation', { skip: !canUseTracefs && 'needs root and tracefs' }, () => {
  withInstance('syntax', (dir) => {
    const file = `${dir}/events/sched/sched_switch/filter`;
    for (const [expr] of PUSHED) {
      const r = translate(expr);
      assert.ok(r.canPushDown);
      writeFileSync(file, r.filter);
      const back = readFileSync(file, 'utf8').trim();
      assert.ok(!back.includes('^') && back !== 'none', `${r.filter}: kernel says ${back}`);
    }
    writeFileSync(file, '0');
  });
});

interface Switch {
  cpu: string;
  /** The event without its timestamp: each instance stamps its own copy. */
  content: string;
  payload: Record<string, unknown>;
}

function readSwitches(dir: string): Switch[] {
  const out: Switch[] = [];
  const re =
    /\[(\d+)\].*?\s(\d+\.\d+): sched_switch: prev_comm=(.*) prev_pid=(-?\d+) prev_prio=(-?\d+) prev_state=\S+ ==> next_comm=(.*) next_pid=(-?\d+) next_prio=(-?\d+)$/;
  for (const line of readFileSync(`${dir}/trace`, 'utf8').split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    out.push({
      cpu: m[1]!,
      content: line.slice(line.indexOf('sched_switch:')),
      payload: {
        prev_comm: m[3],
        prev_pid: Number(m[4]),
        prev_prio: Number(m[5]),
        next_comm: m[6],
        next_pid: Number(m[7]),
        next_prio: Number(m[8]),
      },
    });
  }
  return out;
}

test('kernel filtering with the translation = interpreter on the same events', {
  skip: !canUseTracefs && 'needs root and tracefs',
}, () => {
  // The workload's `sleep` processes make events that match (switches from and to them), and every
  // other task's switches (this test's own node, sh, kernel threads) make events that do not, however
  // busy the machine is: the filter always splits the events.
  const expr = '(next_prio >= 100 && prev_pid != 0 && prev_comm == "slee*") || next_comm == "*lee*"';
  const pushed = translate(expr);
  assert.ok(pushed.canPushDown);
  const interp = createInterpreter(
    linkFilter(validateBytecode(compileFilterExpression(expr).bytecode), {
      payload: SCHED_SWITCH.filter((f) => f.name !== 'prev_state').map((f) => ({
        name: f.name,
        type: f.isString
          ? { kind: 'string' }
          : { kind: 'integer', signed: f.isSigned, sizeBits: f.sizeBytes * 8 },
      })),
      floatingPoint: false,
    }),
  );
  withInstance('all', (all) =>
    withInstance('filtered', (filtered) => {
      for (const d of [all, filtered]) {
        writeFileSync(`${d}/buffer_size_kb`, '4096');
        writeFileSync(`${d}/tracing_on`, '0');
      }
      writeFileSync(`${filtered}/events/sched/sched_switch/filter`, pushed.filter);
      for (const d of [all, filtered]) writeFileSync(`${d}/events/sched/sched_switch/enable`, '1');
      // The kernel-filtered instance records over a window enclosing the other one's, so every
      // event of `all` was offered to the kernel filter too.
      writeFileSync(`${filtered}/tracing_on`, '1');
      writeFileSync(`${all}/tracing_on`, '1');
      spawnSync('sh', ['-c', 'for i in 1 2 3 4 5 6 7 8; do sleep 0.01; done']);
      writeFileSync(`${all}/tracing_on`, '0');
      writeFileSync(`${filtered}/tracing_on`, '0');
      const everything = readSwitches(all);
      const kept = readSwitches(filtered);
      assert.ok(everything.length > 10, `only ${everything.length} sched_switch events`);
      let matched = 0;
      for (const cpu of new Set(everything.map((e) => e.cpu))) {
        const want = everything
          .filter((e) => e.cpu === cpu && interp({ payload: e.payload }))
          .map((e) => e.content);
        const got = kept.filter((e) => e.cpu === cpu).map((e) => e.content);
        matched += want.length;
        // The kernel-filtered window encloses the other: what we keep must appear there, in order, contiguous.
        let isFound = want.length === 0;
        for (let i = 0; !isFound && i + want.length <= got.length; i++)
          isFound = want.every((c, k) => got[i + k] === c);
        assert.ok(
          isFound,
          `cpu ${cpu}: interpreter kept\n${want.join('\n')}\nkernel kept\n${got.join('\n')}`,
        );
      }
      assert.ok(
        matched > 0 && matched < everything.length,
        `${matched} of ${everything.length} matched: the filter should split them`,
      );
    }),
  );
});
