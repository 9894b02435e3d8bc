"""Workload 1, PyTorch's side: the CPU time of one call of each small op (see bench/ops.ts)."""
from harness import seconds_per_call, serve

import torch

state = {}


def setup():
    torch.manual_seed(0)
    a, b = torch.randn(8, 8), torch.randn(8, 8)
    index = torch.tensor([1, 3, 5])
    state["ops"] = {
        "add": lambda: a + b,
        "add scalar": lambda: a + 1,
        "mul": lambda: a * b,
        "matmul 8x8": lambda: a @ b,
        "sum": lambda: a.sum(),
        "sum dim": lambda: a.sum(1),
        "softmax": lambda: a.softmax(1),
        "index a[1]": lambda: a[1],
        "index a[:, 1:3]": lambda: a[:, 1:3],
        "index a[idx]": lambda: a[index],
        "relu": lambda: a.relu(),
        "add_ in place": lambda: a.add_(b, alpha=0),
    }
    return list(state["ops"])


def per_call(name, iterations):
    """CPU seconds (user + system, all threads) per call, after a tenth as many untimed calls."""
    return seconds_per_call(state["ops"][name], iterations, warmup=iterations // 10, clock="cpu")


serve({"setup": setup, "perCall": per_call})
