// The encoders MoCo trains here: the small CNN or a CIFAR-stem ResNet-18, each ending in a linear
// layer under torchvision's name `fc` (which MoCo replaces by its projection head) that outputs `dim`.
import { Module, Sequential } from '../nn';
import type { Linear } from '../nn';
import type { Tensor } from '../tensor';
import { ResNet, resnet18 } from './resnet';
import { SmallCnn } from './small-cnn';

/** The small CNN's convolutional stages with its classifier under the name `fc`. */
export class SmallCnnEncoder extends Module {
  features: Sequential;
  fc: Linear;

  constructor(options: { channels: number; width: number; numClasses: number }) {
    super();
    const cnn = new SmallCnn(options);
    this.features = cnn.features;
    this.fc = cnn.fc1;
  }

  forward(x: Tensor): Tensor {
    return this.fc.call(this.features.call(x).flatten(1));
  }
}

export type MoCoEncoderArch = 'small-cnn' | 'resnet18';

export interface MoCoEncoderOptions {
  arch: MoCoEncoderArch;
  /** Input channels (1 for grayscale). */
  inChannels: number;
  /** Features out of `fc`. */
  dim: number;
  /** The small CNN's first-stage channels (ignored by the ResNet). */
  width?: number;
}

/** A new encoder for MoCo: `fc` outputs `dim` features. */
export function mocoEncoder({ arch, inChannels, dim, width = 16 }: MoCoEncoderOptions): SmallCnnEncoder | ResNet {
  if (arch === 'resnet18') return resnet18({ numClasses: dim, cifarStem: true, inChannels });
  if (arch === 'small-cnn') return new SmallCnnEncoder({ channels: inChannels, width, numClasses: dim });
  throw new Error(`mocoEncoder: arch must be 'small-cnn' or 'resnet18', got ${JSON.stringify(arch)}`);
}
