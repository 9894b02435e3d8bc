// The MoCo dictionary (He et al. 2020, Algorithm 1): a FIFO queue of encoded keys, stored as the
// official code stores it, a [dim, size] buffer on the device whose columns are L2-normalised keys,
// and a pointer to the oldest column, which the next enqueue overwrites.
import { callOp } from '../ops';
import { Tensor } from '../tensor';
import { keep, tidy } from '../scope';
import type { Device } from '../types';

export interface KeyQueueOptions {
  /** The key dimension (the encoder's output size). */
  dim: number;
  /** K, the number of keys kept. */
  size: number;
  device?: Device;
}

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`KeyQueue: ${what} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Vectors along `dim` scaled to unit L2 norm, as F.normalize(x, { dim }). */
export function l2Normalize(x: Tensor, dim: number): Tensor {
  const norm = callOp('linalg_vector_norm', [x, 2, [dim], true]);
  return x.div(callOp('clamp_min', [norm, 1e-12]));
}

export class KeyQueue {
  readonly dim: number;
  readonly size: number;
  /** The live [dim, size] buffer (the official `queue`): writing into it changes the queue. */
  readonly keys: Tensor;
  /** The official `queue_ptr`: a one-element int64 tensor, so that it travels with the buffer. */
  readonly ptr: Tensor;

  constructor(options: KeyQueueOptions) {
    this.dim = positiveInteger(options?.dim, 'dim');
    this.size = positiveInteger(options?.size, 'size');
    const device = options.device ?? 'cpu';
    // Initialised as random unit vectors, as the official builder does.
    this.keys = keep(tidy(() => l2Normalize(callOp('randn', [[this.dim, this.size]], { device }), 0)));
    this.ptr = keep(callOp('zeros', [[1]], { dtype: 'int64', device }));
  }

  /** Index of the oldest key: the column the next enqueue writes first. */
  get pointer(): number {
    return this.ptr.item();
  }

  set pointer(value: number) {
    if (!Number.isInteger(value) || value < 0 || value >= this.size) {
      throw new Error(`KeyQueue: pointer must be an integer in [0, ${this.size}), got ${value}`);
    }
    callOp('fill_', [this.ptr, value]);
  }

  /**
   * Writes `keys` [batch, dim] (normalised here again, detached) into the columns from `pointer`
   * on, wrapping around the end, and moves the pointer past them. Any batch size works; a batch
   * larger than the queue leaves its last `size` keys, as writing one by one would.
   */
  enqueue(keys: Tensor): void {
    this.check(keys);
    const batch = keys.shape[0];
    const pointer = this.pointer;
    const kept = Math.min(batch, this.size);
    const start = (pointer + batch - kept) % this.size;
    tidy(() => {
      const newest = callOp('narrow', [keys.detach(), 0, batch - kept, kept]);
      const columns = callOp('t', [l2Normalize(newest, 1)]);
      const first = Math.min(kept, this.size - start);
      this.write(start, columns, 0, first);
      if (kept > first) this.write(0, columns, first, kept - first);
    });
    this.pointer = (pointer + batch) % this.size;
  }

  // keys[:, column : column + count] = source[:, from : from + count]
  private write(column: number, source: Tensor, from: number, count: number): void {
    callOp('copy_', [callOp('narrow', [this.keys, 1, column, count]), callOp('narrow', [source, 1, from, count])]);
  }

  private check(keys: Tensor): void {
    if (!(keys instanceof Tensor)) throw new Error('KeyQueue.enqueue: keys must be a Tensor [batch, dim]');
    const shape = keys.shape;
    if (shape.length !== 2 || shape[1] !== this.dim || shape[0] < 1) {
      throw new Error(`KeyQueue.enqueue: keys must have shape [batch, ${this.dim}], got [${shape.join(', ')}]`);
    }
    if (keys.device !== this.keys.device) {
      throw new Error(`KeyQueue.enqueue: keys are on ${keys.device} but the queue is on ${this.keys.device}`);
    }
  }
}
