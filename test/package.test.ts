// The published package: `npm pack` ships a prebuilt binary that loads with no compiler around,
// installs without running any script of its own, imports as CommonJS and as an ES module (types
// included), and builds from source only when asked, saying what is missing.
import { execFileSync, spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const build = require('../scripts/build-record');
const record = build.readRecord();

// A PATH with node, npm, npx and sh only: no cc, c++, cmake, make or python can be found on it.
function compilerFreePath(dir: string): string {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync('/bin/sh', path.join(bin, 'sh')); // npm runs scripts with sh
  const npmCli = fs.realpathSync(execFileSync('/bin/sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  for (const [name, cli] of [['npm', npmCli], ['npx', path.join(path.dirname(npmCli), 'npx-cli.js')]]) {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`, { mode: 0o755 });
  }
  return bin;
}

let dir: string;
let project: string;
let env: NodeJS.ProcessEnv;
let files: string[];
let install: SpawnSyncReturns<string>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'momentum-pack-'));
  const packed = execFileSync('npm', ['pack', '--pack-destination', dir, '--json'], { cwd: root, encoding: 'utf8' });
  // prepack's own messages come first on stdout; npm's JSON report is the rest.
  const info = JSON.parse(packed.slice(packed.search(/^\[/m)))[0];
  files = info.files.map((f: { path: string }) => f.path);
  project = path.join(dir, 'project');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true }));
  env = { HOME: process.env.HOME ?? '/root', PATH: compilerFreePath(dir), npm_config_cache: execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim() };
  install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts', path.join(dir, info.filename)], {
    cwd: project,
    env,
    encoding: 'utf8',
  });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('npm package', () => {
  test('the packed tarball installs into an empty project and loads its prebuilt binary without compilers', () => {
    // One prebuild per LibTorch this checkout was built against, named for it; this build's among them.
    const prebuilds = files.filter((f) => f.startsWith('prebuilds/'));
    expect(prebuilds).toContain(`prebuilds/linux-x64/${build.prebuildName(record.version, record.cuda)}`);
    expect(files).toContain('dist/src/index.js');
    expect(files).toContain('dist/src/index.d.ts');
    expect(files).toContain('scripts/libtorch.js');
    // What users run, nothing else: no compiled benchmarks or examples, source maps of sources
    // that do not ship, set-up scripts or build stamps.
    expect(files.filter((f) => /^dist\/(bench|examples)\/|\.map$|\.sh$|build-stamp/.test(f))).toEqual([]);

    for (const compiler of ['cc', 'c++', 'g++', 'cmake', 'make']) {
      expect(spawnSync('/bin/sh', ['-c', `command -v ${compiler}`], { env }).status).not.toBe(0);
    }
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
  });

  test('npm runs no script of the package at install: none is declared, and binding.gyp does not imply one', () => {
    const installed = JSON.parse(fs.readFileSync(path.join(project, 'node_modules', 'momentum-torch', 'package.json'), 'utf8'));
    for (const hook of ['preinstall', 'install', 'postinstall']) expect(installed.scripts?.[hook]).toBeUndefined();
    expect(files).toContain('binding.gyp');
    expect(installed.gypfile).toBe(false);
    // npm's own record of what it would run at install (it counts an implied `node-gyp rebuild`).
    const lock = JSON.parse(fs.readFileSync(path.join(project, 'package-lock.json'), 'utf8'));
    expect(lock.packages['node_modules/momentum-torch'].hasInstallScript).toBeUndefined();
    expect(install.stdout + install.stderr).not.toMatch(/gyp|momentum-torch@0\.1\.0 install/);
  });

  test('an ES module imports it, named and whole, with the CommonJS exports and one addon; TypeScript types both kinds', () => {
    fs.writeFileSync(
      path.join(project, 'esm.mjs'),
      [
        "import * as torch from 'momentum-torch';",
        "import whole, { tensor } from 'momentum-torch';",
        "import { createRequire } from 'module';",
        "const cjs = createRequire(import.meta.url)('momentum-torch');",
        "const named = Object.keys(torch).filter((k) => k !== 'default' && k !== '__esModule');",
        'console.log(JSON.stringify({ value: tensor([1, 2]).add(1).toArray(), named, cjs: Object.keys(cjs), same: torch.Tensor === cjs.Tensor && whole.tensor === cjs.tensor && torch.nativeBinary === cjs.nativeBinary }));',
      ].join('\n'),
    );
    const out = JSON.parse(execFileSync('node', ['esm.mjs'], { cwd: project, env, encoding: 'utf8' }));
    expect(out.value).toEqual([2, 3]);
    expect(out.named.sort()).toEqual(out.cjs.sort());
    expect(out.named).toEqual(expect.arrayContaining(['tensor', 'Tensor', 'nn', 'optim', 'ssl', 'save', 'load']));
    expect(out.same).toBe(true);

    // The `import` condition's types (index.d.mts) for an ES module, the `require` one's for CommonJS.
    fs.writeFileSync(path.join(project, 'esm.mts'), "import * as torch from 'momentum-torch';\nimport whole, { tensor, Tensor } from 'momentum-torch';\nconst t: Tensor = tensor([1]);\nconst n: number = whole.ones([1]).add(t).item() as number;\nexport const layer: torch.nn.Linear = new torch.nn.Linear(2, n);\n");
    fs.writeFileSync(path.join(project, 'cjs.cts'), "import torch = require('momentum-torch');\nexport const t: torch.Tensor = torch.tensor([1]);\n");
    fs.writeFileSync(path.join(project, 'wrong.mts'), "import { notAnExport } from 'momentum-torch';\nexport const x: number = notAnExport;\n");
    const tsc = (...names: string[]) =>
      spawnSync('node', [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--target', 'es2022', '--traceResolution', ...names], {
        cwd: project,
        env,
        encoding: 'utf8',
      });
    const typed = tsc('esm.mts', 'cjs.cts');
    const errors = typed.stdout.split('\n').filter((line) => /error TS/.test(line));
    expect(errors).toEqual([]);
    expect(typed.status).toBe(0);
    expect(typed.stdout).toMatch(/'momentum-torch' was successfully resolved to '[^']*\/node_modules\/momentum-torch\/dist\/src\/index\.d\.mts'/);
    expect(typed.stdout).toMatch(/'momentum-torch' was successfully resolved to '[^']*\/node_modules\/momentum-torch\/dist\/src\/index\.d\.ts'/);
    // The types are not `any`: a name that is not exported is an error.
    expect(tsc('wrong.mts').stdout).toMatch(/error TS\d+: Module '"momentum-torch"' has no exported member 'notAnExport'/);
  });

  test('`momentum-torch --version` names the package and the LibTorch it loads; `build` without compilers says what is missing', () => {
    const version = spawnSync('npx', ['momentum-torch', '--version'], { cwd: project, env, encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^momentum-torch 0\.1\.0\nLibTorch \d+\.\d+\.\d+ \((CPU|CUDA [\d.]+)\), binary prebuilds\/linux-x64\/momentum-torch\.libtorch-[^\n]+\.node\n$/);

    const built = spawnSync('npx', ['momentum-torch', 'build'], { cwd: project, env, encoding: 'utf8' });
    expect(built.status).toBe(1);
    expect(built.stderr).toMatch(/momentum-torch: cannot build from source: .*not found: a C\+\+ compiler \(c\+\+, g\+\+ or clang\+\+[^)]*\), make, python3 \(node-gyp runs it\)/);
    expect(fs.existsSync(path.join(project, 'node_modules', 'momentum-torch', 'build'))).toBe(false);
  });
});
