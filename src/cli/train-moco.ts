// `momentum-torch train moco`: MoCo pretraining without labels, as facebookresearch/moco's
// main_moco.py (v1/v2) and moco-v3's main_moco.py (v3) train: two augmented views of every image,
// SGD, the learning rate adjusted per epoch (v1: steps at 60% and 80% of the epochs; v2: cosine)
// or per step with warm-up (v3), for v3 the momentum raised along a cosine every step. Each epoch
// ends with the kNN monitor on the frozen backbone, a checkpoint (queue included) and the plots.
import * as path from 'path';
import type { ImageDataset } from '../data';
import { mocoV1Transform, mocoV2Transform, mocoV3Transform, TwoViewTransform } from '../data/moco-transforms';
import { inputPreparation } from '../data/statistics';
import type { Transform } from '../data/transforms';
import { lrScheduler, SGD } from '../optim';
import { manualSeed } from '../runtime';
import { tidy } from '../scope';
import { knnMonitor } from '../ssl/evaluate';
import { cosineMomentum, MoCo, MoCoVersion } from '../ssl/moco';
import { Tensor, tensorOp } from '../tensor';
import type { FlagSpecs, FlagValues } from './args';
import { buildMoCo, DATASETS, ENCODER_FLAGS, EncoderConfig } from './moco-config';
import { writeLinePlot } from './plot';
import { formatFields, ProgressBar } from './progress';
import { accuracyCurve, firstImages, jsonCommand, pickFlags, RunControl, runControl, runFlags } from './run-command';
import { EpochMetrics, inRunFolder, Json, RunFolder } from './run-folder';

export type { RunControl } from './run-command';

// ---- the recipes --------------------------------------------------------------------------------

/** The two views' augmentations of `config.version`, for the dataset's images (the blur up to `blurSigma`). */
export function augmentations(config: Pick<MoCoConfig, 'version' | 'dataset' | 'minScale' | 'blurSigma'>): TwoViewTransform {
  const { size, statistics } = DATASETS[config.dataset];
  const options = { size, ...statistics, minScale: config.minScale, sigma: [0.1, config.blurSigma] as [number, number] };
  return { 1: mocoV1Transform, 2: mocoV2Transform, 3: mocoV3Transform }[config.version](options);
}

export interface ScheduleConfig {
  lr: number;
  epochs: number;
  schedule: 'cosine' | 'step';
  warmupEpochs: number;
}

/**
 * The learning-rate schedule, stepped once per epoch (v1, v2: main_moco) or per step (v3): linear
 * warm-up, then a half cosine to 0 (main_moco's `--cos`, moco-v3's schedule) or x0.1 at 60% and
 * 80% of the epochs (main_moco's 120 and 160 of 200).
 */
export function lrSchedule(optimizer: SGD, config: ScheduleConfig, stepsPerEpoch: number): lrScheduler.EpochScheduleLR {
  const { epochs, warmupEpochs } = config;
  if (config.schedule === 'step') return new lrScheduler.WarmupMultiStepLR(optimizer, { milestones: [0.6 * epochs, 0.8 * epochs], warmupEpochs, stepsPerEpoch });
  return new lrScheduler.WarmupCosineLR(optimizer, { epochs, warmupEpochs, stepsPerEpoch });
}

// ---- one step ------------------------------------------------------------------------------------

export interface StepResult {
  loss: number;
  /** Top-1 accuracy (%) of the instance-discrimination task: the positive scored highest. */
  accuracy: number;
}

/** One step as main_moco's train() loop body: two views, forward (which enqueues), SGD step. */
export function trainStep(moco: MoCo, optimizer: SGD, images: Tensor, views: TwoViewTransform): StepResult {
  return tidy(() => {
    const out = moco.forward(...views(images));
    optimizer.zeroGrad();
    out.loss.backward();
    optimizer.step();
    const accuracy = out.logits.argmax(1).eq(out.labels).float().mean().item() * 100;
    return { loss: out.loss.item(), accuracy };
  });
}

// ---- the run -------------------------------------------------------------------------------------

export interface MoCoConfig extends EncoderConfig, ScheduleConfig {
  [key: string]: Json;
  dataRoot: string | null;
  batchSize: number;
  weightDecay: number;
  sgdMomentum: number;
  minScale: number;
  blurSigma: number;
  knnK: number;
  knnT: number;
  knnBank: number;
  knnTest: number;
  trainSize: number;
  seed: number;
}

export interface MoCoResult {
  [key: string]: Json;
  method: string;
  version: number;
  dataset: string;
  epochs: number;
  steps: number;
  seconds: number;
  cpuSeconds: number;
  testAccuracy: { knn: number };
  runFolder: string;
  checkpoint: string;
}

const LOSS_TRACE_POINTS = 10;

// The first `count` training images (0: all), held as the dataset holds them.
function trainingImages(set: ImageDataset, count: number): { data: Tensor; targets: Tensor; length: number } {
  const { data, targets } = firstImages(set, count);
  return { data, targets, length: data.shape[0] };
}

/** Trains MoCo as `config` says in the run folder `control.out`; resolves to result.json's content. */
export async function trainMoCo(config: MoCoConfig, control: RunControl): Promise<MoCoResult> {
  return inRunFolder(control.out, config, { resume: control.resume, mayChange: [], log: control.log }, (folder) => runMoCo(folder, config, control));
}

function runMoCo(folder: RunFolder, config: MoCoConfig, control: RunControl): MoCoResult {
  const info = DATASETS[config.dataset];
  const root = config.dataRoot ?? info.root;
  const trainSet = trainingImages(info.load(root, true), config.trainSize);
  const testSet = info.load(root, false);
  const prepare = inputPreparation(info.statistics);
  const views = augmentations(config);
  const device = control.device;

  manualSeed(config.seed);
  const moco = buildMoCo(config, device);
  const trainable = moco.parameters().filter((p) => p.requiresGrad);
  const optimizer = new SGD(trainable, { lr: config.lr, momentum: config.sgdMomentum, weightDecay: config.weightDecay });
  const stepsPerEpoch = Math.floor(trainSet.length / config.batchSize); // drop_last, as main_moco
  if (stepsPerEpoch < 1) throw new Error(`train moco: --batch-size ${config.batchSize} is larger than the ${trainSet.length} training images`);
  const schedule = lrSchedule(optimizer, config, config.version === 3 ? stepsPerEpoch : 1);

  let startEpoch = 0;
  let step = 0;
  let seconds = 0;
  let cpuSeconds = 0;
  const { checkpoint, metrics: history } = folder.startingPoint(device);
  if (checkpoint) {
    moco.loadStateDict(checkpoint.state_dict as Record<string, Tensor>);
    optimizer.loadStateDict(checkpoint.optimizer as Parameters<SGD['loadStateDict']>[0]);
    startEpoch = checkpoint.epoch as number;
    step = checkpoint.step as number;
    seconds = checkpoint.seconds as number;
    cpuSeconds = checkpoint.cpuSeconds as number;
    writePlots(folder, history); // a run killed before its plots may have left them an epoch behind
  }
  const lastEpoch = control.stopAfter ? Math.min(config.epochs, startEpoch + control.stopAfter) : config.epochs;
  const knnBank = firstImages(trainSet, config.knnBank);
  const knnTest = firstImages(testSet, config.knnTest);
  const knnOf = () => knnMonitor(moco.backbone(), knnBank, knnTest, { classes: info.classes, k: config.knnK, t: config.knnT, prepare, device });
  if (startEpoch === 0 && lastEpoch > 0) {
    // The initial (random) encoder's kNN accuracy: the curve's starting point (its time counts).
    const started = Date.now();
    const cpuStarted = process.cpuUsage();
    const knn = knnOf();
    seconds = (Date.now() - started) / 1000;
    cpuSeconds = cpuSecondsSince(cpuStarted);
    const initial: EpochMetrics = { epoch: 0, step: 0, seconds: Number(seconds.toFixed(1)), cpuSeconds: Number(cpuSeconds.toFixed(1)), testAccuracy: { knn } };
    folder.appendMetrics(initial);
    history.push(initial);
  }

  for (let epoch = startEpoch; epoch < lastEpoch; epoch++) {
    const started = Date.now();
    const cpuStarted = process.cpuUsage();
    manualSeed(config.seed * 100003 + epoch + 1); // each epoch's draws are the same whether resumed or not
    const bar = new ProgressBar({ total: stepsPerEpoch, label: `epoch ${epoch + 1}/${config.epochs}`, unit: 'image', perStep: config.batchSize, silent: control.quiet, stream: control.log });
    const trained = trainEpoch(moco, optimizer, trainSet, views, { epoch, config, schedule, prepare, device, bar });
    step += stepsPerEpoch;
    const knn = knnOf();
    seconds += (Date.now() - started) / 1000;
    cpuSeconds += cpuSecondsSince(cpuStarted);
    const metrics: EpochMetrics = {
      epoch: epoch + 1,
      step,
      seconds: Number(seconds.toFixed(1)),
      cpuSeconds: Number(cpuSeconds.toFixed(1)),
      loss: trained.loss,
      contrastiveAccuracy: trained.accuracy,
      lr: optimizer.paramGroups[0].lr,
      momentum: moco.momentum,
      testAccuracy: { knn },
      lossTrace: trained.lossTrace,
    };
    folder.appendMetrics(metrics);
    folder.saveCheckpoint({ epoch: epoch + 1, step, seconds, cpuSeconds, version: config.version, state_dict: moco.stateDict(), optimizer: optimizer.stateDict() });
    history.push(metrics);
    writePlots(folder, history);
    if (!control.quiet) control.log?.write?.(`epoch ${epoch + 1}: ${formatFields({ loss: metrics.loss as number, knn, seconds: metrics.seconds as number })}\n`);
  }
  const last = history[history.length - 1];
  const result: MoCoResult = {
    method: `moco-v${config.version}`,
    version: config.version,
    dataset: config.dataset,
    epochs: last ? last.epoch : 0,
    steps: step,
    seconds: Number(seconds.toFixed(1)),
    cpuSeconds: Number(cpuSeconds.toFixed(1)),
    testAccuracy: { knn: last ? (last.testAccuracy as { knn: number }).knn : NaN },
    knnTestImages: knnTest.data.shape[0],
    runFolder: folder.dir,
    checkpoint: folder.checkpointPath,
  };
  folder.writeResult(result);
  return result;
}

interface EpochResult {
  loss: number;
  accuracy: number;
  /** [fractional epoch, mean loss] over each tenth of the epoch, for the loss plot. */
  lossTrace: [number, number][];
}

/**
 * One epoch over the training images in a fresh random order, batch by batch (the last partial
 * batch dropped). v1/v2 set the learning rate once per epoch, as main_moco; v3 sets it and the
 * momentum every step, as moco-v3.
 */
function trainEpoch(
  moco: MoCo,
  optimizer: SGD,
  trainSet: { data: Tensor; length: number },
  views: TwoViewTransform,
  { epoch, config, schedule, prepare, device, bar }: { epoch: number; config: MoCoConfig; schedule: lrScheduler.EpochScheduleLR; prepare: Transform; device: string; bar: ProgressBar },
): EpochResult {
  const batchSize = config.batchSize;
  const steps = Math.floor(trainSet.length / batchSize);
  const perStep = config.version === 3;
  moco.train();
  if (!perStep) schedule.step(epoch);
  const order = tensorOp('randperm', [trainSet.length]);
  const traceEvery = Math.ceil(steps / LOSS_TRACE_POINTS);
  const lossTrace: [number, number][] = [];
  let lossSum = 0;
  let accuracySum = 0;
  let traceSum = 0;
  let traceCount = 0;
  for (let i = 0; i < steps; i++) {
    if (perStep) {
      schedule.step(epoch * steps + i);
      moco.momentum = cosineMomentum(schedule.epoch / config.epochs, config.momentum);
    }
    const images = tidy(() => prepare(trainSet.data.indexSelect(0, order.narrow(0, i * batchSize, batchSize)).to(device)));
    const result = trainStep(moco, optimizer, images, views);
    images.dispose();
    if (!Number.isFinite(result.loss)) throw new Error(`train moco: the loss is ${result.loss} in epoch ${epoch + 1}, step ${i + 1}`);
    lossSum += result.loss;
    accuracySum += result.accuracy;
    traceSum += result.loss;
    traceCount++;
    if (traceCount === traceEvery || i === steps - 1) {
      lossTrace.push([Number((epoch + (i + 1) / steps).toFixed(4)), traceSum / traceCount]);
      traceSum = traceCount = 0;
    }
    bar.update(i + 1, { loss: lossSum / (i + 1), acc: accuracySum / (i + 1), lr: optimizer.paramGroups[0].lr });
  }
  order.dispose();
  return { loss: lossSum / steps, accuracy: accuracySum / steps, lossTrace };
}

/** CPU time (user + system, all threads) of this process since `start`: the budget on a shared machine. */
function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** loss.svg (the loss over fractional epochs) and knn-accuracy.svg (kNN test accuracy per epoch). */
function writePlots(folder: RunFolder, history: EpochMetrics[]): void {
  const trace = history.flatMap((m) => (m.lossTrace as [number, number][]) ?? []);
  writeLinePlot(folder.file('loss.svg'), { title: 'MoCo training loss (InfoNCE)', xLabel: 'epoch', yLabel: 'loss', series: [{ name: 'loss', points: trace }] });
  const knn = accuracyCurve(history, 'knn');
  writeLinePlot(folder.file('knn-accuracy.svg'), { title: 'kNN monitor (k 200, t 0.1) on frozen features', xLabel: 'epoch', yLabel: 'test accuracy (%)', series: [{ name: 'kNN', points: knn }] });
}

// ---- the command ---------------------------------------------------------------------------------

const VERSION_DEFAULTS: Record<MoCoVersion, { temperature: number; schedule: 'cosine' | 'step'; minScale: number; warmupEpochs: number }> = {
  1: { temperature: 0.07, schedule: 'step', minScale: 0.2, warmupEpochs: 0 },
  2: { temperature: 0.2, schedule: 'cosine', minScale: 0.2, warmupEpochs: 0 },
  3: { temperature: 1.0, schedule: 'cosine', minScale: 0.08, warmupEpochs: 0 },
};

export const FLAGS: FlagSpecs = {
  'moco-version': { type: 'integer', help: 'MoCo version: 1, 2 or 3', default: 2, min: 1 },
  ...ENCODER_FLAGS,
  dim: { type: 'integer', help: 'feature dimension (the encoder\'s fc output)', default: 128, min: 1 },
  'mlp-dim': { type: 'integer', help: 'v3: hidden width of the projector and predictor', default: 512, min: 1 },
  epochs: { type: 'integer', help: 'epochs over the training images', default: 10, min: 1 },
  'batch-size': { type: 'integer', help: 'images per step', default: 256, min: 2 },
  'queue-size': { type: 'integer', help: 'K, keys in the queue (v1/v2)', default: 4096, min: 1 },
  momentum: { type: 'number', help: 'm of the key encoder (v3: m0 of its cosine schedule)', default: 0.99, min: 0 },
  temperature: { type: 'number', help: 'T (default 0.07 for v1, 0.2 for v2, 1.0 for v3)', min: 0 },
  lr: { type: 'number', help: 'base learning rate', default: 0.06, min: 0 },
  schedule: { type: 'string', help: 'learning-rate schedule (default step for v1, cosine for v2 and v3)', choices: ['cosine', 'step'] },
  'warmup-epochs': { type: 'number', help: 'epochs of linear warm-up (per step; v3)', default: 0, min: 0 },
  'weight-decay': { type: 'number', help: 'SGD weight decay', default: 5e-4, min: 0 },
  'sgd-momentum': { type: 'number', help: 'SGD momentum', default: 0.9, min: 0 },
  'bn-splits': { type: 'integer', help: 'BatchNorm groups (SplitBatchNorm) for shuffle BN; 1 = plain BatchNorm (default 8; v3: 1)', min: 1 },
  'no-shuffle-bn': { type: 'boolean', help: 'v1/v2: do not shuffle the key batch' },
  'min-scale': { type: 'number', help: 'smallest crop area of the random resized crop (default 0.2; v3 0.08)', min: 0 },
  'blur-sigma': { type: 'number', help: 'largest sigma of the Gaussian blur', default: 2, min: 0 },
  'knn-k': { type: 'integer', help: 'kNN monitor: neighbours', default: 200, min: 1 },
  'knn-t': { type: 'number', help: 'kNN monitor: temperature', default: 0.1, min: 0 },
  'knn-bank': { type: 'integer', help: 'kNN monitor: training images in the memory bank', default: 60000, min: 1 },
  'knn-test': { type: 'integer', help: 'kNN monitor: test images classified', default: 10000, min: 1 },
  'train-size': { type: 'integer', help: 'train on the first N training images only; 0 = all', default: 0, min: 0 },
  seed: { type: 'integer', help: 'seed of the weights, the order and the augmentations', default: 0, min: 0 },
  ...runFlags('runs/moco'),
};

// config.json's keys, in order.
const CONFIG_KEYS: (keyof MoCoConfig & string)[] = [
  'version', 'dataset', 'dataRoot', 'arch', 'width', 'dim', 'mlpDim', 'epochs', 'batchSize', 'queueSize', 'momentum', 'temperature', 'lr',
  'schedule', 'warmupEpochs', 'weightDecay', 'sgdMomentum', 'bnSplits', 'shuffleBn', 'minScale', 'blurSigma', 'knnK', 'knnT', 'knnBank',
  'knnTest', 'trainSize', 'seed',
];

/** The run's config from parsed flags, with the version's defaults filled in. */
export function configFromFlags(values: FlagValues): MoCoConfig {
  const version = values.mocoVersion as number;
  if (version !== 1 && version !== 2 && version !== 3) throw new Error(`train moco: --moco-version must be 1, 2 or 3, got ${version}`);
  const defaults = VERSION_DEFAULTS[version];
  // The flags as given; then the values that default by version or follow from another flag
  // (a key set again keeps its place in the order).
  const config: MoCoConfig = {
    ...pickFlags<MoCoConfig>(values, CONFIG_KEYS),
    version,
    dataRoot: (values.dataRoot as string | undefined) ?? null,
    temperature: (values.temperature as number | undefined) ?? defaults.temperature,
    schedule: (values.schedule as 'cosine' | 'step' | undefined) ?? defaults.schedule,
    bnSplits: (values.bnSplits as number | undefined) ?? (version === 3 ? 1 : 8),
    shuffleBn: version !== 3 && !values.noShuffleBn,
    minScale: (values.minScale as number | undefined) ?? defaults.minScale,
  };
  if (config.batchSize % config.bnSplits !== 0) throw new Error(`train moco: --batch-size ${config.batchSize} must divide into --bn-splits ${config.bnSplits} groups`);
  if (config.momentum > 1) throw new Error(`train moco: --momentum must be in [0, 1], got ${config.momentum}`);
  if (config.warmupEpochs >= config.epochs && config.warmupEpochs > 0) throw new Error('train moco: --warmup-epochs must be fewer than --epochs');
  return config;
}

export const trainMoCoCommand = jsonCommand<MoCoResult>({
  name: 'train moco',
  flags: FLAGS,
  // `--version` is the package's (momentum-torch --version).
  renamed: { version: 'moco-version' },
  examples: [
    'momentum-torch train moco --epochs 14 --lr 0.12 --out runs/moco',
    'momentum-torch train moco --epochs 14 --lr 0.12 --out runs/moco --resume',
    'momentum-torch train moco --moco-version 3 --arch resnet18 --dataset cifar10 --data-root DIR --device cuda',
  ],
  run: (values) => trainMoCo(configFromFlags(values), runControl(values)),
  report: (result) =>
    `kNN test accuracy ${result.testAccuracy.knn.toFixed(2)}% after ${result.epochs} epochs; run folder ${path.relative(process.cwd(), result.runFolder) || '.'}`,
});
