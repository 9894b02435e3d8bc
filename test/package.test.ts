// The published package: `npm pack` ships a prebuilt binary that loads with no compiler around.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const build = require('../scripts/build-record');
const record = build.readRecord();

// A PATH with node, npm and sh only: no cc, c++, cmake, make or python can be found on it.
function compilerFreePath(dir: string): string {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync('/bin/sh', path.join(bin, 'sh')); // npm runs install scripts with sh
  const npmCli = fs.realpathSync(execFileSync('/bin/sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  fs.writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\nexec "${process.execPath}" "${npmCli}" "$@"\n`, { mode: 0o755 });
  return bin;
}

describe('npm package', () => {
  test('the packed tarball installs into an empty project and loads its prebuilt binary without compilers', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'momentum-pack-'));
    try {
      const packed = execFileSync('npm', ['pack', '--pack-destination', dir, '--json'], { cwd: root, encoding: 'utf8' });
      // prepack's own messages come first on stdout; npm's JSON report is the rest.
      const info = JSON.parse(packed.slice(packed.search(/^\[/m)))[0];
      const files: string[] = info.files.map((f: { path: string }) => f.path);
      // One prebuild per LibTorch this checkout was built against, named for it; this build's among them.
      const prebuilds = files.filter((f) => f.startsWith('prebuilds/'));
      expect(prebuilds).toContain(`prebuilds/linux-x64/${build.prebuildName(record.version, record.cuda)}`);
      expect(files).toContain('dist/src/index.js');
      expect(files).toContain('dist/src/index.d.ts');
      expect(files).toContain('scripts/libtorch.js');
      // What users run, nothing else: no compiled benchmarks or examples, source maps of sources
      // that do not ship, set-up scripts or build stamps.
      expect(files.filter((f) => /^dist\/(bench|examples)\/|\.map$|\.sh$|build-stamp/.test(f))).toEqual([]);

      const project = path.join(dir, 'project');
      fs.mkdirSync(project);
      fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true }));
      const PATH = compilerFreePath(dir);
      const env = { HOME: process.env.HOME ?? '/root', PATH, npm_config_cache: execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim() };
      for (const compiler of ['cc', 'c++', 'g++', 'cmake', 'make']) {
        expect(spawnSync('/bin/sh', ['-c', `command -v ${compiler}`], { env }).status).not.toBe(0);
      }
      const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(dir, info.filename)], {
        cwd: project,
        env,
        encoding: 'utf8',
      });
      expect(install.stderr).not.toMatch(/ERR!/);
      expect(install.status).toBe(0);

      const script = "const torch = require('momentum-torch'); console.log(JSON.stringify({ value: torch.ones([2]).add(1).toArray(), binary: torch.nativeBinary, version: torch.version }));";
      const out = JSON.parse(execFileSync('node', ['-e', script], { cwd: project, env, encoding: 'utf8' }));
      expect(out.value).toEqual([2, 2]);
      // The newest prebuild whose LibTorch is on this machine loads, and names that LibTorch.
      expect(path.relative(path.join(project, 'node_modules', 'momentum-torch'), out.binary)).toBe(
        `prebuilds/linux-x64/${build.prebuildName(out.version.libtorch, out.version.cuda !== null)}`,
      );
      expect(prebuilds).toContain(`prebuilds/linux-x64/${path.basename(out.binary)}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
