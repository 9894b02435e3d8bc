// Workload 6: peak resident memory (VmHWM) of a process that sets up and runs 1,000 Mean Teacher
// steps (workload 3's step, same weights and batch), momentum-torch against PyTorch. Every sample
// is a fresh process, so each peak is that run's own: `node dist/bench/memory.js --child` here,
// a fresh bench/mean-teacher-step.py peer there.
import { spawn } from 'child_process';
import * as path from 'path';
import * as torch from '../src';
import { BenchResult, PythonPeer, alternate, benchThreads, compare, peakRssMiB, repeats, scratchDir, stats, threadEnvironment } from './harness';
import { meanTeacherStep, pythonSettings, writeStart } from './mean-teacher-step';

const STEPS = 1000;
// Workload 3 uses 128 (32 labeled); 1,000 steps of it in four processes, twice, would take most of
// the run's time, so this one runs a quarter of it unless BENCH_MEMORY_BATCH says otherwise.
const BATCH = Number(process.env.BENCH_MEMORY_BATCH ?? 32);
const LABELED = BATCH / 4;

/** What one run reports: peak RSS after set-up (one step included) and after all steps, and their time. */
interface Run {
  before: number;
  after: number;
  seconds: number;
}

function runChild(file: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [__filename, '--child', file, String(STEPS)], {
      env: { ...process.env, ...threadEnvironment(benchThreads()), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`memory.js --child exited with ${code}`))));
  });
}

async function runPeer(file: string, malloc: 'default' | 'tuned'): Promise<Run> {
  const peer = new PythonPeer('mean-teacher-step', malloc);
  try {
    await peer.ready;
    await peer.call('setup', pythonSettings(file));
    return await peer.call<Run>('memory', { steps: STEPS });
  } finally {
    peer.close();
  }
}

function child(file: string, steps: number): void {
  torch.setNumThreads(benchThreads());
  const step = meanTeacherStep(file);
  step();
  const before = peakRssMiB();
  const start = process.hrtime.bigint();
  for (let i = 0; i < steps; i++) step();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  process.stdout.write(JSON.stringify({ before, after: peakRssMiB(), seconds }));
}

export async function main(): Promise<BenchResult> {
  const file = path.join(scratchDir('memory'), 'start.pt');
  writeStart(file, BATCH, LABELED);
  const runs = { ours: [] as Run[], oursUntuned: [] as Run[], defaults: [] as Run[], tuned: [] as Run[] };
  const record = (into: Run[]) => (run: Run) => (into.push(run), run.after);
  await alternate(
    {
      ours: () => runChild(file, {}).then(record(runs.ours)),
      oursUntuned: () => runChild(file, { MOMENTUM_TORCH_MALLOC: 'default' }).then(record(runs.oursUntuned)),
      defaults: () => runPeer(file, 'default').then(record(runs.defaults)),
      tuned: () => runPeer(file, 'tuned').then(record(runs.tuned)),
    },
    repeats(2),
  );
  const peak = (rs: Run[]) => rs.map((r) => r.after);
  const median = (xs: number[]) => stats(xs).median.toFixed(0);
  const describe = (name: string, rs: Run[]) =>
    `${name}: peak ${median(peak(rs))} MiB, of which ${median(rs.map((r) => r.before))} MiB after set-up and the first step; ` +
    `${STEPS} steps in ${stats(rs.map((r) => r.seconds)).median.toFixed(1)} s (wall)`;
  return {
    title: '6. Memory',
    comparisons: [
      compare(`peak RSS, ${STEPS} steps, vs PyTorch defaults`, 'MiB', peak(runs.ours), peak(runs.defaults)),
      compare(`peak RSS, ${STEPS} steps, vs PyTorch, malloc tuned`, 'MiB', peak(runs.ours), peak(runs.tuned)),
      compare(`peak RSS, ${STEPS} steps, MOMENTUM_TORCH_MALLOC=default vs PyTorch defaults`, 'MiB', peak(runs.oursUntuned), peak(runs.defaults)),
    ],
    notes: [
      `Workload 3's Mean Teacher step (small CNN, batch ${BATCH} with ${LABELED} labeled), ${STEPS} steps after set-up, each sample a fresh process; peak RSS is the kernel's VmHWM, so it includes the runtime (V8, or the Python interpreter) and LibTorch's code.`,
      describe('momentum-torch (malloc tuned, the default)', runs.ours),
      describe('momentum-torch, MOMENTUM_TORCH_MALLOC=default', runs.oursUntuned),
      describe('PyTorch defaults', runs.defaults),
      describe('PyTorch, malloc tuned', runs.tuned),
    ],
  };
}

if (require.main === module && process.argv[2] === '--child') child(process.argv[3], Number(process.argv[4]));
