// Mean Teacher (Tarvainen & Valpola 2017, arXiv:1703.01780) with the semantics of the authors'
// PyTorch code: the teacher is a copy of the student whose weights follow the student's as an
// exponential moving average; a consistency cost pulls the student's softmax toward the teacher's
// on every sample, labeled or not; both costs are sums divided by the minibatch size.
import * as F from '../functional';
import type { Tensor } from '../tensor';
import { zeros } from '../factories';
import { emaUpdate, BufferPolicy, HasWeights } from './ema';
import { softmaxMseLoss, softmaxKlLoss, symmetricMseLoss } from './losses';
import { sigmoidRampup } from '../optim/ramps';
import { checkNumber, checkOptions, checkTensor, describe } from '../check';

// A hyper-parameter that must be a number satisfying `ok` (the messages name the bounds).
function hyper(value: unknown, what: string, ok: (v: number) => boolean): number {
  if (typeof value !== 'number' || !ok(value)) throw new RangeError(`MeanTeacher: ${what}, got ${describe(value)}`);
  return value;
}

/** What Mean Teacher needs of a model: a `Module`. */
export interface TeachableModule extends HasWeights {
  copy(): this;
  train(mode?: boolean): unknown;
  requiresGrad_(flag: boolean): unknown;
}

export interface MeanTeacherOptions<M extends TeachableModule> {
  student: M;
  /** The EMA decay of the teacher's weights (the authors' --ema-decay; default 0.999). */
  emaDecay?: number;
  /** The consistency cost between the softmaxes (default 'mse'). */
  consistency?: 'mse' | 'kl';
  /** Its weight after the ramp-up; 0 turns it off, the supervised-only baseline (default 100, the authors' CIFAR-10 runs). */
  consistencyWeight?: number;
  /** Epochs of the sigmoid ramp-up of the consistency weight (default 5, the authors' CIFAR-10 runs). */
  consistencyRampup?: number;
  /** >= 0: the model has two heads, and this weighs their distance; < 0 (default): one head. */
  logitDistanceCost?: number;
  /** The teacher's buffers: 'none' (default, as the authors), 'copy' or 'ema'. */
  buffers?: BufferPolicy;
  /** The teacher runs in train mode during training, as the authors' does (default true). */
  teacherTrainMode?: boolean;
}

/** Logits, or with two heads `[classification head, consistency head]`. */
export type Outputs = Tensor | [Tensor, Tensor];

export interface MeanTeacherLoss {
  loss: Tensor;
  classLoss: Tensor;
  consistencyLoss: Tensor;
  resLoss: Tensor;
  consistencyWeight: number;
}

const NO_LABEL = -1;

export class MeanTeacher<M extends TeachableModule> {
  readonly student: M;
  readonly teacher: M;
  readonly emaDecay: number;
  readonly consistency: 'mse' | 'kl';
  readonly consistencyWeight: number;
  readonly consistencyRampup: number;
  readonly logitDistanceCost: number;
  readonly buffers: BufferPolicy;
  readonly teacherTrainMode: boolean;

  constructor(options: MeanTeacherOptions<M>) {
    const { student, emaDecay = 0.999, consistency = 'mse', consistencyWeight = 100, consistencyRampup = 5 } = checkOptions('MeanTeacher', options, ['options', 1]);
    if (!student || typeof student.copy !== 'function') throw new TypeError('MeanTeacher: student must be a Module');
    if (consistency !== 'mse' && consistency !== 'kl') throw new Error(`MeanTeacher: consistency must be 'mse' or 'kl', got ${describe(consistency)}`);
    this.student = student;
    this.emaDecay = hyper(emaDecay, 'emaDecay must be in [0, 1]', (d) => d >= 0 && d <= 1);
    this.consistency = consistency;
    this.consistencyWeight = hyper(consistencyWeight, 'consistencyWeight must be >= 0', (w) => w >= 0 && w < Infinity);
    this.consistencyRampup = hyper(consistencyRampup, 'consistencyRampup must be >= 0', (r) => r >= 0 && r < Infinity);
    this.logitDistanceCost = checkNumber('MeanTeacher', 'logitDistanceCost', options.logitDistanceCost ?? -1);
    this.buffers = options.buffers ?? 'none';
    this.teacherTrainMode = options.teacherTrainMode ?? true;
    // The authors detach the teacher's parameters: it learns only through the EMA.
    this.teacher = student.copy();
    this.teacher.requiresGrad_(false);
    this.train();
  }

  /** Student in train mode; the teacher in train mode too unless `teacherTrainMode` is false. */
  train(): void {
    this.student.train(true);
    this.teacher.train(this.teacherTrainMode);
  }

  /** The consistency weight at `epoch`: `consistencyWeight * sigmoidRampup(epoch, consistencyRampup)`. */
  currentConsistencyWeight(epoch: number): number {
    return this.consistencyWeight * sigmoidRampup(epoch, this.consistencyRampup);
  }

  /** The EMA rate at `step`: the true average over the first steps, then `emaDecay`. */
  alpha(step: number): number {
    if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`MeanTeacher: step must be an integer >= 0, got ${describe(step)}`);
    return Math.min(1 - 1 / (step + 1), this.emaDecay);
  }

  /** After the optimizer's `step`-th step (counted from 1): `teacher = alpha * teacher + (1 - alpha) * student`. */
  updateTeacher(step: number): void {
    emaUpdate(this.teacher, this.student, this.alpha(step), { buffers: this.buffers });
  }

  /**
   * The Mean Teacher cost of one minibatch. `targets` holds -1 for unlabeled samples; `epoch` sets
   * the consistency ramp-up. Every part is divided by the minibatch size (labeled + unlabeled).
   */
  loss(args: { student: Outputs; teacher: Outputs; targets: Tensor; epoch: number }): MeanTeacherLoss {
    checkOptions('MeanTeacher.loss', args, ['args', 1]);
    checkTensor('MeanTeacher.loss', 'targets', args.targets);
    checkNumber('MeanTeacher.loss', 'epoch', args.epoch);
    const [classLogit, consLogit] = this.heads(args.student, 'student');
    const teacherLogit = this.heads(args.teacher, 'teacher')[0].detach();
    const minibatchSize = args.targets.shape[0];
    if (classLogit.shape[0] !== minibatchSize) {
      throw new Error(`MeanTeacher.loss: ${classLogit.shape[0]} logits but ${minibatchSize} targets`);
    }
    const classLoss = F.crossEntropy(classLogit, args.targets, { ignoreIndex: NO_LABEL, reduction: 'sum' }).div(minibatchSize);
    const resLoss = this.logitDistanceCost >= 0 ? symmetricMseLoss(classLogit, consLogit).mul(this.logitDistanceCost).div(minibatchSize) : zeros([], { device: classLogit.device });
    const consistencyWeight = this.consistencyWeight ? this.currentConsistencyWeight(args.epoch) : 0;
    const consistencyLoss = consistencyWeight ? this.consistencyCost(consLogit, teacherLogit).mul(consistencyWeight).div(minibatchSize) : zeros([], { device: classLogit.device });
    const loss = classLoss.add(consistencyLoss).add(resLoss);
    return { loss, classLoss, consistencyLoss, resLoss, consistencyWeight };
  }

  private consistencyCost(input: Tensor, target: Tensor): Tensor {
    return this.consistency === 'mse' ? softmaxMseLoss(input, target) : softmaxKlLoss(input, target);
  }

  // [classification logits, consistency logits]: the same tensor with one head.
  private heads(outputs: Outputs, who: string): [Tensor, Tensor] {
    const twoHeads = this.logitDistanceCost >= 0;
    if (Array.isArray(outputs) !== twoHeads) {
      throw new Error(
        twoHeads
          ? `MeanTeacher.loss: logitDistanceCost >= 0 needs the ${who}'s two heads as [head1, head2]`
          : `MeanTeacher.loss: the ${who} gave two heads; set logitDistanceCost >= 0 to train them`,
      );
    }
    if (Array.isArray(outputs)) {
      if (outputs.length !== 2) throw new Error(`MeanTeacher.loss: two heads expected from the ${who}, got ${outputs.length}`);
      return [checkTensor('MeanTeacher.loss', `${who}[0]`, outputs[0]), checkTensor('MeanTeacher.loss', `${who}[1]`, outputs[1])];
    }
    return [checkTensor('MeanTeacher.loss', who, outputs), outputs];
  }
}
