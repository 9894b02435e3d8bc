// One test per class of error: each is a JS Error that names the problem, and the process goes on.
// LibTorch's own messages are checked against the ones PyTorch raises for the same call. (Errors
// made by the addon come from Node's main realm, not jest's sandbox: they are told by `name`.)
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../src';
import { ArgumentError, ArgumentValueError, DisposedTensorError, F, FileFormatError, TorchError, errors, nn, optim } from '../src';
import { Case, runParity } from './oracle/parity';

const errorOf = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
};

describe('a LibTorch error names the op and carries LibTorch message (first line only)', () => {
  // The same failing calls in PyTorch: our message must be `op: <PyTorch's message>`.
  const cases: [string, Case][] = [
    ['matmul (fast path)', { op: 'matmul', args: [torch.randn([2, 3]), torch.randn([4, 5])], js: (a, b) => a.matmul(b) }],
    ['mm (generic path)', { op: 'mm', args: [torch.randn([2, 3]), torch.randn([4, 5])], js: (a, b) => a.mm(b) }],
    ['add broadcasting', { op: 'add', args: [torch.randn([2, 3]), torch.randn([4])], js: (a, b) => a.add(b) }],
    ['reshape to a size that does not fit', { op: 'reshape', args: [torch.randn([5])], js: (a) => a.reshape([4, -1]) }],
    ['cross entropy target out of range', { op: 'cross_entropy', args: [torch.randn([2, 3]), torch.tensor([0, 7])], js: (x, y) => F.crossEntropy(x, y) }],
    ['conv2d channel mismatch', { op: 'conv2d_groups', args: [torch.randn([1, 3, 5, 5]), torch.randn([6, 2, 3, 3])], js: (x, w) => F.conv2d(x, w, null, { padding: 'same', groups: 2 }) }],
  ];
  let outcomes: Map<string, { js: { error?: string }; py: { error?: string } }>;
  beforeAll(() => {
    outcomes = new Map(runParity(cases).map((o) => [o.name, o]));
  });

  test.each(cases.map(([name, c]) => [name, c.op]))('%s', (name, op) => {
    const { js, py } = outcomes.get(name)!;
    expect(py.error).toBeDefined();
    const pyMessage = py.error!.replace(/^\w+: /, '').split('\n')[0];
    const jsOp = { cross_entropy: 'cross_entropy_loss', conv2d_groups: 'conv2d' }[op as string] ?? op;
    expect(js.error).toBe(`${jsOp}: ${pyMessage}`);
  });

  test('no C++ backtrace or second line leaks into the message', () => {
    const e = errorOf(() => torch.randn([2, 3]).mm(torch.randn([4, 5])));
    expect(e.name).toBe('Error');
    expect(e.message).not.toMatch(/\n|Exception raised from|frame #/);
  });

  test('backward of a non-scalar without a gradient', () => {
    const e = errorOf(() => torch.randn([2], { requiresGrad: true }).mul(2).backward());
    expect(e.message).toBe('backward: grad can be implicitly created only for scalar outputs');
  });

  test('in-place op on a leaf that requires grad', () => {
    const e = errorOf(() => torch.zeros([2], { requiresGrad: true }).add_(1));
    expect(e.message).toBe('add_: a leaf Variable that requires grad is being used in an in-place operation.');
  });

  test('in-place op whose result cannot keep the dtype', () => {
    const e = errorOf(() => torch.ones([2], { dtype: 'int64' }).add_(torch.ones([2])));
    expect(e.message).toBe("add_: result type Float can't be cast to the desired output type Long");
  });

  test('index out of range', () => {
    expect(errorOf(() => torch.zeros([2]).index(5)).message).toBe('select: select(): index 5 out of range for tensor of size [2] at dimension 0');
  });
});

describe('wrong JS argument types are TypeErrors naming the op and what it got', () => {
  const x = torch.randn([2, 3]);
  test.each([
    ['add of a string', () => x.add('one' as never), /^add: no overload accepts \(Tensor\(float32, \[2, 3\]\), 'one'\); candidates:\n {2}aten::add\./],
    ['matmul of a number array', () => x.matmul([1, 2] as never), /^matmul: no overload accepts \(Tensor\(float32, \[2, 3\]\), \[1, 2\]\)/],
    ['sum over a string dim', () => x.sum({ dim: 'rows' as never }), /^sum: no overload accepts \(Tensor\(float32, \[2, 3\]\), 'rows', false\)/],
    ['sum over a fractional dim', () => x.sum(0.5), /^sum: dim must be an integer, got 0.5$/],
    ['add_ with a string alpha', () => x.clone().add_(x, { alpha: 'two' as never }), /^add_: no overload accepts \(Tensor\(float32, \[2, 3\]\), Tensor\(float32, \[2, 3\]\), alpha='two'\)/],
    ['mean over a list with a fraction', () => x.mean([0, 1.5]), /^mean: dim must be an array of integers, got 1.5/],
    ['reshape to non-integers', () => x.reshape([2.5, 2]), /^reshape: no overload accepts \(Tensor\(float32, \[2, 3\]\), \[2\.5, 2\]\)/],
    ['zeros of a string size', () => torch.zeros('3' as never), /^zeros: no overload accepts \('3'/],
    ['linear with a string weight', () => F.linear(x, 'w' as never), /^linear: no overload accepts \(Tensor\(float32, \[2, 3\]\), 'w', null\)/],
    ['an unknown option', () => torch.ops.aten.sum(x, { dim: 0, keepDims: true }), /^sum: no overload accepts \(.*keepDims=true\)/],
    ['tensor from a ragged array', () => torch.tensor([[1, 2], [3]]), /^tensor: ragged nested array: expected length 2 at depth 1$/],
    ['tensor from strings', () => torch.tensor(['a'] as never), /^tensor: expected a number at depth 1, got string$/],
    ['TypedArray of the wrong size', () => torch.tensor(new Float32Array(3), { shape: [2, 2] }), /^tensor data has 12 bytes but shape \[2, 2\] of float32 needs 16$/],
    ['item of many elements', () => x.item(), /^item: a Tensor with 6 elements cannot be converted to a number$/],
  ])('%s', (_name, fn, message) => {
    const e = errorOf(fn as () => unknown);
    expect(e.message).toMatch(message as RegExp);
  });

  test('the type errors are TypeErrors', () => {
    expect(errorOf(() => x.add('one' as never)).name).toBe('TypeError');
    expect(errorOf(() => x.reshape([2.5, 2])).name).toBe('TypeError');
    expect(errorOf(() => torch.tensor([[1, 2], [3]])).name).toBe('TypeError');
  });
});

describe('dtypes and devices', () => {
  const dtypes = 'float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool';
  test('an unknown dtype lists the known ones', () => {
    for (const fn of [() => torch.zeros([2], { dtype: 'float8' as never }), () => torch.tensor([1, 2], { dtype: 'complex32' as never })]) {
      const e = errorOf(fn);
      expect(e.name).toBe('TypeError');
      expect(e.message).toMatch(new RegExp(`^unknown dtype '(float8|complex32)': expected one of ${dtypes}$`));
    }
  });

  test('to() of a string that is neither a dtype nor a device says both', () => {
    const e = errorOf(() => torch.zeros([2]).to('float8' as never));
    expect(e.name).toBe('TypeError');
    expect(e.message).toBe(`to: 'float8' is neither a dtype (${dtypes}) nor a device ('cpu', 'cuda', 'cuda:N')`);
  });

  test('an unknown device', () => {
    const e = errorOf(() => torch.zeros([2], { device: 'tpu' }));
    expect(e.name).toBe('TypeError');
    expect(e.message).toBe("unknown device 'tpu': expected 'cpu', 'cuda' or 'cuda:N'");
  });

  test('cuda without CUDA, or a CUDA device that does not exist', () => {
    const t = torch.zeros([2]);
    if (torch.cuda.isAvailable()) {
      const missing = torch.cuda.deviceCount();
      expect(errorOf(() => t.cuda(missing)).message).toMatch(new RegExp(`^device 'cuda:${missing}' does not exist: ${missing} CUDA device\\(s\\) visible$`));
    } else {
      const message = "device 'cuda' requested but CUDA is not available (this LibTorch has no CUDA support or no GPU is visible)";
      expect(errorOf(() => t.cuda()).message).toBe(message);
      expect(errorOf(() => torch.zeros([2], { device: 'cuda' })).message).toBe(message);
      expect(errorOf(() => torch.tensor([1, 2], { device: 'cuda' })).message).toBe(message);
      expect(errorOf(() => t.to({ device: 'cuda:0' })).message).toMatch(/^device 'cuda:0' requested but CUDA is not available/);
    }
  });
});

describe('use after dispose', () => {
  const disposed = () => {
    const t = torch.randn([2, 2]);
    t.dispose();
    return t;
  };
  const disposedIndex = () => {
    const t = torch.tensor([0]);
    t.dispose();
    return t;
  };
  test.each([
    ['fast path, as self', () => disposed().add(1), 'add: self has been disposed and cannot be used'],
    ['fast path, as other', () => torch.ones([2, 2]).mul(disposed()), 'mul: other has been disposed and cannot be used'],
    ['generic path, as self', () => disposed().exp(), 'exp: self has been disposed and cannot be used'],
    ['generic path, as argument', () => torch.ones([2, 2]).where(disposed().gt(0), 0), 'gt: self has been disposed and cannot be used'],
    ['inside a tensor list', () => torch.cat([torch.ones([2, 2]), disposed()]), 'cat: tensors has been disposed and cannot be used'],
    ['in place, as other', () => torch.ones([2, 2]).add_(disposed()), 'add_: other has been disposed and cannot be used'],
    ['in place, as self', () => disposed().mul_(2), 'mul_: self has been disposed and cannot be used'],
    ['sum over dims', () => disposed().sum(0), 'sum: self has been disposed and cannot be used'],
    ['a slice', () => disposed().index(':', '1:'), 'slice: self has been disposed and cannot be used'],
    ['a tensor index', () => torch.ones([3]).index(disposedIndex()), 'index: indices has been disposed and cannot be used'],
    ['shape', () => disposed().shape, 'tensor has been disposed and cannot be used'],
    ['item', () => disposed().item(), 'tensor has been disposed and cannot be used'],
    ['dataSync', () => disposed().dataSync(), 'tensor has been disposed and cannot be used'],
    ['backward', () => disposed().backward(), 'tensor has been disposed and cannot be used'],
  ])('%s', (_name, fn, message) => {
    expect(errorOf(fn as () => unknown).message).toBe(message);
  });

  test('a tensor freed by tidy is disposed too; disposing twice is harmless', () => {
    let inner: torch.Tensor | undefined;
    torch.tidy(() => {
      inner = torch.ones([3]);
    });
    expect(inner!.isDisposed).toBe(true);
    expect(errorOf(() => inner!.sum()).message).toBe('sum: self has been disposed and cannot be used');
    expect(() => inner!.dispose()).not.toThrow();
    expect(String(torch.zeros([1]))).toBe('tensor([0.])');
  });
});

// The compiled library (dist/, built by `npm test`'s set-up) in a fresh Node process.
test('the process survives every error class (a fresh process tries each, then exits normally)', () => {
  const script = `
    const torch = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'src'))});
    const attempts = [
      () => torch.randn([2, 3]).matmul(torch.randn([4, 5])),
      () => torch.randn([2]).add('x'),
      () => torch.zeros([2], { dtype: 'float8' }),
      () => torch.zeros([2], { device: 'tpu' }),
      () => torch.zeros([2]).to({ device: 'cuda:' + (torch.cuda.deviceCount() + 1) }),
      () => { const t = torch.zeros([2]); t.dispose(); t.exp(); },
    ];
    let caught = 0;
    for (const attempt of attempts) { try { attempt(); } catch (e) { if (e instanceof Error) caught++; } }
    console.log(caught, torch.ones([2]).add(1).sum().item());
  `;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(result.stdout.trim()).toBe('6 4');
});

// The error kinds (src/errors.ts): what each bad input raises, caught by kind, with PyTorch's
// style of message naming the function, the argument and what came instead.
describe('error kinds', () => {
  test('a wrong argument type names the function, the argument and its position', () => {
    const e = errorOf(() => new nn.Linear('3' as never, 2));
    expect(e.message).toBe("Linear: argument 'inFeatures' (position 1) must be a non-negative integer, got string '3'");
    expect(e).toBeInstanceOf(ArgumentError);
    expect(e).toBeInstanceOf(TypeError);
    expect(e).toBeInstanceOf(TorchError);
    expect(e.name).toBe('TypeError');
    expect((e as ArgumentError).code).toBe('ERR_TORCH_ARGUMENT');
  });

  test("an optimizer's hyper-parameter of the wrong type is named, not taken for a missing one", () => {
    const params = new nn.Linear(2, 2).parameters();
    expect(errorOf(() => new optim.SGD(params, { lr: '0.1' as never })).message).toBe("SGD: option 'lr' must be a number, got string '0.1'");
    const nan = errorOf(() => new optim.Adam(params, { lr: NaN }));
    expect(nan.message).toBe('Adam: Invalid learning rate: NaN');
    expect(nan).toBeInstanceOf(ArgumentValueError);
    expect(nan).toBeInstanceOf(RangeError);
    expect(errorOf(() => new optim.Adam(params, { betas: [1.5, 0.9] })).message).toBe('Adam: Invalid beta parameter at index 0: 1.5');
  });

  test('a disposed tensor is a DisposedTensorError, raised here or by the addon', () => {
    const t = torch.ones([2]);
    t.dispose();
    const here = errorOf(() => torch.nn.functional.mseLoss(t, torch.ones([2])));
    expect(here.message).toBe("mseLoss: argument 'input' (position 1) has been disposed and cannot be used");
    expect(here).toBeInstanceOf(DisposedTensorError);
    expect((here as DisposedTensorError).code).toBe('ERR_TORCH_DISPOSED');
    const addon = errorOf(() => t.exp());
    expect(addon.message).toBe('exp: self has been disposed and cannot be used');
    expect(addon).toBeInstanceOf(DisposedTensorError);
    expect(addon).toBeInstanceOf(TorchError);
    expect(errorOf(() => torch.ones([2]).exp().add('x' as never))).not.toBeInstanceOf(DisposedTensorError);
  });

  describe('files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'error-kinds-'));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    test('a damaged file is a FileFormatError naming the file, its cause kept', () => {
      const file = path.join(dir, 'cut.pt');
      torch.save({ w: torch.ones([4]) }, file);
      fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 100));
      const e = errorOf(() => torch.load(file));
      expect(e).toBeInstanceOf(FileFormatError);
      expect(e.message).toMatch(new RegExp(`^torch\\.load: ${file}: `));
      expect(e.cause).toBeInstanceOf(FileFormatError);
      const text = path.join(dir, 'text.safetensors');
      fs.writeFileSync(text, Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('nope')]));
      const s = errorOf(() => torch.safetensors.load(text));
      expect(s).toBeInstanceOf(FileFormatError);
      expect(s.message).toMatch(/header is not JSON/);
      expect(s.cause).toBeInstanceOf(SyntaxError);
    });

    test("a missing file is a TorchError with the system's error as its cause", () => {
      const e = errorOf(() => torch.load(path.join(dir, 'missing.pt')));
      expect(e).toBeInstanceOf(TorchError);
      expect(e).not.toBeInstanceOf(FileFormatError);
      expect(e.message).toMatch(/^torch\.load: cannot read .*missing\.pt: ENOENT/);
      expect((e.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    });

    test('a path that is not a string is refused (a number would be read as a file descriptor)', () => {
      expect(errorOf(() => torch.load(3 as never)).message).toBe("torch.load: argument 'file' (position 1) must be a path, got 3");
    });
  });

  test('the kinds are also torch.errors.*', () => {
    expect(errors.TorchError).toBe(TorchError);
    expect(Object.keys(errors).sort()).toEqual(['ArgumentError', 'ArgumentValueError', 'DisposedTensorError', 'FileFormatError', 'TorchError']);
  });
});

// Ops whose kernels read an empty tensor's first element, divide by its size, or take a 0-dim tensor
// for a matrix, unchecked (PyTorch crashes on them too: 1.13 on the first six, 2.13 on the weight
// norms, _saturate_weight_to_fp16 and the fbgemm packers, which 1.13 lacks): the generic path
// refuses them with an Error. A fresh process tries each, then exits normally.
test('ops that would crash the process on an empty or 0-dim tensor are refused with an Error', () => {
  const script = `
    const torch = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'src'))});
    const aten = torch.ops.aten;
    const attempts = [
      () => aten._local_scalar_dense(torch.zeros([0])),
      () => aten._local_scalar_dense(torch.zeros([0, 3], { dtype: 'int64' })),
      () => aten._weight_norm(torch.zeros([0, 3]), torch.ones([1])),
      () => aten._weight_norm(torch.ones([2, 2]), torch.zeros([0])),
      () => aten._weight_norm_interface(torch.zeros([0]), torch.zeros([0]), 0),
      () => aten._saturate_weight_to_fp16(torch.ones([1, 2, 0])),
      () => aten.matrix_exp_backward(torch.tensor(1.5), torch.tensor(2.5)),
      () => aten._compute_linear_combination(torch.tensor(1.5), torch.ones([2, 2])),
      () => aten.fbgemm_linear_quantize_weight(torch.ones([1, 2, 0])),
      () => aten.fbgemm_pack_gemm_matrix_fp16(torch.ones([1, 2, 0])),
    ];
    const messages = attempts.map((attempt) => { try { attempt(); return 'no error'; } catch (e) { return e.message; } });
    const values = [
      aten._local_scalar_dense(torch.tensor([2.5])),
      aten._weight_norm(torch.tensor([[3, 4]], { dtype: 'float32' }), torch.tensor([[10]], { dtype: 'float32' })).toArray(),
      aten._saturate_weight_to_fp16(torch.tensor([[1.5, -2]])).toArray(),
      aten.matrix_exp_backward(torch.zeros([2, 2]), torch.ones([2, 2])).toArray(),
      aten._compute_linear_combination(torch.tensor([[1, 2], [3, 4]], { dtype: 'float32' }), torch.tensor([[1, 10]], { dtype: 'float32' })).toArray(),
    ];
    console.log(JSON.stringify({ messages, values }));
  `;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
  expect(result.signal).toBeNull();
  expect(result.status).toBe(0);
  const refused = (op: string, argument: string, problem = 'has no elements') =>
    `${op}: ${argument} ${problem} (refused before the call: LibTorch's kernel may crash the process on it)`;
  expect(JSON.parse(result.stdout)).toEqual({
    messages: [
      refused('_local_scalar_dense', 'self'),
      refused('_local_scalar_dense', 'self'),
      refused('_weight_norm', 'v'),
      refused('_weight_norm', 'g'),
      refused('_weight_norm_interface', 'v'),
      refused('_saturate_weight_to_fp16', 'weight'),
      refused('matrix_exp_backward', 'self', 'must have at least 2 dimension(s), got 0'),
      refused('_compute_linear_combination', 'input', 'must have at least 1 dimension(s), got 0'),
      refused('fbgemm_linear_quantize_weight', 'input'),
      refused('fbgemm_pack_gemm_matrix_fp16', 'input'),
    ],
    // d/dA of <exp(A), G> at A = 0 is G itself; the combination is 1 * row 0 + 10 * row 1.
    values: [2.5, [[6, 8]], [[1.5, -2]], [[1, 1], [1, 1]], [[31, 42]]],
  });
});
