// src/native.ts types the addon once: every name it declares is one native/*.cc registers, and
// every name registered is declared, with the kind of value it is.
import { native } from '../src/native';
import type { NativeAddon } from '../src/native';

// What `typeof` says of a value of type T.
type KindOf<T> = T extends (...args: never[]) => unknown ? 'function' : T extends boolean ? 'boolean' : never;

// Each declared export with its kind. `satisfies` makes the compiler (test/typecheck.test.ts)
// refuse a name NativeAddon lacks, a name of NativeAddon missing here, and a wrong kind.
const declared = {
  linkedLibTorch: 'function',
  allocatorTuned: 'boolean',
  version: 'function',
  setNumThreads: 'function',
  getNumThreads: 'function',
  manualSeed: 'function',
  cudaIsAvailable: 'function',
  cudaDeviceCount: 'function',
  cudaSynchronize: 'function',
  memory: 'function',
  dispose: 'function',
  opId: 'function',
  callOp: 'function',
  call: 'function',
  schemas: 'function',
  setTensorFactory: 'function',
  fromData: 'function',
  toData: 'function',
  item: 'function',
  shape: 'function',
  dtype: 'function',
  device: 'function',
  requiresGrad: 'function',
  setRequiresGrad: 'function',
  isLeaf: 'function',
  isContiguous: 'function',
  gradFn: 'function',
  grad: 'function',
  setGrad: 'function',
  backward: 'function',
  autogradGrad: 'function',
  setGradEnabled: 'function',
  isGradEnabled: 'function',
  relu: 'function',
  exp: 'function',
  log: 'function',
  sigmoid: 'function',
  tanh: 'function',
  neg: 'function',
  sumAll: 'function',
  softmax: 'function',
  logSoftmax: 'function',
  select: 'function',
  add: 'function',
  sub: 'function',
  mul: 'function',
  div: 'function',
  matmul: 'function',
  addScalar: 'function',
  subScalar: 'function',
  mulScalar: 'function',
  divScalar: 'function',
  add_: 'function',
  sub_: 'function',
  mul_: 'function',
  div_: 'function',
  add_Scalar: 'function',
  sub_Scalar: 'function',
  mul_Scalar: 'function',
  div_Scalar: 'function',
  sumDims: 'function',
  meanDims: 'function',
  slice: 'function',
  index: 'function',
  emaAverage: 'function',
  storagePlacement: 'function',
  optimCreate: 'function',
  optimAddParamGroup: 'function',
  optimStep: 'function',
  optimZeroGrad: 'function',
  optimGetOptions: 'function',
  optimSetOption: 'function',
  optimState: 'function',
  optimSetState: 'function',
  optimFree: 'function',
  jitLoad: 'function',
  jitCall: 'function',
  jitNamedTensors: 'function',
  jitTrain: 'function',
  jitIsTraining: 'function',
  jitTo: 'function',
  jitCopy: 'function',
  jitSave: 'function',
  jitFree: 'function',
} satisfies { [Name in keyof NativeAddon]: KindOf<NativeAddon[Name]> };

describe('the addon as typed', () => {
  it('registers exactly the exports src/native.ts declares', () => {
    expect(Object.keys(native).sort()).toEqual(Object.keys(declared).sort());
  });

  it('registers each export as the kind of value declared', () => {
    const kinds = Object.fromEntries(Object.keys(declared).map((name) => [name, typeof native[name as keyof NativeAddon]]));
    expect(kinds).toEqual(declared);
  });
});
