// Process-wide settings: versions, threads, seeds, CUDA.
import { native } from './native';
import { packageVersion } from './package-root';
import { checkInt } from './check';

const built = native.version();

/** The versions this process runs: the package, the LibTorch it was built for, and CUDA (or null). */
export const version: { momentumTorch: string; libtorch: string; cuda: string | null } = Object.freeze({
  momentumTorch: packageVersion,
  libtorch: built.libtorch,
  cuda: built.cuda,
});

/**
 * Whether the LibTorch this process runs is `major.minor` or newer. Where PyTorch changed what its
 * Python side does between versions (a state dict's keys, the op behind `norm`), momentum-torch
 * does what the PyTorch of its LibTorch does.
 */
export function libtorchAtLeast(major: number, minor = 0): boolean {
  const [have, haveMinor] = version.libtorch.split('.').map(Number);
  return have > major || (have === major && haveMinor >= minor);
}

export function manualSeed(seed: number): void {
  native.manualSeed(checkInt('manualSeed', ['seed', 1], seed));
}

export function setNumThreads(n: number): void {
  // The addon refuses fewer than one thread in its own words ("a positive number of threads").
  native.setNumThreads(checkInt('setNumThreads', ['n', 1], n));
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

export const cuda = {
  isAvailable: (): boolean => native.cudaIsAvailable(),
  deviceCount: (): number => native.cudaDeviceCount(),
  synchronize: (device?: number): void => native.cudaSynchronize(device),
};
