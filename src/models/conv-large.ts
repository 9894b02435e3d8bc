// The 13-layer ConvNet of the Mean Teacher paper (Tarvainen & Valpola 2017, "Mean teachers are
// better role models", Table 5; also Laine & Aila's Temporal Ensembling): for 32x32 inputs,
//   3x conv 3x3 128, max pool 2x2, dropout 0.5,
//   3x conv 3x3 256, max pool 2x2, dropout 0.5,
//   conv 3x3 512 (valid), conv 1x1 256, conv 1x1 128, global average pool, fc,
// each conv followed by BatchNorm and leaky ReLU (slope 0.1). Convolutions carry no bias: the
// BatchNorm after each one has its own.
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, LeakyReLU, Linear, MaxPool2d, Module, Sequential } from '../nn';
import type { Tensor } from '../tensor';

export interface ConvLargeOptions {
  numClasses?: number;
  inChannels?: number;
  /** Dropout after each pooling stage (0.5). */
  dropout?: number;
  /** Two classifier heads on the same features (Mean Teacher's logit-distance variant). */
  twoHeads?: boolean;
}

// conv -> BatchNorm -> leaky ReLU(0.1)
function convBnLrelu(inChannels: number, outChannels: number, kernelSize: number, padding: number): Sequential {
  return new Sequential(
    new Conv2d(inChannels, outChannels, kernelSize, { padding, bias: false }),
    new BatchNorm2d(outChannels),
    new LeakyReLU(0.1),
  );
}

export class ConvLarge extends Module {
  features: Sequential;
  fc1: Linear;
  fc2: Linear | null;

  constructor(options: ConvLargeOptions = {}) {
    super();
    const { numClasses = 10, inChannels = 3, dropout = 0.5, twoHeads = false } = options;
    this.features = new Sequential(
      convBnLrelu(inChannels, 128, 3, 1),
      convBnLrelu(128, 128, 3, 1),
      convBnLrelu(128, 128, 3, 1),
      new MaxPool2d(2, { stride: 2 }),
      new Dropout(dropout),
      convBnLrelu(128, 256, 3, 1),
      convBnLrelu(256, 256, 3, 1),
      convBnLrelu(256, 256, 3, 1),
      new MaxPool2d(2, { stride: 2 }),
      new Dropout(dropout),
      convBnLrelu(256, 512, 3, 0),
      convBnLrelu(512, 256, 1, 0),
      convBnLrelu(256, 128, 1, 0),
      new AdaptiveAvgPool2d(1),
    );
    this.fc1 = new Linear(128, numClasses);
    this.fc2 = twoHeads ? new Linear(128, numClasses) : null;
  }

  /** Logits `[N, numClasses]`, or `[head1, head2]` with `twoHeads`. */
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    const h = this.features.call(x).flatten(1);
    return this.fc2 ? [this.fc1.call(h), this.fc2.call(h)] : this.fc1.call(h);
  }
}

export const convLarge = (options: ConvLargeOptions = {}) => new ConvLarge(options);
