"""Oracle for test/data.test.ts: reads the IDX files of MNIST-style datasets with gzip and numpy.

stdin: {"root": folder, "split": "train" | "t10k", "probe": [sample indices]}
stdout: {"images": [N, H, W], "labels": N, "firstLabels": [...20], "classCounts": [...],
         "pixelSum": sum of all pixels, "probeImages": [flattened pixels of each probed sample],
         "probeLabels": [...]}
"""
import gzip
import json
import os
import sys

import numpy as np


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * d:8 + 4 * d], "big") for d in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def main():
    request = json.load(sys.stdin)
    root, split, probe = request["root"], request["split"], request["probe"]
    images = read_idx(os.path.join(root, f"{split}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(root, f"{split}-labels-idx1-ubyte.gz"))
    json.dump({
        "images": list(images.shape),
        "labels": int(labels.shape[0]),
        "firstLabels": labels[:20].tolist(),
        "classCounts": np.bincount(labels, minlength=10).tolist(),
        "pixelSum": int(images.astype(np.int64).sum()),
        "probeImages": [images[i].reshape(-1).tolist() for i in probe],
        "probeLabels": [int(labels[i]) for i in probe],
    }, sys.stdout)


if __name__ == "__main__":
    main()
