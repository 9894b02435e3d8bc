"""The small CNN of src/models/small-cnn.ts in PyTorch, layer for layer: the tests' oracle
(models.py) and the benchmarks' peer (bench/mean-teacher-step.py, bench/memory.ts) both build it."""
import torch.nn as nn


def stage(in_channels, out_channels, pool):
    """conv -> BatchNorm -> [max pool] -> ReLU, as src/models/small-cnn.ts."""
    layers = [nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False), nn.BatchNorm2d(out_channels)]
    if pool:
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers, nn.ReLU(inplace=True))


class SmallCnn(nn.Module):
    """torch.models.smallCnn() of momentum-torch."""

    def __init__(self, num_classes=10, channels=1, width=16):
        super().__init__()
        self.features = nn.Sequential(stage(channels, width, True), stage(width, 2 * width, True),
                                      stage(2 * width, 4 * width, False), nn.AdaptiveAvgPool2d(1))
        self.fc1 = nn.Linear(4 * width, num_classes)

    def forward(self, x):
        return self.fc1(self.features(x).flatten(1))
