/**
 * Writes the crafted ELF fixtures of test/data/symbols/elf (see PROVENANCE.md there):
 * `npm run build && node dist/test/symbols/make-elf-fixtures.js`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { buildElf, FIXTURES } from './elf-builder.js';

for (const [name, spec] of Object.entries(FIXTURES)) {
  const path = join(REPO_ROOT, 'test/data/symbols/elf', name);
  writeFileSync(path, buildElf(spec));
  process.stdout.write(`${path}\n`);
}
