// Workload 4: one MoCo v2 training step, ResNet-18 with the CIFAR stem on 3x32x32, batch 128,
// queue K 4096, MLP head, T 0.2, m 0.99, shuffle BN over 8 splits (the official single-device
// CIFAR-10 notebook's settings): query pass, momentum update, key pass, InfoNCE, enqueue, and
// zeroGrad / backward / SGD step. PyTorch's side (bench/moco-step.py) is the official builder's
// code, started from the same encoder weights, queue and images, saved here with torch.save.
import * as path from 'path';
import * as torch from '../src';
import { MoCo } from '../src/ssl/moco';
import { BenchResult, compareTrainStep, scratchDir } from './harness';

const SETTINGS = { batch: 128, dim: 128, queueSize: 4096, momentum: 0.99, temperature: 0.2, bnSplits: 8, lr: 0.06, weightDecay: 5e-4 };
const STEPS_PER_SAMPLE = 1;

interface Start {
  moco: MoCo;
  imQ: torch.Tensor;
  imK: torch.Tensor;
}

// The model, queue and two views of one batch, from seed 0, also written to `file` for PyTorch.
function start(file: string): Start {
  torch.manualSeed(0);
  const encoder = torch.models.resnet18({ numClasses: SETTINGS.dim, cifarStem: true });
  const { dim, queueSize, momentum, temperature, bnSplits } = SETTINGS;
  const moco = new MoCo({ encoder, version: 2, dim, queueSize, momentum, temperature, bnSplits });
  const imQ = torch.randn([SETTINGS.batch, 3, 32, 32]);
  const imK = torch.randn([SETTINGS.batch, 3, 32, 32]);
  torch.save({ encoderQ: moco.encoderQ.stateDict(), queue: moco.queue!.keys, imQ, imK }, file);
  return { moco, imQ, imK };
}

function mocoStep({ moco, imQ, imK }: Start): () => number {
  const optimizer = new torch.optim.SGD(moco.parameters(), { lr: SETTINGS.lr, momentum: 0.9, weightDecay: SETTINGS.weightDecay });
  moco.train();
  return () =>
    torch.tidy(() => {
      const { loss } = moco.forward(imQ, imK);
      optimizer.zeroGrad();
      loss.backward();
      optimizer.step();
      return loss.item();
    });
}

export async function main(): Promise<BenchResult> {
  const file = path.join(scratchDir('moco'), 'start.pt');
  const step = mocoStep(start(file));
  const settings = { file, dim: SETTINGS.dim, queue_size: SETTINGS.queueSize, momentum: SETTINGS.momentum, temperature: SETTINGS.temperature, bn_splits: SETTINGS.bnSplits, lr: SETTINGS.lr, weight_decay: SETTINGS.weightDecay };
  // Both first steps draw the same shuffle from seed 0, so their losses must agree.
  const first = (): number => (torch.manualSeed(0), step());
  const r = await compareTrainStep('MoCo step', 'moco-step', first, step, settings, {
    stepsPerSample: STEPS_PER_SAMPLE,
    warmup: 0,
    repeats: 5,
  });
  return {
    title: '4. MoCo v2 train step',
    comparisons: r.comparisons,
    unmeasured: r.unmeasured,
    notes: [
      `torch.models.resnet18({ cifarStem: true }) with MoCo v2's MLP head, 3x32x32, batch ${SETTINGS.batch}, K ${SETTINGS.queueSize}, dim ${SETTINGS.dim}, T ${SETTINGS.temperature}, m ${SETTINGS.momentum}, shuffle BN over ${SETTINGS.bnSplits} splits; SGD lr ${SETTINGS.lr}, momentum 0.9, weight decay ${SETTINGS.weightDecay}.`,
      `Same start on both sides (encoder, queue and images saved by torch.save here, loaded by torch.load in Python; same shuffle from seed 0): first-step loss ${r.firstLoss.toFixed(6)} here, ${r.pyLoss.toFixed(6)} in PyTorch.`,
      "PyTorch runs the official builder's code (key encoder updated by `param_k.data = param_k.data * m + param_q.data * (1 - m)`, a new tensor per parameter; zero_grad as the PyTorch in use does it); " +
        'momentum-torch runs torch.ssl MoCo (one fused EMA call) with optimizer.zeroGrad() (grads set to none).',
      ...(r.compiled ? ["torch.compile: both encoders, each `torch.compile(encoder)` (inductor, default mode: the query encoder's forward and backward, the key encoder's forward); the momentum update, shuffle, InfoNCE, queue and optimizer step stay eager."] : []),
      ...r.notes,
      `${STEPS_PER_SAMPLE} step a sample after one untimed, ${r.repeats} alternating repeats.`,
    ],
  };
}
