"""Workload 4, PyTorch's side: one MoCo v2 training step as the official code runs it on one device
(facebookresearch/moco builder.py, with the single-GPU CIFAR-10 notebook's SplitBatchNorm and batch
shuffle), on a ResNet-18 with the CIFAR stem. Weights, queue and images come from momentum-torch's
side (torch.save), so both start from the same numbers (see bench/moco-step.ts). A BENCH_COMPILE=1
peer runs both encoders through torch.compile; the rest of the step stays eager."""
from functools import partial

from harness import compiled, first_call, seconds_per_call, serve
from moco import SplitBatchNorm

import torch
import torch.nn as nn
from vision import torchvision


def resnet18_cifar(dim, bn_splits, mlp):
    """torchvision's ResNet-18 with the CIFAR stem (3x3 conv1, stride 1, no max-pool) and MoCo's head."""
    norm_layer = partial(SplitBatchNorm, num_splits=bn_splits) if bn_splits > 1 else nn.BatchNorm2d
    net = torchvision.models.resnet18(num_classes=dim, norm_layer=norm_layer)
    net.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
    net.maxpool = nn.Identity()
    if mlp:  # builder.py: fc -> Linear-ReLU-fc
        dim_mlp = net.fc.weight.shape[1]
        net.fc = nn.Sequential(nn.Linear(dim_mlp, dim_mlp), nn.ReLU(), net.fc)
    return net


class MoCo(nn.Module):
    """builder.py's MoCo, with the notebook's single-device batch shuffle."""

    def __init__(self, encoder_q, encoder_k, queue, K, m, T):
        super().__init__()
        self.K, self.m, self.T = K, m, T
        self.encoder_q, self.encoder_k = encoder_q, encoder_k
        for param_k in self.encoder_k.parameters():
            param_k.requires_grad = False
        self.register_buffer("queue", queue)
        self.register_buffer("queue_ptr", torch.zeros(1, dtype=torch.long))

    @torch.no_grad()
    def _momentum_update_key_encoder(self):
        for param_q, param_k in zip(self.encoder_q.parameters(), self.encoder_k.parameters()):
            param_k.data = param_k.data * self.m + param_q.data * (1. - self.m)

    @torch.no_grad()
    def _dequeue_and_enqueue(self, keys):
        batch_size = keys.shape[0]
        ptr = int(self.queue_ptr)
        assert self.K % batch_size == 0
        self.queue[:, ptr:ptr + batch_size] = keys.t()
        ptr = (ptr + batch_size) % self.K
        self.queue_ptr[0] = ptr

    @torch.no_grad()
    def _batch_shuffle_single_gpu(self, x):
        idx_shuffle = torch.randperm(x.shape[0])
        idx_unshuffle = torch.argsort(idx_shuffle)
        return x[idx_shuffle], idx_unshuffle

    @torch.no_grad()
    def _batch_unshuffle_single_gpu(self, x, idx_unshuffle):
        return x[idx_unshuffle]

    def forward(self, im_q, im_k):
        q = nn.functional.normalize(self.encoder_q(im_q), dim=1)
        with torch.no_grad():
            self._momentum_update_key_encoder()
            im_k, idx_unshuffle = self._batch_shuffle_single_gpu(im_k)
            k = nn.functional.normalize(self.encoder_k(im_k), dim=1)
            k = self._batch_unshuffle_single_gpu(k, idx_unshuffle)
        l_pos = torch.einsum("nc,nc->n", [q, k]).unsqueeze(-1)
        l_neg = torch.einsum("nc,ck->nk", [q, self.queue.clone().detach()])
        logits = torch.cat([l_pos, l_neg], dim=1) / self.T
        labels = torch.zeros(logits.shape[0], dtype=torch.long)
        self._dequeue_and_enqueue(k)
        return logits, labels


state = {}


def setup(file, dim, queue_size, momentum, temperature, bn_splits, lr, weight_decay):
    saved = torch.load(file)
    encoder_q = resnet18_cifar(dim, bn_splits, mlp=True)
    encoder_q.load_state_dict(saved["encoderQ"])
    encoder_k = resnet18_cifar(dim, bn_splits, mlp=True)
    encoder_k.load_state_dict(saved["encoderQ"])  # builder.py: the key encoder starts as a copy
    model = MoCo(compiled(encoder_q), compiled(encoder_k), saved["queue"].clone(), queue_size, momentum, temperature).train()
    optimizer = torch.optim.SGD(model.parameters(), lr, momentum=0.9, weight_decay=weight_decay)
    criterion = nn.CrossEntropyLoss()
    state.update(model=model, optimizer=optimizer, criterion=criterion, im_q=saved["imQ"], im_k=saved["imK"])
    # The first step's loss, for bench/harness.ts to check that both sides compute the same thing.
    torch.manual_seed(0)
    return first_call(step)


def step():
    s = state
    logits, labels = s["model"](s["im_q"], s["im_k"])
    loss = s["criterion"](logits, labels)
    s["optimizer"].zero_grad()
    loss.backward()
    s["optimizer"].step()
    return loss.item()


def run(iterations):
    return seconds_per_call(step, iterations)


serve({"setup": setup, "run": run})
