#!/usr/bin/env node
'use strict';
// `npm run prebuild`: copies the local build into prebuilds/<platform>-<arch>/, named with the
// LibTorch it was built against (its version, CPU or CUDA, and the libc), which `npm pack` ships.
const fs = require('fs');
const path = require('path');
const { BINARY, readRecord, prebuildName, PREBUILD_DIR } = require('./build-record');

const record = readRecord();
if (!record) {
  console.error('momentum-torch: no recorded local build in build/Release: run `npm run build:native` first');
  process.exit(1);
}
const name = prebuildName(record.version, record.cuda);
fs.mkdirSync(PREBUILD_DIR, { recursive: true });
const temp = path.join(PREBUILD_DIR, `.${name}.tmp`);
fs.copyFileSync(BINARY, temp);
fs.renameSync(temp, path.join(PREBUILD_DIR, name));
console.log(`momentum-torch: ${path.relative(path.resolve(__dirname, '..'), path.join(PREBUILD_DIR, name))}`);
