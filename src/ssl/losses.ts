// The consistency costs of Mean Teacher, with the authors' definitions and reductions (losses.py):
// each returns the SUM over the minibatch; the caller divides by the minibatch size.
import * as F from '../functional';
import type { Tensor } from '../tensor';
import { checkTensor } from '../check';

function checkPair(name: string, a: Tensor, b: Tensor): number {
  checkTensor(name, ['input', 1], a);
  checkTensor(name, ['target', 2], b);
  const sa = a.shape;
  const sb = b.shape;
  if (sa.length < 2 || sa.length !== sb.length || sa.some((d, i) => d !== sb[i])) {
    throw new Error(`${name}: expects two [batch, classes, ...] tensors of the same shape, got [${sa}] and [${sb}]`);
  }
  return sa[1];
}

/**
 * `sum((softmax(input) - softmax(target))^2) / C` over dim 1 (the classes). Gradients reach
 * `input` only: the target (the teacher's logits) is detached.
 */
export function softmaxMseLoss(input: Tensor, target: Tensor): Tensor {
  const numClasses = checkPair('softmaxMseLoss', input, target);
  const inputSoftmax = F.softmax(input, 1);
  const targetSoftmax = F.softmax(target.detach(), 1);
  return F.mseLoss(inputSoftmax, targetSoftmax, { reduction: 'sum' }).div(numClasses);
}

/** `kl_div(log_softmax(input), softmax(target), reduction='sum')`; the target is detached. */
export function softmaxKlLoss(input: Tensor, target: Tensor): Tensor {
  checkPair('softmaxKlLoss', input, target);
  const inputLogSoftmax = F.logSoftmax(input, 1);
  const targetSoftmax = F.softmax(target.detach(), 1);
  return F.klDiv(inputLogSoftmax, targetSoftmax, { reduction: 'sum' });
}

/** `sum((input1 - input2)^2) / C`, with gradients to both inputs (the two heads' distance). */
export function symmetricMseLoss(input1: Tensor, input2: Tensor): Tensor {
  const numClasses = checkPair('symmetricMseLoss', input1, input2);
  return input1.sub(input2).pow(2).sum().div(numClasses);
}
