// torch.optim against PyTorch (oracle: test/oracle/optim_steps.py): SGD (nesterov, dampening,
// weight decay, parameter groups), Adam (amsgrad) and AdamW steps give the same weights and the
// same optimizer state (1e-5); optimizer state dicts move both ways between PyTorch and here.
import * as torch from '../src';
import { nn, optim, Tensor } from '../src';
import { expectRecordClose, maxAbsDiff, python, removeDir, tempDir } from './nn-oracle';

type Config = (params: Tensor[]) => optim.Optimizer;

// The same optimizers as optim_steps.py's CONFIGS.
const CONFIGS: Record<string, Config> = {
  sgd_nesterov: (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-4 }),
  sgd_dampening: (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.8, dampening: 0.1, weightDecay: 0.01 }),
  sgd_plain: (p) => new optim.SGD(p, { lr: 0.1 }),
  adam: (p) => new optim.Adam(p, { lr: 0.01, weightDecay: 0.01 }),
  adam_amsgrad: (p) => new optim.Adam(p, { lr: 0.01, betas: [0.8, 0.99], eps: 1e-6, amsgrad: true }),
  adamw: (p) => new optim.AdamW(p, { lr: 0.01, weightDecay: 0.05 }),
  groups: (p) =>
    new optim.SGD(
      [
        { params: p.slice(0, 2), lr: 0.01 },
        { params: p.slice(2), weightDecay: 0.1 },
      ],
      { lr: 0.1, momentum: 0.9 },
    ),
};

interface Run {
  weights: Record<string, Tensor>[];
  state1: optim.OptimizerStateDict;
  state: optim.OptimizerStateDict;
}

let dir: string;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let saved: any;

beforeAll(() => {
  dir = tempDir();
  python('optim_steps.py', { mode: 'steps', dir });
  saved = torch.load(`${dir}/optim.pt`);
});

afterAll(() => removeDir(dir));

function modelFrom(state: Record<string, Tensor>): nn.Sequential {
  const model = new nn.Sequential(new nn.Linear(5, 8), new nn.ReLU(), new nn.Linear(8, 3));
  model.loadStateDict(state);
  return model;
}

function step(model: nn.Module, optimizer: optim.Optimizer): void {
  torch.tidy(() => {
    optimizer.zeroGrad();
    torch.F.crossEntropy(model.call(saved.x), saved.y).backward();
    optimizer.step();
  });
}

// Optimizer states are equal: same entries, tensors within `tol`, same group options. PyTorch's
// entries with nothing in them (SGD without momentum keeps `momentum_buffer: None`) have no
// counterpart in LibTorch's state.
function expectSameState(actual: optim.OptimizerStateDict, expected: optim.OptimizerStateDict, tol: number): void {
  const theirs = Object.entries(expected.state)
    .map(([index, entry]) => [index, Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== null))] as const)
    .filter(([, entry]) => Object.keys(entry).length > 0);
  expect(Object.keys(actual.state)).toEqual(theirs.map(([index]) => index));
  for (const [index, entry] of theirs) expectRecordClose(actual.state[Number(index)], entry as Record<string, Tensor>, tol);
  expect(actual.param_groups.length).toBe(expected.param_groups.length);
  actual.param_groups.forEach((group, i) => {
    expect(Object.keys(group).sort()).toEqual(Object.keys(expected.param_groups[i]).sort());
    for (const [key, value] of Object.entries(expected.param_groups[i])) expect(group[key]).toEqual(value);
  });
}

describe.each(Object.keys(CONFIGS))('%s', (name) => {
  test("three steps give PyTorch's weights and state", () => {
    const run: Run = saved[name];
    const model = modelFrom(saved.init);
    const optimizer = CONFIGS[name](model.parameters());
    for (let i = 0; i < 3; i++) {
      step(model, optimizer);
      expectRecordClose(model.stateDict(), run.weights[i], 1e-5);
    }
    expectSameState(optimizer.stateDict(), run.state, 1e-5);
  });

  test("PyTorch's state dict after one step loads here and the next step is PyTorch's", () => {
    const run: Run = saved[name];
    const model = modelFrom(run.weights[0]);
    const optimizer = CONFIGS[name](model.parameters());
    optimizer.loadStateDict(run.state1);
    step(model, optimizer);
    expectRecordClose(model.stateDict(), run.weights[1], 1e-5);
  });

});

test('state dicts saved here after one step (torch.save) resume in PyTorch: its next step is its own', () => {
  for (const name of Object.keys(CONFIGS)) {
    const model = modelFrom(saved.init);
    const optimizer = CONFIGS[name](model.parameters());
    step(model, optimizer);
    torch.save({ weights: model.stateDict(), optimizer: optimizer.stateDict() }, `${dir}/resume-${name}.pt`);
  }
  const diffs = python('optim_steps.py', { mode: 'resume', dir, configs: Object.keys(CONFIGS) });
  for (const name of Object.keys(CONFIGS)) {
    expect([name, diffs[name].weights < 1e-5, diffs[name].state < 1e-5]).toEqual([name, true, true]);
  }
});

describe('parameter groups and options', () => {
  test('paramGroups expose options; a settable lr takes effect at the next step', () => {
    const model = modelFrom(saved.init);
    const optimizer = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const group = optimizer.paramGroups[0];
    expect(group.lr).toBe(0.1);
    expect(group.momentum).toBe(0.9);
    expect(group.params.length).toBe(4);
    group.lr = 0;
    const before = model.stateDict();
    const copies = Object.fromEntries(Object.entries(before).map(([k, t]) => [k, t.clone()]));
    step(model, optimizer);
    expectRecordClose(model.stateDict(), copies, 0);
    group.lr = 0.5;
    expect(optimizer.stateDict().param_groups[0].lr).toBe(0.5);
    step(model, optimizer);
    expect(maxAbsDiff(model[0].weight, copies['0.weight'])).toBeGreaterThan(0);
  });

  test('addParamGroup takes its own options; zeroGrad frees gradients', () => {
    const a = new nn.Linear(2, 2);
    const b = new nn.Linear(2, 1);
    const optimizer = new optim.Adam(a.parameters(), { lr: 0.01 });
    optimizer.addParamGroup({ params: b.parameters(), lr: 0.5, betas: [0.5, 0.9] });
    expect(optimizer.paramGroups.map((g) => g.lr)).toEqual([0.01, 0.5]);
    expect(optimizer.paramGroups[1].betas).toEqual([0.5, 0.9]);
    expect(optimizer.paramGroups[1].eps).toBe(1e-8);
    b.call(a.call(torch.ones([1, 2]))).sum().backward();
    optimizer.step();
    expect(optimizer.stateDict().param_groups[1].params).toEqual([2, 3]);
    optimizer.zeroGrad();
    expect([...a.parameters(), ...b.parameters()].every((p) => p.grad === null)).toBe(true);
    expect(() => optimizer.addParamGroup({ params: a.parameters() })).toThrow(/more than one parameter group/);
  });

  test('step(closure) returns the loss', () => {
    const model = modelFrom(saved.init);
    const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
    const loss = optimizer.step(() => {
      optimizer.zeroGrad();
      const l = torch.F.crossEntropy(model.call(saved.x), saved.y);
      l.backward();
      return l;
    });
    expect(loss!.item()).toBeGreaterThan(0);
  });

  test('bad options and parameters give errors naming the problem', () => {
    const p = new nn.Linear(2, 2).parameters();
    expect(() => new optim.SGD(p, {} as optim.SGDOptions)).toThrow(/learning rate is required/);
    expect(() => new optim.SGD(p, { lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires a momentum and zero dampening/);
    expect(() => new optim.SGD(p, { lr: -1 })).toThrow(/Invalid learning rate/);
    expect(() => new optim.Adam(p, { beta: 0.9 } as optim.AdamOptions)).toThrow(/Adam has no option 'beta'/);
    expect(() => new optim.Adam([...p, p[0]])).toThrow(/more than one parameter group/);
    expect(() => new optim.SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
    const optimizer = new optim.SGD(p, { lr: 0.1 });
    expect(() => (optimizer.paramGroups[0].lr = 'fast' as unknown as number)).toThrow(/'lr' must be a number/);
    expect(() => optimizer.loadStateDict({ state: {}, param_groups: [] })).toThrow(/different number of parameter groups/);
  });
});
