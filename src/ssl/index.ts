// Momentum-teacher learning: `torch.ssl`.
export { emaUpdate } from './ema';
export type { BufferPolicy, HasWeights } from './ema';
export { sigmoidRampup, linearRampup, cosineRampdown } from '../optim/ramps';
export { softmaxMseLoss, softmaxKlLoss, symmetricMseLoss } from './losses';
export { MeanTeacher } from './mean-teacher';
export type { MeanTeacherOptions, MeanTeacherLoss, TeachableModule, Outputs } from './mean-teacher';
export { KeyQueue } from './queue';
export type { KeyQueueOptions } from './queue';
export { infoNCE, inBatchInfoNCE } from './info-nce';
export type { ContrastiveOutput } from './info-nce';
export { MoCo, buildMlp, cosineMomentum } from './moco';
export type { MoCoOptions, MoCoOutput, MoCoVersion } from './moco';
export { SplitBatchNorm, convertSplitBatchNorm } from './split-batch-norm';
export { knnMonitor, knnPredict, linearProbe, extractFeatures } from './evaluate';
export type { FeatureModule, LabeledImages, FeatureOptions, KnnOptions, LinearProbeOptions, LinearProbeResult } from './evaluate';
