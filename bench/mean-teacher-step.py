"""Workload 3 (and 6's PyTorch side), PyTorch's side: one Mean Teacher training step as the authors'
PyTorch code runs it (CuriousAI/mean-teacher pytorch/main.py, train()): teacher forward, student
forward, class cost + consistency cost, zero_grad / backward / SGD-nesterov step, EMA update of
the teacher. The meters (accuracy, the teacher's class cost) are left out on both sides. Weights
and the batch come from momentum-torch's side (torch.save; see bench/mean-teacher-step.ts). A
BENCH_COMPILE=1 peer runs the student and the teacher through torch.compile; the rest stays eager."""
import time

from harness import compiled, first_call, peak_rss_mib, seconds_per_call, serve
from small_cnn import SmallCnn

import torch
import torch.nn as nn
import torch.nn.functional as F

NO_LABEL = -1


def softmax_mse_loss(input_logits, target_logits):
    """The authors' losses.py: summed over the minibatch, divided by the number of classes."""
    input_softmax = F.softmax(input_logits, dim=1)
    target_softmax = F.softmax(target_logits, dim=1)
    num_classes = input_logits.size()[1]
    return F.mse_loss(input_softmax, target_softmax, reduction="sum") / num_classes


def update_ema_variables(model, ema_model, alpha, global_step):
    alpha = min(1 - 1 / (global_step + 1), alpha)
    for ema_param, param in zip(ema_model.parameters(), model.parameters()):
        ema_param.data.mul_(alpha).add_(param.data, alpha=1 - alpha)


state = {}


def create_model(weights, ema=False):
    model = SmallCnn(width=weights["features.0.0.weight"].shape[0])
    model.load_state_dict(weights)
    if ema:
        for param in model.parameters():
            param.detach_()
    return model.train()


def setup(file, lr, momentum, weight_decay, ema_decay, consistency_weight):
    saved = torch.load(file)
    model = create_model(saved["student"])
    ema_model = create_model(saved["student"], ema=True)
    optimizer = torch.optim.SGD(model.parameters(), lr, momentum=momentum, weight_decay=weight_decay, nesterov=True)
    class_criterion = nn.CrossEntropyLoss(reduction="sum", ignore_index=NO_LABEL)
    state.update(model=compiled(model), ema_model=compiled(ema_model), optimizer=optimizer, class_criterion=class_criterion,
                 ema_decay=ema_decay, consistency_weight=consistency_weight, global_step=0,
                 input=saved["input"], ema_input=saved["emaInput"], target=saved["target"])
    return first_call(step)


def step():
    s = state
    minibatch_size = len(s["target"])
    ema_model_out = s["ema_model"](s["ema_input"])
    model_out = s["model"](s["input"])
    ema_logit = ema_model_out.detach()
    class_loss = s["class_criterion"](model_out, s["target"]) / minibatch_size
    consistency_loss = s["consistency_weight"] * softmax_mse_loss(model_out, ema_logit) / minibatch_size
    loss = class_loss + consistency_loss
    s["optimizer"].zero_grad()
    loss.backward()
    s["optimizer"].step()
    s["global_step"] += 1
    update_ema_variables(s["model"], s["ema_model"], s["ema_decay"], s["global_step"])
    return loss.item()


def run(iterations):
    return seconds_per_call(step, iterations)


def memory(steps):
    """Peak RSS before and after `steps` more steps, and their time (workload 6)."""
    before = peak_rss_mib()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return {"before": before, "after": peak_rss_mib(), "seconds": time.perf_counter() - start}


serve({"setup": setup, "run": run, "memory": memory})
