// Shared by the training-CLI tests: tiny budgets for `train mean-teacher` (4 steps an epoch, a
// width-4 CNN) and `train moco` (a few hundred images), and metrics.jsonl read as objects.
import * as fs from 'fs';
import { parseFlags } from '../src/cli/args';
import { configFromFlags, FLAGS, MeanTeacherConfig } from '../src/cli/train-mean-teacher';

export const TINY_MEAN_TEACHER: MeanTeacherConfig = {
  ...configFromFlags(parseFlags('test', [], FLAGS)),
  labels: 20,
  unlabeled: 48,
  epochs: 3,
  batchSize: 16,
  labeledBatchSize: 4,
  width: 4,
  consistencyRampup: 2,
  testSize: 200,
  seed: 3,
};

/** The command-line flags that give `config` (`--key=value`, so negative numbers stay values). */
export function flagsOf(config: object): string[] {
  return Object.entries(config).map(([key, value]) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}=${value}`);
}

export const SMALL_MOCO = ['--train-size', '256', '--batch-size', '64', '--queue-size', '100', '--knn-bank', '300', '--knn-test', '100', '--width', '4', '--dim', '16'];
export const TINY_MOCO = [...SMALL_MOCO, '--bn-splits', '4'];

/** The objects of a metrics.jsonl file. */
export const metricLines = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
