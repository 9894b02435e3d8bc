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
  // gyp's link settings: the libraries, torch_cuda kept even though nothing references it
  // directly (it registers the CUDA kernels), and the rpath to LibTorch's folder.
  if (name === 'ldflags') {
    const torch = locate();
    const libs = torch.libraries.map((l) => (l === 'torch_cuda' ? `-Wl,--no-as-needed -ltorch_cuda -Wl,--as-needed` : `-l${l}`));
    return [`-L${torch.libDir}`, `-Wl,-rpath,${torch.libDir}`, ...libs];
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
