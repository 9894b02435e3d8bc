// The package skeleton: the addon loads, reports its LibTorch, and computes.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../src';
import { native, nativeBinary } from '../src/native';
import { ORACLE_PYTHON } from './oracle/run';

const root = path.resolve(__dirname, '..');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const build: { RECORD: string; readRecord(): { version: string; libDir: string; cuda: boolean; source: string; python: string | null } } = require('../scripts/build-record');
const record = build.readRecord()!;
// pip's PyTorch 2.13, which scripts/setup.sh --test installs on every machine (the wheels are for Python 3.11).
const PIP_TORCH_2_13 = path.join(root, '.venv/2.13.0/lib/python3.11/site-packages/torch');

// What the PyTorch of the same LibTorch says about itself (the oracle: see test/oracle/run.ts).
function pythonTorch(): { version: string; cuda: string | null; available: boolean; devices: number } {
  const code = 'import json, torch; print(json.dumps({"version": torch.__version__, "cuda": torch.version.cuda, "available": torch.cuda.is_available(), "devices": torch.cuda.device_count()}))';
  return JSON.parse(execFileSync(ORACLE_PYTHON, ['-c', code], { encoding: 'utf8' }));
}

// The libraries the dynamic linker resolves for the addon: name -> file.
function resolvedLibraries(binary: string): Map<string, string> {
  const lines = execFileSync('ldd', [binary], { encoding: 'utf8' }).split('\n');
  return new Map(lines.map((l) => /^\s*(\S+) => (\S+)/.exec(l)).filter((m): m is RegExpExecArray => m !== null).map((m) => [m[1], m[2]]));
}

describe('foundation', () => {
  test('ones([2]).add(1) is [2, 2], computed by LibTorch', () => {
    expect(torch.ones([2]).add(1).toArray()).toEqual([2, 2]);
  });

  test('version names the package, the LibTorch it was built for and its CUDA, as Python does', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const python = pythonTorch();
    expect(torch.version.momentumTorch).toBe(pkg.version);
    // Debian's 1.13.1 packages carry 1.13.0 headers and report 1.13.0a0 from Python; pip's say 2.13.0+cpu.
    expect(torch.version.libtorch).toBe(/^\d+\.\d+\.\d+/.exec(python.version)![0]);
    expect(torch.version.libtorch).toBe(record.version);
    expect(torch.version.cuda).toBe(python.cuda);
    expect(torch.version.cuda === null).toBe(!record.cuda);
    expect(torch.cuda.isAvailable()).toBe(python.available);
    expect(torch.cuda.deviceCount()).toBe(python.devices);
  });
  test('setNumThreads / getNumThreads round-trip and reject nonsense', () => {
    const before = torch.getNumThreads();
    torch.setNumThreads(2);
    expect(torch.getNumThreads()).toBe(2);
    torch.setNumThreads(before);
    expect(torch.getNumThreads()).toBe(before);
    expect(() => torch.setNumThreads(0)).toThrow(/positive number of threads/);
  });

  test('the binary links only the LibTorch the locator chose at build time', () => {
    // The locator, asked as the build asked it (a pip build names its python in LIBTORCH_PYTHON).
    const env = { ...process.env, ...(record.python ? { LIBTORCH_PYTHON: record.python } : {}) };
    const out = JSON.parse(execFileSync(process.execPath, [path.join(root, 'scripts/libtorch.js')], { encoding: 'utf8', env }));
    expect([out.version, out.libDir, out.cuda]).toEqual([record.version, record.libDir, record.cuda]);
    const linked = native.linkedLibTorch();
    expect(linked.version).toBe(record.version);
    expect(fs.realpathSync(path.dirname(linked.file))).toBe(fs.realpathSync(record.libDir));
    // Every LibTorch library resolves inside that folder, although another LibTorch may sit in the
    // system folders (Debian's, when the build is pip's).
    const torchLibraries = [...resolvedLibraries(nativeBinary)].filter(([name]) => /^lib(torch|c10)/.test(name));
    expect(torchLibraries.map(([name]) => name)).toEqual(expect.arrayContaining(['libtorch_cpu.so' + (record.source === 'system' ? '.1.13' : ''), expect.stringMatching(/^libc10\.so/)]));
    for (const [, file] of torchLibraries) expect(fs.realpathSync(path.dirname(file))).toBe(fs.realpathSync(record.libDir));
  });

  test('require() neither asks Python nor looks for LibTorch: it works with no python on the PATH', () => {
    const result = spawnSync(process.execPath, ['-e', "console.log(require('./dist/src').ones([2]).sum().item())"], {
      cwd: root,
      env: { PATH: '/nonexistent', LIBTORCH_PYTHON: '/nonexistent/python' },
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('2');
  });

  test('the locator reads an unzipped LibTorch (LIBTORCH): include/, lib/ and share/cmake/Torch, as pip\'s torch folder is laid out', () => {
    // 2.x keeps its version in torch/headeronly/version.h.
    const folder = PIP_TORCH_2_13;
    const out = JSON.parse(execFileSync(process.execPath, [path.join(root, 'scripts/libtorch.js')], { encoding: 'utf8', env: { ...process.env, LIBTORCH: folder } }));
    expect(out).toMatchObject({ source: `LIBTORCH=${folder}`, version: '2.13.0', libDir: path.join(folder, 'lib'), cuda: false, cxxStandard: '20', python: null });
    expect(out.includeDirs).toEqual([path.join(folder, 'include'), path.join(folder, 'include/torch/csrc/api/include')]);
  });

  test('with LIBTORCH=/nonexistent the build fails with one clear line naming the variable', () => {
    const result = spawnSync(process.execPath, [path.join(root, 'scripts/build-native.js')], {
      env: { ...process.env, LIBTORCH: '/nonexistent' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/LIBTORCH=\/nonexistent does not exist/);
  });

  test('a binary next to another LibTorch refuses to load, naming both versions, and the process lives on', () => {
    // Another LibTorch's libraries under the names this binary asks the dynamic linker for: pip's
    // 2.13 (scripts/setup.sh installs it for this test) for a Debian build, Debian's for a pip build.
    const other = record.source === 'system' ? path.join(PIP_TORCH_2_13, 'lib') : '/usr/lib/x86_64-linux-gnu';
    const otherVersion = record.source === 'system' ? '2.13.0' : '1.13.0';
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'other-libtorch-'));
    try {
      for (const name of resolvedLibraries(nativeBinary).keys()) {
        const stem = /^lib(torch|torch_cpu|c10)\.so/.exec(name);
        if (stem) fs.symlinkSync(path.join(other, `lib${stem[1]}.so`), path.join(folder, name));
      }
      const script = "try { require('./dist/src'); } catch (e) { console.log(e.message); process.exitCode = 3; }";
      const result = spawnSync(process.execPath, ['-e', script], { cwd: root, env: { ...process.env, LD_LIBRARY_PATH: folder }, encoding: 'utf8' });
      expect(result.signal).toBeNull();
      expect(result.status).toBe(3);
      const version = (v: string) => v.replace(/\./g, '\\.');
      if (record.cuda) {
        // A CUDA binary's torch_cuda comes from its own install, and the dynamic linker refuses it
        // beside the other version's c10 (an undefined symbol) before the addon's check can run.
        expect(result.stdout).toMatch(new RegExp(`built for LibTorch ${version(record.version)} in ${record.libDir}\\): .*undefined symbol`));
      } else {
        expect(result.stdout).toMatch(new RegExp(`built for LibTorch ${version(record.version)} but LibTorch ${version(otherVersion)} was loaded \\(${folder}/libtorch_cpu\\.so`));
      }
      expect(result.stdout).toMatch(/npx momentum-torch build/);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
