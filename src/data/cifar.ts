// The binary release of CIFAR-10 (cifar-10-batches-bin): each file is a run of 3073-byte records,
// one label byte then 32x32 red, green and blue planes, row-major.
import * as fs from 'fs';
import { tensor } from '../factories';
import { tidy } from '../scope';
import type { Tensor } from '../tensor';

const SIDE = 32;
const RECORD = 1 + 3 * SIDE * SIDE;
const NUM_CLASSES = 10;

/** The images `[N, 3, 32, 32]` uint8 and labels `[N]` int64 of the given batch files, in order. */
export function readCifar10(files: string[], hint: string): { data: Tensor; targets: Tensor } {
  const parts = files.map((file) => readRecords(file, hint));
  const bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  const count = bytes.length / RECORD;
  return tidy(() => {
    const records = tensor(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), { shape: [count, RECORD] });
    const targets = records.select(1, 0).long();
    const largest = count ? targets.max().item() : 0;
    if (largest >= NUM_CLASSES) throw new Error(`CIFAR10: label ${largest} out of range in ${files.join(', ')}: not CIFAR-10's binary release. ${hint}`);
    const data = records.narrow(1, 1, RECORD - 1).reshape(count, 3, SIDE, SIDE).clone();
    return { data, targets };
  });
}

function readRecords(file: string, hint: string): Buffer {
  if (!fs.existsSync(file)) throw new Error(`CIFAR10: missing ${file}. ${hint}`);
  const bytes = fs.readFileSync(file);
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new Error(`CIFAR10: ${file} is not a CIFAR-10 binary batch (${bytes.length} bytes is not a whole number of ${RECORD}-byte records). ${hint}`);
  }
  return bytes;
}
