// PyTorch-style printing of tensors (see toString).
import type { Tensor } from './tensor';

export function format(t: Tensor): string {
  return `tensor(${JSON.stringify(t.toArray())})`;
}
