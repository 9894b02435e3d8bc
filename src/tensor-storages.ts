// The storages torch.save writes for a record's tensors, as Python's torch.save does: one record
// per storage, holding the whole storage, however many tensors of the record view it; each tensor
// keeps its offset and strides in it, so views saved together still share memory once loaded.
import { native } from './native';
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

export class TensorStorages {
  // Record index by storage (native/storage.cc's key). The tensors being saved keep their
  // storages alive for the whole save, so no key can be reused by another storage meanwhile.
  private readonly keys = new Map<string, string>();
  private readonly records: Uint8Array[] = [];

  /** Where `tensor` lies; its storage, if new, becomes the next record. */
  place(tensor: Tensor): Placement {
    const { key, offset, numel, strides } = native.storagePlacement(tensor);
    let record = this.keys.get(key);
    if (record === undefined) {
      record = String(this.records.length);
      this.keys.set(key, record);
      const detached = tensor.detach();
      const whole: Tensor = callOp('as_strided', [detached, [numel], [1], 0]);
      this.records.push(tensorBytes(whole));
      whole.dispose();
      detached.dispose();
    }
    return { key: record, numel, offset, stride: strides };
  }

  /** The storages' bytes, record `i` at index `i`. */
  bytes(): readonly Uint8Array[] {
    return this.records;
  }
}
