"""Oracle for whole Mean Teacher training steps, as the authors' pytorch/main.py train() runs them
(github.com/CuriousAI/mean-teacher): adjust_learning_rate, teacher then student forward (both in
train mode), class cost (cross-entropy, sum, ignore_index -1) / minibatch size, consistency cost
weighted by the ramped weight / minibatch size, the logit-distance cost for two heads, zero_grad,
backward, SGD (Nesterov) step, global_step += 1, update_ema_variables.

The model is the twin of momentum-torch's models.smallCnn; its weights and the batches come on
stdin as JSON: {"arch", "stateDict": {key: {"dtype", "shape", "values"}}, "hp", "batches": [...]}.
stdout: per-step lr and losses, and the student's and teacher's state dicts afterwards."""
import json
import sys

import torch
import torch.nn as nn

from mean_teacher_parts import softmax_kl_loss, softmax_mse_loss, symmetric_mse_loss, sigmoid_rampup, linear_rampup, cosine_rampdown

NO_LABEL = -1


class SmallCnn(nn.Module):
    """The twin of src/models/small-cnn.ts (same layers, same state-dict keys)."""

    def __init__(self, num_classes=10, channels=1, width=32, two_heads=False):
        super().__init__()

        def stage(cin, cout, pool):
            layers = [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout)] + ([nn.MaxPool2d(2)] if pool else [])
            return nn.Sequential(*layers, nn.ReLU(inplace=True))

        self.features = nn.Sequential(stage(channels, width, True), stage(width, 2 * width, True), stage(2 * width, 4 * width, False), nn.AdaptiveAvgPool2d(1))
        self.fc1 = nn.Linear(4 * width, num_classes)
        self.fc2 = nn.Linear(4 * width, num_classes) if two_heads else None

    def forward(self, x):
        h = self.features(x).flatten(1)
        return (self.fc1(h), self.fc2(h)) if self.fc2 is not None else self.fc1(h)


def update_ema_variables(model, ema_model, alpha, global_step):
    alpha = min(1 - 1 / (global_step + 1), alpha)
    for ema_param, param in zip(ema_model.parameters(), model.parameters()):
        ema_param.data.mul_(alpha).add_(param.data, alpha=1 - alpha)


def adjust_learning_rate(optimizer, hp, epoch, step_in_epoch, total_steps_in_epoch):
    epoch = epoch + step_in_epoch / total_steps_in_epoch
    lr = linear_rampup(epoch, hp['lrRampup']) * (hp['lr'] - hp['initialLr']) + hp['initialLr']
    if hp['lrRampdownEpochs']:
        lr *= cosine_rampdown(epoch, hp['lrRampdownEpochs'])
    for param_group in optimizer.param_groups:
        param_group['lr'] = lr
    return lr


def create_model(arch, state_dict, ema=False):
    model = SmallCnn(width=arch['width'], two_heads=arch['twoHeads'])
    model.load_state_dict(state_dict)
    if ema:
        for param in model.parameters():
            param.detach_()
    return model


def tensor(entry):
    return torch.tensor(entry['values'], dtype=getattr(torch, entry['dtype'])).reshape(entry['shape'])


def run(req):
    hp = req['hp']
    state_dict = {k: tensor(v) for k, v in req['stateDict'].items()}
    model = create_model(req['arch'], state_dict)
    ema_model = create_model(req['arch'], state_dict, ema=True)
    optimizer = torch.optim.SGD(model.parameters(), hp['lr'], momentum=hp['momentum'], weight_decay=hp['weightDecay'], nesterov=True)
    class_criterion = nn.CrossEntropyLoss(reduction='sum', ignore_index=NO_LABEL)
    consistency_criterion = softmax_mse_loss if hp['consistencyType'] == 'mse' else softmax_kl_loss
    model.train()
    ema_model.train()
    global_step = 0
    steps = []
    for batch in req['batches']:
        lr = adjust_learning_rate(optimizer, hp, batch['epoch'], batch['i'], batch['stepsPerEpoch'])
        input, ema_input, target = tensor(batch['input']), tensor(batch['emaInput']), tensor(batch['targets'])
        minibatch_size = len(target)
        with torch.no_grad():
            ema_model_out = ema_model(ema_input)
        model_out = model(input)
        if hp['logitDistanceCost'] >= 0:
            logit1, logit2 = model_out
            ema_logit, _ = ema_model_out
        else:
            logit1, ema_logit = model_out, ema_model_out
        ema_logit = ema_logit.detach()
        if hp['logitDistanceCost'] >= 0:
            class_logit, cons_logit = logit1, logit2
            res_loss = hp['logitDistanceCost'] * symmetric_mse_loss(class_logit, cons_logit) / minibatch_size
        else:
            class_logit, cons_logit = logit1, logit1
            res_loss = torch.zeros(())
        class_loss = class_criterion(class_logit, target) / minibatch_size
        consistency_weight = hp['consistency'] * sigmoid_rampup(batch['epoch'], hp['consistencyRampup'])
        consistency_loss = consistency_weight * consistency_criterion(cons_logit, ema_logit) / minibatch_size
        loss = class_loss + consistency_loss + res_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        global_step += 1
        update_ema_variables(model, ema_model, hp['emaDecay'], global_step)
        steps.append({'lr': lr, 'loss': loss.item(), 'classLoss': class_loss.item(), 'consistencyLoss': consistency_loss.item(),
                      'resLoss': res_loss.item(), 'consistencyWeight': consistency_weight})
    as_lists = lambda m: {k: v.tolist() for k, v in m.state_dict().items()}
    return {'steps': steps, 'student': as_lists(model), 'teacher': as_lists(ema_model)}


if __name__ == '__main__':
    torch.set_num_threads(1)
    json.dump(run(json.load(sys.stdin)), sys.stdout)
