// A small, fast CNN for 28x28 images (MNIST, Fashion-MNIST): three conv-BatchNorm-ReLU stages
// with `width`, 2x and 4x channels (the first two followed by 2x2 max pooling: 28 -> 14 -> 7),
// global average pooling, and a linear classifier. It is the Mean Teacher demo's model, sized
// for 2 CPU cores: at the default width 16 it has ~24k parameters.
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Linear, MaxPool2d, Module, ReLU, Sequential } from '../nn';
import type { Tensor } from '../tensor';

export interface SmallCnnOptions {
  numClasses?: number;
  /** Input channels (1 for grayscale). */
  channels?: number;
  /** Channels of the first stage (16); the next stages have 2x and 4x. */
  width?: number;
  /** Two classifier heads on the same features (Mean Teacher's logit-distance variant). */
  twoHeads?: boolean;
}

// conv -> BatchNorm -> [max pool] -> ReLU: pooling before the ReLU gives the same values (the two
// commute) with the ReLU on a quarter of them.
function stage(inChannels: number, outChannels: number, pool: boolean): Sequential {
  const layers: Module[] = [new Conv2d(inChannels, outChannels, 3, { padding: 1, bias: false }), new BatchNorm2d(outChannels)];
  if (pool) layers.push(new MaxPool2d(2));
  return new Sequential(...layers, new ReLU({ inplace: true }));
}

export class SmallCnn extends Module {
  features: Sequential;
  fc1: Linear;
  fc2: Linear | null;

  constructor(options: SmallCnnOptions = {}) {
    super();
    const { numClasses = 10, channels = 1, width = 16, twoHeads = false } = options;
    this.features = new Sequential(
      stage(channels, width, true),
      stage(width, 2 * width, true),
      stage(2 * width, 4 * width, false),
      new AdaptiveAvgPool2d(1),
    );
    this.fc1 = new Linear(4 * width, numClasses);
    this.fc2 = twoHeads ? new Linear(4 * width, numClasses) : null;
  }

  /** Logits `[N, numClasses]`, or `[head1, head2]` with `twoHeads`. */
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    const h = this.features.call(x).flatten(1);
    return this.fc2 ? [this.fc1.call(h), this.fc2.call(h)] : this.fc1.call(h);
  }
}

export const smallCnn = (options: SmallCnnOptions = {}) => new SmallCnn(options);
