// MoCo v1/v2/v3 against a PyTorch implementation of the official builders' math
// (test/oracle/moco.py, run live): from the same encoder weights, queue and batch, one forward and
// backward must give the same logits, loss, gradients, queue (pointer included) and key encoder.
import * as torch from '../src';
import { BatchNorm2d, Conv2d, Linear, Module } from '../src/nn';
import { MoCo, MoCoOptions, cosineMomentum } from '../src/ssl/moco';
import { SplitBatchNorm } from '../src/ssl/split-batch-norm';
import { runOracle } from './oracle/run';

const F = torch.F;
const TOL = 1e-5;

function maxDiff(actual: unknown, expected: unknown): number {
  const a = ([actual] as unknown[]).flat(Infinity) as number[];
  const e = ([expected] as unknown[]).flat(Infinity) as number[];
  if (a.length !== e.length) return Infinity;
  return Math.max(0, ...a.map((v, i) => Math.abs(v - e[i])));
}

function expectClose(actual: unknown, expected: unknown, what: string): void {
  const diff = maxDiff(actual, expected);
  if (!(diff <= TOL)) throw new Error(`${what}: max |difference| ${diff} > ${TOL}`);
  expect(diff).toBeLessThanOrEqual(TOL);
}

function expectSameRecords(actual: Record<string, unknown>, expected: Record<string, unknown>, what: string): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const key of Object.keys(expected)) expectClose(actual[key], expected[key], `${what} ${key}`);
}

const json = (sd: Record<string, torch.Tensor>) => Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.toArray()]));
const grads = (m: Module) => Object.fromEntries(m.namedParameters().filter(([, p]) => p.grad).map(([k, p]) => [k, p.grad!.toArray()]));

/** The oracle's TinyEncoder: conv1 -> bn1 -> relu -> global average pool -> fc. */
class TinyEncoder extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  fc: Module;
  constructor(channels: number, width: number, dim: number) {
    super();
    this.conv1 = new Conv2d(channels, width, 3, { padding: 1, bias: false });
    this.bn1 = new BatchNorm2d(width);
    this.fc = new Linear(width, dim);
  }
  forward(x: torch.Tensor): torch.Tensor {
    return this.fc.call(F.adaptiveAvgPool2d(F.relu(this.bn1.call(this.conv1.call(x))), 1).flatten(1));
  }
}

const SPEC = { channels: 2, width: 4, dim: 8 };

// Moves the key encoder away from the query encoder (as after some training), so that the
// momentum update and the key encoder's own BN statistics are exercised.
function perturb(module: Module): void {
  torch.noGrad(() => {
    for (const p of module.parameters()) p.add_(torch.randnLike(p).mul(0.1));
    for (const [name, b] of module.namedBuffers()) {
      if (name.endsWith('running_mean')) b.copy_(torch.randnLike(b).mul(0.2));
      if (name.endsWith('running_var')) b.copy_(torch.rand(b.shape).add(0.5));
    }
  });
}

function mocoCase(options: Partial<MoCoOptions> & { batch: number; pointer: number; shuffle: number[] | null }) {
  torch.manualSeed(11);
  const moco = new MoCo({ encoder: new TinyEncoder(SPEC.channels, SPEC.width, SPEC.dim), queueSize: 10, momentum: 0.9, ...options });
  perturb(moco.encoderK);
  moco.queue!.pointer = options.pointer;
  if (options.shuffle) moco.drawShuffle = () => torch.tensor(options.shuffle!);
  const imQ = torch.randn([options.batch, 2, 5, 5]);
  const imK = torch.randn([options.batch, 2, 5, 5]);
  const request = {
    case: 'moco',
    encoder: { ...SPEC, bnSplits: options.bnSplits ?? 1 },
    mlp: options.mlp ?? moco.version === 2,
    stateQ: json(moco.encoderQ.stateDict()),
    stateK: json(moco.encoderK.stateDict()),
    queue: moco.queue!.keys.toArray(),
    ptr: options.pointer,
    m: moco.momentum,
    T: moco.temperature,
    imQ: imQ.toArray(),
    imK: imK.toArray(),
    shuffle: options.shuffle,
  };
  const out = moco.forward(imQ, imK);
  out.loss.backward();
  return { moco, out, expected: runOracle('moco.py', request) };
}

describe('MoCo v1/v2 equals the official builder (1e-5)', () => {
  const cases: [string, Partial<MoCoOptions> & { batch: number; pointer: number; shuffle: number[] | null }][] = [
    ['v1, shuffle BN over 2 splits, 6 keys wrapping around K = 10', { version: 1, bnSplits: 2, batch: 6, pointer: 7, shuffle: [3, 0, 5, 1, 4, 2] }],
    ['v2 (MLP head, T 0.2), shuffle BN over 2 splits', { version: 2, bnSplits: 2, batch: 4, pointer: 8, shuffle: [2, 0, 3, 1] }],
    ['v1 without shuffle BN, plain BatchNorm', { version: 1, shuffleBN: false, batch: 4, pointer: 0, shuffle: null }],
  ];
  test.each(cases)('%s', (_name, options) => {
    const { moco, out, expected } = mocoCase(options);
    expect(out.logits.shape).toEqual([options.batch, 11]);
    expect(out.labels.toArray()).toEqual(new Array(options.batch).fill(0));
    expectClose(out.logits.toArray(), expected.logits, 'logits');
    expectClose(out.loss.item(), expected.loss, 'loss');
    expectSameRecords(grads(moco.encoderQ), expected.grads, 'grad');
    expect(moco.queue!.pointer).toBe(expected.ptr);
    expectClose(moco.queue!.keys.toArray(), expected.queue, 'queue');
    expectSameRecords(json(moco.encoderK.stateDict()), expected.stateK, 'key encoder');
    expectSameRecords(json(moco.encoderQ.stateDict()), expected.stateQ, 'query encoder');
    expect(moco.encoderK.parameters().every((p) => !p.requiresGrad && p.grad === null)).toBe(true);
  });
});

describe('MoCo v3 equals the official moco-v3 builder (1e-5)', () => {
  test('projector/predictor MLPs with BN, loss 2T (ce(q1, k2) + ce(q2, k1)), momentum update', () => {
    torch.manualSeed(5);
    const moco = new MoCo({ encoder: new TinyEncoder(SPEC.channels, SPEC.width, SPEC.dim), version: 3, mlpDim: 16, momentum: 0.9, temperature: 0.5 });
    perturb(moco.encoderK);
    const x1 = torch.randn([6, 2, 5, 5]);
    const x2 = torch.randn([6, 2, 5, 5]);
    const expected = runOracle('moco.py', {
      case: 'mocoV3',
      encoder: SPEC,
      mlpDim: 16,
      stateBase: json(moco.encoderQ.stateDict()),
      stateMomentum: json(moco.encoderK.stateDict()),
      statePredictor: json(moco.predictor!.stateDict()),
      m: 0.9,
      T: 0.5,
      x1: x1.toArray(),
      x2: x2.toArray(),
    });
    const out = moco.forward(x1, x2);
    out.loss.backward();
    expect(moco.queue).toBeNull();
    expect(out.logits.shape).toEqual([12, 6]);
    expect(out.labels.toArray()).toEqual([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]);
    expectClose(out.loss.item(), expected.loss, 'loss');
    expectSameRecords(grads(moco.encoderQ), expected.gradsBase, 'base grad');
    expectSameRecords(grads(moco.predictor!), expected.gradsPredictor, 'predictor grad');
    expectSameRecords(json(moco.encoderK.stateDict()), expected.stateMomentum, 'momentum encoder');
    expectSameRecords(json(moco.encoderQ.stateDict()), expected.stateBase, 'base encoder');
    expectSameRecords(json(moco.predictor!.stateDict()), expected.statePredictor, 'predictor');
  });

  test('the momentum schedule rises from m0 to 1 along a half cosine', () => {
    expect(cosineMomentum(0, 0.99)).toBeCloseTo(0.99, 12);
    expect(cosineMomentum(0.5, 0.99)).toBeCloseTo(0.995, 12);
    expect(cosineMomentum(1, 0.99)).toBeCloseTo(1, 12);
  });
});

describe('MoCo module', () => {
  beforeEach(() => torch.manualSeed(2));

  test('state dict keys are the official ones, queue and pointer included, and round-trip', () => {
    const moco = new MoCo({ encoder: new TinyEncoder(1, 3, 4), version: 2, queueSize: 6 });
    const keys = Object.keys(moco.stateDict());
    expect(keys.slice(0, 2)).toEqual(['queue', 'queue_ptr']);
    expect(keys).toContain('encoder_q.fc.0.weight');
    expect(keys).toContain('encoder_q.fc.2.weight');
    expect(keys).toContain('encoder_k.bn1.running_mean');
    moco.queue!.enqueue(torch.randn([4, 4]));
    const saved = Object.fromEntries(Object.entries(moco.stateDict()).map(([k, v]) => [k, v.clone()]));
    const other = new MoCo({ encoder: new TinyEncoder(1, 3, 4), version: 2, queueSize: 6 });
    other.loadStateDict(saved);
    expect(other.queue!.pointer).toBe(4);
    expect(other.queue!.keys.toArray()).toEqual(moco.queue!.keys.toArray());
    expect(other.encoderK.stateDict()['fc.2.bias'].toArray()).toEqual(moco.encoderK.stateDict()['fc.2.bias'].toArray());
    const v3 = new MoCo({ encoder: new TinyEncoder(1, 3, 4), version: 3, mlpDim: 8 });
    expect(Object.keys(v3.stateDict()).map((k) => k.split('.')[0])).toEqual(expect.arrayContaining(['base_encoder', 'momentum_encoder', 'predictor']));
  });

  test('the key encoder starts as an exact copy without gradients; bnSplits swaps in SplitBatchNorm', () => {
    const moco = new MoCo({ encoder: new TinyEncoder(1, 3, 4), version: 1, bnSplits: 4 });
    expect(moco.encoderQ.modules().some((m) => m instanceof SplitBatchNorm)).toBe(true);
    expect(moco.encoderK.modules().some((m) => m instanceof SplitBatchNorm)).toBe(true);
    const q = moco.encoderQ.stateDict();
    const k = moco.encoderK.stateDict();
    for (const key of Object.keys(q)) expect(k[key].toArray()).toEqual(q[key].toArray());
    expect(moco.encoderK.parameters().every((p) => !p.requiresGrad)).toBe(true);
    expect(moco.encoderQ.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(moco.temperature).toBe(0.07);
    expect(moco.queue!.size).toBe(65536);
  });

  test('backbone(): a frozen copy in eval mode whose output is the features before fc', () => {
    const moco = new MoCo({ encoder: new TinyEncoder(1, 3, 4), version: 2, queueSize: 8 });
    const backbone = moco.backbone();
    expect(backbone.training).toBe(false);
    expect(backbone.parameters().every((p) => !p.requiresGrad)).toBe(true);
    expect(backbone.call(torch.randn([2, 1, 5, 5])).shape).toEqual([2, 3]);
  });

  test('torch.ssl exports the MoCo pieces', () => {
    expect(torch.ssl.MoCo).toBe(MoCo);
    expect(torch.ssl.SplitBatchNorm).toBe(SplitBatchNorm);
    expect(typeof torch.ssl.infoNCE).toBe('function');
    expect(typeof torch.ssl.KeyQueue).toBe('function');
    expect(typeof torch.ssl.knnMonitor).toBe('function');
    expect(typeof torch.ssl.linearProbe).toBe('function');
  });

  test('bad options are clear Errors', () => {
    expect(() => new MoCo({ encoder: new TinyEncoder(1, 3, 4), version: 4 as 1 })).toThrow(/version must be 1, 2 or 3/);
    expect(() => new MoCo({ encoder: new TinyEncoder(1, 3, 4), dim: 5 })).toThrow(/encoder.fc outputs 4 features but dim is 5/);
    expect(() => new MoCo({ encoder: new TinyEncoder(1, 3, 4), temperature: 0 })).toThrow(/temperature must be positive/);
    expect(() => new MoCo({ encoder: new TinyEncoder(1, 3, 4), momentum: 1.5 })).toThrow(/momentum must be in \[0, 1\]/);
    expect(() => new MoCo({ encoder: new TinyEncoder(1, 3, 4), version: 3, shuffleBN: true })).toThrow(/v3 has no shuffle BN/);
    const noFc = new (class extends Module {
      forward(x: torch.Tensor) {
        return x;
      }
    })();
    expect(() => new MoCo({ encoder: noFc })).toThrow(/final Linear layer named `fc`/);
    const split = new MoCo({ encoder: new TinyEncoder(1, 3, 4), version: 1, bnSplits: 4, queueSize: 8 });
    expect(() => split.forward(torch.randn([6, 1, 5, 5]), torch.randn([6, 1, 5, 5]))).toThrow(/batch \(6\) must divide into 4 splits/);
  });
});
