"""Reads a `train moco` checkpoint with PyTorch's own torch.load and reports what the tests check:
its keys, the queue's shape, pointer and column norms, and the step count.

Usage: moco_checkpoint.py CHECKPOINT  (prints one JSON object)
"""
import json
import sys

import torch

checkpoint = torch.load(sys.argv[1], map_location='cpu')
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
