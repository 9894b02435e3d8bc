// Dropout, as PyTorch's dropout.py: active in training mode only.
import * as F from '../functional';
import type { Tensor } from '../tensor';
import { Module } from './module';
import { checkNumber, checkOptions } from '../check';

/** Zeroes elements with probability `p` (default 0.5) in training, scaling the rest by 1/(1-p). */
export class Dropout extends Module {
  readonly p: number;

  constructor(p: number | { p?: number } = 0.5) {
    super();
    this.p = checkNumber('Dropout', 'p', typeof p === 'number' ? p : (checkOptions('Dropout', p, ['p', 1]).p ?? 0.5));
    if (this.p < 0 || this.p > 1) throw new RangeError(`dropout probability has to be between 0 and 1, but got ${this.p}`);
  }

  forward(input: Tensor): Tensor {
    return F.dropout(input, { p: this.p, training: this.training });
  }
}
