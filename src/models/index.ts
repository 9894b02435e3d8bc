// torch.models: ResNets (torchvision's layout), the Mean Teacher paper's ConvNet, a small CNN, and MoCo's encoders.
export { ResNet, BasicBlock, Bottleneck, resnet18, resnet50 } from './resnet';
export type { ResNetOptions } from './resnet';
export { ConvLarge, convLarge } from './conv-large';
export type { ConvLargeOptions } from './conv-large';
export { SmallCnn, smallCnn } from './small-cnn';
export type { SmallCnnOptions } from './small-cnn';
export { SmallCnnEncoder, mocoEncoder } from './moco-encoder';
export type { MoCoEncoderArch, MoCoEncoderOptions } from './moco-encoder';
