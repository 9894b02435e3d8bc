// Memory: 10,000 iterations of a 10-op chain (with a backward pass) inside tidy end with the live
// tensor count and bytes back where they started, and the resident set within 5% of where it was
// after the first 1,000 iterations.
import * as torch from '../src';

const ITERATIONS = 10000;
const SETTLED_AFTER = 1000;

test('a 10-op chain inside tidy, 10,000 times, leaks neither tensors nor memory', () => {
  torch.manualSeed(0);
  const w = torch.randn([32, 32], { requiresGrad: true });
  const x = torch.randn([16, 32]);
  const index = torch.tensor([0, 3, 5, 7]);
  const start = torch.memory();

  const step = () =>
    torch.tidy(() => {
      const h = x.matmul(w); // 1
      const a = h.relu(); // 2
      const b = a.mul(0.5).add(x); // 3, 4
      const p = b.softmax(1); // 5
      const picked = p.index(index); // 6
      const stacked = torch.cat([picked, p.narrow(0, 0, 2)]); // 7, 8
      const loss = stacked.log().neg().mean(); // 9, 10, 11
      loss.backward();
      w.grad = null; // the accumulated gradient is freed with its last reference
      return loss.item();
    });

  let rssAfterWarmup = 0;
  let last = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    last = step();
    if (i + 1 === SETTLED_AFTER) rssAfterWarmup = process.memoryUsage().rss;
  }
  const rssAtEnd = process.memoryUsage().rss;
  const end = torch.memory();

  expect(Number.isFinite(last)).toBe(true);
  expect(end.tensors).toBe(start.tensors);
  expect(end.bytes).toBe(start.bytes);
  expect(Math.abs(rssAtEnd - rssAfterWarmup) / rssAfterWarmup).toBeLessThan(0.05);
});

test('a tidy that throws frees what it made, and the count is back', () => {
  const before = torch.memory().tensors;
  for (let i = 0; i < 100; i++) {
    expect(() =>
      torch.tidy(() => {
        torch.ones([4]).mul(2);
        throw new Error('boom');
      }),
    ).toThrow('boom');
  }
  expect(torch.memory().tensors).toBe(before);
});
