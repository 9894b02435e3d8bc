// MaxPool2d, AvgPool2d and AdaptiveAvgPool2d, as PyTorch's pooling.py.
import * as F from '../functional';
import type { Tensor } from '../tensor';
import { Module } from './module';

type Pair = number | [number, number];

export interface PoolOptions {
  /** Defaults to the kernel size. */
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
}

/** `new MaxPool2d(2)`, `new MaxPool2d(3, { stride: 2, padding: 1 })`. */
export class MaxPool2d extends Module {
  readonly options: PoolOptions & { dilation?: Pair };

  constructor(
    readonly kernelSize: Pair,
    options: PoolOptions & { dilation?: Pair } = {},
  ) {
    super();
    this.options = { ...options };
  }

  forward(input: Tensor): Tensor {
    return F.maxPool2d(input, this.kernelSize, this.options);
  }
}

export class AvgPool2d extends Module {
  readonly options: PoolOptions & { countIncludePad?: boolean; divisorOverride?: number | null };

  constructor(
    readonly kernelSize: Pair,
    options: PoolOptions & { countIncludePad?: boolean; divisorOverride?: number | null } = {},
  ) {
    super();
    this.options = { ...options };
  }

  forward(input: Tensor): Tensor {
    return F.avgPool2d(input, this.kernelSize, this.options);
  }
}

/** Average pooling to a fixed output size: `new AdaptiveAvgPool2d(1)` is global average pooling. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair) {
    super();
  }

  forward(input: Tensor): Tensor {
    return F.adaptiveAvgPool2d(input, this.outputSize);
  }
}
