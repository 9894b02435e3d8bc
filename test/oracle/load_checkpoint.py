"""Loads run-folder checkpoints with PyTorch's own torch.load and reports, for each, its keys and
the numbers that say what it covers.

Reads {"files": [PATH, ...]} as JSON on stdin (test/oracle/run.ts); prints one JSON list, one
{"file", "keys", "epoch", "step", "metricsLines"} object per file, in order.
"""
import json
import sys

import torch

reply = []
for path in json.load(sys.stdin)['files']:
    checkpoint = torch.load(path, map_location='cpu')
    reply.append({
        'file': path,
        'keys': sorted(checkpoint.keys()),
        'epoch': checkpoint['epoch'],
        'step': checkpoint['step'],
        'metricsLines': checkpoint['metricsLines'],
    })
json.dump(reply, sys.stdout)
