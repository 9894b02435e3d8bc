// The datasets' per-channel statistics over their training images in [0, 1] (the options of
// `transforms.normalize`, as lightly's IMAGENET_NORMALIZE), and the model input made with them.
import { tidy } from '../scope';
import { normalize, Transform } from './transforms';

export interface ChannelStatistics {
  mean: number[];
  std: number[];
}

/** Fashion-MNIST's 60,000 training images: mean 0.2860, std 0.3530. */
export const FASHION_MNIST_NORMALIZE: ChannelStatistics = { mean: [0.286], std: [0.353] };

/** CIFAR-10's 50,000 training images, per channel (red, green, blue). */
export const CIFAR10_NORMALIZE: ChannelStatistics = { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] };

/** The model's input from a batch of uint8 pixels: floats in [0, 1], normalized with `statistics`. */
export function inputPreparation(statistics: ChannelStatistics): Transform {
  const toStatistics = normalize(statistics);
  return (pixels) => tidy(() => toStatistics(pixels.float().div(255)));
}
