#!/usr/bin/env node
'use strict';
// npm's install hook. A prebuilt binary that loads here (it links the LibTorch it was built
// against) needs nothing more; otherwise the addon is built from source with node-gyp (npm's own)
// against the LibTorch scripts/libtorch.js locates. In a git checkout scripts/setup.sh builds.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.resolve(__dirname, '..');

function aBinaryLoads() {
  const probe = spawnSync(process.execPath, ['-e', "console.log(require('./dist/src/native').nativeBinary)"], { cwd: root, encoding: 'utf8' });
  if (probe.status === 0) console.log(`momentum-torch: using ${path.relative(root, probe.stdout.trim())}`);
  return probe.status === 0;
}

function main() {
  if (fs.existsSync(path.join(root, '.git')) || aBinaryLoads()) return 0;
  console.log('momentum-torch: no prebuilt binary loads against the LibTorch here; building from source with node-gyp');
  const result = spawnSync(process.execPath, [path.join(__dirname, 'build-native.js'), '--gyp'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error("momentum-torch: the source build failed; it needs LibTorch, a C++17 compiler (C++20 for LibTorch 2.x), make and python3 (node-gyp). Then run 'npm rebuild momentum-torch'.");
    return 1;
  }
  return 0;
}

process.exit(main());
