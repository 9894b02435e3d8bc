// torch.safetensors: the safetensors format (huggingface/safetensors): an 8-byte little-endian
// header length, a JSON header mapping each name to { dtype, shape, data_offsets } (plus an
// optional "__metadata__" of strings), then the tensors' raw little-endian bytes.
import { checkLoadArguments, readFile, writeFileAtomic } from './serialization';
import { FileFormatError } from './errors';
import { Tensor } from './tensor';
import { tensorBytes, tensorFromBytes } from './tensor-bytes';
import type { Device, Dtype } from './types';

const CODES: Record<Dtype, string> = {
  float64: 'F64', float32: 'F32', float16: 'F16', bfloat16: 'BF16',
  int64: 'I64', int32: 'I32', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL',
};
const DTYPES = Object.fromEntries(Object.entries(CODES).map(([dtype, code]) => [code, dtype])) as Record<string, Dtype>;
const SIZES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const MAX_HEADER = 100 * 1024 * 1024;

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/**
 * Writes a record of tensors (and optional string `metadata`) as a safetensors file, atomically.
 * Tensors are laid out widest dtype first, so each one's data is aligned to its element size.
 */
export function save(record: Record<string, Tensor>, file: string, options: { metadata?: Record<string, string> } = {}): void {
  const names = Object.keys(record);
  for (const name of names) {
    if (!(record[name] instanceof Tensor)) throw new TypeError(`safetensors.save: '${name}' is not a Tensor`);
  }
  const ordered = [...names].sort((a, b) => SIZES[CODES[record[b].dtype]] - SIZES[CODES[record[a].dtype]]);
  const header: Record<string, unknown> = {};
  if (options.metadata) header.__metadata__ = options.metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of ordered) {
    const t = record[name];
    const bytes = tensorBytes(t);
    header[name] = { dtype: CODES[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8); // data starts 8-byte aligned
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileAtomic(file, Buffer.concat([length, Buffer.from(json), ...chunks]));
}

/** Reads a safetensors file: its tensors by name (on `device`, default the CPU). */
export function load(file: string, options: { device?: Device } = {}): Record<string, Tensor> {
  const { device } = checkLoadArguments('safetensors.load', file, options);
  const bytes = readFile('safetensors.load', file);
  const fail = (why: string, cause?: unknown): never => {
    throw new FileFormatError(`safetensors.load: ${file} is not a valid safetensors file: ${why}`, { cause });
  };
  if (bytes.length < 8) fail('shorter than its 8-byte header length');
  const headerLength = Number(bytes.readBigUInt64LE(0));
  if (headerLength > MAX_HEADER || 8 + headerLength > bytes.length) fail(`header length ${headerLength} exceeds the file (truncated?)`);
  let header: Record<string, HeaderEntry>;
  try {
    header = JSON.parse(bytes.toString('utf8', 8, 8 + headerLength));
  } catch (e) {
    return fail(`header is not JSON (${(e as Error).message})`, e);
  }
  const data = bytes.subarray(8 + headerLength);
  const out: Record<string, Tensor> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const dtype = DTYPES[entry?.dtype];
    if (!dtype) fail(`'${name}' has unsupported dtype ${JSON.stringify(entry?.dtype)}`);
    const [begin, end] = entry.data_offsets ?? [];
    const numel = (entry.shape ?? []).reduce((a, b) => a * b, 1);
    if (!(begin >= 0 && end <= data.length && end - begin === numel * SIZES[entry.dtype])) {
      fail(`'${name}' has data offsets [${begin}, ${end}] that do not fit its shape [${entry.shape}] or the file`);
    }
    const t = tensorFromBytes(data.subarray(begin, end), dtype, entry.shape);
    out[name] = device ? moveTo(t, device) : t;
  }
  return out;
}

function moveTo(t: Tensor, device: Device): Tensor {
  const moved = t.to(device);
  t.dispose();
  return moved;
}
