#!/usr/bin/python3
"""PyTorch oracle for test/models.test.ts.

Reads {"dir": folder} on stdin and writes models.pt there: for each model a record {"state":
state_dict, "input": x, "eval": logits in eval mode, "train": logits in train mode, "buffers":
the buffers after the train-mode forward}. The models are torchvision's resnet18 (ImageNet stem,
and with the CIFAR stem: a 3x3 stride-1 conv1 and no max pool, as MoCo's CIFAR code builds it),
and PyTorch definitions of the Mean Teacher ConvNet and the small CNN written from the same
description as src/models/. Prints JSON: torchvision resnet50's state-dict keys and shapes.
"""
import json
import sys

import torch
import torch.nn as nn
from vision import torchvision

from small_cnn import SmallCnn

torch.manual_seed(0)


def conv_bn_lrelu(i, o, k, p):
    return nn.Sequential(nn.Conv2d(i, o, k, padding=p, bias=False), nn.BatchNorm2d(o), nn.LeakyReLU(0.1))


class ConvLarge(nn.Module):
    def __init__(self, num_classes=10, dropout=0.5):
        super().__init__()
        self.features = nn.Sequential(
            conv_bn_lrelu(3, 128, 3, 1), conv_bn_lrelu(128, 128, 3, 1), conv_bn_lrelu(128, 128, 3, 1),
            nn.MaxPool2d(2, 2), nn.Dropout(dropout),
            conv_bn_lrelu(128, 256, 3, 1), conv_bn_lrelu(256, 256, 3, 1), conv_bn_lrelu(256, 256, 3, 1),
            nn.MaxPool2d(2, 2), nn.Dropout(dropout),
            conv_bn_lrelu(256, 512, 3, 0), conv_bn_lrelu(512, 256, 1, 0), conv_bn_lrelu(256, 128, 1, 0),
            nn.AdaptiveAvgPool2d(1))
        self.fc1 = nn.Linear(128, num_classes)

    def forward(self, x):
        return self.fc1(self.features(x).flatten(1))


def resnet18_cifar():
    net = torchvision.models.resnet18(num_classes=10)
    net.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
    net.maxpool = nn.Identity()
    return net


def record(model, shape):
    x = torch.randn(shape)
    # Running statistics away from their initial values, so that eval mode uses real ones.
    with torch.no_grad():
        for name, buf in model.named_buffers():
            if name.endswith("running_mean"):
                buf.normal_(0, 0.1)
            elif name.endswith("running_var"):
                buf.uniform_(0.5, 1.5)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    model.eval()
    eval_out = model(x).detach()
    model.train()
    train_out = model(x).detach()
    buffers = {k: v.clone() for k, v in model.named_buffers()}
    return {"state": state, "input": x, "eval": eval_out, "train": train_out, "buffers": buffers}


def main():
    folder = json.load(sys.stdin)["dir"]
    torch.save({
        "resnet18": record(torchvision.models.resnet18(num_classes=10), [2, 3, 32, 32]),
        "resnet18_cifar": record(resnet18_cifar(), [2, 3, 32, 32]),
        "conv_large": record(ConvLarge(dropout=0.0), [2, 3, 32, 32]),
        "small_cnn": record(SmallCnn(), [3, 1, 28, 28]),
    }, f"{folder}/models.pt")
    resnet50 = torchvision.models.resnet50()
    print(json.dumps({"resnet50": [[k, list(v.shape)] for k, v in resnet50.state_dict().items()]}))


if __name__ == "__main__":
    main()
