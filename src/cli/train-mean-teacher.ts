// `momentum-torch train mean-teacher`: Mean Teacher on Fashion-MNIST with a few labels, as the
// authors' pytorch/main.py trains it: two-stream batches (labeled + unlabeled), independent
// augmentation of the student's and the teacher's inputs, SGD with Nesterov momentum, the learning
// rate ramped per fractional epoch, the consistency weight ramped per epoch, the teacher updated
// after every step. `--consistency 0` is the supervised-only baseline with the same budget.
import { noGrad } from '../autograd';
import { DataLoader, FashionMNIST, TensorDataset, TwoStreamBatchSampler, labeledSubset, permuter } from '../data';
import type { ImageDataset } from '../data';
import * as transforms from '../data/transforms';
import { FASHION_MNIST_NORMALIZE } from '../data/statistics';
import { tensor } from '../factories';
import { smallCnn, SmallCnn } from '../models';
import type { Module } from '../nn';
import { lrScheduler, SGD } from '../optim';
import { manualSeed } from '../runtime';
import { tidy } from '../scope';
import { MeanTeacher } from '../ssl/mean-teacher';
import type { Tensor } from '../tensor';
import type { FlagSpecs } from './args';
import { writeLinePlot } from './plot';
import { formatFields, ProgressBar } from './progress';
import { accuracyCurve, jsonCommand, pickFlags, RunControl as BaseRunControl, runControl, runFlags } from './run-command';
import { EpochMetrics, inRunFolder, Json, readMetricsFile, RunFolder } from './run-folder';
import * as fs from 'fs';
import * as path from 'path';

/** Everything that decides what a run computes (saved as the run folder's config.json). */
export interface MeanTeacherConfig {
  dataset: 'fashion-mnist';
  dataRoot: string;
  labels: number;
  /** Size of the unlabeled pool drawn from the other training images (0: all of them). */
  unlabeled: number;
  epochs: number;
  batchSize: number;
  labeledBatchSize: number;
  width: number;
  lr: number;
  initialLr: number;
  lrRampup: number;
  lrRampdownEpochs: number;
  momentum: number;
  weightDecay: number;
  consistency: number;
  consistencyType: 'mse' | 'kl';
  consistencyRampup: number;
  emaDecay: number;
  logitDistanceCost: number;
  translate: number;
  flip: number;
  noise: number;
  testSize: number;
  seed: number;
}

/** How a run is carried out (may differ between a run and its resumption). */
export interface RunControl extends BaseRunControl {
  /** A baseline run folder whose test accuracy the plot shows. */
  baseline?: string;
}

export interface MeanTeacherResult {
  [key: string]: Json;
  method: string;
  dataset: string;
  labels: number;
  epochs: number;
  steps: number;
  seconds: number;
  testImages: number;
  testAccuracy: { student: number; teacher: number };
  runFolder: string;
}

const LOSS_LIMIT = 1e5;
const EVAL_BATCH = 1000;

export const FLAGS: FlagSpecs = {
  dataset: { type: 'string', help: 'the dataset', default: 'fashion-mnist', choices: ['fashion-mnist'] },
  'data-root': { type: 'string', help: 'folder of the dataset files', default: '/usr/share/datasets/fashion-mnist' },
  labels: { type: 'integer', help: 'training images that keep their label (class-balanced)', default: 1000, min: 10 },
  unlabeled: { type: 'integer', help: 'unlabeled pool size, 0 = every other training image', default: 4800, min: 0 },
  epochs: { type: 'integer', help: 'epochs (passes over the unlabeled pool)', default: 12, min: 1 },
  'batch-size': { type: 'integer', help: 'minibatch size (labeled + unlabeled)', default: 64, min: 2 },
  'labeled-batch-size': { type: 'integer', help: 'labeled images in each minibatch', default: 16, min: 1 },
  width: { type: 'integer', help: 'channels of the small CNN first stage', default: 16, min: 1 },
  lr: { type: 'number', help: 'learning rate after the ramp-up', default: 0.8, min: 0 },
  'initial-lr': { type: 'number', help: 'learning rate at the start of the ramp-up', default: 0, min: 0 },
  'lr-rampup': { type: 'number', help: 'epochs of linear learning-rate ramp-up', default: 0, min: 0 },
  'lr-rampdown-epochs': { type: 'number', help: 'length of the cosine ramp-down, >= epochs (0 = epochs)', default: 0, min: 0 },
  momentum: { type: 'number', help: 'Nesterov momentum', default: 0.9, min: 0 },
  'weight-decay': { type: 'number', help: 'L2 weight decay', default: 1e-4, min: 0 },
  consistency: { type: 'number', help: 'consistency weight; 0 = supervised-only baseline', default: 10, min: 0 },
  'consistency-type': { type: 'string', help: 'consistency cost', default: 'mse', choices: ['mse', 'kl'] },
  'consistency-rampup': { type: 'number', help: 'epochs of sigmoid ramp-up of the consistency weight', default: 4, min: 0 },
  'ema-decay': { type: 'number', help: "the teacher's EMA decay", default: 0.95, min: 0 },
  'logit-distance-cost': { type: 'number', help: '>= 0: two heads and this weight on their distance', default: -1 },
  translate: { type: 'integer', help: 'random translation in pixels (reflect padding)', default: 2, min: 0 },
  flip: { type: 'number', help: 'probability of a horizontal flip', default: 0.5, min: 0 },
  noise: { type: 'number', help: 'std of Gaussian input noise (normalized scale)', default: 0.15, min: 0 },
  'test-size': { type: 'integer', help: 'test images evaluated each epoch (the last epoch uses all)', default: 1000, min: 1 },
  seed: { type: 'integer', help: 'seed of the labels chosen, the weights, the order and the augmentation', default: 0, min: 0 },
  ...runFlags('runs/mean-teacher', { baseline: { type: 'string', help: 'a baseline run folder to show in the plot' } }),
};

// ---- the authors' schedule ----------------------------------------------------------------------

/**
 * The learning rate at each fractional epoch (their adjust_learning_rate, stepped every batch):
 * linear ramp-up from initialLr to lr, times the cosine ramp-down over lrRampdownEpochs.
 */
export function lrSchedule(optimizer: SGD, config: Pick<MeanTeacherConfig, 'initialLr' | 'lrRampup' | 'lrRampdownEpochs'>, stepsPerEpoch: number): lrScheduler.RampupCosineRampdownLR {
  return new lrScheduler.RampupCosineRampdownLR(optimizer, { startLr: config.initialLr, rampupEpochs: config.lrRampup, rampdownEpochs: config.lrRampdownEpochs, stepsPerEpoch });
}

// ---- one step ----------------------------------------------------------------------------------

export interface StepLosses {
  loss: number;
  classLoss: number;
  consistencyLoss: number;
  resLoss: number;
  consistencyWeight: number;
}

/** The parts of the Mean Teacher cost; a NaN or one above 1e5 stops the run (the authors' assert). */
export class LossExplosionError extends Error {}

/**
 * One training step as the authors' train() loop body: teacher and student forward, the costs,
 * zero_grad / backward / SGD step (at the lr its scheduler set), then the teacher's EMA update for
 * step `step + 1`.
 */
export function trainStep<M extends Module>(
  mt: MeanTeacher<M>,
  optimizer: SGD,
  batch: { input: Tensor; emaInput: Tensor; targets: Tensor },
  options: { epoch: number; step: number },
): StepLosses {
  return tidy(() => {
    const teacherOut = noGrad(() => mt.teacher.call(batch.emaInput));
    const studentOut = mt.student.call(batch.input);
    const parts = mt.loss({ student: studentOut, teacher: teacherOut, targets: batch.targets, epoch: options.epoch });
    const [loss, classLoss, consistencyLoss, resLoss] = [parts.loss, parts.classLoss, parts.consistencyLoss, parts.resLoss].map((t) => t.item());
    if (Number.isNaN(loss) || loss > LOSS_LIMIT) {
      throw new LossExplosionError(`loss explosion at step ${options.step + 1}: loss ${loss} (class ${classLoss}, consistency ${consistencyLoss}, logit distance ${resLoss})`);
    }
    optimizer.zeroGrad();
    parts.loss.backward();
    optimizer.step();
    mt.updateTeacher(options.step + 1);
    return { loss, classLoss, consistencyLoss, resLoss, consistencyWeight: parts.consistencyWeight };
  });
}

// ---- data ----------------------------------------------------------------------------------------

interface Data {
  train: ImageDataset;
  labeledIndices: number[];
  unlabeledIndices: number[];
  /** The per-epoch test subset, and the whole test set. */
  testSubset: TensorDataset;
  test: ImageDataset;
}

// The labels kept and the unlabeled pool depend on the seed; the test subset does not, so runs
// with different seeds are scored on the same images.
function loadData(config: MeanTeacherConfig): Data {
  const train = new FashionMNIST({ root: config.dataRoot, train: true });
  const test = new FashionMNIST({ root: config.dataRoot, train: false });
  const subset = labeledSubset(train.targets, config.labels, { seed: config.seed });
  train.targets = subset.labels;
  const unlabeled = subset.unlabeledIndices;
  if (config.unlabeled > unlabeled.length) throw new RangeError(`--unlabeled ${config.unlabeled}: only ${unlabeled.length} unlabeled images exist`);
  const pool = config.unlabeled ? Array.from(permuter(config.seed)(unlabeled.length).subarray(0, config.unlabeled), (i) => unlabeled[i]) : unlabeled;
  const chosen = tensor(Int32Array.from(permuter(0)(test.length).subarray(0, Math.min(config.testSize, test.length))));
  const testSubset = new TensorDataset(...test.prepare(test.tensors.map((t) => t.indexSelect(0, chosen))));
  return { train, labeledIndices: subset.labeledIndices, unlabeledIndices: pool, testSubset, test };
}

/** The training augmentation: translate with reflection, flip, normalize, Gaussian noise. */
function trainAugmentation(config: MeanTeacherConfig): transforms.Transform {
  return transforms.compose([
    ...(config.translate ? [transforms.translate({ pixels: config.translate })] : []),
    ...(config.flip ? [transforms.horizontalFlip({ p: config.flip })] : []),
    transforms.normalize(FASHION_MNIST_NORMALIZE),
    ...(config.noise ? [transforms.gaussianNoise({ std: config.noise })] : []),
  ]);
}

const testNormalization = transforms.normalize(FASHION_MNIST_NORMALIZE);

/** Top-1 accuracy in percent of `model` (in eval mode) on `dataset`. */
export function accuracy(model: Module, dataset: TensorDataset | ImageDataset, device: string): number {
  const wasTraining = model.training;
  model.eval();
  let correct = 0;
  try {
    for (const [images, targets] of new DataLoader(dataset, { batchSize: EVAL_BATCH, device })) {
      correct += tidy(() => noGrad(() => {
        const out = model.call(testNormalization(images));
        const logits = Array.isArray(out) ? out[0] : (out as Tensor);
        return logits.argmax(1).eq(targets).sum().item();
      }));
    }
  } finally {
    model.train(wasTraining);
  }
  return (100 * correct) / dataset.length;
}

// ---- the run -------------------------------------------------------------------------------------

// Each epoch starts from its own seed, so a resumed run draws what an uninterrupted one does.
function epochSeed(seed: number, epoch: number): number {
  return (seed * 1000003 + epoch * 7919 + 1) % 2147483647;
}

function checkConfig(config: MeanTeacherConfig): void {
  if (config.labeledBatchSize >= config.batchSize) throw new RangeError(`--labeled-batch-size (${config.labeledBatchSize}) must be below --batch-size (${config.batchSize})`);
  if (config.lrRampdownEpochs && config.lrRampdownEpochs < config.epochs) throw new RangeError(`--lr-rampdown-epochs (${config.lrRampdownEpochs}) must be >= --epochs (${config.epochs}), as the authors require`);
  if (config.emaDecay > 1) throw new RangeError(`--ema-decay must be in [0, 1], got ${config.emaDecay}`);
  if (config.flip > 1) throw new RangeError(`--flip is a probability, got ${config.flip}`);
}

type Sums = Record<'loss' | 'classLoss' | 'consistencyLoss' | 'resLoss', number>;

function meanOf(sums: Sums, steps: number): Sums {
  return { loss: sums.loss / steps, classLoss: sums.classLoss / steps, consistencyLoss: sums.consistencyLoss / steps, resLoss: sums.resLoss / steps };
}

/** Trains Mean Teacher (or the baseline) with `config`, writing the run folder; returns result.json's content. */
export async function trainMeanTeacher(config: MeanTeacherConfig, control: RunControl): Promise<MeanTeacherResult> {
  checkConfig(config);
  const folderConfig = config as unknown as Record<string, Json>;
  return inRunFolder(control.out, folderConfig, { resume: control.resume, log: control.log }, (folder) => runMeanTeacher(folder, config, control));
}

function runMeanTeacher(folder: RunFolder, config: MeanTeacherConfig, control: RunControl): MeanTeacherResult {
  const log = control.log ?? process.stderr;
  const say = (line: string) => control.quiet || log.write(line + '\n');
  const data = loadData(config);

  manualSeed(config.seed);
  const student = smallCnn({ width: config.width, twoHeads: config.logitDistanceCost >= 0 }).to(control.device);
  const mt = new MeanTeacher<SmallCnn>({
    student,
    emaDecay: config.emaDecay,
    consistency: config.consistencyType,
    consistencyWeight: config.consistency,
    consistencyRampup: config.consistencyRampup,
    logitDistanceCost: config.logitDistanceCost,
  });
  const optimizer = new SGD(student.parameters(), { lr: config.lr, momentum: config.momentum, weightDecay: config.weightDecay, nesterov: true });
  // The samplers of all epochs have one length; each epoch draws its own order.
  const samplerOf = (epoch: number) => new TwoStreamBatchSampler(data.unlabeledIndices, data.labeledIndices, config.batchSize, config.labeledBatchSize, { seed: epochSeed(config.seed, epoch) });
  const schedule = lrSchedule(optimizer, { ...config, lrRampdownEpochs: config.lrRampdownEpochs || config.epochs }, samplerOf(0).length);

  let [epochsDone, globalStep, seconds] = [0, 0, 0];
  const { checkpoint: saved, metrics } = folder.startingPoint(control.device);
  if (saved) {
    student.loadStateDict(saved.student as Record<string, Tensor>);
    mt.teacher.loadStateDict(saved.teacher as Record<string, Tensor>);
    optimizer.loadStateDict(saved.optimizer as Parameters<SGD['loadStateDict']>[0]);
    [epochsDone, globalStep, seconds] = [saved.epoch as number, saved.step as number, saved.seconds as number];
    writePlot(folder, metrics, control.baseline); // a run killed before its plot may have left it an epoch behind
    say(`resuming ${folder.dir} after epoch ${epochsDone} (step ${globalStep})`);
  }

  const augment = trainAugmentation(config);
  const lastEpoch = control.stopAfter ? Math.min(control.stopAfter, config.epochs) : config.epochs;
  for (let epoch = epochsDone; epoch < lastEpoch; epoch++) {
    const started = Date.now();
    manualSeed(epochSeed(config.seed, epoch));
    const sampler = samplerOf(epoch);
    const bar = new ProgressBar({ total: sampler.length, label: `epoch ${epoch + 1}/${config.epochs}`, unit: 'image', perStep: config.batchSize, stream: log, silent: control.quiet });
    const sums: Sums = { loss: 0, classLoss: 0, consistencyLoss: 0, resLoss: 0 };
    let consistencyWeight = 0;
    let lr = 0;
    let i = 0;
    for (const [images, targets] of new DataLoader(data.train, { sampler, device: control.device })) {
      schedule.step(epoch * sampler.length + i);
      lr = optimizer.paramGroups[0].lr;
      let losses: StepLosses;
      try {
        losses = tidy(() => trainStep(mt, optimizer, { input: augment(images), emaInput: augment(images), targets }, { epoch, step: globalStep }));
      } catch (e) {
        if (!(e instanceof LossExplosionError)) throw e;
        const kept = epochsDone ? `the checkpoint of epoch ${epochsDone} is kept in ${folder.checkpointPath}` : 'no checkpoint was written yet';
        throw new LossExplosionError(`epoch ${epoch + 1}: ${e.message}; stopping, ${kept}`);
      }
      globalStep++;
      i++;
      consistencyWeight = losses.consistencyWeight;
      for (const key of Object.keys(sums) as (keyof Sums)[]) sums[key] += losses[key];
      const trainSeconds = (Date.now() - started) / 1000;
      bar.update(i, { ...meanOf(sums, i), lr, 'img/s': Math.round((i * config.batchSize) / trainSeconds) });
    }
    const trainSeconds = (Date.now() - started) / 1000;
    const isLast = epoch + 1 === config.epochs;
    const testSet = isLast ? data.test : data.testSubset;
    const testAccuracy = { student: accuracy(mt.student, testSet, control.device), teacher: accuracy(mt.teacher, testSet, control.device) };
    seconds += (Date.now() - started) / 1000;
    const line: EpochMetrics = {
      epoch: epoch + 1,
      step: globalStep,
      seconds: Number(seconds.toFixed(3)),
      lr,
      consistencyWeight,
      ...meanOf(sums, i),
      testAccuracy,
      testImages: testSet.length,
      imagesPerSecond: Math.round((i * config.batchSize) / trainSeconds),
    };
    folder.appendMetrics(line);
    metrics.push(line);
    epochsDone = epoch + 1;
    folder.saveCheckpoint({
      student: student.stateDict(),
      teacher: mt.teacher.stateDict(),
      optimizer: optimizer.stateDict(),
      step: globalStep,
      epoch: epochsDone,
      seconds,
      rng: { seed: config.seed, nextEpochSeed: epochSeed(config.seed, epochsDone) },
    });
    writePlot(folder, metrics, control.baseline);
    say(`epoch ${epochsDone}: test accuracy student ${testAccuracy.student.toFixed(2)}% teacher ${testAccuracy.teacher.toFixed(2)}% (${testSet.length} images) | ${formatFields({ lr, ...meanOf(sums, i) })}`);
  }

  const last = metrics[metrics.length - 1];
  const result: MeanTeacherResult = {
    method: config.consistency ? 'mean-teacher' : 'supervised baseline (consistency 0)',
    dataset: config.dataset,
    labels: config.labels,
    epochs: epochsDone,
    steps: globalStep,
    seconds: Number(seconds.toFixed(1)),
    testImages: (last?.testImages as number) ?? 0,
    testAccuracy: (last?.testAccuracy as { student: number; teacher: number }) ?? { student: NaN, teacher: NaN },
    runFolder: folder.dir,
    config: config as unknown as Json,
  };
  if (epochsDone < config.epochs) {
    say(`stopped after epoch ${epochsDone} of ${config.epochs}; continue with --resume --out ${control.out}`);
  } else {
    folder.writeResult(result);
  }
  return result;
}

// ---- the plot ------------------------------------------------------------------------------------

/** plot.svg: test accuracy per epoch of student and teacher, and of the baseline run when given. */
function writePlot(folder: RunFolder, metrics: EpochMetrics[], baseline?: string): void {
  const series = [
    { name: 'student', points: accuracyCurve(metrics, 'student') },
    { name: 'teacher (EMA)', points: accuracyCurve(metrics, 'teacher') },
  ];
  const baselineMetrics = baseline ? path.join(baseline, 'metrics.jsonl') : '';
  if (baselineMetrics && fs.existsSync(baselineMetrics)) {
    const lines = readMetricsFile(baselineMetrics, folder.warn);
    series.push({ name: 'baseline', points: accuracyCurve(lines, 'student'), dashed: true } as (typeof series)[number]);
    series.push({ name: 'baseline EMA', points: accuracyCurve(lines, 'teacher'), dashed: true } as (typeof series)[number]);
  }
  writeLinePlot(folder.file('plot.svg'), { title: 'Fashion-MNIST test accuracy', xLabel: 'epoch', yLabel: 'accuracy (%)', series });
}

// ---- the command ---------------------------------------------------------------------------------

// config.json's keys, in order.
const CONFIG_KEYS: (keyof MeanTeacherConfig)[] = [
  'dataset', 'dataRoot', 'labels', 'unlabeled', 'epochs', 'batchSize', 'labeledBatchSize', 'width', 'lr', 'initialLr', 'lrRampup',
  'lrRampdownEpochs', 'momentum', 'weightDecay', 'consistency', 'consistencyType', 'consistencyRampup', 'emaDecay', 'logitDistanceCost',
  'translate', 'flip', 'noise', 'testSize', 'seed',
];

/** The config from parsed flags. */
export function configFromFlags(values: Record<string, unknown>): MeanTeacherConfig {
  return pickFlags<MeanTeacherConfig>(values, CONFIG_KEYS);
}

export const trainMeanTeacherCommand = jsonCommand<MeanTeacherResult>({
  name: 'train mean-teacher',
  flags: FLAGS,
  examples: [
    'momentum-torch train mean-teacher --labels 100 --seed 2 --consistency 0 --out runs/base',
    'momentum-torch train mean-teacher --labels 100 --seed 2 --out runs/mt --baseline runs/base',
    'momentum-torch train mean-teacher --labels 100 --seed 2 --out runs/mt --baseline runs/base --resume',
  ],
  run: (values) => trainMeanTeacher(configFromFlags(values), { ...runControl(values), baseline: values.baseline as string | undefined }),
  report: (result) =>
    `${result.method}: test accuracy student ${result.testAccuracy.student.toFixed(2)}%, teacher ${result.testAccuracy.teacher.toFixed(2)}% after ${result.epochs} epochs (${result.steps} steps, ${result.seconds}s); run folder ${result.runFolder}`,
  reportTo: 'stdout',
});
