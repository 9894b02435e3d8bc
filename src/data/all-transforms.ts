// torch.data.transforms: the batched augmentations (and their functional halves) with MoCo's
// two-view recipes, which are built from them.
export * from './transforms';
export * from './moco-transforms';
