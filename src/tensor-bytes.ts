// Tensors to and from raw little-endian bytes in row-major order: the storage records of PyTorch
// files and the data of safetensors files. 16-bit floats cross as their bit patterns.
import { native } from './native';
import { Tensor, tensorOp } from './tensor';
import type { Dtype } from './types';

const BIT_PATTERN: Partial<Record<Dtype, Dtype>> = { float16: 'int16', bfloat16: 'int16' };

/** A new CPU tensor of `dtype` and `shape` holding a copy of `bytes`. */
export function tensorFromBytes(bytes: Uint8Array, dtype: Dtype, shape: number[]): Tensor {
  const stored = BIT_PATTERN[dtype];
  if (!stored) return new Tensor(native.fromData(bytes, shape, dtype));
  const bits = new Tensor(native.fromData(bytes, shape, stored));
  const out = tensorOp('view', [bits, dtype]);
  bits.dispose();
  return out;
}

/** A copy of the tensor's elements as bytes (contiguous, from any device). */
export function tensorBytes(t: Tensor): Uint8Array {
  const stored = BIT_PATTERN[t.dtype];
  let data;
  if (stored) {
    const bits = tensorOp('view', [t, stored]);
    data = bits.dataSync();
    bits.dispose();
  } else {
    data = t.dataSync();
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
