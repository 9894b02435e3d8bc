#!/usr/bin/env node
'use strict';
// What both native builds (CMakeLists.txt and binding.gyp) read: the one list of sources and the
// LibTorch that scripts/libtorch.js locates. `node scripts/build-config.js FIELD` prints one field.
const fs = require('fs');
const path = require('path');
const { locate } = require('./libtorch');

const root = path.resolve(__dirname, '..');

function sources() {
  return fs
    .readdirSync(path.join(root, 'native'))
    .filter((f) => f.endsWith('.cc'))
    .sort()
    .map((f) => `native/${f}`);
}

function field(name) {
  if (name === 'sources') return sources();
  if (name === 'nodeAddonApi') return require('node-addon-api').include_dir;
  if (name === 'cxxFlags') return [`-D_GLIBCXX_USE_CXX11_ABI=${locate().cxx11Abi}`];
  // gyp's link settings: the search path and rpath to LibTorch's folder (ldflags, before the
  // objects), and the libraries (after them), torch_cuda kept although nothing references it
  // directly: it registers the CUDA kernels.
  if (name === 'ldflags') {
    const torch = locate();
    return [`-L${torch.libDir}`, `-Wl,-rpath,${torch.libDir}`];
  }
  if (name === 'libraries') {
    return locate().libraries.map((l) => (l === 'torch_cuda' ? '-Wl,--no-as-needed -ltorch_cuda -Wl,--as-needed' : `-l${l}`));
  }
  return locate()[name];
}

module.exports = { sources, field };

if (require.main === module) {
  try {
    const value = field(process.argv[2]);
    console.log(Array.isArray(value) ? value.join('\n') : String(value));
  } catch (e) {
    console.error(`momentum-torch: ${e.message}`);
    process.exit(1);
  }
}
