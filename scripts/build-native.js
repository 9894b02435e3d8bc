#!/usr/bin/env node
'use strict';
// Builds the addon with cmake-js (default) or node-gyp (`--gyp`) against the LibTorch that
// scripts/libtorch.js locates, into build/Release/momentum_torch.node, with a record of that
// LibTorch beside it (momentum_torch.json). `--if-stale` builds only when the sources changed or
// the located LibTorch is not the one the binary was built for. A missing LibTorch or build tool
// fails with one line that names each; a binary that does not load against its LibTorch fails the build.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { locate } = require('./libtorch');
const { RECORD_VARIABLE } = require('./build-config');
const { BINARY, readRecord, writeRecord, sameLibTorch } = require('./build-record');

const root = path.resolve(__dirname, '..');
const INPUTS = ['native', 'CMakeLists.txt', 'binding.gyp', 'scripts/build-config.js', 'scripts/libtorch.js', 'scripts/build-native.js'];

function newestInput() {
  const times = (file) => {
    const stat = fs.statSync(file);
    return stat.isDirectory() ? fs.readdirSync(file).map((f) => times(path.join(file, f))).flat() : [stat.mtimeMs];
  };
  return Math.max(...INPUTS.map((f) => times(path.join(root, f))).flat());
}

function isStale(torch) {
  const record = readRecord();
  return !record || !sameLibTorch(record, torch) || newestInput() > fs.statSync(BINARY).mtimeMs;
}

function onPath(name) {
  const executable = (file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (name.includes('/')) return executable(name);
  return (process.env.PATH || '').split(path.delimiter).some((dir) => dir && executable(path.join(dir, name)));
}

function resolves(module) {
  try {
    return require.resolve(module);
  } catch {
    return null;
  }
}

// node-gyp: the one npm hands its scripts and `npx` (npm_config_node_gyp), else a local install.
function gypScript() {
  return process.env.npm_config_node_gyp || resolves('node-gyp/bin/node-gyp.js');
}

// What the build runs that is not here, each as the user would install it. $CXX and node-gyp's
// PYTHON / npm_config_python count when set (their first word: CXX may be 'ccache g++').
function missingTools(gyp) {
  const first = (value) => value && value.trim().split(/\s+/)[0];
  const needs = [
    ['a C++ compiler (c++, g++ or clang++; C++17, C++20 for LibTorch 2.x)', [first(process.env.CXX), 'c++', 'g++', 'clang++']],
    ['make', ['make']],
    ...(gyp ? [['python3 (node-gyp runs it)', [first(process.env.PYTHON), first(process.env.npm_config_python), 'python3', 'python']]] : [['cmake', ['cmake']]]),
  ];
  const missing = needs.filter(([, names]) => !names.some((n) => n && onPath(n))).map(([what]) => what);
  if (gyp && !gypScript()) missing.push("node-gyp (run 'npx momentum-torch build', npm brings one)");
  if (!gyp && !resolves('cmake-js/bin/cmake-js')) missing.push('cmake-js (npm install cmake-js)');
  return missing;
}

function run(command, args, env) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${path.basename(args[0])} failed (exit ${result.status})`);
}

// One folder per LibTorch for cmake-js, so that switching installs never reuses another's cache.
function cmakeBuild(torch, env, jobs) {
  const out = path.join('build', `libtorch-${torch.version}-${torch.cuda ? 'cuda' : 'cpu'}-${hashOf(torch.libDir)}`);
  run(process.execPath, [require.resolve('cmake-js/bin/cmake-js'), 'build', '--out', out, '--log-level', 'warn', '--parallel', jobs], env);
  return path.join(root, out, 'Release', 'momentum_torch.node');
}

function gypBuild(env, jobs) {
  const gyp = gypScript();
  // Node's own headers when it ships them (Debian's and the official builds do): no download.
  const prefix = path.dirname(path.dirname(process.execPath));
  const nodedir = fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
  run(process.execPath, [gyp, 'rebuild', `--jobs=${jobs}`, ...nodedir], env);
  return BINARY;
}

function hashOf(text) {
  return require('crypto').createHash('sha256').update(text).digest('hex').slice(0, 8);
}

// Loads the new binary in a fresh process: it refuses (see native/addon.cc) unless the LibTorch
// the dynamic linker finds is the version its headers came from.
function checkLoads(file, torch) {
  const probe = spawnSync(process.execPath, ['-e', `console.log(JSON.stringify(require(${JSON.stringify(file)}).linkedLibTorch()))`], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`the new binary does not load: ${probe.stderr.trim().split('\n').slice(-3).join(' ')}`);
  const linked = JSON.parse(probe.stdout);
  const dir = fs.realpathSync(path.dirname(linked.file));
  if (linked.version !== torch.version || dir !== fs.realpathSync(torch.libDir)) {
    throw new Error(`a mixed build: headers of LibTorch ${torch.version} (${torch.libDir}), but it loads LibTorch ${linked.version} from ${linked.file}`);
  }
}

function main() {
  const gyp = process.argv.includes('--gyp');
  const problems = [];
  let torch;
  try {
    torch = locate();
  } catch (e) {
    problems.push(e.message);
  }
  if (torch && process.argv.includes('--if-stale') && !isStale(torch)) return 0;
  const missing = missingTools(gyp);
  if (missing.length > 0) problems.push(`not found: ${missing.join(', ')}`);
  if (problems.length > 0) {
    console.error(`momentum-torch: cannot build from source: ${problems.join('; ')}`);
    return 1;
  }
  console.log(`momentum-torch: building against LibTorch ${torch.version} (${torch.source}, ${torch.libDir}${torch.cuda ? ', CUDA' : ''})`);
  const env = { ...process.env, [RECORD_VARIABLE]: JSON.stringify(torch) };
  const jobs = String(Math.max(1, os.cpus().length));
  try {
    const built = gyp ? gypBuild(env, jobs) : cmakeBuild(torch, env, jobs);
    checkLoads(built, torch);
    if (built !== BINARY) {
      fs.mkdirSync(path.dirname(BINARY), { recursive: true });
      fs.copyFileSync(built, `${BINARY}.tmp`);
      fs.renameSync(`${BINARY}.tmp`, BINARY);
    }
    writeRecord(torch);
  } catch (e) {
    console.error(`momentum-torch: the native build failed: ${e.message}`);
    return 1;
  }
  return 0;
}

process.exit(main());
