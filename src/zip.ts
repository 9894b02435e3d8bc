// Reads the entries of a zip archive held in memory (PyTorch's file format is a zip of stored,
// uncompressed records; deflated ones and zip64 are handled too).
import { inflateRawSync } from 'zlib';

export class ZipError extends Error {}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const U32_MAX = 0xffffffff;

function findEndOfCentralDirectory(bytes: Buffer): number {
  const last = bytes.length - 22;
  for (let at = last; at >= Math.max(0, last - 0xffff); at--) {
    if (bytes.readUInt32LE(at) === EOCD) return at;
  }
  throw new ZipError('no zip end-of-central-directory record (the file is truncated or not a zip archive)');
}

function check(bytes: Buffer, at: number, length: number): void {
  if (at < 0 || at + length > bytes.length) throw new ZipError('zip record out of bounds (the file is truncated)');
}

// The central directory's count, size and offset, from the zip64 record when the classic one
// says it overflowed.
function centralDirectory(bytes: Buffer, eocd: number): { count: number; offset: number } {
  let count = bytes.readUInt16LE(eocd + 10);
  let offset = bytes.readUInt32LE(eocd + 16);
  if (offset === U32_MAX || count === 0xffff) {
    const locator = eocd - 20;
    check(bytes, locator, 20);
    if (bytes.readUInt32LE(locator) !== ZIP64_LOCATOR) throw new ZipError('missing zip64 locator');
    const record = Number(bytes.readBigUInt64LE(locator + 8));
    check(bytes, record, 56);
    if (bytes.readUInt32LE(record) !== ZIP64_EOCD) throw new ZipError('bad zip64 end-of-central-directory record');
    count = Number(bytes.readBigUInt64LE(record + 32));
    offset = Number(bytes.readBigUInt64LE(record + 48));
  }
  return { count, offset };
}

// Sizes and offset that overflowed 32 bits are in the zip64 extra field, in this order.
function applyZip64(entry: ZipEntry, extra: Buffer): void {
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const size = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let field = at + 4;
      const next = () => {
        const value = Number(extra.readBigUInt64LE(field));
        field += 8;
        return value;
      };
      if (entry.size === U32_MAX) entry.size = next();
      if (entry.compressedSize === U32_MAX) entry.compressedSize = next();
      if (entry.localHeaderOffset === U32_MAX) entry.localHeaderOffset = next();
      return;
    }
    at += 4 + size;
  }
}

/** The archive's entries by name. */
export function readZipEntries(bytes: Buffer): Map<string, ZipEntry> {
  if (bytes.length < 22) throw new ZipError('too short to be a zip archive');
  const { count, offset } = centralDirectory(bytes, findEndOfCentralDirectory(bytes));
  const entries = new Map<string, ZipEntry>();
  let at = offset;
  for (let i = 0; i < count; i++) {
    check(bytes, at, 46);
    if (bytes.readUInt32LE(at) !== CENTRAL) throw new ZipError('bad zip central directory entry');
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    check(bytes, at + 46, nameLength + extraLength);
    const entry: ZipEntry = {
      name: bytes.toString('utf8', at + 46, at + 46 + nameLength),
      method: bytes.readUInt16LE(at + 10),
      compressedSize: bytes.readUInt32LE(at + 20),
      size: bytes.readUInt32LE(at + 24),
      localHeaderOffset: bytes.readUInt32LE(at + 42),
    };
    applyZip64(entry, bytes.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength));
    entries.set(entry.name, entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** An entry's contents (a view into `bytes` when stored uncompressed). */
export function readZipEntry(bytes: Buffer, entry: ZipEntry): Buffer {
  const header = entry.localHeaderOffset;
  check(bytes, header, 30);
  if (bytes.readUInt32LE(header) !== LOCAL) throw new ZipError(`bad zip local header for ${entry.name}`);
  const start = header + 30 + bytes.readUInt16LE(header + 26) + bytes.readUInt16LE(header + 28);
  check(bytes, start, entry.compressedSize);
  const raw = bytes.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return raw;
  if (entry.method === 8) return inflateRawSync(raw);
  throw new ZipError(`zip entry ${entry.name} uses unsupported compression method ${entry.method}`);
}
