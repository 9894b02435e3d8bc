// TwoStreamBatchSampler (Mean Teacher's semantics) and the class-balanced labeled subset.
import * as torch from '../src';
import { values } from './data-oracle';

const { data } = torch;

const range = (start: number, end: number) => Array.from({ length: end - start }, (_, i) => start + i);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

describe('TwoStreamBatchSampler', () => {
  const unlabeled = range(0, 103);
  const labeled = range(200, 210);

  test('each batch: batchSize - secondaryBatchSize unlabeled, then secondaryBatchSize labeled', () => {
    const sampler = new data.TwoStreamBatchSampler(unlabeled, labeled, 16, 4, { seed: 0 });
    const batches = [...sampler];
    expect(sampler.length).toBe(8);
    expect(batches.length).toBe(8);
    for (const batch of batches) {
      expect(batch.length).toBe(16);
      expect(batch.slice(0, 12).every((i) => i < 103)).toBe(true);
      expect(batch.slice(12).every((i) => i >= 200 && i < 210)).toBe(true);
    }
  });

  test('one epoch is one permuted pass over the unlabeled indices, the incomplete batch dropped', () => {
    const sampler = new data.TwoStreamBatchSampler(unlabeled, labeled, 16, 4, { seed: 1 });
    const seen = [...sampler].flatMap((b) => b.slice(0, 12));
    expect(seen.length).toBe(96);
    expect(new Set(seen).size).toBe(96);
    expect(seen).not.toEqual(sorted(seen));
    const divisible = new data.TwoStreamBatchSampler(range(0, 96), labeled, 16, 4, { seed: 1 });
    expect(sorted([...divisible].flatMap((b) => b.slice(0, 12)))).toEqual(range(0, 96));
  });

  test('labeled indices are reshuffled whenever they run out, without end', () => {
    const sampler = new data.TwoStreamBatchSampler(unlabeled, labeled, 16, 4, { seed: 2 });
    const stream = [...sampler].flatMap((b) => b.slice(12));
    expect(stream.length).toBe(32);
    for (let cycle = 0; cycle + 10 <= stream.length; cycle += 10) expect(sorted(stream.slice(cycle, cycle + 10))).toEqual(labeled);
    expect(stream.slice(0, 10)).not.toEqual(stream.slice(10, 20));
  });

  test('epochs differ; the same seed repeats them; without a seed, manualSeed does', () => {
    const a = new data.TwoStreamBatchSampler(unlabeled, labeled, 16, 4, { seed: 7 });
    const b = new data.TwoStreamBatchSampler(unlabeled, labeled, 16, 4, { seed: 7 });
    const first = [...a];
    expect([...b]).toEqual(first);
    expect([...a]).not.toEqual(first);
    const global = () => {
      torch.manualSeed(5);
      return [...new data.TwoStreamBatchSampler(unlabeled, labeled, 16, 4)];
    };
    expect(global()).toEqual(global());
  });

  test('sizes that cannot fill a batch are refused', () => {
    expect(() => new data.TwoStreamBatchSampler(unlabeled, labeled, 4, 4)).toThrow(/0 < secondaryBatchSize \(4\) < batchSize \(4\)/);
    expect(() => new data.TwoStreamBatchSampler(unlabeled, [1, 2], 16, 4)).toThrow(/cannot fill batches of 12 \+ 4/);
    expect(() => new data.TwoStreamBatchSampler([-1], labeled, 2, 1)).toThrow(/non-negative integers/);
  });
});

describe('labeledSubset', () => {
  const targets = range(0, 60).map((i) => i % 3);

  test('the same number of labels from every class, the rest -1', () => {
    const subset = data.labeledSubset(torch.tensor(targets), 12, { seed: 1 });
    const labels = values(subset.labels);
    expect(subset.labels.dtype).toBe('int64');
    expect(subset.labeledIndices.length).toBe(12);
    expect(subset.labeledIndices).toEqual(sorted(subset.labeledIndices));
    expect([0, 1, 2].map((c) => subset.labeledIndices.filter((i) => targets[i] === c).length)).toEqual([4, 4, 4]);
    labels.forEach((label, i) => expect(label).toBe(subset.labeledIndices.includes(i) ? targets[i] : -1));
    expect(sorted([...subset.labeledIndices, ...subset.unlabeledIndices])).toEqual(range(0, 60));
  });

  test('a seed repeats the choice, another seed changes it; leftover labels go to distinct classes', () => {
    expect(data.labeledSubset(targets, 12, { seed: 3 }).labeledIndices).toEqual(data.labeledSubset(targets, 12, { seed: 3 }).labeledIndices);
    expect(data.labeledSubset(targets, 12, { seed: 3 }).labeledIndices).not.toEqual(data.labeledSubset(targets, 12, { seed: 4 }).labeledIndices);
    const uneven = data.labeledSubset(targets, 8, { seed: 3 });
    expect(sorted([0, 1, 2].map((c) => uneven.labeledIndices.filter((i) => targets[i] === c).length))).toEqual([2, 3, 3]);
  });

  test('on Fashion-MNIST: 1000 labels, 100 per class, feeding a TwoStreamBatchSampler', () => {
    const fashion = new data.FashionMNIST({ train: false });
    const subset = data.labeledSubset(fashion.targets, 1000, { seed: 0 });
    const labels = values(subset.labels);
    const counts = new Array(10).fill(0);
    labels.forEach((l) => l >= 0 && counts[l]++);
    expect(counts).toEqual(new Array(10).fill(100));
    fashion.targets = subset.labels;
    const sampler = new data.TwoStreamBatchSampler(subset.unlabeledIndices, subset.labeledIndices, 100, 25, { seed: 0 });
    const loader = new data.DataLoader(fashion, { sampler });
    expect(loader.length).toBe(120);
    for (const [, batchTargets] of loader) {
      const t = values(batchTargets);
      expect(t.slice(0, 75).every((l) => l === -1)).toBe(true);
      expect(t.slice(75).every((l) => l >= 0 && l < 10)).toBe(true);
    }
  });

  test('a class too small for its share is refused', () => {
    expect(() => data.labeledSubset([0, 0, 0, 1], 4)).toThrow(/class 1 has 1 samples, 2 wanted/);
  });
});
