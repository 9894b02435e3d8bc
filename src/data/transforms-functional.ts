// The deterministic halves of the augmentations, for a whole batch [N, C, H, W] at once: each
// takes its parameters per sample (a number for all, or a tensor [N]) and is a few tensor ops on
// the batch's device. They follow torchvision.transforms.functional on float tensors in [0, 1].
// Chains of elementwise ops write in place into the fresh tensor their first op made
// (`a.mul(r).add_(b).clamp_(0, 1)`): one allocation and fewer passes over the batch than a new
// tensor per op, in the same order of operations (so the same rounding).
import { aten } from '../ops';
import { arange, cat, full, stack, tensor, where } from '../factories';
import { conv2d, pad as padLastDims } from '../functional';
import { tidy } from '../scope';
import type { Tensor } from '../tensor';
import { checkTensor, describe } from '../check';

/** A number for every sample, or one per sample (a tensor [N] or an array). */
export type PerSample = number | Tensor | number[];

/** Checks a batch [N, C, H, W] of floats and returns its shape. */
export function batchShape(x: Tensor, what: string): [number, number, number, number] {
  const shape = checkTensor(what, ['batch', 1], x).shape;
  if (shape.length !== 4) throw new Error(`${what}: expected a batch [N, C, H, W], got shape [${shape}]`);
  if (!['float32', 'float64', 'float16', 'bfloat16'].includes(x.dtype)) {
    throw new TypeError(`${what}: expected a floating-point batch (uint8 images: .float().div(255)), got ${x.dtype}`);
  }
  return shape as [number, number, number, number];
}

// A per-sample parameter as [N, 1, 1, 1] (a number stays a number: broadcast for free).
function column(value: PerSample, like: Tensor): Tensor | number {
  if (typeof value === 'number') return value;
  const values = Array.isArray(value) ? tensor(value, { dtype: like.dtype, device: like.device }) : value;
  return values.view(-1, 1, 1, 1);
}

// ratio * a + (1 - ratio) * b, clamped to [0, 1] (torchvision's _blend). The ratio and b are
// small ([N, 1, 1, 1], or [N, 1, H, W] for a gray image), so only `out` is batch-sized.
function blend(a: Tensor, b: Tensor | number, ratio: Tensor | number): Tensor {
  const out = a.mul(ratio);
  if (b !== 0) {
    const rest = typeof ratio === 'number' ? 1 - ratio : ratio.neg().add_(1);
    out.add_(typeof b === 'number' ? (typeof rest === 'number' ? rest * b : rest.mul(b)) : b.mul(rest));
  }
  return out.clamp_(0, 1);
}

/** Luma 0.2989 R + 0.587 G + 0.114 B as [N, 1, H, W]; a 1-channel batch is returned as it is. */
export function rgbToGrayscale(x: Tensor): Tensor {
  const [, channels] = batchShape(x, 'rgbToGrayscale');
  if (channels === 1) return x;
  if (channels !== 3) throw new Error(`rgbToGrayscale: expected 1 or 3 channels, got ${channels}`);
  return tidy(() => {
    const [r, g, b] = x.split(1, 1);
    return r.mul(0.2989).add_(g.mul(0.587)).add_(b.mul(0.114));
  });
}

/** Multiplies by `factor` (0: black, 1: unchanged), clamped to [0, 1]. */
export function adjustBrightness(x: Tensor, factor: PerSample): Tensor {
  batchShape(x, 'adjustBrightness');
  return tidy(() => blend(x, 0, column(factor, x)));
}

/** Blends with the image's mean gray level (0: flat gray, 1: unchanged); works on 1 or 3 channels. */
export function adjustContrast(x: Tensor, factor: PerSample): Tensor {
  batchShape(x, 'adjustContrast');
  return tidy(() => blend(x, rgbToGrayscale(x).mean([1, 2, 3], { keepdim: true }), column(factor, x)));
}

/** Blends with the grayscale image (0: gray, 1: unchanged). A 1-channel batch is returned unchanged. */
export function adjustSaturation(x: Tensor, factor: PerSample): Tensor {
  const [, channels] = batchShape(x, 'adjustSaturation');
  if (channels === 1) return x;
  return tidy(() => blend(x, rgbToGrayscale(x), column(factor, x)));
}

/** Rotates the hue by `shift` turns (in [-0.5, 0.5]) through HSV. A 1-channel batch is returned unchanged. */
export function adjustHue(x: Tensor, shift: PerSample): Tensor {
  const [, channels] = batchShape(x, 'adjustHue');
  if (channels === 1) return x;
  if (channels !== 3) throw new Error(`adjustHue: expected 1 or 3 channels, got ${channels}`);
  return tidy(() => {
    const [h, s, v] = rgbToHsv(x);
    return hsvToRgb(h.add_(column(shift, x)).remainder(1), s, v);
  });
}

// Hue in turns [0, 1), saturation and value, each [N, 1, H, W].
function rgbToHsv(x: Tensor): [Tensor, Tensor, Tensor] {
  const [r, g, b] = x.split(1, 1);
  const max: Tensor = aten.amax(x, [1], true);
  const min: Tensor = aten.amin(x, [1], true);
  const chroma = max.sub(min);
  const gray = max.eq(min);
  const saturation = chroma.div(where(gray, 1, max));
  const safeChroma = where(gray, 1, chroma);
  // Which channel is largest decides the hue's sextant (red first, then green, as torchvision).
  const fromRed = g.sub(b).div_(safeChroma);
  const fromGreen = b.sub(r).div_(safeChroma).add_(2);
  const fromBlue = r.sub(g).div_(safeChroma).add_(4);
  const sextant = where(max.eq(r), fromRed, where(max.eq(g), fromGreen, fromBlue));
  return [sextant.div_(6).remainder(1), saturation, max];
}

// Each channel is v - v s clamp(min(k, 4 - k), 0, 1) with k = (n + 6 h) mod 6, n = 5, 3, 1 for R, G, B.
function hsvToRgb(h: Tensor, s: Tensor, v: Tensor): Tensor {
  const vs = v.mul(s);
  const channel = (n: number) => {
    const k = h.mul(6).add_(n).remainder(6);
    return v.sub(k.neg().add_(4).min(k).clamp_(0, 1).mul_(vs));
  };
  return cat([channel(5), channel(3), channel(1)], 1);
}

/** The 1-channel gray image repeated over the batch's channels. */
export function toGrayscale(x: Tensor): Tensor {
  const [n, channels, height, width] = batchShape(x, 'toGrayscale');
  if (channels === 1) return x;
  return tidy(() => rgbToGrayscale(x).expand(n, channels, height, width));
}

/**
 * Gaussian blur with a per-sample `sigma` and an odd `kernelSize`, reflect-padded (torchvision's
 * gaussian_blur), done as two depthwise convolutions whose kernels differ per sample.
 */
export function gaussianBlur(x: Tensor, sigma: PerSample, kernelSize: number): Tensor {
  const [n, channels, height, width] = batchShape(x, 'gaussianBlur');
  const radius = (kernelSize - 1) / 2;
  if (!Number.isInteger(radius) || radius < 0) throw new RangeError(`gaussianBlur: kernelSize must be a positive odd integer, got ${kernelSize}`);
  if (radius >= Math.min(height, width)) throw new RangeError(`gaussianBlur: kernelSize ${kernelSize} too large for ${height}x${width} images (reflect padding)`);
  return tidy(() => {
    const offsets = arange(-radius, radius + 1, 1, { dtype: x.dtype, device: x.device });
    const sigmas = typeof sigma === 'number' ? sigma : (column(sigma, x) as Tensor).view(-1, 1);
    const density = offsets.div(sigmas).square().mul(-0.5).exp();
    const kernels = density.div(density.sum(-1, { keepdim: true }));
    const groups = n * channels;
    const weights = kernels.view(-1, 1, kernelSize).expand(n, channels, kernelSize).reshape(groups, 1, kernelSize);
    const padded = padLastDims(x, [radius, radius, radius, radius], { mode: 'reflect' }).reshape(1, groups, height + 2 * radius, width + 2 * radius);
    const vertical = conv2d(padded, weights.unsqueeze(3), null, { groups });
    return conv2d(vertical, weights.unsqueeze(2), null, { groups }).reshape(n, channels, height, width);
  });
}

/** Per-sample boxes as [N, 4] rows of (top, left, height, width) in pixels. */
export type Boxes = Tensor | number[][];

/**
 * Crops each sample's box and resizes it to `size` bilinearly, as torchvision's resized_crop on
 * tensors without antialiasing (source pixels at half-pixel centres, clamped inside the box),
 * done as one grid_sample over the batch.
 */
export function resizedCrop(x: Tensor, boxes: Boxes, size: number | [number, number]): Tensor {
  const [n, , height, width] = batchShape(x, 'resizedCrop');
  const [outHeight, outWidth] = pair(size, 'resizedCrop: size');
  return tidy(() => {
    const box = Array.isArray(boxes) ? tensor(boxes, { dtype: x.dtype, device: x.device }) : boxes.to(x.dtype);
    if (box.ndim !== 2 || box.shape[0] !== n || box.shape[1] !== 4) throw new Error(`resizedCrop: boxes must be [${n}, 4], got [${box.shape}]`);
    const [top, left, boxHeight, boxWidth] = box.unbind(1);
    const gx = gridCoordinates(left, boxWidth, outWidth, width).unsqueeze(1).expand(n, outHeight, outWidth);
    const gy = gridCoordinates(top, boxHeight, outHeight, height).unsqueeze(2).expand(n, outHeight, outWidth);
    return aten.grid_sampler(x, stack([gx, gy], 3), BILINEAR, BORDER, false);
  });
}

const BILINEAR = 0;
const BORDER = 1;

// Along one axis, [N, out]: where each output pixel samples the input, as grid_sample's
// normalized coordinates (align_corners false: -1 and 1 are the outer edges of the image).
function gridCoordinates(start: Tensor, extent: Tensor, out: number, full: number): Tensor {
  const centres = arange(0.5, out, 1, { dtype: start.dtype, device: start.device });
  const source = centres.mul(extent.div(out).unsqueeze(1)).sub(0.5);
  const pixel = source.clamp(0, extent.sub(1).unsqueeze(1)).add(start.unsqueeze(1));
  return pixel.mul(2).add(1).div(full).sub(1);
}

export type PaddingMode = 'constant' | 'edge' | 'reflect';

/** torchvision's padding: one number for all sides, [leftRight, topBottom], or [left, top, right, bottom]. */
export type Padding = number | [number, number] | [number, number, number, number];

/** Pads the last two dimensions: 'constant' (with `fill`), 'edge' (repeat the border), 'reflect' (mirror without repeating it). */
export function pad(x: Tensor, padding: Padding, mode: PaddingMode = 'constant', fill = 0): Tensor {
  batchShape(x, 'pad');
  const sides = typeof padding === 'number' ? [padding, padding, padding, padding] : padding.length === 2 ? [...padding, ...padding] : padding;
  if (sides.length !== 4 || !sides.every((p) => Number.isSafeInteger(p) && p >= 0)) throw new RangeError(`pad: padding must be non-negative integers, got ${Array.isArray(padding) ? `[${padding.map(describe).join(', ')}]` : describe(padding)}`);
  const [left, top, right, bottom] = sides;
  if (!(mode in PADDING_MODES)) throw new Error(`pad: unknown mode '${mode}' (constant, edge or reflect)`);
  if (sides.every((p) => p === 0)) return x;
  return padLastDims(x, [left, right, top, bottom], { mode: PADDING_MODES[mode], value: fill });
}

// torchvision's names of the padding modes, as PyTorch's F.pad calls them.
const PADDING_MODES = { constant: 'constant', edge: 'replicate', reflect: 'reflect' } as const;
export const PADDING_MODE_NAMES = Object.keys(PADDING_MODES) as PaddingMode[];

/**
 * Each sample's `height` x `width` window at its own integer (top, left): two gathers, exact.
 * The offsets are checked against the image (a device sync when they are tensors on a GPU).
 */
export function crop(x: Tensor, top: PerSample, left: PerSample, height: number, width: number): Tensor {
  const [n, , fullHeight, fullWidth] = batchShape(x, 'crop');
  return tidy(() => {
    const offsets = (value: PerSample, extent: number, limit: number): Tensor => {
      const start = typeof value === 'number' ? full([n], value, { dtype: 'int64', device: x.device }) : (column(value, x) as Tensor).view(-1).long();
      if (start.shape[0] !== n) throw new Error(`crop: expected ${n} offsets, got ${start.shape[0]}`);
      const [lowest, highest] = [start.min().item(), start.max().item()];
      if (lowest < 0 || highest + extent > limit) throw new RangeError(`crop: a ${extent}-pixel window at offsets ${lowest}..${highest} leaves the ${limit}-pixel image`);
      return start;
    };
    return windows(x, offsets(top, height, fullHeight), offsets(left, width, fullWidth), height, width);
  });
}

/** `crop` with int64 [N] offsets known to fit (not checked). */
export function windows(x: Tensor, top: Tensor, left: Tensor, height: number, width: number): Tensor {
  const [n, channels, , fullWidth] = x.shape;
  return tidy(() => {
    const span = (start: Tensor, extent: number) => start.unsqueeze(1).add(arange(extent, { dtype: 'int64', device: x.device }));
    const rows = span(top, height).view(n, 1, height, 1).expand(n, channels, height, fullWidth);
    const cols = span(left, width).view(n, 1, 1, width).expand(n, channels, height, width);
    return x.gather(2, rows).gather(3, cols);
  });
}

/** Inverts (`1 - x`) every pixel at or above `threshold`, the rest kept (torchvision's `solarize` on floats in [0, 1]). */
export function solarize(x: Tensor, threshold: number): Tensor {
  batchShape(x, 'solarize');
  return tidy(() => where(x.ge(threshold), x.neg().add_(1), x));
}

/** `(x - mean) / std` per channel, with `mean` and `std` [C, 1, 1] (or [1, 1, 1]) tensors. */
export function normalize(x: Tensor, mean: Tensor, std: Tensor): Tensor {
  batchShape(x, 'normalize');
  return tidy(() => x.sub(mean).div(std));
}

/** `size` as [height, width]. */
export function pair(size: number | [number, number], what: string): [number, number] {
  const [h, w] = typeof size === 'number' ? [size, size] : Array.isArray(size) && size.length === 2 ? size : [NaN, NaN];
  if (!Number.isSafeInteger(h) || !Number.isSafeInteger(w) || h < 1 || w < 1) throw new RangeError(`${what} must be a positive integer or a pair of them, got ${Array.isArray(size) ? `[${size.map(describe).join(', ')}]` : describe(size)}`);
  return [h, w];
}
