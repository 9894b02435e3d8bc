// torch.models against PyTorch: torchvision's ResNet-18 state dict (saved by Python) loads into
// models.resnet18() and gives the same logits in eval and train mode (and the same running
// statistics after the train-mode pass); ResNet-50 has torchvision's keys and shapes; the Mean
// Teacher ConvNet and the small CNN match PyTorch definitions of the same architectures.
// Oracle: test/oracle/models.py.
import * as torch from '../src';
import { models, nn, Tensor } from '../src';
import { expectRecordClose, maxAbsDiff, python, removeDir, tempDir } from './nn-oracle';

interface ModelCase {
  state: Record<string, Tensor>;
  input: Tensor;
  eval: Tensor;
  train: Tensor;
  buffers: Record<string, Tensor>;
}

let dir: string;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let oracle: any;
let cases: Record<string, ModelCase>;

beforeAll(() => {
  dir = tempDir();
  oracle = python('models.py', { dir });
  cases = torch.load(`${dir}/models.pt`);
});

afterAll(() => removeDir(dir));

// Same logits as PyTorch within 1e-4 in eval mode, then in train mode (batch statistics), and the
// running statistics PyTorch's train-mode pass left.
function expectSameAsPyTorch(model: nn.Module, c: ModelCase): void {
  model.loadStateDict(c.state);
  expect(maxAbsDiff(model.eval().call(c.input), c.eval)).toBeLessThan(1e-4);
  expect(maxAbsDiff(model.train().call(c.input), c.train)).toBeLessThan(1e-4);
  expectRecordClose(Object.fromEntries(model.namedBuffers()), c.buffers, 1e-5);
}

test("resnet18 loads torchvision's state dict and gives its logits", () => {
  const model = models.resnet18({ numClasses: 10 });
  expect(Object.keys(model.stateDict())).toEqual(Object.keys(cases.resnet18.state));
  expectSameAsPyTorch(model, cases.resnet18);
});

test('resnet18 with the CIFAR stem matches torchvision with conv1 3x3 and no max pool', () => {
  const model = models.resnet18({ numClasses: 10, cifarStem: true });
  expect(model.conv1.weight.shape).toEqual([64, 3, 3, 3]);
  expectSameAsPyTorch(model, cases.resnet18_cifar);
});

test("resnet50 has torchvision's state-dict keys and shapes, in order", () => {
  const sd = models.resnet50().stateDict();
  expect(Object.entries(sd).map(([k, t]) => [k, t.shape])).toEqual(oracle.resnet50);
  expect(models.resnet50({ numClasses: 7 }).fc).toBeInstanceOf(nn.Linear);
});

test('resnet: torchvision init (He normal fan-out convs), zeroInitResidual, replaceable fc', () => {
  torch.manualSeed(1);
  const model = models.resnet18({ zeroInitResidual: true, numClasses: 5 });
  const w = model.layer3[0].conv1.weight; // [256, 128, 3, 3]: fan_out = 256 * 9
  expect(Math.abs(w.std().item() / Math.sqrt(2 / (256 * 9)) - 1)).toBeLessThan(0.02);
  expect(model.layer1[0].bn2.weight!.abs().sum().item()).toBe(0);
  expect(model.layer1[0].bn1.weight!.sum().item()).toBe(64);
  model.fc = new nn.Sequential(new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 8));
  expect(model.eval().call(torch.randn([1, 3, 32, 32])).shape).toEqual([1, 8]);
  expect(Object.keys(model.stateDict()).filter((k) => k.startsWith('fc.'))).toEqual(['fc.0.weight', 'fc.0.bias', 'fc.2.weight', 'fc.2.bias']);
});

test('convLarge matches a PyTorch definition of the Mean Teacher ConvNet', () => {
  const model = models.convLarge({ dropout: 0 });
  expect(Object.keys(model.stateDict())).toEqual(Object.keys(cases.conv_large.state));
  expectSameAsPyTorch(model, cases.conv_large);
  const twoHeads = models.convLarge({ twoHeads: true }).eval().call(torch.randn([2, 3, 32, 32])) as Tensor[];
  expect(twoHeads.map((t) => t.shape)).toEqual([
    [2, 10],
    [2, 10],
  ]);
});

test('smallCnn matches a PyTorch definition and trains', () => {
  const model = models.smallCnn();
  expectSameAsPyTorch(model, cases.small_cnn);

  torch.manualSeed(2);
  const x = torch.randn([16, 1, 28, 28]);
  const y = torch.randint(0, 10, [16]);
  const optimizer = new torch.optim.SGD(model.train().parameters(), { lr: 0.1, momentum: 0.9 });
  const losses: number[] = [];
  for (let step = 0; step < 15; step++) {
    losses.push(
      torch.tidy(() => {
        optimizer.zeroGrad();
        const loss = torch.F.crossEntropy(model.call(x), y);
        loss.backward();
        optimizer.step();
        return loss.item();
      }),
    );
  }
  expect(losses[14]).toBeLessThan(0.5 * losses[0]);
});
