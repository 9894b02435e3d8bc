// A pickle writer for the data.pkl of torch.save: protocol 2 with the opcodes Python's pickler
// writes for it, all of which PyTorch 2.x's weights-only unpickler accepts. JS values become
// Python's: null/undefined None, booleans bools, whole numbers and bigints ints, other numbers
// floats, strings str, arrays lists, Maps and objects dicts (int keys where every key is an
// integer). Python objects (tensors) are written through the Python-model values below, which the
// caller's `represent` hook returns for the JS objects it knows.

export class PicklingError extends Error {}

/** A Python tuple. */
export class Tuple {
  constructor(readonly items: readonly unknown[]) {}
}

/** The Python global `module.name` (a function or class). */
export class Global {
  constructor(readonly module: string, readonly name: string) {}
}

/** The result of calling `fn(...args)` when unpickling (REDUCE). */
export class Call {
  constructor(readonly fn: Global, readonly args: readonly unknown[]) {}
}

/** An object the unpickler's `persistent_load(id)` supplies (PyTorch's storages). */
export class PersistentId {
  constructor(readonly id: unknown) {}
}

/**
 * Arrays, Maps and objects nested deeper than this are refused: far more than any record needs, and
 * short of where recursion runs out of stack, here or in Python code walking the loaded value.
 */
export const MAX_DEPTH = 1000;

// Python's pickler writes lists and dicts in batches of this many items.
const BATCH = 1000;

const op = {
  PROTO: 0x80,
  STOP: 0x2e,
  MARK: 0x28,
  NONE: 0x4e,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  BININT1: 0x4b,
  BININT2: 0x4d,
  BININT: 0x4a,
  LONG1: 0x8a,
  BINFLOAT: 0x47,
  BINUNICODE: 0x58,
  EMPTY_TUPLE: 0x29,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  TUPLE: 0x74,
  EMPTY_LIST: 0x5d,
  APPEND: 0x61,
  APPENDS: 0x65,
  EMPTY_DICT: 0x7d,
  SETITEM: 0x73,
  SETITEMS: 0x75,
  GLOBAL: 0x63,
  REDUCE: 0x52,
  BINPERSID: 0x51,
};

// A growing byte buffer.
class Output {
  private bytes = Buffer.alloc(1024);
  private length = 0;

  u8(value: number): void {
    this.ensure(1);
    this.bytes[this.length++] = value;
  }

  u16(value: number): void {
    this.ensure(2);
    this.length = this.bytes.writeUInt16LE(value, this.length);
  }

  u32(value: number): void {
    this.ensure(4);
    this.length = this.bytes.writeUInt32LE(value, this.length);
  }

  i32(value: number): void {
    this.ensure(4);
    this.length = this.bytes.writeInt32LE(value, this.length);
  }

  float64BE(value: number): void {
    this.ensure(8);
    this.length = this.bytes.writeDoubleBE(value, this.length);
  }

  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  result(): Buffer {
    return this.bytes.subarray(0, this.length);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const bigger = Buffer.alloc(Math.max(this.bytes.length * 2, this.length + n));
    this.bytes.copy(bigger, 0, 0, this.length);
    this.bytes = bigger;
  }
}

/**
 * The pickle of `value`. `represent(object)` returns the Python-model value an object stands for
 * (a Call for a tensor), or undefined to write the object as a list or dict.
 */
export function pickle(value: unknown, represent: (value: object) => unknown): Buffer {
  const pickler = new Pickler(represent);
  pickler.out.u8(op.PROTO);
  pickler.out.u8(2);
  pickler.save(value);
  pickler.out.u8(op.STOP);
  return pickler.out.result();
}

class Pickler {
  readonly out = new Output();
  // The keys and indices from the root to the value being written, for error messages.
  private readonly path: (string | number)[] = [];
  // The containers being written, to refuse a value that contains itself.
  private readonly open = new Set<object>();

  constructor(private readonly represent: (value: object) => unknown) {}

  save(value: unknown): void {
    if (value === null || value === undefined) return this.out.u8(op.NONE);
    switch (typeof value) {
      case 'boolean':
        return this.out.u8(value ? op.NEWTRUE : op.NEWFALSE);
      case 'number':
        return Number.isSafeInteger(value) ? this.int(value) : this.float(value);
      case 'bigint':
        return this.int(value);
      case 'string':
        return this.string(value);
      case 'object':
        return this.object(value);
    }
    this.fail(`it is a ${typeof value}`);
  }

  private object(value: object): void {
    if (value instanceof Tuple) return this.tuple(value.items);
    if (value instanceof Global) return this.global(value);
    if (value instanceof Call) {
      this.global(value.fn);
      this.tuple(value.args);
      return this.out.u8(op.REDUCE);
    }
    if (value instanceof PersistentId) {
      this.save(value.id);
      return this.out.u8(op.BINPERSID);
    }
    const python = this.represent(value);
    if (python !== undefined) return this.save(python);
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) this.fail(`it is a ${value.constructor.name} (make it a Tensor first)`);
    if (value instanceof Set) this.fail('it is a Set (make it an array)');
    if (this.open.has(value)) this.fail('it contains itself');
    if (this.open.size >= MAX_DEPTH) throw new PicklingError(`cannot save a value whose arrays and objects nest deeper than ${MAX_DEPTH} levels`);
    this.open.add(value);
    if (Array.isArray(value)) this.list(value);
    else this.dict(value instanceof Map ? [...value] : Object.entries(value));
    this.open.delete(value);
  }

  private int(value: number | bigint): void {
    const out = this.out;
    if (value >= 0 && value <= 0xff) {
      out.u8(op.BININT1);
      out.u8(Number(value));
    } else if (value >= 0 && value <= 0xffff) {
      out.u8(op.BININT2);
      out.u16(Number(value));
    } else if (value >= -0x80000000 && value <= 0x7fffffff) {
      out.u8(op.BININT);
      out.i32(Number(value));
    } else {
      const bytes = twosComplement(BigInt(value));
      if (bytes.length > 0xff) this.fail('it is an integer too large for a pickle (over 255 bytes)');
      out.u8(op.LONG1);
      out.u8(bytes.length);
      out.raw(bytes);
    }
  }

  private float(value: number): void {
    this.out.u8(op.BINFLOAT);
    this.out.float64BE(value);
  }

  private string(value: string): void {
    const utf8 = Buffer.from(value, 'utf8');
    this.out.u8(op.BINUNICODE);
    this.out.u32(utf8.length);
    this.out.raw(utf8);
  }

  private global(value: Global): void {
    this.out.u8(op.GLOBAL);
    this.out.raw(Buffer.from(`${value.module}\n${value.name}\n`, 'utf8'));
  }

  private tuple(items: readonly unknown[]): void {
    const short = [op.EMPTY_TUPLE, op.TUPLE1, op.TUPLE2, op.TUPLE3];
    if (items.length >= short.length) this.out.u8(op.MARK);
    for (const item of items) this.save(item);
    this.out.u8(items.length < short.length ? short[items.length] : op.TUPLE);
  }

  private list(items: unknown[]): void {
    this.out.u8(op.EMPTY_LIST);
    this.batches(items.length, op.APPEND, op.APPENDS, (i) => this.child(i, items[i]));
  }

  private dict(entries: [unknown, unknown][]): void {
    const intKeys = entries.length > 0 && entries.map(([key]) => this.isIntKey(key)).every(Boolean);
    this.out.u8(op.EMPTY_DICT);
    this.batches(entries.length, op.SETITEM, op.SETITEMS, (i) => {
      const [key, item] = entries[i];
      if (intKeys) this.int(typeof key === 'string' ? Number(key) : (key as number | bigint));
      else this.string(String(key));
      this.child(String(key), item);
    });
  }

  // Python's layout of appends and setitems: groups of BATCH between MARK and the many-item
  // opcode, a lone last item with the one-item opcode.
  private batches(count: number, one: number, many: number, write: (i: number) => void): void {
    for (let start = 0; start < count; start += BATCH) {
      const end = Math.min(count, start + BATCH);
      if (end - start > 1) this.out.u8(op.MARK);
      for (let i = start; i < end; i++) write(i);
      this.out.u8(end - start > 1 ? many : one);
    }
  }

  private child(key: string | number, value: unknown): void {
    this.path.push(key);
    this.save(value);
    this.path.pop();
  }

  // Integer keys as in an optimizer's `state`: JS gives them as decimal strings (objects) or numbers
  // (Maps). Strings of up to 15 digits, without a leading zero, read back to the same string.
  private isIntKey(key: unknown): boolean {
    if (typeof key === 'string') return /^(0|[1-9]\d{0,14})$/.test(key);
    if (typeof key === 'number') return Number.isSafeInteger(key);
    if (typeof key === 'bigint') return true;
    this.fail(`it is a dict with a key of type ${key === null ? 'null' : typeof key} (keys must be strings or integers)`);
  }

  private fail(problem: string): never {
    const where = this.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`)).join('');
    throw new PicklingError(`cannot save value${where}: ${problem}`);
  }
}

// Python's LONG1 payload: little-endian two's complement in as few bytes as hold the sign.
function twosComplement(value: bigint): Buffer {
  const bytes: number[] = [];
  let rest = value;
  for (;;) {
    const byte = Number(BigInt.asUintN(8, rest));
    bytes.push(byte);
    rest >>= 8n;
    if ((rest === 0n && byte < 0x80) || (rest === -1n && byte >= 0x80)) return Buffer.from(bytes);
  }
}
