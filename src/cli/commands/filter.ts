/**
 * `ttng filter check EXPR` and `ttng filter eval EXPR --fields JSON [--ctx JSON]`: the filter
 * language from the command line (docs/filters.md).
 */
import {
  compileFilter,
  compileFilterExpression,
  createInterpreter,
  decodeBytecode,
  disassemble,
  FilterError,
  type FilterField,
  type FilterFieldType,
  type FilterTarget,
  linkFilter,
  objectTarget,
  validateBytecode,
} from '../../filter/index.js';
import { UsageError } from '../errors.js';

export const summary = 'Check a filter expression, or evaluate it on given field values';

export const usage = `Usage:
  ttng filter check EXPR
  ttng filter eval EXPR --fields JSON [--ctx JSON] [--kernel] [--interpret]

check   Compiles EXPR as lttng-ctl does (enable-event --filter). Prints the normalized
        expression and the bytecode disassembly; on error, prints LTTng's message with a
        caret under the column, and exits with 1.
eval    Evaluates EXPR on one event and prints true or false. --fields is a JSON object
        of payload fields, --ctx one of contexts ($ctx.NAME). JSON numbers are integers
        (or doubles when not integral), strings are strings, a decimal string beyond
        2^53 is a 64-bit integer, arrays of integers are arrays, objects are structures.
        A filter naming a field the event does not have is false (LTTng records nothing);
        the reason goes to stderr.

Options:
  --fields JSON   payload field values (eval)
  --ctx JSON      context values (eval)
  --kernel        lttng-modules semantics: no floating point
  --interpret     evaluate with the reference interpreter instead of the compiled closure
  -h, --help      this help

Exit status: 0 success (check: valid; eval: printed true or false), 1 invalid filter, 2 bad usage.`;

function caret(expr: string, column: number): string {
  const line = expr.replace(/[\t\n]/g, ' ');
  return `  ${line}\n  ${' '.repeat(Math.max(0, column - 1))}^`;
}

function compileOrReport(expr: string): ReturnType<typeof compileFilterExpression> | undefined {
  try {
    return compileFilterExpression(expr);
  } catch (e) {
    if (!(e instanceof FilterError)) throw e;
    process.stderr.write(`ttng filter: error: ${e.message} [${e.category}]\n${caret(expr, e.column)}\n`);
    return undefined;
  }
}

const DECIMAL_64 = /^-?[0-9]+$/;

function typeOfJson(name: string, v: unknown): { type: FilterFieldType; value: unknown } {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return { type: { kind: 'integer', signed: true, sizeBits: 64 }, value: v };
    return { type: { kind: 'float', sizeBits: 64 }, value: v };
  }
  if (typeof v === 'string') {
    if (DECIMAL_64.test(v) && !Number.isSafeInteger(Number(v))) {
      const b = BigInt(v);
      if (b < -(1n << 63n) || b >= 1n << 64n)
        throw new UsageError(`field ${name}: ${v} does not fit 64 bits`);
      return { type: { kind: 'integer', signed: b < 1n << 63n, sizeBits: 64 }, value: b };
    }
    return { type: { kind: 'string' }, value: v };
  }
  if (Array.isArray(v)) {
    const values = v.map((x) => {
      if (typeof x === 'number' && Number.isInteger(x)) return x;
      if (typeof x === 'string' && DECIMAL_64.test(x)) return BigInt(x);
      throw new UsageError(`field ${name}: arrays hold integers only`);
    });
    return {
      type: { kind: 'sequence', element: { kind: 'integer', signed: true, sizeBits: 64 }, isText: false },
      value: values,
    };
  }
  if (v !== null && typeof v === 'object') {
    const members: FilterField[] = [];
    const value: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const t = typeOfJson(`${name}.${k}`, x);
      members.push({ name: k, type: t.type });
      value[k] = t.value;
    }
    return { type: { kind: 'struct', members }, value };
  }
  throw new UsageError(`field ${name}: ${JSON.stringify(v)} is not a number, string, array or object`);
}

function fieldsFromJson(
  what: string,
  json: string | undefined,
): { fields: FilterField[]; values: Record<string, unknown> } {
  if (json === undefined) return { fields: [], values: {} };
  let obj: unknown;
  try {
    obj = JSON.parse(json);
  } catch (e) {
    throw new UsageError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw new UsageError(`${what} must be a JSON object`);
  const fields: FilterField[] = [];
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const t = typeOfJson(k, v);
    fields.push({ name: k, type: t.type });
    values[k] = t.value;
  }
  return { fields, values };
}

function check(expr: string): number {
  const c = compileOrReport(expr);
  if (!c) return 1;
  const d = decodeBytecode(c.bytecode);
  validateBytecode(d);
  process.stdout.write(
    `${c.normalized}\n\nbytecode: ${c.bytecode.length - 48} bytes (+48-byte header)\n${disassemble(d)}\n`,
  );
  return 0;
}

function evaluate(
  expr: string,
  opts: { fields?: string; ctx?: string; kernel: boolean; interpret: boolean },
): number {
  if (opts.fields === undefined) throw new UsageError('eval needs --fields JSON');
  const payload = fieldsFromJson('--fields', opts.fields);
  const ctx = fieldsFromJson('--ctx', opts.ctx);
  const c = compileOrReport(expr);
  if (!c) return 1;
  const validated = validateBytecode(c.bytecode);
  const target: FilterTarget = { payload: payload.fields, context: ctx.fields, floatingPoint: !opts.kernel };
  let result: boolean;
  if (opts.interpret) {
    const link = linkFilter(validated, target);
    if (!link.isLinked) process.stderr.write(`ttng filter: note: ${link.reason}; LTTng records nothing\n`);
    result = createInterpreter(link)({ payload: payload.values, context: ctx.values });
  } else {
    const o = objectTarget(target);
    const link = linkFilter(validated, o.target);
    if (!link.isLinked) process.stderr.write(`ttng filter: note: ${link.reason}; LTTng records nothing\n`);
    const fn = compileFilter(link, o.params).fn as (p: unknown, c: unknown, a: unknown) => boolean;
    result = fn(payload.values, ctx.values, {});
  }
  process.stdout.write(`${result}\n`);
  return 0;
}

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'check' && sub !== 'eval')
    throw new UsageError(
      sub === undefined ? 'missing subcommand (check or eval)' : `unknown subcommand "${sub}"`,
    );
  let expr: string | undefined;
  const opts: { fields?: string; ctx?: string; kernel: boolean; interpret: boolean } = {
    kernel: false,
    interpret: false,
  };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (sub === 'eval' && a === '--fields') opts.fields = value();
    else if (sub === 'eval' && a.startsWith('--fields=')) opts.fields = a.slice(9);
    else if (sub === 'eval' && a === '--ctx') opts.ctx = value();
    else if (sub === 'eval' && a.startsWith('--ctx=')) opts.ctx = a.slice(6);
    else if (sub === 'eval' && a === '--kernel') opts.kernel = true;
    else if (sub === 'eval' && a === '--interpret') opts.interpret = true;
    else if (a === '--') {
      if (expr !== undefined || i + 2 !== rest.length)
        throw new UsageError('one expression expected after --');
      expr = rest[++i];
    } else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
    else if (expr === undefined) expr = a;
    else throw new UsageError('one expression expected (quote it)');
  }
  if (expr === undefined) throw new UsageError('missing filter expression');
  return sub === 'check' ? check(expr) : evaluate(expr, opts);
}
