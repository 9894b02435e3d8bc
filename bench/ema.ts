// Workload 2: one EMA update of a ResNet-18's parameters (t = d * t + (1 - d) * s, 11.7M floats):
// momentum-torch's fused `torch.ssl.emaUpdate` against the Mean Teacher authors' per-parameter
// loop and PyTorch's `torch._foreach_mul_` / `_foreach_add_`; and the bytes an update must move
// (read t, read s, write t: 12 bytes a parameter) over its time, next to the memory bandwidth of
// this machine measured by copying a large buffer, in both processes.
import * as torch from '../src';
import { emaUpdate } from '../src/ssl';
import { BenchResult, alternate, closePeers, compare, repeats, secondsPerCall, startPeers, stats } from './harness';

const DECAY = 0.999;
const UPDATES_PER_SAMPLE = 10;
const COPIES_PER_SAMPLE = 5;
const BUFFER_MIB = 256;
const BYTES_PER_PARAMETER = 3 * 4;

const HOW =
  "emaUpdate runs native/ema.cc's one-pass kernel (t = fma(s, 1 - d, t * d), bit-identical to mul_ then add_, test/ssl-ema.test.ts): it reads t and s and writes t once, 12 bytes a parameter; " +
  'torch._foreach_mul_ then _foreach_add_ pass over the targets twice, 20 bytes a parameter.';

export async function main(): Promise<BenchResult> {
  const peers = await startPeers('ema', ['default']);
  const py = peers.default;
  try {
    const { shapes } = await py.call<{ shapes: number[][] }>('setup', { decay: DECAY, bandwidth_mib: BUFFER_MIB });
    torch.manualSeed(0);
    const student = torch.models.resnet18();
    const teacher = student.copy();
    const ours = student.parameters().map((p) => p.shape.join('x'));
    if (ours.join() !== shapes.map((s) => s.join('x')).join()) throw new Error("EMA: momentum-torch's and torchvision's ResNet-18 have different parameters");
    const parameters = student.parameters().reduce((n, p) => n + p.numel(), 0);
    const src = torch.randn([(BUFFER_MIB * 2 ** 20) / 4]);
    const dst = torch.zeros([(BUFFER_MIB * 2 ** 20) / 4]);

    const fused = (): number => secondsPerCall(() => emaUpdate(teacher, student, DECAY, { buffers: 'none' }), UPDATES_PER_SAMPLE, 1);
    const walk = secondsPerCall(() => (teacher.parameters(), student.parameters()), 200, 20);
    const copy = (): number => secondsPerCall(() => dst.copy_(src), COPIES_PER_SAMPLE, 1);
    const s = await alternate(
      {
        fused,
        authors: () => py.call<number>('authors', { iterations: UPDATES_PER_SAMPLE }),
        foreach: () => py.call<number>('foreach', { iterations: UPDATES_PER_SAMPLE }),
        copy,
        pyCopy: () => py.call<number>('copy', { iterations: COPIES_PER_SAMPLE }),
      },
      repeats(7),
    );
    const ms = (xs: number[]): number[] => xs.map((x) => x * 1e3);
    const copyGBs = (xs: number[]): number[] => xs.map((t) => (2 * BUFFER_MIB * 2 ** 20) / t / 1e9);
    const emaGBs = (xs: number[]): number[] => xs.map((t) => (BYTES_PER_PARAMETER * parameters) / t / 1e9);
    // The bound: the time the update's 12 bytes a parameter take at the copy's bandwidth.
    const boundMs = copyGBs(s.copy).map((bw) => ((BYTES_PER_PARAMETER * parameters) / (bw * 1e9)) * 1e3);
    const line = (name: string, xs: number[], unit: string): string => {
      const st = stats(xs);
      return `${name}: ${st.median.toFixed(2)} ${unit} (${st.min.toFixed(2)}–${st.max.toFixed(2)})`;
    };
    const comparisons = [
      compare("emaUpdate vs the authors' per-parameter loop", 'ms', ms(s.fused), ms(s.authors)),
      compare('emaUpdate vs torch._foreach_mul_/_foreach_add_', 'ms', ms(s.fused), ms(s.foreach), 1.0),
      compare('emaUpdate vs the memory-bandwidth bound (12 B/param at copy bandwidth)', 'ms', ms(s.fused), boundMs, 1.5),
    ];
    return {
      title: '2. EMA update',
      comparisons,
      notes: [
        `torch.models.resnet18() and torchvision's resnet18() (1000 classes): ${shapes.length} parameter tensors, ${(parameters / 1e6).toFixed(2)}M floats; decay ${DECAY}; buffers left alone on both sides, as the authors' loop does.`,
        `Effective bandwidth of an update (12 B/param / time), median (min–max), GB/s: ${line('momentum-torch emaUpdate', emaGBs(s.fused), 'GB/s')}; ${line("PyTorch authors' loop", emaGBs(s.authors), 'GB/s')}; ${line('PyTorch _foreach', emaGBs(s.foreach), 'GB/s')}.`,
        `Memory bandwidth, copy of a ${BUFFER_MIB} MiB float32 buffer (2 x size / time, STREAM's count; the hidden read-for-ownership of the destination not counted, so an in-place update, which reads its target before writing it, can beat this bound by up to 1.5x): ${line('momentum-torch', copyGBs(s.copy), 'GB/s')}; ${line('PyTorch', copyGBs(s.pyCopy), 'GB/s')}.`,
        `emaUpdate takes the parameter lists from the two Modules on every call (\`parameters()\`, a walk over the module tree, as MeanTeacher and MoCo call it each step): ${(walk * 1e3).toFixed(3)} ms of its time here. The authors' loop walks its modules too (\`zip(ema_model.parameters(), model.parameters())\`); the _foreach path is timed with its lists ready-made.`,
        HOW,
        `Same thread count both sides; ${UPDATES_PER_SAMPLE} updates a sample after one untimed, ${s.fused.length} alternating repeats. The allocator plays no part (all in place), so PyTorch runs with its defaults only.`,
      ],
    };
  } finally {
    closePeers(peers);
  }
}
