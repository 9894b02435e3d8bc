// `momentum-torch eval linear`: the linear probe of main_lincls.py on a MoCo run's frozen backbone
// (`--checkpoint RUN_FOLDER_OR_FILE`), or on the same encoder randomly initialised
// (`--random-init`), the baseline that pretraining has to beat.
import * as fs from 'fs';
import * as path from 'path';
import { inputPreparation } from '../data/statistics';
import { load, writeFileAtomic } from '../serialization';
import { manualSeed } from '../runtime';
import { linearProbe } from '../ssl/evaluate';
import type { Tensor } from '../tensor';
import type { FlagSpecs } from './args';
import { buildMoCo, DATASETS, DatasetName, ENCODER_FLAGS, EncoderConfig, runConfigOf } from './moco-config';
import { ProgressBar } from './progress';
import { DEVICE_FLAG, firstImages, jsonCommand, pickFlags } from './run-command';
import type { Json } from './run-folder';

export const FLAGS: FlagSpecs = {
  checkpoint: { type: 'string', help: "a run folder of 'train moco' (or its checkpoint.pt)" },
  'random-init': { type: 'boolean', help: 'probe the randomly initialised encoder instead (the baseline)' },
  dataset: { ...ENCODER_FLAGS.dataset, help: 'with --random-init: the dataset' },
  'data-root': ENCODER_FLAGS['data-root'],
  arch: { ...ENCODER_FLAGS.arch, help: 'with --random-init: the encoder' },
  width: { ...ENCODER_FLAGS.width, help: "with --random-init: the small CNN's width" },
  epochs: { type: 'integer', help: 'epochs of training the linear classifier', default: 30, min: 1 },
  lr: { type: 'number', help: 'SGD learning rate (cosine-annealed per step)', default: 0.1, min: 0 },
  'batch-size': { type: 'integer', help: 'minibatch size of the classifier training', default: 256, min: 1 },
  'train-size': { type: 'integer', help: 'use the first N training images only; 0 = all', default: 0, min: 0 },
  'test-size': { type: 'integer', help: 'use the first N test images only; 0 = all', default: 0, min: 0 },
  seed: { type: 'integer', help: 'seed of the random encoder, the classifier and the order', default: 0, min: 0 },
  device: DEVICE_FLAG,
  out: { type: 'string', help: 'folder for result.json (default: <run folder>/linear, or runs/linear-random-init)' },
  json: { type: 'boolean', help: 'print result.json to stdout instead of the progress' },
};

export interface LinearEvalResult {
  [key: string]: Json;
  method: string;
  encoder: string;
  dataset: string;
  epochs: number;
  seconds: number;
  testAccuracy: number;
}

export interface LinearEvalOptions {
  checkpoint?: string;
  randomInit?: boolean;
  /** With randomInit: the encoder to build (the other fields as a default MoCo run). */
  encoder?: Partial<EncoderConfig>;
  dataRoot?: string;
  epochs: number;
  lr: number;
  batchSize: number;
  /** Use the first N training / test images only (0: all). */
  trainSize?: number;
  testSize?: number;
  seed: number;
  device: string;
  out?: string;
  quiet?: boolean;
  log?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

const RANDOM_ENCODER: EncoderConfig = {
  version: 2,
  dataset: 'fashion-mnist',
  arch: 'small-cnn',
  width: 16,
  dim: 128,
  mlpDim: 512,
  queueSize: 4096,
  momentum: 0.99,
  temperature: 0.2,
  bnSplits: 1,
  shuffleBn: true,
};

/** Runs the linear probe and writes result.json; resolves to its content. */
export async function evalLinear(options: LinearEvalOptions): Promise<LinearEvalResult> {
  if (Boolean(options.checkpoint) === Boolean(options.randomInit)) throw new Error('eval linear: pass either --checkpoint PATH or --random-init');
  const started = Date.now();
  manualSeed(options.seed);
  let encoderConfig: EncoderConfig;
  let described: string;
  let dataRoot = options.dataRoot;
  let out = options.out;
  const moco = (() => {
    if (options.checkpoint) {
      const { config, checkpointFile } = runConfigOf(options.checkpoint);
      encoderConfig = config;
      described = checkpointFile;
      dataRoot ??= config.dataRoot ?? undefined;
      out ??= path.join(path.dirname(checkpointFile), 'linear');
      const built = buildMoCo(config, options.device);
      const saved = load(checkpointFile, { device: options.device }) as { state_dict: Record<string, Tensor> };
      built.loadStateDict(saved.state_dict);
      return built;
    }
    encoderConfig = { ...RANDOM_ENCODER, ...options.encoder };
    described = 'random-init';
    out ??= path.join('runs', 'linear-random-init');
    return buildMoCo(encoderConfig, options.device);
  })();
  const info = DATASETS[encoderConfig!.dataset as DatasetName];
  const root = dataRoot ?? info.root;
  const train = firstImages(info.load(root, true), options.trainSize ?? 0);
  const test = firstImages(info.load(root, false), options.testSize ?? 0);
  const bar = new ProgressBar({ total: options.epochs, label: 'linear probe', unit: 'epoch', silent: options.quiet, stream: options.log });
  const probe = linearProbe(moco.backbone(), train, test, {
    classes: info.classes,
    epochs: options.epochs,
    lr: options.lr,
    batchSize: options.batchSize,
    device: options.device,
    prepare: inputPreparation(info.statistics),
    onEpoch: (epoch, loss) => bar.update(epoch + 1, { loss }),
  });
  const result: LinearEvalResult = {
    method: 'linear-probe',
    encoder: described!,
    dataset: encoderConfig!.dataset,
    arch: encoderConfig!.arch,
    epochs: options.epochs,
    lr: options.lr,
    seed: options.seed,
    trainImages: train.data.shape[0],
    testImages: test.data.shape[0],
    seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
    trainLoss: probe.losses[probe.losses.length - 1],
    testAccuracy: probe.testAccuracy,
  };
  fs.mkdirSync(out!, { recursive: true });
  writeFileAtomic(path.join(out!, 'result.json'), JSON.stringify(result, null, 2) + '\n');
  return result;
}

export const evalLinearCommand = jsonCommand<LinearEvalResult>({
  name: 'eval linear',
  usage: '--checkpoint RUN_FOLDER | --random-init [options]',
  flags: FLAGS,
  examples: [
    'momentum-torch eval linear --checkpoint runs/moco',
    'momentum-torch eval linear --random-init --dataset fashion-mnist',
    'momentum-torch eval linear --checkpoint runs/moco/checkpoint.pt --epochs 10 --json',
  ],
  run: (values) =>
    evalLinear({
      ...pickFlags<LinearEvalOptions>(values, ['checkpoint', 'dataRoot', 'epochs', 'lr', 'batchSize', 'trainSize', 'testSize', 'seed', 'device', 'out']),
      randomInit: Boolean(values.randomInit),
      encoder: { dataset: values.dataset as DatasetName, arch: values.arch as EncoderConfig['arch'], width: values.width as number },
      quiet: Boolean(values.json),
      log: process.stderr,
    }),
  report: (result) => `linear probe test accuracy ${result.testAccuracy.toFixed(2)}% (${result.encoder})`,
});
