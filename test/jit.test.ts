// torch.jit.load: a TorchScript model scripted by Python (fixture: test/oracle/jit_model.py, made
// at test time) gives Python's outputs in eval and train mode, exposes its parameters and buffers
// under PyTorch's names, trains here (20 SGD steps lower its loss), copies, and saves back to a
// file Python loads.
import * as torch from '../src';
import { jit, optim, Tensor } from '../src';
import { expectRecordClose, maxAbsDiff, python, removeDir, tempDir } from './nn-oracle';

let dir: string;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let made: any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let expected: any;

beforeAll(() => {
  dir = tempDir();
  made = python('jit_model.py', { mode: 'make', dir });
  expected = torch.load(`${dir}/expected.pt`);
});

afterAll(() => removeDir(dir));

test("forward and exported methods give Python's outputs", () => {
  const model = jit.load(`${dir}/model.pt`).eval();
  expect(model.training).toBe(false);
  expect(maxAbsDiff(model.call(expected.x), expected.eval)).toBeLessThan(1e-5);
  expect(maxAbsDiff(model.runMethod('embed', expected.x), expected.embed)).toBeLessThan(1e-5);
  expect(() => model.runMethod('nope', expected.x)).toThrow(/no method 'nope'/);
});

test("parameters, buffers and state dict under PyTorch's names and order", () => {
  const model = jit.load(`${dir}/model.pt`);
  expect(model.namedParameters().map(([n]) => n)).toEqual(made.parameters);
  expect(Object.keys(model.stateDict())).toEqual(made.keys);
  expect(model.parameters().every((p) => p.requiresGrad)).toBe(true);
  expect(model.namedBuffers().map(([n]) => n)).toEqual(['bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
});

test('train mode: batch statistics and running-stat updates as in Python', () => {
  const model = jit.load(`${dir}/model.pt`).train();
  expect(maxAbsDiff(model.call(expected.x), expected.train)).toBeLessThan(1e-5);
  expectRecordClose(Object.fromEntries(model.namedBuffers()), expected.buffers, 1e-6);
});

test('20 SGD steps here lower its loss, acting on the scripted module itself; copy() is independent', () => {
  const model = jit.load(`${dir}/model.pt`).train();
  const frozen = model.copy();
  const before = frozen.eval().call(expected.x).clone();
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const loss = () => torch.F.crossEntropy(model.call(expected.x), expected.y);
  const losses: number[] = [];
  for (let i = 0; i < 20; i++) {
    losses.push(
      torch.tidy(() => {
        optimizer.zeroGrad();
        const l = loss();
        l.backward();
        optimizer.step();
        return l.item();
      }),
    );
  }
  expect(losses[19]).toBeLessThan(0.5 * losses[0]);
  // The copy made before training still gives the untrained outputs.
  expect(maxAbsDiff(frozen.call(expected.x), before)).toBe(0);
  expect(maxAbsDiff(model.eval().call(expected.x), before)).toBeGreaterThan(1e-3);

  // Saved here, the trained module loads in Python and gives the same outputs there.
  const out = model.eval().call(expected.x) as Tensor;
  model.save(`${dir}/trained.pt`);
  torch.save({ x: expected.x, out }, `${dir}/trained-out.pt`);
  expect(python('jit_model.py', { mode: 'check', dir }).diff).toBeLessThan(1e-5);
});

test('loadStateDict writes into the scripted module; to() casts it', () => {
  const model = jit.load(`${dir}/model.pt`).eval();
  const zeros = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, torch.zerosLike(t)]));
  zeros['bn.running_var'] = torch.onesLike(zeros['bn.running_var']);
  model.loadStateDict(zeros);
  expect((model.call(expected.x) as Tensor).abs().max().item()).toBe(0);
  model.to('float64');
  expect(model.parameters()[0].dtype).toBe('float64');
  expect((model.call(expected.x.double()) as Tensor).dtype).toBe('float64');
});

test('missing and non-TorchScript files give errors naming the file', () => {
  expect(() => jit.load(`${dir}/none.pt`)).toThrow(/torch.jit.load: .*none.pt/);
  torch.save({ a: torch.ones([1]) }, `${dir}/plain.pt`);
  expect(() => jit.load(`${dir}/plain.pt`)).toThrow(/torch.jit.load: .*plain.pt/);
});
