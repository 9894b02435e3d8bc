// torch.nn: modules, layers, initialisations and utilities.
export { Module, Parameter } from './module';
export type { StateDict, LoadResult, ModuleTarget } from './module';
export { Identity, Linear } from './linear';
export type { FactoryOptions } from './linear';
export { Conv2d } from './conv';
export type { Conv2dOptions } from './conv';
export { BatchNorm1d, BatchNorm2d } from './batchnorm';
export type { BatchNormOptions } from './batchnorm';
export { LayerNorm } from './normalization';
export { ReLU, LeakyReLU, GELU } from './activation';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './pooling';
export { Dropout } from './dropout';
export { Flatten } from './flatten';
export { Sequential, ModuleList } from './container';
export * as init from './init';
export * as utils from './utils';
export * as functional from '../functional';
