'use strict';
// The record of the LibTorch a local build was made against (build/Release/momentum_torch.json):
// written by scripts/build-native.js, read by it to tell a stale build, by the prebuild packer to
// name the binary, and by the tests and benchmarks to pick the PyTorch of the same version.
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const BINARY = path.join(root, 'build', 'Release', 'momentum_torch.node');
const RECORD = BINARY.replace(/\.node$/, '.json');

function readRecord() {
  try {
    return fs.existsSync(BINARY) ? JSON.parse(fs.readFileSync(RECORD, 'utf8')) : null;
  } catch {
    return null;
  }
}

function writeRecord(torch) {
  fs.writeFileSync(`${RECORD}.tmp`, `${JSON.stringify(torch, null, 2)}\n`);
  fs.renameSync(`${RECORD}.tmp`, RECORD);
}

function sameLibTorch(a, b) {
  return a.version === b.version && a.libDir === b.libDir && a.cuda === b.cuda && a.cxxStandard === b.cxxStandard;
}

module.exports = { BINARY, RECORD, readRecord, writeRecord, sameLibTorch };

// Prebuilt binaries carry what they need in their names: prebuilds/<platform>-<arch>/
// momentum-torch.libtorch-<version>.<cpu|cuda>.<libc>.node.
const PREBUILD_DIR = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
const PREBUILD_PATTERN = /^momentum-torch\.libtorch-(\d+\.\d+\.\d+)\.(cpu|cuda)\.(glibc|musl)\.node$/;

function libc() {
  return process.report && process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl';
}

function prebuildName(version, cuda) {
  return `momentum-torch.libtorch-${version}.${cuda ? 'cuda' : 'cpu'}.${libc()}.node`;
}

// The prebuilds for this platform and libc, newest LibTorch first, CUDA before CPU of one version.
function listPrebuilds() {
  const names = fs.existsSync(PREBUILD_DIR) ? fs.readdirSync(PREBUILD_DIR) : [];
  const parsed = names
    .map((name) => ({ name, match: PREBUILD_PATTERN.exec(name) }))
    .filter(({ match }) => match && match[3] === libc())
    .map(({ name, match }) => ({ file: path.join(PREBUILD_DIR, name), version: match[1], cuda: match[2] === 'cuda' }));
  const key = (p) => p.version.split('.').map((n) => n.padStart(6, '0')).join('.') + (p.cuda ? '1' : '0');
  return parsed.sort((a, b) => (key(a) < key(b) ? 1 : -1));
}

module.exports.PREBUILD_DIR = PREBUILD_DIR;
module.exports.prebuildName = prebuildName;
module.exports.listPrebuilds = listPrebuilds;

// The Python whose PyTorch is the build's LibTorch: the one the locator asked, else Debian's
// python3, whose python3-torch goes with the system LibTorch. MOMENTUM_TORCH_PYTHON overrides
// (an unzipped LibTorch has no Python of its own).
function pythonOfBuild() {
  const record = readRecord();
  return process.env.MOMENTUM_TORCH_PYTHON || (record && record.python) || '/usr/bin/python3';
}

module.exports.pythonOfBuild = pythonOfBuild;
