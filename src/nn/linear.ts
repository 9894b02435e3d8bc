// Linear and Identity, as PyTorch's linear.py.
import { empty } from '../factories';
import * as F from '../functional';
import type { Tensor } from '../tensor';
import type { TensorOptions } from '../types';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from './init';
import { Module, Parameter } from './module';
import { checkBool, checkInt, checkOptions } from '../check';

export type FactoryOptions = Pick<TensorOptions, 'device' | 'dtype'>;

/** Returns its input. */
export class Identity extends Module {
  forward(input: Tensor): Tensor {
    return input;
  }
}

/**
 * PyTorch's default init of a weight and its bias: kaiming_uniform(a = sqrt(5)) for the weight,
 * which is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias.
 */
export function resetWeightAndBias(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias) {
    const { fanIn } = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}

/** `y = x W^T + b`, with `weight` `[outFeatures, inFeatures]`. */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: { bias?: boolean } & FactoryOptions = {},
  ) {
    super();
    checkInt('Linear', ['inFeatures', 1], inFeatures, 0);
    checkInt('Linear', ['outFeatures', 2], outFeatures, 0);
    checkOptions('Linear', options, ['options', 3]);
    const factory = { device: options.device, dtype: options.dtype };
    this.weight = new Parameter(empty([outFeatures, inFeatures], factory));
    this.bias = !checkBool('Linear', 'bias', options.bias ?? true) ? null : new Parameter(empty([outFeatures], factory));
    this.resetParameters();
  }

  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  forward(input: Tensor): Tensor {
    return F.linear(input, this.weight, this.bias);
  }
}
