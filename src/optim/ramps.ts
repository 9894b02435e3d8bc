// Ramp-up and ramp-down schedules of Mean Teacher (Tarvainen & Valpola 2017), as the authors'
// ramps.py defines them: the consistency weight ramps up with a sigmoid-shaped curve, the learning
// rate ramps up linearly (arXiv:1706.02677) and down along one cosine half-period (arXiv:1608.03983).
import { describe } from '../check';

function checkFinite(name: string, values: Record<string, number>): void {
  for (const [key, value] of Object.entries(values)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TypeError(`${name}: ${key} must be a finite number, got ${describe(value)}`);
    }
  }
}

/** `exp(-5 (1 - clip(current, 0, length) / length)^2)`; 1 when `length` is 0 (arXiv:1610.02242). */
export function sigmoidRampup(current: number, length: number): number {
  checkFinite('sigmoidRampup', { current, length });
  if (length < 0) throw new RangeError(`sigmoidRampup: length must be >= 0, got ${length}`);
  if (length === 0) return 1.0;
  const phase = 1.0 - Math.min(Math.max(current, 0.0), length) / length;
  return Math.exp(-5.0 * phase * phase);
}

/** `current / length` until `current` reaches `length`, then 1. */
export function linearRampup(current: number, length: number): number {
  checkFinite('linearRampup', { current, length });
  if (current < 0 || length < 0) {
    throw new RangeError(`linearRampup: current and length must be >= 0, got current=${current}, length=${length}`);
  }
  return current >= length ? 1.0 : current / length;
}

/** `0.5 (cos(pi current / length) + 1)`, for `0 <= current <= length` and `length > 0`. */
export function cosineRampdown(current: number, length: number): number {
  checkFinite('cosineRampdown', { current, length });
  if (!(length > 0 && current >= 0 && current <= length)) {
    throw new RangeError(`cosineRampdown: needs 0 <= current <= length and length > 0, got current=${current}, length=${length}`);
  }
  return 0.5 * (Math.cos((Math.PI * current) / length) + 1);
}
