// Loads the addon: the prebuilt binary made for this platform and the LibTorch found here, else
// the local build. A binary made for another LibTorch version refuses to load, saying so.
import * as fs from 'fs';
import * as path from 'path';

/** A tensor as the addon sees it: a numeric handle, or any object carrying one in `_h`. */
export type Handle = number;
export type HandleLike = Handle | { _h: Handle };

export interface NativeAddon {
  allocatorTuned: boolean;
  version(): { libtorch: string; cuda: string | null };
  memory(): { tensors: number; bytes: number; cudaBytes: number };
  dispose(h: HandleLike): void;
  opId(name: string, overload?: string): number;
  callOp(id: number, args: unknown[], kwargs?: object): unknown;
  schemas(name: string): string[];
  setTensorFactory(factory: (h: Handle) => unknown): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  manualSeed(seed: number): void;
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  cudaSynchronize(device?: number): void;
  fromData(data: ArrayBufferView, shape: number[], dtype: string, storedAs?: string, device?: string, requiresGrad?: boolean): Handle;
  toData(h: HandleLike): { buffer: ArrayBuffer; dtype: string };
  item(h: HandleLike): number | boolean;
  shape(h: HandleLike): number[];
  dtype(h: HandleLike): string;
  device(h: HandleLike): string;
  requiresGrad(h: HandleLike): boolean;
  setRequiresGrad(h: HandleLike, flag: boolean): void;
  isLeaf(h: HandleLike): boolean;
  gradFn(h: HandleLike): string | null;
  grad(h: HandleLike): Handle | null;
  setGrad(h: HandleLike, g: HandleLike | null): void;
  backward(h: HandleLike, gradient?: HandleLike | null, retainGraph?: boolean, createGraph?: boolean): void;
  autogradGrad(outputs: HandleLike[], inputs: HandleLike[], gradOutputs: HandleLike[] | null, retainGraph?: boolean, createGraph?: boolean, allowUnused?: boolean): (Handle | null)[];
  setGradEnabled(flag: boolean): boolean;
  isGradEnabled(): boolean;
  emaAverage(targets: HandleLike[], sources: HandleLike[], decay: number): void;
  add(a: Handle, b: Handle): Handle;
  sub(a: Handle, b: Handle): Handle;
  mul(a: Handle, b: Handle): Handle;
  div(a: Handle, b: Handle): Handle;
  matmul(a: Handle, b: Handle): Handle;
  addScalar(a: Handle, b: number): Handle;
  subScalar(a: Handle, b: number): Handle;
  mulScalar(a: Handle, b: number): Handle;
  divScalar(a: Handle, b: number): Handle;
  // Later native files add their own entry points; they are typed where they are used.
  [name: string]: unknown;
}

// The package's root: src/ under ts-jest, dist/src/ once compiled.
function findPackageRoot(dir: string): string {
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`momentum-torch: no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

export const packageRoot = findPackageRoot(__dirname);

interface LibTorchInstall {
  source: string;
  version: string;
  libDir: string;
  cuda: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const locator: { locate(): LibTorchInstall } = require(path.join(packageRoot, 'scripts', 'libtorch.js'));

export function prebuildName(version: string, cuda: boolean): string {
  return `momentum-torch.libtorch-${version}${cuda ? '.cuda' : ''}.node`;
}

function prebuildDir(): string {
  return path.join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`);
}

function loadFile(file: string, torch: LibTorchInstall): NativeAddon {
  let addon: NativeAddon;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    addon = require(file);
  } catch (e) {
    const reason = (e as Error).message.split('\n')[0];
    throw new Error(
      `momentum-torch: could not load ${file}: ${reason}. ` +
        `It needs LibTorch ${torch.version}'s libraries (looked in ${torch.libDir}); ` +
        `rebuild with 'npm rebuild momentum-torch' if LibTorch changed.`,
    );
  }
  const built = addon.version().libtorch;
  if (built !== torch.version) {
    throw new Error(
      `momentum-torch: ${path.basename(file)} was built for LibTorch ${built} but LibTorch ${torch.version} ` +
        `is installed (${torch.source}); rebuild it with 'npm rebuild momentum-torch', or install LibTorch ${built}.`,
    );
  }
  return addon;
}

function load(): { addon: NativeAddon; file: string } {
  let torch: LibTorchInstall;
  try {
    torch = locator.locate();
  } catch (e) {
    throw new Error(`momentum-torch needs LibTorch. ${(e as Error).message}`);
  }
  const dir = prebuildDir();
  const wanted = [prebuildName(torch.version, torch.cuda), prebuildName(torch.version, false)];
  const prebuilt = wanted.map((name) => path.join(dir, name)).find((file) => fs.existsSync(file));
  const local = path.join(packageRoot, 'build', 'Release', 'momentum_torch.node');
  // A checkout can hold both: the newer one is the build that matches the sources.
  const candidates = [prebuilt, fs.existsSync(local) ? local : undefined].filter((f): f is string => f !== undefined);
  candidates.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  if (candidates.length) return { addon: loadFile(candidates[0], torch), file: candidates[0] };
  const shipped = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.node')) : [];
  throw new Error(
    `momentum-torch: no binary for LibTorch ${torch.version} on ${process.platform}-${process.arch} ` +
      `(found LibTorch via ${torch.source}). ` +
      (shipped.length ? `Prebuilt binaries here are ${shipped.join(', ')}. ` : 'No prebuilt binaries are installed. ') +
      `Build one with 'npm rebuild momentum-torch' (needs a C++17 compiler and cmake or node-gyp).`,
  );
}

const loaded = load();
export const native: NativeAddon = loaded.addon;
/** The path of the addon binary this process loaded. */
export const nativeBinary: string = loaded.file;
