#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian/Ubuntu machine (quick when everything is already there):
# system packages, npm packages, the native addon, the TypeScript build.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "momentum-torch setup: $*"; }

# Which LibTorch: by default Debian's (libtorch-dev 1.13); MOMENTUM_TORCH_PYTORCH=2.13.0 (pip's CPU
# build) or 2.14.1-cuda (pip's CUDA 13 build) installs that PyTorch into .venv/<it>, and the addon
# is built against it and the tests use it as their oracle.
if [ -n "${MOMENTUM_TORCH_PYTORCH:-}" ]; then
  export LIBTORCH_PYTHON="$PWD/.venv/$MOMENTUM_TORCH_PYTORCH/bin/python"
fi

# LibTorch (unless LIBTORCH/Torch_DIR point at another), the PyTorch oracle for parity tests and
# benchmarks, reference models, real data, a fast BLAS (Debian's LibTorch otherwise uses the
# reference BLAS, ~20x slower), and the build tools.
packages=(python3-torch python3-torchvision dataset-fashion-mnist libopenblas0-pthread cmake g++ make)
if [ -z "${LIBTORCH:-}" ] && [ -z "${Torch_DIR:-}" ]; then packages+=(libtorch-dev); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    say "missing ${missing[*]} and no apt-get here: install LibTorch (set LIBTORCH), PyTorch for /usr/bin/python3, CMake and a C++17 compiler, then rerun"
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { say "need root or sudo to apt-get install ${missing[*]}"; exit 1; }
    sudo=sudo
  fi
  say "installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ -n "${MOMENTUM_TORCH_PYTORCH:-}" ]; then bash scripts/pytorch-venv.sh "$MOMENTUM_TORCH_PYTORCH"; fi
# The tests (--test) check that a binary refuses another LibTorch's libraries: pip's 2.13 is that
# other one for a build against Debian's.
if [ "${1:-}" = --test ] && [ -z "${MOMENTUM_TORCH_PYTORCH:-}" ]; then bash scripts/pytorch-venv.sh 2.13.0; fi

# npm packages, when package-lock.json changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund
fi

# The addon, when a native source changed or the LibTorch located is not the one it was built for.
node scripts/build-native.js --if-stale

# The TypeScript build (dist/), when a source is newer than the last build.
stamp=dist/.build-stamp
if [ ! -f "$stamp" ] || [ -n "$(find src examples bench tsconfig.json package.json -newer "$stamp" -print -quit)" ]; then
  say "compiling TypeScript"
  npx tsc -p tsconfig.json
  touch "$stamp"
fi
