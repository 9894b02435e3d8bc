#!/usr/bin/python3
"""PyTorch oracle for test/nn.test.ts: torch.nn layers and Module bookkeeping.

Reads {"dir": folder} on stdin. Writes, into that folder, layers.pt: for each case a record
{"state": the layer's state_dict, "input": x, "train": output in train mode, "eval": output in
eval mode, "after": state_dict after the train-mode forward}; clip.pt for clip_grad_norm_. Prints
JSON: the state-dict keys and parameter names of a composite module (test/nn.test.ts builds the
same one), and the clip_grad_norm_ results.
"""
import json
import sys

import torch
import torch.nn as nn

torch.manual_seed(0)

CASES = {
    "linear": (lambda: nn.Linear(5, 4), [3, 5]),
    "linear_nobias": (lambda: nn.Linear(5, 4, bias=False), [2, 3, 5]),
    "conv": (lambda: nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2), [2, 4, 7, 7]),
    "conv_same": (lambda: nn.Conv2d(3, 5, (3, 5), padding="same", dilation=2, bias=False), [1, 3, 9, 9]),
    "bn1d": (lambda: nn.BatchNorm1d(4), [6, 4]),
    "bn1d_3d": (lambda: nn.BatchNorm1d(3, momentum=0.3, eps=1e-3), [4, 3, 5]),
    "bn2d": (lambda: nn.BatchNorm2d(3), [4, 3, 5, 5]),
    "bn2d_cumulative": (lambda: nn.BatchNorm2d(3, momentum=None), [4, 3, 2, 2]),
    "bn2d_no_affine": (lambda: nn.BatchNorm2d(3, affine=False), [2, 3, 4, 4]),
    "bn2d_no_stats": (lambda: nn.BatchNorm2d(3, track_running_stats=False), [2, 3, 4, 4]),
    "layernorm": (lambda: nn.LayerNorm([4, 5], eps=1e-6), [2, 3, 4, 5]),
    "relu": (lambda: nn.ReLU(), [3, 4]),
    "leaky_relu": (lambda: nn.LeakyReLU(0.1), [3, 4]),
    "gelu": (lambda: nn.GELU(), [3, 4]),
    "gelu_tanh": (lambda: nn.GELU(approximate="tanh"), [3, 4]),
    "maxpool": (lambda: nn.MaxPool2d(3, stride=2, padding=1), [2, 3, 8, 8]),
    "avgpool": (lambda: nn.AvgPool2d(2), [2, 3, 6, 6]),
    "avgpool_pad": (lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), [1, 2, 7, 7]),
    "adaptive": (lambda: nn.AdaptiveAvgPool2d((2, 3)), [2, 3, 7, 8]),
    "flatten": (lambda: nn.Flatten(), [2, 3, 4, 5]),
    "identity": (lambda: nn.Identity(), [2, 3]),
    "sequential": (lambda: nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16, 3)), [5, 2, 4, 4]),
}


def run_case(make, shape):
    layer = make()
    x = torch.randn(shape)
    state = {k: v.clone() for k, v in layer.state_dict().items()}
    layer.train()
    train_out = layer(x).detach()
    after = {k: v.clone() for k, v in layer.state_dict().items()}
    layer.eval()
    eval_out = layer(x).detach()
    return {"state": state, "input": x, "train": train_out, "eval": eval_out, "after": after}


class Composite(nn.Module):
    """The same structure as test/nn.test.ts's Composite."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 2, 3)
        self.bn1 = nn.BatchNorm2d(2)
        self.register_buffer("steps", torch.zeros(1))
        self.register_buffer("scratch", torch.zeros(1), persistent=False)
        self.head = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
        self.extra = nn.ModuleList([nn.Linear(2, 2), nn.LayerNorm(2)])
        self.scale = nn.Parameter(torch.ones(1))


def clip_cases(folder):
    grads = [torch.randn(3, 4), torch.randn(5), torch.randn(2, 2)]
    out = {"grads": grads}
    results = {}
    for name, max_norm, norm_type in [("l2", 1.0, 2.0), ("l2_large", 100.0, 2.0), ("inf", 0.5, float("inf")), ("l1", 2.0, 1.0)]:
        params = [torch.zeros_like(g, requires_grad=True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
        out[name] = [p.grad for p in params]
        results[name] = total.item()
    torch.save(out, f"{folder}/clip.pt")
    return results


def main():
    folder = json.load(sys.stdin)["dir"]
    torch.save({name: run_case(make, shape) for name, (make, shape) in CASES.items()}, f"{folder}/layers.pt")
    composite = Composite()
    print(json.dumps({
        "compositeKeys": list(composite.state_dict().keys()),
        "compositeParams": [name for name, _ in composite.named_parameters()],
        "compositeBuffers": [name for name, _ in composite.named_buffers()],
        "compositeModules": [name for name, _ in composite.named_modules()],
        "clipTotals": clip_cases(folder),
    }))


main()
