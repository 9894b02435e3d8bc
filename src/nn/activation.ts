// ReLU, LeakyReLU and GELU, as PyTorch's activation.py.
import * as F from '../functional';
import { callOp } from '../ops';
import type { Tensor } from '../tensor';
import { Module } from './module';
import { checkBool, checkChoice, checkNumber, checkOptions } from '../check';

export class ReLU extends Module {
  readonly inplace: boolean;

  constructor(options: { inplace?: boolean } = {}) {
    super();
    this.inplace = checkBool('ReLU', 'inplace', checkOptions('ReLU', options).inplace ?? false);
  }

  forward(input: Tensor): Tensor {
    return this.inplace ? input.relu_() : F.relu(input);
  }
}

/** `max(0, x) + negativeSlope * min(0, x)`: `new LeakyReLU(0.1)`. */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  readonly inplace: boolean;

  constructor(negativeSlope: number | { negativeSlope?: number; inplace?: boolean } = 0.01, options: { inplace?: boolean } = {}) {
    super();
    const given = typeof negativeSlope === 'number' ? { ...checkOptions('LeakyReLU', options, ['options', 2]), negativeSlope } : checkOptions('LeakyReLU', negativeSlope, ['negativeSlope', 1]);
    this.negativeSlope = checkNumber('LeakyReLU', 'negativeSlope', given.negativeSlope ?? 0.01);
    this.inplace = checkBool('LeakyReLU', 'inplace', given.inplace ?? false);
  }

  forward(input: Tensor): Tensor {
    return this.inplace ? callOp('leaky_relu_', [input, this.negativeSlope]) : F.leakyRelu(input, this.negativeSlope);
  }
}

export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(options: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    this.approximate = checkChoice('GELU', 'approximate', checkOptions('GELU', options).approximate ?? 'none', ['none', 'tanh'] as const);
  }

  forward(input: Tensor): Tensor {
    return F.gelu(input, { approximate: this.approximate });
  }
}
