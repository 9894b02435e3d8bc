// DataLoader: batches of a dataset, in order or shuffled, on a device.
import { stack, tensor } from '../factories';
import { keep, tidy } from '../scope';
import type { Tensor } from '../tensor';
import type { Device } from '../types';
import { checkBool, checkOptions, describe, fail } from '../check';
import { Dataset, TensorBacked, isTensorBacked } from './datasets';
import { Permute, permuter } from './samplers';

/**
 * Where batch indices come from: an iterable of sample indices (batched by the loader), or a
 * batch sampler, recognized by its numeric `batchSize` property, whose items are whole batches
 * (PyTorch's batch_sampler; e.g. `TwoStreamBatchSampler`). Each iteration is one epoch.
 */
export type Sampler = Iterable<number> | (Iterable<number[]> & { batchSize: number; length?: number });

export interface DataLoaderOptions {
  /** Samples per batch (default 1). Ignored with a batch sampler. */
  batchSize?: number;
  /** A new random order every epoch (default false). Not with `sampler`. */
  shuffle?: boolean;
  /** Drop the last batch when it is incomplete (default false). */
  dropLast?: boolean;
  sampler?: Sampler;
  /** Seeds the loader's own shuffling generator; without it, shuffles draw on the global generator (`manualSeed`). */
  seed?: number;
  /** Where batches are made (default: where the dataset's tensors are). */
  device?: Device;
  /**
   * true (default): each batch belongs to the loader, which disposes it when the next batch is
   * requested and when the loop ends (break included); clone what must live longer.
   * false: each batch belongs to the consumer (dispose it, or leave it to the garbage collector).
   */
  autoDispose?: boolean;
}

/**
 * Iterable of batches `[inputs, targets, ...]` (PyTorch's DataLoader without worker processes).
 * For datasets held as whole-set tensors (`TensorBacked`: the image datasets, TensorDataset), the
 * tensors are copied to `device` once, the epoch's indices once per epoch, and each batch is one
 * index_select per tensor there, so on CUDA making a batch never waits for the GPU and no
 * background thread is needed to prepare the next one. Other datasets have their samples
 * stacked (`torch.stack`) and moved to `device`.
 */
export class DataLoader implements Iterable<Tensor[]> {
  readonly dataset: Dataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly sampler?: Sampler;
  readonly device?: Device;
  readonly autoDispose: boolean;
  private readonly permute: Permute;
  private onDevice?: { source: Tensor[]; copies: Tensor[] };

  constructor(dataset: Dataset | (DataLoaderOptions & { dataset: Dataset }), options: DataLoaderOptions = {}) {
    const all = isDataset(dataset) ? { ...checkOptions('DataLoader', options, ['options', 2]), dataset } : { ...checkOptions('DataLoader', dataset, ['dataset', 1]), ...options };
    if (!isDataset(all.dataset)) fail('DataLoader', 'dataset', 'a Dataset (with get(i) and length)', all.dataset);
    const { batchSize = 1, shuffle = false, dropLast = false, sampler, seed, device, autoDispose = true } = all;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${describe(batchSize)}`);
    for (const [name, flag] of Object.entries({ shuffle, dropLast, autoDispose })) checkBool('DataLoader', name, flag);
    if (shuffle && sampler) throw new Error('DataLoader: shuffle and sampler are exclusive (the sampler decides the order)');
    this.dataset = all.dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.sampler = sampler;
    this.device = device;
    this.autoDispose = autoDispose;
    this.permute = permuter(seed);
  }

  /** Batches per epoch. */
  get length(): number {
    if (isBatchSampler(this.sampler) && this.sampler.length !== undefined) return this.sampler.length;
    const samples = this.sampler ? (this.sampler as { length?: number }).length ?? [...this.sampler].length : this.dataset.length;
    return this.dropLast ? Math.floor(samples / this.batchSize) : Math.ceil(samples / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<Tensor[]> {
    const batches = this.epochBatches();
    const make = isTensorBacked(this.dataset) ? this.gatherer(this.dataset, batches) : undefined;
    let batch: Tensor[] | undefined;
    try {
      for (let b = 0; b < batches.length; b++) {
        if (this.autoDispose) batch?.forEach((t) => t.dispose());
        batch = (make ? make(b) : this.stack(batches[b])).map(keep);
        yield batch;
      }
    } finally {
      if (this.autoDispose) batch?.forEach((t) => t.dispose());
      make?.dispose();
    }
  }

  /** Frees the loader's copy of the dataset on `device` (made again if iterated later). */
  dispose(): void {
    this.onDevice?.copies.forEach((t, i) => t !== this.onDevice?.source[i] && t.dispose());
    this.onDevice = undefined;
  }

  private epochBatches(): ArrayLike<number>[] {
    const batches = this.batchOrder();
    // Only a sampler's indices can be out of range: the loader's own orders are permutations.
    if (this.sampler) {
      const n = this.dataset.length;
      for (const batch of batches) {
        for (let k = 0; k < batch.length; k++) {
          const i = batch[k];
          if (!(Number.isInteger(i) && i >= 0 && i < n)) throw new RangeError(`DataLoader: sampler gave index ${i}, outside [0, ${n})`);
        }
      }
    }
    return batches;
  }

  private batchOrder(): ArrayLike<number>[] {
    if (isBatchSampler(this.sampler)) return [...this.sampler];
    const order = this.sampler ? [...this.sampler] : this.shuffle ? this.permute(this.dataset.length) : Int32Array.from({ length: this.dataset.length }, (_, i) => i);
    const batches: ArrayLike<number>[] = [];
    for (let start = 0; start < order.length; start += this.batchSize) {
      const batch = order.slice(start, start + this.batchSize);
      if (batch.length === this.batchSize || !this.dropLast) batches.push(batch);
    }
    return batches;
  }

  // One index_select per whole-set tensor; the epoch's indices cross to the device in one copy.
  private gatherer(dataset: TensorBacked, batches: ArrayLike<number>[]): ((b: number) => Tensor[]) & { dispose(): void } {
    const tensors = this.deviceTensors(dataset.tensors);
    const flat = new Int32Array(batches.reduce((total, batch) => total + batch.length, 0));
    const starts: number[] = [];
    let offset = 0;
    for (const batch of batches) {
      starts.push(offset);
      flat.set(batch, offset);
      offset += batch.length;
    }
    const indices = keep(tensor(flat, { device: tensors[0].device }));
    const make = (b: number) =>
      tidy(() => {
        const rows = indices.narrow(0, starts[b], batches[b].length);
        const gathered = tensors.map((t) => t.indexSelect(0, rows));
        return dataset.prepare ? dataset.prepare(gathered) : gathered;
      });
    return Object.assign(make, { dispose: () => indices.dispose() });
  }

  private deviceTensors(source: Tensor[]): Tensor[] {
    const cached = this.onDevice;
    if (cached && cached.source.length === source.length && cached.source.every((t, i) => t === source[i])) return cached.copies;
    this.dispose();
    const copies = source.map((t) => (this.device === undefined || t.device === this.device ? t : keep(t.to(this.device))));
    this.onDevice = { source, copies };
    return copies;
  }

  private stack(indices: ArrayLike<number>): Tensor[] {
    return tidy(() => {
      const samples = Array.from(indices, (i) => this.dataset.get(i));
      return samples[0].map((_, field) => {
        const column = samples.map((sample) => sample[field]);
        const batch = column.every(isTensorValue) ? stack(column, 0) : tensor(column as number[]);
        return this.device === undefined ? batch : batch.to(this.device);
      });
    });
  }
}

function isBatchSampler(sampler: Sampler | undefined): sampler is Iterable<number[]> & { batchSize: number; length?: number } {
  return sampler !== undefined && typeof (sampler as { batchSize?: unknown }).batchSize === 'number';
}

function isDataset(value: unknown): value is Dataset {
  return typeof (value as Partial<Dataset> | null)?.get === 'function';
}

function isTensorValue(value: unknown): value is Tensor {
  return typeof (value as Tensor)?._h === 'number';
}
