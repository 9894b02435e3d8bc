"""Workload 5, PyTorch's side: Fashion-MNIST loaded from its IDX gzip files, and the MoCo v2
augmentation pipeline written with PyTorch ops, batched exactly as momentum-torch's
torch.data.transforms does it (see bench/data.ts): per-sample parameters, one grid_sample for the
resized crops, colour jitter with per-sample factors in a per-batch order, grayscale, a per-sample
Gaussian blur as grouped convolutions, and a flip, each applied to its chosen samples by where()."""
import math
import os
import time

from harness import serve
from data_fashion_mnist import read_idx

import numpy as np
import torch

ROOT = "/usr/share/datasets/fashion-mnist"
state = {}


def load_fashion_mnist():
    images = read_idx(os.path.join(ROOT, "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(ROOT, "train-labels-idx1-ubyte.gz"))
    return torch.from_numpy(images.copy()).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


def load(iterations):
    """Seconds per load of the training split."""
    start = time.perf_counter()
    for _ in range(iterations):
        state["data"], state["targets"] = load_fashion_mnist()
    return (time.perf_counter() - start) / iterations


# ---- the pipeline -------------------------------------------------------------------------------

def uniform(like, size, low, high):
    return torch.rand(size, dtype=like.dtype, device=like.device) * (high - low) + low


def chosen(like, p):
    return torch.rand(like.shape[0], 1, 1, 1, device=like.device) < p


def grid_coordinates(start, extent, out, full):
    centres = torch.arange(out, dtype=start.dtype, device=start.device) + 0.5
    source = centres.unsqueeze(0) * (extent / out).unsqueeze(1) - 0.5
    inside = torch.minimum(source.clamp(min=0), (extent - 1).unsqueeze(1))
    return ((inside + start.unsqueeze(1)) * 2 + 1) / full - 1


def resized_crop(x, boxes, size):
    n = x.shape[0]
    top, left, height, width = boxes.unbind(1)
    gx = grid_coordinates(left, width, size, x.shape[3])
    gy = grid_coordinates(top, height, size, x.shape[2])
    grid = torch.stack([gx.unsqueeze(1).expand(n, size, size), gy.unsqueeze(2).expand(n, size, size)], 3)
    return torch.grid_sampler(x, grid, 0, 1, False)


def random_resized_crop(x, size, scale, ratio, tries=10):
    n, _, height, width = x.shape
    area = uniform(x, [n, tries], *scale) * (height * width)
    aspect = torch.exp(uniform(x, [n, tries], math.log(ratio[0]), math.log(ratio[1])))
    w = torch.round(torch.sqrt(area * aspect))
    h = torch.round(torch.sqrt(area / aspect))
    fits = (w > 0) & (w <= width) & (h > 0) & (h <= height)
    first = fits & (fits.cumsum(1) == 1)
    found = fits.any(1)
    box_h = torch.where(found, (h * first).sum(1), float(height))
    box_w = torch.where(found, (w * first).sum(1), float(width))

    def offset(extent, full):
        return torch.where(found, torch.floor(torch.rand(n, dtype=x.dtype) * (full + 1 - extent)), torch.floor((full - extent) / 2))

    return resized_crop(x, torch.stack([offset(box_h, height), offset(box_w, width), box_h, box_w], 1), size)


def blend(a, b, ratio):
    return (a * ratio + b * (1 - ratio)).clamp(0, 1)


def gray(x):
    if x.shape[1] == 1:
        return x
    r, g, b = x.split(1, 1)
    return r * 0.2989 + g * 0.587 + b * 0.114


def brightness(x, f):
    return blend(x, 0, f)


def contrast(x, f):
    return blend(x, gray(x).mean((1, 2, 3), keepdim=True), f)


def saturation(x, f):
    return x if x.shape[1] == 1 else blend(x, gray(x), f)


def hue(x, f):
    if x.shape[1] == 1:
        return x
    r, g, b = x.split(1, 1)
    mx, mn = x.amax(1, keepdim=True), x.amin(1, keepdim=True)
    chroma = mx - mn
    flat = mx == mn
    s = chroma / torch.where(flat, torch.ones_like(mx), mx)
    safe = torch.where(flat, torch.ones_like(chroma), chroma)
    sextant = torch.where(mx == r, (g - b) / safe, torch.where(mx == g, (b - r) / safe + 2, (r - g) / safe + 4))
    h = torch.remainder(torch.remainder(sextant / 6, 1) + f, 1)
    vs = mx * s

    def channel(k0):
        k = torch.remainder(h * 6 + k0, 6)
        return mx - vs * torch.minimum(k, 4 - k).clamp(0, 1)

    return torch.cat([channel(5), channel(3), channel(1)], 1)


def color_jitter(x, b, c, s, h, p):
    n = x.shape[0]
    adjustments = [(brightness, (max(0, 1 - b), 1 + b)), (contrast, (max(0, 1 - c), 1 + c)),
                   (saturation, (max(0, 1 - s), 1 + s)), (hue, (-h, h))]
    order = torch.randperm(4).tolist()
    factors = [uniform(x, [n], *r).view(-1, 1, 1, 1) for _, r in adjustments]
    out = x
    for k in order:
        out = adjustments[k][0](out, factors[k])
    return torch.where(chosen(x, p), out, x)


def random_grayscale(x, p):
    return x if x.shape[1] == 1 else torch.where(chosen(x, p), gray(x).expand_as(x), x)


def gaussian_blur(x, sigma, p):
    n, c, height, width = x.shape
    size = min(2 * math.ceil(3 * sigma[1]) + 1, 2 * min(height, width) - 1)
    radius = (size - 1) // 2
    offsets = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    density = torch.exp((offsets / uniform(x, [n], *sigma).view(-1, 1)) ** 2 * -0.5)
    kernels = density / density.sum(-1, keepdim=True)
    weights = kernels.view(-1, 1, size).expand(n, c, size).reshape(n * c, 1, size)
    padded = torch.nn.functional.pad(x, [radius] * 4, mode="reflect").reshape(1, n * c, height + 2 * radius, width + 2 * radius)
    vertical = torch.conv2d(padded, weights.unsqueeze(3), None, 1, 0, 1, n * c)
    both = torch.conv2d(vertical, weights.unsqueeze(2), None, 1, 0, 1, n * c)
    return torch.where(chosen(x, p), both.reshape(n, c, height, width), x)


def horizontal_flip(x, p=0.5):
    return torch.where(chosen(x, p), x.flip(3), x)


def moco_v2(x):
    x = random_resized_crop(x, 28, (0.2, 1.0), (3 / 4, 4 / 3))
    x = color_jitter(x, 0.4, 0.4, 0.4, 0.1, 0.8)
    x = random_grayscale(x, 0.2)
    x = gaussian_blur(x, (0.1, 2.0), 0.5)
    return horizontal_flip(x)


def pipeline(batches, batch_size, channels):
    """Seconds per batch: gather batch_size shuffled images, then the query and key views."""
    data = state["data"]
    order = torch.randperm(data.shape[0])

    def step(b):
        x = data.index_select(0, order[b * batch_size:(b + 1) * batch_size]).float().div(255)
        x = x.expand(-1, channels, -1, -1)
        return moco_v2(x), moco_v2(x)

    with torch.no_grad():
        step(0)  # untimed, as momentum-torch's first batch
        start = time.perf_counter()
        for b in range(1, batches + 1):
            step(b)
    return (time.perf_counter() - start) / batches


serve({"load": load, "pipeline": pipeline})
