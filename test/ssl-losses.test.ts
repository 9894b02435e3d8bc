// The consistency costs against the authors' definitions in PyTorch: values and gradients (1e-6).
import * as torch from '../src';
import { softmaxMseLoss, softmaxKlLoss, symmetricMseLoss } from '../src/ssl/losses';
import { runOracle, maxAbsDiff } from './ssl-mean-teacher-oracle';

type CostResult = { value: number; gradA: number[][]; gradB: number[][] | null };
type Costs = Record<'softmaxMse' | 'softmaxKl' | 'symmetricMse', CostResult>;

const TOL = 1e-6;

function logits(shape: number[], scale: number): number[][] {
  return torch.randn(shape).mul(scale).toArray() as number[][];
}

describe.each([
  ['float32', 1],
  ['float32', 8],
  ['float64', 3],
] as const)('consistency costs (%s, logits scale %d)', (dtype, scale) => {
  torch.manualSeed(7 + scale);
  const a = logits([12, 10], scale);
  const b = logits([12, 10], scale);
  const oracle = runOracle<Costs>('mean_teacher_parts.py', { task: 'costs', dtype, a, b });

  const cases = [
    ['softmaxMse', softmaxMseLoss],
    ['softmaxKl', softmaxKlLoss],
    ['symmetricMse', symmetricMseLoss],
  ] as const;

  test.each(cases)('%s: value and gradients match PyTorch', (name, cost) => {
    const input = torch.tensor(a, { dtype, requiresGrad: true });
    const target = torch.tensor(b, { dtype, requiresGrad: true });
    const loss = cost(input, target);
    expect(loss.shape).toEqual([]);
    expect(Math.abs(loss.item() - oracle[name].value)).toBeLessThan(TOL);
    loss.backward();
    expect(maxAbsDiff(input.grad!.toArray(), oracle[name].gradA)).toBeLessThan(TOL);
    if (name === 'symmetricMse') {
      // gradients flow to both inputs
      expect(maxAbsDiff(target.grad!.toArray(), oracle[name].gradB)).toBeLessThan(TOL);
      expect(oracle[name].gradB).not.toBeNull();
    } else {
      // the teacher's side is detached
      expect(target.grad).toBeNull();
    }
    // the gradient is real, not zero
    expect(maxAbsDiff(input.grad!.toArray(), a.map((r) => r.map(() => 0)))).toBeGreaterThan(1e-4);
  });
});

test('costs of identical logits are zero', () => {
  const x = torch.randn([4, 5]);
  expect(softmaxMseLoss(x, x).item()).toBe(0);
  expect(Math.abs(softmaxKlLoss(x, x).item())).toBeLessThan(1e-6);
  expect(symmetricMseLoss(x, x).item()).toBe(0);
});

test('mismatched shapes are a clear error', () => {
  expect(() => softmaxMseLoss(torch.zeros([4, 10]), torch.zeros([4, 9]))).toThrow(/softmaxMseLoss: .*same shape.*\[4,10\].*\[4,9\]/);
  expect(() => softmaxKlLoss(torch.zeros([4]), torch.zeros([4]))).toThrow(/softmaxKlLoss/);
  expect(() => symmetricMseLoss(torch.zeros([2, 3]), torch.zeros([3, 3]))).toThrow(/symmetricMseLoss/);
});
