"""torchvision for the oracles and benchmark peers, on every PyTorch the tests run against.

The wheels here hold no CPU torchvision for pip's CPU PyTorch 2.13: the torchvision pip installs is
the CUDA build, whose C ops cannot load without CUDA PyTorch, and its import then fails while
registering fake kernels for those ops. The oracles use only torchvision's Python models and
transforms, so when the C ops cannot load, those registrations are left out.
"""
import sys
import types

try:
    import torchvision
except RuntimeError:
    for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[name]
    sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")
    import torchvision

import torchvision.transforms.functional  # noqa: E402,F401  (the oracles' TF)

__all__ = ["torchvision"]
