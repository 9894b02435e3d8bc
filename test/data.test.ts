// Datasets and the DataLoader: the real Fashion-MNIST files against numpy's reading of them
// (test/oracle/data_fashion_mnist.py), tiny MNIST/CIFAR-10 files written here in their formats,
// errors that name the file, and the loader's order, batching, seeding, devices and ownership.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as torch from '../src';
import { Tensor } from '../src';
import { runOracle, values } from './data-oracle';

const { data } = torch;
const aten = torch.ops.aten;
const ROOT = '/usr/share/datasets/fashion-mnist';

interface IdxFacts {
  images: number[];
  labels: number;
  firstLabels: number[];
  classCounts: number[];
  pixelSum: number;
  probeImages: number[][];
  probeLabels: number[];
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'momentum-data-'));
}

function idxFile(shape: number[], bytes: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header.writeUInt32BE(0x0800 | shape.length, 0);
  shape.forEach((n, d) => header.writeUInt32BE(n, 4 + 4 * d));
  return Buffer.concat([header, Buffer.from(bytes)]);
}

function classCounts(targets: Tensor, numClasses: number): number[] {
  const counts = new Array(numClasses).fill(0);
  for (const label of values(targets)) counts[label]++;
  return counts;
}

describe.each([
  ['train', true, [0, 1, 59999, 31337]],
  ['t10k', false, [0, 9999, 4242]],
] as const)('FashionMNIST %s split against numpy', (split, train, probe) => {
  let ds: InstanceType<typeof data.FashionMNIST>;
  let want: IdxFacts;
  beforeAll(() => {
    ds = new data.FashionMNIST({ train });
    want = runOracle<IdxFacts>('data_fashion_mnist.py', { root: ROOT, split, probe });
  });

  test('whole-set tensors: shape, dtype, labels, pixels', () => {
    expect(ds.data.shape).toEqual([want.images[0], 1, want.images[1], want.images[2]]);
    expect(ds.data.dtype).toBe('uint8');
    expect(ds.targets.dtype).toBe('int64');
    expect(ds.length).toBe(want.labels);
    expect(values(aten.narrow(ds.targets, 0, 0, 20))).toEqual(want.firstLabels);
    expect(classCounts(ds.targets, 10)).toEqual(want.classCounts);
    expect((aten.sum(ds.data, [], false, { dtype: 'int64' }) as Tensor).item()).toBe(want.pixelSum);
    probe.forEach((i, k) => expect(values(aten.select(ds.data, 0, i))).toEqual(want.probeImages[k]));
  });

  test('get(i): float32 [1, 28, 28] in [0, 1] and the label', () => {
    probe.forEach((i, k) => {
      const [image, label] = ds.get(i);
      expect(image.shape).toEqual([1, 28, 28]);
      expect(image.dtype).toBe('float32');
      expect(values(image)).toEqual(want.probeImages[k].map((p) => Math.fround(p / 255)));
      expect(label).toBe(want.probeLabels[k]);
    });
    expect(() => ds.get(ds.length)).toThrow(/out of range/);
  });
});

test("FASHION_MNIST_NORMALIZE is the training images' mean and std (to 3 decimals); inputPreparation normalizes pixels with it", () => {
  const train = new data.FashionMNIST({ train: true });
  const [mean, std] = torch.tidy(() => {
    const pixels = train.data.double().div(255);
    return [pixels.mean().item(), pixels.std().item()];
  });
  expect(Math.abs(mean - data.FASHION_MNIST_NORMALIZE.mean[0])).toBeLessThan(5e-4);
  expect(Math.abs(std - data.FASHION_MNIST_NORMALIZE.std[0])).toBeLessThan(5e-4);
  const pixels = aten.narrow(train.data, 0, 0, 2);
  const f = Math.fround;
  const want = values(pixels).map((p) => f((f(p / 255) - f(0.286)) / f(0.353)));
  const prepared = data.inputPreparation(data.FASHION_MNIST_NORMALIZE)(pixels);
  expect(prepared.shape).toEqual([2, 1, 28, 28]);
  expect(Math.max(...values(prepared).map((v, i) => Math.abs(v - want[i])))).toBeLessThanOrEqual(1e-6);
  expect(data.CIFAR10_NORMALIZE.mean).toHaveLength(3);
});

describe('dataset files', () => {
  test('a missing Fashion-MNIST file names the file and how to get it', () => {
    const root = tempDir();
    expect(() => new data.FashionMNIST({ root })).toThrow(new RegExp(`missing ${root}/train-images-idx3-ubyte.gz.*apt-get install dataset-fashion-mnist`));
  });

  test('a corrupt file names the file', () => {
    const root = tempDir();
    fs.writeFileSync(path.join(root, 't10k-images-idx3-ubyte.gz'), Buffer.from('not gzip at all'));
    expect(() => new data.FashionMNIST({ root, train: false })).toThrow(/t10k-images-idx3-ubyte.gz.*corrupt/);
    fs.writeFileSync(path.join(root, 't10k-images-idx3-ubyte.gz'), zlib.gzipSync(idxFile([2, 28, 28], new Uint8Array(100))));
    expect(() => new data.FashionMNIST({ root, train: false })).toThrow(/t10k-images-idx3-ubyte.gz is not a valid IDX file \(header announces 1568 values/);
  });

  test('MNIST needs a root and reads IDX files, gzipped or not', () => {
    expect(() => new data.MNIST()).toThrow(/MNIST: needs \{ root \}/);
    const root = tempDir();
    const pixels = Uint8Array.from({ length: 3 * 28 * 28 }, (_, i) => (i * 7) % 256);
    fs.writeFileSync(path.join(root, 't10k-images-idx3-ubyte.gz'), zlib.gzipSync(idxFile([3, 28, 28], pixels)));
    fs.writeFileSync(path.join(root, 't10k-labels-idx1-ubyte'), idxFile([3], Uint8Array.from([7, 2, 1])));
    const ds = new data.MNIST({ root, train: false });
    expect(ds.data.shape).toEqual([3, 1, 28, 28]);
    expect(values(ds.data)).toEqual(Array.from(pixels));
    expect(values(ds.targets)).toEqual([7, 2, 1]);
    expect(ds.classes[7]).toBe('7 - seven');
  });

  test('CIFAR10 reads the binary release: label byte, then R, G, B planes', () => {
    expect(() => new data.CIFAR10()).toThrow(/CIFAR10: needs \{ root \}/);
    const root = tempDir();
    const record = 3073;
    const write = (name: string, labels: number[]) => {
      const bytes = Buffer.alloc(labels.length * record);
      labels.forEach((label, n) => {
        bytes[n * record] = label;
        for (let k = 0; k < 3072; k++) bytes[n * record + 1 + k] = (k + 31 * label) % 251;
      });
      fs.writeFileSync(path.join(root, name), bytes);
    };
    [1, 2, 3, 4, 5].forEach((k) => write(`data_batch_${k}.bin`, [k, 9 - k]));
    write('test_batch.bin', [3]);
    const train = new data.CIFAR10({ root });
    expect(train.data.shape).toEqual([10, 3, 32, 32]);
    expect(values(train.targets)).toEqual([1, 8, 2, 7, 3, 6, 4, 5, 5, 4]);
    const pixel = (n: number, c: number, y: number, x: number) => (aten.select(aten.select(aten.select(aten.select(train.data, 0, n), 0, c), 0, y), 0, x) as Tensor).item();
    expect(pixel(1, 2, 5, 7)).toBe((2 * 1024 + 5 * 32 + 7 + 31 * 8) % 251);
    expect(pixel(9, 0, 31, 31)).toBe((1023 + 31 * 4) % 251);
    const test = new data.CIFAR10({ root, train: false });
    expect(test.length).toBe(1);
    expect(test.get(0)[1]).toBe(3);
    fs.writeFileSync(path.join(root, 'test_batch.bin'), Buffer.alloc(100));
    expect(() => new data.CIFAR10({ root, train: false })).toThrow(/test_batch.bin is not a CIFAR-10 binary batch/);
    fs.unlinkSync(path.join(root, 'data_batch_3.bin'));
    expect(() => new data.CIFAR10({ root })).toThrow(/missing .*data_batch_3.bin.*cifar-10-batches-bin/);
  });

  test('TensorDataset: rows of its tensors', () => {
    const x = torch.arange(12).reshape([6, 2]);
    const y = torch.arange(6);
    const ds = new data.TensorDataset(x, y);
    expect(ds.length).toBe(6);
    expect(ds.get(4).map((t) => t.toArray())).toEqual([[8, 9], 4]);
    expect(() => new data.TensorDataset(x, torch.arange(5))).toThrow(/differ in their first dimension/);
  });
});

describe('DataLoader', () => {
  const x = aten.reshape(torch.arange(0, 20, { dtype: 'float32' }), [10, 2]) as Tensor;
  const y = torch.arange(10);
  const ds = new data.TensorDataset(x, y);
  const epoch = (loader: Iterable<Tensor[]>) => [...loader].map(([, t]) => values(t));

  test('in order: full batches, then the rest unless dropLast', () => {
    expect(epoch(new data.DataLoader(ds, { batchSize: 4, autoDispose: false }))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const dropping = new data.DataLoader(ds, { batchSize: 4, dropLast: true, autoDispose: false });
    expect(dropping.length).toBe(2);
    expect(epoch(dropping)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(epoch(new data.DataLoader({ dataset: ds, batchSize: 3, autoDispose: false })).map((b) => b.length)).toEqual([3, 3, 3, 1]);
  });

  test('batches gather the rows of every tensor', () => {
    for (const [inputs, targets] of new data.DataLoader(ds, { batchSize: 3, shuffle: true, seed: 5 })) {
      expect(values(inputs)).toEqual(values(targets).flatMap((i) => [2 * i, 2 * i + 1]));
    }
  });

  test('shuffle: every index once per epoch, epochs differ, a seed repeats them', () => {
    const loader = new data.DataLoader(ds, { batchSize: 4, shuffle: true, seed: 42, autoDispose: false });
    const first = epoch(loader).flat();
    const second = epoch(loader).flat();
    expect([...first].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(second).not.toEqual(first);
    const again = new data.DataLoader(ds, { batchSize: 4, shuffle: true, seed: 42, autoDispose: false });
    expect(epoch(again).flat()).toEqual(first);
    expect(epoch(again).flat()).toEqual(second);
  });

  test('shuffle without a seed draws on the global generator', () => {
    const run = () => {
      torch.manualSeed(3);
      return epoch(new data.DataLoader(ds, { batchSize: 5, shuffle: true, autoDispose: false })).flat();
    };
    expect(run()).toEqual(run());
  });

  test('image datasets give float batches in [0, 1], gathered in the seeded order, on the requested device', () => {
    const fashion = new data.FashionMNIST({ train: false });
    const loader = new data.DataLoader(fashion, { batchSize: 256, shuffle: true, seed: 1, device: 'cpu' });
    const order = Array.from(data.permuter(1)(fashion.length));
    expect(loader.length).toBe(40);
    const labels: number[] = [];
    let b = 0;
    for (const [images, targets] of loader) {
      const rows = order.slice(256 * b, 256 * (b + 1));
      expect(images.dtype).toBe('float32');
      expect(images.device).toBe('cpu');
      expect(images.shape).toEqual([rows.length, 1, 28, 28]);
      if (b++ === 0) {
        const wanted = aten.index_select(fashion.data, 0, torch.tensor(rows));
        expect(values(images)).toEqual(values(wanted).map((p) => Math.fround(p / 255)));
      }
      expect(values(targets)).toEqual(values(aten.index_select(fashion.targets, 0, torch.tensor(rows))));
      labels.push(...values(targets));
    }
    expect(labels.length).toBe(10000);
    expect(classCounts(torch.tensor(labels), 10)).toEqual(new Array(10).fill(1000));
  });

  test('the loader frees each batch when the next is requested, and the last when the loop ends', () => {
    const loader = new data.DataLoader(ds, { batchSize: 4 });
    const batches: Tensor[][] = [];
    const before = torch.memory().tensors;
    for (const batch of loader) {
      batches.push(batch);
      if (batches.length > 1) expect(batches[batches.length - 2].every((t) => t.isDisposed)).toBe(true);
      expect(batch.every((t) => !t.isDisposed)).toBe(true);
    }
    expect(batches.flat().every((t) => t.isDisposed)).toBe(true);
    for (const batch of loader) {
      batches.push(batch);
      break;
    }
    expect(batches[batches.length - 1].every((t) => t.isDisposed)).toBe(true);
    expect(torch.memory().tensors).toBe(before);
  });

  test('with autoDispose false the consumer owns the batches', () => {
    const kept = [...new data.DataLoader(ds, { batchSize: 5, autoDispose: false })];
    expect(kept.flat().some((t) => t.isDisposed)).toBe(false);
    expect(values(kept[0][1])).toEqual([0, 1, 2, 3, 4]);
  });

  test('datasets without whole-set tensors have their samples stacked', () => {
    const plain: torch.data.Dataset<[Tensor, number]> = { length: 5, get: (i) => [torch.full([2], i), i % 2] };
    const batches = [...new data.DataLoader(plain, { batchSize: 2, autoDispose: false })];
    expect(batches.map(([inputs]) => inputs.toArray())).toEqual([[[0, 0], [1, 1]], [[2, 2], [3, 3]], [[4, 4]]]);
    expect(batches[1][1].dtype).toBe('int64');
    expect(values(batches[1][1])).toEqual([0, 1]);
    class Squares extends data.Dataset<[Tensor, Tensor]> {
      readonly length = 4;
      get(i: number): [Tensor, Tensor] {
        return [torch.tensor([i]), torch.tensor(i * i)];
      }
    }
    const [[inputs, targets]] = [...new data.DataLoader(new Squares(), { batchSize: 4, autoDispose: false })];
    expect(inputs.toArray()).toEqual([[0], [1], [2], [3]]);
    expect(targets.toArray()).toEqual([0, 1, 4, 9]);
  });

  test('samplers: indices batched by the loader, or whole batches', () => {
    expect(epoch(new data.DataLoader(ds, { batchSize: 2, sampler: [9, 1, 8], autoDispose: false }))).toEqual([[9, 1], [8]]);
    const twoStream = new data.TwoStreamBatchSampler([0, 1, 2, 3, 4, 5], [7, 8], 4, 1, { seed: 1 });
    const loader = new data.DataLoader(ds, { sampler: twoStream, autoDispose: false });
    expect(loader.length).toBe(2);
    const batches = epoch(loader);
    expect(batches.map((b) => b.length)).toEqual([4, 4]);
    expect(batches.every((b) => [7, 8].includes(b[3]))).toBe(true);
  });

  test('bad options and indices are refused', () => {
    expect(() => new data.DataLoader(ds, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    expect(() => new data.DataLoader(ds, { shuffle: true, sampler: [1] })).toThrow(/exclusive/);
    expect(() => [...new data.DataLoader(ds, { sampler: [3, 10] })]).toThrow(/index 10, outside \[0, 10\)/);
  });
});
