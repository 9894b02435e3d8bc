// Evaluation of a frozen encoder, as the MoCo authors do it: a weighted kNN classifier on the
// features (the monitor of the official CIFAR-10 notebook, after Wu et al. 2018), and a linear
// probe (main_lincls.py: the backbone frozen in eval mode, only a new linear layer trained).
import { noGrad } from '../autograd';
import { cat, zeros } from '../factories';
import { crossEntropy, normalize } from '../functional';
import { Linear } from '../nn/linear';
import { normal_, zeros_ } from '../nn/init';
import { callOp } from '../ops';
import { SGD } from '../optim/sgd';
import { CosineAnnealingLR } from '../optim/lr-scheduler';
import { tidy } from '../scope';
import { Tensor, tensorOp } from '../tensor';
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

export interface LinearProbeOptions extends FeatureOptions {
  classes: number;
  /** Passes over the training features (default 30). */
  epochs?: number;
  /** SGD with momentum 0.9 and no weight decay (main_lincls), lr annealed by a cosine per step (default 0.1). */
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  /** Called after each epoch with the mean training loss. */
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface LinearProbeResult {
  /** Top-1 accuracy (%) on `test`. */
  testAccuracy: number;
  /** The trained classifier, applied to standardised features. */
  classifier: Linear;
  /** Mean training loss of each epoch. */
  losses: number[];
}

/**
 * Linear classification on frozen features: the backbone runs once over each set in eval mode
 * (no gradients, BN statistics untouched), the features are standardised with the training
 * set's mean and std (MAE's linear probe: BatchNorm without affine before the classifier, so one
 * learning rate fits features of any scale), and only a new Linear layer is trained, initialised
 * as main_lincls.py does (weights N(0, 0.01), bias 0), with cross-entropy and SGD.
 * Deviation from main_lincls: no augmentation while training the classifier (the features are
 * computed once), which keeps the probe to seconds on a CPU.
 */
export function linearProbe(backbone: FeatureModule, train: LabeledImages, test: LabeledImages, options: LinearProbeOptions): LinearProbeResult {
  const { classes, epochs = 30, lr = 0.1, momentum = 0.9, weightDecay = 0, batchSize = 256, device = 'cpu' } = options;
  const [trainFeatures, testFeatures] = standardised(extractFeatures(backbone, train, options), extractFeatures(backbone, test, options));
  const trainTargets = train.targets.to(device);
  const classifier = new Linear(trainFeatures.shape[1], classes, { device });
  normal_(classifier.weight, 0, 0.01);
  zeros_(classifier.bias!);
  const optimizer = new SGD(classifier.parameters(), { lr, momentum, weightDecay });
  const n = trainFeatures.shape[0];
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const schedule = new CosineAnnealingLR(optimizer, epochs * stepsPerEpoch);
  const losses: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    let total = 0;
    const order = tensorOp('randperm', [n], { device });
    for (let start = 0; start < n; start += batchSize) {
      total += tidy(() => {
        const rows = order.narrow(0, start, Math.min(batchSize, n - start));
        const loss = crossEntropy(classifier.call(trainFeatures.indexSelect(0, rows)), trainTargets.indexSelect(0, rows));
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        schedule.step();
        return loss.item();
      });
    }
    order.dispose();
    losses.push(total / stepsPerEpoch);
    options.onEpoch?.(epoch, total / stepsPerEpoch);
  }
  const testAccuracy = tidy(() => noGrad(() => percentCorrect(classifier.call(testFeatures).argmax(1), test.targets.to(device))));
  trainFeatures.dispose();
  testFeatures.dispose();
  return { testAccuracy, classifier, losses };
}

// (x - mean) / std per feature, with the training features' statistics for both sets.
function standardised(trainFeatures: Tensor, testFeatures: Tensor): [Tensor, Tensor] {
  return tidy(() => {
    const mean = trainFeatures.mean(0, { keepdim: true });
    const std = trainFeatures.std(0, { keepdim: true }).add(1e-5);
    return [trainFeatures.sub(mean).div(std), testFeatures.sub(mean).div(std)] as [Tensor, Tensor];
  });
}
