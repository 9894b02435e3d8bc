// Batched augmentations: the deterministic halves against torchvision.transforms.functional
// (test/oracle/data_transforms.py), degenerate settings against exact results, and the random
// ones for shapes, ranges, per-sample differences and repeatability under a seed.
import * as torch from '../src';
import { Tensor } from '../src';
import { encode, maxAbsDiff, runOracle, values } from './data-oracle';

const { transforms: T } = torch.data;
const Fn = T.functional;
const aten = torch.ops.aten;

type Encoded = { shape: number[]; values: number[] };

function batch(seed: number, shape: number[]): Tensor {
  torch.manualSeed(seed);
  return torch.rand(shape);
}

// Every sample the same image: what differs between output samples comes from per-sample draws.
function repeated(seed: number, shape: number[]): Tensor {
  torch.manualSeed(seed);
  const one = torch.rand([1, ...shape.slice(1)]);
  return aten.contiguous(aten.expand(one, shape));
}

function sample(t: Tensor, i: number): number[] {
  return values(aten.select(t, 0, i));
}

function distinctSamples(t: Tensor): number {
  return new Set(Array.from({ length: t.shape[0] }, (_, i) => sample(t, i).join(','))).size;
}

describe('transforms.functional against torchvision', () => {
  const rgb = batch(1, [4, 3, 16, 16]);
  const gray = batch(2, [4, 1, 16, 16]);
  const factors = [0.3, 0.9, 1.4, 1.8];
  const hues = [-0.45, -0.1, 0.2, 0.5];
  const sigmas = [0.3, 0.8, 1.5, 2.5];
  const boxes = [
    [0, 0, 16, 16],
    [2, 3, 7, 9],
    [5, 1, 11, 6],
    [0, 4, 16, 12],
  ];
  const tops = [0, 3, 5, 7];
  const lefts = [8, 0, 2, 7];

  const cases: [string, object, () => Tensor, number][] = [
    ['resized crop, up and down', { op: 'resized_crop', x: encode(rgb), boxes, size: [10, 13] }, () => Fn.resizedCrop(rgb, boxes, [10, 13]), 2e-6],
    ['resized crop, 1 channel', { op: 'resized_crop', x: encode(gray), boxes, size: [20, 20] }, () => Fn.resizedCrop(gray, boxes, 20), 2e-6],
    ['brightness', { op: 'brightness', x: encode(rgb), factors }, () => Fn.adjustBrightness(rgb, factors), 1e-6],
    ['contrast', { op: 'contrast', x: encode(rgb), factors }, () => Fn.adjustContrast(rgb, factors), 1e-6],
    ['contrast, 1 channel', { op: 'contrast', x: encode(gray), factors }, () => Fn.adjustContrast(gray, factors), 1e-6],
    ['saturation', { op: 'saturation', x: encode(rgb), factors }, () => Fn.adjustSaturation(rgb, factors), 1e-6],
    ['hue', { op: 'hue', x: encode(rgb), factors: hues }, () => Fn.adjustHue(rgb, hues), 5e-6],
    ['grayscale', { op: 'grayscale', x: encode(rgb) }, () => Fn.toGrayscale(rgb), 1e-6],
    ['gaussian blur, kernel 5', { op: 'gaussian_blur', x: encode(rgb), sigmas, kernel_size: 5 }, () => Fn.gaussianBlur(rgb, sigmas, 5), 1e-6],
    ['gaussian blur, kernel 11, 1 channel', { op: 'gaussian_blur', x: encode(gray), sigmas, kernel_size: 11 }, () => Fn.gaussianBlur(gray, sigmas, 11), 1e-6],
    ...(['constant', 'edge', 'reflect'] as const).map(
      (mode): [string, object, () => Tensor, number] => [
        `pad (${mode}) and crop`,
        { op: 'pad_crop', x: encode(rgb), padding: [4, 2, 3, 1], mode, fill: 0.5, tops, lefts, size: [12, 10] },
        () => Fn.crop(Fn.pad(rgb, [4, 2, 3, 1], mode, 0.5), tops, lefts, 12, 10),
        0,
      ],
    ),
    ['normalize', { op: 'normalize', x: encode(rgb), mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] }, () => T.normalize({ mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] })(rgb), 1e-6],
    ['horizontal flip, p = 1', { op: 'hflip', x: encode(rgb) }, () => T.horizontalFlip({ p: 1 })(rgb), 0],
    ['solarize', { op: 'solarize', x: encode(rgb), threshold: 0.6 }, () => Fn.solarize(rgb, 0.6), 0],
    ['solarize, 1 channel', { op: 'solarize', x: encode(gray), threshold: 0.25 }, () => Fn.solarize(gray, 0.25), 0],
    // RandomSolarize's coin per image, tossed in turn from the generator seeded alike.
    ...[1, 4].map((seed): [string, object, () => Tensor, number] => [
      `random solarize, p = 0.5, seed ${seed}`,
      { op: 'random_solarize', x: encode(rgb), threshold: 0.4, p: 0.5, seed },
      () => {
        torch.manualSeed(seed);
        return T.randomSolarize({ threshold: 0.4, p: 0.5 })(rgb);
      },
      0,
    ]),
  ];

  let results: Encoded[];
  beforeAll(() => {
    results = runOracle<{ results: Encoded[] }>('data_transforms.py', { cases: cases.map(([, c]) => c) }).results;
  });

  test.each(cases.map(([name, , run, tol], i) => [name, run, tol, i] as const))('%s', (_name, run, tol, i) => {
    expect(maxAbsDiff(run(), results[i])).toBeLessThanOrEqual(tol);
  });
});

describe('degenerate settings give exact results', () => {
  const rgb = batch(3, [5, 3, 12, 12]);
  const gray = batch(4, [5, 1, 12, 12]);

  test('randomResizedCrop with scale 1 and ratio 1 is the identity', () => {
    for (const x of [rgb, gray]) expect(maxAbsDiff(T.randomResizedCrop({ size: 12, scale: [1, 1], ratio: [1, 1] })(x), x)).toBeLessThanOrEqual(1e-6);
  });

  test('horizontalFlip with p = 1 equals torch.flip, with p = 0 the input', () => {
    expect(maxAbsDiff(T.horizontalFlip({ p: 1 })(rgb), aten.flip(rgb, [3]))).toBe(0);
    expect(maxAbsDiff(T.horizontalFlip({ p: 0 })(rgb), rgb)).toBe(0);
  });

  test('colorJitter with zero strengths returns its input', () => {
    expect(T.colorJitter()(rgb)).toBe(rgb);
    expect(T.colorJitter({ brightness: 0, contrast: [1, 1], saturation: 0, hue: [0, 0], p: 0.5 })(rgb)).toBe(rgb);
    expect(maxAbsDiff(T.colorJitter({ brightness: 0.5, hue: 0.2, p: 0 })(rgb), rgb)).toBe(0);
  });

  test('on one channel saturation and hue are the identity', () => {
    expect(maxAbsDiff(T.colorJitter({ saturation: 0.9, hue: 0.4 })(gray), gray)).toBe(0);
    expect(T.randomGrayscale({ p: 1 })(gray)).toBe(gray);
  });

  test('randomGrayscale with p = 1 is the grayscale image in every channel', () => {
    const out = T.randomGrayscale({ p: 1 })(rgb);
    expect(maxAbsDiff(out, Fn.toGrayscale(rgb))).toBe(0);
    expect(maxAbsDiff(aten.select(out, 1, 0), aten.select(out, 1, 2))).toBe(0);
  });

  test('zero translation, a full-size crop, zero noise and p = 0 blur are the identity', () => {
    expect(maxAbsDiff(T.translate({ pixels: 0 })(rgb), rgb)).toBe(0);
    expect(maxAbsDiff(T.randomCrop({ size: 12 })(rgb), rgb)).toBe(0);
    expect(maxAbsDiff(T.gaussianNoise({ std: 0 })(rgb), rgb)).toBe(0);
    expect(maxAbsDiff(T.gaussianBlur({ p: 0 })(rgb), rgb)).toBe(0);
  });

  test('randomSolarize with p = 1 is solarize, with p = 0 the input', () => {
    expect(maxAbsDiff(T.randomSolarize({ threshold: 0.5, p: 1 })(rgb), Fn.solarize(rgb, 0.5))).toBe(0);
    expect(maxAbsDiff(T.randomSolarize({ threshold: 0.5, p: 0 })(rgb), rgb)).toBe(0);
    // at or above the threshold 1 - x, below it x
    expect(values(Fn.solarize(torch.tensor([0.2, 0.5, 0.75]).view(1, 1, 1, 3), 0.5))).toEqual([Math.fround(0.2), 0.5, 0.25]);
  });

  test('compose of nothing is the identity', () => {
    expect(T.compose([])(rgb)).toBe(rgb);
  });
});

describe('random settings', () => {
  const mocoV2 = () =>
    T.compose([
      T.randomResizedCrop({ size: 14, scale: [0.2, 1] }),
      T.colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 }),
      T.randomGrayscale({ p: 0.2 }),
      T.gaussianBlur({ sigma: [0.1, 2], p: 0.5 }),
      T.horizontalFlip(),
    ]);
  const unitRange: [string, () => T.Transform, number[]][] = [
    ['randomResizedCrop', () => T.randomResizedCrop({ size: [10, 14], scale: [0.08, 1] }), [10, 14]],
    ['randomCrop', () => T.randomCrop({ size: 12, padding: 2, paddingMode: 'reflect' }), [12, 12]],
    ['translate', () => T.translate({ pixels: 2 }), [16, 16]],
    ['horizontalFlip', () => T.horizontalFlip(), [16, 16]],
    ['colorJitter', () => T.colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 }), [16, 16]],
    ['randomGrayscale', () => T.randomGrayscale({ p: 0.5 }), [16, 16]],
    ['gaussianBlur', () => T.gaussianBlur({ sigma: [0.1, 2], p: 1 }), [16, 16]],
    ['MoCo v2 pipeline', mocoV2, [14, 14]],
  ];

  test.each(unitRange)('%s keeps shape and [0, 1], differs across samples, repeats under a seed', (_name, make, size) => {
    for (const channels of [3, 1]) {
      if (_name === 'randomGrayscale' && channels === 1) continue;
      const x = repeated(5, [32, channels, 16, 16]);
      const run = (seed: number) => {
        torch.manualSeed(seed);
        return make()(x);
      };
      const out = run(11);
      expect(out.shape).toEqual([32, channels, ...size]);
      const v = values(out);
      expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...v)).toBeLessThanOrEqual(1);
      expect(distinctSamples(out)).toBeGreaterThan(1);
      expect(maxAbsDiff(run(11), out)).toBe(0);
      expect(maxAbsDiff(run(12), out)).toBeGreaterThan(0);
    }
  });

  test('gaussianNoise adds noise of the given std, per element', () => {
    const x = torch.zeros([64, 3, 16, 16]);
    torch.manualSeed(7);
    const v = values(T.gaussianNoise({ std: 0.1 })(x));
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    expect(Math.abs(mean)).toBeLessThan(0.003);
    expect(Math.abs(std - 0.1)).toBeLessThan(0.003);
  });

  test('translate shifts every sample by a whole number of pixels within the limit', () => {
    const x = batch(8, [6, 3, 10, 10]);
    torch.manualSeed(9);
    const out = T.translate({ pixels: 3 })(x);
    const padded = Fn.pad(x, 3, 'reflect');
    for (let i = 0; i < 6; i++) {
      const want = sample(out, i).join(',');
      let found = false;
      for (let top = 0; top <= 6 && !found; top++) {
        for (let left = 0; left <= 6 && !found; left++) {
          found = values(aten.narrow(aten.narrow(aten.select(padded, 0, i), 1, top, 10), 2, left, 10)).join(',') === want;
        }
      }
      expect(found).toBe(true);
    }
  });

  test('randomResizedCrop falls back to the central crop when no try fits', () => {
    // Scale 1 and ratio 1 on 12x20 images: every try is about 15x15, which never fits, so each
    // sample is the central 12x12 crop (the image's ratio trimmed to the allowed one).
    const x = batch(10, [16, 1, 12, 20]);
    const out = T.randomResizedCrop({ size: [12, 12], scale: [1, 1], ratio: [1, 1] })(x);
    expect(maxAbsDiff(out, aten.narrow(x, 3, 4, 12))).toBeLessThanOrEqual(1e-6);
  });

  test('transforms free their intermediates', () => {
    const x = batch(12, [16, 3, 16, 16]);
    const pipeline = mocoV2();
    pipeline(x).dispose();
    const before = torch.memory().tensors;
    for (let k = 0; k < 3; k++) pipeline(x).dispose();
    expect(torch.memory().tensors).toBe(before);
  });
});

describe("MoCo's two-view recipes", () => {
  const x = repeated(13, [8, 3, 16, 16]);
  const statistics = { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] };
  const crop = (minScale: number) => T.randomResizedCrop({ size: 12, scale: [minScale, 1] });
  const jitter = (saturation: number, hue: number, p: number) => T.colorJitter({ brightness: 0.4, contrast: 0.4, saturation, hue, p });
  const gray = T.randomGrayscale({ p: 0.2 });
  const blur = (p: number) => T.gaussianBlur({ sigma: [0.1, 2], p });
  const flip = T.horizontalFlip();
  const normalize = T.normalize(statistics);
  // The papers' recipes, view by view: main_moco.py (v1; v2's aug_plus) and moco-v3's pair.
  const recipes: [string, () => T.TwoViewTransform, T.Transform[]][] = [
    ['v1', () => T.mocoV1Transform({ size: 12, ...statistics }), Array(2).fill(T.compose([crop(0.2), gray, jitter(0.4, 0.4, 1), flip, normalize]))],
    ['v2', () => T.mocoV2Transform({ size: 12, ...statistics }), Array(2).fill(T.compose([crop(0.2), jitter(0.4, 0.1, 0.8), gray, blur(0.5), flip, normalize]))],
    [
      'v3',
      () => T.mocoV3Transform({ size: 12, ...statistics }),
      [
        T.compose([crop(0.08), jitter(0.2, 0.1, 0.8), gray, blur(1), flip, normalize]),
        T.compose([crop(0.08), jitter(0.2, 0.1, 0.8), gray, blur(0.1), T.randomSolarize({ threshold: 0.5, p: 0.2 }), flip, normalize]),
      ],
    ],
  ];

  test.each(recipes)('%s: the views are the recipe drawn view after view, different, repeatable, freed', (_name, make, [first, second]) => {
    const views = make();
    torch.manualSeed(31);
    const [q, k] = views(x);
    torch.manualSeed(31);
    expect(maxAbsDiff(q, first(x))).toBe(0);
    expect(maxAbsDiff(k, second(x))).toBe(0);
    expect(q.shape).toEqual([8, 3, 12, 12]);
    expect(maxAbsDiff(q, k)).toBeGreaterThan(0);
    expect(distinctSamples(q)).toBeGreaterThan(1);
    views(x).forEach((view) => view.dispose());
    const before = torch.memory().tensors;
    for (let i = 0; i < 3; i++) views(x).forEach((view) => view.dispose());
    expect(torch.memory().tensors).toBe(before);
  });

  test('options are checked', () => {
    expect(() => T.mocoV2Transform({ size: 0, ...statistics })).toThrow(/randomResizedCrop: size/);
    expect(() => T.mocoV3Transform({ size: 12, mean: [0.5], std: [0] })).toThrow(/normalize: std must be positive/);
    expect(() => T.mocoV1Transform(null as never)).toThrow(/mocoV1Transform/);
    expect(() => T.randomSolarize({ threshold: NaN })).toThrow(/randomSolarize/);
  });
});

describe('bad input', () => {
  test('a batch that is not [N, C, H, W] floats is refused by name', () => {
    expect(() => T.horizontalFlip()(torch.rand([3, 8, 8]))).toThrow(/horizontalFlip: expected a batch \[N, C, H, W\]/);
    expect(() => T.randomResizedCrop({ size: 4 })(torch.zeros([2, 1, 8, 8], { dtype: 'uint8' }))).toThrow(/floating-point batch/);
    expect(() => Fn.adjustHue(torch.rand([2, 2, 8, 8]), 0.1)).toThrow(/1 or 3 channels/);
  });

  test('options out of range are refused', () => {
    expect(() => T.horizontalFlip({ p: 2 })).toThrow(/p must be in \[0, 1\]/);
    expect(() => T.colorJitter({ hue: 0.7 })).toThrow(/hue/);
    expect(() => T.randomResizedCrop({ size: 4, scale: [0.5, 0.1] })).toThrow(/scale/);
    expect(() => T.normalize({ mean: [0.5], std: [0] })).toThrow(/std/);
    expect(() => T.normalize({ mean: [0.5, 0.5], std: [1, 1] })(torch.rand([1, 3, 4, 4]))).toThrow(/2 means for 3 channels/);
    expect(() => Fn.gaussianBlur(torch.rand([1, 1, 4, 4]), 1, 9)).toThrow(/too large/);
    expect(() => Fn.crop(torch.rand([2, 1, 4, 4]), [0, 2], 0, 3, 3)).toThrow(/leaves the 4-pixel image/);
    expect(() => Fn.pad(torch.rand([1, 1, 4, 4]), 1, 'symmetric' as never)).toThrow(/unknown mode/);
  });
});
