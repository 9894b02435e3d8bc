// MoCo's augmentation recipes as two-view transforms (lightly's MoCoV1Transform, MoCoV2Transform):
// v1 and v2 as facebookresearch/moco's main_moco.py (v2: its `aug_plus`), v3 as moco-v3's
// asymmetric pair (blur always on the first view and rarely on the second, which is solarized
// instead). Both views are drawn from the global generator, the first view's draws first.
import { tidy } from '../scope';
import type { Tensor } from '../tensor';
import { checkOptions } from '../check';
import { colorJitter, compose, gaussianBlur, horizontalFlip, normalize, randomGrayscale, randomResizedCrop, randomSolarize, Transform } from './transforms';

/** Two independently augmented views of a batch (MoCo's query and key images), each new. */
export type TwoViewTransform = (batch: Tensor) => [Tensor, Tensor];

export interface MoCoTransformOptions {
  /** The crops' output size. */
  size: number | [number, number];
  /** Per-channel statistics each view is normalized with (the dataset's). */
  mean: number[];
  std: number[];
  /** The smallest crop, as a fraction of the image (default 0.2; v3: 0.08). */
  minScale?: number;
  /** The Gaussian blur's range of sigma (default [0.1, 2]; v1 does not blur). */
  sigma?: [number, number];
}

function twoViews(first: Transform, second: Transform): TwoViewTransform {
  return (batch) => tidy(() => [first(batch), second(batch)]);
}

// What every recipe starts and ends with: the random resized crop and the normalization.
function cropAndNormalize(where: string, options: MoCoTransformOptions, minScale: number) {
  const { size, mean, std, minScale: smallest = minScale, sigma = [0.1, 2] } = checkOptions(where, options, ['options', 1]);
  return { crop: randomResizedCrop({ size, scale: [smallest, 1] }), toStatistics: normalize({ mean, std }), sigma };
}

/** MoCo v1: crop, grayscale (0.2), strong color jitter, flip; the same recipe for both views. */
export function mocoV1Transform(options: MoCoTransformOptions): TwoViewTransform {
  const { crop, toStatistics } = cropAndNormalize('mocoV1Transform', options, 0.2);
  const jitter = colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.4 });
  const view = compose([crop, randomGrayscale({ p: 0.2 }), jitter, horizontalFlip(), toStatistics]);
  return twoViews(view, view);
}

/** MoCo v2: crop, color jitter (0.8), grayscale (0.2), blur (0.5), flip; the same recipe for both views. */
export function mocoV2Transform(options: MoCoTransformOptions): TwoViewTransform {
  const { crop, toStatistics, sigma } = cropAndNormalize('mocoV2Transform', options, 0.2);
  const jitter = colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 });
  const view = compose([crop, jitter, randomGrayscale({ p: 0.2 }), gaussianBlur({ sigma, p: 0.5 }), horizontalFlip(), toStatistics]);
  return twoViews(view, view);
}

/** MoCo v3: crop, color jitter (0.8), grayscale (0.2), then blur (1) for the first view, blur (0.1) and solarize (0.2) for the second, flip. */
export function mocoV3Transform(options: MoCoTransformOptions): TwoViewTransform {
  const { crop, toStatistics, sigma } = cropAndNormalize('mocoV3Transform', options, 0.08);
  const jitter = colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1, p: 0.8 });
  const grayscale = randomGrayscale({ p: 0.2 });
  const flip = horizontalFlip();
  return twoViews(
    compose([crop, jitter, grayscale, gaussianBlur({ sigma, p: 1 }), flip, toStatistics]),
    compose([crop, jitter, grayscale, gaussianBlur({ sigma, p: 0.1 }), randomSolarize({ threshold: 0.5, p: 0.2 }), flip, toStatistics]),
  );
}
