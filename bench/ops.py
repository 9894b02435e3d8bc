"""Workload 1, PyTorch's side: the CPU time of one call of each small op (see bench/ops.ts)."""
import time

from harness import serve

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
    op = state["ops"][name]
    for _ in range(iterations // 10):
        op()
    start = time.process_time()
    for _ in range(iterations):
        op()
    return (time.process_time() - start) / iterations


serve({"setup": setup, "perCall": per_call})
