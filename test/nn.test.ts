// torch.nn: layers against PyTorch (the same state dict and input give the same outputs and
// running statistics, in train and eval mode; oracle: test/oracle/nn_layers.py), and Module's
// bookkeeping: registration order and keys as PyTorch's, copy, train/eval, to, loadStateDict,
// zeroGrad, requiresGrad_, clipGradNorm_, default initialisation.
import * as torch from '../src';
import { nn, Tensor } from '../src';
import { expectRecordClose, maxAbsDiff, python, removeDir, tempDir } from './nn-oracle';

const { Module, Parameter } = nn;

interface LayerCase {
  state: Record<string, Tensor>;
  input: Tensor;
  train: Tensor;
  eval: Tensor;
  after: Record<string, Tensor>;
}

// The same layers as test/oracle/nn_layers.py's CASES.
const LAYERS: Record<string, () => nn.Module> = {
  linear: () => new nn.Linear(5, 4),
  linear_nobias: () => new nn.Linear(5, 4, { bias: false }),
  conv: () => new nn.Conv2d(4, 6, 3, { stride: 2, padding: 1, groups: 2 }),
  conv_same: () => new nn.Conv2d(3, 5, [3, 5], { padding: 'same', dilation: 2, bias: false }),
  bn1d: () => new nn.BatchNorm1d(4),
  bn1d_3d: () => new nn.BatchNorm1d(3, { momentum: 0.3, eps: 1e-3 }),
  bn2d: () => new nn.BatchNorm2d(3),
  bn2d_cumulative: () => new nn.BatchNorm2d(3, { momentum: null }),
  bn2d_no_affine: () => new nn.BatchNorm2d(3, { affine: false }),
  bn2d_no_stats: () => new nn.BatchNorm2d(3, { trackRunningStats: false }),
  layernorm: () => new nn.LayerNorm([4, 5], { eps: 1e-6 }),
  relu: () => new nn.ReLU(),
  leaky_relu: () => new nn.LeakyReLU(0.1),
  gelu: () => new nn.GELU(),
  gelu_tanh: () => new nn.GELU({ approximate: 'tanh' }),
  maxpool: () => new nn.MaxPool2d(3, { stride: 2, padding: 1 }),
  avgpool: () => new nn.AvgPool2d(2),
  avgpool_pad: () => new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }),
  adaptive: () => new nn.AdaptiveAvgPool2d([2, 3]),
  flatten: () => new nn.Flatten(),
  identity: () => new nn.Identity(),
  sequential: () =>
    new nn.Sequential(
      new nn.Conv2d(2, 4, 3, { padding: 1 }),
      new nn.BatchNorm2d(4),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(16, 3),
    ),
};

// The same structure as nn_layers.py's Composite (attributes assigned in the same order).
class Composite extends Module {
  conv1 = new nn.Conv2d(1, 2, 3);
  bn1 = new nn.BatchNorm2d(2);
  head: nn.Sequential;
  extra: nn.ModuleList;
  scale = new Parameter(torch.ones([1]));
  plain = torch.zeros([1]); // a tensor that is neither a parameter nor a buffer: not registered

  constructor() {
    super();
    this.registerBuffer('steps', torch.zeros([1]));
    this.registerBuffer('scratch', torch.zeros([1]), { persistent: false });
    this.head = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 2));
    this.extra = new nn.ModuleList([new nn.Linear(2, 2), new nn.LayerNorm(2)]);
  }

  forward(x: Tensor): Tensor {
    const h = this.bn1.call(this.conv1.call(x)).mean([2, 3]);
    return this.extra[1].call(this.head.call(h)).mul(this.scale);
  }
}

let dir: string;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let oracle: any;
let cases: Record<string, LayerCase>;

beforeAll(() => {
  dir = tempDir();
  oracle = python('nn_layers.py', { dir });
  cases = torch.load(`${dir}/layers.pt`);
});

afterAll(() => removeDir(dir));

describe('layers match PyTorch', () => {
  test.each(Object.keys(LAYERS))('%s', (name) => {
    const c = cases[name];
    const layer = LAYERS[name]();
    expect(Object.keys(layer.stateDict())).toEqual(Object.keys(c.state));
    layer.loadStateDict(c.state);
    layer.train();
    expect(maxAbsDiff(layer.call(c.input), c.train)).toBeLessThan(1e-5);
    expectRecordClose(layer.stateDict(), c.after, 1e-6);
    layer.eval();
    expect(maxAbsDiff(layer.call(c.input), c.eval)).toBeLessThan(1e-5);
  });
});

describe('Module registration', () => {
  test("keys, parameters, buffers and modules in PyTorch's order", () => {
    const m = new Composite();
    expect(Object.keys(m.stateDict())).toEqual(oracle.compositeKeys);
    expect(m.namedParameters().map(([n]) => n)).toEqual(oracle.compositeParams);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(oracle.compositeBuffers);
    expect(m.namedModules().map(([n]) => n)).toEqual(oracle.compositeModules);
    expect(m.parameters().every((p) => p instanceof Parameter && p.requiresGrad)).toBe(true);
    expect(m.stateDict()['bn1.num_batches_tracked'].dtype).toBe('int64');
    expect(m.children()).toEqual([m.conv1, m.bn1, m.head, m.extra]);
  });

  test('assigning a new child replaces it in the state dict (torchvision-style head swap)', () => {
    const m = new Composite();
    (m.head as nn.Module) = new nn.Linear(2, 2, { bias: false });
    expect(Object.keys(m.stateDict()).filter((k) => k.startsWith('head'))).toEqual(['head.weight']);
  });

  test('stateDict tensors share storage with the parameters and are detached', () => {
    const m = new nn.Linear(3, 2);
    const sd = m.stateDict();
    expect(sd.weight.requiresGrad).toBe(false);
    torch.noGrad(() => m.weight.fill_(7));
    expect(sd.weight.sum().item()).toBe(42);
  });

  test('Sequential and ModuleList index, iterate, append; named Sequential', () => {
    const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
    expect(seq.length).toBe(2);
    expect(seq[0]).toBeInstanceOf(nn.Linear);
    seq.append(new nn.Linear(3, 1));
    expect([...seq].map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU', 'Linear']);
    expect(seq.call(torch.ones([4, 2])).shape).toEqual([4, 1]);
    const named = new nn.Sequential({ fc: new nn.Linear(2, 2), act: new nn.ReLU() });
    expect(Object.keys(named.stateDict())).toEqual(['fc.weight', 'fc.bias']);
    const list = new nn.ModuleList([new nn.Linear(1, 1)]);
    list.append(new nn.Linear(1, 2));
    expect(Object.keys(list.stateDict())).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(() => list.forward()).toThrow(/no forward/);
  });
});

describe('Module methods', () => {
  test('copy() is a deep copy with fresh storage, same class and values', () => {
    const m = new Composite();
    m.train().call(torch.randn([3, 1, 5, 5])); // moves the running statistics
    const c = m.copy();
    expect(c).toBeInstanceOf(Composite);
    expect(c.head).toBeInstanceOf(nn.Sequential);
    expectRecordClose(c.stateDict(), m.stateDict(), 0);
    expect(c.scale).toBeInstanceOf(Parameter);
    expect(c.scale.requiresGrad).toBe(true);
    torch.noGrad(() => {
      for (const p of m.parameters()) p.add_(1);
      for (const b of m.buffers()) b.add_(1);
    });
    for (const [key, t] of Object.entries(c.stateDict())) expect(maxAbsDiff(t, m.stateDict()[key])).toBeGreaterThan(0.5);
    const x = torch.randn([2, 1, 5, 5]);
    const copyAgain = m.copy().eval();
    expect(maxAbsDiff(copyAgain.call(x), m.eval().call(x))).toBe(0);
  });

  test('copy() keeps parameters shared between submodules shared', () => {
    class Tied extends Module {
      a = new nn.Linear(2, 2);
      b = new nn.Linear(2, 2);
      forward(x: Tensor): Tensor {
        return this.b.call(this.a.call(x));
      }
    }
    const m = new Tied();
    m.b.weight = m.a.weight;
    const c = m.copy();
    expect(c.b.weight).toBe(c.a.weight);
    expect(c.a.weight).not.toBe(m.a.weight);
    expect(c.parameters().length).toBe(3);
  });

  test('train() and eval() reach every submodule; BatchNorm counts batches only in training', () => {
    const m = new Composite();
    expect(m.eval().modules().every((x) => !x.training)).toBe(true);
    m.call(torch.randn([2, 1, 4, 4]));
    expect(m.bn1.numBatchesTracked!.item()).toBe(0);
    expect(m.train().modules().every((x) => x.training)).toBe(true);
    m.call(torch.randn([2, 1, 4, 4]));
    m.call(torch.randn([2, 1, 4, 4]));
    expect(m.bn1.numBatchesTracked!.item()).toBe(2);
  });

  test('loadStateDict lists missing and unexpected keys and shape mismatches, and copies nothing then', () => {
    const m = new nn.Sequential(new nn.Linear(2, 3), new nn.BatchNorm1d(3));
    const sd = m.stateDict();
    const bad: Record<string, Tensor> = { ...sd, '0.weight': torch.zeros([4, 2]), extra: torch.zeros([1]) };
    delete bad['1.running_var'];
    const before = m[0].weight.clone();
    let message = '';
    try {
      m.loadStateDict({ ...bad, '0.bias': torch.full([3], 5) });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('Error(s) in loading state_dict for Sequential');
    expect(message).toContain('Missing key(s) in state_dict: "1.running_var".');
    expect(message).toContain('Unexpected key(s) in state_dict: "extra".');
    expect(message).toContain(
      'size mismatch for 0.weight: copying a param with shape [4,2] from checkpoint, the shape in current model is [3,2].',
    );
    expect(maxAbsDiff(m[0].weight, before)).toBe(0);
    expect(m[0].bias!.eq(5).any().item()).toBe(false);

    const partial: Record<string, Tensor> = { '0.bias': torch.full([3], 5), stray: torch.zeros([1]) };
    const result = m.loadStateDict(partial, { strict: false });
    expect(result.unexpectedKeys).toEqual(['stray']);
    expect(result.missingKeys).toEqual(['0.weight', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
    expect(m[0].bias!.toArray()).toEqual([5, 5, 5]);
    expect(() => m.loadStateDict({ ...sd, '0.weight': torch.zeros([4, 2]) }, { strict: false })).toThrow(/size mismatch for 0.weight/);
  });

  test('zeroGrad frees gradients; requiresGrad_ freezes', () => {
    const m = new nn.Linear(3, 2);
    m.call(torch.ones([1, 3])).sum().backward();
    expect(m.weight.grad).not.toBeNull();
    m.zeroGrad({ setToNone: false });
    expect(m.weight.grad!.abs().sum().item()).toBe(0);
    m.zeroGrad();
    expect(m.weight.grad).toBeNull();
    m.requiresGrad_(false);
    expect(m.parameters().every((p) => !p.requiresGrad)).toBe(true);
    expect(m.call(torch.ones([1, 3])).requiresGrad).toBe(false);
  });

  test('to(dtype) converts floating parameters and buffers in place, keeping the Parameter objects', () => {
    const m = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
    const weight = m[0].weight;
    const values = weight.clone();
    m.to('float64');
    expect(m[0].weight).toBe(weight);
    expect(weight.dtype).toBe('float64');
    expect(weight.requiresGrad).toBe(true);
    expect(maxAbsDiff(weight, values)).toBe(0);
    expect(m.stateDict()['1.running_mean'].dtype).toBe('float64');
    expect(m.stateDict()['1.num_batches_tracked'].dtype).toBe('int64');
    const out = m.call(torch.randn([4, 3], { dtype: 'float64' }));
    expect(out.dtype).toBe('float64');
    out.sum().backward();
    expect(weight.grad!.dtype).toBe('float64');
    expect(() => m.to('tpu')).toThrow(/device/);
  });

  test('parameters made inside tidy() survive it', () => {
    const m = torch.tidy(() => new nn.Linear(2, 2));
    expect(m.weight.isDisposed).toBe(false);
    expect(m.call(torch.ones([1, 2])).shape).toEqual([1, 2]);
  });
});

describe('initialisation', () => {
  test("Linear and Conv2d: PyTorch's kaiming_uniform(a=sqrt(5)) bounds and spread; BatchNorm ones and zeros", () => {
    torch.manualSeed(3);
    const fc = new nn.Linear(400, 500);
    const bound = 1 / Math.sqrt(400);
    expect(fc.weight.abs().max().item()).toBeLessThanOrEqual(bound);
    expect(fc.bias!.abs().max().item()).toBeLessThanOrEqual(bound);
    // U(-b, b) has standard deviation b / sqrt(3); 200k samples estimate it within 1%.
    expect(Math.abs(fc.weight.std().item() / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.01);
    const conv = new nn.Conv2d(16, 32, 3);
    expect(conv.weight.abs().max().item()).toBeLessThanOrEqual(1 / Math.sqrt(16 * 9));
    const bn = new nn.BatchNorm2d(4);
    expect(bn.weight!.toArray()).toEqual([1, 1, 1, 1]);
    expect(bn.bias!.toArray()).toEqual([0, 0, 0, 0]);
    expect(bn.runningVar!.toArray()).toEqual([1, 1, 1, 1]);
    expect(bn.momentum).toBe(0.1);
    expect(bn.eps).toBe(1e-5);
  });

  test('kaimingNormal_ fan_out and xavierUniform_', () => {
    torch.manualSeed(4);
    const w = torch.empty([256, 128, 3, 3]);
    nn.init.kaimingNormal_(w, { mode: 'fan_out', nonlinearity: 'relu' });
    expect(Math.abs(w.std().item() / Math.sqrt(2 / (256 * 9)) - 1)).toBeLessThan(0.01);
    const x = torch.empty([300, 200]);
    nn.init.xavierUniform_(x);
    expect(x.abs().max().item()).toBeLessThanOrEqual(Math.sqrt(6 / 500));
  });
});

describe('clipGradNorm_', () => {
  test.each([
    ['l2', 1, 2],
    ['l2_large', 100, 2],
    ['inf', 0.5, Infinity],
    ['l1', 2, 1],
  ])('%s matches PyTorch', (name, maxNorm, normType) => {
    const clip = torch.load(`${dir}/clip.pt`);
    const params = (clip.grads as Tensor[]).map((g) => {
      const p = torch.zerosLike(g).requiresGrad_();
      p.grad = g.clone();
      return p;
    });
    const total = nn.utils.clipGradNorm_(params, maxNorm as number, { normType: normType as number });
    expect(Math.abs(total.item() - oracle.clipTotals[name])).toBeLessThan(1e-5);
    params.forEach((p, i) => expect(maxAbsDiff(p.grad!, clip[name][i])).toBeLessThan(1e-6));
  });

  test('with no gradients the norm is 0; non-finite norms raise when asked', () => {
    expect(nn.utils.clipGradNorm_([torch.zeros([2]).requiresGrad_()], 1).item()).toBe(0);
    const p = torch.zeros([2]).requiresGrad_();
    p.grad = torch.tensor([Infinity, 1]);
    expect(() => nn.utils.clipGradNorm_(p, 1, { errorIfNonfinite: true })).toThrow(/non-finite/);
  });
});

test('Dropout: identity in eval; in training zeroes some elements and scales the rest by 1/(1-p)', () => {
  const drop = new nn.Dropout(0.25);
  const x = torch.ones([1000]);
  expect(maxAbsDiff(drop.eval().call(x), x)).toBe(0);
  const y = drop.train().call(x);
  const values = new Set(Array.from(y.dataSync() as Float32Array));
  expect([...values].sort()).toEqual([0, 1 / 0.75].map((v) => Math.fround(v)).sort());
  expect(() => new nn.Dropout(1.5)).toThrow(/between 0 and 1/);
});

test('bad input gives errors naming the problem', () => {
  expect(() => new nn.BatchNorm2d(3).call(torch.zeros([2, 3]))).toThrow(/expected 4D input \(got 2D input\)/);
  expect(() => new nn.Conv2d(3, 4, 3, { groups: 2 })).toThrow(/divisible by groups/);
  expect(() => new nn.Linear(3, 2).call(torch.zeros([2, 4]))).toThrow(/linear|mat1|shape/);
});
