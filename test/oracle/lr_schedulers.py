#!/usr/bin/python3
"""PyTorch oracle for test/optim-lr-scheduler.test.ts.

Reads {"cases": [{"id", "scheduler", "lrs": [initial lr per group], "epochs": [null or an epoch,
per step]}]} on stdin; for each case builds SCHEDULERS[scheduler] on an SGD optimizer with one
parameter group per initial lr and records every group's lr after construction and after each
scheduler.step() (step(epoch) where an epoch is given). Prints {id: [[lr per group], ...]}.
"""
import json
import math
import sys
import warnings

import torch
from torch.optim import lr_scheduler as S

warnings.simplefilter("ignore")  # the epoch argument of step() is deprecated

SCHEDULERS = {
    "cosine": lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    "cosine_no_min": lambda o: S.CosineAnnealingLR(o, T_max=7),
    "step": lambda o: S.StepLR(o, step_size=7, gamma=0.5),
    "multistep": lambda o: S.MultiStepLR(o, milestones=[3, 8, 8, 20], gamma=0.1),
    "linear": lambda o: S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=6),
    "linear_decay": lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.25, total_iters=4),
    "lambda": lambda o: S.LambdaLR(o, lr_lambda=lambda e: 0.95 ** e),
    "lambda_per_group": lambda o: S.LambdaLR(o, lr_lambda=[lambda e: 1 / (e + 1), lambda e: math.cos(e / 10)]),
    "warmup_cosine": lambda o: S.SequentialLR(o, schedulers=[S.LinearLR(o, start_factor=0.01, total_iters=5),
                                                             S.CosineAnnealingLR(o, T_max=20)], milestones=[5]),
    "three_phases": lambda o: S.SequentialLR(o, schedulers=[S.LinearLR(o, start_factor=0.5, total_iters=3),
                                                            S.StepLR(o, step_size=2, gamma=0.5),
                                                            S.CosineAnnealingLR(o, T_max=6, eta_min=0.01)],
                                             milestones=[3, 9]),
    # The papers' schedules that lrScheduler.WarmupCosineLR and WarmupMultiStepLR follow: without a
    # warm-up and stepped per epoch, PyTorch's own; stepped per batch (4 to an epoch) with a linear
    # warm-up from 0, moco-v3's (cosine) and main_moco's (steps) formulas of the fractional epoch.
    "moco_cos": lambda o: S.CosineAnnealingLR(o, T_max=10),
    "moco_step": lambda o: S.MultiStepLR(o, milestones=[6, 8], gamma=0.1),
    "warmup_cosine_per_batch": lambda o: S.LambdaLR(o, lr_lambda=lambda t: warmup_then(t / 4, 2, lambda e: 0.5 * (1 + math.cos(math.pi * (e - 2) / (5 - 2))))),
    "warmup_steps_per_batch": lambda o: S.LambdaLR(o, lr_lambda=lambda t: warmup_then(t / 4, 0.5, lambda e: 0.5 ** len([m for m in [1.5, 3] if e >= m]))),
}


def warmup_then(epoch, warmup, after):
    return epoch / warmup if epoch < warmup else after(epoch)


def run(case):
    params = [torch.zeros(1, requires_grad=True) for _ in case["lrs"]]
    optimizer = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, case["lrs"])], lr=1.0)
    scheduler = SCHEDULERS[case["scheduler"]](optimizer)
    lrs = [[g["lr"] for g in optimizer.param_groups]]
    for epoch in case["epochs"]:
        optimizer.step()
        scheduler.step() if epoch is None else scheduler.step(epoch)
        lrs.append([g["lr"] for g in optimizer.param_groups])
    return lrs


def main():
    print(json.dumps({c["id"]: run(c) for c in json.load(sys.stdin)["cases"]}))


main()
