// Every torch.nn.functional op of the contract against the PyTorch of the LibTorch in use (1.13 or 2.x) on the same random inputs:
// values within 1e-6 relative (integers exactly), grad_fn names, and gradients within 1e-5.
// The oracle is test/oracle/tensor_ops.py, run live.
import * as torch from '../src';
import { F } from '../src';
import { describeParity, g, type Named, namedCase as c } from './oracle/parity';

torch.manualSeed(1311);

const f32 = (shape: number[]) => torch.randn(shape);
const labels = (n: number, classes: number) => torch.randint(0, classes, [n]);

// Targets with some entries set to -1 (ignored), as semi-supervised batches have.
const partlyLabeled = labels(6, 4).maskedFill(torch.tensor([false, true, false, false, true, false]), -1);

const layers: Named[] = [
  c('linear', 'linear', [g(f32([5, 3])), g(f32([4, 3])), g(f32([4]))], (x, w, b) => F.linear(x, w, b)),
  c('linear batched, no bias', 'linear_nobias', [g(f32([2, 5, 3])), g(f32([4, 3]))], (x, w) => F.linear(x, w)),
  c('conv2d stride and padding', 'conv2d', [g(f32([2, 3, 7, 7])), g(f32([4, 3, 3, 3])), g(f32([4]))], (x, w, b) =>
    F.conv2d(x, w, b, { stride: 2, padding: 1 }),
  ),
  c('conv2d same padding, groups', 'conv2d_groups', [g(f32([1, 4, 5, 5])), g(f32([6, 2, 3, 3]))], (x, w) =>
    F.conv2d(x, w, null, { padding: 'same', groups: 2 }),
  ),
  c(
    'batchNorm training updates running stats',
    'batch_norm_train',
    [g(f32([4, 3, 2, 2])), torch.zeros([3]), torch.ones([3]), g(f32([3])), g(f32([3]))],
    (x, rm, rv, w, b) => [F.batchNorm(x, rm, rv, w, b, { training: true, momentum: 0.2, eps: 1e-3 }), rm, rv],
  ),
  c('batchNorm eval', 'batch_norm_eval', [g(f32([4, 3])), f32([3]), torch.rand([3]).add(0.5), g(f32([3])), g(f32([3]))], (x, rm, rv, w, b) =>
    F.batchNorm(x, rm, rv, w, b, { training: false, eps: 1e-3 }),
  ),
  c('layerNorm', 'layer_norm', [g(f32([2, 3, 4, 5])), g(f32([4, 5])), g(f32([4, 5]))], (x, w, b) => F.layerNorm(x, [4, 5], w, b, { eps: 1e-6 })),
  c('maxPool2d', 'max_pool2d', [g(f32([2, 3, 6, 6]))], (x) => F.maxPool2d(x, 2)),
  c('maxPool2d stride and padding', 'max_pool2d_stride', [g(f32([1, 2, 7, 7]))], (x) => F.maxPool2d(x, 3, { stride: 2, padding: 1 })),
  c('avgPool2d', 'avg_pool2d', [g(f32([2, 3, 6, 6]))], (x) => F.avgPool2d(x, 2)),
  c('avgPool2d padding, countIncludePad false', 'avg_pool2d_pad', [g(f32([1, 2, 7, 7]))], (x) =>
    F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }),
  ),
  c('adaptiveAvgPool2d global', 'adaptive_avg_pool2d', [g(f32([2, 3, 5, 5]))], (x) => F.adaptiveAvgPool2d(x, 1)),
  c('adaptiveAvgPool2d 2x3', 'adaptive_avg_pool2d_2x3', [g(f32([1, 2, 7, 8]))], (x) => F.adaptiveAvgPool2d(x, [2, 3])),
  c('dropout eval is identity', 'dropout_eval', [g(f32([4, 5]))], (x) => F.dropout(x, { p: 0.3, training: false })),
  c('dropout training, seeded', 'dropout_train', [g(f32([8, 16]))], (x) => F.dropout(x, { p: 0.3 }), { seed: 5 }),
];

const activations: Named[] = [
  c('relu', 'f_relu', [g(f32([3, 4]))], (x) => F.relu(x)),
  c('leakyRelu 0.1', 'leaky_relu', [g(f32([3, 4]))], (x) => F.leakyRelu(x, 0.1)),
  c('leakyRelu default slope', 'leaky_relu_default', [g(f32([3, 4]))], (x) => F.leakyRelu(x)),
  c('gelu', 'gelu', [g(f32([3, 4]))], (x) => F.gelu(x)),
  c('gelu tanh', 'gelu_tanh', [g(f32([3, 4]))], (x) => F.gelu(x, { approximate: 'tanh' })),
  c('softmax', 'f_softmax', [g(f32([3, 4]))], (x) => F.softmax(x, 1)),
  c('logSoftmax', 'f_log_softmax', [g(f32([3, 4]))], (x) => F.logSoftmax(x, { dim: 1 })),
  c('normalize', 'normalize', [g(f32([4, 8]))], (x) => F.normalize(x)),
  c('normalize p=1 dim 0', 'normalize_dim0', [g(f32([4, 8]))], (x) => F.normalize(x, { p: 1, dim: 0 })),
  c('normalize with a zero row', 'normalize', [g(torch.cat([torch.zeros([1, 3]), f32([2, 3])]))], (x) => F.normalize(x)),
  c('pad constant value', 'pad', [g(f32([2, 3]))], (x) => F.pad(x, [1, 2], { value: 0.5 })),
  c('pad two dims', 'pad_2d', [g(f32([1, 2, 3, 3]))], (x) => F.pad(x, [1, 1, 2, 0])),
  c('pad reflect', 'pad_reflect', [g(f32([1, 2, 5]))], (x) => F.pad(x, [2, 2], { mode: 'reflect' })),
  c('oneHot', 'one_hot', [torch.tensor([0, 3, 1, 3])], (x) => F.oneHot(x)),
  c('oneHot numClasses', 'one_hot_n', [labels(5, 6)], (x) => F.oneHot(x, 6)),
  c('cosineSimilarity', 'cosine_similarity', [g(f32([4, 8])), g(f32([4, 8]))], (a, b) => F.cosineSimilarity(a, b)),
  c('cosineSimilarity dim 0 broadcast', 'cosine_similarity_dim0', [g(f32([5, 3])), g(f32([5, 1]))], (a, b) =>
    F.cosineSimilarity(a, b, { dim: 0, eps: 1e-6 }),
  ),
];

const losses: Named[] = [
  c('crossEntropy', 'cross_entropy', [g(f32([6, 4])), labels(6, 4)], (x, y) => F.crossEntropy(x, y)),
  c('crossEntropy ignoreIndex -1', 'cross_entropy_ignore', [g(f32([6, 4])), partlyLabeled], (x, y) =>
    F.crossEntropy(x, y, { ignoreIndex: -1 }),
  ),
  c('crossEntropy sum', 'cross_entropy_sum', [g(f32([6, 4])), labels(6, 4)], (x, y) => F.crossEntropy(x, y, { reduction: 'sum' })),
  c('crossEntropy none', 'cross_entropy_none', [g(f32([6, 4])), labels(6, 4)], (x, y) => F.crossEntropy(x, y, { reduction: 'none' })),
  c('crossEntropy weight, label smoothing', 'cross_entropy_weight', [g(f32([6, 4])), labels(6, 4), torch.rand([4])], (x, y, w) =>
    F.crossEntropy(x, y, { weight: w, labelSmoothing: 0.1 }),
  ),
  c('crossEntropy probability targets', 'cross_entropy_probs', [g(f32([6, 4])), torch.rand([6, 4]).softmax(1)], (x, p) => F.crossEntropy(x, p)),
  c('crossEntropy 2-D (segmentation shape)', 'cross_entropy_2d', [g(f32([2, 3, 4, 4])), torch.randint(0, 3, [2, 4, 4])], (x, y) => F.crossEntropy(x, y)),
  c('crossEntropy float64', 'cross_entropy', [g(torch.randn([5, 3], { dtype: 'float64' })), labels(5, 3)], (x, y) => F.crossEntropy(x, y)),
  c('nllLoss ignoreIndex', 'nll_loss', [g(f32([6, 4]).logSoftmax(1).detach()), partlyLabeled], (x, y) => F.nllLoss(x, y, { ignoreIndex: -1 })),
  c('nllLoss sum', 'nll_loss_sum', [g(f32([6, 4])), labels(6, 4)], (x, y) => F.nllLoss(x, y, { reduction: 'sum' })),
  c('mseLoss', 'mse_loss', [g(f32([4, 5])), g(f32([4, 5]))], (x, y) => F.mseLoss(x, y)),
  c('mseLoss broadcast, sum', 'mse_loss_sum', [g(f32([4, 5])), g(f32([5]))], (x, y) => F.mseLoss(x, y, { reduction: 'sum' })),
  c('klDiv batchmean', 'kl_div_batchmean', [g(f32([4, 5]).logSoftmax(1).detach()), torch.rand([4, 5]).softmax(1)], (x, y) =>
    F.klDiv(x, y, { reduction: 'batchmean' }),
  ),
  c('klDiv logTarget sum', 'kl_div_log_target', [g(f32([4, 5])), g(f32([4, 5]).logSoftmax(1).detach())], (x, y) =>
    F.klDiv(x, y, { reduction: 'sum', logTarget: true }),
  ),
  c('klDiv none', 'kl_div_none', [g(f32([4, 5])), torch.rand([4, 5])], (x, y) => F.klDiv(x, y, { reduction: 'none' })),
  c('binaryCrossEntropyWithLogits', 'bce_logits', [g(f32([4, 3])), torch.rand([4, 3])], (x, y) => F.binaryCrossEntropyWithLogits(x, y)),
  c('binaryCrossEntropyWithLogits posWeight', 'bce_logits_pos_weight', [g(f32([4, 3])), torch.rand([4, 3]).round(), torch.rand([3]).mul(3)], (x, y, pw) =>
    F.binaryCrossEntropyWithLogits(x, y, { posWeight: pw, reduction: 'none' }),
  ),
];

const groups: [string, Named[]][] = [
  ['layers', layers],
  ['activations and shaping', activations],
  ['losses', losses],
];

describeParity(groups);

test('torch.nn.functional is F', () => {
  expect(torch.functional).toBe(F);
  expect(typeof torch.functional.crossEntropy).toBe('function');
});

test('dropout keeps about 1 - p of the elements, scaled by 1 / (1 - p)', () => {
  const x = torch.ones([100, 100]);
  const y = F.dropout(x, { p: 0.25, training: true });
  const kept = y.ne(0).sum().item() / 10000;
  expect(kept).toBeGreaterThan(0.7);
  expect(kept).toBeLessThan(0.8);
  expect(y.index(y.ne(0)).sub(1 / 0.75).abs().max().item()).toBeLessThan(1e-6);
});

test('F errors name the problem', () => {
  const x = torch.randn([2, 3]);
  expect(() => F.crossEntropy(x, torch.tensor([0, 1]), { reduction: 'avg' as never })).toThrow(/reduction must be 'none', 'mean' or 'sum'/);
  expect(() => F.dropout(x, { p: 1.5 })).toThrow(/dropout: probability has to be between 0 and 1/);
  expect(() => F.batchNorm(torch.randn([1, 3]), null, null, null, null, { training: true })).toThrow(/more than 1 value per channel/);
  expect(() => F.conv2d(x, torch.randn([4, 3, 3, 3]))).toThrow(/^conv2d: /);
});

