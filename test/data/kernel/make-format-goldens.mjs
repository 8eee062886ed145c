#!/usr/bin/env node
// Regenerates test/data/kernel/formats/*.expected.json from the saved format files with the
// current parser and layout builder. Review the diff before committing: these are the goldens.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const here = new URL('.', import.meta.url).pathname;
const { parseEventFormat } = await import(join(here, '../../../dist/src/sources/kernel/format-parser.js'));
const { buildEventLayout } = await import(join(here, '../../../dist/src/sources/kernel/lttng-layout.js'));
const dir = join(here, 'formats');
for (const f of readdirSync(dir).filter((x) => x.endsWith('.format'))) {
  const fmt = parseEventFormat(readFileSync(join(dir, f), 'latin1'), { system: f.split('.')[0], source: f });
  const layout = buildEventLayout(fmt);
  const summary = {
    format: { ...fmt, printFmt: fmt.printFmt.length },
    lttng: { name: layout.lttngName, fields: layout.fields.map((x) => ({ name: x.name, kind: x.fieldClass.kind, lengthBits: x.fieldClass.lengthBits, signed: x.outSigned, base: x.fieldClass.preferredDisplayBase, source: x.source, from: x.ftrace?.name, addend: x.addend })) },
  };
  writeFileSync(join(dir, f.replace(/\.format$/, '.expected.json')), `${JSON.stringify(summary, null, 1)}\n`);
}
