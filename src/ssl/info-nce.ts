// InfoNCE (van den Oord et al. 2018) as MoCo computes it: a (1 + K)-way classification of each
// query, whose positive is its own key (class 0) and whose negatives are the queued keys.
import { arange, cat, zeros } from '../factories';
import { crossEntropy, normalize } from '../functional';
import { Tensor } from '../tensor';
import { KeyQueue } from './queue';
import { checkTensor, describe } from '../check';

export interface ContrastiveOutput {
  /** [N, 1 + K] for infoNCE (positive first), [N, N] for in-batch negatives; already divided by T. */
  logits: Tensor;
  /** The class of each query's positive: zeros for infoNCE, arange(N) for in-batch negatives. */
  labels: Tensor;
  loss: Tensor;
}

function checkPair(fn: string, q: Tensor, k: Tensor, temperature: number): void {
  if (!(q instanceof Tensor) || !(k instanceof Tensor)) throw new Error(`${fn}: q and k must be Tensors [N, C]`);
  checkTensor(fn, ['q', 1], q);
  checkTensor(fn, ['k', 2], k);
  if (q.ndim !== 2 || q.shape.join() !== k.shape.join()) {
    throw new Error(`${fn}: q and k must both be [N, C], got [${q.shape.join(', ')}] and [${k.shape.join(', ')}]`);
  }
  if (!(typeof temperature === 'number' && temperature > 0 && temperature < Infinity)) throw new Error(`${fn}: temperature must be a positive number, got ${describe(temperature)}`);
}

/**
 * The MoCo v1/v2 loss. `q`, `k`: [N, C] L2-normalised queries and keys (row i of k is the
 * positive of row i of q); `queue`: the [C, K] negatives (a KeyQueue or its `keys`). The queue is
 * snapshotted (cloned, detached) so that enqueueing before `backward()` is allowed, as in the
 * official code.
 */
export function infoNCE(q: Tensor, k: Tensor, queue: KeyQueue | Tensor, temperature: number): ContrastiveOutput {
  checkPair('infoNCE', q, k, temperature);
  const negatives: Tensor = queue instanceof KeyQueue ? queue.keys : queue;
  if (!(negatives instanceof Tensor) || negatives.isDisposed || negatives.ndim !== 2 || negatives.shape[0] !== q.shape[1]) {
    throw new Error(`infoNCE: queue must be [${q.shape[1]}, K] (a KeyQueue or its keys)`);
  }
  const lPos = q.mul(k).sum(1, { keepdim: true }); // N x 1
  const lNeg = q.mm(negatives.clone().detach()); // N x K
  const logits = cat([lPos, lNeg], 1).div(temperature);
  const labels = zeros([q.shape[0]], { dtype: 'int64', device: q.device });
  return { logits, labels, loss: crossEntropy(logits, labels) };
}

/**
 * The MoCo v3 loss of one direction: the other keys of the batch are the negatives (labels
 * arange(N)); q and k are normalised here and the cross-entropy is scaled by 2T, as the official
 * `contrastive_loss` does.
 */
export function inBatchInfoNCE(q: Tensor, k: Tensor, temperature: number): ContrastiveOutput {
  checkPair('inBatchInfoNCE', q, k, temperature);
  const logits = normalize(q, { dim: 1 }).mm(normalize(k, { dim: 1 }).t()).div(temperature);
  const labels = arange(q.shape[0], { dtype: 'int64', device: q.device });
  return { logits, labels, loss: crossEntropy(logits, labels).mul(2 * temperature) };
}
