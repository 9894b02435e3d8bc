// What a subcommand is, and the --help text each one prints: usage, flags, then examples.
import { FlagSpecs, flagHelp } from './args';

export interface Command {
  /** Runs with the arguments after the subcommand's words; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

export interface CommandHelp {
  /** The subcommand's words, as `main` lists them. */
  name: string;
  /** What the usage line shows after the words (default `[options]`). */
  usage?: string;
  flags: FlagSpecs;
  /** Two or three command lines that show it in use. */
  examples: string[];
}

export function helpText(help: CommandHelp): string {
  const examples = help.examples.map((line) => `  ${line}`).join('\n');
  return `usage: momentum-torch ${help.name} ${help.usage ?? '[options]'}\n\n${flagHelp(help.flags)}\n\nexamples:\n${examples}\n`;
}
