#!/usr/bin/env node
'use strict';
// The one LibTorch locator, read by CMakeLists.txt, binding.gyp, the prebuild packer and the
// runtime loader. Search order: LIBTORCH (an unzipped official LibTorch), Torch_DIR, a Python
// `torch` install (LIBTORCH_PYTHON or the first python found), then the system (Debian's libtorch-dev).
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

class LibTorchNotFound extends Error {}

// The version header moved in 2.x: torch/version.h now only includes torch/headeronly/version.h.
const VERSION_HEADERS = [
  ['torch', 'headeronly', 'version.h'],
  ['torch', 'csrc', 'api', 'include', 'torch', 'version.h'],
];

function readVersion(includeDir) {
  for (const parts of VERSION_HEADERS) {
    const header = path.join(includeDir, ...parts);
    if (!fs.existsSync(header)) continue;
    const text = fs.readFileSync(header, 'utf8');
    const quoted = /#define TORCH_VERSION\s*\\?\s*"([^"]+)"/.exec(text);
    if (quoted) return quoted[1];
    const part = (n) => (new RegExp(`#define TORCH_VERSION_${n} (\\d+)`).exec(text) || [])[1];
    if (part('MAJOR')) return `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
  }
  return null;
}

// What TorchConfig.cmake asks of the compiler: the ABI flag and the C++ standard (14 in 1.13, 20 in
// 2.x); never below 17, which the addon's own code needs.
function compilerNeeds(cmakeDir) {
  const config = path.join(cmakeDir, 'TorchConfig.cmake');
  const text = fs.existsSync(config) ? fs.readFileSync(config, 'utf8') : '';
  const abi = /_GLIBCXX_USE_CXX11_ABI=(\d)/.exec(text);
  const standard = /CXX_STANDARD (\d+)/.exec(text);
  return { cxx11Abi: abi ? abi[1] : '1', cxxStandard: String(Math.max(17, standard ? Number(standard[1]) : 17)) };
}

// A CUDA LibTorch's CMake config looks for the CUDA toolkit, from nvcc's folder by default, which
// misleads it where nvcc is a wrapper script (as in /usr/local/bin here).
function cudaToolkit() {
  const candidates = [process.env.CUDA_HOME, process.env.CUDA_PATH, '/usr/local/cuda'].filter(Boolean);
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'include', 'cuda_runtime_api.h'))) || null;
}

// NVRTC, which a CUDA LibTorch's CMake config links: in the toolkit, or for pip's CUDA wheels in
// site-packages/nvidia/<cuda>/lib (without the unversioned name CMake's find_library wants).
function nvrtc(libDir, toolkit) {
  const nvidia = path.resolve(libDir, '..', '..', 'nvidia');
  const folders = [toolkit && path.join(toolkit, 'lib64'), ...(fs.existsSync(nvidia) ? fs.readdirSync(nvidia).map((d) => path.join(nvidia, d, 'lib')) : [])];
  for (const dir of folders.filter((d) => d && fs.existsSync(d))) {
    const name = fs.readdirSync(dir).sort().find((f) => /^libnvrtc\.so(\.\d+)?$/.test(f));
    if (name) return path.join(dir, name);
  }
  return null;
}

// Describes one install from its cmake folder (<prefix>/share/cmake/Torch or <libdir>/cmake/Torch).
function describe(cmakeDir, source, python = null) {
  if (!fs.existsSync(path.join(cmakeDir, 'TorchConfig.cmake'))) {
    throw new LibTorchNotFound(`${source}: no TorchConfig.cmake in ${cmakeDir}`);
  }
  // <prefix>/share/cmake/Torch (LibTorch zips, pip wheels) or <prefix>/lib/<triplet>/cmake/Torch (Debian).
  const layouts = [
    { include: path.resolve(cmakeDir, '../../../include'), lib: path.resolve(cmakeDir, '../../../lib') },
    { include: path.resolve(cmakeDir, '../../../../include'), lib: path.resolve(cmakeDir, '../..') },
  ];
  const hasLibrary = (dir) => fs.existsSync(path.join(dir, 'libtorch.so')) || fs.existsSync(path.join(dir, 'libtorch_cpu.so'));
  const found = layouts.find((l) => readVersion(l.include) && hasLibrary(l.lib));
  if (!found) throw new LibTorchNotFound(`${source}: found ${cmakeDir} but no torch headers and libtorch.so next to it`);
  const libDir = found.lib;
  const has = (name) => fs.existsSync(path.join(libDir, `lib${name}.so`));
  return {
    source,
    cmakeDir,
    includeDirs: [found.include, path.join(found.include, 'torch', 'csrc', 'api', 'include')],
    libDir,
    version: readVersion(found.include),
    cuda: has('torch_cuda'),
    libraries: ['torch', 'torch_cpu', 'c10'].concat(has('torch_cuda') ? ['torch_cuda', 'c10_cuda'] : []),
    python,
    cudaToolkit: has('torch_cuda') ? cudaToolkit() : null,
    nvrtc: has('torch_cuda') ? nvrtc(libDir, cudaToolkit()) : null,
    ...compilerNeeds(cmakeDir),
  };
}

function fromLibTorchZip(root) {
  if (!fs.existsSync(root)) throw new LibTorchNotFound(`LIBTORCH=${root} does not exist (point LIBTORCH at an unzipped LibTorch folder, the one holding include/ and lib/)`);
  return describe(path.join(root, 'share', 'cmake', 'Torch'), `LIBTORCH=${root}`);
}

function pythonCandidates() {
  if (process.env.LIBTORCH_PYTHON) return [process.env.LIBTORCH_PYTHON];
  return ['python3', 'python', '/usr/bin/python3'];
}

function fromPython() {
  for (const py of pythonCandidates()) {
    let lines;
    try {
      lines = execFileSync(py, ['-c', 'import sys, torch.utils; print(torch.utils.cmake_prefix_path); print(sys.executable)'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 60000,
      }).trim().split('\n');
    } catch {
      continue;
    }
    const [prefix, executable] = lines;
    const cmakeDir = path.join(prefix, 'Torch');
    if (fs.existsSync(path.join(cmakeDir, 'TorchConfig.cmake'))) return describe(cmakeDir, `python torch (${py})`, executable);
  }
  return null;
}

const SYSTEM_CMAKE_DIRS = [
  '/usr/lib/x86_64-linux-gnu/cmake/Torch',
  '/usr/lib/aarch64-linux-gnu/cmake/Torch',
  '/usr/local/share/cmake/Torch',
  '/usr/share/cmake/Torch',
];

function fromSystem() {
  const dir = SYSTEM_CMAKE_DIRS.find((d) => fs.existsSync(path.join(d, 'TorchConfig.cmake')));
  return dir ? describe(dir, 'system') : null;
}

// The Python step is skipped when a system LibTorch exists and LIBTORCH_PYTHON is unset: Debian's
// python3-torch points at the same system install, and asking python costs a second at every load.
function locate() {
  const env = process.env;
  if (env.LIBTORCH !== undefined) return fromLibTorchZip(env.LIBTORCH);
  if (env.Torch_DIR !== undefined) return describe(env.Torch_DIR, `Torch_DIR=${env.Torch_DIR}`);
  if (!env.LIBTORCH_PYTHON) {
    const system = fromSystem();
    if (system) return system;
  }
  const found = fromPython() || fromSystem();
  if (found) return found;
  throw new LibTorchNotFound(
    'LibTorch not found: set LIBTORCH to an unzipped LibTorch, Torch_DIR to its share/cmake/Torch folder, ' +
      'install PyTorch for python3 (or point LIBTORCH_PYTHON at that python), ' +
      'or on Debian/Ubuntu: apt-get install libtorch-dev',
  );
}

module.exports = { locate, LibTorchNotFound };

if (require.main === module) {
  // `node scripts/libtorch.js [field]` prints one field (arrays one item per line) or the whole record.
  try {
    const found = locate();
    const field = process.argv[2];
    if (!field) console.log(JSON.stringify(found, null, 2));
    else {
      const value = found[field];
      console.log(Array.isArray(value) ? value.join('\n') : String(value));
    }
  } catch (e) {
    console.error(`momentum-torch: ${e.message}`);
    process.exit(1);
  }
}
