#!/usr/bin/env node
'use strict';
// npm's install hook. A user whose LibTorch matches a shipped prebuild compiles nothing; otherwise
// the addon is built from source with node-gyp (npm's own). In a git checkout scripts/setup.sh builds.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { locate } = require('./libtorch');

const root = path.resolve(__dirname, '..');

function main() {
  if (fs.existsSync(path.join(root, '.git'))) return 0;
  let torch;
  try {
    torch = locate();
  } catch (e) {
    console.warn(`momentum-torch: ${e.message}. Install LibTorch, then run 'npm rebuild momentum-torch'.`);
    return 0;
  }
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  const names = [`momentum-torch.libtorch-${torch.version}${torch.cuda ? '.cuda' : ''}.node`, `momentum-torch.libtorch-${torch.version}.node`];
  const prebuilt = names.find((n) => fs.existsSync(path.join(dir, n)));
  if (prebuilt) {
    console.log(`momentum-torch: using prebuilds/${path.basename(dir)}/${prebuilt} for LibTorch ${torch.version} (${torch.source})`);
    return 0;
  }
  console.log(`momentum-torch: no prebuilt binary for LibTorch ${torch.version}; building from source with node-gyp`);
  const result = spawnSync(process.execPath, [path.join(__dirname, 'build-native.js'), '--gyp'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('momentum-torch: the source build failed; it needs a C++17 compiler, make and python3 (node-gyp).');
    return 1;
  }
  return 0;
}

process.exit(main());
