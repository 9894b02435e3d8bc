// A Mean Teacher training script written against the library directly (the CLI's
// `train mean-teacher` adds evaluation, checkpoints, resume and plots). Run: node
// dist/examples/mean-teacher-script.js [steps]
import * as torch from '../src';
const { data, models, optim, ssl } = torch;

const steps = Number(process.argv[2] ?? 200);
torch.manualSeed(0);

const train = new data.FashionMNIST({ train: true }); // Debian's dataset-fashion-mnist
const { labels } = data.labeledSubset(train.targets, 1000, { seed: 0 }); // -1 marks the unlabeled
const images = train.data.float().div(255);
const student = models.smallCnn({ numClasses: 10 });
const mt = new ssl.MeanTeacher({ student, emaDecay: 0.99, consistencyWeight: 10, consistencyRampup: 5 });
const opt = new optim.SGD(student.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 2e-4 });
const augment = data.transforms.compose([
  data.transforms.translate({ pixels: 2, mode: 'reflect' }),
  data.transforms.gaussianNoise({ std: 0.15 }),
]);

let step = 0;
for (const [x, y] of new data.DataLoader(new data.TensorDataset(images, labels), { batchSize: 128, shuffle: true, seed: 0 })) {
  const parts = torch.tidy(() => {
    const out = mt.loss({
      student: student.forward(augment(x)),
      teacher: torch.noGrad(() => mt.teacher.forward(augment(x))),
      targets: y,
      epoch: step / 100,
    });
    opt.zeroGrad();
    out.loss.backward();
    opt.step();
    mt.updateTeacher(step);
    return { class: out.classLoss.item(), consistency: out.consistencyLoss.item() };
  });
  if (++step % 50 === 0) console.log(`step ${step}: class ${parts.class.toFixed(4)}, consistency ${parts.consistency.toFixed(4)}`);
  if (step === steps) break;
}
torch.save(student.stateDict(), 'student.pt'); // Python reads it: torch.load('student.pt')
console.log(`saved student.pt after ${step} steps`);
