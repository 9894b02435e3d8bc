// The Mean Teacher tests' oracle (test/oracle/*.py, run by test/oracle/run.ts) and comparisons.
export { runOracle } from './oracle/run';

/** The largest absolute difference between two equally nested arrays of numbers. */
export function maxAbsDiff(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return Infinity;
    return a.reduce((m: number, x, i) => Math.max(m, maxAbsDiff(x, b[i])), 0);
  }
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b);
  return Infinity;
}
