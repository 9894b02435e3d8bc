// The IDX format of MNIST and Fashion-MNIST: a big-endian header (magic 0x00000800 | type << 8 |
// ndim, then ndim int32 sizes) followed by the raw values; here always unsigned bytes, gzipped.
import * as fs from 'fs';
import * as zlib from 'zlib';

const UBYTE = 0x08;

/** The unsigned-byte array of one IDX file and its sizes. */
export interface IdxArray {
  shape: number[];
  values: Uint8Array;
}

/** Reads `file` (gzipped when it ends in .gz); `hint` says how to get the file, for errors. */
export function readIdx(file: string, hint: string): IdxArray {
  if (!fs.existsSync(file)) throw new Error(`missing ${file}. ${hint}`);
  let bytes: Buffer;
  try {
    bytes = file.endsWith('.gz') ? gunzip(fs.readFileSync(file)) : fs.readFileSync(file);
  } catch (e) {
    throw new Error(`could not read ${file} (${(e as Error).message}): the file is corrupt or truncated. ${hint}`);
  }
  return parseIdx(bytes, file, hint);
}

// One output buffer of the size the gzip trailer announces, instead of many small chunks.
function gunzip(compressed: Buffer): Buffer {
  const announced = compressed.length >= 4 ? compressed.readUInt32LE(compressed.length - 4) : 0;
  return zlib.gunzipSync(compressed, { chunkSize: Math.max(announced + 1, 64 * 1024) });
}

function parseIdx(bytes: Buffer, file: string, hint: string): IdxArray {
  const corrupt = (why: string) => new Error(`${file} is not a valid IDX file (${why}). ${hint}`);
  if (bytes.length < 4) throw corrupt('shorter than its header');
  const type = bytes[2];
  const ndim = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0 || type !== UBYTE || ndim < 1) throw corrupt('bad magic number');
  const headerSize = 4 + 4 * ndim;
  if (bytes.length < headerSize) throw corrupt('shorter than its header');
  const shape = Array.from({ length: ndim }, (_, d) => bytes.readUInt32BE(4 + 4 * d));
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== headerSize + count) {
    throw corrupt(`header announces ${count} values for shape [${shape}], found ${bytes.length - headerSize}`);
  }
  return { shape, values: new Uint8Array(bytes.buffer, bytes.byteOffset + headerSize, count) };
}
