// SGD over LibTorch's torch::optim::SGD: the same update as PyTorch's, momentum buffer first set
// to the gradient, `d = g + weightDecay * p`, `buf = momentum * buf + (1 - dampening) * d`,
// `p -= lr * (nesterov ? d + momentum * buf : buf)`.
import { Optimizer, ParamsArgument } from './optimizer';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export class SGD extends Optimizer<SGDOptions> {
  protected readonly fixedGroupKeys = { maximize: false, foreach: null, differentiable: false };

  constructor(params: ParamsArgument<SGDOptions>, options: SGDOptions) {
    if (options?.lr === undefined) throw new TypeError('SGD: a learning rate is required: new SGD(params, { lr })');
    super('sgd', params, options);
  }
}
