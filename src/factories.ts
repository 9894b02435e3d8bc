// Tensor factories: from JS data, the filled and random ones of PyTorch, and the torch.* functions
// that combine tensors (cat, stack, einsum, where) or mirror Tensor methods (torch.exp(t)).
import { native } from './native';
import { callOp } from './ops';
import { Tensor, TypedArray, NestedArray, TensorLike, ValuesIndices, tensorOp } from './tensor';
import { DTYPES } from './types';
import type { Dtype, TensorOptions } from './types';
import { checkArray, checkBool, checkInt, checkIsTensor, checkOptions, checkTensor, describe, fail } from './check';
import { ArgumentError, ArgumentValueError } from './errors';

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
      if (!found) throw new TypeError(`unknown dtype '${typeof dtype === 'string' ? dtype : describe(dtype)}': expected one of ${DTYPES.join(', ')}`);
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

function flattenInto(data: NestedArray, shape: number[], dim: number, out: (number | boolean)[]): void {
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
  for (const item of data) flattenInto(item, shape, dim + 1, out);
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
  checkTensorOptions('tensor', options);
  if (options.shape !== undefined) checkArray('tensor', 'shape', options.shape, (n, name) => checkInt('tensor', name, n, 0), 'an array of sizes');
  if (ArrayBuffer.isView(data)) {
    const found = DTYPE_OF_ARRAY.find(([ctor]) => data instanceof ctor);
    if (!found) throw new TypeError(`tensor: unsupported TypedArray type ${data.constructor.name}: expected one of ${DTYPE_OF_ARRAY.map(([ctor]) => ctor.name).join(', ')}`);
    const dtype = options.dtype ?? found[1];
    const shape = options.shape ?? [data.length];
    const [Storage, stored] = storageFor(dtype);
    const bytes = found[1] === stored ? data : convert(data, Storage);
    return new Tensor(native.fromData(bytes, shape, dtype, stored, options.device, options.requiresGrad));
  }
  const shape = shapeOf(data);
  // Nested arrays carry their shape; a `shape` given with them must be it.
  if (options.shape !== undefined && options.shape.join() !== shape.join()) {
    throw new ArgumentValueError(`tensor: shape [${options.shape}] given for nested arrays of shape [${shape}]`);
  }
  const flat: (number | boolean)[] = [];
  flattenInto(data, shape, 0, flat);
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

// The options' types (their values, an unknown dtype or device, are the addon's to judge, by name).
function checkTensorOptions(where: string, options: TensorOptions): void {
  checkOptions(where, options);
  const { dtype, device, requiresGrad } = options;
  if (dtype !== undefined && !(DTYPES as readonly unknown[]).includes(dtype)) {
    throw new ArgumentError(`unknown dtype '${typeof dtype === 'string' ? dtype : describe(dtype)}': expected one of ${DTYPES.join(', ')}`);
  }
  if (device !== undefined && typeof device !== 'string') fail(where, 'device', "'cpu', 'cuda' or 'cuda:N'", device);
  if (requiresGrad !== undefined) checkBool(where, 'requiresGrad', requiresGrad);
}

function finish(t: Tensor, options: TensorOptions): Tensor {
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

function sized(op: string, size: Size, options: TensorOptions): Tensor {
  checkTensorOptions(op, options);
  return finish(callOp(op, [size], factoryOptions(options)), options);
}

/** A tensor of zeros: `zeros([2, 3], { dtype, device, requiresGrad })` (float32 by default). */
export const zeros = (size: Size, options: TensorOptions = {}) => sized('zeros', size, options);
/** A tensor of ones. */
export const ones = (size: Size, options: TensorOptions = {}) => sized('ones', size, options);
/** A tensor whose elements are not set (whatever the memory held). */
export const empty = (size: Size, options: TensorOptions = {}) => sized('empty', size, options);
/** Standard normal samples from the global generator (`manualSeed` repeats them, as in PyTorch). */
export const randn = (size: Size, options: TensorOptions = {}) => sized('randn', size, options);
/** Uniform samples from [0, 1) from the global generator. */
export const rand = (size: Size, options: TensorOptions = {}) => sized('rand', size, options);

/** A tensor filled with `value`; the dtype follows the value (int64 for integers), as in PyTorch. */
export function full(size: Size, value: number | boolean, options: TensorOptions = {}): Tensor {
  checkTensorOptions('full', options);
  return finish(callOp('full', [size, value], factoryOptions(options)), options);
}

/** Integers drawn uniformly from [low, high): `randint(high, size)` or `randint(low, high, size)`. */
export function randint(low: number, high: number | Size, size?: Size | TensorOptions, options: TensorOptions = {}): Tensor {
  if (Array.isArray(high)) return randint(0, low, high, (size as TensorOptions) ?? {});
  checkTensorOptions('randint', options);
  return finish(callOp('randint', [low, high, size as Size], factoryOptions(options)), options);
}

/** `arange(end)`, `arange(start, end, step?)`; integers give int64, as in PyTorch. */
export function arange(start: number, end?: number | TensorOptions, step?: number | TensorOptions, options: TensorOptions = {}): Tensor {
  if (typeof end !== 'number') {
    if (step !== undefined) fail('arange', ['step', 3], 'left out after the options', step);
    return arange(0, start, 1, (end as TensorOptions) ?? {});
  }
  if (typeof step !== 'number') return arange(start, end, 1, (step as TensorOptions) ?? {});
  checkTensorOptions('arange', options);
  return finish(callOp('arange', [start, end, step], factoryOptions(options)), options);
}

/** `steps` evenly spaced values from `start` to `end` inclusive. */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  checkTensorOptions('linspace', options);
  return finish(callOp('linspace', [start, end, steps], factoryOptions(options)), options);
}

/** The `n` x `m` (default square) identity matrix. */
export function eye(n: number, m?: number | TensorOptions, options: TensorOptions = {}): Tensor {
  checkInt('eye', ['n', 1], n, 0);
  if (typeof m !== 'number') return eye(n, n, (m as TensorOptions) ?? {});
  checkTensorOptions('eye', options);
  return finish(callOp('eye', [n, m], factoryOptions(options)), options);
}

function like(op: string, t: Tensor, options: TensorOptions): Tensor {
  checkTensor(op, ['input', 1], t);
  checkTensorOptions(op, options);
  return finish(callOp(op, [t], factoryOptions(options)), options);
}

/** Zeros shaped like `t`, of its dtype and device unless the options say otherwise. */
export const zerosLike = (t: Tensor, options: TensorOptions = {}) => like('zeros_like', t, options);
/** Ones shaped like `t`, of its dtype and device unless the options say otherwise. */
export const onesLike = (t: Tensor, options: TensorOptions = {}) => like('ones_like', t, options);
/** Standard normal samples shaped like `t`. */
export const randnLike = (t: Tensor, options: TensorOptions = {}) => like('randn_like', t, options);

// ---- combining tensors ------------------------------------------------------------------------

/** Joins tensors along an existing dim: `cat([a, b], 0)`. */
export function cat(tensors: Tensor[], dim: number | { dim?: number } = 0): Tensor {
  return tensorOp('cat', [tensors, dimArgument('cat', dim)]);
}

// `cat(ts, 1)` or `cat(ts, { dim: 1 })`.
function dimArgument(where: string, dim: number | { dim?: number }): number {
  return typeof dim === 'number' ? dim : checkInt(where, 'dim', checkOptions(where, dim, ['dim', 2]).dim ?? 0);
}

/** Joins same-shaped tensors along a new dim: `stack([a, b], 1)`. */
export function stack(tensors: Tensor[], dim: number | { dim?: number } = 0): Tensor {
  return tensorOp('stack', [tensors, dimArgument('stack', dim)]);
}

/** Einstein summation: `einsum('nc,ck->nk', q, queue)` or `einsum('ij->ji', [a])`. */
export function einsum(equation: string, ...operands: (Tensor | Tensor[])[]): Tensor {
  const tensors = operands.length === 1 && Array.isArray(operands[0]) ? operands[0] : (operands as Tensor[]);
  return tensorOp('einsum', [equation, tensors]);
}

/** Elements of `x` where `condition` holds, else of `y`; either may be a number. */
export function where(condition: Tensor, x: TensorLike, y: TensorLike): Tensor {
  checkIsTensor('where', ['condition', 1], condition);
  return tensorOp('where', [condition, x, y]);
}

// ---- torch.NAME(t, ...) forms of Tensor methods, as PyTorch has them ----------------------------

type MethodName = {
  [K in keyof Tensor]: Tensor[K] extends (...args: never[]) => unknown ? K : never;
}[keyof Tensor];
type ArgsOf<K extends MethodName> = Tensor[K] extends (...args: infer A) => unknown ? A : never;
type ResultOf<K extends MethodName> = Tensor[K] extends (...args: never[]) => infer R ? R : never;

// The Tensor a `torch.NAME(t, ...)` form calls its method on (a disposed one is the method's to name).
const tensorInput = (name: string, t: unknown): Tensor => checkIsTensor(name, ['input', 1], t);

function functionOf<K extends MethodName>(name: K): (t: Tensor, ...args: ArgsOf<K>) => ResultOf<K> {
  return (t, ...args) => (tensorInput(String(name), t)[name] as (...a: unknown[]) => ResultOf<K>)(...args);
}

export const add = functionOf('add');
export const sub = functionOf('sub');
export const mul = functionOf('mul');
export const div = functionOf('div');
export const pow = functionOf('pow');
export const neg = functionOf('neg');
export const exp = functionOf('exp');
export const log = functionOf('log');
export const sqrt = functionOf('sqrt');
export const abs = functionOf('abs');
export const sigmoid = functionOf('sigmoid');
export const tanh = functionOf('tanh');
export const relu = functionOf('relu');
export const matmul = functionOf('matmul');
export const mm = functionOf('mm');
export const bmm = functionOf('bmm');
export const transpose = functionOf('transpose');
export const permute = functionOf('permute');
export const reshape = functionOf('reshape');
export const flatten = functionOf('flatten');
export const unsqueeze = functionOf('unsqueeze');
export const squeeze = functionOf('squeeze');
export const clone = functionOf('clone');
export const detach = functionOf('detach');
export const sum = functionOf('sum');
export const mean = functionOf('mean');
export const std = functionOf('std');
const variance = functionOf('var');
export { variance as var };
export const argmax = functionOf('argmax');
export const argmin = functionOf('argmin');
export const softmax = functionOf('softmax');
export const logSoftmax = functionOf('logSoftmax');
export const clamp = functionOf('clamp');
export const eq = functionOf('eq');
export const ne = functionOf('ne');
export const gt = functionOf('gt');
export const lt = functionOf('lt');
export const ge = functionOf('ge');
export const le = functionOf('le');
export const maskedFill = functionOf('maskedFill');
export const indexSelect = functionOf('indexSelect');
export const gather = functionOf('gather');
export const narrow = functionOf('narrow');
export const chunk = functionOf('chunk');
export const split = functionOf('split');
export const flip = functionOf('flip');
export const roll = functionOf('roll');
export const norm = functionOf('norm');
export const topk = functionOf('topk');
export const sort = functionOf('sort');
export const lerp = functionOf('lerp');
export const logsumexp = functionOf('logsumexp');

/** `torch.max(t)`, `torch.max(t, dim)` -> `{ values, indices }`, `torch.max(a, b)` elementwise. */
export function max(t: Tensor): Tensor;
export function max(t: Tensor, other: Tensor): Tensor;
export function max(t: Tensor, dim: number | { dim: number; keepdim?: boolean }, options?: { keepdim?: boolean }): ValuesIndices;
export function max(t: Tensor, ...args: unknown[]): Tensor | ValuesIndices {
  return (tensorInput('max', t).max as (...a: unknown[]) => Tensor | ValuesIndices)(...args);
}

/** `torch.min(t)`, `torch.min(t, dim)` -> `{ values, indices }`, `torch.min(a, b)` elementwise. */
export function min(t: Tensor): Tensor;
export function min(t: Tensor, other: Tensor): Tensor;
export function min(t: Tensor, dim: number | { dim: number; keepdim?: boolean }, options?: { keepdim?: boolean }): ValuesIndices;
export function min(t: Tensor, ...args: unknown[]): Tensor | ValuesIndices {
  return (tensorInput('min', t).min as (...a: unknown[]) => Tensor | ValuesIndices)(...args);
}
