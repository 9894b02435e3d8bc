// The Tensor: a handle to a LibTorch at::Tensor, with PyTorch's methods.
import { native, Handle } from './native';
import { callOp } from './ops';
import { track } from './scope';
import type { Device, Dtype } from './types';

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

export class Tensor {
  /** The addon's handle; -1 once disposed. */
  _h: Handle;

  constructor(handle: Handle) {
    this._h = handle;
    track(this);
  }

  // ---- properties -----------------------------------------------------------------------------

  get shape(): number[] {
    return native.shape(this);
  }

  get dtype(): Dtype {
    return native.dtype(this) as Dtype;
  }

  get device(): Device {
    return native.device(this);
  }

  get ndim(): number {
    return this.shape.length;
  }

  get isCuda(): boolean {
    return this.device.startsWith('cuda');
  }

  get isDisposed(): boolean {
    return this._h < 0;
  }

  numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

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

  // ---- data out -------------------------------------------------------------------------------

  item(): number {
    return native.item(this) as number;
  }

  /**
   * A copy of the elements in row-major order, on the CPU. int64 comes out as BigInt64Array,
   * bool as Uint8Array, float16 and bfloat16 as Float32Array.
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

  // ---- lifetime -------------------------------------------------------------------------------

  /** Frees the tensor's memory now. Using it afterwards throws; disposing twice is harmless. */
  dispose(): void {
    if (this._h >= 0) {
      native.dispose(this._h);
      this._h = -1;
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- math (fast paths for the hottest binary ops; the rest go through the generic path) ------

  add(other: Tensor | number, options?: { alpha?: number }): Tensor {
    if (options?.alpha !== undefined) return callOp('add', [this, other], options);
    return new Tensor(typeof other === 'number' ? native.addScalar(this._h, other) : native.add(this._h, other._h));
  }

  sub(other: Tensor | number, options?: { alpha?: number }): Tensor {
    if (options?.alpha !== undefined) return callOp('sub', [this, other], options);
    return new Tensor(typeof other === 'number' ? native.subScalar(this._h, other) : native.sub(this._h, other._h));
  }

  mul(other: Tensor | number): Tensor {
    return new Tensor(typeof other === 'number' ? native.mulScalar(this._h, other) : native.mul(this._h, other._h));
  }

  div(other: Tensor | number): Tensor {
    return new Tensor(typeof other === 'number' ? native.divScalar(this._h, other) : native.div(this._h, other._h));
  }

  matmul(other: Tensor): Tensor {
    return new Tensor(native.matmul(this._h, other._h));
  }

  detach(): Tensor {
    return callOp('detach', [this]);
  }

  // ---- autograd -------------------------------------------------------------------------------

  backward(gradient?: Tensor, options: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native.backward(this, gradient ?? null, options.retainGraph, options.createGraph);
  }
}

// Results of the generic path arrive as Tensors made here.
native.setTensorFactory((h: Handle) => new Tensor(h));
