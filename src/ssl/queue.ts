// The MoCo dictionary (He et al. 2020, Algorithm 1): a FIFO queue of encoded keys, stored as the
// official code stores it, a [dim, size] buffer on the device whose columns are L2-normalised keys,
// and a pointer to the oldest column, which the next enqueue overwrites.
import { normalize } from '../functional';
import { randn, zeros } from '../factories';
import { keep, tidy } from '../scope';
import { Tensor } from '../tensor';
import type { Device } from '../types';
import { checkOptions, checkTensor, describe } from '../check';

export interface KeyQueueOptions {
  /** The key dimension (the encoder's output size). */
  dim: number;
  /** K, the number of keys kept. */
  size: number;
  device?: Device;
}

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new Error(`KeyQueue: ${what} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

export class KeyQueue {
  readonly dim: number;
  readonly size: number;
  /** The live [dim, size] buffer (the official `queue`): writing into it changes the queue. */
  readonly keys: Tensor;
  /** The official `queue_ptr`: a one-element int64 tensor, so that it travels with the buffer. */
  readonly ptr: Tensor;

  constructor(options: KeyQueueOptions) {
    checkOptions('KeyQueue', options, ['options', 1]);
    this.dim = positiveInteger(options?.dim, 'dim');
    this.size = positiveInteger(options?.size, 'size');
    const device = options.device ?? 'cpu';
    // Random unit vectors, as the official builder starts.
    this.keys = keep(tidy(() => normalize(randn([this.dim, this.size], { device }), { dim: 0 })));
    this.ptr = keep(zeros([1], { dtype: 'int64', device }));
  }

  /** Index of the oldest key: the column the next enqueue writes first. */
  get pointer(): number {
    return this.ptr.item();
  }

  set pointer(value: number) {
    if (!Number.isInteger(value) || value < 0 || value >= this.size) {
      throw new Error(`KeyQueue: pointer must be an integer in [0, ${this.size}), got ${describe(value)}`);
    }
    this.ptr.fill_(value);
  }

  /**
   * Writes `keys` [batch, dim] (detached, and normalised again so that the buffer stays unit
   * columns) into the columns from `pointer` on, wrapping around the end, and moves the pointer
   * past them. Any batch size works; a batch larger than the queue leaves its last `size` keys,
   * as writing them one by one would.
   */
  enqueue(keys: Tensor): void {
    this.check(keys);
    const batch = keys.shape[0];
    const pointer = this.pointer;
    const kept = Math.min(batch, this.size);
    const start = (pointer + batch - kept) % this.size;
    tidy(() => {
      const columns = normalize(keys.detach().narrow(0, batch - kept, kept), { dim: 1 }).t();
      const first = Math.min(kept, this.size - start);
      this.write(start, columns, 0, first);
      if (kept > first) this.write(0, columns, first, kept - first);
    });
    this.pointer = (pointer + batch) % this.size;
  }

  // keys[:, column : column + count] = source[:, from : from + count]
  private write(column: number, source: Tensor, from: number, count: number): void {
    this.keys.narrow(1, column, count).copy_(source.narrow(1, from, count));
  }

  private check(keys: Tensor): void {
    if (!(keys instanceof Tensor)) throw new Error('KeyQueue.enqueue: keys must be a Tensor [batch, dim]');
    checkTensor('KeyQueue.enqueue', ['keys', 1], keys);
    const shape = keys.shape;
    if (shape.length !== 2 || shape[1] !== this.dim || shape[0] < 1) {
      throw new Error(`KeyQueue.enqueue: keys must have shape [batch, ${this.dim}], got [${shape.join(', ')}]`);
    }
    if (keys.device !== this.keys.device) {
      throw new Error(`KeyQueue.enqueue: keys are on ${keys.device} but the queue is on ${this.keys.device}`);
    }
  }
}
