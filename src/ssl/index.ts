// Momentum-teacher learning: `torch.ssl`.
export { emaUpdate } from './ema';
export type { BufferPolicy, HasWeights } from './ema';
export { sigmoidRampup, linearRampup, cosineRampdown } from './ramps';
export { softmaxMseLoss, softmaxKlLoss, symmetricMseLoss } from './losses';
export { MeanTeacher } from './mean-teacher';
export type { MeanTeacherOptions, MeanTeacherLoss, TeachableModule, Outputs } from './mean-teacher';
