// MaxPool2d, AvgPool2d and AdaptiveAvgPool2d, as PyTorch's pooling.py.
import * as F from '../functional';
import type { Tensor } from '../tensor';
import { Module } from './module';
import { checkInt, checkOptions, checkPair } from '../check';

type Pair = number | [number, number];

// A pooling layer's sizes, checked when it is made: each a number or a pair of integers >= min.
function sizes(where: string, arg: string | [string, number], value: unknown, min: number): void {
  checkPair(where, arg, value, (x, name) => checkInt(where, name, x, min));
}

function checkPoolOptions(where: string, kernelSize: unknown, options: PoolOptions & { dilation?: Pair }): void {
  sizes(where, ['kernelSize', 1], kernelSize, 1);
  checkOptions(where, options, ['options', 2]);
  if (options.stride !== undefined && options.stride !== null) sizes(where, 'stride', options.stride, 1);
  if (options.padding !== undefined) sizes(where, 'padding', options.padding, 0);
  if (options.dilation !== undefined) sizes(where, 'dilation', options.dilation, 1);
}

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
    checkPoolOptions('MaxPool2d', kernelSize, options);
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
    checkPoolOptions('AvgPool2d', kernelSize, options);
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
    sizes('AdaptiveAvgPool2d', ['outputSize', 1], outputSize, 1);
  }

  forward(input: Tensor): Tensor {
    return F.adaptiveAvgPool2d(input, this.outputSize);
  }
}
