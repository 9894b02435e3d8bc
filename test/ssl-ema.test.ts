// Ramps and the EMA update against the authors' PyTorch definitions (1e-6), alpha warm-up included.
import * as torch from '../src';
import { sigmoidRampup, linearRampup, cosineRampdown } from '../src/optim/ramps';
import { emaUpdate } from '../src/ssl/ema';
import { runOracle, maxAbsDiff } from './ssl-mean-teacher-oracle';

const TOL = 1e-6;

describe('ramps', () => {
  const sigmoid: [number, number][] = [[0, 5], [1, 5], [2.5, 5], [4.99, 5], [5, 5], [7, 5], [-1, 5], [0, 0], [3, 0], [0.3, 1], [30, 80]];
  const linear: [number, number][] = [[0, 5], [0.25, 5], [4.5, 5], [5, 5], [9, 5], [0, 0], [2, 0], [0.375, 2]];
  const cosine: [number, number][] = [[0, 10], [0.5, 10], [5, 10], [9.99, 10], [10, 10], [1.25, 3]];
  const oracle = runOracle<{ sigmoid: number[]; linear: number[]; cosine: number[] }>('mean_teacher_parts.py', {
    task: 'ramps',
    sigmoid,
    linear,
    cosine,
  });

  test('sigmoidRampup matches the authors', () => {
    expect(maxAbsDiff(sigmoid.map(([c, l]) => sigmoidRampup(c, l)), oracle.sigmoid)).toBeLessThan(TOL);
    expect(sigmoidRampup(0, 5)).toBeCloseTo(Math.exp(-5), 12);
  });
  test('linearRampup matches the authors', () => {
    expect(maxAbsDiff(linear.map(([c, l]) => linearRampup(c, l)), oracle.linear)).toBeLessThan(TOL);
  });
  test('cosineRampdown matches the authors', () => {
    expect(maxAbsDiff(cosine.map(([c, l]) => cosineRampdown(c, l)), oracle.cosine)).toBeLessThan(TOL);
  });
  test('out-of-range input is a clear error', () => {
    expect(() => linearRampup(-1, 5)).toThrow(/linearRampup: .*>= 0/);
    expect(() => cosineRampdown(11, 10)).toThrow(/cosineRampdown: needs 0 <= current <= length/);
    expect(() => sigmoidRampup(NaN, 5)).toThrow(/sigmoidRampup: current must be a finite number/);
    expect(() => sigmoidRampup(1, -2)).toThrow(/sigmoidRampup: length must be >= 0/);
  });
});

/** A stand-in with a module's parameters()/buffers(), so the EMA is tested on its own. */
function weights(params: torch.Tensor[], buffers: torch.Tensor[] = []) {
  return { parameters: () => params, buffers: () => buffers };
}

describe('emaUpdate', () => {
  const shapes = [[3, 4], [4], [2, 1, 3, 3]];

  test.each(['float32', 'float64'] as const)('the alpha warm-up and the average match the authors (%s)', (dtype) => {
    torch.manualSeed(3);
    const decay = 0.9;
    const teacher0 = shapes.map((s) => torch.randn(s, { dtype }).toArray());
    const students = [1, 2, 3, 4, 5, 6].map(() => shapes.map((s) => torch.randn(s, { dtype }).toArray()));
    const oracle = runOracle<{ teachers: unknown[][] }>('mean_teacher_parts.py', { task: 'ema', dtype, decay, teacher: teacher0, students });

    const teacher = teacher0.map((p) => torch.tensor(p as number[], { dtype, requiresGrad: true }));
    students.forEach((student, i) => {
      const step = i + 1; // the authors count the step before updating: alpha = 0.5, 0.667, ... then decay
      const alpha = Math.min(1 - 1 / (step + 1), decay);
      emaUpdate(weights(teacher), weights(student.map((p) => torch.tensor(p as number[], { dtype }))), alpha);
      expect(maxAbsDiff(teacher.map((t) => t.toArray()), oracle.teachers[i])).toBeLessThan(TOL);
    });
    expect(teacher[0].requiresGrad).toBe(true); // updated in place under no-grad, leaf kept
  });

  test('buffers: copy (default), ema of floating ones, or none', () => {
    const make = (v: number) => [torch.full([3], v, { dtype: 'float32' }), torch.tensor([v], { dtype: 'int64' })];
    const src = weights([torch.ones([2])], make(10));
    const copied = weights([torch.zeros([2])], make(0));
    emaUpdate(copied, src, 0.75);
    expect(copied.parameters()[0].toArray()).toEqual([0.25, 0.25]);
    expect(copied.buffers().map((b) => b.toArray())).toEqual([[10, 10, 10], [10]]);

    const averaged = weights([torch.zeros([2])], make(2));
    emaUpdate(averaged, src, 0.75, { buffers: 'ema' });
    expect(averaged.buffers().map((b) => b.toArray())).toEqual([[4, 4, 4], [10]]);

    const left = weights([torch.zeros([2])], make(2));
    emaUpdate(left, src, 0.75, { buffers: 'none' });
    expect(left.buffers().map((b) => b.toArray())).toEqual([[2, 2, 2], [2]]);
  });

  test('bad input is a clear error', () => {
    const a = weights([torch.zeros([2])]);
    expect(() => emaUpdate(a, weights([]), 0.5)).toThrow(/emaUpdate: the target has 1 parameters but the source has 0/);
    expect(() => emaUpdate(a, a, 1.5)).toThrow(/emaUpdate: decay must be a number in \[0, 1\]/);
    expect(() => emaUpdate(a, a, 0.5, { buffers: 'bogus' as 'copy' })).toThrow(/buffers must be 'copy', 'ema' or 'none'/);
    expect(() => emaUpdate(a, weights([torch.zeros([3])]), 0.5)).toThrow('emaAverage: target 0 is [2] on cpu but its source is [3] on cpu');
  });

  test('a bad pair anywhere leaves every target as it was', () => {
    const target = weights([torch.zeros([2]), torch.zeros([3])]);
    expect(() => emaUpdate(target, weights([torch.ones([2]), torch.ones([4])]), 0.5)).toThrow(/emaAverage: target 1 is \[3\]/);
    expect(target.parameters().map((t) => t.toArray())).toEqual([[0, 0], [0, 0, 0]]);
  });

  // The one-pass kernel (native/ema.cc) must round as ATen's mul_ then add_ do, which is what the
  // authors' `ema.mul_(alpha).add_(param, alpha=1 - alpha)` runs: exact equality, not a tolerance.
  // Sizes cover the vector body and its remainder; the views and float64 take the fallback path.
  test.each([
    ['float32, 1000003 elements', [1000003], 'float32', false],
    ['float32, 7 elements', [7], 'float32', false],
    ['float32, a transposed view', [37, 29], 'float32', true],
    ['float64', [513], 'float64', false],
  ] as const)('equals mul_ then add_ bit for bit (%s)', (_name, shape, dtype, transposed) => {
    torch.manualSeed(11);
    const make = () => (transposed ? torch.randn(shape, { dtype }).t() : torch.randn(shape, { dtype }));
    const [t, s] = [make(), make()];
    for (const decay of [0.999, 0.9, 0.5, 1 / 3]) {
      const expected = t.clone().mul_(decay).add_(s, { alpha: 1 - decay });
      emaUpdate(weights([t]), weights([s]), decay);
      expect(t.ne(expected).sum().item()).toBe(0); // elements that differ
    }
  });
});
