// LayerNorm, as PyTorch's normalization.py.
import { empty } from '../factories';
import * as F from '../functional';
import type { Tensor } from '../tensor';
import { ones_, zeros_ } from './init';
import type { FactoryOptions } from './linear';
import { Module, Parameter } from './module';
import { checkArray, checkBool, checkInt, checkNumber, checkOptions } from '../check';
import { ArgumentValueError } from '../errors';

/** Normalizes over the trailing `normalizedShape` dims, with an elementwise affine map. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  weight: Parameter | null;
  bias: Parameter | null;
  readonly eps: number;

  constructor(normalizedShape: number | number[], options: { eps?: number; elementwiseAffine?: boolean } & FactoryOptions = {}) {
    super();
    const size = (n: unknown, name: string | [string, number]) => checkInt('LayerNorm', name, n, 0);
    this.normalizedShape = Array.isArray(normalizedShape) ? checkArray('LayerNorm', ['normalizedShape', 1], normalizedShape, size) : [size(normalizedShape, ['normalizedShape', 1])];
    if (!Number.isSafeInteger(this.normalizedShape.reduce((a, b) => a * b, 1))) throw new ArgumentValueError(`LayerNorm: normalizedShape [${this.normalizedShape}] has more elements than a tensor can hold`);
    checkOptions('LayerNorm', options, ['options', 2]);
    this.eps = checkNumber('LayerNorm', 'eps', options.eps ?? 1e-5, { min: 0 });
    const affine = checkBool('LayerNorm', 'elementwiseAffine', options.elementwiseAffine ?? true);
    const factory = { device: options.device, dtype: options.dtype };
    this.weight = affine ? new Parameter(ones_(empty(this.normalizedShape, factory))) : null;
    this.bias = affine ? new Parameter(zeros_(empty(this.normalizedShape, factory))) : null;
  }

  forward(input: Tensor): Tensor {
    return F.layerNorm(input, this.normalizedShape, this.weight, this.bias, { eps: this.eps });
  }
}
