// Datasets: a length and `get(i)`, as PyTorch's map-style Dataset. The image datasets hold the
// whole set as two tensors (`data` uint8 [N, C, H, W], `targets` int64 [N]), so a DataLoader
// gathers a batch with one index_select instead of stacking samples.
import * as fs from 'fs';
import * as path from 'path';
import { tensor } from '../factories';
import { keep, tidy } from '../scope';
import type { Tensor } from '../tensor';
import { readIdx, IdxArray } from './idx';
import { checkTensor } from '../check';
import { readCifar10 } from './cifar';

/**
 * A map-style dataset: `length` samples, `get(i)` -> `[input, target, ...]`. Extend it (as in
 * PyTorch) or pass any object of this shape.
 */
export abstract class Dataset<Sample extends unknown[] = unknown[]> {
  abstract readonly length: number;
  abstract get(i: number): Sample;
}

/**
 * A dataset held as whole-set tensors (first dimension = sample). A DataLoader takes the rows of
 * a batch from each tensor with one index_select, then hands them to `prepare` (when defined),
 * which turns them into the batch, e.g. uint8 images into floats in [0, 1]. The batch belongs to
 * the loader, so `prepare` returns new tensors (or the rows it was given), never stored ones.
 */
export interface TensorBacked {
  readonly tensors: Tensor[];
  prepare?(rows: Tensor[]): Tensor[];
}

export function isTensorBacked(dataset: object): dataset is TensorBacked {
  return Array.isArray((dataset as Partial<TensorBacked>).tensors);
}

function checkIndex(i: number, length: number, what: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= length) throw new RangeError(`${what}.get: index ${i} out of range [0, ${length})`);
}

/** Samples are the rows of the given tensors, which must agree in their first dimension (PyTorch's TensorDataset). */
export class TensorDataset implements Dataset<Tensor[]>, TensorBacked {
  readonly tensors: Tensor[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new Error('TensorDataset: needs at least one tensor');
    tensors.forEach((t, i) => checkTensor('TensorDataset', [`tensors[${i}]`, i + 1], t));
    const sizes = tensors.map((t) => (t.ndim ? t.shape[0] : NaN));
    if (sizes.some((n) => n !== sizes[0])) throw new Error(`TensorDataset: tensors differ in their first dimension: [${sizes}]`);
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  get(i: number): Tensor[] {
    checkIndex(i, this.length, 'TensorDataset');
    return this.tensors.map((t) => t.select(0, i));
  }
}

/** uint8 pixels to float32 in [0, 1], as torchvision's ToTensor. */
function toUnitFloat(pixels: Tensor): Tensor {
  return pixels.float().div_(255);
}

/**
 * Images held as `data` (uint8 [N, C, H, W]) and `targets` (int64 [N]); `get(i)` returns the image
 * as float32 [C, H, W] in [0, 1] and its label as a number. `targets` may be replaced, e.g. by
 * `labeledSubset(...).labels` to mark unlabeled samples -1 (torchvision's datasets allow the same).
 */
export class ImageDataset implements Dataset<[Tensor, number]>, TensorBacked {
  data: Tensor;
  targets: Tensor;
  readonly classes: string[];

  constructor(data: Tensor, targets: Tensor, classes: string[]) {
    this.data = keep(data);
    this.targets = keep(targets);
    this.classes = classes;
  }

  get length(): number {
    return this.data.shape[0];
  }

  get(i: number): [Tensor, number] {
    checkIndex(i, this.length, this.constructor.name);
    return [toUnitFloat(this.data.select(0, i)), this.targets.select(0, i).item()];
  }

  get tensors(): Tensor[] {
    return [this.data, this.targets];
  }

  prepare([images, targets]: Tensor[]): Tensor[] {
    return [toUnitFloat(images), targets];
  }
}

export interface ImageFolderOptions {
  /** The folder holding the dataset's files. */
  root?: string;
  /** The training split (default) or the test split. */
  train?: boolean;
}

// An IDX file by its name, gzipped or not, in root or in torchvision's <root>/<Name>/raw layout.
function findIdxFile(root: string, name: string, dataset: string): string {
  const folders = [root, path.join(root, dataset, 'raw')];
  for (const folder of folders) {
    for (const file of [`${name}.gz`, name]) if (fs.existsSync(path.join(folder, file))) return path.join(folder, file);
  }
  return path.join(root, `${name}.gz`);
}

function readIdxSplit(dataset: string, root: string, train: boolean, hint: string): [Tensor, Tensor] {
  const split = train ? 'train' : 't10k';
  const read = (name: string): IdxArray => {
    try {
      return readIdx(findIdxFile(root, name, dataset), hint);
    } catch (e) {
      throw new Error(`${dataset}: ${(e as Error).message}`);
    }
  };
  const images = read(`${split}-images-idx3-ubyte`);
  const labels = read(`${split}-labels-idx1-ubyte`);
  const [count, height, width] = images.shape;
  if (images.shape.length !== 3 || labels.shape.length !== 1 || labels.shape[0] !== count) {
    throw new Error(`${dataset}: images [${images.shape}] and labels [${labels.shape}] in ${root} do not match. ${hint}`);
  }
  return tidy(() => [
    tensor(images.values, { shape: [count, 1, height, width] }),
    tensor(labels.values).long(),
  ]);
}

export const FASHION_MNIST_ROOT = '/usr/share/datasets/fashion-mnist';

const FASHION_MNIST_HINT =
  "Install Debian's package (apt-get install dataset-fashion-mnist, which puts the files in " +
  `${FASHION_MNIST_ROOT}), or download the four *-ubyte.gz files from ` +
  'https://github.com/zalandoresearch/fashion-mnist into a folder and pass it as { root }.';

/** Fashion-MNIST: 60,000 training and 10,000 test images, 1x28x28, 10 classes. Default root: Debian's dataset-fashion-mnist. */
export class FashionMNIST extends ImageDataset {
  static readonly classes = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

  constructor({ root = FASHION_MNIST_ROOT, train = true }: ImageFolderOptions = {}) {
    super(...readIdxSplit('FashionMNIST', root, train, FASHION_MNIST_HINT), FashionMNIST.classes);
  }
}

const MNIST_HINT =
  "Download MNIST's four *-ubyte.gz files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, " +
  't10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz; http://yann.lecun.com/exdb/mnist/) into a folder and pass it as { root }.';

/** MNIST digits: 60,000 training and 10,000 test images, 1x28x28. Needs `root`: no system package ships it. */
export class MNIST extends ImageDataset {
  static readonly classes = ['0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six', '7 - seven', '8 - eight', '9 - nine'];

  constructor({ root, train = true }: ImageFolderOptions = {}) {
    if (root === undefined) throw new Error(`MNIST: needs { root }. ${MNIST_HINT}`);
    super(...readIdxSplit('MNIST', root, train, MNIST_HINT), MNIST.classes);
  }
}

const CIFAR10_HINT =
  'Pass as { root } the folder of the binary release (cifar-10-batches-bin: data_batch_1.bin ... data_batch_5.bin, ' +
  'test_batch.bin), unpacked from cifar-10-binary.tar.gz (https://www.cs.toronto.edu/~kriz/cifar.html).';

/** CIFAR-10's binary release: 50,000 training and 10,000 test images, 3x32x32. Needs `root`. */
export class CIFAR10 extends ImageDataset {
  static readonly classes = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

  constructor({ root, train = true }: ImageFolderOptions = {}) {
    if (root === undefined) throw new Error(`CIFAR10: needs { root }. ${CIFAR10_HINT}`);
    const nested = path.join(root, 'cifar-10-batches-bin');
    const folder = fs.existsSync(nested) ? nested : root;
    const names = train ? [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`) : ['test_batch.bin'];
    const { data, targets } = readCifar10(names.map((name) => path.join(folder, name)), CIFAR10_HINT);
    super(data, targets, CIFAR10.classes);
  }
}
