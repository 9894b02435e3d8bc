// Tensor factories: from JS data, and the filled and random ones of PyTorch.
import { native } from './native';
import { callOp } from './ops';
import { Tensor, TypedArray, NestedArray } from './tensor';
import type { Dtype, TensorOptions } from './types';

const DTYPE_OF_ARRAY: [new (n: number) => TypedArray, Dtype][] = [
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [BigInt64Array, 'int64'],
  [Int32Array, 'int32'],
  [Int16Array, 'int16'],
  [Int8Array, 'int8'],
  [Uint8Array, 'uint8'],
];

// The TypedArray that holds a dtype's bytes, and the dtype those bytes are in.
function storageFor(dtype: Dtype): [new (n: number) => TypedArray, Dtype] {
  switch (dtype) {
    case 'float16':
    case 'bfloat16':
      return [Float32Array, 'float32'];
    case 'bool':
      return [Uint8Array, 'bool'];
    default: {
      const found = DTYPE_OF_ARRAY.find(([, d]) => d === dtype);
      if (!found) throw new TypeError(`unknown dtype '${dtype}'`);
      return [found[0], dtype];
    }
  }
}

function shapeOf(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

function flatten(data: NestedArray, shape: number[], dim: number, out: (number | boolean)[]): void {
  if (dim === shape.length) {
    if (typeof data !== 'number' && typeof data !== 'boolean') {
      throw new TypeError(`tensor: expected a number at depth ${dim}, got ${Array.isArray(data) ? 'an array' : typeof data}`);
    }
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new TypeError(`tensor: ragged nested array: expected length ${shape[dim]} at depth ${dim}`);
  }
  for (const item of data) flatten(item, shape, dim + 1, out);
}

// PyTorch's inference: booleans -> bool, all integers -> int64, otherwise float32.
function inferDtype(values: (number | boolean)[]): Dtype {
  if (values.length && values.every((v) => typeof v === 'boolean')) return 'bool';
  if (values.length && values.every((v) => typeof v === 'number' && Number.isInteger(v))) return 'int64';
  return 'float32';
}

/**
 * A tensor from a number, nested arrays, or a TypedArray (with `shape`, default 1-D). The data is
 * copied: the TypedArray stays the caller's and later writes to it do not reach the tensor.
 */
export function tensor(data: NestedArray | TypedArray, options: TensorOptions & { shape?: number[] } = {}): Tensor {
  if (ArrayBuffer.isView(data)) {
    const found = DTYPE_OF_ARRAY.find(([ctor]) => data instanceof ctor);
    if (!found) throw new TypeError('tensor: unsupported TypedArray type');
    const dtype = options.dtype ?? found[1];
    const shape = options.shape ?? [data.length];
    const [Storage, stored] = storageFor(dtype);
    const bytes = found[1] === stored ? data : convert(data, Storage);
    return new Tensor(native.fromData(bytes, shape, dtype, stored, options.device, options.requiresGrad));
  }
  const shape = shapeOf(data);
  const flat: (number | boolean)[] = [];
  flatten(data, shape, 0, flat);
  const dtype = options.dtype ?? inferDtype(flat);
  const [Storage, stored] = storageFor(dtype);
  const values = new Storage(flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    (values as unknown as (number | bigint)[])[i] = Storage === BigInt64Array ? BigInt(Math.trunc(Number(v))) : Number(v);
  }
  return new Tensor(native.fromData(values, shape, dtype, stored, options.device, options.requiresGrad));
}

function convert(data: TypedArray, Storage: new (n: number) => TypedArray): TypedArray {
  const out = new Storage(data.length);
  const big = Storage === BigInt64Array;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    (out as unknown as (number | bigint)[])[i] = big ? BigInt(Math.trunc(Number(v))) : Number(v);
  }
  return out;
}

type Size = number[];

function factoryOptions(options: TensorOptions): object {
  return { dtype: options.dtype, device: options.device };
}

function finish(t: Tensor, options: TensorOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

function sized(op: string, size: Size, options: TensorOptions): Tensor {
  return finish(callOp(op, [size], factoryOptions(options)), options);
}

export const zeros = (size: Size, options: TensorOptions = {}) => sized('zeros', size, options);
export const ones = (size: Size, options: TensorOptions = {}) => sized('ones', size, options);
export const empty = (size: Size, options: TensorOptions = {}) => sized('empty', size, options);
export const randn = (size: Size, options: TensorOptions = {}) => sized('randn', size, options);
export const rand = (size: Size, options: TensorOptions = {}) => sized('rand', size, options);

export function full(size: Size, value: number | boolean, options: TensorOptions = {}): Tensor {
  return finish(callOp('full', [size, value], factoryOptions(options)), options);
}

/** Integers drawn uniformly from [low, high): `randint(high, size)` or `randint(low, high, size)`. */
export function randint(low: number, high: number | Size, size?: Size | TensorOptions, options: TensorOptions = {}): Tensor {
  if (Array.isArray(high)) return randint(0, low, high, (size as TensorOptions) ?? {});
  return finish(callOp('randint', [low, high, size as Size], factoryOptions(options)), options);
}

/** `arange(end)`, `arange(start, end, step?)`; integers give int64, as in PyTorch. */
export function arange(start: number, end?: number | TensorOptions, step?: number | TensorOptions, options: TensorOptions = {}): Tensor {
  if (typeof end !== 'number') return arange(0, start, 1, (end as TensorOptions) ?? {});
  if (typeof step !== 'number') return arange(start, end, 1, (step as TensorOptions) ?? {});
  return finish(callOp('arange', [start, end, step], factoryOptions(options)), options);
}

export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  return finish(callOp('linspace', [start, end, steps], factoryOptions(options)), options);
}

export function eye(n: number, m?: number | TensorOptions, options: TensorOptions = {}): Tensor {
  if (typeof m !== 'number') return eye(n, n, (m as TensorOptions) ?? {});
  return finish(callOp('eye', [n, m], factoryOptions(options)), options);
}

function like(op: string, t: Tensor, options: TensorOptions): Tensor {
  return finish(callOp(op, [t], factoryOptions(options)), options);
}

export const zerosLike = (t: Tensor, options: TensorOptions = {}) => like('zeros_like', t, options);
export const onesLike = (t: Tensor, options: TensorOptions = {}) => like('ones_like', t, options);
export const randnLike = (t: Tensor, options: TensorOptions = {}) => like('randn_like', t, options);
