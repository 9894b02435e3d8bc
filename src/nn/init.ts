// torch.nn.init: PyTorch's initialisations, in place and without recording gradients.
import { noGrad } from '../autograd';
import type { Tensor } from '../tensor';

export type Nonlinearity = 'linear' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';
export type FanMode = 'fan_in' | 'fan_out';

/** The recommended gain for a nonlinearity (`param` is leaky ReLU's negative slope, default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv2d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.sqrt(2);
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new TypeError(`calculateGain: unsupported nonlinearity '${nonlinearity}'`);
  }
}

/** Fan in and fan out of a weight: `[out, in, ...kernel]` gives in * kernel and out * kernel. */
export function calculateFanInAndFanOut(tensor: Tensor): { fanIn: number; fanOut: number } {
  const shape = tensor.shape;
  if (shape.length < 2) throw new Error('Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
  const receptiveField = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptiveField, fanOut: shape[0] * receptiveField };
}

function fan(tensor: Tensor, mode: FanMode): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new TypeError(`mode ${String(mode)} not supported, please use one of fan_in, fan_out`);
  return mode === 'fan_in' ? fanIn : fanOut;
}

export function uniform_(tensor: Tensor, a = 0, b = 1): Tensor {
  return noGrad(() => tensor.uniform_(a, b));
}

export function normal_(tensor: Tensor, mean = 0, std = 1): Tensor {
  return noGrad(() => tensor.normal_(mean, std));
}

export function constant_(tensor: Tensor, value: number): Tensor {
  return noGrad(() => tensor.fill_(value));
}

export const ones_ = (tensor: Tensor): Tensor => constant_(tensor, 1);
export const zeros_ = (tensor: Tensor): Tensor => constant_(tensor, 0);

export interface KaimingOptions {
  /** The negative slope of the rectifier after this layer (leaky ReLU only). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

function kaimingStd(tensor: Tensor, { a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu' }: KaimingOptions): number {
  return calculateGain(nonlinearity, a) / Math.sqrt(fan(tensor, mode));
}

/** He et al.'s uniform init: U(-b, b) with b = gain * sqrt(3 / fan). */
export function kaimingUniform_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  // PyTorch's init leaves a zero-element tensor as it is (its fan is 0, the bound infinite).
  if (tensor.numel() === 0) return tensor;
  const bound = Math.sqrt(3) * kaimingStd(tensor, options);
  return uniform_(tensor, -bound, bound);
}

/** He et al.'s normal init: N(0, std^2) with std = gain / sqrt(fan). */
export function kaimingNormal_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  return normal_(tensor, 0, kaimingStd(tensor, options));
}

function xavierStd(tensor: Tensor, gain: number): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(tensor);
  return gain * Math.sqrt(2 / (fanIn + fanOut));
}

/** Glorot and Bengio's uniform init: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)). */
export function xavierUniform_(tensor: Tensor, options: { gain?: number } = {}): Tensor {
  const bound = Math.sqrt(3) * xavierStd(tensor, options.gain ?? 1);
  return uniform_(tensor, -bound, bound);
}

export function xavierNormal_(tensor: Tensor, options: { gain?: number } = {}): Tensor {
  return normal_(tensor, 0, xavierStd(tensor, options.gain ?? 1));
}
