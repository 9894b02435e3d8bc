#!/usr/bin/env node
'use strict';
// `npm run prebuild`: copies the local build into prebuilds/<platform>-<arch>/, named with the
// LibTorch version it was built for (and .cuda for CUDA builds), which `npm pack` then ships.
const fs = require('fs');
const path = require('path');
const { locate } = require('./libtorch');

const root = path.resolve(__dirname, '..');
const built = path.join(root, 'build', 'Release', 'momentum_torch.node');
if (!fs.existsSync(built)) {
  console.error('momentum-torch: no build/Release/momentum_torch.node: run `npm run build:native` first');
  process.exit(1);
}
const torch = locate();
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const name = `momentum-torch.libtorch-${torch.version}${torch.cuda ? '.cuda' : ''}.node`;
fs.mkdirSync(dir, { recursive: true });
const temp = path.join(dir, `.${name}.tmp`);
fs.copyFileSync(built, temp);
fs.renameSync(temp, path.join(dir, name));
console.log(`momentum-torch: prebuilds/${process.platform}-${process.arch}/${name}`);
