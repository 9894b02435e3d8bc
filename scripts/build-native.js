#!/usr/bin/env node
'use strict';
// Builds the addon into build/Release with cmake-js (default) or node-gyp (`--gyp`). LibTorch is
// located first so that a missing one fails with one line that says what to set.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { locate } = require('./libtorch');

const root = path.resolve(__dirname, '..');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status;
}

function main() {
  let torch;
  try {
    torch = locate();
  } catch (e) {
    console.error(`momentum-torch: ${e.message}`);
    return 1;
  }
  console.log(`momentum-torch: building against LibTorch ${torch.version} (${torch.source}, ${torch.libDir}${torch.cuda ? ', CUDA' : ''})`);
  const jobs = String(Math.max(1, os.cpus().length));
  if (process.argv.includes('--gyp')) {
    const gyp = process.env.npm_config_node_gyp || require.resolve('node-gyp/bin/node-gyp.js');
    // Node's own headers when it ships them (Debian's and the official builds do): no download.
    const prefix = path.dirname(path.dirname(process.execPath));
    const nodedir = fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
    return run(process.execPath, [gyp, 'rebuild', `--jobs=${jobs}`, ...nodedir]);
  }
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  return run(process.execPath, [cmakeJs, 'build', '--log-level', 'warn', '--parallel', jobs]);
}

process.exit(main());
