/**
 * What every `src/cli/commands/<name>.ts` module exports. `ttng NAME ARGS...` imports
 * `./commands/NAME.js` (a dash in NAME maps to the same dash in the file name), so adding a
 * command is adding a file.
 */
export interface CommandModule {
  /** One line for `ttng help`. */
  readonly summary: string;
  /** Full help text for `ttng NAME --help` and `ttng help NAME`. */
  readonly usage: string;
  /** Returns the exit status. Throws UsageError for bad use and TtngError for failures. */
  run(args: string[]): Promise<number>;
}
