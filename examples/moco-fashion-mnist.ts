// MoCo v2 on Fashion-MNIST's 60k training images without labels, judged as the paper judges it: a
// linear probe on the frozen backbone, against the same probe on the same encoder before
// pretraining (random init, same seed). Prints the table of examples/RESULTS-moco.md.
// Run: node dist/examples/moco-fashion-mnist.js [train moco flags], e.g. `--epochs 12 --width 16`.
import * as fs from 'fs';
import * as path from 'path';
import { parseFlags } from '../src/cli/args';
import { evalLinear, LinearEvalResult } from '../src/cli/eval-linear';
import { configFromFlags, FLAGS, trainMoCo } from '../src/cli/train-moco';

async function experiment(argv: string[]): Promise<void> {
  const values = parseFlags('moco example', ['--moco-version', '2', ...argv], FLAGS);
  const config = configFromFlags(values);
  const device = values.device as string;
  const runDir = path.resolve(values.out === FLAGS.out.default ? 'runs/moco-fashion-mnist' : (values.out as string));
  fs.rmSync(runDir, { recursive: true, force: true });
  const probe = { epochs: 30, lr: 0.1, batchSize: 256, seed: config.seed, device, log: process.stderr };

  process.stderr.write('1/3 linear probe of the randomly initialised encoder\n');
  const baseline = await evalLinear({
    ...probe,
    randomInit: true,
    encoder: { dataset: config.dataset, arch: config.arch, width: config.width, dim: config.dim },
    out: path.join(runDir, 'linear-random-init'),
  });
  process.stderr.write(`2/3 MoCo v${config.version} pretraining, ${config.epochs} epochs\n`);
  const pretraining = await trainMoCo(config, { out: runDir, device, log: process.stderr });
  process.stderr.write('3/3 linear probe of the pretrained encoder\n');
  const pretrained = await evalLinear({ ...probe, checkpoint: runDir });

  const knn = fs
    .readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line).testAccuracy.knn.toFixed(2));
  const row = (name: string, r: LinearEvalResult) => `| ${name} | ${r.testAccuracy.toFixed(2)} % |`;
  process.stdout.write(
    [
      `MoCo v${config.version}, ${config.arch} width ${config.width}, ${config.epochs} epochs: ` +
        `${pretraining.seconds.toFixed(0)} s wall, ${pretraining.cpuSeconds.toFixed(0)} CPU-s`,
      '',
      '| encoder | linear-probe test accuracy |',
      '|---|---|',
      row('random init (same seed)', baseline),
      row(`MoCo v${config.version} pretrained`, pretrained),
      '',
      `gain: ${(pretrained.testAccuracy - baseline.testAccuracy).toFixed(2)} points`,
      `kNN accuracy per epoch (epoch 0 = random init): ${knn.join(', ')}`,
      `plots: ${path.join(runDir, 'loss.svg')}, ${path.join(runDir, 'knn-accuracy.svg')}`,
      '',
    ].join('\n'),
  );
}

experiment(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`moco example: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
