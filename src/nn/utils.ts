// torch.nn.utils: gradient clipping.
import { noGrad } from '../autograd';
import { stack, tensor } from '../factories';
import { tidy } from '../scope';
import { Tensor } from '../tensor';
import { checkNumber, checkOptions, checkTensor, fail } from '../check';

/**
 * Scales the gradients of `parameters` in place so that their total `normType` norm (of all of
 * them together) is at most `maxNorm`; returns the total norm before clipping, as PyTorch does.
 */
export function clipGradNorm_(
  parameters: Iterable<Tensor> | Tensor,
  maxNorm: number,
  options: { normType?: number; errorIfNonfinite?: boolean } = {},
): Tensor {
  const { normType = 2, errorIfNonfinite = false } = checkOptions('clipGradNorm_', options, ['options', 3]);
  const iterable = typeof (parameters as { [Symbol.iterator]?: unknown } | null)?.[Symbol.iterator] === 'function';
  if (!(parameters instanceof Tensor) && !iterable) fail('clipGradNorm_', ['parameters', 1], 'a Tensor or an iterable of Tensors', parameters);
  const params = (parameters instanceof Tensor ? [parameters] : [...parameters]).map((p, i) => checkTensor('clipGradNorm_', `parameters[${i}]`, p));
  checkNumber('clipGradNorm_', ['maxNorm', 2], maxNorm, { min: 0 });
  if (normType !== Infinity) checkNumber('clipGradNorm_', 'normType', normType, { min: 0, minExclusive: true });
  return tidy(() =>
    noGrad(() => {
      const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
      if (grads.length === 0) return tensor(0);
      const norms = grads.map((g) => (normType === Infinity ? g.abs().max() : g.norm(normType)));
      const total = normType === Infinity ? stack(norms).max() : stack(norms).norm(normType);
      if (errorIfNonfinite && !Number.isFinite(total.item())) {
        throw new Error(`The total norm of order ${normType} for gradients from \`parameters\` is non-finite, so it cannot be clipped.`);
      }
      // maxNorm / (total + 1e-6), computed as PyTorch's reverse division does, capped at 1
      const coef = total.add(1e-6).reciprocal().mul(maxNorm).clampMax(1);
      for (const g of grads) g.mul_(coef);
      return total;
    }),
  );
}
