// torch.optim.lrScheduler against PyTorch (oracle: test/oracle/lr_schedulers.py): every group's
// learning rate after construction and after each step, equal to 1e-12, including the recursive
// forms past the end of a cosine period, step(epoch)'s closed forms and SequentialLR's hand-overs.
import * as torch from '../src';
import { nn, optim } from '../src';
import { python } from './nn-oracle';

const { lrScheduler: S } = optim;
type Make = (o: optim.Optimizer) => optim.lrScheduler.LRScheduler;

// The same schedulers as lr_schedulers.py's SCHEDULERS.
const SCHEDULERS: Record<string, Make> = {
  cosine: (o) => new S.CosineAnnealingLR(o, { tMax: 10, etaMin: 0.001 }),
  cosine_no_min: (o) => new S.CosineAnnealingLR(o, 7),
  step: (o) => new S.StepLR(o, 7, { gamma: 0.5 }),
  multistep: (o) => new S.MultiStepLR(o, { milestones: [3, 8, 8, 20], gamma: 0.1 }),
  linear: (o) => new S.LinearLR(o, { startFactor: 0.1, endFactor: 1, totalIters: 6 }),
  linear_decay: (o) => new S.LinearLR(o, { startFactor: 1, endFactor: 0.25, totalIters: 4 }),
  lambda: (o) => new S.LambdaLR(o, (e) => 0.95 ** e),
  lambda_per_group: (o) => new S.LambdaLR(o, [(e) => 1 / (e + 1), (e) => Math.cos(e / 10)]),
  warmup_cosine: (o) =>
    new S.SequentialLR(o, {
      schedulers: [new S.LinearLR(o, { startFactor: 0.01, totalIters: 5 }), new S.CosineAnnealingLR(o, { tMax: 20 })],
      milestones: [5],
    }),
  three_phases: (o) =>
    new S.SequentialLR(o, {
      schedulers: [
        new S.LinearLR(o, { startFactor: 0.5, totalIters: 3 }),
        new S.StepLR(o, { stepSize: 2, gamma: 0.5 }),
        new S.CosineAnnealingLR(o, { tMax: 6, etaMin: 0.01 }),
      ],
      milestones: [3, 9],
    }),
  moco_cos: (o) => new S.WarmupCosineLR(o, { epochs: 10 }),
  moco_step: (o) => new S.WarmupMultiStepLR(o, { milestones: [0.6 * 10, 0.8 * 10] }),
  warmup_cosine_per_batch: (o) => new S.WarmupCosineLR(o, { epochs: 5, warmupEpochs: 2, stepsPerEpoch: 4 }),
  warmup_steps_per_batch: (o) => new S.WarmupMultiStepLR(o, { milestones: [1.5, 3], gamma: 0.5, warmupEpochs: 0.5, stepsPerEpoch: 4 }),
};

interface Case {
  id: string;
  scheduler: string;
  lrs: number[];
  epochs: (number | null)[];
}

const steps = (n: number) => new Array<null>(n).fill(null);
const CASES: Case[] = [
  ...Object.keys(SCHEDULERS).map((scheduler) => ({ id: scheduler, scheduler, lrs: [0.1, 0.05], epochs: steps(45) })),
  // step(epoch) uses the closed forms (LambdaLR has none: its own form).
  { id: 'cosine_epochs', scheduler: 'cosine', lrs: [0.3], epochs: [3, 4, 10, 15, 2, 0] },
  { id: 'step_epochs', scheduler: 'step', lrs: [1], epochs: [6, 7, 15, 1] },
  { id: 'multistep_epochs', scheduler: 'multistep', lrs: [1], epochs: [2, 8, 21, 5] },
  { id: 'linear_epochs', scheduler: 'linear', lrs: [1], epochs: [2, 9, 4] },
  { id: 'lambda_epochs', scheduler: 'lambda', lrs: [0.2], epochs: [5, 1, null, null] },
  { id: 'moco_cos_epochs', scheduler: 'moco_cos', lrs: [0.3], epochs: [3, 7, 10, 2, 0] },
  { id: 'moco_step_epochs', scheduler: 'moco_step', lrs: [1], epochs: [5, 6, 9, 7] },
  { id: 'warmup_cosine_per_batch_steps', scheduler: 'warmup_cosine_per_batch', lrs: [0.5], epochs: [7, 8, 13, 19, 3] },
];

function run(c: Case): number[][] {
  const params = c.lrs.map(() => torch.zeros([1]).requiresGrad_());
  const optimizer = new optim.SGD(
    params.map((p, i) => ({ params: [p], lr: c.lrs[i] })),
    { lr: 1 },
  );
  const scheduler = SCHEDULERS[c.scheduler](optimizer);
  const lrs = [optimizer.paramGroups.map((g) => g.lr)];
  for (const epoch of c.epochs) {
    optimizer.step();
    if (epoch === null) scheduler.step();
    else scheduler.step(epoch);
    lrs.push(optimizer.paramGroups.map((g) => g.lr));
  }
  return lrs;
}

let expected: Record<string, number[][]>;

beforeAll(() => {
  expected = python('lr_schedulers.py', { cases: CASES });
});

test.each(CASES.map((c) => [c.id, c] as const))('%s gives PyTorch\'s learning rates', (_, c) => {
  const lrs = run(c);
  expect(lrs.length).toBe(expected[c.id].length);
  lrs.forEach((row, step) =>
    row.forEach((lr, group) => {
      const want = expected[c.id][step][group];
      if (!(Math.abs(lr - want) <= 1e-12)) throw new Error(`step ${step}, group ${group}: ${lr} != PyTorch's ${want}`);
    }),
  );
});

test('getLastLr, initialLr, and resuming from a state dict continue the schedule', () => {
  const model = new nn.Linear(2, 2);
  const make = () => new optim.SGD(model.parameters(), { lr: 0.1 });
  const optimizer = make();
  const scheduler = new S.CosineAnnealingLR(optimizer, { tMax: 10 });
  for (let i = 0; i < 4; i++) scheduler.step();
  expect(scheduler.getLastLr()).toEqual([optimizer.paramGroups[0].lr]);
  expect(optimizer.paramGroups[0].initialLr).toBe(0.1);
  expect(optimizer.stateDict().param_groups[0].initial_lr).toBe(0.1);

  const resumed = make();
  resumed.loadStateDict(optimizer.stateDict());
  const again = new S.CosineAnnealingLR(resumed, { tMax: 10 });
  again.loadStateDict(scheduler.stateDict());
  scheduler.step();
  again.step();
  expect(resumed.paramGroups[0].lr).toBe(optimizer.paramGroups[0].lr);
  expect(() => new S.StepLR(make(), { stepSize: 2, lastEpoch: 3 })).toThrow(/initialLr/);
  expect(() => new S.LinearLR(make(), { startFactor: 0 })).toThrow(/startFactor/);
  expect(() => new S.SequentialLR(make(), { schedulers: [new S.StepLR(optimizer, 2)], milestones: [1] })).toThrow(/same optimizer/);
});

test('the epoch schedules: fractional epochs when stepped per batch, step(n) jumps to step n, bad options refused', () => {
  const make = () => new optim.SGD([torch.zeros([1]).requiresGrad_()], { lr: 0.4 });
  const stepped = new S.WarmupCosineLR(make(), { epochs: 3, warmupEpochs: 1, stepsPerEpoch: 4 });
  for (let i = 0; i < 9; i++) stepped.step();
  const jumped = new S.WarmupCosineLR(make(), { epochs: 3, warmupEpochs: 1, stepsPerEpoch: 4 });
  jumped.step(9);
  expect(stepped.epoch).toBe(2.25);
  expect(jumped.getLastLr()).toEqual(stepped.getLastLr());
  expect(stepped.getLastLr()[0]).toBeCloseTo(0.4 * 0.5 * (1 + Math.cos((Math.PI * 1.25) / 2)), 15);

  // Mean Teacher's: from 0.1 ramped to 0.4 over 2 epochs, times the cosine ramp-down over 4.
  const mt = new S.RampupCosineRampdownLR(make(), { startLr: 0.1, rampupEpochs: 2, rampdownEpochs: 4, stepsPerEpoch: 2 });
  expect(mt.getLastLr()).toEqual([0.1]);
  mt.step(3); // epoch 1.5
  expect(mt.getLastLr()[0]).toBeCloseTo((0.75 * 0.3 + 0.1) * 0.5 * (Math.cos((Math.PI * 1.5) / 4) + 1), 15);
  mt.step(8); // epoch 4: the ramp-down's end
  expect(mt.getLastLr()[0]).toBeCloseTo(0, 15);

  expect(() => new S.WarmupCosineLR(make(), { epochs: 2, warmupEpochs: 2 })).toThrow(/WarmupCosineLR: warmupEpochs \(2\) must be fewer than epochs \(2\)/);
  expect(() => new S.WarmupMultiStepLR(make(), { milestones: [-1] })).toThrow(/WarmupMultiStepLR.*milestones/);
  expect(() => new S.RampupCosineRampdownLR(make(), { stepsPerEpoch: 0 })).toThrow(/RampupCosineRampdownLR.*stepsPerEpoch/);
  expect(() => new S.WarmupCosineLR(make(), null as never)).toThrow(/WarmupCosineLR/);
});
