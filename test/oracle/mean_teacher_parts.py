"""Oracle for Mean Teacher's parts, written as the authors' PyTorch code defines them
(github.com/CuriousAI/mean-teacher, pytorch/mean_teacher/{losses,ramps}.py and main.py's
update_ema_variables), with today's spelling of size_average=False (reduction='sum').

stdin: {"task": "costs" | "ramps" | "ema", ...}; stdout: JSON results."""
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F


# ---- losses.py ------------------------------------------------------------------------------
def softmax_mse_loss(input_logits, target_logits):
    assert input_logits.size() == target_logits.size()
    input_softmax = F.softmax(input_logits, dim=1)
    target_softmax = F.softmax(target_logits, dim=1)
    num_classes = input_logits.size()[1]
    return F.mse_loss(input_softmax, target_softmax, reduction='sum') / num_classes


def softmax_kl_loss(input_logits, target_logits):
    assert input_logits.size() == target_logits.size()
    input_log_softmax = F.log_softmax(input_logits, dim=1)
    target_softmax = F.softmax(target_logits, dim=1)
    return F.kl_div(input_log_softmax, target_softmax, reduction='sum')


def symmetric_mse_loss(input1, input2):
    assert input1.size() == input2.size()
    num_classes = input1.size()[1]
    return torch.sum((input1 - input2) ** 2) / num_classes


# ---- ramps.py -------------------------------------------------------------------------------
def sigmoid_rampup(current, rampup_length):
    if rampup_length == 0:
        return 1.0
    current = np.clip(current, 0.0, rampup_length)
    phase = 1.0 - current / rampup_length
    return float(np.exp(-5.0 * phase * phase))


def linear_rampup(current, rampup_length):
    assert current >= 0 and rampup_length >= 0
    if current >= rampup_length:
        return 1.0
    return current / rampup_length


def cosine_rampdown(current, rampdown_length):
    assert 0 <= current <= rampdown_length
    return float(.5 * (np.cos(np.pi * current / rampdown_length) + 1))


# ---- main.py --------------------------------------------------------------------------------
def update_ema_variables(model_params, ema_params, alpha, global_step):
    alpha = min(1 - 1 / (global_step + 1), alpha)
    for ema_param, param in zip(ema_params, model_params):
        ema_param.data.mul_(alpha).add_(param.data, alpha=1 - alpha)


def as_tensor(values, dtype):
    return torch.tensor(values, dtype=getattr(torch, dtype))


def costs(req):
    dtype = req['dtype']
    out = {}
    for name, fn in [('softmaxMse', softmax_mse_loss), ('softmaxKl', softmax_kl_loss), ('symmetricMse', symmetric_mse_loss)]:
        a = as_tensor(req['a'], dtype).requires_grad_()
        b = as_tensor(req['b'], dtype).requires_grad_()
        target = b if name == 'symmetricMse' else b.detach()  # the authors detach the teacher's logits
        loss = fn(a, target)
        loss.backward()
        out[name] = {
            'value': loss.item(),
            'gradA': a.grad.tolist(),
            'gradB': None if b.grad is None else b.grad.tolist(),
        }
    return out


def ramps(req):
    return {
        'sigmoid': [sigmoid_rampup(c, l) for c, l in req['sigmoid']],
        'linear': [linear_rampup(c, l) for c, l in req['linear']],
        'cosine': [cosine_rampdown(c, l) for c, l in req['cosine']],
    }


def ema(req):
    dtype = req['dtype']
    teacher = [as_tensor(p, dtype) for p in req['teacher']]
    history = []
    for step, student in enumerate(req['students'], start=1):
        update_ema_variables([as_tensor(p, dtype) for p in student], teacher, req['decay'], step)
        history.append([p.tolist() for p in teacher])
    return {'teachers': history}


if __name__ == '__main__':
    torch.set_num_threads(1)
    request = json.load(sys.stdin)
    json.dump({'costs': costs, 'ramps': ramps, 'ema': ema}[request['task']](request), sys.stdout)
