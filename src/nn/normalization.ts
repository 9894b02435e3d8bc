// LayerNorm, as PyTorch's normalization.py.
import { empty } from '../factories';
import * as F from '../functional';
import type { Tensor } from '../tensor';
import { ones_, zeros_ } from './init';
import type { FactoryOptions } from './linear';
import { Module, Parameter } from './module';

/** Normalizes over the trailing `normalizedShape` dims, with an elementwise affine map. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  weight: Parameter | null;
  bias: Parameter | null;
  readonly eps: number;

  constructor(normalizedShape: number | number[], options: { eps?: number; elementwiseAffine?: boolean } & FactoryOptions = {}) {
    super();
    this.normalizedShape = Array.isArray(normalizedShape) ? [...normalizedShape] : [normalizedShape];
    this.eps = options.eps ?? 1e-5;
    const affine = options.elementwiseAffine ?? true;
    const factory = { device: options.device, dtype: options.dtype };
    this.weight = affine ? new Parameter(ones_(empty(this.normalizedShape, factory))) : null;
    this.bias = affine ? new Parameter(zeros_(empty(this.normalizedShape, factory))) : null;
  }

  forward(input: Tensor): Tensor {
    return F.layerNorm(input, this.normalizedShape, this.weight, this.bias, { eps: this.eps });
  }
}
