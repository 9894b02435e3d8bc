// Evaluation of a frozen encoder, as the MoCo authors do it: a weighted kNN classifier on the
// features (the monitor of the official CIFAR-10 notebook, after Wu et al. 2018), and a linear
// probe (main_lincls.py: the backbone frozen in eval mode, only a new linear layer trained).
import { noGrad } from '../autograd';
import { cat, zeros } from '../factories';
import { normalize } from '../functional';
import { callOp } from '../ops';
import { tidy } from '../scope';
import { Tensor } from '../tensor';
import type { Device } from '../types';

/** What evaluation needs of an encoder: a forward pass and the train/eval switch (any nn.Module). */
export interface FeatureModule {
  call(input: Tensor): Tensor;
  train(mode?: boolean): unknown;
  readonly training: boolean;
}

/** Images with labels: `data` [N, C, H, W] (uint8 pixels or floats) and `targets` int64 [N], as the image datasets hold them. */
export interface LabeledImages {
  readonly data: Tensor;
  readonly targets: Tensor;
}

export interface FeatureOptions {
  /** Turns a batch of `data` into the encoder's input (default: uint8 -> float in [0, 1]). */
  prepare?: (batch: Tensor) => Tensor;
  batchSize?: number;
  device?: Device;
}

function unitFloat(batch: Tensor): Tensor {
  return batch.dtype === 'uint8' ? batch.float().div(255) : batch;
}

/**
 * The encoder's outputs for every image of `set`, [N, D], computed in eval mode without
 * gradients (the encoder's mode is restored afterwards).
 */
export function extractFeatures(encoder: FeatureModule, set: LabeledImages, options: FeatureOptions = {}): Tensor {
  const { prepare = unitFloat, batchSize = 512, device = 'cpu' } = options;
  const wasTraining = encoder.training;
  encoder.train(false);
  try {
    const n = set.data.shape[0];
    const parts: Tensor[] = [];
    for (let start = 0; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      parts.push(tidy(() => noGrad(() => encoder.call(prepare(set.data.narrow(0, start, count).to(device))).detach())));
    }
    const features = cat(parts, 0);
    for (const p of parts) p.dispose();
    return features;
  } finally {
    encoder.train(wasTraining);
  }
}

export interface KnnOptions {
  classes: number;
  /** Neighbours that vote (default 200). */
  k?: number;
  /** Temperature of the vote weights exp(similarity / t) (default 0.1). */
  t?: number;
}

/**
 * Weighted kNN: each of the k most similar bank features votes for its label with weight
 * exp(cos / t). `features` [B, D] and `bank` [D, N] L2-normalised, `bankLabels` int64 [N].
 * Returns the predicted labels [B].
 */
export function knnPredict(features: Tensor, bank: Tensor, bankLabels: Tensor, options: KnnOptions): Tensor {
  const { classes, k = 200, t = 0.1 } = options;
  return tidy(() => {
    const similarity = features.mm(bank); // [B, N]
    const [weights, indices] = similarity.topk(Math.min(k, bank.shape[1]), { dim: 1 });
    const labels = bankLabels.expand([features.shape[0], -1]).gather(1, indices);
    const scores = callOp('scatter_add', [zeros([features.shape[0], classes], { device: features.device }), 1, labels, weights.div(t).exp()]);
    return scores.argmax(1);
  });
}

function percentCorrect(predicted: Tensor, targets: Tensor): number {
  return tidy(() => predicted.eq(targets).float().mean().item() * 100);
}

/**
 * kNN accuracy (%) on `test` with `train` as the memory bank, on the encoder's normalised
 * features (k 200, t 0.1 by default).
 */
export function knnMonitor(encoder: FeatureModule, train: LabeledImages, test: LabeledImages, options: KnnOptions & FeatureOptions): number {
  const { batchSize = 512, device = 'cpu' } = options;
  return tidy(() => {
    const bank = normalize(extractFeatures(encoder, train, options), { dim: 1 }).t().contiguous();
    const bankLabels = train.targets.to(device);
    const testFeatures = normalize(extractFeatures(encoder, test, options), { dim: 1 });
    const predicted: Tensor[] = [];
    for (let start = 0; start < testFeatures.shape[0]; start += batchSize) {
      const count = Math.min(batchSize, testFeatures.shape[0] - start);
      predicted.push(knnPredict(testFeatures.narrow(0, start, count), bank, bankLabels, options));
    }
    return percentCorrect(cat(predicted, 0), test.targets.to(device));
  });
}
