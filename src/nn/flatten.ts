// Flatten, as PyTorch's flatten.py.
import type { Tensor } from '../tensor';
import { Module } from './module';
import { checkInt, checkOptions } from '../check';
import { ArgumentError } from '../errors';

/** Flattens dims `startDim..endDim` (default 1..-1): `[N, C, H, W]` -> `[N, C*H*W]`. */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;

  constructor(startDim: number | { startDim?: number; endDim?: number } = 1, endDim?: number) {
    super();
    if (typeof startDim !== 'number' && endDim !== undefined) throw new ArgumentError('Flatten: takes (startDim, endDim) or ({ startDim, endDim }), got endDim after the options');
    const given = typeof startDim === 'number' ? { startDim, endDim } : checkOptions('Flatten', startDim, ['startDim', 1]);
    this.startDim = checkInt('Flatten', 'startDim', given.startDim ?? 1);
    this.endDim = checkInt('Flatten', 'endDim', given.endDim ?? -1);
  }

  forward(input: Tensor): Tensor {
    return input.flatten(this.startDim, this.endDim);
  }
}
