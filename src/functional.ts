// torch.nn.functional (imported as F): the stateless layers and losses, each the ATen operator
// PyTorch's own functional calls, with its argument conventions and defaults.
import { checkBool, checkChoice, checkInt, checkIsTensor, checkNumber, checkOptions, checkTensor } from './check';
import { Tensor, tensorOp, tensorsOp } from './tensor';
import type { Dtype } from './types';

export type Reduction = 'none' | 'mean' | 'sum';
type Pair = number | [number, number];

// ATen's losses take the reduction as an enum.
const REDUCTIONS = ['none', 'mean', 'sum'] as const;
function reductionEnum(reduction: Reduction = 'mean', where = 'loss'): number {
  return REDUCTIONS.indexOf(checkChoice(where, 'reduction', reduction, REDUCTIONS));
}

/** `x @ weight.T + bias`. */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return tensorOp('linear', [input, weight, bias ?? null]);
}

export interface Conv2dOptions {
  stride?: Pair;
  /** Numbers, or `'same'` / `'valid'` as in PyTorch. */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
}

/** 2-D convolution of `[N, C, H, W]` input with `[out, C / groups, kH, kW]` weight. */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = options;
  return tensorOp('conv2d', [input, weight, bias ?? null, stride, padding, dilation, groups]);
}

export interface BatchNormOptions {
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * Batch normalization over dim 1. In training, batch statistics normalize and the running ones
 * (when given) are updated in place with `momentum`; otherwise the running ones normalize.
 */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight?: Tensor | null,
  bias?: Tensor | null,
  options: BatchNormOptions = {},
): Tensor {
  const { training = false, momentum = 0.1, eps = 1e-5 } = options;
  if (checkBool('batchNorm', 'training', training)) checkBatchSize(checkTensor('batchNorm', ['input', 1], input));
  return tensorOp('batch_norm', [input, weight ?? null, bias ?? null, runningMean, runningVar, training, momentum, eps, true]);
}

// PyTorch's own check: training statistics need more than one value per channel.
function checkBatchSize(input: Tensor): void {
  const shape = input.shape;
  const perChannel = shape.reduce((a, b) => a * b, 1) / (shape[1] ?? 1);
  if (perChannel === 1) throw new Error(`batchNorm: expected more than 1 value per channel when training, got input of shape [${shape}]`);
}

/** Layer normalization over the trailing `normalizedShape` dims. */
export function layerNorm(
  input: Tensor,
  normalizedShape: number | number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  options: { eps?: number } = {},
): Tensor {
  const shape = Array.isArray(normalizedShape) ? normalizedShape : [normalizedShape];
  return tensorOp('layer_norm', [input, shape, weight ?? null, bias ?? null, options.eps ?? 1e-5]);
}

export interface PoolOptions {
  /** Defaults to the kernel size. */
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
}

/** Max pooling: `maxPool2d(x, 2)` or `maxPool2d(x, 3, { stride: 2, padding: 1 })`. */
export function maxPool2d(input: Tensor, kernelSize: Pair, options: PoolOptions & { dilation?: Pair } = {}): Tensor {
  const { stride, padding = 0, dilation = 1, ceilMode = false } = options;
  return tensorOp('max_pool2d', [input, kernelSize, stride ?? [], padding, dilation, ceilMode]);
}

/** Average pooling: `avgPool2d(x, 2)`; `countIncludePad` (default true) counts zero padding. */
export function avgPool2d(
  input: Tensor,
  kernelSize: Pair,
  options: PoolOptions & { countIncludePad?: boolean; divisorOverride?: number | null } = {},
): Tensor {
  const { stride, padding = 0, ceilMode = false, countIncludePad = true, divisorOverride = null } = options;
  return tensorOp('avg_pool2d', [input, kernelSize, stride ?? [], padding, ceilMode, countIncludePad, divisorOverride]);
}

/** Average pooling to a fixed output size (`1` for global pooling). */
export function adaptiveAvgPool2d(input: Tensor, outputSize: Pair): Tensor {
  return tensorOp('adaptive_avg_pool2d', [input, outputSize]);
}

/**
 * Zeroes elements with probability `p` and scales the rest by `1 / (1 - p)` when training
 * (default true, as in PyTorch's functional form): `dropout(x, { p: 0.2, training: this.training })`.
 */
export function dropout(input: Tensor, options: number | { p?: number; training?: boolean } = {}): Tensor {
  const { p = 0.5, training = true } = typeof options === 'number' ? { p: options } : checkOptions('dropout', options);
  if (checkNumber('dropout', 'p', p, {}) < 0 || p > 1) throw new RangeError(`dropout: probability has to be between 0 and 1, but got ${p}`);
  return tensorOp('dropout', [input, p, checkBool('dropout', 'training', training)]);
}

export function relu(input: Tensor): Tensor {
  return checkTensor('relu', ['input', 1], input).relu();
}

/** `max(0, x) + negativeSlope * min(0, x)`; the slope defaults to 0.01. */
export function leakyRelu(input: Tensor, negativeSlope: number | { negativeSlope?: number } = 0.01): Tensor {
  const slope = typeof negativeSlope === 'number' ? negativeSlope : (checkOptions('leakyRelu', negativeSlope, ['negativeSlope', 2]).negativeSlope ?? 0.01);
  return tensorOp('leaky_relu', [input, checkNumber('leakyRelu', 'negativeSlope', slope)]);
}

/** GELU, exact (`approximate: 'none'`, the default) or its tanh approximation. */
export function gelu(input: Tensor, options: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  return options.approximate === undefined ? tensorOp('gelu', [input]) : tensorOp('gelu', [input], { approximate: options.approximate });
}

export function sigmoid(input: Tensor): Tensor {
  return checkTensor('sigmoid', ['input', 1], input).sigmoid();
}

export function tanh(input: Tensor): Tensor {
  return checkTensor('tanh', ['input', 1], input).tanh();
}

function dimOf(where: string, input: Tensor, dim: number | { dim: number; dtype?: Dtype }): { dim: number; dtype?: Dtype } {
  checkTensor(where, ['input', 1], input);
  return typeof dim === 'number' ? { dim } : checkOptions(where, dim, ['dim', 2]);
}

/** Softmax along `dim`: `softmax(x, 1)` or `softmax(x, { dim: 1, dtype })`. */
export function softmax(input: Tensor, dim: number | { dim: number; dtype?: Dtype }): Tensor {
  const { dim: d, dtype } = dimOf('softmax', input, dim);
  return input.softmax(d, { dtype });
}

/** Log-softmax along `dim`, computed stably in one op. */
export function logSoftmax(input: Tensor, dim: number | { dim: number; dtype?: Dtype }): Tensor {
  const { dim: d, dtype } = dimOf('logSoftmax', input, dim);
  return input.logSoftmax(d, { dtype });
}

/** `x / max(||x||_p, eps)` along `dim` (default p = 2, dim = 1), PyTorch's formula exactly. */
export function normalize(input: Tensor, options: { p?: number; dim?: number; eps?: number } = {}): Tensor {
  checkTensor('normalize', ['input', 1], input);
  const { p = 2, dim = 1, eps = 1e-12 } = checkOptions('normalize', options);
  checkInt('normalize', 'dim', dim);
  const denom = input.norm(p, { dim, keepdim: true }).clampMin(eps).expandAs(input);
  return input.div(denom);
}

/**
 * Pads the last dims: `pad` lists (left, right) pairs starting from the last dim, as in PyTorch;
 * `mode` is `'constant'` (with `value`), `'reflect'`, `'replicate'` or `'circular'`.
 */
export function pad(
  input: Tensor,
  padding: number[],
  options: { mode?: 'constant' | 'reflect' | 'replicate' | 'circular'; value?: number } = {},
): Tensor {
  const { mode = 'constant', value } = options;
  return tensorOp('pad', [input, padding, mode, mode === 'constant' ? (value ?? 0) : null]);
}

/** int64 class indices to one-hot int64 vectors (`numClasses` defaults to max + 1). */
export function oneHot(input: Tensor, numClasses = -1): Tensor {
  return tensorOp('one_hot', [input, numClasses]);
}

export interface CrossEntropyOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
  reduction?: Reduction;
  labelSmoothing?: number;
}

/**
 * Cross entropy of logits `[N, C, ...]` against class indices `[N, ...]` (or class
 * probabilities shaped like the input). Targets equal to `ignoreIndex` (default -100) count for
 * nothing, also in the mean's denominator.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const { weight = null, ignoreIndex = -100, reduction, labelSmoothing = 0 } = checkOptions('crossEntropy', options);
  return tensorOp('cross_entropy_loss', [input, target, weight, reductionEnum(reduction, 'crossEntropy'), ignoreIndex, labelSmoothing]);
}

/** Negative log likelihood of log-probabilities `[N, C, ...]` against class indices. */
export function nllLoss(input: Tensor, target: Tensor, options: Omit<CrossEntropyOptions, 'labelSmoothing'> = {}): Tensor {
  const { weight = null, ignoreIndex = -100, reduction } = checkOptions('nllLoss', options);
  return tensorOp('nll_loss_nd', [input, target, weight, reductionEnum(reduction, 'nllLoss'), ignoreIndex]);
}

/** Mean squared error; input and target broadcast, as in PyTorch. */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkTensor('mseLoss', ['input', 1], input);
  checkTensor('mseLoss', ['target', 2], target);
  const [a, b] = broadcastPair(input, target);
  return tensorOp('mse_loss', [a, b, reductionEnum(checkOptions('mseLoss', options).reduction, 'mseLoss')]);
}

function broadcastPair(a: Tensor, b: Tensor): [Tensor, Tensor] {
  const same = a.shape.length === b.shape.length && a.shape.every((n, i) => n === b.shape[i]);
  if (same) return [a, b];
  try {
    return tensorsOp('broadcast_tensors', [[a, b]]) as [Tensor, Tensor];
  } catch (e) {
    throw new Error(`mseLoss: input [${a.shape}] and target [${b.shape}] do not broadcast: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * KL divergence with `input` as log-probabilities and `target` as probabilities (or
 * log-probabilities with `logTarget`). `reduction: 'batchmean'` divides the sum by the batch
 * size (the mathematically correct KL); `'mean'` (PyTorch's default) averages over elements.
 */
export function klDiv(
  input: Tensor,
  target: Tensor,
  options: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {},
): Tensor {
  checkTensor('klDiv', ['input', 1], input);
  const { reduction = 'mean', logTarget = false } = checkOptions('klDiv', options);
  if (reduction === 'batchmean') {
    const total = klDivOp(input, target, 'sum', logTarget);
    return input.ndim === 0 ? total : total.div(input.shape[0]);
  }
  return klDivOp(input, target, reduction, logTarget);
}

function klDivOp(input: Tensor, target: Tensor, reduction: Reduction, logTarget: boolean): Tensor {
  return tensorOp('kl_div', [input, target, reductionEnum(reduction, 'klDiv')], logTarget ? { logTarget } : undefined);
}

/** Binary cross entropy on logits (stable), with optional `weight` and `posWeight`. */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  const { weight = null, posWeight = null, reduction } = checkOptions('binaryCrossEntropyWithLogits', options);
  return tensorOp('binary_cross_entropy_with_logits', [input, target, weight, posWeight, reductionEnum(reduction, 'binaryCrossEntropyWithLogits')]);
}

/** Cosine similarity along `dim` (default 1), each norm clamped below by `eps` (default 1e-8). */
export function cosineSimilarity(x1: Tensor, x2: Tensor, options: { dim?: number; eps?: number } = {}): Tensor {
  checkIsTensor('cosineSimilarity', ['x1', 1], x1);
  checkIsTensor('cosineSimilarity', ['x2', 2], x2);
  const { dim = 1, eps = 1e-8 } = checkOptions('cosineSimilarity', options, ['options', 3]);
  return tensorOp('cosine_similarity', [x1, x2, dim, eps]);
}

/** `x * sigmoid(x)`. */
export function silu(input: Tensor): Tensor {
  return tensorOp('silu', [input]);
}

/** Softplus: `log(1 + exp(beta * x)) / beta`, linear above `threshold`. */
export function softplus(input: Tensor, options: { beta?: number; threshold?: number } = {}): Tensor {
  return tensorOp('softplus', [input, options.beta ?? 1, options.threshold ?? 20]);
}
