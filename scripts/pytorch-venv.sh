#!/usr/bin/env bash
# Installs pip's PyTorch into .venv/VARIANT (quick when it is there): VARIANT is a version
# (2.13.0: the CPU build) or VERSION-cuda (2.14.1-cuda: the CUDA 13 build, which loads without a
# GPU). That PyTorch is then the LibTorch momentum-torch builds against and the tests' oracle.
set -euo pipefail
cd "$(dirname "$0")/.."

variant=$1
version=${variant%-cuda}
minor=$(echo "$version" | cut -d. -f2)
venv=.venv/$variant
# torchvision 0.N pairs with torch 2.(N-15).
torchvision="torchvision==0.$((minor + 15)).*"

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import torch, torchvision, numpy; assert torch.__version__.startswith('$version')" 2>/dev/null; then
  exit 0
fi
echo "momentum-torch setup: installing PyTorch $variant into $venv"
python3 -m venv "$venv"
pip=("$venv/bin/pip" install --quiet --retries 0 --disable-pip-version-check)
if [ "$variant" = "$version" ]; then
  "${pip[@]}" "torch==$version" "$torchvision" numpy
else
  # The CUDA wheel's own requirements name CUDA packages that pip resolves only with NVIDIA's
  # index (cuda-toolkit extras, triton): the ones the libraries load are listed here instead.
  "${pip[@]}" --no-deps "torch==$version" "$torchvision" \
    nvidia-cublas nvidia-cuda-cupti nvidia-cuda-nvrtc nvidia-cudnn-cu13 nvidia-cufft nvidia-cufile \
    nvidia-curand nvidia-cusolver nvidia-cusparse nvidia-cusparselt-cu13 nvidia-nccl-cu13 \
    nvidia-nvjitlink nvidia-nvshmem-cu13 nvidia-nvtx \
    typing_extensions sympy mpmath filelock networkx jinja2 markupsafe fsspec numpy pillow
fi
