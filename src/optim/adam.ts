// Adam and AdamW over LibTorch's torch::optim::Adam and AdamW (Kingma & Ba 2015; Loshchilov &
// Hutter 2019): bias-corrected moment estimates; AdamW decays the weights directly
// (`p *= 1 - lr * weightDecay`) instead of adding the decay to the gradient.
import { libtorchAtLeast } from '../runtime';
import { Optimizer, ParamsArgument } from './optimizer';

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
}

/** Adam: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0 (added to the gradient). */
export class Adam extends Optimizer<AdamOptions> {
  // As PyTorch 1.13 and 2.13 write them; 2.x made `fused` optional and added decoupled_weight_decay.
  protected readonly fixedGroupKeys = {
    maximize: false,
    foreach: null,
    capturable: false,
    differentiable: false,
    ...(libtorchAtLeast(2) ? { fused: null, decoupled_weight_decay: false } : { fused: false }),
  };
  protected readonly countKeys = ['step'];

  constructor(params: ParamsArgument<AdamOptions>, options: AdamOptions = {}) {
    super('adam', params, options);
  }
}

/** AdamW: as Adam with decoupled weight decay, weightDecay 1e-2 by default. */
export class AdamW extends Optimizer<AdamOptions> {
  // As PyTorch 1.13 and 2.13 write them; 2.x's AdamW is Adam with decoupled_weight_decay set.
  protected readonly fixedGroupKeys = {
    foreach: null,
    maximize: false,
    capturable: false,
    ...(libtorchAtLeast(2) ? { differentiable: false, fused: null, decoupled_weight_decay: true } : {}),
  };
  protected readonly countKeys = ['step'];

  constructor(params: ParamsArgument<AdamOptions>, options: AdamOptions = {}) {
    super('adamw', params, options);
  }
}
