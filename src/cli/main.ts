#!/usr/bin/env node
// The `momentum-torch` command: a table of subcommands, each in its own file.
import { trainMeanTeacherCommand } from './train-mean-teacher';
import { trainMoCoCommand } from './train-moco';
import { evalLinearCommand } from './eval-linear';

export interface Command {
  summary: string;
  /** Runs with the arguments after the subcommand's words; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

const commands: Record<string, Command> = {
  'train mean-teacher': trainMeanTeacherCommand,
  'train moco': trainMoCoCommand,
  'eval linear': evalLinearCommand,
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  momentum-torch ${name}`.padEnd(40) + c.summary);
  return `usage: momentum-torch <command> [options]   (--help after a command lists its options)\n\ncommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const name = Object.keys(commands).find((key) => key.split(' ').every((word, i) => argv[i] === word));
  if (!name) {
    const help = argv.length === 0 || argv[0] === '--help' || argv[0] === '-h';
    (help ? process.stdout : process.stderr).write((help ? '' : `momentum-torch: unknown command '${argv.join(' ')}'\n\n`) + usage());
    return help ? 0 : 2;
  }
  try {
    return await commands[name].run(argv.slice(name.split(' ').length));
  } catch (e) {
    process.stderr.write(`momentum-torch: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
