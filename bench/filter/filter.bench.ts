/**
 * ns per evaluation of three representative filters, compiled closure against the reference
 * interpreter, in the same run: an integer range, a string glob, `$ctx` + payload. The compiled
 * closures are shaped as the Node.js tracer calls them: positional arguments and a context object.
 */
import {
  compileFilter,
  compileFilterExpression,
  createInterpreter,
  type FilterEventValues,
  type FilterTarget,
  linkFilter,
  validateBytecode,
} from '../../src/filter/index.js';

interface Case {
  readonly name: string;
  readonly expr: string;
}

const CASES: Case[] = [
  { name: 'integer range', expr: 'bytes >= 1024 && bytes < 65536' },
  { name: 'string glob', expr: 'path == "/var/*/node_modules/*.js"' },
  { name: '$ctx + payload', expr: '$ctx.vtid == 4242 && bytes > 4096' },
];

const TARGET: FilterTarget = {
  payload: [
    { name: 'fd', type: { kind: 'integer', signed: true, sizeBits: 32 }, read: 'a0' },
    { name: 'path', type: { kind: 'string' }, read: 'a1' },
    { name: 'bytes', type: { kind: 'integer', signed: false, sizeBits: 64 }, read: 'a2' },
  ],
  context: [{ name: 'vtid', type: { kind: 'integer', signed: true, sizeBits: 32 }, read: 'ctx.vtid' }],
};

const EVENTS = 1024;
const paths = [
  '/var/lib/node_modules/x/index.js',
  '/usr/lib/node_modules/y.js',
  '/var/www/app/node_modules/z/a/b.js',
  '/tmp/q.txt',
];
const args: [number, string, number, { vtid: number }][] = [];
const objs: FilterEventValues[] = [];
for (let i = 0; i < EVENTS; i++) {
  const a: [number, string, number, { vtid: number }] = [
    i,
    paths[i % paths.length]!,
    (i * 7919) % 131072,
    { vtid: i % 3 === 0 ? 4242 : 17 },
  ];
  args.push(a);
  objs.push({ payload: { fd: a[0], path: a[1], bytes: a[2] }, context: { vtid: a[3].vtid } });
}

function nsPer(n: number, body: (i: number) => boolean): { ns: number; hits: number } {
  let hits = 0;
  for (let i = 0; i < Math.min(n, 20000); i++) if (body(i & (EVENTS - 1))) hits++; // warm-up
  hits = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (body(i & (EVENTS - 1))) hits++;
  const dt = Number(process.hrtime.bigint() - t0);
  return { ns: dt / n, hits };
}

console.log('filter evaluation, ns per event (lower is better)');
console.log(
  `${'filter'.padEnd(16)} ${'compiled'.padStart(10)} ${'interpreted'.padStart(12)} ${'ratio'.padStart(8)}`,
);
for (const c of CASES) {
  const link = linkFilter(validateBytecode(compileFilterExpression(c.expr).bytecode), TARGET);
  const fn = compileFilter(link, ['a0', 'a1', 'a2', 'ctx']).fn as (
    a0: number,
    a1: string,
    a2: number,
    ctx: { vtid: number },
  ) => boolean;
  const interp = createInterpreter(link);
  // Same answers on every event, or the comparison means nothing.
  let matches = 0;
  for (let i = 0; i < EVENTS; i++) {
    const a = args[i]!;
    const isMatch = fn(a[0], a[1], a[2], a[3]);
    if (isMatch !== interp(objs[i]!))
      throw new Error(`${c.name}: compiled and interpreted disagree on event ${i}`);
    if (isMatch) matches++;
  }
  if (matches === 0 || matches === EVENTS)
    throw new Error(`${c.name}: ${matches} of ${EVENTS} events match; pick inputs that split`);
  const compiled = nsPer(5_000_000, (i) => {
    const a = args[i]!;
    return fn(a[0], a[1], a[2], a[3]);
  });
  const interpreted = nsPer(300_000, (i) => interp(objs[i]!));
  console.log(
    `${c.name.padEnd(16)} ${compiled.ns.toFixed(1).padStart(10)} ${interpreted.ns.toFixed(1).padStart(12)} ${`${(interpreted.ns / compiled.ns).toFixed(1)}x`.padStart(8)}`,
  );
}
