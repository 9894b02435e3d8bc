// momentum-torch: `import * as torch from 'momentum-torch'`.
export { Tensor } from './tensor';
export type { TypedArray, NestedArray } from './tensor';
export { slice, Slice } from './tensor';
export type { TensorLike, ReduceOptions, VarianceOptions, ValuesIndices, IndexSpec } from './tensor';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled, autograd } from './autograd';
export * as F from './functional';
export * as functional from './functional';
export type { Dtype, Device, TensorOptions } from './types';
export * from './factories';
export { tidy, keep, memory } from './scope';
export { nativeBinary } from './native';
export { version, manualSeed, setNumThreads, getNumThreads, cuda } from './runtime';
import * as aten from './ops';
export const ops = { aten: aten.aten, schemas: aten.schemas };
export * as data from './data';
export * as nn from './nn';
export * as optim from './optim';
export * as models from './models';
export * as ssl from './ssl';
export * as jit from './jit';
export * as safetensors from './safetensors';
export { save, load } from './serialization';
// Error kinds to catch by (`e instanceof torch.DisposedTensorError`), also as `torch.errors.*`.
export * as errors from './errors';
export { TorchError, ArgumentError, ArgumentValueError, DisposedTensorError, FileFormatError } from './errors';
