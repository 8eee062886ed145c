#!/usr/bin/env node
/**
 * `ttng` entry point: finds the command module, runs it, and turns errors into one sentence and
 * an exit status (src/cli/errors.ts). `--debug` anywhere on the line shows stacks.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BundledCommand, freshBundle, loadBundle } from './bundle-loader.js';
import type { CommandModule } from './command.js';
import { ExitStatus, UsageError } from './errors.js';
import { reportError, runCommand } from './run-command.js';

const COMMAND_NAME = /^[a-z][a-z0-9-]*$/;

function commandsDir(): string {
  return fileURLToPath(new URL('./commands/', import.meta.url));
}

function listCommands(): string[] {
  return readdirSync(commandsDir())
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -3))
    .filter((n) => COMMAND_NAME.test(n))
    .sort();
}

/** The bundle of command `name` (bundle-loader.ts), when it has an up-to-date one. */
function loadBundled(name: string): BundledCommand | undefined {
  if (process.env.TTNG_NO_BUNDLE) return undefined;
  const paths = freshBundle(fileURLToPath(new URL('../../', import.meta.url)), name);
  return paths === null ? undefined : loadBundle(paths.code, paths.cache).command;
}

async function loadCommand(name: string): Promise<CommandModule | undefined> {
  if (!COMMAND_NAME.test(name) || !listCommands().includes(name)) return undefined;
  return (await import(`./commands/${name}.js`)) as CommandModule;
}

async function printHelp(): Promise<void> {
  const lines = ['Usage: ttng COMMAND [OPTIONS] [ARGS...]', '', 'Commands:'];
  for (const name of listCommands()) {
    const mod = await loadCommand(name);
    lines.push(`  ${name.padEnd(18)} ${mod?.summary ?? ''}`);
  }
  lines.push('', 'Run `ttng help COMMAND` or `ttng COMMAND --help` for the options of one command.');
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const [name, ...rest] = args;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      if (name === 'help' && rest[0]) {
        const mod = await loadCommand(rest[0]);
        if (!mod) throw new UsageError(`unknown command "${rest[0]}"`);
        process.stdout.write(`${mod.usage.trimEnd()}\n`);
        return ExitStatus.Ok;
      }
      await printHelp();
      return name === undefined ? ExitStatus.Usage : ExitStatus.Ok;
    }
    if (name === '--version' || name === '-V' || name === 'version') {
      process.stdout.write('ttng 0.1.0\n');
      return ExitStatus.Ok;
    }
    const bundled = loadBundled(name);
    if (bundled) return await bundled.runCommand(bundled, name, rest, debug);
    const mod = await loadCommand(name);
    if (!mod) throw new UsageError(`unknown command "${name}"`);
    return await runCommand(mod, name, rest, debug);
  } catch (e) {
    const known = name !== undefined && COMMAND_NAME.test(name);
    return reportError(e, known ? `ttng ${name}` : 'ttng', known && name !== 'help' ? name : null, debug);
  }
}

// A reader that goes away (`ttng view | head`) ends the output, not the program with a stack.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(ExitStatus.Ok);
  throw e;
});

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (e) => {
    process.stderr.write(`ttng: internal error: ${String(e)}\n`);
    process.exitCode = ExitStatus.Internal;
  },
);
