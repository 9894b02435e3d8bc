// The package skeleton: the addon loads, reports its LibTorch, and computes.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../src';

const root = path.resolve(__dirname, '..');

function pythonTorchVersion(): string {
  return execFileSync('/usr/bin/python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).trim();
}

describe('foundation', () => {
  test('ones([2]).add(1) is [2, 2], computed by LibTorch', () => {
    expect(torch.ones([2]).add(1).toArray()).toEqual([2, 2]);
  });

  test('version names the package, the LibTorch it was built for, and no CUDA on this machine', () => {
    const pkg = require('../package.json');
    expect(torch.version.momentumTorch).toBe(pkg.version);
    // Debian's 1.13.1 packages carry 1.13.0 headers and report 1.13.0a0 from Python.
    expect(pythonTorchVersion().startsWith(torch.version.libtorch.slice(0, 4))).toBe(true);
    expect(torch.version.libtorch).toMatch(/^\d+\.\d+\.\d+$/);
    expect(torch.version.cuda).toBeNull();
    expect(torch.cuda.isAvailable()).toBe(false);
    expect(torch.cuda.deviceCount()).toBe(0);
  });

  test('setNumThreads / getNumThreads round-trip and reject nonsense', () => {
    const before = torch.getNumThreads();
    torch.setNumThreads(2);
    expect(torch.getNumThreads()).toBe(2);
    torch.setNumThreads(before);
    expect(torch.getNumThreads()).toBe(before);
    expect(() => torch.setNumThreads(0)).toThrow(/positive number of threads/);
  });

  test('the LibTorch locator reports what it found', () => {
    const out = JSON.parse(execFileSync(process.execPath, [path.join(root, 'scripts/libtorch.js')], { encoding: 'utf8' }));
    expect(out.version).toBe(torch.version.libtorch);
    expect(out.source).toBe('system');
    expect(out.libDir).toBe('/usr/lib/x86_64-linux-gnu');
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

  test('a binary built for one LibTorch version refuses, clearly, to load against another', () => {
    // A stand-in LibTorch 2.1.0 install: what the locator reads (headers, cmake config, a library).
    const fake = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-libtorch-'));
    try {
      const header = path.join(fake, 'include/torch/csrc/api/include/torch');
      fs.mkdirSync(header, { recursive: true });
      fs.writeFileSync(path.join(header, 'version.h'), '#define TORCH_VERSION "2.1.0"\n');
      fs.mkdirSync(path.join(fake, 'share/cmake/Torch'), { recursive: true });
      fs.writeFileSync(path.join(fake, 'share/cmake/Torch/TorchConfig.cmake'), '');
      fs.mkdirSync(path.join(fake, 'lib'));
      fs.writeFileSync(path.join(fake, 'lib/libtorch.so'), '');
      const result = spawnSync(process.execPath, ['-e', "require('./dist/src')"], {
        cwd: root,
        env: { ...process.env, LIBTORCH: fake },
        encoding: 'utf8',
      });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(
        new RegExp(`was built for LibTorch ${torch.version.libtorch.replace(/\./g, '\\.')} but LibTorch 2\\.1\\.0 is installed`),
      );
      expect(result.stderr).toMatch(/npm rebuild momentum-torch/);
    } finally {
      fs.rmSync(fake, { recursive: true, force: true });
    }
  });
});
