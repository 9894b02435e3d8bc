// Conv2d, as PyTorch's conv.py.
import { empty } from '../factories';
import * as F from '../functional';
import type { Tensor } from '../tensor';
import { FactoryOptions, resetWeightAndBias } from './linear';
import { Module, Parameter } from './module';

type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (Array.isArray(v) ? v : [v, v]);

export interface Conv2dOptions extends FactoryOptions {
  stride?: Pair;
  /** Numbers, or `'same'` / `'valid'`. */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

/** 2-D convolution; `weight` is `[outChannels, inChannels / groups, kH, kW]`. */
export class Conv2d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    options: Conv2dOptions = {},
  ) {
    super();
    const { stride = 1, padding = 0, dilation = 1, groups = 1 } = options;
    if (inChannels % groups !== 0) throw new RangeError('Conv2d: inChannels must be divisible by groups');
    if (outChannels % groups !== 0) throw new RangeError('Conv2d: outChannels must be divisible by groups');
    this.kernelSize = pair(kernelSize);
    this.stride = pair(stride);
    this.padding = typeof padding === 'string' ? padding : pair(padding);
    this.dilation = pair(dilation);
    this.groups = groups;
    const factory = { device: options.device, dtype: options.dtype };
    this.weight = new Parameter(empty([outChannels, inChannels / groups, ...this.kernelSize], factory));
    this.bias = options.bias === false ? null : new Parameter(empty([outChannels], factory));
    this.resetParameters();
  }

  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  forward(input: Tensor): Tensor {
    const { stride, padding, dilation, groups } = this;
    return F.conv2d(input, this.weight, this.bias, { stride, padding, dilation, groups });
  }
}
