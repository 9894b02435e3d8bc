// torch.optim.lrScheduler: learning-rate schedules that set each parameter group's `lr`, with
// PyTorch's recursive ("chainable") forms step by step and its closed forms for `step(epoch)`,
// so the learning rates equal PyTorch's to the last bits.
import type { Optimizer, ParamGroup } from './optimizer';
import { checkArray, checkInt, checkNumber, checkOptions, describe, fail } from '../check';
import { ArgumentValueError } from '../errors';
import { cosineRampdown, linearRampup } from './ramps';

export abstract class LRScheduler {
  lastEpoch: number;
  readonly baseLrs: number[];
  protected stepCount = 0;
  private lastLr: number[] = [];

  /**
   * Subclasses call `initialStep()` at the end of their constructor, once their own fields are
   * set (PyTorch's base constructor steps at once, which JS class fields would not allow).
   */
  constructor(
    readonly optimizer: Optimizer,
    lastEpoch = -1,
  ) {
    const where = new.target.name;
    if (!Array.isArray((optimizer as Partial<Optimizer> | null)?.paramGroups)) fail(where, ['optimizer', 1], 'an Optimizer', optimizer);
    checkInt(where, 'lastEpoch', lastEpoch, -1);
    this.optimizer.paramGroups.forEach((group, i) => {
      if (lastEpoch === -1) group.initialLr ??= group.lr;
      else if (group.initialLr === undefined) {
        throw new Error(`param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer`);
      }
    });
    this.baseLrs = this.groups.map((group) => group.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  protected get groups(): ParamGroup[] {
    return this.optimizer.paramGroups;
  }

  /** Resets the step count and makes the first step (called by constructors and SequentialLR). */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The learning rates of the next epoch from the current ones (PyTorch's `get_lr`). */
  protected abstract getLr(): number[];

  /** The learning rates of epoch `lastEpoch` from the base ones, where a closed form exists. */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /** Advances one epoch (or jumps to `epoch`, with the closed form) and sets the groups' lr. */
  step(epoch?: number): void {
    if (epoch !== undefined) checkInt(`${this.constructor.name}.step`, ['epoch', 1], epoch, 0);
    this.stepCount += 1;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch += 1;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    this.groups.forEach((group, i) => (group.lr = values[i]));
    this.lastLr = this.groups.map((group) => group.lr);
  }

  /** The learning rates the last step set. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The schedule's position and settings (not the optimizer), as PyTorch's `state_dict`. */
  stateDict(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this)) {
      const isFunctions = typeof value === 'function' || (Array.isArray(value) && value.some((v) => typeof v === 'function'));
      if (key !== 'optimizer' && !isFunctions) out[key] = Array.isArray(value) ? [...value] : value;
    }
    return out;
  }

  loadStateDict(state: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(state)) {
      if (key in this && key !== 'optimizer') (this as Record<string, unknown>)[key] = value;
    }
  }
}

// `new StepLR(opt, 30, { gamma })` or `new StepLR(opt, { stepSize: 30, gamma })`.
function merge<T extends object, K extends keyof T>(where: string, first: T[K] | T, key: K, rest: Partial<T>): T {
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) return checkOptions(where, first as T, [String(key), 2]);
  return { ...checkOptions(where, rest, ['options', 3]), [key]: first } as T;
}

export interface CosineAnnealingOptions {
  tMax: number;
  etaMin?: number;
  lastEpoch?: number;
}

/** Cosine annealing from the base lr to `etaMin` over `tMax` epochs (Loshchilov & Hutter, SGDR). */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer, tMax: number | CosineAnnealingOptions, options: Partial<CosineAnnealingOptions> = {}) {
    const o = merge<CosineAnnealingOptions, 'tMax'>('CosineAnnealingLR', tMax, 'tMax', options);
    super(optimizer, o.lastEpoch);
    this.tMax = checkNumber('CosineAnnealingLR', 'tMax', o.tMax, { min: 0, minExclusive: true });
    this.etaMin = checkNumber('CosineAnnealingLR', 'etaMin', o.etaMin ?? 0);
    this.initialStep();
  }

  protected getLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin } = this;
    if (e === 0) return this.groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    if ((e - 1 - T) % (2 * T) === 0) {
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return this.groups.map((g) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (g.lr - etaMin) + etaMin);
  }

  protected closedFormLr(): number[] {
    return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }
}

export interface StepOptions {
  stepSize: number;
  gamma?: number;
  lastEpoch?: number;
}

/** Multiplies the lr by `gamma` every `stepSize` epochs. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer, stepSize: number | StepOptions, options: Partial<StepOptions> = {}) {
    const o = merge<StepOptions, 'stepSize'>('StepLR', stepSize, 'stepSize', options);
    super(optimizer, o.lastEpoch);
    this.stepSize = checkInt('StepLR', 'stepSize', o.stepSize, 1);
    this.gamma = checkNumber('StepLR', 'gamma', o.gamma ?? 0.1, { min: 0 });
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  protected closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

export interface MultiStepOptions {
  milestones: number[];
  gamma?: number;
  lastEpoch?: number;
}

/** Multiplies the lr by `gamma` at each milestone epoch. */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];
  readonly gamma: number;

  constructor(optimizer: Optimizer, milestones: number[] | MultiStepOptions, options: Partial<MultiStepOptions> = {}) {
    const o = merge<MultiStepOptions, 'milestones'>('MultiStepLR', milestones, 'milestones', options);
    super(optimizer, o.lastEpoch);
    this.milestones = checkArray('MultiStepLR', 'milestones', o.milestones, (m, name) => checkInt('MultiStepLR', name, m, 0), 'an array of epochs').sort((a, b) => a - b);
    this.gamma = checkNumber('MultiStepLR', 'gamma', o.gamma ?? 0.1, { min: 0 });
    this.initialStep();
  }

  protected getLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (hits === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma ** hits);
  }

  protected closedFormLr(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return this.baseLrs.map((base) => base * this.gamma ** passed);
  }
}

export interface LinearOptions {
  startFactor?: number;
  endFactor?: number;
  totalIters?: number;
  lastEpoch?: number;
}

/** Scales the lr linearly from `startFactor` to `endFactor` over `totalIters` epochs (warm-up). */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer, options: LinearOptions = {}) {
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5, lastEpoch } = checkOptions('LinearLR', options, ['options', 2]);
    if (typeof startFactor !== 'number' || !(startFactor <= 1 && startFactor > 0)) throw new RangeError(`LinearLR: startFactor must be in (0, 1], got ${describe(startFactor)}`);
    if (typeof endFactor !== 'number' || !(endFactor <= 1 && endFactor >= 0)) throw new RangeError(`LinearLR: endFactor must be in [0, 1], got ${describe(endFactor)}`);
    checkInt('LinearLR', 'totalIters', totalIters, 1);
    super(optimizer, lastEpoch);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.initialStep();
  }

  protected getLr(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    if (e === 0) return this.groups.map((g) => g.lr * s);
    if (e > n) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }

  protected closedFormLr(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    return this.baseLrs.map((base) => base * (s + ((f - s) * Math.min(n, e)) / n));
  }
}

export type LrLambda = (epoch: number) => number;

/** lr = base lr * `lrLambda(epoch)` (one function, or one per group). */
export class LambdaLR extends LRScheduler {
  private readonly lrLambdas: LrLambda[];

  constructor(optimizer: Optimizer, lrLambda: LrLambda | LrLambda[] | { lrLambda: LrLambda | LrLambda[]; lastEpoch?: number }) {
    const o = typeof lrLambda === 'function' || Array.isArray(lrLambda) ? { lrLambda } : checkOptions('LambdaLR', lrLambda, ['lrLambda', 2]);
    super(optimizer, o.lastEpoch);
    const lambda = (f: unknown, name: string | [string, number]) => (typeof f === 'function' ? (f as LrLambda) : fail('LambdaLR', name, 'a function of the epoch', f));
    const lambdas = Array.isArray(o.lrLambda) ? checkArray('LambdaLR', ['lrLambda', 2], o.lrLambda, lambda) : this.groups.map(() => lambda(o.lrLambda, ['lrLambda', 2]));
    if (lambdas.length !== this.groups.length) throw new Error(`Expected ${this.groups.length} lr_lambdas, but got ${lambdas.length}`);
    this.lrLambdas = lambdas;
    this.initialStep();
  }

  protected getLr(): number[] {
    return this.baseLrs.map((base, i) => {
      const factor = this.lrLambdas[i](this.lastEpoch);
      if (typeof factor !== 'number' || !Number.isFinite(factor)) throw new ArgumentValueError(`LambdaLR: lrLambda returned ${describe(factor)} for epoch ${this.lastEpoch}, not a finite number`);
      return base * factor;
    });
  }
}

/**
 * Runs `schedulers` one after another, switching at each of `milestones` (epochs), e.g. a
 * LinearLR warm-up then CosineAnnealingLR; each scheduler restarts at epoch 0 when it takes over.
 */
export class SequentialLR extends LRScheduler {
  private readonly schedulers: LRScheduler[];
  private readonly milestones: number[];

  constructor(optimizer: Optimizer, options: { schedulers: LRScheduler[]; milestones: number[]; lastEpoch?: number }) {
    const { schedulers, milestones, lastEpoch = -1 } = checkOptions('SequentialLR', options, ['options', 2]);
    super(optimizer, lastEpoch);
    checkArray('SequentialLR', 'schedulers', schedulers, (s, name) => (s instanceof LRScheduler ? s : fail('SequentialLR', name, 'a scheduler', s)), 'an array of schedulers');
    checkArray('SequentialLR', 'milestones', milestones, (m, name) => checkInt('SequentialLR', name, m, 0), 'an array of epochs');
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) throw new Error(`SequentialLR expects all schedulers to belong to the same optimizer, but scheduler ${i} does not`);
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new Error(
        `SequentialLR expects one more scheduler than milestones, but got ${schedulers.length} schedulers and ${milestones.length} milestones`,
      );
    }
    this.schedulers = schedulers;
    this.milestones = milestones;
    this.lastEpoch = lastEpoch + 1;
    // Undo the other schedulers' initial steps, then make the first one's alone.
    for (const group of this.groups) group.lr = group.initialLr!;
    for (const s of schedulers) s.lastEpoch -= 1;
    schedulers[0].initialStep();
  }

  protected getLr(): number[] {
    return this.groups.map((g) => g.lr);
  }

  step(): void {
    this.lastEpoch += 1;
    const index = this.milestones.filter((m) => m <= this.lastEpoch).length;
    const scheduler = this.schedulers[index];
    if (index > 0 && this.milestones[index - 1] === this.lastEpoch) scheduler.step(0);
    else scheduler.step();
  }

  getLastLr(): number[] {
    return this.groups.map((g) => g.lr);
  }

  stateDict(): Record<string, unknown> {
    return { lastEpoch: this.lastEpoch, milestones: [...this.milestones], schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  loadStateDict(state: Record<string, unknown>): void {
    this.lastEpoch = state.lastEpoch as number;
    (state.schedulers as Record<string, unknown>[]).forEach((s, i) => this.schedulers[i].loadStateDict(s));
  }
}

// ---- schedules over fractional epochs --------------------------------------------------------
// The papers' own schedules, which PyTorch has no class for: functions of the epoch, fractional
// when stepped per optimizer step. All closed forms, so `step(n)` jumps to step n (a resumed run
// sets the step it is at), and a warm-up may start from 0, which LinearLR's factor cannot.

export interface EpochScheduleOptions {
  /** Steps in an epoch: 1 to step once per epoch, the batches per epoch to step every batch. */
  stepsPerEpoch?: number;
  lastEpoch?: number;
}

/** A schedule defined as `lrAt(base lr, epoch)`; `lastEpoch` counts steps, `stepsPerEpoch` to an epoch. */
export abstract class EpochScheduleLR extends LRScheduler {
  readonly stepsPerEpoch: number;

  constructor(optimizer: Optimizer, options: EpochScheduleOptions) {
    super(optimizer, options.lastEpoch);
    this.stepsPerEpoch = checkInt(new.target.name, 'stepsPerEpoch', options.stepsPerEpoch ?? 1, 1);
  }

  /** The position in epochs: whole epochs done plus the fraction of the current one. */
  get epoch(): number {
    const steps = this.stepsPerEpoch;
    return Math.floor(this.lastEpoch / steps) + (this.lastEpoch % steps) / steps;
  }

  protected abstract lrAt(base: number, epoch: number): number;

  protected getLr(): number[] {
    return this.baseLrs.map((base) => this.lrAt(base, this.epoch));
  }

  protected closedFormLr(): number[] {
    return this.getLr();
  }
}

export interface WarmupCosineOptions extends EpochScheduleOptions {
  /** Where the cosine reaches 0. */
  epochs: number;
  /** Epochs of linear warm-up from 0 (default 0). */
  warmupEpochs?: number;
}

/**
 * Linear warm-up from 0 over `warmupEpochs`, then a half cosine to 0 at `epochs`: moco-v3's
 * schedule, and main_moco.py's `--cos` (no warm-up; then CosineAnnealingLR with `tMax` = epochs).
 */
export class WarmupCosineLR extends EpochScheduleLR {
  readonly epochs: number;
  readonly warmupEpochs: number;

  constructor(optimizer: Optimizer, options: WarmupCosineOptions) {
    const o = checkOptions('WarmupCosineLR', options, ['options', 2]);
    super(optimizer, o);
    this.epochs = checkNumber('WarmupCosineLR', 'epochs', o.epochs, { min: 0, minExclusive: true });
    this.warmupEpochs = checkNumber('WarmupCosineLR', 'warmupEpochs', o.warmupEpochs ?? 0, { min: 0 });
    if (this.warmupEpochs >= this.epochs && this.warmupEpochs > 0) throw new RangeError(`WarmupCosineLR: warmupEpochs (${this.warmupEpochs}) must be fewer than epochs (${this.epochs})`);
    this.initialStep();
  }

  protected lrAt(base: number, epoch: number): number {
    const { epochs, warmupEpochs: warmup } = this;
    if (epoch < warmup) return (base * epoch) / warmup;
    return base * 0.5 * (1 + Math.cos((Math.PI * (epoch - warmup)) / (epochs - warmup)));
  }
}

export interface WarmupMultiStepOptions extends EpochScheduleOptions {
  /** Epochs (fractional allowed) from which the lr is `gamma` times lower each. */
  milestones: number[];
  gamma?: number;
  /** Epochs of linear warm-up from 0 (default 0). */
  warmupEpochs?: number;
}

/**
 * Linear warm-up from 0 over `warmupEpochs`, then `gamma` (default 0.1) times lower from each
 * milestone on: main_moco.py's default schedule (milestones at 60% and 80% of the epochs); with
 * no warm-up and whole-epoch milestones, MultiStepLR's closed form.
 */
export class WarmupMultiStepLR extends EpochScheduleLR {
  readonly milestones: number[];
  readonly gamma: number;
  readonly warmupEpochs: number;

  constructor(optimizer: Optimizer, options: WarmupMultiStepOptions) {
    const o = checkOptions('WarmupMultiStepLR', options, ['options', 2]);
    super(optimizer, o);
    this.milestones = checkArray('WarmupMultiStepLR', 'milestones', o.milestones, (m, name) => checkNumber('WarmupMultiStepLR', name, m, { min: 0 }), 'an array of epochs');
    this.gamma = checkNumber('WarmupMultiStepLR', 'gamma', o.gamma ?? 0.1, { min: 0 });
    this.warmupEpochs = checkNumber('WarmupMultiStepLR', 'warmupEpochs', o.warmupEpochs ?? 0, { min: 0 });
    this.initialStep();
  }

  protected lrAt(base: number, epoch: number): number {
    if (epoch < this.warmupEpochs) return (base * epoch) / this.warmupEpochs;
    return base * this.gamma ** this.milestones.filter((m) => epoch >= m).length;
  }
}

export interface RampupCosineRampdownOptions extends EpochScheduleOptions {
  /** The lr at epoch 0, ramped linearly to the base lr over `rampupEpochs` (default 0). */
  startLr?: number;
  rampupEpochs?: number;
  /** The length of the cosine ramp-down from epoch 0 (>= the epochs trained); 0 (default): none. */
  rampdownEpochs?: number;
}

/**
 * The Mean Teacher authors' schedule (their adjust_learning_rate): `linearRampup` from `startLr`
 * to the base lr, times `cosineRampdown` over `rampdownEpochs`.
 */
export class RampupCosineRampdownLR extends EpochScheduleLR {
  readonly startLr: number;
  readonly rampupEpochs: number;
  readonly rampdownEpochs: number;

  constructor(optimizer: Optimizer, options: RampupCosineRampdownOptions = {}) {
    const o = checkOptions('RampupCosineRampdownLR', options, ['options', 2]);
    super(optimizer, o);
    this.startLr = checkNumber('RampupCosineRampdownLR', 'startLr', o.startLr ?? 0, { min: 0 });
    this.rampupEpochs = checkNumber('RampupCosineRampdownLR', 'rampupEpochs', o.rampupEpochs ?? 0, { min: 0 });
    this.rampdownEpochs = checkNumber('RampupCosineRampdownLR', 'rampdownEpochs', o.rampdownEpochs ?? 0, { min: 0 });
    this.initialStep();
  }

  protected lrAt(base: number, epoch: number): number {
    const rampedUp = linearRampup(epoch, this.rampupEpochs) * (base - this.startLr) + this.startLr;
    return this.rampdownEpochs ? rampedUp * cosineRampdown(epoch, this.rampdownEpochs) : rampedUp;
  }
}
