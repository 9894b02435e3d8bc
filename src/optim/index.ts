// torch.optim: optimizers over LibTorch's own, and learning-rate schedulers.
export { Optimizer } from './optimizer';
export type { ParamGroup, ParamGroupSpec, ParamsArgument, ParamState, OptimizerStateDict } from './optimizer';
export { SGD } from './sgd';
export type { SGDOptions } from './sgd';
export { Adam, AdamW } from './adam';
export type { AdamOptions } from './adam';
export * as lrScheduler from './lr-scheduler';
