// The storages torch.save writes for a record's tensors, as Python's torch.save does: one record
// per storage, holding the whole storage, however many tensors of the record view it; each tensor
// keeps its offset and strides in it, so views saved together still share memory once loaded.
import { callOp } from './ops';
import { Tensor } from './tensor';
import { tensorBytes } from './tensor-bytes';

/** Where a tensor lies: its storage's record and length (elements), its offset and strides there. */
export interface Placement {
  key: string;
  numel: number;
  offset: number;
  stride: number[];
}

interface Saved {
  key: string;
  anchor: Tensor; // an empty view at the storage's start, to recognise the storage by
}

export class TensorStorages {
  // The storages saved so far, grouped by what two views of one storage agree on.
  private readonly saved = new Map<string, Saved[]>();
  private readonly records: Uint8Array[] = [];

  /** Where `tensor` lies; its storage, if new, becomes the next record. */
  place(tensor: Tensor): Placement {
    const t = tensor.detach();
    const stride = stridesOf(t);
    const { offset, numel } = storageSpan(t, stride);
    const bytes = tensorBytes(callOp('as_strided', [t, [numel], [1], 0]));
    // Telling two storages apart takes a call per pair, so only those of one group are compared;
    // bytes at both ends tell apart most storages of one length (lists of scalar tensors, say).
    const group = `${t.dtype} ${t.device} ${numel} ${ends(bytes)}`;
    const candidates = this.saved.get(group) ?? [];
    this.saved.set(group, candidates);
    const anchor: Tensor = callOp('as_strided', [t, [0], [1], 0]);
    let saved = candidates.find((s) => callOp('is_set_to', [anchor, s.anchor]));
    if (!saved) {
      saved = { key: String(this.records.length), anchor };
      candidates.push(saved);
      this.records.push(bytes);
    }
    return { key: saved.key, numel, offset, stride };
  }

  /** The storages' bytes, record `i` at index `i`. */
  bytes(): readonly Uint8Array[] {
    return this.records;
  }
}

function ends(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return b.toString('hex', 0, 16) + b.toString('hex', Math.max(16, b.length - 16));
}

// The strides of a contiguous tensor are worked out (PyTorch's rule) rather than asked for.
function stridesOf(t: Tensor): number[] {
  const shape = t.shape;
  if (!t.isContiguous()) return shape.map((_, dim) => callOp('stride', [t, dim]) as number);
  const stride: number[] = new Array(shape.length);
  let step = 1;
  for (let dim = shape.length - 1; dim >= 0; dim--) {
    stride[dim] = step;
    step *= Math.max(shape[dim], 1);
  }
  return stride;
}

// A tensor's offset in its storage and the storage's length, in elements. The addon has no accessor
// for either, so ATen ops tell them. Most tensors (parameters, buffers, results) fill their storage
// exactly from its start, which two cheap checks confirm. For any other, as_strided is asked for
// more elements than the storage holds, from the tensor's own offset: its bounds check's error
// states the offset, the element size and the storage's size in bytes (an error costs milliseconds,
// so only views pay it).
function storageSpan(t: Tensor, stride: number[]): { offset: number; numel: number } {
  const shape = t.shape;
  const spanned = shape.some((size) => size === 0) ? 0 : 1 + shape.reduce((sum, size, dim) => sum + (size - 1) * stride[dim], 0);
  if (callOp('is_set_to', [t, callOp('as_strided', [t, shape, stride, 0])])) {
    const probe: Tensor = callOp('empty', [[spanned]], { dtype: 'uint8' }); // memory it never touches
    const fills = callOp('_has_same_storage_numel', [t, probe]);
    probe.dispose();
    if (fills) return { offset: 0, numel: spanned };
  }
  let message = '';
  try {
    callOp('as_strided', [t, [MORE_THAN_ANY_STORAGE], [1]]);
  } catch (e) {
    message = (e as Error).message;
  }
  const bounds = OUT_OF_BOUNDS.exec(message);
  if (!bounds) throw new Error(`cannot find where a ${t.dtype} view of shape [${shape}] lies in its storage: ${message || 'no bounds error'}`);
  const [, offset, itemSize, storageBytes] = bounds.map(Number);
  return { offset, numel: Math.floor(storageBytes / itemSize) };
}

const MORE_THAN_ANY_STORAGE = 2 ** 50;
const OUT_OF_BOUNDS = /storage offset (\d+), and itemsize (\d+) requiring a storage size of \d+ are out of bounds for storage of size (\d+)/;
