// BatchNorm1d and BatchNorm2d, as PyTorch's batchnorm.py: running statistics updated in training
// with `momentum` (or a cumulative average when it is null), and `num_batches_tracked` counted.
import { noGrad } from '../autograd';
import { empty, ones, tensor, zeros } from '../factories';
import * as F from '../functional';
import type { Tensor } from '../tensor';
import { ones_, zeros_ } from './init';
import type { FactoryOptions } from './linear';
import { Module, Parameter } from './module';
import { checkBool, checkInt, checkNumber, checkOptions, checkTensor } from '../check';

export interface BatchNormOptions extends FactoryOptions {
  eps?: number;
  /** Weight of the new batch in the running statistics; null for a cumulative average. */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

abstract class BatchNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  // Buffers under PyTorch's state-dict names (camelCase getters below).
  running_mean: Tensor | null = null;
  running_var: Tensor | null = null;
  num_batches_tracked: Tensor | null = null;
  readonly eps: number;
  momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(
    readonly numFeatures: number,
    options: BatchNormOptions = {},
  ) {
    super();
    const where = new.target.name;
    checkInt(where, ['numFeatures', 1], numFeatures, 1);
    checkOptions(where, options, ['options', 2]);
    this.eps = checkNumber(where, 'eps', options.eps ?? 1e-5, { min: 0 });
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum === null ? null : checkNumber(where, 'momentum', options.momentum, { min: 0, max: 1 });
    this.affine = checkBool(where, 'affine', options.affine ?? true);
    this.trackRunningStats = checkBool(where, 'trackRunningStats', options.trackRunningStats ?? true);
    const factory = { device: options.device, dtype: options.dtype };
    this.weight = this.affine ? new Parameter(ones_(empty([numFeatures], factory))) : null;
    this.bias = this.affine ? new Parameter(zeros_(empty([numFeatures], factory))) : null;
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], factory));
      this.registerBuffer('running_var', ones([numFeatures], factory));
      this.registerBuffer('num_batches_tracked', tensor(0, { dtype: 'int64', device: options.device }));
    }
  }

  get runningMean(): Tensor | null {
    return this.running_mean;
  }

  get runningVar(): Tensor | null {
    return this.running_var;
  }

  get numBatchesTracked(): Tensor | null {
    return this.num_batches_tracked;
  }

  /** Resets the running statistics (mean 0, variance 1, no batches seen). */
  resetRunningStats(): void {
    noGrad(() => {
      this.running_mean?.zero_();
      this.running_var?.fill_(1);
      this.num_batches_tracked?.zero_();
    });
  }

  protected abstract checkInputDim(input: Tensor): void;

  forward(input: Tensor): Tensor {
    this.checkInputDim(checkTensor(`${this.constructor.name}.forward`, ['input', 1], input));
    let momentum = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.num_batches_tracked) {
      this.num_batches_tracked.add_(1);
      if (this.momentum === null) momentum = 1 / this.num_batches_tracked.item();
    }
    // Batch statistics in training, and in evaluation when no running ones are kept.
    const useBatchStats = this.training || (this.running_mean === null && this.running_var === null);
    const trackStats = !this.training || this.trackRunningStats;
    return F.batchNorm(
      input,
      trackStats ? this.running_mean : null,
      trackStats ? this.running_var : null,
      this.weight,
      this.bias,
      { training: useBatchStats, momentum, eps: this.eps },
    );
  }
}

/** Batch normalization of `[N, C]` or `[N, C, L]` input over C. */
export class BatchNorm1d extends BatchNorm {
  protected checkInputDim(input: Tensor): void {
    const dim = input.ndim;
    if (dim !== 2 && dim !== 3) throw new Error(`BatchNorm1d: expected 2D or 3D input (got ${dim}D input)`);
  }
}

/** Batch normalization of `[N, C, H, W]` input over C. */
export class BatchNorm2d extends BatchNorm {
  protected checkInputDim(input: Tensor): void {
    const dim = input.ndim;
    if (dim !== 4) throw new Error(`BatchNorm2d: expected 4D input (got ${dim}D input)`);
  }
}
