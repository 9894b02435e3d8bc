// toString() against Python's str() of the same tensor (test/oracle/tensor_ops.py, run live):
// number styles, widths, line wrapping, summarizing, dtype / requires_grad / grad_fn suffixes.
import * as torch from '../src';
import { Tensor } from '../src';
import { Case, g, mismatches, Outcome, runParity } from './oracle/parity';

torch.manualSeed(99);

const printed = (name: string, input: Case['args'][number], op = 'identity'): [string, Case] => [
  name,
  { op, args: [input], js: (t: Tensor) => (op === 'times_two' ? t.mul(2) : t), want: 'str' },
];
const floats = (values: number[], dtype: torch.Dtype = 'float32') => torch.tensor(values, { dtype });

const cases: [string, Case][] = [
  printed('2x2 integral floats', torch.tensor([[1, 2], [3, 4]], { dtype: 'float32' })),
  printed('random matrix', torch.randn([3, 4])),
  printed('random 3-D', torch.randn([2, 3, 4])),
  printed('float64 suffix', torch.randn([2, 2], { dtype: 'float64' })),
  printed('float16 suffix', torch.randn([3]).half()),
  printed('bfloat16 suffix', torch.randn([3]).to('bfloat16')),
  printed('int64, no suffix', torch.tensor([[-12, 3], [400, 0]])),
  printed('int32 suffix', torch.randint(-100, 100, [2, 3], { dtype: 'int32' })),
  printed('uint8', torch.randint(0, 255, [4], { dtype: 'uint8' })),
  printed('int8', torch.randint(-100, 100, [4], { dtype: 'int8' })),
  printed('int16', torch.randint(-1000, 1000, [4], { dtype: 'int16' })),
  printed('bool', torch.tensor([[true, false], [false, true]])),
  printed('0-dim float', torch.tensor(3.25)),
  printed('0-dim int', torch.tensor(7)),
  printed('empty 1-D', torch.zeros([0])),
  printed('empty 2-D', torch.zeros([0, 3])),
  printed('empty int64', torch.zeros([2, 0], { dtype: 'int64' })),
  printed('scientific: tiny values', floats([1e-5, 1, 3])),
  printed('scientific: wide range of integers', floats([1e9, 1, -2])),
  printed('non-finite values', floats([NaN, Infinity, -Infinity, 1.5])),
  printed('non-finite with integers', floats([NaN, 2, -Infinity])),
  printed('all zeros', torch.zeros([2, 3])),
  printed('negative zero', floats([-0, 1])),
  printed('ties round half to even', floats([0.03125, 0.09375, 1.5])),
  printed('sci ties', floats([1.03125e-6, 2.5])),
  printed('wrapped vector', torch.randn([30])),
  printed('summarized vector', torch.randn([1200])),
  printed('summarized matrix', torch.arange(2000).reshape([40, 50]).float()),
  printed('summarized 3-D', torch.randn([11, 10, 12])),
  printed('requires_grad leaf', g(torch.randn([3]))),
  printed('grad_fn', g(torch.randn([3])), 'times_two'),
  printed('grad_fn wraps onto a new line', g(torch.randn([2, 9])), 'times_two'),
  printed('float64 with grad_fn', g(torch.randn([2], { dtype: 'float64' })), 'times_two'),
];

let outcomes: Map<string, Outcome>;

beforeAll(() => {
  outcomes = new Map(runParity(cases).map((o) => [o.name, o]));
});

test.each(cases.map(([name]) => name))('%s prints as PyTorch does', (name) => {
  expect(mismatches(outcomes.get(name)!)).toEqual([]);
});

test('the issue example, literally', () => {
  expect(String(torch.tensor([[1, 2], [3, 4]], { dtype: 'float32' }))).toBe('tensor([[1., 2.],\n        [3., 4.]])');
});

test('console.log shows the PyTorch form; a disposed tensor says so', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { inspect } = require('util') as typeof import('util');
  const t = torch.tensor([1.5, 2]);
  expect(inspect(t)).toBe('tensor([1.5000, 2.0000])');
  t.dispose();
  expect(inspect(t)).toBe('Tensor(disposed)');
});
