#!/usr/bin/python3
"""PyTorch oracle for test/optim.test.ts: optimizer steps and optimizer state dicts.

Reads JSON on stdin.
  {"mode": "steps", "dir": d}: writes d/optim.pt: "init" (a small MLP's state_dict), "x", "y",
    and for each optimizer config {"weights": [state_dict after steps 1, 2, 3], "state1":
    optimizer.state_dict() after step 1, "state": after step 3}. Each step: zero_grad,
    cross_entropy(model(x), y).backward(), step.
  {"mode": "resume", "dir": d, "configs": names}: for each config, loads d/resume-NAME.pt
    ({"weights", "optimizer"}, saved by momentum-torch after one step), restores both into
    PyTorch, makes one more step and reports {"weights": max abs difference from PyTorch's own
    step-2 weights, "state": same for the optimizer state}; prints {NAME: report}.
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {
    "sgd_nesterov": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4),
    "sgd_dampening": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, dampening=0.1, weight_decay=0.01),
    "sgd_plain": lambda p: torch.optim.SGD(p, lr=0.1),
    "adam": lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.01),
    "adam_amsgrad": lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-6, amsgrad=True),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.05),
    "groups": lambda p: torch.optim.SGD([{"params": p[:2], "lr": 0.01}, {"params": p[2:], "weight_decay": 0.1}],
                                        lr=0.1, momentum=0.9),
}


def model_from(state):
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))
    model.load_state_dict(state)
    return model


def step(model, optimizer, x, y):
    optimizer.zero_grad()
    F.cross_entropy(model(x), y).backward()
    optimizer.step()


def snapshot(d):
    """A deep copy of a (nested) state dict."""
    if isinstance(d, dict):
        return {k: snapshot(v) for k, v in d.items()}
    if isinstance(d, list):
        return [snapshot(v) for v in d]
    return d.clone() if torch.is_tensor(d) else d


def run(config, init, x, y, steps=3):
    model = model_from(init)
    optimizer = CONFIGS[config](list(model.parameters()))
    weights, states = [], []
    for _ in range(steps):
        step(model, optimizer, x, y)
        weights.append(snapshot(model.state_dict()))
        states.append(snapshot(optimizer.state_dict()))
    return weights, states


def max_diff(a, b):
    if isinstance(a, dict):
        return max([max_diff(a[k], b[k]) for k in a] + [0.0])
    return (a.double() - b.double()).abs().max().item() if torch.is_tensor(a) else 0.0


def main():
    request = json.load(sys.stdin)
    folder = request["dir"]
    if request["mode"] == "steps":
        torch.manual_seed(0)
        init = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)).state_dict()
        x, y = torch.randn(6, 5), torch.randint(0, 3, (6,))
        out = {"init": init, "x": x, "y": y}
        for config in CONFIGS:
            weights, states = run(config, init, x, y)
            out[config] = {"weights": weights, "state1": states[0], "state": states[2]}
        torch.save(out, f"{folder}/optim.pt")
        print(json.dumps({"ok": True}))
    else:
        saved = torch.load(f"{folder}/optim.pt")
        print(json.dumps({config: resume(config, saved, folder) for config in request["configs"]}))


def resume(config, saved, folder):
    resumed = torch.load(f"{folder}/resume-{config}.pt")
    model = model_from(resumed["weights"])
    optimizer = CONFIGS[config](list(model.parameters()))
    optimizer.load_state_dict(resumed["optimizer"])
    step(model, optimizer, saved["x"], saved["y"])
    _, states = run(config, saved["init"], saved["x"], saved["y"], steps=2)
    return {
        "weights": max_diff(model.state_dict(), saved[config]["weights"][1]),
        "state": max_diff(states[1]["state"], optimizer.state_dict()["state"]),
    }


main()
