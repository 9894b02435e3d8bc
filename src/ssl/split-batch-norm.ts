// Shuffle BN on one process (the official MoCo CIFAR-10 notebook): BatchNorm over `numSplits`
// groups of the batch, as if each group were on its own GPU, so that the key encoder's shuffled
// batch and the query encoder's batch are normalised with statistics of different samples.
import { noGrad } from '../autograd';
import * as F from '../functional';
import { BatchNorm2d, BatchNormOptions } from '../nn/batchnorm';
import { Module } from '../nn/module';
import type { Tensor } from '../tensor';

export class SplitBatchNorm extends BatchNorm2d {
  constructor(
    numFeatures: number,
    readonly numSplits: number,
    options: BatchNormOptions = {},
  ) {
    super(numFeatures, options);
    if (!(Number.isInteger(numSplits) && numSplits >= 1)) throw new Error(`SplitBatchNorm: numSplits must be a positive integer, got ${numSplits}`);
  }

  /**
   * Training: sample n belongs to group n % numSplits (the notebook's `view(-1, C * splits, H, W)`);
   * each group is normalised with its own statistics, and the running statistics become the mean
   * of the groups' updated ones. Evaluation: plain BatchNorm with the running statistics.
   */
  forward(input: Tensor): Tensor {
    if (!this.training && this.trackRunningStats) return super.forward(input);
    this.checkInputDim(input);
    const [n, c, h, w] = input.shape;
    const splits = this.numSplits;
    if (n % splits !== 0) throw new Error(`SplitBatchNorm: the batch (${n}) must divide into ${splits} splits`);
    const repeat = (t: Tensor | null) => (t === null ? null : t.repeat(splits));
    const runningMean = repeat(this.running_mean);
    const runningVar = repeat(this.running_var);
    const out = F.batchNorm(input.view([-1, c * splits, h, w]), runningMean, runningVar, repeat(this.weight), repeat(this.bias), {
      training: true,
      momentum: this.momentum ?? 0.1,
      eps: this.eps,
    }).view([n, c, h, w]);
    noGrad(() => {
      if (runningMean) this.running_mean!.copy_(runningMean.view([splits, c]).mean(0));
      if (runningVar) this.running_var!.copy_(runningVar.view([splits, c]).mean(0));
    });
    return out;
  }

  /** A SplitBatchNorm sharing `bn`'s parameters and running statistics. */
  static from(bn: BatchNorm2d, numSplits: number): SplitBatchNorm {
    const device = (bn.weight ?? bn.running_mean)?.device;
    const split = new SplitBatchNorm(bn.numFeatures, numSplits, {
      eps: bn.eps,
      momentum: bn.momentum,
      affine: bn.affine,
      trackRunningStats: bn.trackRunningStats,
      device,
    });
    split.weight = bn.weight;
    split.bias = bn.bias;
    split.running_mean = bn.running_mean;
    split.running_var = bn.running_var;
    split.num_batches_tracked = bn.num_batches_tracked;
    split.training = bn.training;
    return split;
  }
}

/**
 * Replaces every BatchNorm2d inside `module` by a SplitBatchNorm with `numSplits` groups, sharing
 * its parameters and statistics (state-dict keys unchanged). Returns `module`.
 */
export function convertSplitBatchNorm<M extends Module>(module: M, numSplits: number): M {
  for (const parent of module.modules()) {
    for (const [name, child] of parent.namedChildren()) {
      if (child instanceof BatchNorm2d && !(child instanceof SplitBatchNorm)) {
        (parent as unknown as Record<string, Module>)[name] = SplitBatchNorm.from(child, numSplits);
      }
    }
  }
  return module;
}
