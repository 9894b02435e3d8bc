// Exponential moving averages of a model's weights: the Mean Teacher's teacher and MoCo's key
// encoder. Every parameter moves in one native call: a one-pass kernel (native/ema.cc) that reads
// each target and source once and writes the target once, where mul_ then add_ pass twice.
import { callOp } from '../ops';
import { native } from '../native';
import { noGrad } from '../autograd';
import type { Tensor } from '../tensor';
import { checkOptions, describe, fail } from '../check';

/** What to do with buffers (BatchNorm's running statistics): copy the source's, average them, or leave them. */
export type BufferPolicy = 'copy' | 'ema' | 'none';

/** The part of a `Module` an EMA needs. */
export interface HasWeights {
  parameters(): Iterable<Tensor>;
  buffers(): Iterable<Tensor>;
}

function checkWeights(name: string, position: number, value: unknown): void {
  const m = value as Partial<HasWeights> | null;
  if (typeof m?.parameters !== 'function' || typeof m.buffers !== 'function') fail('emaUpdate', [name, position], 'a Module', value);
}

function pairedLists(what: string, target: Iterable<Tensor>, source: Iterable<Tensor>): [Tensor[], Tensor[]] {
  const t = Array.from(target);
  const s = Array.from(source);
  if (t.length !== s.length) {
    throw new Error(`emaUpdate: the target has ${t.length} ${what} but the source has ${s.length}; they must be copies of one architecture`);
  }
  return [t, s];
}

// t = decay * t + (1 - decay) * s, rounded as the authors' `ema.mul_(decay).add_(s, alpha=1 - decay)`
// is, so the result is bit-identical to theirs. Shapes and devices are checked before any write.
function average(target: Tensor[], source: Tensor[], decay: number): void {
  if (target.length === 0) return;
  native.emaAverage(target, source, decay);
}

function copy(target: Tensor[], source: Tensor[]): void {
  if (target.length === 0) return;
  callOp('_foreach_zero_', [target]);
  callOp('_foreach_add_', [target, source]);
}

function isFloating(t: Tensor): boolean {
  return t.dtype.startsWith('float') || t.dtype === 'bfloat16';
}

function updateBuffers(target: Tensor[], source: Tensor[], decay: number, policy: BufferPolicy): void {
  if (policy === 'none') return;
  if (policy === 'copy') return copy(target, source);
  // 'ema': running statistics are averaged; counters (num_batches_tracked) are copied.
  const floating = target.map(isFloating);
  average(target.filter((_, i) => floating[i]), source.filter((_, i) => floating[i]), decay);
  copy(target.filter((_, i) => !floating[i]), source.filter((_, i) => !floating[i]));
}

/**
 * `target = decay * target + (1 - decay) * source` over every parameter, in place and without
 * gradient tracking. Buffers are copied by default (`{ buffers: 'ema' }` averages the floating
 * ones, `'none'` leaves them).
 */
export function emaUpdate(target: HasWeights, source: HasWeights, decay: number, options: { buffers?: BufferPolicy } = {}): void {
  if (typeof decay !== 'number' || !(decay >= 0 && decay <= 1)) {
    throw new RangeError(`emaUpdate: decay must be a number in [0, 1], got ${describe(decay)}`);
  }
  checkWeights('target', 1, target);
  checkWeights('source', 2, source);
  const policy = checkOptions('emaUpdate', options, ['options', 4]).buffers ?? 'copy';
  if (policy !== 'copy' && policy !== 'ema' && policy !== 'none') {
    throw new Error(`emaUpdate: buffers must be 'copy', 'ema' or 'none', got ${describe(policy)}`);
  }
  const [tp, sp] = pairedLists('parameters', target.parameters(), source.parameters());
  const [tb, sb] = policy === 'none' ? [[], []] : pairedLists('buffers', target.buffers(), source.buffers());
  noGrad(() => {
    average(tp, sp, decay);
    updateBuffers(tb, sb, decay, policy);
  });
}
