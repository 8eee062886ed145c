/**
 * Runs one command module and turns what it throws into one sentence on stderr and an exit
 * status (src/cli/errors.ts). Shared by the entry point and the bundled commands
 * (src/cli/bundles/): a bundle carries its own copy, so that `instanceof` sees the error classes
 * its command throws.
 */
import { isTtngError } from '../errors.js';
import type { CommandModule } from './command.js';
import { ExitStatus, UsageError } from './errors.js';

/** `ttng NAME REST...` once the module is loaded: `--help`, then the command itself. */
export async function runCommand(
  mod: CommandModule,
  name: string,
  rest: string[],
  debug: boolean,
): Promise<number> {
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`${mod.usage.trimEnd()}\n`);
      return ExitStatus.Ok;
    }
    return await mod.run(rest);
  } catch (e) {
    return reportError(e, `ttng ${name}`, name, debug);
  }
}

/**
 * Prints `e` for a user: a usage error with the hint to `--help`, a TtngError or a failed system
 * call as one sentence, anything else as an internal error. `--debug` adds the stack.
 */
export function reportError(e: unknown, prefix: string, helpName: string | null, debug: boolean): number {
  if (e instanceof UsageError) {
    process.stderr.write(
      `${prefix}: ${e.message}\nRun \`ttng ${helpName ? `${helpName} ` : ''}--help\` for usage.\n`,
    );
    if (debug) process.stderr.write(`${e.stack}\n`);
    return ExitStatus.Usage;
  }
  if (isTtngError(e)) {
    process.stderr.write(`${prefix}: error: ${e.message}\n`);
    if (debug) process.stderr.write(`[${e.code}] ${e.stack}\n`);
    return ExitStatus.Error;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && err.syscall) {
    // A system call failed on a user-given path: say which, and why, in one sentence.
    process.stderr.write(`${prefix}: error: ${err.message}\n`);
    if (debug) process.stderr.write(`${err.stack}\n`);
    return ExitStatus.Error;
  }
  process.stderr.write(
    `${prefix}: internal error: ${err?.message ?? String(e)}\n${debug ? `${err?.stack}\n` : 'Run again with --debug for the stack, and report it.\n'}`,
  );
  return ExitStatus.Internal;
}
