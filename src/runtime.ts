// Process-wide settings: versions, threads, seeds, CUDA.
import { native } from './native';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg: { version: string } = require('../../package.json');

const built = native.version();

/** The versions this process runs: the package, the LibTorch it was built for, and CUDA (or null). */
export const version: { momentumTorch: string; libtorch: string; cuda: string | null } = Object.freeze({
  momentumTorch: pkg.version,
  libtorch: built.libtorch,
  cuda: built.cuda,
});

export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}

export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

export const cuda = {
  isAvailable: (): boolean => native.cudaIsAvailable(),
  deviceCount: (): number => native.cudaDeviceCount(),
  synchronize: (device?: number): void => native.cudaSynchronize(device),
};
