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
