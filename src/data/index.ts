// torch.data: datasets, the DataLoader, samplers, and batched augmentations.
import * as transforms from './all-transforms';
import { FashionMNIST, MNIST, CIFAR10, ImageDataset, FASHION_MNIST_ROOT } from './datasets';

export { transforms };
export const datasets = { FashionMNIST, MNIST, CIFAR10, ImageDataset, FASHION_MNIST_ROOT };
export { Dataset, TensorDataset, ImageDataset, FashionMNIST, MNIST, CIFAR10, isTensorBacked } from './datasets';
export type { TensorBacked, ImageFolderOptions } from './datasets';
export { DataLoader } from './loader';
export type { DataLoaderOptions, Sampler } from './loader';
export { TwoStreamBatchSampler, labeledSubset, permuter } from './samplers';
export type { LabeledSubset, Permute } from './samplers';
export { FASHION_MNIST_NORMALIZE, CIFAR10_NORMALIZE, inputPreparation } from './statistics';
export type { ChannelStatistics } from './statistics';
export type { Transform } from './transforms';
export type { TwoViewTransform, MoCoTransformOptions } from './moco-transforms';
