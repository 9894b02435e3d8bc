// Conv2d, as PyTorch's conv.py.
import { empty } from '../factories';
import * as F from '../functional';
import type { Tensor } from '../tensor';
import { FactoryOptions, resetWeightAndBias } from './linear';
import { Module, Parameter } from './module';
import { checkBool, checkInt, checkOptions, checkPair } from '../check';

type Pair = number | [number, number];
// A size or a pair of them, each an integer >= min.
const pair = (arg: string | [string, number], v: unknown, min: number): [number, number] => checkPair('Conv2d', arg, v, (x, name) => checkInt('Conv2d', name, x, min));

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
    checkInt('Conv2d', ['inChannels', 1], inChannels, 1);
    checkInt('Conv2d', ['outChannels', 2], outChannels, 1);
    const { stride = 1, padding = 0, dilation = 1, groups = 1 } = checkOptions('Conv2d', options, ['options', 4]);
    checkInt('Conv2d', 'groups', groups, 1);
    if (inChannels % groups !== 0) throw new RangeError('Conv2d: inChannels must be divisible by groups');
    if (outChannels % groups !== 0) throw new RangeError('Conv2d: outChannels must be divisible by groups');
    this.kernelSize = pair(['kernelSize', 3], kernelSize, 1);
    this.stride = pair('stride', stride, 1);
    this.padding = padding === 'same' || padding === 'valid' ? padding : pair('padding', padding, 0);
    this.dilation = pair('dilation', dilation, 1);
    this.groups = groups;
    const factory = { device: options.device, dtype: options.dtype };
    this.weight = new Parameter(empty([outChannels, inChannels / groups, ...this.kernelSize], factory));
    this.bias = !checkBool('Conv2d', 'bias', options.bias ?? true) ? null : new Parameter(empty([outChannels], factory));
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
