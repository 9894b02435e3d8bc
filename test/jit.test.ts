// torch.jit.load: a TorchScript model scripted by Python (fixture: test/oracle/jit_model.py, made
// at test time) gives Python's outputs in eval and train mode, exposes its parameters and buffers
// under PyTorch's names, trains here (20 SGD steps lower its loss), copies, and saves back to a
// file Python loads.
import { spawnSync } from 'child_process';
import * as path from 'path';
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

// Converting an argument recurses into its arrays and objects: nested 100,000 deep it overflowed
// the stack. A fresh Node process (the compiled library in dist/) tries each, then exits normally.
test('an argument nested more than 1,000 deep, or holding itself, is an Error naming it', () => {
  const script = `
    const torch = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'src'))});
    const model = torch.jit.load(${JSON.stringify(`${dir}/model.pt`)}).eval();
    const nest = (depth) => { let v = []; for (let i = 1; i < depth; i++) v = [v]; return v; };
    const cyclic = { a: [1] };
    cyclic.a.push(cyclic);
    const messages = [[nest(100000)], [nest(1001)], [expected(), cyclic], [nest(1000)]].map((args) => {
      try { model.call(...args); return 'no error'; } catch (e) { return e.message.split('\\n')[0]; }
    });
    function expected() { return torch.load(${JSON.stringify(`${dir}/expected.pt`)}).x; }
    console.log(JSON.stringify({ messages, still: model.call(expected()).shape }));
  `;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.signal).toBeNull();
  expect(result.status).toBe(0);
  const tooDeep = (argument: string) => `${argument}: arrays and objects nested more than 1000 deep (or holding themselves) cannot be converted`;
  const { messages, still } = JSON.parse(result.stdout);
  expect(messages.slice(0, 3)).toEqual([tooDeep('argument 0'), tooDeep('argument 0'), tooDeep('argument 1')]);
  // 1,000 deep is converted; TorchScript then refuses a list where forward takes a Tensor.
  expect(messages[3]).toMatch(/Expected a value of type 'Tensor'.* for argument 'x' but instead found type 'List/);
  expect(still).toEqual([6, 3]);
});
