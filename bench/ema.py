"""Workload 2, PyTorch's side: an EMA update of a ResNet-18's parameters, two ways, and the
machine's memory bandwidth from a copy of a large buffer (see bench/ema.ts)."""
import copy

from harness import seconds_per_call, serve

import torch
from vision import torchvision

state = {}


def setup(decay, bandwidth_mib):
    torch.manual_seed(0)
    model = torchvision.models.resnet18()
    ema_model = copy.deepcopy(model)
    state.update(model=model, ema_model=ema_model, decay=decay, step=10**6,
                 params=[p.detach() for p in model.parameters()],
                 ema_params=[p.detach() for p in ema_model.parameters()])
    n = bandwidth_mib * 2**20 // 4
    state.update(src=torch.randn(n), dst=torch.zeros(n))
    return {"shapes": [list(p.shape) for p in model.parameters()]}


def update_ema_variables(model, ema_model, alpha, global_step):
    """The Mean Teacher authors' update (main.py), with add_'s current signature."""
    alpha = min(1 - 1 / (global_step + 1), alpha)
    for ema_param, param in zip(ema_model.parameters(), model.parameters()):
        ema_param.data.mul_(alpha).add_(param.data, alpha=1 - alpha)


def authors(iterations):
    s = state
    return seconds_per_call(lambda: update_ema_variables(s["model"], s["ema_model"], s["decay"], s["step"]), iterations)


def foreach_update():
    s = state
    with torch.no_grad():
        torch._foreach_mul_(s["ema_params"], s["decay"])
        torch._foreach_add_(s["ema_params"], s["params"], alpha=1 - s["decay"])


def foreach(iterations):
    return seconds_per_call(foreach_update, iterations)


def copy_buffer(iterations):
    """Seconds per dst.copy_(src) of the large buffers."""
    return seconds_per_call(lambda: state["dst"].copy_(state["src"]), iterations)


serve({"setup": setup, "authors": authors, "foreach": foreach, "copy": copy_buffer})
