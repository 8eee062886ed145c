/**
 * The entry of the bundled `view` command (scripts/bundle.mjs): the command module and its own
 * copy of runCommand (see bundle-loader.ts).
 */
export { run, summary, usage } from '../commands/view.js';
export { runCommand } from '../run-command.js';
