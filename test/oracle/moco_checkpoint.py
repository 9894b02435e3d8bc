"""Reads a `train moco` checkpoint with PyTorch's own torch.load and reports what the tests check:
its keys, the queue's shape, pointer and column norms, and the step count.

Usage: moco_checkpoint.py CHECKPOINT, or the request {"checkpoint": CHECKPOINT} as JSON on stdin
(test/oracle/run.ts); prints one JSON object.
"""
import json
import sys

import torch

path = sys.argv[1] if len(sys.argv) > 1 else json.load(sys.stdin)['checkpoint']
checkpoint = torch.load(path, map_location='cpu')
state = checkpoint['state_dict']
queue = state.get('queue')
json.dump({
    'keys': sorted(checkpoint.keys()),
    'stateKeys': list(state.keys()),
    'epoch': checkpoint['epoch'],
    'step': checkpoint['step'],
    'queueShape': list(queue.shape) if queue is not None else None,
    'queuePtr': int(state['queue_ptr'][0]) if queue is not None else None,
    'queueNorms': queue.norm(dim=0).tolist() if queue is not None else None,
    'optimizerGroups': len(checkpoint['optimizer']['param_groups']),
}, sys.stdout)
