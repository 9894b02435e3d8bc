// Shared by the data and transforms tests: the Python oracles (test/oracle/data_*.py under
// the PyTorch of the build, JSON on stdin and stdout) and comparisons of tensors with plain numbers.
import { Tensor } from '../src';
export { runOracle } from './oracle/run';

export function values(t: Tensor): number[] {
  return Array.from(t.dataSync() as ArrayLike<number | bigint>, Number);
}

/** The largest |a - b| over all elements (shapes must agree). */
export function maxAbsDiff(a: Tensor, b: { shape: number[]; values: number[] } | Tensor): number {
  const other = b instanceof Tensor ? { shape: b.shape, values: values(b) } : b;
  expect(a.shape).toEqual(other.shape);
  const mine = values(a);
  return mine.reduce((worst, v, i) => Math.max(worst, Math.abs(v - other.values[i])), 0);
}

/** A tensor as the oracles read it. */
export function encode(t: Tensor): { shape: number[]; values: number[] } {
  return { shape: t.shape, values: values(t) };
}
