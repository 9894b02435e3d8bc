// torch.save / torch.load against Python's torch.load / torch.save, both directions, with the
// same keys (in order) and values, every dtype, nesting, views sharing storage, also under
// PyTorch 2.13's weights-only torch.load; the zip layout PyTorch writes; safetensors against a
// reader and a writer that follow the published format (struct + json in Python); atomic writes;
// clear errors for truncated and foreign files and for values that cannot be saved.
// Oracle: test/oracle/files.py.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as torch from '../src';
import { nn, Tensor } from '../src';
import { python, removeDir, tempDir } from './nn-oracle';

// A PyTorch whose torch.load is weights-only by default (2.6 on), which refuses any global outside
// its allowed list: installed beside the build's own by scripts/setup.sh --test.
const PYTORCH_2 = path.join(__dirname, '..', '.venv/2.13.0/bin/python');

type Described = Record<string, unknown>;

// The same description as files.py's describe(): whole numbers are ints, as torch.save writes them.
function describeValue(value: unknown): Described {
  if (value instanceof Tensor) {
    const values = value.numel() ? (value.flatten().toArray() as unknown[]) : [];
    return { tensor: { dtype: value.dtype, shape: value.shape, values, requiresGrad: value.requiresGrad } };
  }
  if (Array.isArray(value)) return { list: value.map(describeValue) };
  if (value === null) return { none: true };
  if (typeof value === 'boolean') return { bool: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { int: value } : { float: value };
  if (typeof value === 'string') return { str: value };
  const entries = Object.entries(value as object);
  return {
    dict: Object.fromEntries(entries.map(([k, v]) => [k, describeValue(v)])),
    intKeys: entries.length > 0 && entries.every(([k]) => /^(0|[1-9]\d*)$/.test(k)),
  };
}

function everyDtype(): Record<string, Tensor> {
  const base = torch.tensor([
    [1.5, -2.25, 3],
    [0.5, 7, -8.125],
  ]);
  const dtypes = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool'] as const;
  return Object.fromEntries(dtypes.map((d) => [d, d === 'bool' ? base.gt(0) : base.to(d)]));
}

// What this side writes for Python to read (in beforeAll, so that one Python run checks all).
function recordForPython(): Record<string, unknown> {
  const model = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2), new nn.Flatten(), new nn.Linear(8, 3));
  model.call(torch.randn([2, 1, 4, 4]));
  const base = torch.arange(12, { dtype: 'float32' }).reshape([3, 4]);
  return {
    state_dict: model.stateDict(),
    nested: { lr: 0.125, epoch: 7, name: 'run-1', done: false, none: null, list: [[1, 2], [3.5]], ints: { 3: 'three', 1: 'one' } },
    dtypes: everyDtype(),
    scalar: torch.tensor(3.5),
    empty: torch.zeros([0, 3]),
    transposed: base.t(),
    base,
    view: base.narrow(0, 1, 1),
    grad: torch.ones([2]).requiresGrad_(),
  };
}

function safetensorsForPython(): Record<string, Tensor> {
  const matrix = torch.arange(6, { dtype: 'float32' }).reshape([2, 3]).t();
  return { ...everyDtype(), matrix, scalar: torch.tensor(2.5), empty: torch.zeros([2, 0]) };
}

let dir: string;
let toPython: Record<string, unknown>;
let safetensorsToPython: Record<string, Tensor>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let oracle: any;

beforeAll(() => {
  dir = tempDir();
  toPython = recordForPython();
  torch.save(toPython, `${dir}/from-js.pt`);
  safetensorsToPython = safetensorsForPython();
  torch.safetensors.save(safetensorsToPython, `${dir}/from-js.safetensors`, { metadata: { format: 'pt', epoch: '3' } });
  oracle = python('files.py', { dir });
});

afterAll(() => removeDir(dir));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function expectSameRecord(seen: any): void {
  expect(seen.described).toEqual(describeValue(toPython));
  expect(Object.keys(seen.described.dict.state_dict.dict)).toEqual(Object.keys(toPython.state_dict as object));
  expect(seen.shared).toBe(true);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function filesOracleUnder(pythonBinary: string, parts: string[]): any {
  const reply = spawnSync(pythonBinary, [path.join(__dirname, 'oracle', 'files.py')], {
    input: JSON.stringify({ dir, parts }),
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (reply.status !== 0) throw new Error(`files.py under ${pythonBinary} failed (${reply.status}): ${reply.stderr || reply.error}`);
  return JSON.parse(reply.stdout);
}

// Nested arrays `levels` deep, the innermost empty.
function nested(levels: number): unknown[] {
  let value: unknown[] = [];
  for (let level = 1; level < levels; level++) value = [value];
  return value;
}

function depth(value: unknown): number {
  let levels = 0;
  for (let v = value; Array.isArray(v); v = v[0]) levels++;
  return levels;
}

describe('torch.save / torch.load', () => {
  test('a record saved here loads in Python with the same keys, order and values', () => {
    expectSameRecord(oracle.read_torch);
  });

  test("PyTorch 2.13's torch.load, weights-only by default, reads it too: the same keys, order and values", () => {
    const seen = filesOracleUnder(PYTORCH_2, ['read_torch']).read_torch;
    expect(seen.torch).toMatch(/^2\.13\./);
    expectSameRecord(seen);
  });

  test("the file is laid out as PyTorch's: its records in its order, CRC-32s right, stored, data 64-byte aligned", () => {
    const seen = oracle.read_archive;
    const storages = seen.names.filter((name: string) => name.startsWith('archive/data/'));
    expect(storages.length).toBeGreaterThan(0);
    expect(seen.names).toEqual([
      'archive/data.pkl',
      'archive/.format_version',
      'archive/.storage_alignment',
      'archive/byteorder',
      ...storages.map((_: string, key: number) => `archive/data/${key}`),
      'archive/version',
      'archive/.data/serialization_id',
    ]);
    expect(seen).toMatchObject({ crc_ok: true, stored: true, aligned: true });
  });

  test("Python's torch.save (OrderedDict state dict, tuples, int keys, every dtype, a Parameter) loads here", () => {
    const expected = oracle.write_torch;
    const loaded = torch.load(`${dir}/from-py.pt`);
    expect(describeValue(loaded)).toEqual(expected);
    expect(Object.keys(loaded.state_dict)).toEqual(Object.keys(expected.dict.state_dict.dict));
    expect(loaded.state_dict['1.num_batches_tracked'].dtype).toBe('int64');
    // The file's views still share their storage, as in PyTorch.
    loaded.base.fill_(-1);
    expect(loaded.view.toArray()).toEqual([-1, -1, -1, -1]);
    // A state dict from Python goes straight into a module.
    const model = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2), new nn.Flatten(), new nn.Linear(8, 3));
    model.loadStateDict(loaded.state_dict);
  });

  test('round trip here: the same keys and values', () => {
    const record = { weights: everyDtype(), step: 3, rate: 0.5, tags: ['a', 'b'], nested: { deep: { t: torch.randn([2, 2]) } } };
    torch.save(record, `${dir}/round.pt`);
    expect(describeValue(torch.load(`${dir}/round.pt`))).toEqual(describeValue(record));
  });

  test('writes are atomic: no temporary files stay, a failed save leaves the old file as it was', () => {
    const file = `${dir}/atomic/checkpoint.pt`;
    fs.mkdirSync(`${dir}/atomic`);
    torch.save({ a: torch.ones([3]) }, file);
    torch.save({ a: torch.zeros([3]) }, file);
    expect(fs.readdirSync(`${dir}/atomic`)).toEqual(['checkpoint.pt']);
    const before = fs.readFileSync(file);
    expect(() => torch.save({ a: () => 1 }, file)).toThrow(/function/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(`${dir}/atomic`)).toEqual(['checkpoint.pt']);
    expect(torch.load(file).a.toArray()).toEqual([0, 0, 0]);
    expect(() => torch.save({}, `${dir}/missing/x.pt`)).toThrow(/ENOENT/);
  });

  test('truncated, foreign, legacy, TorchScript and Python-object files give errors naming the file', () => {
    const good = fs.readFileSync(`${dir}/round.pt`);
    fs.writeFileSync(`${dir}/truncated.pt`, good.subarray(0, Math.floor(good.length / 2)));
    fs.writeFileSync(`${dir}/text.pt`, 'not a checkpoint');
    const load = (name: string) => () => torch.load(`${dir}/${name}`);
    expect(load('truncated.pt')).toThrow(new RegExp(`torch.load: ${dir}/truncated.pt: .*truncated`));
    expect(load('text.pt')).toThrow(new RegExp(`${dir}/text.pt: not a PyTorch file`));
    expect(load('legacy.pt')).toThrow(/legacy.pt: this is PyTorch's legacy \(pre-1.6\) file format/);
    expect(load('script.pt')).toThrow(/script.pt: this is a TorchScript archive: open it with torch.jit.load/);
    expect(load('object.pt')).toThrow(/object.pt: the file holds a Python object of class argparse.Namespace/);
    expect(load('nothing.pt')).toThrow(/cannot read .*nothing.pt/);
  });

  test('arrays and objects nest 1,000 levels deep at most; deeper, or containing themselves, they are errors', () => {
    const file = `${dir}/nested.pt`;
    torch.save({ deep: nested(999) }, file);
    expect(depth(torch.load(file).deep)).toBe(999);
    fs.rmSync(file);
    expect(() => torch.save({ deep: nested(1000) }, file)).toThrow('cannot save a value whose arrays and objects nest deeper than 1000 levels');
    expect(() => torch.save(nested(100_000), file)).toThrow(/nest deeper than 1000 levels/);
    const loop: { list: unknown[] } = { list: [1] };
    loop.list.push({ back: loop });
    expect(() => torch.save(loop, file)).toThrow('cannot save value.list[1].back: it contains itself');
    expect(() => torch.save({ a: [new Float32Array(2)] }, file)).toThrow('cannot save value.a[0]: it is a Float32Array (make it a Tensor first)');
    expect(() => torch.save({ m: new Map<unknown, number>([[{}, 1]]) }, file)).toThrow(/value.m: it is a dict with a key of type object/);
    expect(fs.existsSync(file)).toBe(false);
  });

  test('load({ device }) puts the tensors on that device', () => {
    const loaded = torch.load(`${dir}/round.pt`, { device: 'cpu' });
    expect(loaded.nested.deep.t.device).toBe('cpu');
    expect(() => torch.load(`${dir}/round.pt`, { device: 'cuda:7' })).toThrow(/cuda/i);
  });
});

describe('safetensors', () => {
  test('a file written here reads back with a reader that follows the published format', () => {
    const seen = oracle.read_safetensors;
    expect(seen.tensors).toEqual(describeValue(safetensorsToPython));
    expect(seen.metadata).toEqual({ format: 'pt', epoch: '3' });
    expect(seen.contiguous).toBe(true);
    expect(seen.aligned).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.includes('from-js.safetensors'))).toEqual(['from-js.safetensors']);
  });

  test('a file written by hand in Python loads here', () => {
    const expected = oracle.write_safetensors;
    expect(describeValue(torch.safetensors.load(`${dir}/from-py.safetensors`))).toEqual(expected.tensors);
  });

  test('round trip here, and errors for truncated or malformed files', () => {
    const record = { w: torch.randn([3, 4]), b: torch.tensor([true, false]) };
    torch.safetensors.save(record, `${dir}/round.safetensors`);
    expect(describeValue(torch.safetensors.load(`${dir}/round.safetensors`))).toEqual(describeValue(record));
    const bytes = fs.readFileSync(`${dir}/round.safetensors`);
    fs.writeFileSync(`${dir}/cut.safetensors`, bytes.subarray(0, bytes.length - 5));
    expect(() => torch.safetensors.load(`${dir}/cut.safetensors`)).toThrow(/cut.safetensors is not a valid safetensors file: .*do not fit/);
    fs.writeFileSync(`${dir}/junk.safetensors`, 'garbage!garbage!');
    expect(() => torch.safetensors.load(`${dir}/junk.safetensors`)).toThrow(/junk.safetensors is not a valid safetensors file/);
    expect(() => torch.safetensors.save({ x: 3 as unknown as Tensor }, `${dir}/bad.safetensors`)).toThrow(/'x' is not a Tensor/);
  });
});
