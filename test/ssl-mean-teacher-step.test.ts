// Whole Mean Teacher training steps (fixed weights, fixed batches, no augmentation) against the
// same steps in PyTorch as the authors' train() runs them: losses, learning rates, and the
// student's and teacher's weights and buffers afterwards (1e-5).
import * as torch from '../src';
import { smallCnn } from '../src/models';
import { SGD } from '../src/optim';
import { MeanTeacher } from '../src/ssl/mean-teacher';
import { lrSchedule, trainStep, MeanTeacherConfig, StepLosses } from '../src/cli/train-mean-teacher';
import { runOracle, maxAbsDiff } from './ssl-mean-teacher-oracle';

const TOL = 1e-5;

// The hyper-parameters the steps use, as a run's config holds them (sent to the oracle as they are).
type Hp = Pick<
  MeanTeacherConfig,
  'lr' | 'initialLr' | 'lrRampup' | 'lrRampdownEpochs' | 'momentum' | 'weightDecay' | 'emaDecay' | 'consistency' | 'consistencyType' | 'consistencyRampup' | 'logitDistanceCost'
>;

interface OracleResult {
  steps: (StepLosses & { lr: number })[];
  student: Record<string, unknown>;
  teacher: Record<string, unknown>;
}

function entry(t: torch.Tensor) {
  return { dtype: t.dtype, shape: t.shape, values: Array.from(t.dataSync() as ArrayLike<number | bigint>, Number) };
}

function stateAsLists(sd: Record<string, torch.Tensor>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.toArray()]));
}

const TARGETS = [3, -1, 0, -1, 7, -1, -1, 2];

function batches(count: number, epochs: number[]) {
  return Array.from({ length: count }, (_, i) => {
    const input = torch.randn([TARGETS.length, 1, 28, 28]);
    return {
      input,
      emaInput: input.add(torch.randn(input.shape).mul(0.3)),
      targets: torch.tensor(TARGETS, { dtype: 'int64' }),
      epoch: epochs[i],
      i,
      stepsPerEpoch: count,
    };
  });
}

describe.each([
  ['one head, mse, lr ramp-up and cosine ramp-down', false, { consistencyType: 'mse', consistency: 10, consistencyRampup: 5, logitDistanceCost: -1, lrRampup: 2, initialLr: 0.02 }, [1, 1, 1]],
  ['two heads, kl, logit distance', true, { consistencyType: 'kl', consistency: 3, consistencyRampup: 0, logitDistanceCost: 0.01, lrRampup: 0, initialLr: 0 }, [0, 0, 2]],
] as const)('a Mean Teacher step matches PyTorch: %s', (_, twoHeads, variant, epochs) => {
  const hp: Hp = { lr: 0.1, lrRampdownEpochs: 4, momentum: 0.9, weightDecay: 1e-4, emaDecay: 0.6, ...variant };
  torch.manualSeed(twoHeads ? 11 : 5);
  const student = smallCnn({ width: 4, twoHeads });
  const data = batches(3, [...epochs]);
  const oracle = runOracle<OracleResult>('mean_teacher_step.py', {
    arch: { width: 4, twoHeads },
    stateDict: Object.fromEntries(Object.entries(student.stateDict()).map(([k, v]) => [k, entry(v)])),
    hp,
    batches: data.map((b) => ({ ...b, input: entry(b.input), emaInput: entry(b.emaInput), targets: entry(b.targets) })),
  });

  const mt = new MeanTeacher({
    student,
    emaDecay: hp.emaDecay,
    consistency: hp.consistencyType,
    consistencyWeight: hp.consistency,
    consistencyRampup: hp.consistencyRampup,
    logitDistanceCost: hp.logitDistanceCost,
  });
  const optimizer = new SGD(student.parameters(), { lr: hp.lr, momentum: hp.momentum, weightDecay: hp.weightDecay, nesterov: true });
  const schedule = lrSchedule(optimizer, hp, data.length);
  const results = data.map((b, step) => {
    schedule.step(b.epoch * b.stepsPerEpoch + b.i);
    const lr = optimizer.paramGroups[0].lr;
    return { lr, ...trainStep(mt, optimizer, b, { epoch: b.epoch, step }) };
  });

  test('the learning rates and every loss part, step by step', () => {
    results.forEach((r, s) => {
      const o = oracle.steps[s];
      expect(Math.abs(r.lr - o.lr)).toBeLessThan(1e-12);
      expect(Math.abs(r.consistencyWeight - o.consistencyWeight)).toBeLessThan(1e-12);
      for (const key of ['loss', 'classLoss', 'consistencyLoss', 'resLoss'] as const) expect(Math.abs(r[key] - o[key])).toBeLessThan(TOL);
    });
    expect(results[0].consistencyLoss).toBeGreaterThan(0);
    if (twoHeads) expect(results[0].resLoss).toBeGreaterThan(0);
  });

  test("the student's weights and buffers after the steps", () => {
    const ours = stateAsLists(student.stateDict());
    expect(Object.keys(ours)).toEqual(Object.keys(oracle.student));
    const worst = Math.max(...Object.keys(ours).map((k) => maxAbsDiff(ours[k], oracle.student[k])));
    expect(worst).toBeLessThan(TOL);
  });

  test("the teacher's weights (EMA with the alpha warm-up) and its own BatchNorm buffers", () => {
    const ours = stateAsLists(mt.teacher.stateDict());
    expect(Object.keys(ours)).toEqual(Object.keys(oracle.teacher));
    const worst = Math.max(...Object.keys(ours).map((k) => maxAbsDiff(ours[k], oracle.teacher[k])));
    expect(worst).toBeLessThan(TOL);
    // the teacher moved away from the student's initial weights, and is not the student
    expect(maxAbsDiff(ours['fc1.weight'], oracle.student['fc1.weight'])).toBeGreaterThan(1e-4);
  });
});
