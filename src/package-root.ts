// Where the package lies and its version, found without loading the addon (the CLI's `build` and
// `--version` need them where no binary loads).
import * as fs from 'fs';
import * as path from 'path';

// The folder of package.json above this file: src/ under ts-jest, dist/src/ once compiled.
function findPackageRoot(dir: string): string {
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`momentum-torch: no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

export const packageRoot = findPackageRoot(__dirname);

export const packageVersion: string = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')).version;
