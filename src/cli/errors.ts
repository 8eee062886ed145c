import { TtngError } from '../errors.js';

/**
 * Exit statuses of every `ttng` command (docs/cli.md lists them). They follow lttng's where
 * lttng has one: 0 ok, 1 the command failed, 2 bad usage or unknown command.
 */
export const ExitStatus = {
  Ok: 0,
  /** The command could not do its job: bad trace, file not found, permission, ... */
  Error: 1,
  /** Unknown command, bad option, bad option value. */
  Usage: 2,
  /** A bug in ttng: an unexpected exception. */
  Internal: 3,
  /** Stopped by SIGINT before the end. */
  Interrupted: 130,
} as const;
export type ExitStatus = (typeof ExitStatus)[keyof typeof ExitStatus];

/** Bad command-line use; printed as one sentence followed by a hint to `--help`. */
export class UsageError extends TtngError {
  constructor(message: string) {
    super('TTNG_E_CLI_USAGE', message);
    this.name = 'UsageError';
  }
}
