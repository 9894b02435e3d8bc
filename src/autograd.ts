// Autograd controls: grad mode scopes (torch.noGrad / torch.enableGrad) and torch.autograd.grad.
import { native } from './native';
import { runSynchronously } from './scope';
import { Tensor } from './tensor';

// Runs `fn` with grad mode set to `enabled`, restoring the previous mode however `fn` ends.
// Grad mode is per thread and JS awaits would leave it set for unrelated code, so `fn` must be
// synchronous: a Promise result is refused, and the tensors made until then freed.
function withGradMode<T>(enabled: boolean, fn: () => T, name: string): T {
  const previous = native.setGradEnabled(enabled);
  try {
    return runSynchronously(name, fn);
  } finally {
    native.setGradEnabled(previous);
  }
}

/** Runs `fn` without recording autograd graphs (PyTorch's `with torch.no_grad():`). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn, 'noGrad');
}

/** Runs `fn` with autograd recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn, 'enableGrad');
}

/** Whether autograd currently records operations. */
export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

/** Turns autograd recording on or off for the code that follows; returns the previous mode. */
export function setGradEnabled(enabled: boolean): boolean {
  return native.setGradEnabled(enabled);
}

export interface GradOptions {
  /** The vector of the vector-Jacobian product, one per output (needed for non-scalar outputs). */
  gradOutputs?: Tensor[];
  /** Keep the graph for another backward pass (default: `createGraph`). */
  retainGraph?: boolean;
  /** Record the gradient computation itself, for higher-order gradients. */
  createGraph?: boolean;
  /** Give null for inputs the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/**
 * The gradients of `outputs` with respect to `inputs`, returned rather than accumulated into
 * `.grad` (PyTorch's `torch.autograd.grad`). Single tensors may be passed without an array.
 */
function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], options: GradOptions = {}): (Tensor | null)[] {
  const list = (t: Tensor | Tensor[]) => (Array.isArray(t) ? t : [t]);
  const handles = native.autogradGrad(
    list(outputs),
    list(inputs),
    options.gradOutputs ?? null,
    options.retainGraph,
    options.createGraph,
    options.allowUnused,
  );
  return handles.map((h) => (h === null ? null : new Tensor(h)));
}

export const autograd = { grad };
