// Shared by the data and transforms tests: the Python oracles (test/oracle/data_*.py under
// /usr/bin/python3, JSON on stdin and stdout) and comparisons of tensors with plain numbers.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { Tensor } from '../src';

export function runOracle<T>(script: string, request: unknown): T {
  const reply = spawnSync('/usr/bin/python3', [path.join(__dirname, 'oracle', script)], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (reply.status !== 0) throw new Error(`oracle ${script} failed: ${reply.stderr || reply.error}`);
  return JSON.parse(reply.stdout) as T;
}

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
