"""Oracle for test/transforms.test.ts: torchvision.transforms.functional applied image by image.

stdin: {"cases": [{"op": NAME, "x": {"shape": [N, C, H, W], "values": [...]}, ...parameters}]}
stdout: {"results": [{"shape": [...], "values": [...]}, ...]} in the same order.
Per-image parameters are lists with one entry per image.
"""
import functools
import json
import sys

import torch
from vision import torchvision

TF = torchvision.transforms.functional


def per_image(fn):
    @functools.wraps(fn)
    def run(x, **kw):
        return torch.stack([fn(img, i, **kw) for i, img in enumerate(x)])
    return run


@per_image
def resized_crop(img, i, boxes, size):
    top, left, height, width = (int(v) for v in boxes[i])
    return TF.resized_crop(img, top, left, height, width, size, antialias=False)


@per_image
def brightness(img, i, factors):
    return TF.adjust_brightness(img, factors[i])


@per_image
def contrast(img, i, factors):
    return TF.adjust_contrast(img, factors[i])


@per_image
def saturation(img, i, factors):
    return TF.adjust_saturation(img, factors[i])


@per_image
def hue(img, i, factors):
    return TF.adjust_hue(img, factors[i])


@per_image
def grayscale(img, i):
    return TF.rgb_to_grayscale(img, num_output_channels=img.shape[0])


@per_image
def gaussian_blur(img, i, sigmas, kernel_size):
    return TF.gaussian_blur(img, [kernel_size, kernel_size], [sigmas[i], sigmas[i]])


@per_image
def pad_crop(img, i, padding, mode, fill, tops, lefts, size):
    padded = TF.pad(img, padding, fill=fill, padding_mode=mode)
    return padded[:, tops[i]:tops[i] + size[0], lefts[i]:lefts[i] + size[1]]


def normalize(x, mean, std):
    return TF.normalize(x, mean, std)


def hflip(x):
    return TF.hflip(x)


@per_image
def solarize(img, i, threshold):
    return TF.solarize(img, threshold)


def random_solarize(x, threshold, p, seed):
    """torchvision's RandomSolarize image by image, its coin tosses from the seeded generator."""
    torch.manual_seed(seed)
    transform = torchvision.transforms.RandomSolarize(threshold, p)
    return torch.stack([transform(img) for img in x])


OPS = {f.__name__: f for f in [resized_crop, brightness, contrast, saturation, hue, grayscale, gaussian_blur, pad_crop, normalize, hflip,
                               solarize, random_solarize]}


def main():
    torch.set_num_threads(1)
    results = []
    for case in json.load(sys.stdin)["cases"]:
        case = dict(case)
        op, x = OPS[case.pop("op")], case.pop("x")
        out = op(torch.tensor(x["values"], dtype=torch.float32).reshape(x["shape"]), **case)
        results.append({"shape": list(out.shape), "values": out.reshape(-1).tolist()})
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
