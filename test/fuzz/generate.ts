// The fuzz suite's calls: call `i` of seed `s` is always the same call, so a child process can
// run any range of them and a crash can be re-run alone. Each call takes one entry point of the
// public API, fills its argument slots with valid values, then replaces some with bad or edge
// values; a slot's kind says whether the replacement must be refused ('invalid') or may go either
// way ('edge': NaN, -0, empty tensors, out-of-range dims, which LibTorch judges).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../../src';
import { F, Tensor } from '../../src';

export type Expect = 'error' | 'any';

export interface Call {
  label: string;
  /** Words of which an error's message must contain one: the function's and the argument's names. */
  names: string[];
  expect: Expect;
  run: () => unknown;
}

// mulberry32: small, seedable, and the same on every platform.
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)];

// ---- values -------------------------------------------------------------------------------------

const disposed = (): Tensor => {
  const t = torch.ones([2, 3]);
  t.dispose();
  return t;
};

// Values wrong for every slot kind but their own: [description, make].
const WRONG_TYPES: [string, () => unknown][] = [
  ['null', () => null],
  ['undefined', () => undefined],
  ["'x'", () => 'x'],
  ["'3'", () => '3'],
  ["''", () => ''],
  ['{}', () => ({})],
  ['{ length: 2 }', () => ({ length: 2 })],
  ['3n', () => 3n],
  ['Symbol()', () => Symbol('s')],
  ['() => 1', () => () => 1],
  ['true', () => true],
  ['new Float32Array(2)', () => new Float32Array(2)],
  ['[[1, 2], [3]]', () => [[1, 2], [3]]],
  ['[1, "a"]', () => [1, 'a']],
  ['[null]', () => [null]],
  ['new Date(0)', () => new Date(0)],
  ['Object.create(null)', () => Object.create(null)],
];

// Numbers no integer slot may take.
const BAD_INTS: [string, () => unknown][] = [
  ['NaN', () => NaN],
  ['Infinity', () => Infinity],
  ['-Infinity', () => -Infinity],
  ['0.5', () => 0.5],
  ['-2.5', () => -2.5],
  ['1e300', () => 1e300],
];

const EDGE_INTS: [string, () => unknown][] = [
  ['0', () => 0],
  ['-0', () => -0],
  ['-1', () => -1],
  ['7', () => 7],
  ['-7', () => -7],
  ['2 ** 53', () => 2 ** 53],
];

const EDGE_NUMBERS: [string, () => unknown][] = [
  ['NaN', () => NaN],
  ['Infinity', () => Infinity],
  ['-Infinity', () => -Infinity],
  ['-0', () => -0],
  ['-1', () => -1],
  ['1e300', () => 1e300],
  ['0', () => 0],
];

const EDGE_TENSORS: [string, () => unknown][] = [
  ['zeros([0])', () => torch.zeros([0])],
  ['zeros([2, 0])', () => torch.zeros([2, 0])],
  ['tensor(5)', () => torch.tensor(5)],
  ['tensor([1, 2], int64)', () => torch.tensor([1, 2])],
  ['tensor([true], bool)', () => torch.tensor([true])],
  ['randn([3, 2], float64)', () => torch.randn([3, 2], { dtype: 'float64' })],
  ['tensor([NaN, Infinity, -0])', () => torch.tensor([NaN, Infinity, -0])],
  ['randn([2, 3]).t()', () => torch.randn([2, 3]).t()],
  ['randn([1, 3, 4, 4])', () => torch.randn([1, 3, 4, 4])],
];

const INVALID_TENSORS: [string, () => unknown][] = [['disposed', disposed], ['[1, 2]', () => [1, 2]], ['3', () => 3], ...WRONG_TYPES];

const BAD_SHAPES: [string, () => unknown][] = [
  ['[-1]', () => [-1]],
  ['[2, -3]', () => [2, -3]],
  ['[1.5]', () => [1.5]],
  ['[NaN]', () => [NaN]],
  ['[Infinity]', () => [Infinity]],
  ['[2 ** 53]', () => [2 ** 53]],
  ['[2 ** 40, 2 ** 40]', () => [2 ** 40, 2 ** 40]],
  ['[1e300]', () => [1e300]],
  ["['2']", () => ['2']],
  ['[[2]]', () => [[2]]],
  ['[2n]', () => [2n]],
];

const EDGE_SHAPES: [string, () => unknown][] = [
  ['[]', () => []],
  ['[0]', () => [0]],
  ['[3, 0, 2]', () => [3, 0, 2]],
  ['[1, 1, 1, 1, 1]', () => [1, 1, 1, 1, 1]],
];

const BAD_DTYPES: [string, () => unknown][] = [
  ["'float8'", () => 'float8'],
  ["'Float32'", () => 'Float32'],
  ["'complex64'", () => 'complex64'],
  ["'int'", () => 'int'],
  ['Float32Array', () => Float32Array],
];

const BAD_DEVICES: [string, () => unknown][] = [
  ["'tpu'", () => 'tpu'],
  ["'cuda:x'", () => 'cuda:x'],
  ["'cpu:-1'", () => 'cpu:-1'],
  ["'CPU'", () => 'CPU'],
  ["'cuda:1.5'", () => 'cuda:1.5'],
];

// ---- slots ------------------------------------------------------------------------------------

/** What an argument must be: how to make a valid one, and the replacements with their verdict. */
interface Slot {
  name: string;
  valid: () => unknown;
  invalid: [string, () => unknown][];
  edge: [string, () => unknown][];
  /** Whether to leave the slot out of mutation (a fixed receiver, say). */
  fixed?: boolean;
}

const without = (values: [string, () => unknown][], ...drop: string[]) => values.filter(([d]) => !drop.includes(d));

// An option's value of null or undefined means "not given" (the default, or Python's None).
const NOT_GIVEN: [string, () => unknown][] = [['null', () => null], ['undefined', () => undefined]];
const optionValue = (s: Slot): Slot => ({ ...s, invalid: without(s.invalid, 'null', 'undefined'), edge: [...s.edge, ...NOT_GIVEN] });
// Where a number or an options object is taken (`new Dropout(0.5)`, `new Dropout({ p })`), empty objects are options.
const EMPTY_OPTIONS: [string, () => unknown][] = [['{}', () => ({})], ['Object.create(null)', () => Object.create(null)], ['{ length: 2 }', () => ({ length: 2 })]];
const orOptions = (s: Slot): Slot => ({ ...s, invalid: without(s.invalid, ...EMPTY_OPTIONS.map(([d]) => d)), edge: [...s.edge, ...EMPTY_OPTIONS] });

const slot = {
  tensor: (name = 'self', make = () => torch.randn([2, 3])): Slot => ({ name, valid: make, invalid: INVALID_TENSORS, edge: EDGE_TENSORS }),
  tensorLike: (name = 'other'): Slot => ({ name, valid: () => torch.randn([2, 3]), invalid: without(INVALID_TENSORS, '3', 'true'), edge: [...EDGE_TENSORS, ...EDGE_NUMBERS, ['true', () => true]] }),
  // (An empty object is the options object of the methods that take `(dim)` or `(options)`.)
  dim: (name = 'dim', make = () => 1): Slot => optionValue({ name, valid: make, invalid: [...BAD_INTS, ...without(WRONG_TYPES, 'undefined', 'true', '{}', 'Object.create(null)', '{ length: 2 }')], edge: [...EDGE_INTS, ['{}', () => ({})], ['Object.create(null)', () => Object.create(null)], ['{ length: 2 }', () => ({ length: 2 })]] }),
  // Sizes and counts: non-negative integers.
  size: (name: string, make = () => 2): Slot => ({ name, valid: make, invalid: [...BAD_INTS, ['-1', () => -1], ['-7', () => -7], ...without(WRONG_TYPES, 'undefined')], edge: [['0', () => 0], ['1', () => 1], ['2 ** 53', () => 2 ** 53]] }),
  number: (name: string, make = () => 0.5): Slot => optionValue({ name, valid: make, invalid: without(WRONG_TYPES, 'undefined', 'true'), edge: EDGE_NUMBERS }),
  // A hyper-parameter: a finite number in a range, anything else refused.
  hyper: (name: string, make: () => number, bad: number[]): Slot =>
    optionValue({
      name,
      valid: make,
      invalid: [...without(WRONG_TYPES, 'undefined'), ['NaN', () => NaN], ['Infinity', () => Infinity], ...bad.map((b): [string, () => unknown] => [String(b), () => b])],
      edge: [],
    }),
  shape: (name = 'size', make = () => [2, 3]): Slot => ({ name, valid: make, invalid: [...BAD_SHAPES, ...without(WRONG_TYPES, '[null]', '[[1, 2], [3]]', '[1, "a"]', 'undefined')], edge: EDGE_SHAPES }),
  dims: (name = 'dims', make = () => [1, 0]): Slot => ({ name, valid: make, invalid: [['[0.5]', () => [0.5]], ["['0']", () => ['0']], ['[NaN]', () => [NaN]], ...without(WRONG_TYPES, 'undefined', '[[1, 2], [3]]', '{ length: 2 }', 'true')], edge: [['[]', () => []], ['[0, 0]', () => [0, 0]], ['[5]', () => [5]], ['[-1]', () => [-1]]] }),
  bool: (name: string): Slot => optionValue({ name, valid: () => true, invalid: without(WRONG_TYPES, 'undefined', 'true'), edge: [] }),
  dtype: (name = 'dtype', make = () => 'float64'): Slot => optionValue({ name, valid: make, invalid: [...BAD_DTYPES, ...without(WRONG_TYPES, 'undefined')], edge: [["'bool'", () => 'bool'], ["'float16'", () => 'float16']] }),
  device: (name = 'device'): Slot => optionValue({ name, valid: () => 'cpu', invalid: [...BAD_DEVICES, ...without(WRONG_TYPES, 'undefined')], edge: [["'cuda'", () => 'cuda'], ["'cuda:0'", () => 'cuda:0']] }),
  choice: (name: string, choices: string[]): Slot => optionValue({ name, valid: () => choices[0], invalid: [["'nope'", () => 'nope'], ...without(WRONG_TYPES, 'undefined')], edge: [] }),
  fixed: (name: string, make: () => unknown): Slot => ({ name, valid: make, invalid: [], edge: [], fixed: true }),
  any: (name: string, make: () => unknown): Slot => ({ name, valid: make, invalid: [], edge: [...WRONG_TYPES, ...BAD_INTS] }),
};

/** One entry point: its name(s), its slots, and how the filled slots are called. */
interface Target {
  label: string;
  names: string[];
  slots: Slot[];
  call: (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** How the label shows the arguments, when not as `label(a, b)`. */
  show?: (args: string[]) => string;
}

const targets: Target[] = [];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function target(label: string, names: string[], slots: Slot[], call: (...args: any[]) => unknown, show?: (args: string[]) => string): void {
  targets.push({ label, names: [label, ...names], slots, call, show });
}
const method = (args: string[]) => `${args[0]}.`;

// The receiver of a method: a Tensor, disposed or of an edge shape or dtype (a method called on a
// string is JavaScript's error, not the library's).
const receiver = (make = () => torch.randn([2, 3])): Slot => ({ name: 'self', valid: make, invalid: [['disposed', disposed]], edge: EDGE_TENSORS });

// Tensor methods: `x.NAME(...)`, x a valid tensor unless mutated.
function tensorMethod(name: string, aten: string[], slots: Slot[], self: Slot = receiver()): void {
  // A disposed receiver's properties raise the addon's "tensor has been disposed" (its wording fixed by test/errors.test.ts).
  target(name, [...aten, 'disposed'], [self, ...slots], (x: any, ...args: unknown[]) => x[name](...args), (a) => `${method(a)}${name}(${a.slice(1).join(', ')})`); // eslint-disable-line @typescript-eslint/no-explicit-any
}

for (const name of ['add', 'sub', 'mul', 'div', 'pow', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'remainder', 'add_', 'sub_', 'mul_', 'div_', 'copy_', 'fill_']) {
  tensorMethod(name, [name.replace(/_$/, '')], [name === 'copy_' ? slot.tensor('src') : slot.tensorLike()]);
}
for (const name of ['matmul', 'mm', 'bmm', 'logicalAnd', 'logicalOr', 'expandAs', 'viewAs']) tensorMethod(name, [name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)], [slot.tensor('other')]);
for (const name of ['neg', 'exp', 'log', 'sqrt', 'abs', 'sigmoid', 'tanh', 'relu', 'floor', 'round', 'sign', 't', 'contiguous', 'clone', 'detach', 'item', 'toArray', 'dataSync', 'toString', 'numel', 'isContiguous', 'float', 'long', 'bool', 'cpu', 'zero_', 'logicalNot']) {
  tensorMethod(name, [name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), 'disposed', 'item', 'Tensor'], []);
}
for (const name of ['sum', 'mean', 'prod', 'std', 'var', 'argmax', 'argmin', 'all', 'any', 'softmax', 'logSoftmax', 'unsqueeze', 'squeeze', 'cumsum', 'unbind']) {
  tensorMethod(name, [name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), 'dim'], [slot.dim()]);
}
tensorMethod('sum', ['dim', 'keepdim', 'dtype'], [slot.dim(), { ...slot.bool('keepdim'), valid: () => ({ keepdim: true }), invalid: [["{ keepdim: 'yes' }", () => ({ keepdim: 'yes' })], ['{ dtype: "float8" }', () => ({ dtype: 'float8' })], ...without(WRONG_TYPES, 'undefined', '{}', '{ length: 2 }', 'Object.create(null)', 'new Date(0)', 'new Float32Array(2)', '() => 1')] }]);
tensorMethod('max', ['max', 'dim'], [slot.dim()]);
tensorMethod('min', ['min', 'dim'], [slot.dim()]);
tensorMethod('transpose', ['transpose', 'dim'], [slot.dim('dim0', () => 0), slot.dim('dim1', () => 1)]);
tensorMethod('select', ['select', 'dim', 'index'], [slot.dim('dim', () => 0), slot.dim('index', () => 1)]);
tensorMethod('narrow', ['narrow', 'dim', 'start', 'length'], [slot.dim('dim', () => 1), slot.dim('start', () => 0), slot.size('length', () => 2)]);
tensorMethod('flatten', ['flatten', 'dim'], [slot.dim('startDim', () => 0), slot.dim('endDim', () => -1)]);
tensorMethod('chunk', ['chunk', 'chunks', 'dim'], [slot.size('chunks', () => 2), slot.dim('dim', () => 1)]);
tensorMethod('split', ['split', 'splitSize', 'split_size', 'dim'], [slot.size('splitSize', () => 2), slot.dim('dim', () => 1)]);
tensorMethod('topk', ['topk', 'k'], [slot.size('k', () => 2)]);
// -1 is a size these infer (or, for expand, keep).
const inferable = (s: Slot): Slot => ({ ...s, invalid: without(s.invalid, '[-1]'), edge: [...s.edge, ['[-1]', () => [-1]]] });
tensorMethod('reshape', ['reshape', 'shape', 'size'], [inferable(slot.shape('shape', () => [3, 2]))]);
tensorMethod('view', ['view', 'shape', 'size'], [inferable(slot.shape('shape', () => [6]))]);
tensorMethod('expand', ['expand', 'size'], [inferable(slot.shape('size', () => [4, 2, 3]))]);
// Repeating an empty tensor any number of times is empty, so huge counts may pass.
tensorMethod('repeat', ['repeat', 'repeats'], [{ ...slot.shape('repeats', () => [2, 1]), invalid: without(slot.shape().invalid, '[2 ** 40, 2 ** 40]'), edge: [...EDGE_SHAPES, ['[2 ** 40, 2 ** 40]', () => [2 ** 40, 2 ** 40]]] }]);
tensorMethod('permute', ['permute', 'dims'], [slot.dims()]);
tensorMethod('flip', ['flip', 'dims'], [slot.dims('dims', () => [0])]);
tensorMethod('roll', ['roll', 'shifts', 'dims'], [slot.dims('shifts', () => [1]), slot.dims('dims', () => [0])]);
tensorMethod('to', ['to', 'dtype', 'device'], [{ ...slot.dtype(), invalid: without(slot.dtype().invalid, '{}', 'Object.create(null)', '{ length: 2 }') }]);
tensorMethod('to', ['to', 'dtype', 'device'], [{ ...slot.device(), invalid: without(slot.device().invalid, '{}', 'Object.create(null)', '{ length: 2 }') }]);
tensorMethod('clamp', ['clamp', 'min', 'max'], [optionValue(slot.tensorLike('min')), optionValue(slot.tensorLike('max'))]);
tensorMethod('lerp_', ['lerp', 'end', 'weight'], [slot.tensor('end'), slot.tensorLike('weight')]);
tensorMethod('maskedFill', ['masked_fill', 'mask', 'value'], [slot.tensor('mask', () => torch.tensor([[true, false, true], [false, true, false]])), slot.tensorLike('value')]);
tensorMethod('where', ['where', 'condition', 'other'], [slot.tensor('condition', () => torch.tensor([[true, false, true], [false, true, false]])), slot.tensorLike('other')]);
tensorMethod('indexSelect', ['index_select', 'dim', 'index'], [slot.dim('dim', () => 1), slot.tensor('index', () => torch.tensor([0, 2]))]);
tensorMethod('gather', ['gather', 'dim', 'index'], [slot.dim('dim', () => 1), slot.tensor('index', () => torch.tensor([[0], [1]]))]);
tensorMethod('index', ['index', 'select', 'slice', 'indices'], [slot.any('i0', () => 0), slot.any('i1', () => '1:')]);
tensorMethod('index', ['index', 'select', 'slice', 'indices'], [{ ...slot.dim('i0', () => 1), invalid: [['{}', () => ({})], ['3n', () => 3n], ['Symbol()', () => Symbol('s')], ["'a:b'", () => 'a:b'], ["'1:2:3:4'", () => '1:2:3:4'], ['[0.5]', () => [0.5]], ['true', () => true]] }]);
tensorMethod('indexPut_', ['index', 'indexPut_', 'index_put', 'fill_', 'copy_', 'select', 'slice', 'value', 'indices'], [{ ...slot.any('indices', () => [0]), invalid: [["'x'", () => 'x'], ['3', () => 3], ['null', () => null]] }, slot.tensorLike('value')]);
tensorMethod('backward', ['backward', 'gradient', 'grad'], [{ ...optionValue(slot.tensor('gradient', () => torch.ones([]))), invalid: without(slot.tensor().invalid, 'null', 'undefined') }], receiver(() => torch.randn([3], { requiresGrad: true }).sum()));
tensorMethod('requiresGrad_', ['requiresGrad', 'requires_grad', 'flag'], [slot.bool('flag')]);
tensorMethod('size', ['size', 'dim'], [slot.dim('dim', () => 0)]);
tensorMethod('normal_', ['normal', 'mean', 'std'], [slot.number('mean', () => 0), slot.number('std', () => 1)]);

// Factories.
const opts = (extra: Slot[] = []) => [{ ...slot.dtype('dtype', () => 'float32'), name: 'dtype' }, slot.device(), ...extra];
for (const name of ['zeros', 'ones', 'empty', 'randn', 'rand'] as const) {
  target(name, ['size', 'dtype', 'device'], [slot.shape(), ...opts()], (size, dtype, device) => torch[name](size, { dtype, device }));
  target(name, ['options'], [slot.shape(), { ...slot.bool('options'), valid: () => ({}), invalid: [["'float32'", () => 'float32'], ['3', () => 3], ['null', () => null]] }], (size, o) => torch[name](size, o));
}
target('full', ['size', 'fill_value', 'value', 'dtype', 'device'], [slot.shape(), slot.number('value', () => 1.5), ...opts()], (size, value, dtype, device) => torch.full(size, value, { dtype, device }));
target('randint', ['low', 'high', 'size', 'dtype', 'device'], [slot.dim('low', () => 0), slot.dim('high', () => 5), slot.shape()], (low, high, size) => torch.randint(low, high, size));
target('arange', ['start', 'end', 'step'], [slot.number('start', () => 0), orOptions(slot.number('end', () => 5)), orOptions(slot.number('step', () => 1))], (a, b, c) => torch.arange(a, b, c));
target('linspace', ['start', 'end', 'steps'], [slot.number('start', () => 0), slot.number('end', () => 1), slot.size('steps', () => 5)], (a, b, c) => torch.linspace(a, b, c));
target('eye', ['n', 'm'], [slot.size('n', () => 3), orOptions(optionValue(slot.size('m', () => 2)))], (n, m) => torch.eye(n, m));
target('tensor', ['data', 'dtype', 'device', 'depth', 'ragged', 'TypedArray', 'shape', 'bytes'], [{ ...slot.any('data', () => [[1, 2], [3, 4]]), invalid: [['[[1, 2], [3]]', () => [[1, 2], [3]]], ["['a']", () => ['a']], ['[1n]', () => [1n]], ['[Symbol()]', () => [Symbol('s')]], ['[{}]', () => [{}]], ['null', () => null], ["'12'", () => '12'], ['{}', () => ({})], ['[[1], 2]', () => [[1], 2]], ['[1, [2]]', () => [1, [2]]]], edge: [['[]', () => []], ['[[]]', () => [[]]], ['NaN', () => NaN], ['-0', () => -0], ['[1e300]', () => [1e300]], ['[true, 1]', () => [true, 1]]] }, ...opts()], (data, dtype, device) => torch.tensor(data, { dtype, device }));
target('tensor', ['data', 'shape', 'bytes', 'TypedArray'], [slot.fixed('data', () => new Float32Array(6)), slot.shape('shape', () => [2, 3])], (data, shape) => torch.tensor(data, { shape }));
target('tensor', ['data', 'TypedArray', 'dtype', 'unsupported'], [{ ...slot.any('data', () => new Int32Array(4)), invalid: [['new Uint16Array(2)', () => new Uint16Array(2)], ['new DataView(new ArrayBuffer(4))', () => new DataView(new ArrayBuffer(4))], ['new Uint8ClampedArray(2)', () => new Uint8ClampedArray(2)], ['new BigUint64Array(2)', () => new BigUint64Array(2)]] }, ...opts()], (data, dtype, device) => torch.tensor(data, { dtype, device }));
for (const name of ['zerosLike', 'onesLike', 'randnLike'] as const) target(name, ['zeros_like', 'ones_like', 'randn_like', 'self', 'input', 'dtype', 'device'], [slot.tensor(), ...opts()], (t, dtype, device) => torch[name](t, { dtype, device }));
for (const name of ['cat', 'stack'] as const) {
  target(name, ['tensors', 'dim'], [{ ...slot.any('tensors', () => [torch.ones([2, 3]), torch.zeros([2, 3])]), invalid: [['[ones, disposed]', () => [torch.ones([2, 3]), disposed()]], ['[ones, 3]', () => [torch.ones([2, 3]), 3]], ["'ab'", () => 'ab'], ['null', () => null], ['{}', () => ({})], ['[ones, null]', () => [torch.ones([2, 3]), null]]], edge: [['[]', () => []], ['[ones, zeros([3])]', () => [torch.ones([2, 3]), torch.zeros([3])]], ['[ones, int]', () => [torch.ones([2, 3]), torch.tensor([[1, 2, 3], [4, 5, 6]])]]] }, slot.dim('dim', () => 0)], (ts, dim) => torch[name](ts, dim));
}
target('einsum', ['equation', 'operands', 'tensors'], [slot.choice('equation', ['ij,jk->ik']), slot.tensor('a', () => torch.randn([2, 3])), slot.tensor('b', () => torch.randn([3, 4]))], (eq, a, b) => torch.einsum(eq, a, b));
target('where', ['condition', 'self', 'other', 'x', 'y'], [slot.tensor('condition', () => torch.tensor([true, false])), slot.tensorLike('x'), slot.tensorLike('y')], (c, x, y) => torch.where(c, x, y));
target('manualSeed', ['seed'], [slot.dim('seed', () => 0)], (s) => torch.manualSeed(s));
target('setNumThreads', ['threads', 'n'], [slot.size('n', () => torch.getNumThreads())], (n) => torch.setNumThreads(n));

// Functional.
target('F.linear', ['linear', 'input', 'weight', 'bias'], [slot.tensor('input'), slot.tensor('weight', () => torch.randn([4, 3])), { ...optionValue(slot.tensor('bias', () => torch.randn([4]))), invalid: without(slot.tensor().invalid, 'null', 'undefined') }], (x, w, b) => F.linear(x, w, b));
target('F.conv2d', ['conv2d', 'input', 'weight', 'stride', 'padding'], [slot.tensor('input', () => torch.randn([1, 2, 5, 5])), slot.tensor('weight', () => torch.randn([3, 2, 3, 3])), slot.size('stride', () => 1), slot.size('padding', () => 1)], (x, w, stride, padding) => F.conv2d(x, w, null, { stride, padding }));
target('F.maxPool2d', ['max_pool2d', 'maxPool2d', 'kernel_size', 'kernelSize', 'stride'], [slot.tensor('input', () => torch.randn([1, 2, 4, 4])), slot.size('kernelSize', () => 2), optionValue(slot.size('stride', () => 2))], (x, k, stride) => F.maxPool2d(x, k, { stride }));
target('F.avgPool2d', ['avg_pool2d', 'avgPool2d', 'kernel_size', 'kernelSize', 'stride'], [slot.tensor('input', () => torch.randn([1, 2, 4, 4])), slot.size('kernelSize', () => 2), optionValue(slot.size('stride', () => 2))], (x, k, stride) => F.avgPool2d(x, k, { stride }));
target('F.adaptiveAvgPool2d', ['adaptive_avg_pool2d', 'adaptiveAvgPool2d', 'output_size', 'outputSize'], [slot.tensor('input', () => torch.randn([1, 2, 4, 4])), slot.size('outputSize', () => 1)], (x, s) => F.adaptiveAvgPool2d(x, s));
target('F.crossEntropy', ['cross_entropy', 'crossEntropy', 'cross_entropy_loss', 'target', 'reduction', 'ignoreIndex', 'ignore_index', 'nll_loss'], [slot.tensor('input', () => torch.randn([2, 3])), slot.tensor('target', () => torch.tensor([0, 2])), slot.choice('reduction', ['mean', 'sum', 'none']), slot.dim('ignoreIndex', () => -100)], (x, y, reduction, ignoreIndex) => F.crossEntropy(x, y, { reduction, ignoreIndex }));
target('F.mseLoss', ['mse_loss', 'mseLoss', 'target', 'reduction'], [slot.tensor('input'), slot.tensor('target'), slot.choice('reduction', ['mean', 'sum', 'none'])], (x, y, reduction) => F.mseLoss(x, y, { reduction }));
target('F.dropout', ['dropout', 'p', 'training'], [slot.tensor('input'), slot.hyper('p', () => 0.5, [-0.1, 1.5]), slot.bool('training')], (x, p, training) => F.dropout(x, { p, training }));
target('F.normalize', ['normalize', 'dim', 'p', 'norm', 'eps'], [slot.tensor('input'), slot.dim('dim', () => 1)], (x, dim) => F.normalize(x, { dim }));
// numClasses -1 infers the count, as in PyTorch.
target('F.oneHot', ['one_hot', 'oneHot', 'numClasses', 'num_classes'], [slot.tensor('input', () => torch.tensor([0, 2])), { ...slot.size('numClasses', () => 3), invalid: without(slot.size('numClasses').invalid, '-1'), edge: [['-1', () => -1]] }], (x, n) => F.oneHot(x, n));
target('F.leakyRelu', ['leaky_relu', 'leakyRelu', 'negativeSlope', 'negative_slope'], [slot.tensor('input'), orOptions(slot.number('negativeSlope', () => 0.1))], (x, s) => F.leakyRelu(x, s));
target('F.layerNorm', ['layer_norm', 'layerNorm', 'normalizedShape', 'normalized_shape', 'weight', 'bias'], [slot.tensor('input'), slot.shape('normalizedShape', () => [3])], (x, s) => F.layerNorm(x, s));
target('F.pad', ['pad', 'constant_pad_nd', 'reflection_pad2d', 'mode', 'value'], [slot.tensor('input', () => torch.randn([1, 1, 3, 3])), slot.dims('pad', () => [1, 1]), slot.choice('mode', ['constant', 'reflect', 'replicate'])], (x, p, mode) => F.pad(x, p, { mode }));
target('F.cosineSimilarity', ['cosine_similarity', 'cosineSimilarity', 'x1', 'x2', 'dim'], [slot.tensor('x1'), slot.tensor('x2'), slot.dim('dim', () => 1)], (a, b, dim) => F.cosineSimilarity(a, b, { dim }));

// Modules.
const nn = torch.nn;
target('Linear', ['inFeatures', 'outFeatures', 'bias', 'dtype', 'device'], [slot.size('inFeatures', () => 3), slot.size('outFeatures', () => 2), slot.bool('bias'), ...opts()], (i, o, bias, dtype, device) => new nn.Linear(i, o, { bias, dtype, device }));
target('Conv2d', ['inChannels', 'outChannels', 'kernelSize', 'stride', 'padding', 'dilation', 'groups', 'bias'], [slot.size('inChannels', () => 2), slot.size('outChannels', () => 4), slot.size('kernelSize', () => 3), slot.size('stride', () => 1), slot.size('padding', () => 1), slot.size('groups', () => 2), slot.bool('bias')], (i, o, k, stride, padding, groups, bias) => new nn.Conv2d(i, o, k, { stride, padding, groups, bias }));
target('BatchNorm2d', ['numFeatures', 'eps', 'momentum', 'affine', 'trackRunningStats'], [slot.size('numFeatures', () => 3), slot.hyper('eps', () => 1e-5, [-1]), slot.hyper('momentum', () => 0.1, [-0.5]), slot.bool('affine')], (n, eps, momentum, affine) => new nn.BatchNorm2d(n, { eps, momentum, affine }));
target('BatchNorm1d', ['numFeatures'], [slot.size('numFeatures', () => 3)], (n) => new nn.BatchNorm1d(n));
target('LayerNorm', ['normalizedShape', 'eps', 'elementwiseAffine'], [slot.shape('normalizedShape', () => [3]), slot.hyper('eps', () => 1e-5, [-1])], (s, eps) => new nn.LayerNorm(s, { eps }));
target('Dropout', ['p', 'dropout'], [orOptions(slot.hyper('p', () => 0.5, [-0.1, 1.5]))], (p) => new nn.Dropout(p));
target('LeakyReLU', ['negativeSlope'], [orOptions(slot.number('negativeSlope', () => 0.1))], (s) => new nn.LeakyReLU(s));
target('GELU', ['approximate'], [slot.choice('approximate', ['none', 'tanh'])], (approximate) => new nn.GELU({ approximate }));
target('MaxPool2d', ['kernelSize', 'stride', 'padding'], [slot.size('kernelSize', () => 2), optionValue(slot.size('stride', () => 2))], (k, stride) => new nn.MaxPool2d(k, { stride }));
target('AvgPool2d', ['kernelSize', 'stride'], [slot.size('kernelSize', () => 2)], (k) => new nn.AvgPool2d(k));
target('AdaptiveAvgPool2d', ['outputSize'], [slot.size('outputSize', () => 1)], (s) => new nn.AdaptiveAvgPool2d(s));
target('Flatten', ['startDim', 'endDim'], [slot.dim('startDim', () => 1), slot.dim('endDim', () => -1)], (s, e) => new nn.Flatten(s, e));
target('Sequential', ['modules', 'module', 'Module'], [{ ...slot.any('module', () => new nn.ReLU()), invalid: [['3', () => 3], ["'relu'", () => 'relu'], ['null', () => null], ['{ a: 3 }', () => ({ a: 3 })]] }], (m) => new nn.Sequential(m));
target('Linear.forward', ['linear', 'addmm', 'matmul', 'input', 'forward'], [slot.tensor('input', () => torch.randn([4, 3]))], (x) => new nn.Linear(3, 2).forward(x));
target('Conv2d.forward', ['conv2d', 'input', 'forward'], [slot.tensor('input', () => torch.randn([1, 2, 5, 5]))], (x) => new nn.Conv2d(2, 3, 3).forward(x));
target('BatchNorm2d.forward', ['batch_norm', 'BatchNorm2d', 'input', 'forward'], [slot.tensor('input', () => torch.randn([2, 3, 2, 2]))], (x) => new nn.BatchNorm2d(3).forward(x));
target('Module.to', ['to', 'dtype', 'device', 'target'], [{ ...slot.dtype('target'), invalid: [...BAD_DTYPES, ...BAD_DEVICES, ['3', () => 3], ['null', () => null], ['Symbol()', () => Symbol('s')]] }], (t) => new nn.Linear(3, 2).to(t));
target('Module.train', ['train', 'mode'], [slot.bool('mode')], (mode) => new nn.Linear(3, 2).train(mode));
target('Module.requiresGrad_', ['requiresGrad_', 'requiresGrad', 'flag', 'requires_grad'], [slot.bool('flag')], (flag) => new nn.Linear(3, 2).requiresGrad_(flag));

// loadStateDict with wrong keys, shapes, dtypes and values.
const linearState = () => new nn.Linear(3, 2).stateDict();
const stateDicts: [string, () => unknown][] = [
  ['{ weight: randn([3, 3]) } (wrong shape)', () => ({ ...linearState(), weight: torch.randn([3, 3]) })],
  ['{ extra: ones([1]) } (unexpected key)', () => ({ ...linearState(), extra: torch.ones([1]) })],
  ['{ weight } (missing bias)', () => ({ weight: torch.zeros([2, 3]) })],
  ['{ weight: 3 }', () => ({ ...linearState(), weight: 3 })],
  ['{ weight: null }', () => ({ ...linearState(), weight: null })],
  ['{ weight: disposed }', () => ({ ...linearState(), weight: disposed() })],
  ['{ weight: [[1, 2, 3]] }', () => ({ ...linearState(), weight: [[1, 2, 3], [4, 5, 6]] })],
  ['null', () => null],
  ["'state'", () => 'state'],
  ['[]', () => []],
  ['3', () => 3],
  ['new Map()', () => new Map()],
];
// A wrong dtype is converted, as PyTorch's copy_ does.
target('loadStateDict', ['loadStateDict', 'load_state_dict', 'stateDict', 'state_dict', 'weight', 'bias', 'extra', 'key', 'Missing', 'Unexpected', 'size mismatch'], [{ name: 'stateDict', valid: linearState, invalid: stateDicts, edge: [['{ weight: int64 } (wrong dtype)', () => ({ ...linearState(), weight: torch.zeros([2, 3], { dtype: 'int64' }) })]] }], (sd) => new nn.Linear(3, 2).loadStateDict(sd));
target('loadStateDict', ['loadStateDict', 'load_state_dict', 'strict', 'options'], [slot.fixed('stateDict', linearState), { ...slot.bool('strict'), valid: () => ({ strict: true }), invalid: [["{ strict: 'no' }", () => ({ strict: 'no' })], ["'strict'", () => 'strict'], ['3', () => 3]] }], (sd, o) => new nn.Linear(3, 2).loadStateDict(sd, o));

// Optimizers and schedulers.
const params = () => new nn.Linear(3, 2).parameters();
target('SGD', ['lr', 'learning rate', 'weight_decay', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'params'], [slot.hyper('lr', () => 0.1, [-0.1]), slot.hyper('momentum', () => 0.9, [-1]), slot.hyper('weightDecay', () => 0, [-1]), slot.bool('nesterov')], (lr, momentum, weightDecay, nesterov) => new torch.optim.SGD(params(), { lr, momentum, weightDecay, nesterov }));
target('SGD', ['params', 'parameter', 'Tensor', 'iterable'], [{ name: 'params', valid: params, invalid: [['3', () => 3], ['null', () => null], ["'params'", () => 'params'], ['[3]', () => [3]], ['[]', () => []], ['ones([2])', () => torch.ones([2])], ['[{ params: 3 }]', () => [{ params: 3 }]], ['[{}]', () => [{}]], ['[disposed]', () => [disposed()]], ['{}', () => ({})]], edge: [] }], (p) => new torch.optim.SGD(p, { lr: 0.1 }));
target('SGD', ['options', 'lr'], [slot.fixed('params', params), { name: 'options', valid: () => ({ lr: 0.1 }), invalid: [['undefined', () => undefined], ['0.1', () => 0.1], ['null', () => null], ['{}', () => ({})], ["'lr'", () => 'lr'], ['{ lr: undefined }', () => ({ lr: undefined })]], edge: [] }], (p, o) => new torch.optim.SGD(p, o));
for (const name of ['Adam', 'AdamW'] as const) {
  target(name, ['lr', 'learning rate', 'weight_decay', 'epsilon', 'beta', 'betas', 'eps', 'weightDecay', 'amsgrad'], [slot.hyper('lr', () => 1e-3, [-1]), { name: 'betas', valid: () => [0.9, 0.999], invalid: [['[0.9]', () => [0.9]], ['[1.5, 0.9]', () => [1.5, 0.9]], ['[-0.1, 0.9]', () => [-0.1, 0.9]], ["['a', 'b']", () => ['a', 'b']], ['0.9', () => 0.9], ["'0.9'", () => '0.9'], ['null', () => null]], edge: [] }, slot.hyper('eps', () => 1e-8, [-1]), slot.hyper('weightDecay', () => 0, [-1]), slot.bool('amsgrad')], (lr, betas, eps, weightDecay, amsgrad) => new torch.optim[name](params(), { lr, betas, eps, weightDecay, amsgrad }));
}
const sgd = () => new torch.optim.SGD(params(), { lr: 0.1 });
// Any number, as in PyTorch: schedulers set what their schedule gives.
target('paramGroups.lr', ['lr', 'learning rate'], [slot.number('lr', () => 0.05)], (lr) => (sgd().paramGroups[0].lr = lr));
target('Optimizer.loadStateDict', ['loadStateDict', 'load_state_dict', 'state', 'param_groups', 'parameter group', 'stateDict'], [{ name: 'stateDict', valid: () => sgd().stateDict(), invalid: [['null', () => null], ['{}', () => ({})], ["'x'", () => 'x'], ['{ state: {}, param_groups: [] }', () => ({ state: {}, param_groups: [] })], ['{ state: {}, param_groups: [{ params: [0] }] }', () => ({ state: {}, param_groups: [{ params: [0] }] })], ['{ state: {}, param_groups: [3] }', () => ({ state: {}, param_groups: [3] })], ["{ ..., lr: 'fast' }", () => ({ state: {}, param_groups: [{ lr: 'fast', params: [0, 1] }] })], ['{ state: { 0: 3 }, ... }', () => ({ state: { 0: 3 }, param_groups: [{ lr: 0.1, params: [0, 1] }] })], ['{ state: { 0: { momentum_buffer: 3 } }, ... }', () => ({ state: { 0: { momentum_buffer: 'x' } }, param_groups: [{ lr: 0.1, params: [0, 1] }] })]], edge: [] }], (sd) => sgd().loadStateDict(sd));
const sched = torch.optim.lrScheduler;
target('StepLR', ['stepSize', 'step_size', 'gamma'], [slot.size('stepSize', () => 3), slot.hyper('gamma', () => 0.1, [-1])], (stepSize, gamma) => new sched.StepLR(sgd(), stepSize, { gamma }));
target('CosineAnnealingLR', ['tMax', 'T_max', 'etaMin', 'eta_min'], [slot.hyper('tMax', () => 10, [0, -1]), slot.number('etaMin', () => 0)], (tMax, etaMin) => new sched.CosineAnnealingLR(sgd(), tMax, { etaMin }));
target('MultiStepLR', ['milestones', 'gamma'], [slot.dims('milestones', () => [2, 5]), slot.hyper('gamma', () => 0.1, [-1])], (milestones, gamma) => new sched.MultiStepLR(sgd(), milestones, { gamma }));
target('LinearLR', ['startFactor', 'endFactor', 'totalIters', 'start_factor', 'end_factor', 'total_iters'], [slot.hyper('startFactor', () => 0.5, [0, 2, -1]), slot.hyper('endFactor', () => 1, [-1, 2]), slot.size('totalIters', () => 5)], (startFactor, endFactor, totalIters) => new sched.LinearLR(sgd(), { startFactor, endFactor, totalIters }));
target('LambdaLR', ['lrLambda', 'lr_lambda', 'function'], [{ name: 'lrLambda', valid: () => (e: number) => 0.9 ** e, invalid: [['3', () => 3], ["'f'", () => 'f'], ['null', () => null], ['[3]', () => [3]], ['() => "a"', () => () => 'a'], ['() => NaN', () => () => NaN]], edge: [] }], (f) => new sched.LambdaLR(sgd(), f));
target('StepLR', ['optimizer', 'Optimizer'], [{ name: 'optimizer', valid: sgd, invalid: [['null', () => null], ['{}', () => ({})], ['3', () => 3], ['{ paramGroups: 3 }', () => ({ paramGroups: 3 })]], edge: [] }], (o) => new sched.StepLR(o, 3));
target('StepLR.step', ['step', 'epoch'], [slot.dim('epoch', () => 4)], (epoch) => new sched.StepLR(sgd(), 3).step(epoch));
target('clipGradNorm_', ['clipGradNorm_', 'clip_grad_norm_', 'maxNorm', 'max_norm', 'normType', 'parameters', 'params'], [{ name: 'parameters', valid: params, invalid: [['3', () => 3], ['null', () => null], ['[3]', () => [3]]], edge: [] }, slot.hyper('maxNorm', () => 1, [-1])], (p, m) => torch.nn.utils.clipGradNorm_(p, m));

// Data transforms.
const T = torch.data.transforms;
const batch = () => torch.rand([2, 3, 8, 8]);
const transformTargets: [string, string[], Slot[], (...a: any[]) => (x: Tensor) => unknown][] = [ // eslint-disable-line @typescript-eslint/no-explicit-any
  ['randomResizedCrop', ['size', 'scale', 'ratio'], [slot.size('size', () => 4), { name: 'scale', valid: () => [0.5, 1], invalid: [['[1, 0.5]', () => [1, 0.5]], ['[-1, 1]', () => [-1, 1]], ["'big'", () => 'big'], ['[0.5]', () => [0.5]], ['[NaN, 1]', () => [NaN, 1]], ['null', () => null]], edge: [] }], (size, scale) => T.randomResizedCrop({ size, scale })],
  ['randomCrop', ['size', 'padding', 'paddingMode', 'fill'], [slot.size('size', () => 6), slot.size('padding', () => 1), slot.choice('paddingMode', ['constant', 'edge', 'reflect'])], (size, padding, paddingMode) => T.randomCrop({ size, padding, paddingMode })],
  ['translate', ['pixels', 'mode'], [slot.size('pixels', () => 2), slot.choice('mode', ['reflect', 'constant', 'edge'])], (pixels, mode) => T.translate({ pixels, mode })],
  ['horizontalFlip', ['p'], [slot.hyper('p', () => 0.5, [-0.1, 1.5])], (p) => T.horizontalFlip({ p })],
  ['colorJitter', ['brightness', 'contrast', 'saturation', 'hue', 'p'], [slot.hyper('brightness', () => 0.4, [-1]), slot.hyper('contrast', () => 0.4, [-1]), slot.hyper('hue', () => 0.1, [-1, 0.6]), slot.hyper('p', () => 0.8, [2])], (brightness, contrast, hue, p) => T.colorJitter({ brightness, contrast, hue, p })],
  ['randomGrayscale', ['p'], [slot.hyper('p', () => 0.2, [-1, 2])], (p) => T.randomGrayscale({ p })],
  ['gaussianBlur', ['sigma', 'p', 'kernelSize'], [slot.hyper('sigma', () => 1, [-1, 0]), slot.hyper('p', () => 0.5, [-1, 2]), { ...slot.size('kernelSize', () => 3), invalid: [...slot.size('kernelSize').invalid, ['4 (even)', () => 4]] }], (sigma, p, kernelSize) => T.gaussianBlur({ sigma, p, kernelSize })],
  ['gaussianNoise', ['std'], [slot.hyper('std', () => 0.1, [-1])], (std) => T.gaussianNoise({ std })],
  ['normalize', ['mean', 'std'], [{ name: 'mean', valid: () => [0.5, 0.5, 0.5], invalid: [["'0.5'", () => '0.5'], ['[0.5, 0.5]', () => [0.5, 0.5]], ["['a', 0, 0]", () => ['a', 0, 0]], ['null', () => null]], edge: [] }, { name: 'std', valid: () => [0.2, 0.2, 0.2], invalid: [['[0, 1, 1]', () => [0, 1, 1]], ['[-1, 1, 1]', () => [-1, 1, 1]], ['3', () => 3], ['[NaN, 1, 1]', () => [NaN, 1, 1]]], edge: [] }], (mean, std) => T.normalize({ mean, std })],
];
for (const [name, argNames, slots, make] of transformTargets) {
  target(`transforms.${name}`, [name, ...argNames], slots, (...args) => make(...args)(batch()));
  // The options object itself, and the batch the transform is given.
  target(`transforms.${name}`, [name, 'options'], [{ name: 'options', valid: () => undefined, invalid: [['null', () => null], ["'x'", () => 'x'], ['3', () => 3]], edge: [] }], (o) => (T[name as keyof typeof T] as (o: unknown) => unknown)(o));
  target(`transforms.${name}(...)(batch)`, [name, 'batch', 'input', 'Tensor', '4-dim', 'float'], [{ ...slot.tensor('batch', batch), invalid: INVALID_TENSORS }], (x) => make(...slots.map((s) => s.valid()))(x));
}
target('transforms.compose', ['compose', 'transforms'], [{ name: 'transforms', valid: () => [T.horizontalFlip()], invalid: [['3', () => 3], ['[3]', () => [3]], ['null', () => null], ["'flip'", () => 'flip']], edge: [['[]', () => []]] }], (ts) => T.compose(ts)(batch()));
target('DataLoader', ['DataLoader', 'batchSize', 'batch_size', 'dataset'], [slot.size('batchSize', () => 2), slot.bool('shuffle')], (batchSize, shuffle) => [...new torch.data.DataLoader(new torch.data.TensorDataset(torch.randn([4, 2]), torch.arange(4)), { batchSize, shuffle })].length);
target('TensorDataset', ['TensorDataset', 'tensors', 'size', 'length'], [slot.tensor('tensor0', () => torch.randn([4, 2])), slot.tensor('tensor1', () => torch.arange(4))], (a, b) => new torch.data.TensorDataset(a, b).get(0));
// Labels may also come as an array or a TypedArray.
target('labeledSubset', ['labeledSubset', 'targets', 'count', 'numLabels', 'seed'], [{ ...slot.tensor('targets', () => torch.tensor([0, 1, 0, 1, 2, 2])), invalid: without(INVALID_TENSORS, '[1, 2]', 'new Float32Array(2)') }, slot.size('count', () => 3)], (t, n) => torch.data.labeledSubset(t, n, { seed: 0 }));

// Momentum-teacher learning.
const ssl = torch.ssl;
const net = () => new nn.Sequential(new nn.Linear(4, 3));
target('emaUpdate', ['emaUpdate', 'decay', 'target', 'source', 'buffers', 'parameters'], [{ name: 'target', valid: net, invalid: [['null', () => null], ['{}', () => ({})], ['3', () => 3], ['Linear(4, 5)', () => new nn.Sequential(new nn.Linear(4, 5))]], edge: [] }, { name: 'source', valid: net, invalid: [['null', () => null], ["'m'", () => 'm'], ['Linear(5, 3)', () => new nn.Sequential(new nn.Linear(5, 3))]], edge: [] }, slot.hyper('decay', () => 0.99, [-0.1, 1.5]), slot.choice('buffers', ['copy', 'ema', 'none'])], (t, s, decay, buffers) => ssl.emaUpdate(t, s, decay, { buffers }));
target('MeanTeacher', ['MeanTeacher', 'student', 'emaDecay', 'consistency', 'consistencyWeight', 'consistencyRampup', 'logitDistanceCost'], [{ name: 'student', valid: net, invalid: [['null', () => null], ['{}', () => ({})], ['3', () => 3]], edge: [] }, slot.hyper('emaDecay', () => 0.99, [-1, 2]), slot.choice('consistency', ['mse', 'kl']), slot.hyper('consistencyWeight', () => 10, [-1]), slot.hyper('consistencyRampup', () => 5, [-1])], (student, emaDecay, consistency, consistencyWeight, consistencyRampup) => new ssl.MeanTeacher({ student, emaDecay, consistency, consistencyWeight, consistencyRampup }));
target('MeanTeacher.loss', ['loss', 'student', 'teacher', 'targets', 'epoch', 'MeanTeacher', 'cross_entropy', 'logits'], [slot.tensor('student', () => torch.randn([2, 3])), slot.tensor('teacher', () => torch.randn([2, 3])), slot.tensor('targets', () => torch.tensor([1, -1])), slot.number('epoch', () => 0)], (s, t, y, epoch) => new ssl.MeanTeacher({ student: net() }).loss({ student: s, teacher: t, targets: y, epoch }));
target('MeanTeacher.updateTeacher', ['updateTeacher', 'step', 'MeanTeacher'], [slot.size('step', () => 3)], (step) => new ssl.MeanTeacher({ student: net() }).updateTeacher(step));
target('KeyQueue', ['KeyQueue', 'dim', 'size', 'device'], [{ ...slot.size('dim', () => 4), invalid: [...slot.size('dim').invalid, ['0', () => 0]] }, { ...slot.size('size', () => 8), invalid: [...slot.size('size').invalid, ['0', () => 0]] }, slot.device()], (dim, size, device) => new ssl.KeyQueue({ dim, size, device }));
target('KeyQueue', ['KeyQueue', 'options'], [{ name: 'options', valid: () => ({ dim: 4, size: 8 }), invalid: [['undefined', () => undefined], ['null', () => null], ['3', () => 3], ["'q'", () => 'q']], edge: [] }], (o) => new ssl.KeyQueue(o));
target('KeyQueue.enqueue', ['enqueue', 'keys', 'KeyQueue', 'dim'], [slot.tensor('keys', () => torch.randn([3, 4]))], (k) => new ssl.KeyQueue({ dim: 4, size: 8 }).enqueue(k));
target('KeyQueue.pointer', ['pointer', 'KeyQueue'], [{ ...slot.size('pointer', () => 3), invalid: [...slot.size('pointer').invalid, ['8', () => 8]] }], (p) => (new ssl.KeyQueue({ dim: 4, size: 8 }).pointer = p));
target('infoNCE', ['infoNCE', 'q', 'k', 'queue', 'temperature'], [slot.tensor('q', () => torch.randn([2, 4])), slot.tensor('k', () => torch.randn([2, 4])), slot.tensor('queue', () => torch.randn([4, 8])), slot.hyper('temperature', () => 0.07, [0, -1])], (q, k, queue, t) => ssl.infoNCE(q, k, queue, t));
const encoder = () => {
  const e = new nn.Sequential(new nn.Flatten(), new nn.Linear(12, 6));
  (e as unknown as { fc: unknown }).fc = new nn.Linear(6, 4);
  return e;
};
target('MoCo', ['MoCo', 'encoder', 'dim', 'queueSize', 'momentum', 'temperature', 'mlp', 'version', 'fc', 'bnSplits'], [{ name: 'encoder', valid: encoder, invalid: [['null', () => null], ['{}', () => ({})], ['3', () => 3], ['Linear(3, 2) (no fc)', () => new nn.Linear(3, 2)]], edge: [] }, { ...slot.size('dim', () => 4), invalid: [...slot.size('dim').invalid, ['0', () => 0]] }, optionValue({ ...slot.size('queueSize', () => 8), invalid: [...slot.size('queueSize').invalid, ['0', () => 0]] }), slot.hyper('momentum', () => 0.999, [-1, 2]), slot.hyper('temperature', () => 0.2, [0, -1]), { name: 'version', valid: () => 2, invalid: [['4', () => 4], ["'2'", () => '2'], ['0', () => 0], ['null', () => null], ['2.5', () => 2.5]], edge: [] }], (encoder, dim, queueSize, momentum, temperature, version) => new ssl.MoCo({ encoder, dim, queueSize, momentum, temperature, version }));
target('MoCo.forward', ['forward', 'imQ', 'imK', 'MoCo', 'input', 'linear', 'addmm', 'flatten'], [slot.tensor('imQ', () => torch.randn([2, 3, 2, 2])), slot.tensor('imK', () => torch.randn([2, 3, 2, 2]))], (q, k) => new ssl.MoCo({ encoder: encoder(), dim: 4, queueSize: 8 }).forward(q, k));
for (const name of ['sigmoidRampup', 'linearRampup', 'cosineRampdown'] as const) target(`ssl.${name}`, [name, 'current', 'length'], [slot.number('current', () => 2), slot.hyper('length', () => 5, [-1])], (c, l) => ssl[name](c, l));
for (const name of ['softmaxMseLoss', 'softmaxKlLoss', 'symmetricMseLoss'] as const) target(`ssl.${name}`, [name, 'input', 'target', 'input1', 'input2', 'softmax', 'log_softmax', 'mse_loss', 'kl_div'], [slot.tensor('input'), slot.tensor('target')], (a, b) => ssl[name](a, b));

// Files: bytes that are not what they claim, and paths that are no file.
let scratch: string | undefined;
function badFile(name: string, bytes: Uint8Array | null): string {
  scratch ??= fs.mkdtempSync(path.join(os.tmpdir(), 'momentum-torch-fuzz-'));
  const file = path.join(scratch, name);
  if (bytes !== null && !fs.existsSync(file)) fs.writeFileSync(file, bytes);
  return file;
}
function goodFile(): string {
  const file = badFile('good.pt', null);
  if (!fs.existsSync(file)) torch.save({ w: torch.arange(6).reshape([2, 3]), b: torch.ones([2]) }, file);
  return file;
}
const damaged = (name: string, edit: (b: Buffer) => Buffer) => () => badFile(name, edit(fs.readFileSync(goodFile())));
const BAD_FILES: [string, () => unknown][] = [
  ['a missing file', () => badFile('missing.pt', null)],
  ['a folder', () => os.tmpdir()],
  ['an empty file', () => badFile('empty.pt', new Uint8Array(0))],
  ['random bytes', () => badFile('random.pt', Uint8Array.from({ length: 300 }, (_, i) => (i * 7919) % 251))],
  ['text', () => badFile('text.pt', Buffer.from('{"weights": [1, 2, 3]}'))],
  ['a zip cut in half', damaged('half.pt', (b) => b.subarray(0, b.length >> 1))],
  ['a zip without its last 30 bytes', damaged('tail.pt', (b) => b.subarray(0, b.length - 30))],
  ['a zip with a flipped byte in data.pkl', damaged('flip.pt', (b) => Buffer.from(b).fill(0x7f, 120, 160))],
  ['a zip with its records zeroed', damaged('zeros.pt', (b) => Buffer.from(b).fill(0, 64, b.length - 200))],
  ['3', () => 3],
  ['null', () => null],
  ['{}', () => ({})],
];
const fileNames = ['load', 'file', 'path', 'zip', 'pickle', 'archive', 'record', 'ENOENT', 'EISDIR', 'safetensors', 'header', 'TorchScript', 'jit', 'no such file', 'directory', 'format', '.pt'];
target('load', fileNames, [{ name: 'file', valid: goodFile, invalid: BAD_FILES, edge: [] }], (f) => torch.load(f));
target('safetensors.load', fileNames, [{ name: 'file', valid: () => badFile('good.safetensors', null), invalid: BAD_FILES, edge: [] }], (f) => {
  const good = badFile('good.safetensors', null);
  if (!fs.existsSync(good)) torch.safetensors.save({ w: torch.ones([2]) }, good);
  return torch.safetensors.load(f);
});
target('jit.load', fileNames, [{ name: 'file', valid: () => badFile('missing.pt', null), invalid: BAD_FILES.filter(([d]) => d !== 'a zip with its records zeroed'), edge: [] }], (f) => torch.jit.load(f), (a) => `jit.load(${a[0]})`);
target('save', ['save', 'obj', 'file', 'path', 'savable', 'Tensor', 'cycle', 'value', 'ENOENT', 'EISDIR', 'directory', 'no such file'], [{ name: 'obj', valid: () => ({ w: torch.ones([2]) }), invalid: [['{ f: () => 1 }', () => ({ f: () => 1 })], ['{ s: Symbol() }', () => ({ s: Symbol('s') })], ['{ d: disposed }', () => ({ d: disposed() })]], edge: [['{ m: new Map() } (saved as a dict)', () => ({ m: new Map() })], ['{ b: 3n }', () => ({ b: 3n })], ['{ u: undefined }', () => ({ u: undefined })]] }, { name: 'file', valid: () => badFile('saved.pt', null), invalid: [['a folder', () => os.tmpdir()], ['a path in a missing folder', () => path.join(os.tmpdir(), 'no-such-folder-9731', 'x.pt')], ['3', () => 3], ['null', () => null]], edge: [] }], (o, f) => torch.save(o, f));

export const TARGETS: readonly Target[] = targets;

/**
 * Call `index` of `seed`: a target, each slot valid, then one slot (sometimes two) replaced by an
 * invalid or an edge value. A replacement is made (a tensor created, a file written) only when
 * the call runs, so that making a call costs nothing and a crash is the call's own.
 */
export function makeCall(seed: number, index: number): Call {
  const r = rng((seed * 1_000_003 + index * 7_919) >>> 0);
  const t = pick(r, TARGETS);
  const mutable = t.slots.map((s, i) => i).filter((i) => !t.slots[i].fixed && t.slots[i].invalid.length + t.slots[i].edge.length > 0);
  const changes = new Map<number, [string, () => unknown, Expect]>();
  const count = mutable.length === 0 ? 0 : r() < 0.15 ? Math.min(2, mutable.length) : 1;
  for (let n = 0; n < count; n++) {
    const i = pick(r, mutable);
    const s = t.slots[i];
    const useEdge = s.edge.length > 0 && (s.invalid.length === 0 || r() < 0.3);
    const [desc, make] = pick(r, useEdge ? s.edge : s.invalid);
    changes.set(i, [desc, make, useEdge ? 'any' : 'error']);
  }
  const expect: Expect = [...changes.values()].some(([, , e]) => e === 'error') ? 'error' : 'any';
  const names = [...t.names, ...[...changes.keys()].map((i) => t.slots[i].name)];
  const argLabels = t.slots.map((s, i) => changes.get(i)?.[0] ?? (s.fixed ? s.name : '·'));
  const label = t.show ? t.show(argLabels) : `${t.label}(${argLabels.join(', ')})`;
  return {
    label,
    names,
    expect,
    run: () => {
      const args = t.slots.map((s, i) => (changes.has(i) ? changes.get(i)![1]() : s.valid()));
      return t.call(...args);
    },
  };
}

/** Removes the files the calls wrote. */
export function cleanUp(): void {
  if (scratch !== undefined) fs.rmSync(scratch, { recursive: true, force: true });
}
