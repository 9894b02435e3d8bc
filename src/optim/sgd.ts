// SGD over LibTorch's torch::optim::SGD: the same update as PyTorch's, momentum buffer first set
// to the gradient, `d = g + weightDecay * p`, `buf = momentum * buf + (1 - dampening) * d`,
// `p -= lr * (nesterov ? d + momentum * buf : buf)`.
import { libtorchAtLeast } from '../runtime';
import { Optimizer, ParamsArgument } from './optimizer';
import { checkOptions } from '../check';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class SGD extends Optimizer<SGDOptions> {
  // As PyTorch 1.13 and 2.13 write them; 2.x added `fused`.
  protected readonly fixedGroupKeys = {
    maximize: false,
    foreach: null,
    differentiable: false,
    ...(libtorchAtLeast(2) ? { fused: null } : {}),
  };

  constructor(params: ParamsArgument<SGDOptions>, options: SGDOptions) {
    if (checkOptions('SGD', options, ['options', 2]).lr === undefined) throw new TypeError('SGD: a learning rate is required: new SGD(params, { lr })');
    super('sgd', params, options);
  }
}
