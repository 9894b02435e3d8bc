// Zip archives held in memory, PyTorch's file format: reads the entries (stored records, and
// deflated ones and zip64 too) and writes archives the way PyTorch's own writer lays them out.
import { crc32, inflateRawSync } from 'zlib';
import { FileFormatError } from './errors';

/** A zip archive that is damaged, or one the zip format cannot hold without zip64. */
export class ZipError extends FileFormatError {}

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
const DESCRIPTOR = 0x08074b50;
const U32_MAX = 0xffffffff;
const LOCAL_HEADER_SIZE = 30;
const CENTRAL_HEADER_SIZE = 46;
const EOCD_SIZE = 22;
const DESCRIPTOR_SIZE = 16;
const UTF8_NAME = 0x0800; // flags
const SIZES_AFTER_DATA = 0x0008;

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

/** Where ZipWriter starts each record's data: at a multiple of this many bytes. */
export const RECORD_ALIGNMENT = 64;
const PADDING_ID = 0x4246; // 'FB', the extra field PyTorch pads local headers with

/**
 * Writes a zip archive as PyTorch's writer (miniz) does, so that PyTorch's loaders find what they
 * expect: records stored uncompressed; each record's data starting at a multiple of 64 bytes (the
 * padding in an 'FB' extra field), so tensors can be mapped straight from the file; CRC-32 and
 * sizes in a data descriptor after each non-empty record's data (PyTorch 2.x can compute storage
 * offsets from that layout without reading the headers). No zip64: archives stay under 4 GiB and
 * 65,535 records.
 */
export class ZipWriter {
  private readonly parts: Uint8Array[] = [];
  private readonly central: Buffer[] = [];
  private size = 0;
  private count = 0;

  /** Appends a record (a string as UTF-8); returns its CRC-32. */
  add(name: string, contents: Uint8Array | string): number {
    const data = typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents;
    const nameBytes = Buffer.from(name, 'utf8');
    const padding = paddingField(this.size + LOCAL_HEADER_SIZE + nameBytes.length);
    const recordSize = LOCAL_HEADER_SIZE + nameBytes.length + padding.length + data.length + (data.length ? DESCRIPTOR_SIZE : 0);
    if (this.size + recordSize > U32_MAX) throw new ZipError(`the archive passes 4 GiB at ${name}, which needs zip64 (not written)`);
    const crc = crc32(data);
    const flags = data.length ? UTF8_NAME | SIZES_AFTER_DATA : UTF8_NAME;
    this.central.push(centralHeader(flags, crc, data.length, nameBytes.length, this.size), nameBytes);
    this.append(localHeader(flags, nameBytes.length, padding.length), nameBytes, padding, data);
    if (data.length) this.append(descriptor(crc, data.length));
    this.count++;
    return crc;
  }

  /** The archive: the records, their central directory and its end record. */
  finish(): Buffer {
    const directory = Buffer.concat(this.central);
    if (this.size + directory.length + EOCD_SIZE > U32_MAX || this.count > 0xffff) {
      throw new ZipError(`the archive (${this.count} records) passes 4 GiB or 65,535 records, which needs zip64 (not written)`);
    }
    const end = header(EOCD_SIZE, [
      [0, 4, EOCD],
      [8, 2, this.count],
      [10, 2, this.count],
      [12, 4, directory.length],
      [16, 4, this.size],
    ]);
    return Buffer.concat([...this.parts, directory, end]);
  }

  private append(...parts: Uint8Array[]): void {
    for (const part of parts) {
      this.parts.push(part);
      this.size += part.length;
    }
  }
}

// The extra field that moves the data, which would start at `start` without it (plus the field's
// own 4-byte header), to the next multiple of RECORD_ALIGNMENT.
function paddingField(start: number): Buffer {
  const length = (RECORD_ALIGNMENT - ((start + 4) % RECORD_ALIGNMENT)) % RECORD_ALIGNMENT;
  const field = Buffer.alloc(4 + length, 'Z');
  field.writeUInt16LE(PADDING_ID, 0);
  field.writeUInt16LE(length, 2);
  return field;
}

// A header of `size` bytes, zero but for the fields given: [offset, width in bytes, value].
function header(size: number, fields: [number, 2 | 4, number][]): Buffer {
  const bytes = Buffer.alloc(size);
  for (const [at, width, value] of fields) {
    if (width === 2) bytes.writeUInt16LE(value, at);
    else bytes.writeUInt32LE(value, at);
  }
  return bytes;
}

// CRC-32 and sizes stay 0 here: they follow the data (SIZES_AFTER_DATA), as miniz writes them.
function localHeader(flags: number, nameLength: number, extraLength: number): Buffer {
  return header(LOCAL_HEADER_SIZE, [
    [0, 4, LOCAL],
    [6, 2, flags],
    [26, 2, nameLength],
    [28, 2, extraLength],
  ]);
}

function descriptor(crc: number, size: number): Buffer {
  return header(DESCRIPTOR_SIZE, [
    [0, 4, DESCRIPTOR],
    [4, 4, crc],
    [8, 4, size], // compressed
    [12, 4, size],
  ]);
}

function centralHeader(flags: number, crc: number, size: number, nameLength: number, localHeaderOffset: number): Buffer {
  return header(CENTRAL_HEADER_SIZE, [
    [0, 4, CENTRAL],
    [8, 2, flags],
    [16, 4, crc],
    [20, 4, size], // compressed
    [24, 4, size],
    [28, 2, nameLength],
    [42, 4, localHeaderOffset],
  ]);
}
