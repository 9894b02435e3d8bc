// `momentum-torch build`: builds the addon from source where the package lies (installed or a
// checkout) against the LibTorch that scripts/libtorch.js locates, with node-gyp by default (npm
// ships it; cmake may be absent) or with cmake-js (--cmake). The loader prefers this build to the
// prebuilds. The package has no install script: a source build is always this explicit command.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { packageRoot } from '../package-root';
import { parseFlags } from './args';
import { Command, CommandHelp, helpText } from './command';

const HELP: CommandHelp = {
  name: 'build',
  flags: { cmake: { type: 'boolean', help: 'build with cmake-js and CMake instead of node-gyp' } },
  examples: [
    'momentum-torch build',
    'LIBTORCH_PYTHON=$PWD/.venv/bin/python momentum-torch build',
    'LIBTORCH=/opt/libtorch momentum-torch build --cmake',
  ],
};

export const buildCommand: Command = {
  async run(argv: string[]): Promise<number> {
    const values = parseFlags(HELP.name, argv, HELP.flags);
    if (values.help) {
      process.stdout.write(helpText(HELP));
      return 0;
    }
    const script = path.join(packageRoot, 'scripts', 'build-native.js');
    const built = spawnSync(process.execPath, [script, ...(values.cmake ? [] : ['--gyp'])], { cwd: packageRoot, stdio: 'inherit' });
    if (built.error) throw built.error;
    return built.status ?? 1;
  },
};
