// MeanTeacher: the teacher copy, the EMA with its alpha warm-up (against the authors' code), the
// cost's parts, the consistency gradient reaching the student, the loss guard.
import * as torch from '../src';
import { smallCnn, SmallCnn } from '../src/models';
import { SGD } from '../src/optim';
import { MeanTeacher } from '../src/ssl/mean-teacher';
import { sigmoidRampup } from '../src/optim/ramps';
import { softmaxMseLoss } from '../src/ssl/losses';
import { trainStep, LossExplosionError } from '../src/cli/train-mean-teacher';
import { runOracle, maxAbsDiff } from './ssl-mean-teacher-oracle';

function model(seed = 1, twoHeads = false): SmallCnn {
  torch.manualSeed(seed);
  return smallCnn({ width: 4, twoHeads });
}

function perturb(m: SmallCnn, scale: number): void {
  torch.noGrad(() => m.parameters().forEach((p) => p.add_(torch.randn(p.shape).mul(scale))));
}

const allUnlabeled = (n: number) => torch.full([n], -1, { dtype: 'int64' });

test('the teacher is a detached copy with its own storage, in train mode by default', () => {
  const mt = new MeanTeacher({ student: model() });
  expect(mt.teacher).not.toBe(mt.student);
  expect(maxAbsDiff(mt.teacher.fc1.weight.toArray(), mt.student.fc1.weight.toArray())).toBe(0);
  expect(mt.teacher.parameters().every((p) => !p.requiresGrad)).toBe(true);
  expect(mt.student.parameters().every((p) => p.requiresGrad)).toBe(true);
  perturb(mt.student, 1);
  expect(maxAbsDiff(mt.teacher.fc1.weight.toArray(), mt.student.fc1.weight.toArray())).toBeGreaterThan(0.1);
  expect([mt.student.training, mt.teacher.training]).toEqual([true, true]);
  const evalTeacher = new MeanTeacher({ student: model(), teacherTrainMode: false });
  expect([evalTeacher.student.training, evalTeacher.teacher.training]).toEqual([true, false]);
});

test("updateTeacher's alpha warm-up and EMA match the authors' update_ema_variables (1e-6)", () => {
  const decay = 0.8;
  const mt = new MeanTeacher({ student: model(2), emaDecay: decay });
  const teacher0 = mt.teacher.parameters().map((p) => p.toArray());
  const students: unknown[][] = [];
  const teachers: unknown[][] = [];
  for (let step = 1; step <= 6; step++) {
    perturb(mt.student, 0.5);
    students.push(mt.student.parameters().map((p) => p.toArray()));
    mt.updateTeacher(step);
    teachers.push(mt.teacher.parameters().map((p) => p.toArray()));
  }
  const oracle = runOracle<{ teachers: unknown[][] }>('mean_teacher_parts.py', { task: 'ema', dtype: 'float32', decay, teacher: teacher0, students });
  teachers.forEach((t, i) => expect(maxAbsDiff(t, oracle.teachers[i])).toBeLessThan(1e-6));
  expect(maxAbsDiff([1, 2, 3, 4, 5].map((s) => mt.alpha(s)), [0.5, 2 / 3, 0.75, 0.8, 0.8])).toBeLessThan(1e-15);
});

test("buffers: 'none' (default) leaves the teacher's running statistics, 'copy' takes the student's", () => {
  for (const buffers of ['none', 'copy'] as const) {
    const mt = new MeanTeacher({ student: model(3), buffers });
    mt.student.call(torch.randn([4, 1, 28, 28]).add(2)); // train-mode forward moves the student's running stats
    const runningMean = (m: SmallCnn) => m.stateDict()['features.0.1.running_mean'].toArray();
    const before = runningMean(mt.teacher);
    mt.updateTeacher(10);
    const after = runningMean(mt.teacher);
    const studentStats = runningMean(mt.student);
    expect(maxAbsDiff(before, studentStats)).toBeGreaterThan(0.01);
    if (buffers === 'none') expect(after).toEqual(before);
    else expect(after).toEqual(studentStats);
  }
});

test('the consistency gradient reaches the student and is nonzero; the teacher gets none', () => {
  const mt = new MeanTeacher({ student: model(4), consistencyWeight: 10, consistencyRampup: 0 });
  perturb(mt.student, 0.2); // student and teacher now differ
  const x = torch.randn([6, 1, 28, 28]);
  const parts = mt.loss({ student: mt.student.call(x), teacher: torch.noGrad(() => mt.teacher.call(x)), targets: allUnlabeled(6), epoch: 0 });
  expect(parts.classLoss.item()).toBe(0);
  expect(parts.consistencyLoss.item()).toBeGreaterThan(0);
  parts.loss.backward();
  const gradNorms = mt.student.parameters().map((p) => p.grad!.abs().sum().item());
  expect(Math.min(...gradNorms.slice(-2))).toBeGreaterThan(0); // fc1 weight and bias
  expect(gradNorms.reduce((a, b) => a + b)).toBeGreaterThan(1e-6);
  expect(mt.teacher.parameters().every((p) => p.grad === null)).toBe(true);
});

test('the parts: class cost over labeled samples and consistency over all, both / minibatch size; the ramped weight', () => {
  const mt = new MeanTeacher({ student: model(5), consistencyWeight: 7, consistencyRampup: 4 });
  const student = torch.randn([5, 10]);
  const teacher = torch.randn([5, 10]);
  const targets = torch.tensor([2, -1, 4, -1, -1], { dtype: 'int64' });
  const parts = mt.loss({ student, teacher, targets, epoch: 1 });
  const ce = torch.F.crossEntropy(student.index(torch.tensor([0, 2], { dtype: 'int64' })), torch.tensor([2, 4], { dtype: 'int64' }), { reduction: 'sum' });
  expect(parts.classLoss.item()).toBeCloseTo(ce.item() / 5, 6);
  expect(parts.consistencyWeight).toBeCloseTo(7 * sigmoidRampup(1, 4), 12);
  expect(parts.consistencyLoss.item()).toBeCloseTo((parts.consistencyWeight * softmaxMseLoss(student, teacher).item()) / 5, 6);
  expect(parts.resLoss.item()).toBe(0);
  expect(parts.loss.item()).toBeCloseTo(parts.classLoss.item() + parts.consistencyLoss.item(), 6);
  const baseline = new MeanTeacher({ student: model(5), consistencyWeight: 0 }).loss({ student, teacher, targets, epoch: 9 });
  expect([baseline.consistencyLoss.item(), baseline.consistencyWeight]).toEqual([0, 0]);
});

test('heads and options are checked with clear errors', () => {
  const one = new MeanTeacher({ student: model() });
  const x = torch.randn([2, 10]);
  const t = torch.tensor([1, -1], { dtype: 'int64' });
  expect(() => one.loss({ student: [x, x], teacher: x, targets: t, epoch: 0 })).toThrow(/gave two heads; set logitDistanceCost >= 0/);
  const two = new MeanTeacher({ student: model(1, true), logitDistanceCost: 0.01 });
  expect(() => two.loss({ student: x, teacher: [x, x], targets: t, epoch: 0 })).toThrow(/logitDistanceCost >= 0 needs the student's two heads/);
  expect(() => one.loss({ student: x, teacher: x, targets: torch.tensor([1, -1, 2], { dtype: 'int64' }), epoch: 0 })).toThrow(/2 logits but 3 targets/);
  expect(() => new MeanTeacher({ student: model(), emaDecay: 2 })).toThrow(/emaDecay must be in \[0, 1\]/);
  expect(() => new MeanTeacher({ student: model(), consistency: 'l1' as 'mse' })).toThrow(/consistency must be 'mse' or 'kl'/);
  expect(() => new MeanTeacher({ student: {} as SmallCnn })).toThrow(/student must be a Module/);
  expect(() => one.updateTeacher(-1)).toThrow(/step must be an integer >= 0/);
});

test('a NaN loss stops the step before the update, with a clear message', () => {
  const mt = new MeanTeacher({ student: model(6) });
  const optimizer = new SGD(mt.student.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true });
  const before = mt.student.fc1.weight.toArray();
  const input = torch.full([4, 1, 28, 28], NaN);
  const targets = torch.tensor([1, 2, -1, -1], { dtype: 'int64' });
  expect(() => trainStep(mt, optimizer, { input, emaInput: input, targets }, { epoch: 0, step: 0 })).toThrow(LossExplosionError);
  expect(() => trainStep(mt, optimizer, { input, emaInput: input, targets }, { epoch: 0, step: 0 })).toThrow(/loss explosion at step 1: loss NaN/);
  expect(mt.student.fc1.weight.toArray()).toEqual(before);
});
