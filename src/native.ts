// Loads the addon and types its exports.
import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from './package-root';

/** A tensor as the addon sees it: a numeric handle, or any object carrying one in `_h`. */
export type Handle = number;
export type HandleLike = Handle | { _h: Handle };

/**
 * How `call` and `callOp` hand an operator's results back (native/dispatch.cc): as JS values
 * (Tensor objects made by the factory), not at all (in-place ops), or as the bare handle of a
 * single tensor result (typed wrappers that make the Tensor themselves).
 */
export enum Results {
  Values = 0,
  None = 1,
  Handle = 2,
}

/** Every export of the addon, by the native file that registers it (test/native.test.ts checks the names). */
export interface NativeAddon {
  // addon.cc
  linkedLibTorch(): { version: string; file: string };
  // runtime.cc
  allocatorTuned: boolean;
  version(): { libtorch: string; cuda: string | null };
  setNumThreads(n: number): void;
  getNumThreads(): number;
  manualSeed(seed: number): void;
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  cudaSynchronize(device?: number): void;
  // common.cc
  memory(): { tensors: number; bytes: number; cudaBytes: number };
  dispose(h: HandleLike): void;
  // dispatch.cc: the generic path to every ATen operator; bit i of handleMask set means argument i is a bare handle.
  opId(name: string, overload?: string): number;
  callOp(id: number, args: unknown[], kwargs: object | undefined, results: Results.Handle, handleMask?: number): Handle;
  callOp(id: number, args: unknown[], kwargs?: object, results?: Results, handleMask?: number): unknown;
  call(id: number, results: Results, handleMask: number, positional: number, ...argsThenOptions: unknown[]): unknown;
  schemas(name: string): string[];
  setTensorFactory(factory: (h: Handle) => unknown): void;
  // tensor.cc: data, metadata and autograd
  fromData(data: ArrayBufferView, shape: number[], dtype: string, storedAs?: string, device?: string, requiresGrad?: boolean): Handle;
  toData(h: HandleLike): { buffer: ArrayBuffer; dtype: string };
  item(h: HandleLike): number | boolean;
  shape(h: HandleLike): number[];
  dtype(h: HandleLike): string;
  device(h: HandleLike): string;
  requiresGrad(h: HandleLike): boolean;
  setRequiresGrad(h: HandleLike, flag: boolean): void;
  isLeaf(h: HandleLike): boolean;
  isContiguous(h: HandleLike): boolean;
  gradFn(h: HandleLike): string | null;
  grad(h: HandleLike): Handle | null;
  setGrad(h: HandleLike, g: HandleLike | null): void;
  backward(h: HandleLike, gradient?: HandleLike | null, retainGraph?: boolean, createGraph?: boolean): void;
  autogradGrad(outputs: HandleLike[], inputs: HandleLike[], gradOutputs: HandleLike[] | null, retainGraph?: boolean, createGraph?: boolean, allowUnused?: boolean): (Handle | null)[];
  setGradEnabled(flag: boolean): boolean;
  isGradEnabled(): boolean;
  // tensor.cc: typed fast paths of the hottest operators
  relu(h: Handle): Handle;
  exp(h: Handle): Handle;
  log(h: Handle): Handle;
  sigmoid(h: Handle): Handle;
  tanh(h: Handle): Handle;
  neg(h: Handle): Handle;
  sumAll(h: Handle): Handle;
  softmax(h: Handle, dim: number): Handle;
  logSoftmax(h: Handle, dim: number): Handle;
  select(h: Handle, dim: number, index: number): Handle;
  add(a: Handle, b: Handle): Handle;
  sub(a: Handle, b: Handle): Handle;
  mul(a: Handle, b: Handle): Handle;
  div(a: Handle, b: Handle): Handle;
  matmul(a: Handle, b: Handle): Handle;
  addScalar(a: Handle, b: number): Handle;
  subScalar(a: Handle, b: number): Handle;
  mulScalar(a: Handle, b: number): Handle;
  divScalar(a: Handle, b: number): Handle;
  add_(h: Handle, other: Handle, alpha?: number): void;
  sub_(h: Handle, other: Handle, alpha?: number): void;
  mul_(h: Handle, other: Handle): void;
  div_(h: Handle, other: Handle): void;
  add_Scalar(h: Handle, other: number, alpha?: number): void;
  sub_Scalar(h: Handle, other: number, alpha?: number): void;
  mul_Scalar(h: Handle, other: number): void;
  div_Scalar(h: Handle, other: number): void;
  sumDims(h: Handle, dim: number | number[], keepdim: boolean): Handle;
  meanDims(h: Handle, dim: number | number[], keepdim: boolean): Handle;
  slice(h: Handle, dim: number, start: number | null, stop: number | null, step: number): Handle;
  index(h: Handle, indices: (Handle | null)[] | Handle): Handle;
  // ema.cc
  emaAverage(targets: HandleLike[], sources: HandleLike[], decay: number): void;
  // storage.cc
  storagePlacement(h: HandleLike): { key: string; offset: number; numel: number; strides: number[] };
  // optim.cc: LibTorch's optimizers by id; a state holds tensors as handles, counts as numbers.
  optimCreate(kind: string, groups: { params: HandleLike[]; options: object }[], defaults: object): number;
  optimAddParamGroup(id: number, params: HandleLike[], options: object): void;
  optimStep(id: number): void;
  optimZeroGrad(id: number, setToNone: boolean): void;
  optimGetOptions(id: number, group: number): Record<string, unknown>;
  optimSetOption(id: number, group: number, name: string, value: unknown): void;
  optimState(id: number): (Record<string, number> | null)[];
  optimSetState(id: number, param: number, state: Record<string, HandleLike | number> | null): void;
  optimFree(id: number): void;
  // jit.cc: TorchScript modules by id
  jitLoad(path: string, device?: string): number;
  jitCall(id: number, method: string, args: unknown[], tensorFactory: (h: Handle) => unknown): unknown;
  jitNamedTensors(id: number): [name: string, h: Handle, isParameter: boolean][];
  jitTrain(id: number, mode: boolean): void;
  jitIsTraining(id: number): boolean;
  jitTo(id: number, device?: string, dtype?: string): void;
  jitCopy(id: number): number;
  jitSave(id: number): Buffer;
  jitFree(id: number): void;
}

interface Prebuild {
  file: string;
  version: string;
  cuda: boolean;
}

interface BuildRecord {
  version: string;
  libDir: string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const builds: { BINARY: string; readRecord(): BuildRecord | null; listPrebuilds(): Prebuild[] } = require(path.join(packageRoot, 'scripts', 'build-record.js'));

// The binaries to try, with what each was built for: the local build (a checkout, or a source
// build by `npx momentum-torch build`) alone when there is one, else the prebuilds, newest LibTorch first.
// Nothing is located here: each binary links the LibTorch it was built against.
function candidates(): { file: string; builtFor: string }[] {
  if (fs.existsSync(builds.BINARY)) {
    const record = builds.readRecord();
    return [{ file: builds.BINARY, builtFor: record ? `LibTorch ${record.version} in ${record.libDir}` : 'an unrecorded LibTorch' }];
  }
  return builds.listPrebuilds().map((p) => ({ file: p.file, builtFor: `LibTorch ${p.version} (${p.cuda ? 'CUDA' : 'CPU'})` }));
}

/** How a user builds the addon from source (the loader's errors and the README say it). */
const BUILD_COMMAND = 'npx momentum-torch build';

// A binary whose LibTorch is missing, or is another version, refuses to load (the dynamic linker,
// or native/addon.cc's check): the next candidate is tried, and if none loads the error lists why.
function load(): { addon: NativeAddon; file: string } {
  const refusals: string[] = [];
  for (const { file, builtFor } of candidates()) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return { addon: require(file), file };
    } catch (e) {
      const reason = (e as Error).message.split('\n')[0].replace(/^momentum-torch: /, '');
      refusals.push(`${path.relative(packageRoot, file)} (built for ${builtFor}): ${reason}`);
    }
  }
  if (refusals.length === 0) {
    throw new Error(
      `momentum-torch: no binary for ${process.platform}-${process.arch}: no prebuilt one ships for this platform and none was built here. ` +
        `Build one with '${BUILD_COMMAND}' (needs LibTorch, a C++ compiler, make and python3 for node-gyp).`,
    );
  }
  throw new Error(
    `momentum-torch: no binary loads against the LibTorch found here. ${refusals.join('; ')}. ` +
      `Rebuild for your LibTorch with '${BUILD_COMMAND}', or install the LibTorch a binary was built for.`,
  );
}

const loaded = load();
export const native: NativeAddon = loaded.addon;
/** The path of the addon binary this process loaded. */
export const nativeBinary: string = loaded.file;
