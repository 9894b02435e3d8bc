// Orders of samples: seeded permutations, Mean Teacher's two-stream batch sampler, and the
// class-balanced choice of which samples keep their labels.
import { aten } from '../ops';
import { tensor } from '../factories';
import type { Tensor } from '../tensor';
import { checkTensor, describe, fail } from '../check';
import { ArgumentValueError } from '../errors';

/** Draws permutations of 0..n-1. */
export type Permute = (n: number) => Int32Array;

/**
 * Permutations from a private generator seeded with `seed` (each call continues its stream, so
 * epochs differ and a new `permuter(seed)` repeats them), or, without a seed, from LibTorch's
 * global generator (`torch.randperm`, so `manualSeed` repeats them).
 */
export function permuter(seed?: number): Permute {
  if (seed === undefined) return (n) => (aten.randperm(n, { dtype: 'int32' }) as Tensor).dataSync() as Int32Array;
  const next = uniformStream(seed);
  return (n) => {
    // Fisher-Yates, from the back.
    const order = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  };
}

// Uniform numbers in [0, 1): a Weyl sequence through a 32-bit avalanche mix (SplitMix-style).
function uniformStream(seed: number): () => number {
  if (!Number.isFinite(seed)) throw new TypeError(`seed must be a finite number, got ${seed}`);
  let state = Math.trunc(seed) >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 0x100000000;
  };
}

function checkIndices(indices: ArrayLike<number>, what: string): number[] {
  const list = Array.from(indices);
  if (!list.every((i) => Number.isInteger(i) && i >= 0)) throw new TypeError(`TwoStreamBatchSampler: ${what} must be non-negative integers`);
  return list;
}

/**
 * Mean Teacher's batch sampler (the authors' TwoStreamBatchSampler): every batch holds
 * `batchSize - secondaryBatchSize` primary indices followed by `secondaryBatchSize` secondary
 * ones. One epoch is one permuted pass over the primary indices (incomplete last batch dropped);
 * the secondary indices are reshuffled whenever they run out, without end. In Mean Teacher the
 * primary indices are the unlabeled samples and the secondary the labeled ones.
 * Iterating yields `number[]` batches; a DataLoader takes it as its `sampler`.
 */
export class TwoStreamBatchSampler implements Iterable<number[]> {
  readonly primaryIndices: number[];
  readonly secondaryIndices: number[];
  readonly batchSize: number;
  readonly secondaryBatchSize: number;
  readonly primaryBatchSize: number;
  private readonly permute: Permute;

  /** `seed`: a private generator for the shuffles; without it, the global generator (see `permuter`). */
  constructor(
    primaryIndices: ArrayLike<number>,
    secondaryIndices: ArrayLike<number>,
    batchSize: number,
    secondaryBatchSize: number,
    options: { seed?: number } = {},
  ) {
    this.primaryIndices = checkIndices(primaryIndices, 'primaryIndices');
    this.secondaryIndices = checkIndices(secondaryIndices, 'secondaryIndices');
    this.batchSize = batchSize;
    this.secondaryBatchSize = secondaryBatchSize;
    this.primaryBatchSize = batchSize - secondaryBatchSize;
    if (!Number.isInteger(batchSize) || !Number.isInteger(secondaryBatchSize) || secondaryBatchSize <= 0 || this.primaryBatchSize <= 0) {
      throw new RangeError(`TwoStreamBatchSampler: need integers 0 < secondaryBatchSize (${secondaryBatchSize}) < batchSize (${batchSize})`);
    }
    if (this.primaryIndices.length < this.primaryBatchSize || this.secondaryIndices.length < secondaryBatchSize) {
      throw new RangeError(
        `TwoStreamBatchSampler: ${this.primaryIndices.length} primary and ${this.secondaryIndices.length} secondary indices ` +
          `cannot fill batches of ${this.primaryBatchSize} + ${secondaryBatchSize}`,
      );
    }
    this.permute = permuter(options.seed);
  }

  /** Batches per epoch. */
  get length(): number {
    return Math.floor(this.primaryIndices.length / this.primaryBatchSize);
  }

  *[Symbol.iterator](): Iterator<number[]> {
    const primary = this.shuffled(this.primaryIndices);
    let secondary: number[] = [];
    let taken = 0;
    for (let b = 0; b < this.length; b++) {
      const batch = primary.slice(b * this.primaryBatchSize, (b + 1) * this.primaryBatchSize);
      for (let k = 0; k < this.secondaryBatchSize; k++) {
        if (taken === secondary.length) [secondary, taken] = [this.shuffled(this.secondaryIndices), 0];
        batch.push(secondary[taken++]);
      }
      yield batch;
    }
  }

  private shuffled(indices: number[]): number[] {
    return Array.from(this.permute(indices.length), (i) => indices[i]);
  }
}

/** The result of `labeledSubset`. */
export interface LabeledSubset {
  /** int64 [N]: the original label of the chosen samples, -1 for every other one. */
  labels: Tensor;
  /** The chosen samples, ascending. */
  labeledIndices: number[];
  /** All others, ascending (samples whose target was already negative included). */
  unlabeledIndices: number[];
}

/**
 * Chooses `numLabels` samples that keep their label, the same number from every class (when
 * `numLabels` is not a multiple of the class count, randomly chosen classes get one more), and
 * marks all others -1, as Mean Teacher's experiments do. Targets below 0 are never chosen.
 * `seed` makes the choice repeatable (default 0); the result's `labels` may replace a dataset's
 * `targets`, and its index lists feed a `TwoStreamBatchSampler(unlabeledIndices, labeledIndices, ...)`.
 */
export function labeledSubset(targets: Tensor | ArrayLike<number>, numLabels: number, options: { seed?: number } = {}): LabeledSubset {
  if (isTensor(targets)) checkTensor('labeledSubset', ['targets', 1], targets);
  else if (!Array.isArray(targets) && !ArrayBuffer.isView(targets)) fail('labeledSubset', ['targets', 1], 'a Tensor or an array of labels', targets);
  const labels = Array.from(isTensor(targets) ? (targets.dataSync() as ArrayLike<number | bigint>) : targets, Number);
  const bad = labels.findIndex((label) => !(Number.isSafeInteger(label) && label >= -1));
  if (bad >= 0) throw new ArgumentValueError(`labeledSubset: targets must be integer class labels (-1 for none), got ${describe(labels[bad])} at index ${bad}`);
  const numClasses = labels.reduce((a, b) => Math.max(a, b), -1) + 1;
  if (!Number.isSafeInteger(numLabels) || numLabels < 0) throw new RangeError(`labeledSubset: numLabels must be a non-negative integer, got ${describe(numLabels)}`);
  if (numLabels > 0 && numClasses === 0) throw new RangeError('labeledSubset: no sample has a label to keep');
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  labels.forEach((label, i) => label >= 0 && byClass[label].push(i));
  const permute = permuter(options.seed ?? 0);
  const extra = new Set(permute(numClasses).slice(0, numLabels % numClasses));
  const chosen: number[] = [];
  byClass.forEach((members, label) => {
    const wanted = Math.floor(numLabels / numClasses) + (extra.has(label) ? 1 : 0);
    if (wanted > members.length) throw new RangeError(`labeledSubset: class ${label} has ${members.length} samples, ${wanted} wanted`);
    for (const k of permute(members.length).subarray(0, wanted)) chosen.push(members[k]);
  });
  chosen.sort((a, b) => a - b);
  const isLabeled = new Uint8Array(labels.length);
  for (const i of chosen) isLabeled[i] = 1;
  const relabeled = BigInt64Array.from(labels, (label, i) => BigInt(isLabeled[i] ? label : -1));
  return {
    labels: tensor(relabeled),
    labeledIndices: chosen,
    unlabeledIndices: labels.map((_, i) => i).filter((i) => !isLabeled[i]),
  };
}

function isTensor(value: unknown): value is Tensor {
  return typeof (value as Tensor | null)?._h === 'number';
}
