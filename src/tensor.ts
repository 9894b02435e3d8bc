// The Tensor: a handle to a LibTorch at::Tensor, with PyTorch's methods. The hottest binary ops
// have typed fast paths in the addon; every other method is a thin call of its ATen operator
// through the generic path (native/dispatch.cc), so autograd records both alike.
import { native, Results } from './native';
import type { Handle } from './native';
import { opId } from './ops';
import { track } from './scope';
import { libtorchAtLeast } from './runtime';
import { format } from './format';
import { DTYPES } from './types';
import type { Device, Dtype } from './types';
import { checkBool, checkInt, checkIsTensor, checkOptions, checkTensor, describe, isPlainObject } from './check';
import { ArgumentError } from './errors';

export type TypedArray =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

/** Nested JS arrays of numbers (or booleans), as `toArray()` returns them. */
export type NestedArray = number | boolean | NestedArray[];

/** A Tensor, or a number (or boolean) standing for a 0-dim tensor as in Python's `t + 2`. */
export type TensorLike = Tensor | number | boolean;

/** Dimension arguments of reductions: `t.sum(1)`, `t.sum([0, 1])`, `t.sum({ dim: 1, keepdim: true })`. */
export interface ReduceOptions {
  dim?: number | number[];
  keepdim?: boolean;
  dtype?: Dtype;
}

/** A pair of values and indices (PyTorch's named tuple): destructure it or read its fields. */
export type ValuesIndices = [Tensor, Tensor] & { values: Tensor; indices: Tensor };

/**
 * One index of `t.index(...)`, as in Python's `t[...]`: a number selects (and drops the dim), a
 * slice string (`':'`, `'1:3'`, `'::2'`, `'-1:'`) or `slice(start, stop, step)` keeps it, `null`
 * inserts a new dim, `'...'` skips the remaining dims, and a Tensor (integer or bool) or an array of
 * integers indexes by value (advanced indexing).
 */
export type IndexSpec = number | null | string | Slice | Tensor | number[];

/** A Python slice `start:stop:step`; missing parts take Python's defaults. */
export class Slice {
  constructor(
    readonly start: number | null = null,
    readonly stop: number | null = null,
    readonly step = 1,
  ) {}
}

/** `slice(1, 3)` is Python's `1:3`; `slice(null, null, 2)` is `::2`. */
export function slice(start: number | null = null, stop: number | null = null, step = 1): Slice {
  return new Slice(start, stop, step);
}

const ARRAY_TYPES: Record<string, { new (buffer: ArrayBuffer): TypedArray }> = {
  float32: Float32Array,
  float64: Float64Array,
  int64: BigInt64Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
};

// ---- the generic path, as typed wrappers use it ----------------------------------------------

// The arguments as the addon takes them fastest: each Tensor replaced by its bare handle, with a
// bit mask saying which (so the addon reads no `_h` property), then the options given (not
// undefined) as name, value pairs (so the addon lists no object's properties).
function call(name: string, args: unknown[], kwargs: object | undefined, results: Results): unknown {
  const given: unknown[] = new Array(args.length);
  let handleMask = 0;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg instanceof Tensor && i < 32) {
      given[i] = arg._h;
      handleMask |= 1 << i;
    } else {
      given[i] = arg;
    }
  }
  if (kwargs !== undefined) {
    for (const [key, value] of Object.entries(kwargs)) if (value !== undefined) given.push(key, value);
  }
  return native.call(opId(name), results, handleMask, args.length, ...given);
}

/** Calls ATen operator `name` (overload optional: `'add.Tensor'`) whose result is one tensor. */
export function tensorOp(name: string, args: unknown[], kwargs?: object): Tensor {
  return new Tensor(call(name, args, kwargs, Results.Handle) as Handle);
}

/** Calls ATen operator `name` whose result is a list or tuple of tensors. */
export function tensorsOp(name: string, args: unknown[], kwargs?: object): Tensor[] {
  return call(name, args, kwargs, Results.Values) as Tensor[];
}

// Calls an in-place operator on `self` and returns `self` itself, as PyTorch does.
function inPlace(self: Tensor, name: string, args: unknown[], kwargs?: object): Tensor {
  call(name, [self, ...args], kwargs, Results.None);
  return self;
}

function valuesIndices(pair: Tensor[]): ValuesIndices {
  return Object.assign(pair as [Tensor, Tensor], { values: pair[0], indices: pair[1] });
}

// `reshape([3, 4])` and `reshape(3, 4)` both work, as in PyTorch.
function sizeArgs(args: (number | number[])[]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? args[0] : (args as number[]);
}

const asList = (dims: number | number[]): number[] => (Array.isArray(dims) ? dims : [dims]);

// `(dim?, options?)` or `(options)` of reductions, merged into one options object (a null dim is
// Python's `dim=None`: all of them).
type DimOptions = ReduceOptions & VarianceOptions;
function reduceArgs(where: string, dim?: number | number[] | DimOptions | null, options?: DimOptions): DimOptions {
  if (dim !== null && typeof dim === 'object' && !Array.isArray(dim)) {
    if (options !== undefined) throw new ArgumentError(`${where}: takes (dim, options) or (options), got a second argument after the options`);
    return checkOptions(where, dim, ['dim', 1]);
  }
  if (options === undefined) return { dim: dim ?? undefined };
  checkOptions(where, options, ['options', 2]);
  return { ...options, dim: dim ?? options.dim };
}

// Keyword arguments are read by name on the native side, so they are passed only when given.
const dtypeOption = (dtype?: Dtype) => (dtype === undefined ? undefined : { dtype });

// Reductions with a typed path in the addon for `(dims, keepdim)`.
const dimsReductions: Record<string, ((h: Handle, dim: number | number[], keepdim: boolean) => Handle) | undefined> = {
  sum: native.sumDims,
  mean: native.meanDims,
};

// A reduction over all elements, or over `dim` (the `.dim` overloads), positionally. (A single
// dim is passed as a number: the addon takes one int for a dim list, as Python does.)
function reduction(name: string, self: Tensor, options: ReduceOptions): Tensor {
  const { dim, keepdim, dtype } = options;
  if (keepdim !== undefined) checkBool(name, 'keepdim', keepdim);
  if (dim === undefined) return tensorOp(name, [self], dtypeOption(dtype));
  const typed = dimsReductions[name];
  if (typed !== undefined && dtype === undefined && (typeof dim === 'number' || Array.isArray(dim))) {
    return new Tensor(typed(self._h, dim, keepdim ?? false));
  }
  return tensorOp(name, [self, dim, keepdim ?? false], dtypeOption(dtype));
}

// In-place arithmetic by the addon's typed paths when `other` is a tensor or a number (given apart:
// a bare handle is a number too), else by the generic path.
type InPlaceFast = (h: Handle, other: number, alpha?: number) => void;
const arithmeticInPlaceFast: Record<'add_' | 'sub_' | 'mul_' | 'div_', { tensor: InPlaceFast; scalar: InPlaceFast }> = {
  add_: { tensor: native.add_, scalar: native.add_Scalar },
  sub_: { tensor: native.sub_, scalar: native.sub_Scalar },
  mul_: { tensor: native.mul_, scalar: native.mul_Scalar },
  div_: { tensor: native.div_, scalar: native.div_Scalar },
};
function arithmeticInPlace(self: Tensor, name: keyof typeof arithmeticInPlaceFast, other: TensorLike, options?: { alpha?: number }): Tensor {
  const alpha = options?.alpha;
  if (alpha !== undefined && typeof alpha !== 'number') inPlace(self, name, [other], options); // the generic path names what is wrong
  else if (other instanceof Tensor) arithmeticInPlaceFast[name].tensor(self._h, other._h, alpha);
  else if (typeof other === 'number') arithmeticInPlaceFast[name].scalar(self._h, other, alpha);
  else inPlace(self, name, [other], options);
  return self;
}

function isDtype(name: string): name is Dtype {
  return (DTYPES as readonly string[]).includes(name);
}

export class Tensor {
  /** The addon's handle; -1 once disposed. */
  _h: Handle;

  constructor(handle: Handle) {
    this._h = handle;
    track(this);
  }

  // ---- properties -----------------------------------------------------------------------------

  /** The sizes of each dimension (a fresh array). */
  get shape(): number[] {
    return native.shape(this);
  }

  /** The element type: `'float32'`, `'int64'`, ... */
  get dtype(): Dtype {
    return native.dtype(this) as Dtype;
  }

  /** `'cpu'` or `'cuda:N'`. */
  get device(): Device {
    return native.device(this);
  }

  /** The number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** The number of dimensions (PyTorch's `dim()`). */
  dim(): number {
    return this.ndim;
  }

  /** `size()` is the shape; `size(d)` the size of dimension `d` (negative counts from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    const shape = this.shape;
    if (dim === undefined) return shape;
    checkInt('size', ['dim', 1], dim);
    const d = dim < 0 ? dim + shape.length : dim;
    if (d < 0 || d >= shape.length) throw new RangeError(`size: dimension ${dim} out of range for a ${shape.length}-dim tensor`);
    return shape[d];
  }

  /** Whether the tensor lives on a CUDA device. */
  get isCuda(): boolean {
    return this.device.startsWith('cuda');
  }

  /** Whether `dispose()` (or the end of its `tidy`) has freed the tensor. */
  get isDisposed(): boolean {
    return this._h < 0;
  }

  /** The number of elements. */
  numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Whether the elements lie in row-major order without gaps. */
  isContiguous(): boolean {
    return native.isContiguous(this);
  }

  /** Whether autograd records operations on this tensor. */
  get requiresGrad(): boolean {
    return native.requiresGrad(this);
  }

  set requiresGrad(flag: boolean) {
    native.setRequiresGrad(this, flag);
  }

  /** The accumulated gradient, or null. Each read returns a new Tensor sharing the grad's storage. */
  get grad(): Tensor | null {
    const h = native.grad(this);
    return h === null ? null : new Tensor(h);
  }

  set grad(g: Tensor | null) {
    native.setGrad(this, g);
  }

  /** True for tensors made by the user rather than by an op that autograd recorded. */
  get isLeaf(): boolean {
    return native.isLeaf(this);
  }

  /** The autograd node that made this tensor (`{ name: 'AddBackward0' }`), or null for leaves. */
  get gradFn(): { name: string } | null {
    const name = native.gradFn(this);
    return name === null ? null : { name };
  }

  // ---- data out -------------------------------------------------------------------------------

  /** The value of a one-element tensor as a JS number (or boolean for bool tensors). */
  item(): number {
    return native.item(this) as number;
  }

  /**
   * A copy of the elements in row-major order, on the CPU, from any device. The array is always a
   * fresh copy: writing to it never changes the tensor, and it stays valid after `dispose()`.
   * int64 comes out as BigInt64Array, bool as Uint8Array, float16 and bfloat16 as Float32Array.
   */
  dataSync(): TypedArray {
    const { buffer, dtype } = native.toData(this);
    return new ARRAY_TYPES[dtype](buffer);
  }

  /** Nested JS arrays (numbers; booleans for bool tensors), like PyTorch's `tolist()`. */
  toArray(): NestedArray {
    const data = this.dataSync();
    const isBool = this.dtype === 'bool';
    const flat: (number | boolean)[] = Array.from(data as ArrayLike<number | bigint>, (v) =>
      isBool ? v !== 0 : Number(v),
    );
    const shape = this.shape;
    if (shape.length === 0) return flat[0];
    let offset = 0;
    const build = (dim: number): NestedArray[] => {
      const out: NestedArray[] = [];
      for (let i = 0; i < shape[dim]; i++) {
        if (dim === shape.length - 1) out.push(flat[offset++]);
        else out.push(build(dim + 1));
      }
      return out;
    };
    return build(0);
  }

  /** Prints as PyTorch's `str(t)` does: `tensor([[1., 2.],\n        [3., 4.]])`. */
  toString(): string {
    return format(this);
  }

  /** `console.log` shows the PyTorch form. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.isDisposed ? 'Tensor(disposed)' : this.toString();
  }

  // ---- lifetime -------------------------------------------------------------------------------

  /** Frees the tensor's memory now. Using it afterwards throws; disposing twice is harmless. */
  dispose(): void {
    if (this._h >= 0) {
      native.dispose(this._h);
      this._h = -1;
    }
  }

  /** Frees the tensor (`using t = ...` disposes it at the end of the block). */
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- arithmetic (fast paths for the hottest binary ops) ---------------------------------------
  // Each op calls its own addon function: one table-driven helper for the four, tried, made every
  // call ~0.08 us slower (one call site reaching four natives; bench/ops, add 0.88x -> 1.00x).

  /** `this + alpha * other`, broadcasting. */
  add(other: TensorLike, options?: { alpha?: number }): Tensor {
    if (options?.alpha === undefined) {
      if (other instanceof Tensor) return new Tensor(native.add(this._h, other._h));
      if (typeof other === 'number') return new Tensor(native.addScalar(this._h, other));
    }
    return tensorOp('add', [this, other], options);
  }

  /** `this - alpha * other`, broadcasting. */
  sub(other: TensorLike, options?: { alpha?: number }): Tensor {
    if (options?.alpha === undefined) {
      if (other instanceof Tensor) return new Tensor(native.sub(this._h, other._h));
      if (typeof other === 'number') return new Tensor(native.subScalar(this._h, other));
    }
    return tensorOp('sub', [this, other], options);
  }

  /** `this * other`, broadcasting. */
  mul(other: TensorLike): Tensor {
    if (other instanceof Tensor) return new Tensor(native.mul(this._h, other._h));
    if (typeof other === 'number') return new Tensor(native.mulScalar(this._h, other));
    return tensorOp('mul', [this, other]);
  }

  /** True division; `{ roundingMode: 'trunc' | 'floor' }` rounds as PyTorch does. */
  div(other: TensorLike, options?: { roundingMode?: 'trunc' | 'floor' }): Tensor {
    if (options?.roundingMode === undefined) {
      if (other instanceof Tensor) return new Tensor(native.div(this._h, other._h));
      if (typeof other === 'number') return new Tensor(native.divScalar(this._h, other));
    }
    return tensorOp('div', [this, other], options);
  }

  /** Matrix product with PyTorch's broadcasting rules for 1-D and batched operands. */
  matmul(other: Tensor): Tensor {
    if (!(other instanceof Tensor)) return tensorOp('matmul', [this, other]);
    return new Tensor(native.matmul(this._h, other._h));
  }

  /** Matrix product of two 2-D tensors. */
  mm(other: Tensor): Tensor {
    return tensorOp('mm', [this, other]);
  }

  /** Batched matrix product of `[b, n, m]` and `[b, m, p]`. */
  bmm(other: Tensor): Tensor {
    return tensorOp('bmm', [this, other]);
  }

  /** `this ** exponent` (elementwise; the exponent may be a tensor). */
  pow(exponent: TensorLike): Tensor {
    return tensorOp('pow', [this, exponent]);
  }

  /** `this + value * tensor1 * tensor2`. */
  addcmul(tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): Tensor {
    return tensorOp('addcmul', [this, tensor1, tensor2], options);
  }

  /** `this + value * tensor1 / tensor2`. */
  addcdiv(tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): Tensor {
    return tensorOp('addcdiv', [this, tensor1, tensor2], options);
  }

  /** `this + weight * (end - this)`. */
  lerp(end: Tensor, weight: TensorLike): Tensor {
    return tensorOp('lerp', [this, end, weight]);
  }

  /** Python's `%`: the remainder with the divisor's sign. */
  remainder(other: TensorLike): Tensor {
    return tensorOp('remainder', [this, other]);
  }

  /** `-this`. */
  neg(): Tensor {
    return new Tensor(native.neg(this._h));
  }

  /** e to the power of each element. */
  exp(): Tensor {
    return new Tensor(native.exp(this._h));
  }

  /** The natural logarithm (nan below 0, -inf at 0). */
  log(): Tensor {
    return new Tensor(native.log(this._h));
  }

  /** `log(1 + x)`, accurate near 0. */
  log1p(): Tensor {
    return tensorOp('log1p', [this]);
  }

  /** The square root. */
  sqrt(): Tensor {
    return tensorOp('sqrt', [this]);
  }

  /** `1 / sqrt(x)`. */
  rsqrt(): Tensor {
    return tensorOp('rsqrt', [this]);
  }

  /** `x * x`. */
  square(): Tensor {
    return tensorOp('square', [this]);
  }

  /** The absolute value. */
  abs(): Tensor {
    return tensorOp('abs', [this]);
  }

  /** -1, 0 or 1 by the sign of each element. */
  sign(): Tensor {
    return tensorOp('sign', [this]);
  }

  /** `1 / x`. */
  reciprocal(): Tensor {
    return tensorOp('reciprocal', [this]);
  }

  /** Rounds down. */
  floor(): Tensor {
    return tensorOp('floor', [this]);
  }

  /** Rounds up. */
  ceil(): Tensor {
    return tensorOp('ceil', [this]);
  }

  /** Rounds half to even, as PyTorch does. */
  round(): Tensor {
    return tensorOp('round', [this]);
  }

  /** The sine. */
  sin(): Tensor {
    return tensorOp('sin', [this]);
  }

  /** The cosine. */
  cos(): Tensor {
    return tensorOp('cos', [this]);
  }

  /** `1 / (1 + exp(-x))`. */
  sigmoid(): Tensor {
    return new Tensor(native.sigmoid(this._h));
  }

  /** The hyperbolic tangent. */
  tanh(): Tensor {
    return new Tensor(native.tanh(this._h));
  }

  /** `max(x, 0)`. */
  relu(): Tensor {
    return new Tensor(native.relu(this._h));
  }

  /** Clamps into [min, max]; either bound may be omitted (null) or be a tensor: `clamp(0, 1)`, `clamp({ min: 0 })`. */
  clamp(min?: TensorLike | null | { min?: TensorLike; max?: TensorLike }, max?: TensorLike | null): Tensor {
    const [lo, hi] = clampBounds(min, max);
    return tensorOp('clamp', [this, lo, hi]);
  }

  /** `max(x, min)`. */
  clampMin(min: TensorLike): Tensor {
    return tensorOp('clamp_min', [this, min]);
  }

  /** `min(x, max)`. */
  clampMax(max: TensorLike): Tensor {
    return tensorOp('clamp_max', [this, max]);
  }

  // ---- comparisons and logic --------------------------------------------------------------------

  /** Elementwise `==` (a bool tensor), broadcasting. */
  eq(other: TensorLike): Tensor {
    return tensorOp('eq', [this, other]);
  }

  /** Elementwise `!=` (a bool tensor), broadcasting. */
  ne(other: TensorLike): Tensor {
    return tensorOp('ne', [this, other]);
  }

  /** Elementwise `>` (a bool tensor), broadcasting. */
  gt(other: TensorLike): Tensor {
    return tensorOp('gt', [this, other]);
  }

  /** Elementwise `<` (a bool tensor), broadcasting. */
  lt(other: TensorLike): Tensor {
    return tensorOp('lt', [this, other]);
  }

  /** Elementwise `>=` (a bool tensor), broadcasting. */
  ge(other: TensorLike): Tensor {
    return tensorOp('ge', [this, other]);
  }

  /** Elementwise `<=` (a bool tensor), broadcasting. */
  le(other: TensorLike): Tensor {
    return tensorOp('le', [this, other]);
  }

  /** Elementwise logical not (a bool tensor). */
  logicalNot(): Tensor {
    return tensorOp('logical_not', [this]);
  }

  /** Elementwise logical and (a bool tensor). */
  logicalAnd(other: Tensor): Tensor {
    checkIsTensor('logical_and', ['other', 1], other);
    return tensorOp('logical_and', [this, other]);
  }

  /** Elementwise logical or (a bool tensor). */
  logicalOr(other: Tensor): Tensor {
    checkIsTensor('logical_or', ['other', 1], other);
    return tensorOp('logical_or', [this, other]);
  }

  /** Elements of `this` where `condition` holds, else of `other` (PyTorch's `x.where(cond, y)`). */
  where(condition: Tensor, other: TensorLike): Tensor {
    checkIsTensor('where', ['condition', 1], condition);
    return tensorOp('where', [condition, this, other]);
  }

  /** A copy with `value` wherever `mask` is true. */
  maskedFill(mask: Tensor, value: TensorLike): Tensor {
    return tensorOp('masked_fill', [this, mask, value]);
  }

  /** True if every element (or every along `dim`) is non-zero. */
  all(dim?: number | { dim?: number; keepdim?: boolean }): Tensor {
    return reduction('all', this, reduceArgs('all', dim));
  }

  /** True if any element (or any along `dim`) is non-zero. */
  any(dim?: number | { dim?: number; keepdim?: boolean }): Tensor {
    return reduction('any', this, reduceArgs('any', dim));
  }

  // ---- reductions -------------------------------------------------------------------------------

  /** Sum of all elements, or along `dim`: `sum()`, `sum(1)`, `sum({ dim: [0, 1], keepdim: true })`. */
  sum(dim?: number | number[] | ReduceOptions, options?: ReduceOptions): Tensor {
    if (dim === undefined && options === undefined) return new Tensor(native.sumAll(this._h));
    return reduction('sum', this, reduceArgs('sum', dim, options));
  }

  /** Mean of all elements, or along `dim` (same arguments as `sum`). */
  mean(dim?: number | number[] | ReduceOptions, options?: ReduceOptions): Tensor {
    return reduction('mean', this, reduceArgs('mean', dim, options));
  }

  /** Product of all elements, or along `dim`. */
  prod(dim?: number | ReduceOptions, options?: ReduceOptions): Tensor {
    return reduction('prod', this, reduceArgs('prod', dim, options));
  }

  /** Standard deviation; `unbiased` (default true) divides by N - 1, or give `correction`. */
  std(dim?: number | number[] | VarianceOptions, options?: VarianceOptions): Tensor {
    return variance('std', this, reduceArgs('std', dim, options));
  }

  /** Variance; same arguments as `std`. */
  var(dim?: number | number[] | VarianceOptions, options?: VarianceOptions): Tensor {
    return variance('var', this, reduceArgs('var', dim, options));
  }

  /** The p-norm (default `'fro'`, the 2-norm of all elements) of all elements, or along `dim`. */
  norm(p: number | 'fro' = 'fro', options: { dim?: number | number[]; keepdim?: boolean } = {}): Tensor {
    const dims = options.dim === undefined ? Array.from({ length: this.ndim }, (_, i) => i) : asList(options.dim);
    // PyTorch 2.x's torch.norm runs linalg.vector_norm (1.13's ran aten::norm): the same values,
    // and the grad_fn Python shows.
    return tensorOp(libtorchAtLeast(2) ? 'linalg_vector_norm' : 'norm', [this, p === 'fro' ? 2 : p, dims, options.keepdim ?? false]);
  }

  /** `log(sum(exp(x)))` along `dim`, computed stably. */
  logsumexp(dim: number | number[], options: { keepdim?: boolean } = {}): Tensor {
    return tensorOp('logsumexp', [this, asList(dim), options.keepdim ?? false]);
  }

  /** Cumulative sum along `dim`. */
  cumsum(dim: number, options: { dtype?: Dtype } = {}): Tensor {
    return tensorOp('cumsum', [this, dim], dtypeOption(options.dtype));
  }

  /**
   * `max()`: the largest element. `max(dim)` / `max({ dim, keepdim })`: `{ values, indices }` along
   * `dim` (also destructurable: `const [v, i] = t.max(1)`). `max(other)`: the elementwise maximum.
   */
  max(): Tensor;
  max(other: Tensor): Tensor;
  max(dim: number | { dim: number; keepdim?: boolean }, options?: { keepdim?: boolean }): ValuesIndices;
  max(dim?: number | Tensor | { dim: number; keepdim?: boolean }, options?: { keepdim?: boolean }): Tensor | ValuesIndices {
    return this.extreme('max', dim, options);
  }

  /** The smallest element; `min(dim)` gives `{ values, indices }`; `min(other)` the elementwise minimum. */
  min(): Tensor;
  min(other: Tensor): Tensor;
  min(dim: number | { dim: number; keepdim?: boolean }, options?: { keepdim?: boolean }): ValuesIndices;
  min(dim?: number | Tensor | { dim: number; keepdim?: boolean }, options?: { keepdim?: boolean }): Tensor | ValuesIndices {
    return this.extreme('min', dim, options);
  }

  private extreme(
    name: 'max' | 'min',
    dim?: number | Tensor | { dim: number; keepdim?: boolean },
    options?: { keepdim?: boolean },
  ): Tensor | ValuesIndices {
    if (dim === undefined) return tensorOp(name, [this]);
    if (dim instanceof Tensor) return tensorOp(name, [this, dim]);
    const { dim: d, keepdim } = reduceArgs(name, dim, options);
    return valuesIndices(tensorsOp(name, [this, d, keepdim ?? false]));
  }

  /** Index of the largest element (of the flattened tensor, or along `dim`). */
  argmax(dim?: number | { dim?: number; keepdim?: boolean }, options?: { keepdim?: boolean }): Tensor {
    const { dim: d, keepdim } = reduceArgs('argmax', dim, options);
    return tensorOp('argmax', [this, d ?? null, keepdim ?? false]);
  }

  /** Index of the smallest element (of the flattened tensor, or along `dim`). */
  argmin(dim?: number | { dim?: number; keepdim?: boolean }, options?: { keepdim?: boolean }): Tensor {
    const { dim: d, keepdim } = reduceArgs('argmin', dim, options);
    return tensorOp('argmin', [this, d ?? null, keepdim ?? false]);
  }

  /** The `k` largest (or smallest) elements along `dim` (default last): `{ values, indices }`. */
  topk(k: number, options: { dim?: number; largest?: boolean; sorted?: boolean } = {}): ValuesIndices {
    const { dim = -1, largest = true, sorted = true } = options;
    return valuesIndices(tensorsOp('topk', [this, k, dim, largest, sorted]));
  }

  /** Sorted along `dim` (default last): `{ values, indices }`. */
  sort(options: { dim?: number; descending?: boolean } = {}): ValuesIndices {
    return valuesIndices(tensorsOp('sort', [this, options.dim ?? -1, options.descending ?? false]));
  }

  /** Softmax along `dim` (optionally computed in `dtype`). */
  softmax(dim: number, options: { dtype?: Dtype } = {}): Tensor {
    if (Number.isInteger(dim) && options.dtype === undefined) return new Tensor(native.softmax(this._h, dim));
    return tensorOp('softmax', [this, dim, options.dtype ?? null]);
  }

  /** Log-softmax along `dim`, computed stably in one op. */
  logSoftmax(dim: number, options: { dtype?: Dtype } = {}): Tensor {
    if (Number.isInteger(dim) && options.dtype === undefined) return new Tensor(native.logSoftmax(this._h, dim));
    return tensorOp('log_softmax', [this, dim, options.dtype ?? null]);
  }

  // ---- shapes and views -------------------------------------------------------------------------

  /** The transpose of a matrix (0-D and 1-D tensors come back as they are). */
  t(): Tensor {
    return tensorOp('t', [this]);
  }

  /** Swaps two dimensions (a view). */
  transpose(dim0: number, dim1: number): Tensor {
    return tensorOp('transpose', [this, dim0, dim1]);
  }

  /** Reorders the dimensions: `permute([2, 0, 1])` (a view). */
  permute(...dims: (number | number[])[]): Tensor {
    return tensorOp('permute', [this, sizeArgs(dims)]);
  }

  /** The same elements in a new shape (-1 infers one size); a view when possible. */
  reshape(...shape: (number | number[])[]): Tensor {
    return tensorOp('reshape', [this, sizeArgs(shape)]);
  }

  /** A view with a new shape (the tensor must be laid out compatibly; else use `reshape`). */
  view(...shape: (number | number[])[]): Tensor {
    return tensorOp('view', [this, sizeArgs(shape)]);
  }

  /** `reshape` to `other`'s shape. */
  viewAs(other: Tensor): Tensor {
    return tensorOp('view_as', [this, other]);
  }

  /** Merges dims `startDim..endDim` into one. */
  flatten(startDim = 0, endDim = -1): Tensor {
    return tensorOp('flatten', [this, startDim, endDim]);
  }

  /** Splits dim `dim` into `sizes`. */
  unflatten(dim: number, sizes: number[]): Tensor {
    return tensorOp('unflatten', [this, dim, sizes]);
  }

  /** Inserts a size-1 dim at `dim`. */
  unsqueeze(dim: number): Tensor {
    return tensorOp('unsqueeze', [this, dim]);
  }

  /** Drops size-1 dims (all, or only `dim`). */
  squeeze(dim?: number): Tensor {
    return dim === undefined ? tensorOp('squeeze', [this]) : tensorOp('squeeze', [this, dim]);
  }

  /** Broadcasts size-1 dims to `shape` without copying (-1 keeps a size). */
  expand(...shape: (number | number[])[]): Tensor {
    return tensorOp('expand', [this, sizeArgs(shape)]);
  }

  /** `expand` to `other`'s shape. */
  expandAs(other: Tensor): Tensor {
    return tensorOp('expand_as', [this, other]);
  }

  /** Tiles the tensor `repeats[i]` times along each dim (a copy). */
  repeat(...repeats: (number | number[])[]): Tensor {
    return tensorOp('repeat', [this, sizeArgs(repeats)]);
  }

  /** This tensor if already row-major contiguous, else a contiguous copy. */
  contiguous(): Tensor {
    return tensorOp('contiguous', [this]);
  }

  /** A copy with its own storage; autograd flows back to `this`. */
  clone(): Tensor {
    return tensorOp('clone', [this]);
  }

  /** The same storage, cut from the autograd graph. */
  detach(): Tensor {
    return tensorOp('detach', [this]);
  }

  /** Index `index` of dim `dim`, dropping the dim (a view). */
  select(dim: number, index: number): Tensor {
    if (Number.isInteger(dim) && Number.isInteger(index)) return new Tensor(native.select(this._h, dim, index));
    return tensorOp('select', [this, dim, index]);
  }

  /** `length` elements from `start` along `dim` (a view: writes go through). */
  narrow(dim: number, start: number, length: number): Tensor {
    return tensorOp('narrow', [this, dim, start, length]);
  }

  /** Elements at `index` (1-D int64) along `dim`. */
  indexSelect(dim: number, index: Tensor): Tensor {
    return tensorOp('index_select', [this, dim, index]);
  }

  /** `out[i][j] = this[index[i][j]][j]` for dim 0, and so on. */
  gather(dim: number, index: Tensor): Tensor {
    return tensorOp('gather', [this, dim, index]);
  }

  /** `chunks` nearly equal views along `dim`. */
  chunk(chunks: number, dim = 0): Tensor[] {
    return tensorsOp('chunk', [this, chunks, dim]);
  }

  /** Views of `splitSize` elements each (the last may be smaller), or of the listed sizes, along `dim`. */
  split(splitSize: number | number[], dim = 0): Tensor[] {
    return tensorsOp('split', [this, splitSize, dim]);
  }

  /** The slices along `dim`, each without that dim. */
  unbind(dim = 0): Tensor[] {
    return tensorsOp('unbind', [this, dim]);
  }

  /** Reverses the order along the given dims (a copy). */
  flip(dims: number | number[]): Tensor {
    return tensorOp('flip', [this, asList(dims)]);
  }

  /** Rolls elements along `dims` by `shifts` (wrapping); without dims, over the flattened tensor. */
  roll(shifts: number | number[], dims: number | number[] = []): Tensor {
    return tensorOp('roll', [this, asList(shifts), asList(dims)]);
  }

  /**
   * Python's `t[...]`: `t.index(0)`, `t.index(':', slice(1, 3))`, `t.index('...', null)`,
   * `t.index(mask)`, `t.index(idxTensor, ':')`. Numbers and slices give views; tensor and array
   * indices give copies, as in PyTorch.
   */
  index(...indices: IndexSpec[]): Tensor {
    if (indices.length === 1) {
      const only = indices[0];
      if (typeof only === 'number') return this.select(0, only);
      if (only instanceof Tensor) return new Tensor(native.index(this._h, only._h));
    }
    const { view, advanced } = this.basicIndex(indices);
    return advanced ? new Tensor(native.index(view._h, advanced.map((t) => (t === null ? null : t._h)))) : view;
  }

  // Applies numbers, slices, null and '...' as views; tensor indices are collected, by the dim
  // of the view they address, for one `aten::index` call (PyTorch's own order of work).
  private basicIndex(indices: IndexSpec[]): { view: Tensor; advanced: (Tensor | null)[] | null } {
    // The view starts as this tensor and is replaced by each step's view.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let view: Tensor = this;
    let dim = 0;
    const advanced: (Tensor | null)[] = [];
    for (const spec of indices) {
      if (spec === null) {
        view = view.unsqueeze(dim++);
      } else if (spec === '...') {
        dim += this.ellipsisDims(indices);
      } else if (typeof spec === 'number') {
        view = view.select(dim, spec);
      } else if (typeof spec === 'string' || spec instanceof Slice) {
        const s = typeof spec === 'string' ? parseSlice(spec) : spec;
        if (s.start !== null || s.stop !== null || s.step !== 1) view = new Tensor(native.slice(view._h, dim, s.start, s.stop, s.step));
        dim++;
      } else {
        while (advanced.length < dim) advanced.push(null);
        advanced.push(spec instanceof Tensor ? spec : indexTensor(spec));
        dim++; // as PyTorch does, even for a mask spanning several dims
      }
    }
    return { view, advanced: advanced.length ? advanced : null };
  }

  // The dims '...' stands for: those no other index uses (a bool mask uses its ndim).
  private ellipsisDims(indices: IndexSpec[]): number {
    const ndim = this.ndim;
    const used = indices.reduce<number>((n, s) => (s === null || s === '...' ? n : n + (isBoolTensor(s) ? (s as Tensor).ndim : 1)), 0);
    if (used > ndim) throw new RangeError(`index: too many indices (${used}) for a ${ndim}-dim tensor`);
    return ndim - used;
  }

  // ---- in place (each returns `this`) ---------------------------------------------------------

  /** `this += alpha * other` in place. */
  add_(other: TensorLike, options?: { alpha?: number }): this {
    return arithmeticInPlace(this, 'add_', other, options) as this;
  }

  /** `this -= alpha * other` in place. */
  sub_(other: TensorLike, options?: { alpha?: number }): this {
    return arithmeticInPlace(this, 'sub_', other, options) as this;
  }

  /** `this *= other` in place. */
  mul_(other: TensorLike): this {
    return arithmeticInPlace(this, 'mul_', other) as this;
  }

  /** `this /= other` in place (`roundingMode` as in `div`). */
  div_(other: TensorLike, options?: { roundingMode?: 'trunc' | 'floor' }): this {
    if (options?.roundingMode !== undefined) return inPlace(this, 'div_', [other], options) as this;
    return arithmeticInPlace(this, 'div_', other) as this;
  }

  /** `this **= exponent` in place. */
  pow_(exponent: TensorLike): this {
    return inPlace(this, 'pow_', [exponent]) as this;
  }

  /** `this += value * tensor1 * tensor2` in place. */
  addcmul_(tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): this {
    return inPlace(this, 'addcmul_', [tensor1, tensor2], options) as this;
  }

  /** `this += value * tensor1 / tensor2` in place. */
  addcdiv_(tensor1: Tensor, tensor2: Tensor, options?: { value?: number }): this {
    return inPlace(this, 'addcdiv_', [tensor1, tensor2], options) as this;
  }

  /** Copies `src`'s values in (broadcast, converted to this dtype and device). */
  copy_(src: Tensor, options?: { nonBlocking?: boolean }): this {
    checkIsTensor('copy_', ['src', 1], src);
    return inPlace(this, 'copy_', [src], options) as this;
  }

  /** Fills with zeros. */
  zero_(): this {
    return inPlace(this, 'zero_', []) as this;
  }

  /** Fills with `value`. */
  fill_(value: TensorLike): this {
    return inPlace(this, 'fill_', [value]) as this;
  }

  /** `this += weight * (end - this)` in place: the exponential moving average step. */
  lerp_(end: Tensor, weight: TensorLike): this {
    return inPlace(this, 'lerp_', [end, weight]) as this;
  }

  /** Clamps into [min, max] in place (see `clamp`). */
  clamp_(min?: TensorLike | null | { min?: TensorLike; max?: TensorLike }, max?: TensorLike | null): this {
    const [lo, hi] = clampBounds(min, max);
    return inPlace(this, 'clamp_', [lo, hi]) as this;
  }

  /** Writes `value` wherever `mask` is true. */
  maskedFill_(mask: Tensor, value: TensorLike): this {
    return inPlace(this, 'masked_fill_', [mask, value]) as this;
  }

  /** `max(x, 0)` in place. */
  relu_(): this {
    return inPlace(this, 'relu_', []) as this;
  }

  /** Fills with normal samples (global generator, so `manualSeed` repeats them). */
  normal_(mean = 0, std = 1): this {
    return inPlace(this, 'normal_', [mean, std]) as this;
  }

  /** Fills with uniform samples from [from, to). */
  uniform_(from = 0, to = 1): this {
    return inPlace(this, 'uniform_', [from, to]) as this;
  }

  /** Sets whether autograd records operations on this (leaf) tensor. */
  requiresGrad_(flag = true): this {
    native.setRequiresGrad(this, flag);
    return this;
  }

  /** Cuts this tensor from the graph in place. */
  detach_(): this {
    return inPlace(this, 'detach_', []) as this;
  }

  /**
   * Python's `t[indices] = value`: writes `value` (a number or a broadcastable tensor) into the
   * elements `t.index(...indices)` would select.
   */
  indexPut_(indices: IndexSpec[], value: TensorLike): this {
    if (!Array.isArray(indices)) throw new ArgumentError(`indexPut_: argument 'indices' (position 1) must be an array of indices, got ${describe(indices)}`);
    const { view, advanced } = this.basicIndex(indices);
    if (advanced) {
      const values = value instanceof Tensor ? value : tensorOp('scalar_tensor', [value], { dtype: this.dtype, device: this.device });
      inPlace(view, 'index_put_', [advanced, values]);
    } else if (value instanceof Tensor) {
      view.copy_(value);
    } else {
      view.fill_(value);
    }
    return this;
  }

  // ---- moving and converting ------------------------------------------------------------------

  /**
   * A tensor on another device and/or of another dtype: `to('cuda')`, `to('float64')`,
   * `to({ device, dtype })`, `to(other)` (other's device and dtype). Returns a tensor sharing
   * `this` when nothing changes, as PyTorch does.
   */
  to(target: Device | Dtype | Tensor | { device?: Device; dtype?: Dtype; nonBlocking?: boolean; copy?: boolean }): Tensor {
    if (target instanceof Tensor) return tensorOp('to', [this, target]);
    if (typeof target === 'string') return isDtype(target) ? tensorOp('to', [this, target]) : tensorOp('to', [this], { device: checkDevice(target) });
    if (!isPlainObject(target)) throw new TypeError(`to: expected a device, a dtype or { device, dtype }, got ${describe(target)}`);
    return tensorOp('to', [this], target);
  }

  /** This tensor on the CPU (itself when already there). */
  cpu(): Tensor {
    return this.to('cpu');
  }

  /** A copy on CUDA device `index` (default the current one); throws when CUDA is unavailable. */
  cuda(index?: number): Tensor {
    return this.to(index === undefined ? 'cuda' : `cuda:${index}`);
  }

  /** As float32. */
  float(): Tensor {
    return this.to('float32');
  }

  /** As float64. */
  double(): Tensor {
    return this.to('float64');
  }

  /** As float16. */
  half(): Tensor {
    return this.to('float16');
  }

  /** As int64. */
  long(): Tensor {
    return this.to('int64');
  }

  /** As int32. */
  int(): Tensor {
    return this.to('int32');
  }

  /** As bool (non-zero is true). */
  bool(): Tensor {
    return this.to('bool');
  }

  // ---- autograd -------------------------------------------------------------------------------

  /** Accumulates d(this)/d(leaf) into each leaf's `grad`; `gradient` is required for non-scalars. */
  backward(gradient?: Tensor, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    // A bare number would reach the addon as a tensor handle.
    if (gradient !== undefined && gradient !== null) checkTensor('backward', ['gradient', 1], gradient);
    checkOptions('backward', options, ['options', 2]);
    native.backward(this, gradient ?? null, options.retainGraph, options.createGraph);
  }

  /** Keeps `grad` for this non-leaf tensor after `backward()`. */
  retainGrad(): void {
    call('retain_grad', [this], undefined, Results.None);
  }
}

/** Options of `std` and `var`. */
export interface VarianceOptions {
  dim?: number | number[];
  keepdim?: boolean;
  unbiased?: boolean;
  correction?: number;
}

// `to` takes either a dtype or a device: a string that is neither says both.
function checkDevice(name: string): string {
  if (!/^(cpu|cuda)(:\d+)?$/.test(name)) {
    throw new TypeError(`to: '${name}' is neither a dtype (${DTYPES.join(', ')}) nor a device ('cpu', 'cuda', 'cuda:N')`);
  }
  return name;
}

// std and var: over all elements with `unbiased`, or over `dim`, or with a `correction`.
function variance(name: 'std' | 'var', self: Tensor, options: VarianceOptions): Tensor {
  const { dim, keepdim, unbiased, correction } = options;
  if (correction !== undefined) return tensorOp(name, [self, dim === undefined ? null : asList(dim)], { correction, keepdim });
  if (dim === undefined && keepdim === undefined) return tensorOp(name, [self, unbiased ?? true]);
  return tensorOp(name, [self, dim === undefined ? null : asList(dim), unbiased ?? true, keepdim ?? false]);
}

function clampBounds(
  min?: TensorLike | null | { min?: TensorLike; max?: TensorLike },
  max?: TensorLike | null,
): [TensorLike | null, TensorLike | null] {
  if (min !== null && typeof min === 'object' && !(min instanceof Tensor)) return [min.min ?? null, min.max ?? null];
  return [min ?? null, max ?? null];
}

function isBoolTensor(spec: unknown): boolean {
  return spec instanceof Tensor && spec.dtype === 'bool';
}

function indexTensor(values: number[]): Tensor {
  if (!Array.isArray(values) || !values.every(Number.isInteger)) {
    throw new TypeError(`index: expected a number, slice, null, '...', Tensor or integer array, got ${describe(values)}`);
  }
  return new Tensor(native.fromData(BigInt64Array.from(values, BigInt), [values.length], 'int64'));
}

function parseSlice(text: string): Slice {
  const parts = text.split(':');
  const num = (s: string | undefined): number | null => {
    if (s === undefined || s.trim() === '') return null;
    const n = Number(s);
    if (!Number.isInteger(n)) throw new TypeError(`index: bad slice '${text}'`);
    return n;
  };
  if (parts.length < 2 || parts.length > 3) throw new TypeError(`index: bad slice '${text}' (expected 'start:stop' or 'start:stop:step')`);
  return new Slice(num(parts[0]), num(parts[1]), num(parts[2]) ?? 1);
}

// Results of the generic path arrive as Tensors made here.
native.setTensorFactory((h: Handle) => new Tensor(h));
