#!/usr/bin/python3
"""TorchScript fixture and oracle for test/jit.test.ts.

Reads {"mode": ..., "dir": d} on stdin.
  "make": scripts a small CNN (conv, BatchNorm, ReLU, max pool, linear; an exported `embed`
    method) with a fixed seed and saves it to d/model.pt with torch.jit.save; then, on a fresh
    torch.jit.load of that file, records in d/expected.pt: input x, targets y, the eval-mode
    outputs of forward and embed, the train-mode output, and the buffers after that train-mode
    pass. Prints the parameter names and state-dict keys of the scripted module.
  "check": torch.jit.load(d/trained.pt) (saved by momentum-torch after training) and prints the
    max abs difference of its eval-mode output on x from d/trained-out.pt's "out".
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8 * 4 * 4, 3)

    @torch.jit.export
    def embed(self, x):
        return F.max_pool2d(F.relu(self.bn(self.conv(x))), 2).flatten(1)

    def forward(self, x):
        return self.fc(self.embed(x))


def make(folder):
    torch.manual_seed(0)
    torch.jit.save(torch.jit.script(Net()), f"{folder}/model.pt")
    model = torch.jit.load(f"{folder}/model.pt")
    x, y = torch.randn(6, 1, 8, 8), torch.randint(0, 3, (6,))
    model.eval()
    expected = {"x": x, "y": y, "eval": model(x).detach(), "embed": model.embed(x).detach()}
    model.train()
    expected["train"] = model(x).detach()
    expected["buffers"] = {k: v.clone() for k, v in model.named_buffers()}
    torch.save(expected, f"{folder}/expected.pt")
    return {"parameters": [k for k, _ in model.named_parameters()], "keys": list(model.state_dict().keys())}


def check(folder):
    model = torch.jit.load(f"{folder}/trained.pt").eval()
    saved = torch.load(f"{folder}/trained-out.pt")
    return {"diff": (model(saved["x"]) - saved["out"]).abs().max().item()}


request = json.load(sys.stdin)
print(json.dumps({"make": make, "check": check}[request["mode"]](request["dir"])))
