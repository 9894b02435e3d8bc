#!/usr/bin/env node
'use strict';
// What both native builds (CMakeLists.txt and binding.gyp) read: the one list of sources and the
// LibTorch that scripts/libtorch.js locates. `node scripts/build-config.js FIELD` prints one field.
const fs = require('fs');
const path = require('path');
const { locate } = require('./libtorch');

const root = path.resolve(__dirname, '..');

// scripts/build-native.js locates once and hands the record down, so that gyp's many `<!(...)`
// calls and CMake's configure all see the same LibTorch (and Python is asked once, not per field).
const RECORD_VARIABLE = 'MOMENTUM_TORCH_LIBTORCH';

function located() {
  const handed = process.env[RECORD_VARIABLE];
  return handed ? JSON.parse(handed) : locate();
}

function sources() {
  return fs
    .readdirSync(path.join(root, 'native'))
    .filter((f) => f.endsWith('.cc'))
    .sort()
    .map((f) => `native/${f}`);
}

// CMake reads one script of set() calls: one locate per configure.
function cmakeScript(torch) {
  const quote = (value) => `"${String(value).replace(/\\/g, '/').replace(/"/g, '\\"')}"`;
  const vars = {
    Torch_DIR: torch.cmakeDir,
    TORCH_LIB_DIR: torch.libDir,
    TORCH_VERSION_LOCATED: torch.version,
    MT_CXX_STANDARD: torch.cxxStandard,
    NODE_ADDON_API_DIR: path.resolve(root, require('node-addon-api').include_dir),
  };
  const lines = Object.entries(vars).map(([name, value]) => `set(${name} ${quote(value)})`);
  lines.push(`set(SOURCES ${sources().map(quote).join(' ')})`);
  if (torch.cudaToolkit) lines.push(`set(CUDA_TOOLKIT_ROOT_DIR ${quote(torch.cudaToolkit)})`);
  if (torch.nvrtc) lines.push(`set(CUDA_nvrtc_LIBRARY ${quote(torch.nvrtc)} CACHE FILEPATH "NVRTC, found by scripts/libtorch.js")`);
  return lines.join('\n');
}

function field(name) {
  if (name === 'sources') return sources();
  if (name === 'nodeAddonApi') return require('node-addon-api').include_dir;
  const torch = located();
  if (name === 'cmake') return cmakeScript(torch);
  if (name === 'cxxFlags') return [`-std=c++${torch.cxxStandard}`, `-D_GLIBCXX_USE_CXX11_ABI=${torch.cxx11Abi}`];
  // gyp's link settings: the search path and rpath to LibTorch's folder (ldflags, before the
  // objects), and the libraries by full path (after them), so that no other LibTorch on the
  // linker's path can be picked; torch_cuda kept although nothing references it directly: it
  // registers the CUDA kernels.
  if (name === 'ldflags') return [`-Wl,-rpath,${torch.libDir}`];
  if (name === 'libraries') {
    return torch.libraries.map((l) => {
      const file = path.join(torch.libDir, `lib${l}.so`);
      return l === 'torch_cuda' ? `-Wl,--no-as-needed ${file} -Wl,--as-needed` : file;
    });
  }
  return torch[name];
}

module.exports = { sources, field, RECORD_VARIABLE };

if (require.main === module) {
  try {
    const value = field(process.argv[2]);
    console.log(Array.isArray(value) ? value.join('\n') : String(value));
  } catch (e) {
    console.error(`momentum-torch: ${e.message}`);
    process.exit(1);
  }
}
