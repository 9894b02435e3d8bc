// Every Tensor op of the contract against the PyTorch of the LibTorch in use (1.13 or 2.x) on the same random inputs: values (float
// within 1e-6 relative, integers and bools exactly), dtypes, shapes, grad_fn names, and the
// gradients backward() gives (within 1e-5). The oracle is test/oracle/tensor_ops.py, run live.
import * as torch from '../src';
import { Tensor } from '../src';
import { describeParity, g, type Named, namedCase as c } from './oracle/parity';

torch.manualSeed(20240601);

const f32 = (shape: number[]) => torch.randn(shape);
const f64 = (shape: number[]) => torch.randn(shape, { dtype: 'float64' });
const positive = (shape: number[]) => torch.rand(shape).add(0.1);
const ints = (shape: number[], dtype: 'int64' | 'int32' | 'uint8' | 'int16' | 'int8' = 'int64', low = -5, high = 6) =>
  torch.randint(low, high, shape, { dtype });
const bools = (shape: number[]) => torch.rand(shape).gt(0.5);
const nonzeroInts = (shape: number[]) => ints(shape, 'int64', 1, 6).mul(torch.randint(0, 2, shape).mul(2).sub(1));

// In-place cases run on a clone: the result, and whether the op returned that very tensor.
const inPlace =
  (fn: (t: Tensor, ...rest: never[]) => Tensor) =>
  (a: Tensor, ...rest: never[]) => {
    const t = a.clone();
    const out = fn(t, ...rest);
    return [t, torch.tensor(out === t)];
  };

const arithmetic: Named[] = [
  c('add broadcast f32 (fast path)', 'add', [g(f32([3, 1, 4])), g(f32([2, 4]))], (a, b) => a.add(b)),
  c('add int64', 'add', [ints([2, 3]), ints([3])], (a, b) => a.add(b)),
  c('add int32 + int64 promotes', 'add', [ints([2, 3], 'int32'), ints([3])], (a, b) => a.add(b)),
  c('add float32 + int64 promotes', 'add', [f32([2, 3]), ints([3])], (a, b) => a.add(b)),
  c('add float64 + float32', 'add', [g(f64([2, 2])), g(f32([2, 2]))], (a, b) => a.add(b)),
  c('add bool', 'add', [bools([5]), bools([5])], (a, b) => a.add(b)),
  c('add uint8', 'add', [ints([4], 'uint8', 0, 100), ints([4], 'uint8', 0, 100)], (a, b) => a.add(b)),
  c('add bfloat16', 'add', [f32([6]).to('bfloat16'), f32([6]).to('bfloat16')], (a, b) => a.add(b)),
  c('add float16', 'add', [f32([6]).to('float16'), f32([6]).to('float16')], (a, b) => a.add(b)),
  c('add 0-dim + 1-D', 'add', [g(f32([])), g(f32([5]))], (a, b) => a.add(b)),
  c('add 0-dim + 0-dim', 'add', [f32([]), f32([])], (a, b) => a.add(b)),
  c('add 0-size', 'add', [f32([0, 3]), f32([3])], (a, b) => a.add(b)),
  c('add alpha (generic path)', 'add_alpha', [g(f32([2, 3])), g(f32([2, 3]))], (a, b) => a.add(b, { alpha: 2 })),
  c('add scalar', 'add_scalar', [g(f32([2, 3]))], (a) => a.add(2.5)),
  c('add float scalar to int64', 'add_scalar', [ints([3])], (a) => a.add(2.5)),
  c('add int scalar to int32', 'add_int_scalar', [ints([3], 'int32')], (a) => a.add(3)),
  c('add int scalar to uint8', 'add_int_scalar', [ints([3], 'uint8', 0, 50)], (a) => a.add(3)),
  c('add int scalar to float16', 'add_int_scalar', [f32([3]).half()], (a) => a.add(3)),
  c('sub', 'sub', [g(f32([4, 1])), g(f32([3]))], (a, b) => a.sub(b)),
  c('sub int64', 'sub', [ints([3]), ints([3])], (a, b) => a.sub(b)),
  c('sub scalar', 'sub_scalar', [g(f32([3]))], (a) => a.sub(1.5)),
  c('sub alpha', 'sub_alpha', [g(f32([3])), g(f32([3]))], (a, b) => a.sub(b, { alpha: 0.5 })),
  c('mul', 'mul', [g(f32([2, 1, 3])), g(f32([4, 1]))], (a, b) => a.mul(b)),
  c('mul int32', 'mul', [ints([5], 'int32'), ints([5], 'int32')], (a, b) => a.mul(b)),
  c('mul bool', 'mul', [bools([5]), bools([5])], (a, b) => a.mul(b)),
  c('mul scalar', 'mul_scalar', [g(f32([2, 2]))], (a) => a.mul(3)),
  c('mul scalar int64', 'mul_scalar', [ints([4])], (a) => a.mul(3)),
  c('div', 'div', [g(f32([3, 2])), g(positive([2]))], (a, b) => a.div(b)),
  c('div int64 gives float', 'div', [ints([4]), nonzeroInts([4])], (a, b) => a.div(b)),
  c('div scalar', 'div_scalar', [g(f32([3]))], (a) => a.div(4)),
  c('div scalar int64', 'div_scalar', [ints([3])], (a) => a.div(4)),
  c('div floor int64', 'div_floor', [ints([6], 'int64', -20, 20), nonzeroInts([6])], (a, b) => a.div(b, { roundingMode: 'floor' })),
  c('div trunc float', 'div_trunc', [f32([6]).mul(10), positive([6])], (a, b) => a.div(b, { roundingMode: 'trunc' })),
  c('pow scalar', 'pow_scalar', [g(f32([2, 3]))], (a) => a.pow(3)),
  c('pow scalar int64', 'pow_scalar', [ints([4])], (a) => a.pow(3)),
  c('pow tensor', 'pow_tensor', [g(positive([2, 3])), g(f32([3]))], (a, b) => a.pow(b)),
  c('neg', 'neg', [g(f32([3, 2]))], (a) => a.neg()),
  c('neg int64', 'neg', [ints([4])], (a) => a.neg()),
  c('exp', 'exp', [g(f32([2, 3]))], (a) => a.exp()),
  c('exp float64', 'exp', [g(f64([4]))], (a) => a.exp()),
  c('exp int64 gives float', 'exp', [ints([4])], (a) => a.exp()),
  c('log', 'log', [g(positive([5]))], (a) => a.log()),
  c('log of negatives is nan', 'log', [f32([6])], (a) => a.log()),
  c('sqrt', 'sqrt', [g(positive([2, 2]))], (a) => a.sqrt()),
  c('abs', 'abs', [g(f32([5]))], (a) => a.abs()),
  c('abs int32', 'abs', [ints([5], 'int32')], (a) => a.abs()),
  c('sigmoid', 'sigmoid', [g(f32([2, 3]))], (a) => a.sigmoid()),
  c('tanh', 'tanh', [g(f32([2, 3]))], (a) => a.tanh()),
  c('relu', 'relu', [g(f32([2, 3]))], (a) => a.relu()),
  c('relu int64', 'relu', [ints([6])], (a) => a.relu()),
  c('relu through torch.ops.aten (generic path)', 'relu', [g(f32([2, 3]))], (a) => torch.ops.aten.relu(a)),
  c('exp through torch.ops.aten (generic path)', 'exp', [g(f32([2, 3]))], (a) => torch.ops.aten.exp(a)),
  c('matmul 2-D (fast path)', 'matmul', [g(f32([3, 4])), g(f32([4, 5]))], (a, b) => a.matmul(b)),
  c('matmul batched broadcast', 'matmul', [g(f32([2, 3, 4])), g(f32([4, 2]))], (a, b) => a.matmul(b)),
  c('matmul 1-D x 2-D', 'matmul', [g(f32([4])), g(f32([4, 3]))], (a, b) => a.matmul(b)),
  c('matmul dot', 'matmul', [g(f32([4])), g(f32([4]))], (a, b) => a.matmul(b)),
  c('matmul float64', 'matmul', [g(f64([2, 3])), g(f64([3, 2]))], (a, b) => a.matmul(b)),
  c('matmul int64', 'matmul', [ints([2, 3]), ints([3, 2])], (a, b) => a.matmul(b)),
  c('matmul 8x8', 'matmul', [g(f32([8, 8])), g(f32([8, 8]))], (a, b) => a.matmul(b)),
  c('mm', 'mm', [g(f32([3, 4])), g(f32([4, 2]))], (a, b) => a.mm(b)),
  c('mm 0-size', 'mm', [f32([0, 4]), f32([4, 2])], (a, b) => a.mm(b)),
  c('bmm', 'bmm', [g(f32([2, 3, 4])), g(f32([2, 4, 5]))], (a, b) => a.bmm(b)),
  c('torch.matmul function form', 'matmul', [g(f32([2, 2])), g(f32([2, 2]))], (a, b) => torch.matmul(a, b)),
];

const shapes: Named[] = [
  c('t', 't', [g(f32([3, 4]))], (a) => a.t()),
  c('transpose', 'transpose', [g(f32([2, 3, 4]))], (a) => a.transpose(0, 2)),
  c('permute', 'permute', [g(f32([2, 3, 4]))], (a) => a.permute([2, 0, 1])),
  c('reshape', 'reshape', [g(f32([2, 3, 4]))], (a) => a.reshape([4, -1])),
  c('reshape int64', 'reshape', [ints([2, 6])], (a) => a.reshape([4, -1])),
  c('view', 'view', [g(f32([2, 3, 4]))], (a) => a.view([-1, 6])),
  c('view (varargs)', 'view', [g(f32([2, 3, 4]))], (a) => a.view(-1, 6)),
  c('flatten', 'flatten', [g(f32([2, 3, 4]))], (a) => a.flatten(1)),
  c('unsqueeze', 'unsqueeze', [g(f32([2, 3]))], (a) => a.unsqueeze(-1)),
  c('unsqueeze 0-dim', 'unsqueeze', [f32([])], (a) => a.unsqueeze(-1)),
  c('squeeze', 'squeeze', [g(f32([1, 3, 1]))], (a) => a.squeeze()),
  c('squeeze dim', 'squeeze_dim', [g(f32([2, 1, 3]))], (a) => a.squeeze(1)),
  c('expand', 'expand', [g(f32([1, 4, 1]))], (a) => a.expand([3, 4, -1])),
  c('contiguous', 'contiguous', [g(f32([3, 4]))], (a) => a.t().contiguous()),
  c('clone', 'clone', [g(f32([3]))], (a) => a.clone()),
  c('clone bool', 'clone', [bools([3])], (a) => a.clone()),
  c('detach', 'detach', [g(f32([3]))], (a) => a.detach()),
];

const reductions: Named[] = [
  c('sum', 'sum', [g(f32([3, 4]))], (a) => a.sum()),
  c('sum int64', 'sum', [ints([3, 4])], (a) => a.sum()),
  c('sum bool gives int64', 'sum', [bools([7])], (a) => a.sum()),
  c('sum uint8 gives int64', 'sum', [ints([7], 'uint8', 0, 200)], (a) => a.sum()),
  c('sum 0-size', 'sum', [f32([0, 3])], (a) => a.sum()),
  c('sum 0-dim', 'sum', [g(f32([]))], (a) => a.sum()),
  c('sum dim', 'sum_dim', [g(f32([3, 4]))], (a) => a.sum(1)),
  c('sum dims keepdim', 'sum_dims_keepdim', [g(f32([2, 3, 4]))], (a) => a.sum({ dim: [0, 2], keepdim: true })),
  c('sum dtype', 'sum_dtype', [g(f32([5]))], (a) => a.sum({ dtype: 'float64' })),
  c('mean', 'mean', [g(f32([3, 4]))], (a) => a.mean()),
  c('mean dim keepdim', 'mean_dim', [g(f32([3, 4]))], (a) => a.mean({ dim: -1, keepdim: true })),
  c('mean dim (positional)', 'mean_dim', [g(f32([3, 4]))], (a) => a.mean(-1, { keepdim: true })),
  c('mean dims', 'mean_dims', [g(f32([2, 3, 4]))], (a) => a.mean([0, 2])),
  c('sum negative dim', 'sum_negative_dim', [g(f32([2, 3, 4]))], (a) => a.sum(-2)),
  c('std', 'std', [g(f32([3, 4]))], (a) => a.std()),
  c('std dim biased', 'std_dim', [g(f32([3, 4]))], (a) => a.std({ dim: 1, unbiased: false, keepdim: true })),
  c('var', 'var', [g(f32([3, 4]))], (a) => a.var()),
  c('var dim', 'var_dim', [g(f32([3, 4]))], (a) => a.var(0)),
  c('max', 'max', [g(f32([3, 4]))], (a) => a.max()),
  c('max int64', 'max', [ints([3, 4])], (a) => a.max()),
  c('max dim', 'max_dim', [g(f32([3, 4]))], (a) => {
    const { values, indices } = a.max({ dim: 1 });
    return [values, indices];
  }),
  c('max dim keepdim (destructured)', 'max_dim_keepdim', [g(f32([3, 4]))], (a) => {
    const [values, indices] = a.max(1, { keepdim: true });
    return [values, indices];
  }),
  c('max other', 'max_other', [g(f32([3, 4])), g(f32([4]))], (a, b) => a.max(b)),
  c('torch.max function form', 'max_dim', [f32([3, 4])], (a) => torch.max(a, 1)),
  c('min', 'min', [g(f32([3, 4]))], (a) => a.min()),
  c('min dim', 'min_dim', [g(f32([3, 4]))], (a) => a.min({ dim: 0 })),
  c('argmax', 'argmax', [f32([3, 4])], (a) => a.argmax()),
  c('argmax dim', 'argmax_dim', [f32([3, 4])], (a) => a.argmax({ dim: 1 })),
  c('argmax dim int64', 'argmax_dim', [ints([3, 4])], (a) => a.argmax(1)),
  c('argmin dim keepdim', 'argmin_dim', [f32([3, 4])], (a) => a.argmin({ dim: 0, keepdim: true })),
  c('softmax', 'softmax', [g(f32([3, 5]))], (a) => a.softmax(1)),
  c('softmax float64', 'softmax', [g(f64([2, 3]))], (a) => a.softmax(1)),
  c('softmax through torch.ops.aten (generic path)', 'softmax', [g(f32([3, 5]))], (a) => torch.ops.aten.softmax(a, 1)),
  c('sum through torch.ops.aten (generic path)', 'sum', [g(f32([3, 4]))], (a) => torch.ops.aten.sum(a)),
  c('logSoftmax', 'log_softmax', [g(f32([3, 5]))], (a) => a.logSoftmax(-1)),
  c('topk', 'topk', [g(f32([3, 5]))], (a) => a.topk(2, { dim: 1 })),
  c('norm', 'norm', [g(f32([3, 4]))], (a) => a.norm()),
  c('norm p=1 dim', 'norm_dim', [g(f32([3, 4]))], (a) => a.norm(1, { dim: 1, keepdim: true })),
];

const selection: Named[] = [
  c('clamp', 'clamp', [g(f32([3, 4]))], (a) => a.clamp(-0.5, 0.5)),
  c('clamp min only', 'clamp_min', [g(f32([3, 4]))], (a) => a.clamp({ min: 0.1 })),
  c('clamp tensors', 'clamp_tensor', [g(f32([3, 4])), f32([4]).sub(1), f32([3, 1]).add(1)], (a, lo, hi) => a.clamp(lo, hi)),
  c('eq int64', 'eq', [ints([10], 'int64', 0, 3), ints([10], 'int64', 0, 3)], (a, b) => a.eq(b)),
  c('eq scalar', 'eq_scalar', [ints([10], 'int64', 0, 4)], (a) => a.eq(2)),
  c('eq float broadcast', 'eq', [f32([2, 1]).round(), f32([3]).round()], (a, b) => a.eq(b)),
  c('gt broadcast', 'gt', [f32([3, 1]), f32([4])], (a, b) => a.gt(b)),
  c('lt scalar', 'lt_scalar', [f32([6])], (a) => a.lt(0)),
  c('ge int32', 'ge', [ints([6], 'int32'), ints([6], 'int32')], (a, b) => a.ge(b)),
  c('le scalar int32', 'le_scalar', [ints([6], 'int32')], (a) => a.le(1)),
  c('torch.where', 'where', [bools([3, 4]), g(f32([3, 4])), g(f32([4]))], (cond, a, b) => torch.where(cond, a, b)),
  c('torch.where scalar', 'where_scalar', [bools([5]), g(f32([5]))], (cond, a) => torch.where(cond, a, 0.5)),
  c('Tensor.where', 'method_where', [g(f32([4])), bools([4]), g(f32([4]))], (a, cond, b) => a.where(cond, b)),
  c('maskedFill', 'masked_fill', [g(f32([3, 4])), bools([4])], (a, m) => a.maskedFill(m, -1)),
  c('index number', 'index', [g(f32([4, 5, 6])), [1]], (a, spec) => a.index(...spec)),
  c('index slices', 'index', [g(f32([4, 5, 6])), [':', '1:3']], (a, spec) => a.index(...spec)),
  c('index ellipsis', 'index', [f32([4, 5, 6]), ['...', 0]], (a, spec) => a.index(...spec)),
  c('index None and negative', 'index', [f32([4, 5, 6]), [null, ':', -1]], (a, spec) => a.index(...spec)),
  c('index steps', 'index', [f32([4, 5, 6]), ['::2', '1:', '-3:']], (a, spec) => a.index(...spec)),
  c('index slice()', 'index', [f32([4, 5, 6]), [':', '1:4:2']], (a) => a.index(':', torch.slice(1, 4, 2))),
  c('index int64 tensor', 'index', [g(f32([4, 5])), [ints([3], 'int64', 0, 4)]], (a, spec) => a.index(...spec)),
  c('index integer array', 'index', [f32([4, 5]), [':', [0, 2, 2]]], (a, spec) => a.index(...spec)),
  c('index bool mask over 2 dims', 'index', [g(f32([4, 5, 2])), [bools([4, 5])]], (a, spec) => a.index(...spec)),
  c('index mask then slice', 'index', [f32([4, 5, 2]), [bools([4, 5]), ':']], (a, spec) => a.index(...spec)),
  c('index tensor, number, tensor', 'index', [f32([4, 4, 4]), [ints([2], 'int64', 0, 4), 1, ints([2], 'int64', 0, 4)]], (a, spec) => a.index(...spec)),
  c('index split advanced', 'index', [f32([3, 4, 5]), [ints([2], 'int64', 0, 3), ':', ints([2], 'int64', 0, 5)]], (a, spec) => a.index(...spec)),
  c('indexPut_ slice with number', 'index_put', [f32([4, 5]), ['1:3', ':'], 5], (a, spec, v) => a.clone().indexPut_(spec, v)),
  c('indexPut_ mask with tensor', 'index_put', [f32([4, 5]), [bools([4, 5])], f32([])], (a, spec, v) => a.clone().indexPut_(spec, v)),
  c('indexPut_ rows', 'index_put', [f32([4, 3]), [ints([2], 'int64', 0, 4)], f32([3])], (a, spec, v) => a.clone().indexPut_(spec, v)),
  c('indexSelect', 'index_select', [g(f32([3, 5])), ints([4], 'int64', 0, 5)], (a, i) => a.indexSelect(1, i)),
  c('gather', 'gather', [g(f32([3, 5])), ints([3, 2], 'int64', 0, 5)], (a, i) => a.gather(1, i)),
  c('narrow', 'narrow', [g(f32([3, 5]))], (a) => a.narrow(1, 1, 2)),
  c('chunk', 'chunk', [g(f32([2, 7]))], (a) => a.chunk(3, 1)),
  c('split', 'split', [g(f32([5, 2]))], (a) => a.split(2)),
  c('split sizes', 'split_sizes', [g(f32([2, 4]))], (a) => a.split([1, 3], 1)),
  c('flip', 'flip', [g(f32([3, 4]))], (a) => a.flip([0, 1])),
  c('roll', 'roll', [g(f32([3, 4]))], (a) => a.roll(1, 0)),
  c('roll flattened', 'roll_flat', [ints([3, 4])], (a) => a.roll(2)),
  c('torch.cat', 'cat', [g(f32([2, 3])), g(f32([1, 3]))], (a, b) => torch.cat([a, b], 0)),
  c('torch.cat with 0-size', 'cat', [f32([0, 3]), f32([2, 3])], (a, b) => torch.cat([a, b])),
  c('torch.cat dim 1 int64', 'cat_dim', [ints([2, 1]), ints([2, 3])], (a, b) => torch.cat([a, b], 1)),
  c('torch.stack', 'stack', [g(f32([2, 3])), g(f32([2, 3]))], (a, b) => torch.stack([a, b], 1)),
  c('torch.einsum', 'einsum', [g(f32([3, 4])), g(f32([4, 6]))], (a, b) => torch.einsum('nc,ck->nk', a, b)),
  c('torch.einsum batched', 'einsum_batch', [g(f32([2, 3, 4])), g(f32([2, 4, 2]))], (a, b) => torch.einsum('bij,bjk->bik', [a, b])),
];

const inPlaceOps: Named[] = [
  c('add_ alpha', 'add_', [f32([3, 4]), f32([4])], inPlace((t, b: Tensor) => t.add_(b, { alpha: 2 }))),
  c('sub_', 'sub_', [f32([3, 4]), f32([3, 1])], inPlace((t, b: Tensor) => t.sub_(b))),
  c('mul_', 'mul_', [ints([3, 4]), ints([4])], inPlace((t, b: Tensor) => t.mul_(b))),
  c('div_', 'div_', [f32([3, 4]), positive([4])], inPlace((t, b: Tensor) => t.div_(b))),
  c('mul_ scalar', 'mul_scalar_', [f32([5])], inPlace((t) => t.mul_(0.5))),
  c('add_ int scalar to int64', 'add_int_scalar_', [ints([4])], inPlace((t) => t.add_(3))),
  c('sub_ scalar with alpha', 'sub_scalar_alpha_', [f32([4])], inPlace((t) => t.sub_(1.5, { alpha: 2 }))),
  c('div_ scalar', 'div_scalar_', [f32([4])], inPlace((t) => t.div_(4))),
  c('add_ int tensor with int alpha', 'add_int_alpha_', [ints([3, 2]), ints([2])], inPlace((t, b: Tensor) => t.add_(b, { alpha: 3 }))),
  c('copy_ converts dtype', 'copy_', [f32([2, 3]), ints([3])], inPlace((t, src: Tensor) => t.copy_(src))),
  c('zero_', 'zero_', [f32([2, 3])], inPlace((t) => t.zero_())),
  c('fill_', 'fill_', [ints([4], 'int32')], inPlace((t) => t.fill_(7))),
  c('lerp_ tensor weight', 'lerp_', [f32([4]), f32([4]), torch.rand([4])], inPlace((t, end: Tensor, w: Tensor) => t.lerp_(end, w))),
  c('lerp_ scalar weight', 'lerp_scalar_', [f32([4]), f32([4])], inPlace((t, end: Tensor) => t.lerp_(end, 0.25))),
  c('clamp_', 'clamp_', [f32([8])], inPlace((t) => t.clamp_(-0.2, 0.3))),
  c('normal_ seeded', 'normal_', [torch.zeros([50])], inPlace((t) => t.normal_(1, 2)), { seed: 7 }),
  c('uniform_ seeded', 'uniform_', [torch.zeros([50], { dtype: 'float64' })], inPlace((t) => t.uniform_(-1, 3)), { seed: 8 }),
];

const moving: Named[] = [
  c('to float64', 'to_float64', [f32([3])], (a) => a.to('float64')),
  c('to { dtype: int32 }', 'to_int32', [f32([5]).mul(10)], (a) => a.to({ dtype: 'int32' })),
  c('to cpu', 'to_cpu', [g(f32([3]))], (a) => a.to('cpu')),
  c('cpu()', 'cpu', [ints([3])], (a) => a.cpu()),
  c('float()', 'float', [ints([3])], (a) => a.float()),
  c('float() of float32 keeps grad_fn-less identity', 'float', [g(f32([3]))], (a) => a.float()),
  c('long() truncates', 'long', [f32([6]).mul(5)], (a) => a.long()),
  c('to bfloat16', 'to_bfloat16', [g(f32([6]))], (a) => a.to('bfloat16')),
  c('half()', 'to_float16', [f32([6])], (a) => a.half()),
];

const factories: Named[] = [
  c('zeros', 'zeros', [], () => torch.zeros([2, 3])),
  c('ones int32', 'ones_int', [], () => torch.ones([3], { dtype: 'int32' })),
  c('full float', 'full', [], () => torch.full([2, 2], 1.5)),
  c('full int infers int64', 'full_int', [], () => torch.full([3], 7)),
  c('arange', 'arange', [], () => torch.arange(5)),
  c('arange float step', 'arange_float', [], () => torch.arange(0, 1, 0.25)),
  c('linspace', 'linspace', [], () => torch.linspace(-1, 1, 7)),
  c('eye', 'eye', [], () => torch.eye(3, 4)),
  c('zerosLike', 'zeros_like', [ints([2, 2])], (a) => torch.zerosLike(a)),
  c('onesLike dtype', 'ones_like', [f32([2, 2])], (a) => torch.onesLike(a, { dtype: 'float64' })),
  c('tensor nested ints', 'tensor_nested', [], () => torch.tensor([[1, 2], [3, 4]])),
  c('tensor floats', 'tensor_float', [], () => torch.tensor([1.5, 2, 3])),
  c('tensor bools', 'tensor_bool', [], () => torch.tensor([true, false])),
  c('tensor scalar', 'tensor_scalar', [], () => torch.tensor(3.25)),
  c('randn seeded', 'randn', [], () => torch.randn([5, 7]), { seed: 0 }),
  c('rand seeded', 'rand', [], () => torch.rand([40]), { seed: 1 }),
  c('randint seeded', 'randint', [], () => torch.randint(3, 10, [4, 5]), { seed: 2 }),
  c('randnLike seeded', 'randn_like', [f64([3, 3])], (a) => torch.randnLike(a), { seed: 3 }),
  c('randn twice seeded', 'randn_after_randn', [], () => [torch.randn([3]), torch.randn([2, 2])], { seed: 123456789 }),
];

const groups: [string, Named[]][] = [
  ['arithmetic', arithmetic],
  ['shapes', shapes],
  ['reductions', reductions],
  ['selection and indexing', selection],
  ['in place', inPlaceOps],
  ['moving and converting', moving],
  ['factories and seeds', factories],
];

const outcome = describeParity(groups);

test('the cases really compare gradients and grad_fn on both paths', () => {
  const pairs: [string, string, string][] = [
    ['add broadcast f32 (fast path)', 'add alpha (generic path)', 'AddBackward0'],
    ['relu', 'relu through torch.ops.aten (generic path)', 'ReluBackward0'],
    ['exp', 'exp through torch.ops.aten (generic path)', 'ExpBackward0'],
    ['softmax', 'softmax through torch.ops.aten (generic path)', 'SoftmaxBackward0'],
    ['sum', 'sum through torch.ops.aten (generic path)', 'SumBackward0'],
  ];
  for (const [fast, generic, gradFn] of pairs) {
    for (const name of [fast, generic]) {
      const { js } = outcome(name);
      expect(js.gradFns).toEqual([gradFn]);
      expect(js.grads!.length).toBeGreaterThan(0);
      expect(js.grads!.every((gr) => gr !== null)).toBe(true);
    }
  }
});
