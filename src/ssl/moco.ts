// Momentum Contrast (He et al. 2020; Chen et al. 2020 for v2; Chen, Xie & He 2021 for v3), with
// the official code's semantics: facebookresearch/moco `builder.py` for v1/v2 (and its CIFAR-10
// notebook for shuffle BN on one process), facebookresearch/moco-v3 `builder.py` for v3.
import { noGrad } from '../autograd';
import { cat } from '../factories';
import { normalize } from '../functional';
import { BatchNorm1d, Identity, Linear, Module, ReLU, Sequential } from '../nn';
import { tensorOp } from '../tensor';
import type { Tensor } from '../tensor';
import { emaUpdate } from './ema';
import { ContrastiveOutput, inBatchInfoNCE, infoNCE } from './info-nce';
import { checkInt, checkOptions, checkTensor, describe } from '../check';
import { ArgumentValueError } from '../errors';
import { KeyQueue } from './queue';
import { convertSplitBatchNorm } from './split-batch-norm';

export type MoCoVersion = 1 | 2 | 3;

export interface MoCoOptions {
  /** The query encoder; its last layer `fc` (a Linear, torchvision's layout) outputs `dim`. */
  encoder: Module;
  version?: MoCoVersion;
  /** Feature dimension (default: `encoder.fc.outFeatures`). */
  dim?: number;
  /** K, the queue length (v1/v2; default 65536). */
  queueSize?: number;
  /** m of the key encoder's update (default 0.999; for v3 the starting m0 of its schedule, 0.99). */
  momentum?: number;
  /** T (default 0.07 for v1, 0.2 for v2, 1.0 for v3). */
  temperature?: number;
  /** v1/v2: put Linear-ReLU before `fc` (default: true for v2). */
  mlp?: boolean;
  /** v1/v2: shuffle the key batch for BatchNorm (default true). */
  shuffleBN?: boolean;
  /** BatchNorm2d layers become SplitBatchNorm over this many groups (default 1: left as they are). */
  bnSplits?: number;
  /** v3: hidden width of the projector and predictor MLPs (default 4096). */
  mlpDim?: number;
}

/** `{ logits, labels, loss }`: v1/v2 logits [N, 1 + K] with labels 0; v3 both directions' [N, N] logits stacked, labels arange(N) twice. */
export type MoCoOutput = ContrastiveOutput;

const DEFAULT_TEMPERATURE: Record<MoCoVersion, number> = { 1: 0.07, 2: 0.2, 3: 1.0 };

function finalLinear(encoder: Module): Linear {
  const fc = (encoder as unknown as { fc?: unknown }).fc;
  if (!(fc instanceof Linear)) throw new Error('MoCo: the encoder needs a final Linear layer named `fc` (as torchvision\'s ResNet), which MoCo builds its head on');
  return fc;
}

/** moco-v3's `_build_mlp`: Linear (no bias) - BN - ReLU between layers; BN without affine last (SimCLR's design) when `lastBN`. */
export function buildMlp(numLayers: number, inputDim: number, mlpDim: number, outputDim: number, lastBN = true): Sequential {
  const mlp = new Sequential();
  for (let l = 0; l < numLayers; l++) {
    const dim1 = l === 0 ? inputDim : mlpDim;
    const dim2 = l === numLayers - 1 ? outputDim : mlpDim;
    mlp.append(new Linear(dim1, dim2, { bias: false }));
    if (l < numLayers - 1) {
      mlp.append(new BatchNorm1d(dim2));
      mlp.append(new ReLU());
    } else if (lastBN) {
      mlp.append(new BatchNorm1d(dim2, { affine: false }));
    }
  }
  return mlp;
}

/** moco-v3's momentum schedule: m rises from m0 to 1 along a half cosine, `progress` = epochs done / epochs (fractional). */
export function cosineMomentum(progress: number, m0: number): number {
  return 1 - 0.5 * (1 + Math.cos(Math.PI * progress)) * (1 - m0);
}

function checkRange(value: number, what: string, ok: (v: number) => boolean): number {
  if (typeof value !== 'number' || !ok(value)) throw new Error(`MoCo: ${what}, got ${describe(value)}`);
  return value;
}

/**
 * MoCo as a Module. Its state dict has the official keys: `encoder_q.*`, `encoder_k.*`, `queue`,
 * `queue_ptr` for v1/v2; `base_encoder.*`, `momentum_encoder.*`, `predictor.*` for v3.
 * `forward(imQ, imK)` runs, in order: the query pass, the momentum update, the key pass (shuffled
 * for BN), the logits, the enqueue; it returns `{ logits, labels, loss }`.
 */
export class MoCo extends Module {
  readonly version: MoCoVersion;
  readonly dim: number;
  /** m; v3 training sets it every step from `cosineMomentum`. */
  momentum: number;
  temperature: number;
  readonly shuffleBN: boolean;
  /** The dictionary (v1/v2); null for v3. Its buffer and pointer are the state dict's `queue`, `queue_ptr`. */
  readonly queue: KeyQueue | null;
  declare encoder_q?: Module;
  declare encoder_k?: Module;
  declare base_encoder?: Module;
  declare momentum_encoder?: Module;
  declare predictor?: Sequential;

  constructor(options: MoCoOptions) {
    super();
    const { encoder, version = 2, mlpDim = 4096, bnSplits = 1 } = checkOptions('MoCo', options, ['options', 1]);
    if (!(encoder instanceof Module)) throw new Error('MoCo: `encoder` must be a Module (the query encoder)');
    if (version !== 1 && version !== 2 && version !== 3) throw new Error(`MoCo: version must be 1, 2 or 3, got ${describe(version)}`);
    this.version = version;
    const fc = finalLinear(encoder);
    this.dim = options.dim === undefined ? fc.outFeatures : checkInt('MoCo', 'dim', options.dim, 1);
    if (version !== 3 && this.dim !== fc.outFeatures) throw new Error(`MoCo: encoder.fc outputs ${fc.outFeatures} features but dim is ${this.dim}`);
    this.momentum = checkRange(options.momentum ?? (version === 3 ? 0.99 : 0.999), 'momentum must be in [0, 1]', (m) => m >= 0 && m <= 1);
    this.temperature = checkRange(options.temperature ?? DEFAULT_TEMPERATURE[version], 'temperature must be positive', (t) => t > 0 && t < Infinity);
    checkRange(bnSplits, 'bnSplits must be a positive integer', (s) => Number.isInteger(s) && s >= 1);
    if (version === 3 && options.shuffleBN) throw new Error('MoCo: v3 has no shuffle BN (the official code uses SyncBN across GPUs)');
    this.shuffleBN = version !== 3 && (options.shuffleBN ?? true);
    if (bnSplits > 1) convertSplitBatchNorm(encoder, bnSplits);
    const device = fc.weight.device;
    if (version === 3) {
      this.queue = null;
      (encoder as unknown as { fc: Module }).fc = buildMlp(2, fc.inFeatures, mlpDim, this.dim).to(device);
      this.base_encoder = encoder;
      this.momentum_encoder = this.keyEncoderOf(encoder);
      this.predictor = buildMlp(2, this.dim, mlpDim, this.dim, false).to(device);
    } else {
      if (options.mlp ?? version === 2) {
        const dimMlp = fc.inFeatures;
        (encoder as unknown as { fc: Module }).fc = new Sequential(new Linear(dimMlp, dimMlp).to(device), new ReLU(), fc);
      }
      const size = checkRange(options.queueSize ?? 65536, 'queueSize must be a positive integer', (k) => Number.isSafeInteger(k) && k >= 1);
      this.queue = new KeyQueue({ dim: this.dim, size, device });
      this.encoder_q = encoder;
      this.encoder_k = this.keyEncoderOf(encoder);
    }
  }

  // A copy of the query encoder that takes no gradients: the momentum (key) encoder.
  private keyEncoderOf(encoder: Module): Module {
    return encoder.copy().requiresGrad_(false);
  }

  /** The query encoder (v3: the base encoder with its projector). */
  get encoderQ(): Module {
    return (this.encoder_q ?? this.base_encoder)!;
  }

  /** The key encoder (v3: the momentum encoder), a momentum copy of `encoderQ`. */
  get encoderK(): Module {
    return (this.encoder_k ?? this.momentum_encoder)!;
  }

  protected ownBuffers(persistentOnly = false): [string, Tensor][] {
    const own = super.ownBuffers(persistentOnly);
    return this.queue ? [...own, ['queue', this.queue.keys], ['queue_ptr', this.queue.ptr]] : own;
  }

  /** encoderK = m * encoderK + (1 - m) * encoderQ over the parameters, one fused update; buffers are left alone. */
  momentumUpdate(): void {
    emaUpdate(this.encoderK, this.encoderQ, this.momentum, { buffers: 'none' });
  }

  forward(imQ: Tensor, imK: Tensor): MoCoOutput {
    checkTensor('MoCo.forward', ['imQ', 1], imQ);
    checkTensor('MoCo.forward', ['imK', 2], imK);
    if (imQ.ndim === 0 || imK.ndim === 0) throw new ArgumentValueError(`MoCo.forward: imQ and imK must be batches [N, ...], got shapes [${imQ.shape}] and [${imK.shape}]`);
    if (this.version === 3) return this.symmetricLoss(imQ, imK);
    const q = normalize(this.encoderQ.call(imQ), { dim: 1 });
    const k = noGrad(() => {
      this.momentumUpdate();
      return this.keys(imK);
    });
    const output = infoNCE(q, k, this.queue!, this.temperature);
    this.queue!.enqueue(k);
    return output;
  }

  /** A random permutation of the batch for shuffle BN (a method so that tests can fix it). */
  drawShuffle(batch: number, device: string): Tensor {
    return tensorOp('randperm', [batch], { device });
  }

  // Normalised keys; with shuffle BN the key encoder sees the batch permuted, and the keys are put back in order.
  private keys(imK: Tensor): Tensor {
    if (!this.shuffleBN) return normalize(this.encoderK.call(imK), { dim: 1 });
    const shuffle = this.drawShuffle(imK.shape[0], imK.device);
    const keys = normalize(this.encoderK.call(imK.indexSelect(0, shuffle)), { dim: 1 });
    return keys.indexSelect(0, tensorOp('argsort', [shuffle]));
  }

  // v3: 2T * (ce(q1, k2) + ce(q2, k1)) with in-batch negatives; logits and labels of both directions, stacked.
  private symmetricLoss(x1: Tensor, x2: Tensor): MoCoOutput {
    const q1 = this.predictor!.call(this.encoderQ.call(x1));
    const q2 = this.predictor!.call(this.encoderQ.call(x2));
    const [k1, k2] = noGrad(() => {
      this.momentumUpdate();
      return [this.encoderK.call(x1), this.encoderK.call(x2)];
    });
    const a = inBatchInfoNCE(q1, k2, this.temperature);
    const b = inBatchInfoNCE(q2, k1, this.temperature);
    return { logits: cat([a.logits, b.logits], 0), labels: cat([a.labels, b.labels], 0), loss: a.loss.add(b.loss) };
  }

  /**
   * A frozen copy of the query encoder without its head (`fc` -> Identity), in eval mode: the
   * features that kNN and the linear probe evaluate.
   */
  backbone(): Module {
    const copy = this.encoderQ.copy();
    (copy as unknown as { fc: Module }).fc = new Identity();
    return copy.requiresGrad_(false).eval();
  }
}
