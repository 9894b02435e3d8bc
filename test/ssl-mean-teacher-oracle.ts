// Runs a committed PyTorch oracle script (test/oracle/*.py) with /usr/bin/python3, JSON in and out.
import { spawnSync } from 'child_process';
import * as path from 'path';

export function runOracle<T>(script: string, request: object): T {
  const result = spawnSync('/usr/bin/python3', [path.join(__dirname, 'oracle', script)], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`oracle ${script} failed: ${result.stderr || result.error}`);
  return JSON.parse(result.stdout) as T;
}

/** The largest absolute difference between two equally nested arrays of numbers. */
export function maxAbsDiff(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return Infinity;
    return a.reduce((m: number, x, i) => Math.max(m, maxAbsDiff(x, b[i])), 0);
  }
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b);
  return Infinity;
}
