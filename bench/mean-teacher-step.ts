// Workload 3: one Mean Teacher training step on the small CNN for 28x28 images, batch 128 of which
// 32 labeled: teacher forward, student forward, class + consistency costs, zeroGrad / backward /
// SGD-nesterov step, EMA update of the teacher. PyTorch's side (bench/mean-teacher-step.py) is the
// authors' train loop, started from the same weights and batch, saved here with torch.save.
import * as path from 'path';
import * as torch from '../src';
import { MeanTeacher, sigmoidRampup } from '../src/ssl';
import { BenchResult, compareTrainStep, scratchDir } from './harness';

/** The authors' CIFAR-10 settings where they apply; the consistency weight is past its ramp-up. */
export const SETTINGS = { lr: 0.05, momentum: 0.9, weightDecay: 2e-4, emaDecay: 0.99, consistencyWeight: 100, consistencyRampup: 5, epoch: 10 };
const STEPS_PER_SAMPLE = 5;

/** Writes the student's first weights and one batch (`labeled` targets, the rest -1) to `file`. */
export function writeStart(file: string, batch: number, labeled: number): void {
  torch.tidy(() => {
    torch.manualSeed(0);
    const student = torch.models.smallCnn();
    const input = torch.randn([batch, 1, 28, 28]);
    // The teacher sees another noisy view of the same images, as with the authors' two transforms.
    const emaInput = input.add(torch.randn([batch, 1, 28, 28]).mul(0.15));
    const target = torch.cat([torch.randint(0, 10, [labeled]), torch.full([batch - labeled], -1, { dtype: 'int64' })]);
    torch.save({ student: student.stateDict(), input, emaInput, target }, file);
  });
}

/** The settings PyTorch's side takes, in its names. */
export function pythonSettings(file: string): object {
  const consistencyWeight = SETTINGS.consistencyWeight * sigmoidRampup(SETTINGS.epoch, SETTINGS.consistencyRampup);
  return { file, lr: SETTINGS.lr, momentum: SETTINGS.momentum, weight_decay: SETTINGS.weightDecay, ema_decay: SETTINGS.emaDecay, consistency_weight: consistencyWeight };
}

/** A Mean Teacher training step on the weights and batch in `file`, as a user writes it; returns the loss. */
export function meanTeacherStep(file: string): () => number {
  const saved = torch.load(file);
  const student = torch.models.smallCnn();
  student.loadStateDict(saved.student);
  const mt = new MeanTeacher({ student, emaDecay: SETTINGS.emaDecay, consistencyWeight: SETTINGS.consistencyWeight, consistencyRampup: SETTINGS.consistencyRampup });
  const optimizer = new torch.optim.SGD(student.parameters(), { lr: SETTINGS.lr, momentum: SETTINGS.momentum, weightDecay: SETTINGS.weightDecay, nesterov: true });
  const { input, emaInput, target } = saved;
  let globalStep = 0;
  return () =>
    torch.tidy(() => {
      const teacherLogits = mt.teacher.call(emaInput);
      const studentLogits = mt.student.call(input);
      const { loss } = mt.loss({ student: studentLogits, teacher: teacherLogits, targets: target, epoch: SETTINGS.epoch });
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      mt.updateTeacher(++globalStep);
      return loss.item();
    });
}

export async function main(): Promise<BenchResult> {
  const file = path.join(scratchDir('mean-teacher'), 'start.pt');
  writeStart(file, 128, 32);
  const step = meanTeacherStep(file);
  const model = torch.models.smallCnn();
  const parameterCount = model.parameters().reduce((n, p) => n + p.numel(), 0);
  const widths = model.features.children().map((stage) => stage.parameters()[0]?.shape[0]).filter(Boolean).join('/');
  const r = await compareTrainStep('Mean Teacher step', 'mean-teacher-step', step, step, pythonSettings(file), {
    stepsPerSample: STEPS_PER_SAMPLE,
    warmup: 1,
    repeats: 21,
  });
  return {
    title: '3. Mean Teacher train step',
    comparisons: r.comparisons,
    unmeasured: r.unmeasured,
    notes: [
      `torch.models.smallCnn() (3 conv-BN-ReLU stages, ${widths} channels, ${(parameterCount / 1e3).toFixed(0)}k parameters) on 1x28x28, batch 128 with 32 labeled; SGD lr ${SETTINGS.lr}, momentum ${SETTINGS.momentum}, nesterov, weight decay ${SETTINGS.weightDecay}; EMA decay ${SETTINGS.emaDecay}; softmax-MSE consistency, weight ${SETTINGS.consistencyWeight}.`,
      `Same start on both sides (weights and batch saved by torch.save here, loaded by torch.load in Python): first-step loss ${r.firstLoss.toFixed(6)} here, ${r.pyLoss.toFixed(6)} in PyTorch.`,
      "PyTorch runs the authors' loop as written (teacher EMA by a per-parameter mul_/add_ loop; zero_grad as the PyTorch in use does it); " +
        "momentum-torch runs torch.ssl.MeanTeacher (one fused EMA call) with optimizer.zeroGrad() (grads set to none, PyTorch 2's default).",
      ...(r.compiled ? ['torch.compile: the student and the teacher, each `torch.compile(model)` (inductor, default mode: forward, and the student\'s backward); the loss, optimizer step and EMA loop stay eager.'] : []),
      ...r.notes,
      `${STEPS_PER_SAMPLE} steps a sample after one untimed, ${r.repeats} alternating repeats.`,
    ],
  };
}
