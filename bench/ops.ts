// Workload 1: the time of one call of small ops on 8x8 float32 tensors (add, mul, matmul, sum,
// softmax, indexing...), momentum-torch against PyTorch in Python, both on one thread of one CPU.
// Each momentum-torch call includes freeing its result (dispose), as Python frees it on return.
// Time is CPU time (user + system, all threads) on both sides: on a shared machine wall time
// mostly measures the neighbours, while a call's own work is what is compared here.
// Run alone: `node dist/bench/ops.js`, or through `npm run bench` (bench/run.ts).
import * as torch from '../src';
import { Tensor } from '../src';
import { BenchResult, Comparison, PythonPeer, alternate, benchThreads, compare, onOneCpu, repeats, secondsPerCall } from './harness';

const ITERATIONS = 5000;
// Both processes share one CPU while they measure (onOneCpu), so a second thread has no CPU to run
// on: an op that opens an OpenMP region (LibTorch 2.13's softmax does, even on 8x8) would wait at
// its barrier for the descheduled worker, milliseconds a call, and time the scheduler.
const THREADS = 1;

function ops(): Record<string, () => Tensor> {
  torch.manualSeed(0);
  const a = torch.randn([8, 8]);
  const b = torch.randn([8, 8]);
  const index = torch.tensor([1, 3, 5]);
  return {
    add: () => a.add(b),
    'add scalar': () => a.add(1),
    mul: () => a.mul(b),
    'matmul 8x8': () => a.matmul(b),
    sum: () => a.sum(),
    'sum dim': () => a.sum(1),
    softmax: () => a.softmax(1),
    'index a[1]': () => a.index(1),
    'index a[:, 1:3]': () => a.index(':', '1:3'),
    'index a[idx]': () => a.index(index),
    relu: () => a.relu(),
    'add_ in place': () => a.add_(b, { alpha: 0 }),
  };
}

/** CPU seconds (user + system, all threads) per call of `fn`, after a tenth as many untimed calls. */
const cpuSecondsPerCall = (fn: () => void, iterations: number): number => secondsPerCall(fn, iterations, iterations / 10, 'cpu');

export async function main(): Promise<BenchResult> {
  torch.setNumThreads(THREADS);
  const py = new PythonPeer('ops', 'default', THREADS);
  try {
    await py.ready;
    const names = await py.call<string[]>('setup');
    const ours = ops();
    const us = (xs: number[]): number[] => xs.map((x) => x * 1e6);
    const callOf = (name: string): (() => void) => (name.includes('in place') ? ours[name] : () => ours[name]().dispose());
    const compareOp = async (name: string): Promise<Comparison> => {
      const call = callOf(name);
      const s = await alternate(
        {
          ours: () => cpuSecondsPerCall(call, ITERATIONS),
          theirs: () => py.call<number>('perCall', { name, iterations: ITERATIONS }),
        },
        repeats(15),
      );
      return compare(name, 'us/call', us(s.ours), us(s.theirs), 1.0);
    };
    const comparisons = await onOneCpu([py], async () => {
      // One untimed round first: the CPU time counted includes V8's compiler and collector threads,
      // busiest just after start, and they share the one CPU.
      for (const name of names) cpuSecondsPerCall(callOf(name), ITERATIONS);
      const out: Comparison[] = [];
      for (const name of names) out.push(await compareOp(name));
      return out;
    });
    return {
      title: '1. Per-op overhead',
      comparisons,
      notes: [
        `8x8 float32 operands; CPU time (user + system) per call, ${ITERATIONS} calls a sample after ${ITERATIONS / 10} untimed; ${THREADS} thread both sides, both processes pinned to the same CPU.`,
        'momentum-torch: each of these ops takes a typed path in the addon (native/tensor.cc); the long tail goes through the generic ATen dispatch (native/dispatch.cc). ' +
          'Each call includes dispose() of its result; Python frees its result by reference counting.',
      ],
    };
  } finally {
    py.close();
    torch.setNumThreads(benchThreads());
  }
}

if (require.main === module) {
  main()
    .then((r) => {
      for (const c of r.comparisons) {
        console.log(`${c.measure.padEnd(18)} ${c.ours.median.toFixed(3)} vs ${c.theirs.median.toFixed(3)} us/call  ratio ${c.ratio.median.toFixed(2)}x`);
      }
    })
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
}
