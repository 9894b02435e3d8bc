// KeyQueue: the MoCo dictionary as a ring buffer of normalised keys, checked against plain FIFO
// bookkeeping and against the official write `queue[:, ptr:ptr+B] = keys.T` (test/oracle/moco.py).
import * as torch from '../src';
import { KeyQueue } from '../src/ssl/queue';
import { infoNCE } from '../src/ssl/info-nce';
import { runOracle } from './oracle/run';

function expectClose(actual: unknown, expected: unknown, tol = 1e-5): void {
  const a = ([actual] as unknown[]).flat(Infinity) as number[];
  const e = ([expected] as unknown[]).flat(Infinity) as number[];
  expect(a.length).toBe(e.length);
  const worst = Math.max(0, ...a.map((v, i) => Math.abs(v - e[i])));
  expect(worst).toBeLessThanOrEqual(tol);
}

const columns = (q: KeyQueue) => q.keys.t().toArray() as number[][];
const rows = (t: torch.Tensor) => t.toArray() as number[][];

function normalised(n: number, dim: number): torch.Tensor {
  return torch.F.normalize(torch.randn([n, dim]), { dim: 1 });
}

describe('KeyQueue', () => {
  beforeEach(() => torch.manualSeed(7));

  test('starts as [dim, size] random unit columns on the device, pointer 0', () => {
    const q = new KeyQueue({ dim: 5, size: 11 });
    expect(q.keys.shape).toEqual([5, 11]);
    expect(q.keys.device).toBe('cpu');
    expect(q.pointer).toBe(0);
    expectClose(q.keys.norm(2, { dim: 0 }).toArray(), new Array(11).fill(1), 1e-6);
    // random, not a constant fill
    expect(new Set(columns(q).map((c) => c[0].toFixed(6))).size).toBe(11);
  });

  test('FIFO with wrap-around: batches of 3 into 7 slots overwrite the oldest keys in order', () => {
    const q = new KeyQueue({ dim: 4, size: 7 });
    const ring: number[][] = columns(q);
    let pointer = 0;
    for (let step = 0; step < 5; step++) {
      const keys = normalised(3, 4);
      q.enqueue(keys);
      for (const key of rows(keys)) {
        ring[pointer] = key;
        pointer = (pointer + 1) % 7;
      }
      expect(q.pointer).toBe(pointer);
      expectClose(columns(q), ring, 1e-6);
    }
    expect(q.pointer).toBe(15 % 7);
  });

  test('a batch larger than the queue leaves its newest keys where one-by-one writes would', () => {
    const q = new KeyQueue({ dim: 3, size: 4 });
    q.pointer = 1;
    const keys = normalised(6, 3);
    q.enqueue(keys);
    const k = rows(keys);
    // keys 0..5 written to columns 1,2,3,0,1,2: the survivors are 3 (col 0), 4 (col 1), 5 (col 2), 2 (col 3)
    expectClose(columns(q), [k[3], k[4], k[5], k[2]], 1e-6);
    expect(q.pointer).toBe((1 + 6) % 4);
  });

  test('normalisation is kept: unnormalised keys are stored as unit vectors, other columns untouched', () => {
    const q = new KeyQueue({ dim: 6, size: 10 });
    const before = columns(q);
    q.pointer = 8;
    const keys = torch.randn([4, 6]).mul(3);
    q.enqueue(keys);
    expectClose(q.keys.norm(2, { dim: 0 }).toArray(), new Array(10).fill(1), 1e-6);
    const after = columns(q);
    expectClose(after.slice(2, 8), before.slice(2, 8), 0);
    const k = rows(keys).map((r) => {
      const n = Math.hypot(...r);
      return r.map((v) => v / n);
    });
    expectClose([after[8], after[9], after[0], after[1]], k, 1e-6);
  });

  test('equals the official enqueue over batch sizes that do not divide K (oracle)', () => {
    const q = new KeyQueue({ dim: 4, size: 10 });
    q.pointer = 6;
    const start = columns(q);
    const batches = [3, 7, 4, 13].map((b) => torch.randn([b, 4]));
    const expected = runOracle('moco.py', { case: 'queue', queue: q.keys.toArray(), ptr: 6, batches: batches.map((b) => b.toArray()) });
    for (const b of batches) q.enqueue(b);
    expect(q.pointer).toBe(expected.ptr);
    expectClose(q.keys.toArray(), expected.queue, 1e-6);
    expect(columns(q)).not.toEqual(start);
  });

  test('`keys` is the live buffer: writing into it changes the negatives infoNCE sees', () => {
    const q = new KeyQueue({ dim: 2, size: 3 });
    q.keys.copy_(torch.tensor([[1, 0, 0], [0, 1, 1]], { dtype: 'float32' }));
    const out = infoNCE(torch.tensor([[1, 0]], { dtype: 'float32' }), torch.tensor([[0, 1]], { dtype: 'float32' }), q, 0.5);
    expectClose(out.logits.toArray(), [[0, 2, 0, 0]], 1e-6);
  });

  test('the pointer is readable, writable, and checked', () => {
    const q = new KeyQueue({ dim: 2, size: 5 });
    q.pointer = 4;
    expect(q.pointer).toBe(4);
    expect(q.ptr.toArray()).toEqual([4]);
    expect(() => (q.pointer = 5)).toThrow(/pointer must be an integer in \[0, 5\)/);
    expect(() => (q.pointer = 1.5)).toThrow(/pointer/);
  });

  test('bad input is a clear Error', () => {
    expect(() => new KeyQueue({ dim: 0, size: 5 })).toThrow(/dim must be a positive integer/);
    expect(() => new KeyQueue({ dim: 3, size: 2.5 })).toThrow(/size must be a positive integer/);
    const q = new KeyQueue({ dim: 3, size: 5 });
    expect(() => q.enqueue(torch.randn([2, 4]))).toThrow(/keys must have shape \[batch, 3\], got \[2, 4\]/);
    expect(() => q.enqueue(torch.randn([3]))).toThrow(/keys must have shape/);
    expect(() => q.enqueue([1, 2, 3] as unknown as torch.Tensor)).toThrow(/keys must be a Tensor/);
  });
});
