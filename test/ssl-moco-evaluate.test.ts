// The frozen-encoder evaluations: the weighted kNN vote against the official notebook's
// knn_predict (test/oracle/moco.py), feature extraction in eval mode, and the kNN monitor's accuracy.
import * as torch from '../src';
import { BatchNorm2d, Conv2d, Linear, Module } from '../src/nn';
import { extractFeatures, knnMonitor, knnPredict, linearProbe, FeatureModule } from '../src/ssl/evaluate';
import { runOracle } from './oracle/run';

/** A stand-in encoder: a fixed linear map of the flattened image, recording the modes it ran in. */
class LinearFeatures implements FeatureModule {
  training = true;
  modes: boolean[] = [];
  constructor(readonly weight: torch.Tensor) {}
  call(x: torch.Tensor): torch.Tensor {
    this.modes.push(this.training);
    return x.flatten(1).mm(this.weight);
  }
  train(mode = true): this {
    this.training = mode;
    return this;
  }
}

describe('kNN monitor', () => {
  beforeEach(() => torch.manualSeed(3));

  test('knnPredict equals the notebook knn_predict (k 200, t 0.1, 10 classes)', () => {
    const features = torch.F.normalize(torch.randn([37, 16]), { dim: 1 });
    const bank = torch.F.normalize(torch.randn([16, 450]), { dim: 0 });
    const bankLabels = torch.randint(0, 10, [450]);
    const expected = runOracle('moco.py', { case: 'knn', features: features.toArray(), bank: bank.toArray(), bankLabels: bankLabels.toArray(), classes: 10, k: 200, t: 0.1 });
    const predicted = knnPredict(features, bank, bankLabels, { classes: 10 });
    expect(predicted.dtype).toBe('int64');
    expect(predicted.toArray()).toEqual(expected.predicted);
  });

  test('k and t are honoured: k = 1 is the nearest neighbour\'s label', () => {
    const bank = torch.F.normalize(torch.randn([8, 30]), { dim: 0 });
    const bankLabels = torch.randint(0, 4, [30]);
    const features = bank.t().narrow(0, 5, 6).add(torch.randn([6, 8]).mul(0.01));
    const predicted = knnPredict(torch.F.normalize(features, { dim: 1 }), bank, bankLabels, { classes: 4, k: 1, t: 0.5 });
    expect(predicted.toArray()).toEqual(bankLabels.narrow(0, 5, 6).toArray());
  });

  test('extractFeatures runs in eval mode without gradients, batch by batch, and restores the mode', () => {
    const encoder = new LinearFeatures(torch.randn([12, 3], { requiresGrad: true }));
    const data = torch.randint(0, 256, [10, 1, 3, 4], { dtype: 'uint8' });
    const features = extractFeatures(encoder, { data, targets: torch.zeros([10], { dtype: 'int64' }) }, { batchSize: 4 });
    expect(encoder.modes).toEqual([false, false, false]);
    expect(encoder.training).toBe(true);
    expect(features.requiresGrad).toBe(false);
    const expected = data.float().div(255).flatten(1).mm(encoder.weight);
    expect(features.sub(expected).abs().max().item()).toBeLessThan(1e-6);
  });

  test('knnMonitor: well-separated classes are recognised; the percentage is computed on the test set', () => {
    // two classes whose images differ in sign along one pixel pattern
    const pattern = torch.randn([1, 1, 2, 2]);
    const make = (n: number) => {
      const targets = torch.randint(0, 2, [n]);
      const sign = targets.float().mul(2).sub(1).view([n, 1, 1, 1]);
      return { data: pattern.mul(sign).add(torch.randn([n, 1, 2, 2]).mul(0.05)), targets };
    };
    const encoder = new LinearFeatures(torch.eye(4));
    expect(knnMonitor(encoder, make(300), make(50), { classes: 2, k: 20, prepare: (x) => x })).toBe(100);
    const flipped = make(40);
    const wrong = { data: flipped.data, targets: flipped.targets.mul(-1).add(1) };
    expect(knnMonitor(encoder, make(300), wrong, { classes: 2, k: 20, prepare: (x) => x })).toBe(0);
  });
});

/** A backbone with BatchNorm, whose running statistics would move if it ran in training mode. */
class ConvBackbone extends Module {
  conv = new Conv2d(1, 6, 3, { padding: 1 });
  bn = new BatchNorm2d(6);
  forward(x: torch.Tensor): torch.Tensor {
    return torch.F.relu(this.bn.call(this.conv.call(x))).flatten(1);
  }
}

function twoClassImages(n: number, pattern: torch.Tensor) {
  const targets = torch.randint(0, 2, [n]);
  const sign = targets.float().mul(2).sub(1).view([n, 1, 1, 1]);
  return { data: pattern.mul(sign).add(torch.randn([n, 1, 4, 4]).mul(0.3)), targets };
}

describe('linear probe', () => {
  beforeEach(() => torch.manualSeed(4));

  test('trains only a new linear layer; the backbone (BN statistics included) is untouched and keeps its mode', () => {
    const backbone = new ConvBackbone();
    const before = Object.fromEntries(Object.entries(backbone.stateDict()).map(([k, v]) => [k, v.clone()]));
    const pattern = torch.randn([1, 1, 4, 4]);
    const losses: number[] = [];
    const result = linearProbe(backbone, twoClassImages(400, pattern), twoClassImages(100, pattern), {
      classes: 2,
      epochs: 5,
      batchSize: 64,
      prepare: (x) => x,
      onEpoch: (_e, loss) => losses.push(loss),
    });
    for (const [key, value] of Object.entries(backbone.stateDict())) expect(value.toArray()).toEqual(before[key].toArray());
    expect(backbone.training).toBe(true);
    expect(backbone.parameters().every((p) => p.grad === null)).toBe(true);
    expect(result.classifier).toBeInstanceOf(Linear);
    expect(result.classifier.weight.shape).toEqual([2, 96]);
    expect(losses).toHaveLength(5);
    expect(result.losses).toEqual(losses);
    expect(losses[4]).toBeLessThan(losses[0]);
    expect(result.testAccuracy).toBeGreaterThanOrEqual(95);
  });

  test('labels the features carry no information about stay near chance', () => {
    const backbone = new ConvBackbone();
    const pattern = torch.randn([1, 1, 4, 4]);
    const train = { data: twoClassImages(400, pattern).data, targets: torch.randint(0, 2, [400]) };
    const test = { data: twoClassImages(400, pattern).data, targets: torch.randint(0, 2, [400]) };
    const result = linearProbe(backbone, train, test, { classes: 2, epochs: 3, prepare: (x) => x });
    expect(result.testAccuracy).toBeGreaterThan(35);
    expect(result.testAccuracy).toBeLessThan(65);
  });
});
