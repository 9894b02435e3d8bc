// torch.save / torch.load in PyTorch's own file format: a zip archive holding a pickle
// (`data.pkl`) whose tensors point at raw storage records (`data/0`, `data/1`, ...). Both ways
// run here, as Python's torch.save and torch.load do: writing pickles the record with only the
// globals PyTorch 2.x's weights-only torch.load accepts (src/pickler.ts); reading runs a pickle
// machine (src/unpickler.ts) that knows the globals of PyTorch's files.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { crc32 } from 'zlib';
import { callOp } from './ops';
import { Call, Global, PersistentId, pickle, Tuple } from './pickler';
import { tidy } from './scope';
import { Tensor } from './tensor';
import { tensorFromBytes } from './tensor-bytes';
import { TensorStorages } from './tensor-storages';
import type { Device, Dtype } from './types';
import { unpickle } from './unpickler';
import { checkOptions, fail } from './check';
import { FileFormatError, TorchError } from './errors';
import { readZipEntries, readZipEntry, RECORD_ALIGNMENT, ZipEntry, ZipWriter } from './zip';

let tempFiles = 0;

/**
 * Writes `data` to `file` atomically and durably: into a temporary file in the same folder, flushed
 * to disk, renamed over `file`, then the folder flushed so the rename itself is on disk. A crash
 * never leaves a half-written file under the real name. The temporary name (pid, a counter and
 * random bytes, created exclusively) is never shared by two writes, in one process or several.
 */
export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${++tempFiles}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = fs.openSync(temp, 'wx');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(temp, file);
  } catch (e) {
    fs.rmSync(temp, { force: true });
    throw e;
  }
  fsyncFolder(dir);
}

function fsyncFolder(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const TEMP_FILE = /^\..+\.\d+\.\d+\.[0-9a-f]{8}\.tmp$/;

/**
 * Removes the temporary files that `writeFileAtomic` calls killed mid-write left in `dir`. Only
 * for a folder no other process is writing into (one held by a lock).
 */
export function removeTempFiles(dir: string): void {
  for (const name of fs.readdirSync(dir)) if (TEMP_FILE.test(name)) fs.rmSync(path.join(dir, name), { force: true });
}

/** The bytes `save` writes: PyTorch's file format, with the records Python's torch.save writes. */
export function serialize(obj: unknown): Buffer {
  let archive: Buffer | undefined;
  // tidy frees the views made on the way. The archive leaves through the closure: tidy searches
  // what it returns for tensors to keep, element by element through a Buffer.
  tidy(() => {
    archive = writeArchive(obj);
  });
  return archive!;
}

function writeArchive(obj: unknown): Buffer {
  const storages = new TensorStorages();
  const data = pickle(obj, (value) => (value instanceof Tensor ? tensorCall(value, storages) : undefined));
  const records: [string, Uint8Array | string][] = [
    ['data.pkl', data],
    ['.format_version', '1'], // storage records in numeric key order, so loaders may work out their offsets
    ['.storage_alignment', String(RECORD_ALIGNMENT)],
    ['byteorder', os.endianness() === 'LE' ? 'little' : 'big'], // of the storages' elements
    ...storages.bytes().map((bytes, key): [string, Uint8Array] => [`data/${key}`, bytes]),
    ['version', '3\n'],
  ];
  const zip = new ZipWriter();
  const crcs = records.map(([name, contents]) => zip.add(`archive/${name}`, contents));
  zip.add('archive/.data/serialization_id', serializationId(records.map(([name]) => name), crcs));
  return zip.finish();
}

const REBUILD_TENSOR = new Global('torch._utils', '_rebuild_tensor_v2');
const ORDERED_DICT = new Global('collections', 'OrderedDict');

// A tensor as Python pickles one: _rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
// backward_hooks), the storage a persistent id ('storage', storage class, key, location, numel).
function tensorCall(t: Tensor, storages: TensorStorages): Call {
  const storageClass = STORAGE_CLASSES[t.dtype];
  if (!storageClass) throw new Error(`cannot save a tensor of dtype ${t.dtype}`);
  const { key, numel, offset, stride } = storages.place(t);
  const storage = new PersistentId(new Tuple(['storage', new Global('torch', storageClass), key, t.device, numel]));
  return new Call(REBUILD_TENSOR, [storage, offset, new Tuple(t.shape), new Tuple(stride), t.requiresGrad, new Call(ORDERED_DICT, [])]);
}

// PyTorch 2.x gives each file an id made of its contents: here two 20-digit numbers, from the
// records' CRC-32s and from their names.
function serializationId(names: string[], crcs: number[]): string {
  const crcBytes = Buffer.alloc(4 * crcs.length);
  crcs.forEach((crc, i) => crcBytes.writeUInt32LE(crc, 4 * i));
  return [crc32(crcBytes), crc32(Buffer.from(names.join('\n')))].map((n) => String(n).padStart(20, '0')).join('');
}

/**
 * Saves a record of tensors, numbers, bigints, booleans, strings, null, arrays, Maps and objects
 * (nested up to 1,000 levels) in PyTorch's format: Python's `torch.load(path)` reads it, with
 * PyTorch 2.x's default weights_only=True too. Objects become dicts with string keys,
 * or int keys where every key is an integer (as in an optimizer's `state`); whole numbers are
 * written as ints, others as floats. The write is atomic.
 */
export function save(obj: unknown, file: string): void {
  if (typeof file !== 'string') fail('torch.save', ['file', 2], 'a path', file);
  writeFileAtomic(file, serialize(obj));
}

/**
 * Loads what `torch.save` wrote, here or in Python: dicts become plain objects (int keys as their
 * decimal strings), lists and tuples arrays, tensors Tensors (on `device`, default the CPU;
 * views saved together keep sharing storage).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function load(file: string, options: { device?: Device } = {}): any {
  const { device } = checkLoadArguments('torch.load', file, options);
  const bytes = readFile('torch.load', file);
  try {
    return readTorchFile(bytes, device);
  } catch (e) {
    // Whatever stops the reading of the bytes (a bad record, a short buffer) is the file's fault.
    throw new FileFormatError(`torch.load: ${file}: ${(e as Error).message}`, { cause: e });
  }
}

const DEVICE = /^(cpu|cuda)(:\d+)?$/;

/** The path (a string: a number would be read as a file descriptor) and `{ device }` of a load. */
export function checkLoadArguments(where: string, file: unknown, options: { device?: Device }): { device?: Device } {
  if (typeof file !== 'string') fail(where, ['file', 1], 'a path', file);
  const { device } = checkOptions(where, options, ['options', 2]);
  if (device !== undefined && !(typeof device === 'string' && DEVICE.test(device))) fail(where, 'device', "'cpu', 'cuda' or 'cuda:N'", device);
  return { device };
}

/** A file's bytes; a file that cannot be read is a TorchError with the system's error as its cause. */
export function readFile(where: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new TorchError(`${where}: cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
}

const ZIP_MAGIC = 0x04034b50;
const PICKLE_PROTOCOL_2 = 0x0280;

function readTorchFile(bytes: Buffer, device?: Device): unknown {
  if (bytes.length < 4 || bytes.readUInt32LE(0) !== ZIP_MAGIC) {
    if (bytes.length >= 2 && bytes.readUInt16LE(0) === PICKLE_PROTOCOL_2) {
      throw new FileFormatError(
        "this is PyTorch's legacy (pre-1.6) file format, which is not supported: re-save it in Python with torch.save(torch.load(path), path)",
      );
    }
    throw new FileFormatError('not a PyTorch file (no zip archive at the start; is it truncated or another format?)');
  }
  const entries = readZipEntries(bytes);
  const names = [...entries.keys()];
  if (names.some((name) => name.endsWith('/constants.pkl'))) throw new FileFormatError('this is a TorchScript archive: open it with torch.jit.load');
  const pickle = names.find((name) => name.endsWith('data.pkl') && name.split('/').length === 2);
  if (!pickle) throw new FileFormatError('no data.pkl record in the archive');
  const prefix = pickle.slice(0, -'data.pkl'.length);
  const storages = new Map<string, Tensor>();
  const storage = (dtype: Dtype, key: string): Tensor => {
    let t = storages.get(key);
    if (!t) {
      const entry: ZipEntry | undefined = entries.get(`${prefix}data/${key}`);
      if (!entry) throw new FileFormatError(`storage record data/${key} is missing (the file is truncated?)`);
      const raw = readZipEntry(bytes, entry);
      const cpu = tensorFromBytes(raw, dtype, [raw.length / elementSize(dtype)]);
      t = device ? cpu.to(device) : cpu;
      if (t !== cpu) cpu.dispose();
      storages.set(key, t);
    }
    return t;
  };
  const value = unpickle(readZipEntry(bytes, entries.get(pickle)!), {
    findClass: (module, name) => torchGlobal(module, name),
    persistentLoad: (pid) => {
      const [kind, type, key] = pid as [string, { storageDtype?: Dtype }, string];
      if (kind !== 'storage' || !type?.storageDtype) throw new FileFormatError(`unsupported persistent id ${JSON.stringify(kind)}`);
      return storage(type.storageDtype, String(key));
    },
  });
  const result = toPlain(value);
  for (const t of storages.values()) t.dispose(); // the rebuilt tensors hold the storages
  return result;
}

const ELEMENT_SIZE: Record<Dtype, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};
const elementSize = (dtype: Dtype) => ELEMENT_SIZE[dtype];

// Python's storage classes and dtypes, by their names in `torch`.
const STORAGE_DTYPES: Record<string, Dtype> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8', BoolStorage: 'bool',
};
const STORAGE_CLASSES: Partial<Record<Dtype, string>> = Object.fromEntries(Object.entries(STORAGE_DTYPES).map(([name, dtype]) => [dtype, name]));
const DTYPE_NAMES: Record<string, Dtype> = {
  float32: 'float32', float: 'float32', float64: 'float64', double: 'float64', float16: 'float16', half: 'float16',
  bfloat16: 'bfloat16', int64: 'int64', long: 'int64', int32: 'int32', int: 'int32', int16: 'int16', short: 'int16',
  int8: 'int8', uint8: 'uint8', bool: 'bool',
};

type Size = number[];

function rebuildTensor(storage: Tensor, offset: number, size: Size, stride: Size, requiresGrad = false): Tensor {
  const t: Tensor = callOp('as_strided', [storage, size, stride, offset]);
  if (requiresGrad) t.requiresGrad = true;
  return t;
}

const identity = (value: unknown) => value;

// The globals PyTorch's files refer to; anything else (arbitrary Python classes) is refused.
function torchGlobal(module: string, name: string): unknown {
  const qualified = `${module}.${name}`;
  switch (qualified) {
    case 'collections.OrderedDict':
      return () => new Map();
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2':
      return rebuildTensor;
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      return (data: Tensor, requiresGrad: boolean) => {
        if (requiresGrad) data.requiresGrad = true;
        return data;
      };
    case 'torch._tensor._rebuild_from_type_v2':
      return (fn: (...args: unknown[]) => unknown, _type: unknown, args: unknown[]) => fn(...args);
    case 'torch.jit._pickle.restore_type_tag':
    case 'torch.jit._pickle.build_tensorlist':
    case 'torch.jit._pickle.build_intlist':
    case 'torch.jit._pickle.build_doublelist':
    case 'torch.jit._pickle.build_boollist':
    case 'torch.jit._pickle.build_genericlist':
    case 'torch.Size':
      return identity;
    case 'torch.device':
      return (type: string, index?: number) => (index === undefined || index === null ? type : `${type}:${index}`);
    case 'builtins.set':
    case 'builtins.frozenset':
    case '__builtin__.set':
    case '__builtin__.frozenset':
      return (items: unknown[] = []) => new Set(items);
    case '_codecs.encode':
      return (text: string) => Buffer.from(text, 'latin1');
  }
  if (module === 'torch' && STORAGE_DTYPES[name]) return { storageDtype: STORAGE_DTYPES[name] };
  if (module === 'torch' && DTYPE_NAMES[name]) return DTYPE_NAMES[name];
  throw new FileFormatError(
    `the file holds a Python object of class ${qualified}, which cannot be loaded here ` +
      '(only tensors, numbers, strings, lists and dicts: save a state_dict rather than a whole object)',
  );
}

// Python values as JS ones: dicts (Maps) -> plain objects, sets -> arrays.
function toPlain(value: unknown, seen = new Map<object, unknown>()): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Tensor || Buffer.isBuffer(value)) return value;
  if (seen.has(value)) return seen.get(value);
  if (Array.isArray(value) || value instanceof Set) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(toPlain(item, seen));
    return out;
  }
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    seen.set(value, out);
    for (const [key, item] of value) {
      if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'bigint') {
        throw new FileFormatError(`a dict has a key of type ${typeof key}, which a JS object cannot hold`);
      }
      Object.defineProperty(out, String(key), { value: toPlain(item, seen), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
