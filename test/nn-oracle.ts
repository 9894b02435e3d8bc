// Runs the committed PyTorch oracles of the nn, models, optim, jit and files tests
// (test/oracle/*.py, under the PyTorch of the build: see oracle/run.ts) and compares tensors.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../src';
import { Tensor } from '../src';
import { runOracle } from './oracle/run';

/** Runs `test/oracle/<script>` with `input` as JSON on stdin; returns its JSON stdout. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function python(script: string, input: object = {}): any {
  return runOracle(script, input, { OMP_NUM_THREADS: '1' });
}

/** A fresh temporary folder, removed by `removeDir`. */
export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'momentum-nn-'));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** The largest absolute elementwise difference (shapes must match; bools count 1 per mismatch). */
export function maxAbsDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  if (a.numel() === 0) return 0;
  return torch.tidy(() => {
    if (a.dtype === 'bool' || b.dtype === 'bool') return a.ne(b).sum().item();
    const [x, y] = a.dtype === b.dtype ? [a, b] : [a.double(), b.double()];
    return x.sub(y).abs().max().item();
  });
}

/** Asserts that every tensor of `actual` equals `expected`'s (same keys, same order) within `tol`. */
export function expectRecordClose(actual: Record<string, Tensor>, expected: Record<string, Tensor>, tol: number): void {
  expect(Object.keys(actual)).toEqual(Object.keys(expected));
  for (const key of Object.keys(expected)) {
    expect(actual[key].dtype).toBe(expected[key].dtype);
    const diff = maxAbsDiff(actual[key], expected[key]);
    if (!(diff <= tol)) throw new Error(`${key}: max abs difference ${diff} > ${tol}`);
  }
}
