// `train moco` and `eval linear` end to end on a few hundred Fashion-MNIST images: the run folder
// (metrics.jsonl, checkpoint with the queue, plots, result.json), resuming to the same result as
// an uninterrupted run, PyTorch reading the checkpoint, and the linear probe on it.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { evalLinearCommand } from '../src/cli/eval-linear';
import { trainMoCoCommand } from '../src/cli/train-moco';
import { metricLines as lines, SMALL_MOCO as SMALL, TINY_MOCO as TINY } from './cli-runs';
import { runOracle } from './oracle/run';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'moco-cli-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// The printed JSON, read field by field by each test (a training or a linear-probe result).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function run(command: typeof trainMoCoCommand, args: string[]): Promise<any> {
  const write = process.stdout.write;
  let printed = '';
  process.stdout.write = ((chunk: string) => {
    printed += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    expect(await command.run([...args, '--json'])).toBe(0);
  } finally {
    process.stdout.write = write;
  }
  return JSON.parse(printed);
}

describe('train moco / eval linear', () => {
  test('a run writes metrics, checkpoint (queue included), plots and result.json; resuming gives the uninterrupted result', async () => {
    const straight = path.join(tmp, 'straight');
    const result = await run(trainMoCoCommand, [...TINY, '--epochs', '2', '--out', straight]);
    expect(result.method).toBe('moco-v2');
    expect(result.epochs).toBe(2);
    expect(result.steps).toBe(8);
    expect(result.testAccuracy.knn).toBeGreaterThan(0);
    expect(JSON.parse(fs.readFileSync(path.join(straight, 'result.json'), 'utf8'))).toEqual(result);
    const metrics = lines(path.join(straight, 'metrics.jsonl'));
    // epoch 0: the initial encoder's kNN accuracy, before any step
    expect(metrics.map((m) => [m.epoch, m.step])).toEqual([[0, 0], [1, 4], [2, 8]]);
    for (const m of metrics) {
      if (m.epoch > 0) expect(Number.isFinite(m.loss) && m.seconds > 0).toBe(true);
      expect(m.testAccuracy.knn).toBeGreaterThanOrEqual(0);
      expect(m.testAccuracy.knn).toBeLessThanOrEqual(100);
    }
    for (const plot of ['loss.svg', 'knn-accuracy.svg']) expect(fs.readFileSync(path.join(straight, plot), 'utf8')).toMatch(/^<svg/);

    // PyTorch reads the checkpoint: official keys, the queue after 8 steps of 64 keys in K = 100.
    const saved = runOracle('moco_checkpoint.py', { checkpoint: path.join(straight, 'checkpoint.pt') });
    expect(saved.epoch).toBe(2);
    expect(saved.step).toBe(8);
    expect(saved.stateKeys.slice(0, 2)).toEqual(['queue', 'queue_ptr']);
    expect(saved.stateKeys).toContain('encoder_q.features.0.0.weight');
    expect(saved.stateKeys).toContain('encoder_k.fc.2.weight');
    expect(saved.queueShape).toEqual([16, 100]);
    expect(saved.queuePtr).toBe((8 * 64) % 100);
    expect(Math.max(...saved.queueNorms.map((n: number) => Math.abs(n - 1)))).toBeLessThan(1e-5);

    const resumed = path.join(tmp, 'resumed');
    await run(trainMoCoCommand, [...TINY, '--epochs', '2', '--stop-after', '1', '--out', resumed]);
    expect(lines(path.join(resumed, 'metrics.jsonl'))).toHaveLength(2);
    const finished = await run(trainMoCoCommand, [...TINY, '--epochs', '2', '--resume', '--out', resumed]);
    const again = lines(path.join(resumed, 'metrics.jsonl'));
    expect(again.map((m) => m.epoch)).toEqual([0, 1, 2]);
    expect(again.map((m) => [m.loss, m.testAccuracy.knn])).toEqual(metrics.map((m) => [m.loss, m.testAccuracy.knn]));
    expect(finished.testAccuracy).toEqual(result.testAccuracy);

    await expect(trainMoCoCommand.run([...TINY, '--epochs', '2', '--out', straight, '--json'])).rejects.toThrow(/already holds a run/);
  });

  test('eval linear probes the checkpoint\'s backbone and the random-init baseline with the same probe', async () => {
    const out = path.join(tmp, 'probe');
    await run(trainMoCoCommand, [...TINY, '--epochs', '1', '--out', out]);
    const probe = ['--train-size', '500', '--test-size', '200', '--epochs', '3'];
    const trained = await run(evalLinearCommand, ['--checkpoint', out, ...probe]);
    expect(trained.method).toBe('linear-probe');
    expect(trained.encoder).toBe(path.join(out, 'checkpoint.pt'));
    expect(trained.trainImages).toBe(500);
    expect(trained.testImages).toBe(200);
    expect(trained.testAccuracy).toBeGreaterThan(10); // above chance on 10 classes
    expect(JSON.parse(fs.readFileSync(path.join(out, 'linear', 'result.json'), 'utf8'))).toEqual(trained);
    const baseline = await run(evalLinearCommand, ['--random-init', '--width', '4', ...probe, '--out', path.join(tmp, 'random')]);
    expect(baseline.encoder).toBe('random-init');
    expect(baseline.testAccuracy).toBeGreaterThan(10);
    await expect(evalLinearCommand.run(['--json'])).rejects.toThrow(/either --checkpoint PATH or --random-init/);
  });

  test('v1 and v3 train too: v3 raises the momentum along its cosine schedule every step', async () => {
    const v1 = await run(trainMoCoCommand, [...TINY, '--moco-version', '1', '--epochs', '1', '--out', path.join(tmp, 'v1')]);
    expect(v1.method).toBe('moco-v1');
    const v3 = await run(trainMoCoCommand, [...SMALL, '--moco-version', '3', '--mlp-dim', '32', '--epochs', '2', '--out', path.join(tmp, 'v3')]);
    expect(v3.method).toBe('moco-v3');
    const metrics = lines(path.join(tmp, 'v3', 'metrics.jsonl'));
    for (const m of metrics.slice(1)) expect(Number.isFinite(m.loss)).toBe(true);
    // momentum after the last step of epoch e (4 steps an epoch): 1 - (1 - m0)(1 + cos(pi (e - 1 + 3/4) / 2)) / 2
    const expected = (e: number) => 1 - ((1 - 0.99) * (1 + Math.cos((Math.PI * (e - 1 + 3 / 4)) / 2))) / 2;
    expect(metrics[1].momentum).toBeCloseTo(expected(1), 12);
    expect(metrics[2].momentum).toBeCloseTo(expected(2), 12);
    const config = JSON.parse(fs.readFileSync(path.join(tmp, 'v3', 'config.json'), 'utf8'));
    expect([config.temperature, config.bnSplits, config.shuffleBn]).toEqual([1, 1, false]);
  });

  test('bad flags are clear errors', async () => {
    await expect(trainMoCoCommand.run(['--moco-version', '4'])).rejects.toThrow(/--moco-version must be 1, 2 or 3/);
    await expect(trainMoCoCommand.run(['--batch-size', '60', '--bn-splits', '8'])).rejects.toThrow(/must divide into --bn-splits 8 groups/);
    await expect(trainMoCoCommand.run(['--queue-size', 'many'])).rejects.toThrow(/--queue-size takes a number/);
  });
});
