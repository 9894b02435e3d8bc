#!/usr/bin/env node
// The `momentum-torch` command: a table of subcommands, each in its own file and loaded only when
// run, so that `build` and `--version` answer where no binary loads (nothing here loads the addon).
import * as path from 'path';
import { packageRoot, packageVersion } from '../package-root';
import type { Command } from './command';

interface Entry {
  summary: string;
  load(): Promise<Command>;
}

const commands: Record<string, Entry> = {
  'train mean-teacher': {
    summary: 'Mean Teacher on Fashion-MNIST with few labels (--consistency 0: the baseline)',
    load: async () => (await import('./train-mean-teacher')).trainMeanTeacherCommand,
  },
  'train moco': {
    summary: 'MoCo v1/v2/v3 pretraining without labels, with a kNN monitor',
    load: async () => (await import('./train-moco')).trainMoCoCommand,
  },
  'eval linear': {
    summary: 'linear probe of a frozen MoCo backbone (or of a random one)',
    load: async () => (await import('./eval-linear')).evalLinearCommand,
  },
  build: {
    summary: 'build the addon from source against the LibTorch found here',
    load: async () => (await import('./build')).buildCommand,
  },
};

const EXAMPLES = [
  'momentum-torch train mean-teacher --labels 100 --out runs/mt',
  'momentum-torch train moco --epochs 14 --lr 0.12 --out runs/moco',
  'momentum-torch eval linear --checkpoint runs/moco',
];

function listing(names: string[]): string {
  return names.map((name) => `  momentum-torch ${name}`.padEnd(40) + commands[name].summary).join('\n');
}

function usage(): string {
  const examples = EXAMPLES.map((line) => `  ${line}`).join('\n');
  return (
    'usage: momentum-torch <command> [options]   (--help after a command lists its options)\n' +
    '       momentum-torch --version\n\n' +
    `commands:\n${listing(Object.keys(commands))}\n\nexamples:\n${examples}\n`
  );
}

// A group is the first word of several commands (`train`).
function groupUsage(group: string, names: string[]): string {
  return `usage: momentum-torch ${group} <command> [options]   (--help after a command lists its options)\n\ncommands:\n${listing(names)}\n`;
}

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h';

// The package's version, then the LibTorch of the binary that loads (an error when none does).
async function printVersion(): Promise<number> {
  process.stdout.write(`momentum-torch ${packageVersion}\n`);
  try {
    const { version, nativeBinary } = await import('../index');
    process.stdout.write(`LibTorch ${version.libtorch} (${version.cuda ? `CUDA ${version.cuda}` : 'CPU'}), binary ${path.relative(packageRoot, nativeBinary)}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-v') return printVersion();
  const name = Object.keys(commands).find((key) => key.split(' ').every((word, i) => argv[i] === word));
  if (name) {
    try {
      const command = await commands[name].load();
      return await command.run(argv.slice(name.split(' ').length));
    } catch (e) {
      process.stderr.write(`momentum-torch: ${(e as Error).message.replace(/^momentum-torch: /, '')}\n`);
      return 1;
    }
  }
  if (argv.length === 0 || isHelp(argv[0])) {
    process.stdout.write(usage());
    return 0;
  }
  const group = Object.keys(commands).filter((key) => key.startsWith(`${argv[0]} `));
  if (group.length > 0 && isHelp(argv[1])) {
    process.stdout.write(groupUsage(argv[0], group));
    return 0;
  }
  const problem = group.length > 0 && argv.length === 1 ? `'${argv[0]}' needs a command` : `unknown command '${argv.join(' ')}'`;
  process.stderr.write(`momentum-torch: ${problem}\n\n${group.length > 0 ? groupUsage(argv[0], group) : usage()}`);
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
