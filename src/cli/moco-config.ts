// What `train moco` and `eval linear` share: the datasets by name, the encoder wrapped in MoCo as
// a config says, the flags that choose them, and the config.json of a `train moco` run folder.
import * as fs from 'fs';
import * as path from 'path';
import { CIFAR10, FashionMNIST } from '../data';
import { FASHION_MNIST_ROOT } from '../data/datasets';
import type { ImageDataset } from '../data';
import { CIFAR10_NORMALIZE, ChannelStatistics, FASHION_MNIST_NORMALIZE } from '../data/statistics';
import { mocoEncoder, MoCoEncoderArch } from '../models';
import { MoCo, MoCoVersion } from '../ssl/moco';
import type { FlagSpecs } from './args';

export type DatasetName = 'fashion-mnist' | 'cifar10';

interface DatasetInfo {
  classes: number;
  channels: number;
  size: number;
  statistics: ChannelStatistics;
  root?: string;
  load(root: string | undefined, train: boolean): ImageDataset;
}

export const DATASETS: Record<DatasetName, DatasetInfo> = {
  'fashion-mnist': {
    classes: 10,
    channels: 1,
    size: 28,
    statistics: FASHION_MNIST_NORMALIZE,
    root: FASHION_MNIST_ROOT,
    load: (root, train) => new FashionMNIST({ root, train }),
  },
  cifar10: {
    classes: 10,
    channels: 3,
    size: 32,
    statistics: CIFAR10_NORMALIZE,
    load: (root, train) => new CIFAR10({ root, train }),
  },
};

export interface EncoderConfig {
  version: MoCoVersion;
  dataset: DatasetName;
  arch: MoCoEncoderArch;
  width: number;
  dim: number;
  mlpDim: number;
  queueSize: number;
  momentum: number;
  temperature: number;
  bnSplits: number;
  shuffleBn: boolean;
}

/** The encoder (`fc` outputs `dim`) wrapped in MoCo as the config says. */
export function buildMoCo(config: EncoderConfig, device: string): MoCo {
  const encoder = mocoEncoder({ arch: config.arch, inChannels: DATASETS[config.dataset].channels, dim: config.dim, width: config.width });
  return new MoCo({
    encoder: encoder.to(device),
    version: config.version,
    dim: config.dim,
    queueSize: config.queueSize,
    momentum: config.momentum,
    temperature: config.temperature,
    bnSplits: config.bnSplits,
    shuffleBN: config.version === 3 ? false : config.shuffleBn,
    mlpDim: config.mlpDim,
  });
}

/** The flags that choose the data and the encoder, as `train moco` declares them. */
export const ENCODER_FLAGS: FlagSpecs = {
  dataset: { type: 'string', help: 'the dataset (its training images, without labels)', default: 'fashion-mnist', choices: ['fashion-mnist', 'cifar10'] },
  'data-root': { type: 'string', help: 'folder of the dataset files (default: Debian\'s Fashion-MNIST; CIFAR-10 needs it)' },
  arch: { type: 'string', help: 'the encoder', default: 'small-cnn', choices: ['small-cnn', 'resnet18'] },
  width: { type: 'integer', help: 'channels of the small CNN\'s first stage', default: 16, min: 1 },
};

/** A run's config.json as far as the encoder and the data go. */
export type RunEncoderConfig = EncoderConfig & { dataRoot: string | null };

/** The config.json of the run a checkpoint path (a run folder or a file in one) belongs to. */
export function runConfigOf(checkpoint: string): { config: RunEncoderConfig; checkpointFile: string } {
  const isFolder = fs.existsSync(checkpoint) && fs.statSync(checkpoint).isDirectory();
  const checkpointFile = isFolder ? path.join(checkpoint, 'checkpoint.pt') : checkpoint;
  const configFile = path.join(path.dirname(checkpointFile), 'config.json');
  if (!fs.existsSync(checkpointFile)) throw new Error(`no checkpoint at ${checkpointFile}`);
  if (!fs.existsSync(configFile)) throw new Error(`no config.json beside ${checkpointFile}: pass a run folder written by 'train moco'`);
  return { config: JSON.parse(fs.readFileSync(configFile, 'utf8')) as RunEncoderConfig, checkpointFile };
}
