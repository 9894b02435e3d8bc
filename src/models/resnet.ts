// ResNets in torchvision's layout, so torchvision's state dicts load unchanged (He et al. 2016,
// "Deep Residual Learning for Image Recognition"). `cifarStem` swaps the ImageNet stem (7x7
// stride-2 conv and max pool) for a 3x3 stride-1 conv, the usual choice for 32x32 inputs.
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  Identity,
  Linear,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
} from '../nn';
import { constant_, kaimingNormal_ } from '../nn/init';
import type { Tensor } from '../tensor';

const conv3x3 = (inPlanes: number, outPlanes: number, stride = 1) =>
  new Conv2d(inPlanes, outPlanes, 3, { stride, padding: 1, bias: false });
const conv1x1 = (inPlanes: number, outPlanes: number, stride = 1) => new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });

type Block = BasicBlock | Bottleneck;

/** Two 3x3 convolutions and a shortcut (ResNet-18/34). */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu = new ReLU({ inplace: true });
  conv2: Conv2d;
  bn2: BatchNorm2d;
  downsample: Module | null;

  constructor(inPlanes: number, planes: number, stride = 1, downsample: Module | null = null) {
    super();
    this.conv1 = conv3x3(inPlanes, planes, stride);
    this.bn1 = new BatchNorm2d(planes);
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new BatchNorm2d(planes);
    this.downsample = downsample;
  }

  /** The BatchNorm whose weight `zeroInitResidual` zeroes (the last of the residual branch). */
  get lastBn(): BatchNorm2d {
    return this.bn2;
  }

  forward(x: Tensor): Tensor {
    const identity = this.downsample ? this.downsample.call(x) : x;
    let out = this.relu.call(this.bn1.call(this.conv1.call(x)));
    out = this.bn2.call(this.conv2.call(out));
    return this.relu.call(out.add_(identity));
  }
}

/** 1x1 reduce, 3x3, 1x1 expand (x4) and a shortcut (ResNet-50 and deeper; stride on the 3x3). */
export class Bottleneck extends Module {
  static readonly expansion = 4;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  conv3: Conv2d;
  bn3: BatchNorm2d;
  relu = new ReLU({ inplace: true });
  downsample: Module | null;

  constructor(inPlanes: number, planes: number, stride = 1, downsample: Module | null = null) {
    super();
    this.conv1 = conv1x1(inPlanes, planes);
    this.bn1 = new BatchNorm2d(planes);
    this.conv2 = conv3x3(planes, planes, stride);
    this.bn2 = new BatchNorm2d(planes);
    this.conv3 = conv1x1(planes, planes * Bottleneck.expansion);
    this.bn3 = new BatchNorm2d(planes * Bottleneck.expansion);
    this.downsample = downsample;
  }

  get lastBn(): BatchNorm2d {
    return this.bn3;
  }

  forward(x: Tensor): Tensor {
    const identity = this.downsample ? this.downsample.call(x) : x;
    let out = this.relu.call(this.bn1.call(this.conv1.call(x)));
    out = this.relu.call(this.bn2.call(this.conv2.call(out)));
    out = this.bn3.call(this.conv3.call(out));
    return this.relu.call(out.add_(identity));
  }
}

export interface ResNetOptions {
  numClasses?: number;
  /** 3x3 stride-1 first conv and no max pool, for 32x32 images (CIFAR). */
  cifarStem?: boolean;
  /** Zero the last BatchNorm of each residual branch, so each block starts as the identity. */
  zeroInitResidual?: boolean;
  /** Input channels (3). */
  inChannels?: number;
}

type BlockClass = (typeof BasicBlock | typeof Bottleneck) & { expansion: number };

export class ResNet extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu = new ReLU({ inplace: true });
  maxpool: Module;
  layer1: Sequential;
  layer2: Sequential;
  layer3: Sequential;
  layer4: Sequential;
  avgpool = new AdaptiveAvgPool2d(1);
  /** The classifier; replace it (e.g. by an MLP head) as with torchvision. */
  fc: Module;
  private inPlanes = 64;

  constructor(block: BlockClass, layers: [number, number, number, number], options: ResNetOptions = {}) {
    super();
    const { numClasses = 1000, cifarStem = false, zeroInitResidual = false, inChannels = 3 } = options;
    this.conv1 = cifarStem
      ? new Conv2d(inChannels, 64, 3, { stride: 1, padding: 1, bias: false })
      : new Conv2d(inChannels, 64, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new BatchNorm2d(64);
    this.maxpool = cifarStem ? new Identity() : new MaxPool2d(3, { stride: 2, padding: 1 });
    this.layer1 = this.makeLayer(block, 64, layers[0]);
    this.layer2 = this.makeLayer(block, 128, layers[1], 2);
    this.layer3 = this.makeLayer(block, 256, layers[2], 2);
    this.layer4 = this.makeLayer(block, 512, layers[3], 2);
    this.fc = new Linear(512 * block.expansion, numClasses);
    // torchvision's init: He normal (fan out) for convolutions; BatchNorm weight 1, bias 0.
    for (const m of this.modules()) {
      if (m instanceof Conv2d) kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu' });
      if (zeroInitResidual && (m instanceof BasicBlock || m instanceof Bottleneck)) constant_((m as Block).lastBn.weight!, 0);
    }
  }

  private makeLayer(block: BlockClass, planes: number, blocks: number, stride = 1): Sequential {
    const outPlanes = planes * block.expansion;
    const downsample =
      stride !== 1 || this.inPlanes !== outPlanes ? new Sequential(conv1x1(this.inPlanes, outPlanes, stride), new BatchNorm2d(outPlanes)) : null;
    const layer = new Sequential(new block(this.inPlanes, planes, stride, downsample));
    this.inPlanes = outPlanes;
    for (let i = 1; i < blocks; i++) layer.append(new block(this.inPlanes, planes));
    return layer;
  }

  /** The pooled features before `fc`: `[N, 512 * expansion]`. */
  features(x: Tensor): Tensor {
    x = this.maxpool.call(this.relu.call(this.bn1.call(this.conv1.call(x))));
    x = this.layer4.call(this.layer3.call(this.layer2.call(this.layer1.call(x))));
    return this.avgpool.call(x).flatten(1);
  }

  forward(x: Tensor): Tensor {
    return this.fc.call(this.features(x));
  }
}

export const resnet18 = (options: ResNetOptions = {}) => new ResNet(BasicBlock, [2, 2, 2, 2], options);
export const resnet50 = (options: ResNetOptions = {}) => new ResNet(Bottleneck, [3, 4, 6, 3], options);
