// Batched random augmentations. Each factory takes an options object and returns a function
// (batch [N, C, H, W] float) => Tensor that draws its random parameters per sample from the
// global generator on the batch's device (so `manualSeed` repeats them) and does the whole
// batch's work in a few tensor ops there. Intermediates are freed before the function returns.
import { aten } from '../ops';
import { rand, randint, randnLike, stack, tensor, where } from '../factories';
import { keep, tidy } from '../scope';
import type { Tensor } from '../tensor';
import * as functional from './transforms-functional';
import { batchShape, pair, Padding, PaddingMode, PADDING_MODE_NAMES } from './transforms-functional';
import { checkArray, checkChoice, checkInt, checkNumber, checkOptions, describe, fail } from '../check';
import { ArgumentValueError } from '../errors';

export { functional };

/**
 * A batched augmentation: (batch [N, C, H, W] float) => Tensor. Where it has nothing to do (a
 * colour op on 1 channel, all-zero jitter, an empty compose) it returns its input itself, so
 * dispose an output only when it is not the input (compose does this for its intermediates).
 */
export type Transform = (batch: Tensor) => Tensor;

type Range = [number, number];

// Uniform draws in [low, high) of the given size, on the batch's device and in its dtype.
function uniform(like: Tensor, size: number[], [low, high]: Range): Tensor {
  return rand(size, { dtype: like.dtype, device: like.device }).mul(high - low).add(low);
}

// Which samples an augmentation applies to, as a [N, 1, 1, 1] mask.
function chosen(like: Tensor, p: number): Tensor {
  return rand([like.shape[0], 1, 1, 1], { device: like.device }).lt(p);
}

function probability(p: unknown, what: string): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ArgumentValueError(`${what}: p must be in [0, 1], got ${describe(p)}`);
  return p;
}

function checkRange(range: unknown, what: string, min = 0): Range {
  const [low, high] = Array.isArray(range) && range.length === 2 ? range : [NaN, NaN];
  if (!(typeof low === 'number' && typeof high === 'number' && low >= min && high >= low && high < Infinity)) {
    throw new ArgumentValueError(`${what} must be [low, high] with ${min} <= low <= high, got ${Array.isArray(range) ? `[${range.map(describe).join(', ')}]` : describe(range)}`);
  }
  return [low, high];
}

/**
 * Crops a random area (a `scale` fraction of the image, default [0.08, 1]) of random aspect
 * ratio (log-uniform in `ratio`, default [3/4, 4/3]) from each sample and resizes it to `size`,
 * as torchvision's RandomResizedCrop (up to ten tries per sample, then the central crop),
 * bilinearly without antialiasing: one grid_sample for the batch.
 */
export function randomResizedCrop(options: { size: number | [number, number]; scale?: Range; ratio?: Range }): Transform {
  const { size, scale = [0.08, 1], ratio = [3 / 4, 4 / 3] } = checkOptions('randomResizedCrop', options, ['options', 1]);
  pair(size, 'randomResizedCrop: size');
  checkRange(scale, 'randomResizedCrop: scale');
  checkRange(ratio, 'randomResizedCrop: ratio', Number.MIN_VALUE);
  return (x) => {
    const [n, , height, width] = batchShape(x, 'randomResizedCrop');
    return tidy(() => functional.resizedCrop(x, cropBoxes(x, n, height, width, scale, ratio), size));
  };
}

const CROP_TRIES = 10;

// RandomResizedCrop's parameters for every sample at once, as boxes [N, 4] (top, left, h, w).
function cropBoxes(x: Tensor, n: number, height: number, width: number, scale: Range, ratio: Range): Tensor {
  const area = uniform(x, [n, CROP_TRIES], scale).mul(height * width);
  const aspect = uniform(x, [n, CROP_TRIES], [Math.log(ratio[0]), Math.log(ratio[1])]).exp();
  const w = area.mul(aspect).sqrt().round();
  const h = area.div(aspect).sqrt().round();
  const fits = w.gt(0).logicalAnd(w.le(width)).logicalAnd(h.gt(0)).logicalAnd(h.le(height));
  const firstFit = fits.logicalAnd(fits.cumsum(1).eq(1));
  const found = fits.any(1);
  const [fallbackHeight, fallbackWidth] = centralCropSize(height, width, ratio);
  const boxHeight = where(found, h.mul(firstFit).sum(1), fallbackHeight);
  const boxWidth = where(found, w.mul(firstFit).sum(1), fallbackWidth);
  // Uniform whole-pixel offsets where a try fitted, else centred.
  const offset = (extent: Tensor, size: number) =>
    where(found, rand([n], { dtype: x.dtype, device: x.device }).mul(extent.neg().add(size + 1)).floor(), extent.neg().add(size).div(2).floor());
  return stack([offset(boxHeight, height), offset(boxWidth, width), boxHeight, boxWidth], 1);
}

// The whole image, trimmed to the nearest allowed aspect ratio.
function centralCropSize(height: number, width: number, [low, high]: Range): [number, number] {
  const aspect = width / height;
  if (aspect < low) return [Math.round(width / low), width];
  if (aspect > high) return [height, Math.round(height * high)];
  return [height, width];
}

/**
 * Pads each sample (`padding`, torchvision's convention; `paddingMode` 'constant' with `fill`,
 * 'edge' or 'reflect') and crops a `size` window at a random integer offset: exact, two gathers.
 */
export function randomCrop(options: { size: number | [number, number]; padding?: Padding; paddingMode?: PaddingMode; fill?: number }): Transform {
  const { size, padding = 0, paddingMode = 'constant', fill = 0 } = checkOptions('randomCrop', options, ['options', 1]);
  const [height, width] = pair(size, 'randomCrop: size');
  checkPadding(padding);
  checkChoice('randomCrop', 'paddingMode', paddingMode, PADDING_MODE_NAMES);
  checkNumber('randomCrop', 'fill', fill);
  return (x) => {
    batchShape(x, 'randomCrop');
    return tidy(() => {
      const padded = functional.pad(x, padding, paddingMode, fill);
      const [n, , paddedHeight, paddedWidth] = padded.shape;
      if (height > paddedHeight || width > paddedWidth) throw new ArgumentValueError(`randomCrop: size ${height}x${width} larger than the padded ${paddedHeight}x${paddedWidth} images`);
      const top = randint(0, paddedHeight - height + 1, [n], { device: x.device });
      const left = randint(0, paddedWidth - width + 1, [n], { device: x.device });
      return functional.windows(padded, top, left, height, width);
    });
  };
}

// torchvision's padding: one size, [leftRight, topBottom] or [left, top, right, bottom].
function checkPadding(padding: unknown): void {
  const size = (n: unknown, name: string | [string, number]) => checkInt('randomCrop', name, n, 0);
  if (Array.isArray(padding) && padding.length !== 2 && padding.length !== 4) throw new ArgumentValueError(`randomCrop: padding must be one size or a list of 2 or 4, got ${padding.length}`);
  if (Array.isArray(padding)) checkArray('randomCrop', 'padding', padding, size);
  else size(padding, 'padding');
}

/**
 * Shifts each sample by a random whole number of pixels in [-pixels, pixels] along each axis,
 * filling with the mirror image by default (Mean Teacher's RandomTranslateWithReflect), or with
 * `mode` 'edge' or 'constant' (zeros). Same size out.
 */
export function translate(options: { pixels: number; mode?: PaddingMode }): Transform {
  const { pixels, mode = 'reflect' } = checkOptions('translate', options, ['options', 1]);
  if (!Number.isSafeInteger(pixels) || pixels < 0) throw new ArgumentValueError(`translate: pixels must be a non-negative integer, got ${describe(pixels)}`);
  checkChoice('translate', 'mode', mode, PADDING_MODE_NAMES);
  return (x) => {
    const [, , height, width] = batchShape(x, 'translate');
    return randomCrop({ size: [height, width], padding: pixels, paddingMode: mode })(x);
  };
}

/** Mirrors each sample left-right with probability `p` (default 0.5). */
export function horizontalFlip(options: { p?: number } = {}): Transform {
  const { p = 0.5 } = checkOptions('horizontalFlip', options, ['options', 1]);
  probability(p, 'horizontalFlip');
  return (x) => {
    batchShape(x, 'horizontalFlip');
    return tidy(() => where(chosen(x, p), x.flip(3), x));
  };
}

/** A jitter strength: `s` for [max(0, 1 - s), 1 + s] (hue: [-s, s]), or the range itself. */
export type Jitter = number | Range;

function factorRange(value: Jitter, what: string): Range | undefined {
  // A negative strength is refused (as torchvision does), not clipped into a range.
  const range = checkRange(typeof value === 'number' ? [value >= 0 ? Math.max(0, 1 - value) : NaN, 1 + value] : value, `colorJitter: ${what}`);
  return range[0] === 1 && range[1] === 1 ? undefined : range;
}

function hueRange(value: Jitter): Range | undefined {
  const range = checkRange(typeof value === 'number' ? [-value, value] : value, 'colorJitter: hue', -0.5);
  if (range[1] > 0.5) throw new ArgumentValueError(`colorJitter: hue must lie in [-0.5, 0.5], got [${range}]`);
  return range[0] === 0 && range[1] === 0 ? undefined : range;
}

/**
 * Random brightness, contrast, saturation and hue changes (torchvision's ColorJitter), applied to
 * each sample with probability `p` (default 1; MoCo v2 uses 0.8 as its RandomApply). The factors
 * are drawn per sample; the order of the four adjustments is drawn once per batch (as Kornia's
 * batched ColorJitter does), since a per-sample order would cost all four at each step.
 * On 1-channel batches brightness and contrast apply and saturation and hue are the identity.
 * Zero strengths are skipped, so all-zero options return the input itself.
 */
export function colorJitter(options: { brightness?: Jitter; contrast?: Jitter; saturation?: Jitter; hue?: Jitter; p?: number } = {}): Transform {
  const { brightness = 0, contrast = 0, saturation = 0, hue = 0, p = 1 } = checkOptions('colorJitter', options, ['options', 1]);
  probability(p, 'colorJitter');
  const adjustments: [Range | undefined, (x: Tensor, factor: Tensor) => Tensor][] = [
    [factorRange(brightness, 'brightness'), functional.adjustBrightness],
    [factorRange(contrast, 'contrast'), functional.adjustContrast],
    [factorRange(saturation, 'saturation'), functional.adjustSaturation],
    [hueRange(hue), functional.adjustHue],
  ];
  if (adjustments.every(([range]) => range === undefined)) {
    return (x) => {
      batchShape(x, 'colorJitter');
      return x;
    };
  }
  return (x) => {
    const [n] = batchShape(x, 'colorJitter');
    return tidy(() => {
      const order = (aten.randperm(4, { dtype: 'int32' }) as Tensor).dataSync() as Int32Array;
      const factors = adjustments.map(([range]) => range && uniform(x, [n], range));
      let out = x;
      for (const k of order) {
        const [range, adjust] = adjustments[k];
        if (range) out = adjust(out, factors[k] as Tensor);
      }
      return p < 1 ? where(chosen(x, p), out, x) : out;
    });
  };
}

/** Turns each sample gray (kept with C channels) with probability `p` (default 0.1). The identity on 1-channel batches. */
export function randomGrayscale(options: { p?: number } = {}): Transform {
  const { p = 0.1 } = checkOptions('randomGrayscale', options, ['options', 1]);
  probability(p, 'randomGrayscale');
  return (x) => {
    const [, channels] = batchShape(x, 'randomGrayscale');
    if (channels === 1) return x;
    return tidy(() => where(chosen(x, p), functional.toGrayscale(x), x));
  };
}

/**
 * Blurs each sample with probability `p` (default 0.5) by a Gaussian of standard deviation drawn
 * uniformly from `sigma` (default [0.1, 2], MoCo v2's). `kernelSize` (odd) defaults to
 * 2 ceil(3 sigmaMax) + 1, shrunk to fit the image; reflect padding, as torchvision.
 */
export function gaussianBlur(options: { sigma?: number | Range; p?: number; kernelSize?: number } = {}): Transform {
  const { sigma = [0.1, 2], p = 0.5, kernelSize } = checkOptions('gaussianBlur', options, ['options', 1]);
  const range = checkRange(typeof sigma === 'number' ? [sigma, sigma] : sigma, 'gaussianBlur: sigma', Number.MIN_VALUE);
  probability(p, 'gaussianBlur');
  if (kernelSize !== undefined && checkInt('gaussianBlur', 'kernelSize', kernelSize, 1) % 2 === 0) throw new ArgumentValueError(`gaussianBlur: kernelSize must be odd, got ${kernelSize}`);
  return (x) => {
    const [n, , height, width] = batchShape(x, 'gaussianBlur');
    const largest = 2 * Math.min(height, width) - 1;
    const size = kernelSize ?? Math.min(2 * Math.ceil(3 * range[1]) + 1, largest);
    return tidy(() => {
      const blurred = functional.gaussianBlur(x, uniform(x, [n], range), size);
      return p < 1 ? where(chosen(x, p), blurred, x) : blurred;
    });
  };
}

/**
 * Solarizes each sample (inverts its pixels at or above `threshold`) with probability `p`
 * (default 0.5), as torchvision's RandomSolarize; MoCo v3 uses threshold 0.5 and p 0.2.
 */
export function randomSolarize(options: { threshold: number; p?: number }): Transform {
  const { threshold, p = 0.5 } = checkOptions('randomSolarize', options, ['options', 1]);
  checkNumber('randomSolarize', 'threshold', threshold);
  probability(p, 'randomSolarize');
  return (x) => {
    batchShape(x, 'randomSolarize');
    return tidy(() => where(chosen(x, p), functional.solarize(x, threshold), x));
  };
}

/** Adds Gaussian noise of standard deviation `std` to every element (not clamped). */
export function gaussianNoise(options: { std: number }): Transform {
  const { std } = checkOptions('gaussianNoise', options, ['options', 1]);
  if (typeof std !== 'number' || !(std >= 0 && std < Infinity)) throw new ArgumentValueError(`gaussianNoise: std must be >= 0, got ${describe(std)}`);
  return (x) => {
    batchShape(x, 'gaussianNoise');
    return tidy(() => x.add(randnLike(x).mul(std)));
  };
}

/**
 * `(x - mean) / std` per channel (torchvision's Normalize); `mean` and `std` have one entry per
 * channel (or one for all). Their tensors are made once per device and dtype.
 */
export function normalize(options: { mean: number[]; std: number[] }): Transform {
  const { mean, std } = checkOptions('normalize', options, ['options', 1]);
  const finite = (v: unknown, name: string) => checkNumber('normalize', name, v);
  checkArray('normalize', 'mean', mean, finite, 'an array of numbers');
  checkArray('normalize', 'std', std, finite, 'an array of numbers');
  if (mean.length !== std.length || mean.length === 0) throw new Error(`normalize: mean (${mean.length}) and std (${std.length}) need the same, non-zero length`);
  if (std.some((s) => s <= 0)) throw new ArgumentValueError(`normalize: std must be positive, got [${std}]`);
  const constants = new Map<string, [Tensor, Tensor]>();
  return (x) => {
    const [, channels] = batchShape(x, 'normalize');
    if (mean.length !== 1 && mean.length !== channels) throw new Error(`normalize: ${mean.length} means for ${channels} channels`);
    const key = `${x.device}/${x.dtype}`;
    if (!constants.has(key)) {
      const make = (values: number[]) => keep(tidy(() => tensor(values, { dtype: x.dtype, device: x.device }).view(-1, 1, 1)));
      constants.set(key, [make(mean), make(std)]);
    }
    const [m, s] = constants.get(key) as [Tensor, Tensor];
    return functional.normalize(x, m, s);
  };
}

/** Applies the transforms in order, freeing each intermediate batch (never the input). */
export function compose(transforms: Transform[]): Transform {
  checkArray('compose', ['transforms', 1], transforms, (t, name) => (typeof t === 'function' ? t : fail('compose', name, 'a transform function', t)), 'an array of transforms');
  return (x) => {
    let out = x;
    for (const transform of transforms) {
      const next = transform(out);
      if (out !== x && out !== next) out.dispose();
      out = next;
    }
    return out;
  };
}
