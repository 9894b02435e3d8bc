// A Python unpickler (the pickle virtual machine of Python's pickle.py, protocols 0-4) for the
// data in PyTorch files. Python dicts become Maps (keys keep their types), lists and tuples
// arrays; globals and persistent ids are resolved by the caller's hooks, which is where tensors
// are made. Nothing here runs arbitrary code: unknown globals are refused by the hooks.
import { FileFormatError } from './errors';

export interface UnpickleHooks {
  /** The value for Python global `module.name`: a function to call (REDUCE, NEWOBJ) or a value. */
  findClass(module: string, name: string): unknown;
  /** The value for a persistent id (PyTorch's storages). */
  persistentLoad(pid: unknown): unknown;
}

/** Pickle data this reader cannot make sense of: a damaged or unsupported file. */
export class UnpicklingError extends FileFormatError {}

// Marks the stack position of a MARK opcode.
const MARK = Symbol('mark');

type Callable = (...args: unknown[]) => unknown;

function call(fn: unknown, args: unknown[], what: string): unknown {
  if (typeof fn !== 'function') throw new UnpicklingError(`${what}: ${typeof fn === 'symbol' ? 'a symbol' : String(fn)} is not callable`);
  return (fn as Callable)(...args);
}

/** Runs the pickle program in `data` and returns the object it builds. */
export function unpickle(data: Uint8Array, hooks: UnpickleHooks): unknown {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;

  const need = (n: number) => {
    if (pos + n > bytes.length) throw new UnpicklingError('pickle data was truncated');
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = () => bytes[need(1)];
  const u16 = () => bytes.readUInt16LE(need(2));
  const u32 = () => bytes.readUInt32LE(need(4));
  const u64 = () => Number(bytes.readBigUInt64LE(need(8)));
  const take = (n: number) => bytes.subarray(need(n), pos);
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new UnpicklingError('pickle data was truncated');
    const text = bytes.toString('latin1', pos, end);
    pos = end + 1;
    return text;
  };
  const popMark = (): unknown[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw new UnpicklingError('could not find MARK');
    const items = stack.splice(at);
    items.shift();
    return items;
  };
  const top = () => stack[stack.length - 1];
  const pop = () => {
    if (stack.length === 0) throw new UnpicklingError('unpickling stack underflow');
    return stack.pop();
  };
  const setItems = (dict: unknown, items: unknown[]) => {
    if (!(dict instanceof Map)) throw new UnpicklingError('SETITEMS on something that is not a dict');
    for (let i = 0; i + 1 < items.length; i += 2) dict.set(items[i], items[i + 1]);
  };
  const appendItems = (list: unknown, items: unknown[]) => {
    if (!Array.isArray(list)) throw new UnpicklingError('APPENDS on something that is not a list');
    list.push(...items);
  };
  const littleEndianInt = (raw: Buffer): number | bigint => {
    if (raw.length === 0) return 0;
    let value = 0n;
    for (let i = raw.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i]);
    if (raw[raw.length - 1] & 0x80) value -= 1n << BigInt(8 * raw.length);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new UnpicklingError('unsupported pickle protocol');
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP '.'
        return stack.pop();
      case 0x28: // MARK '('
        stack.push(MARK);
        break;
      case 0x30: // POP '0'
        pop();
        break;
      case 0x31: // POP_MARK '1'
        popMark();
        break;
      case 0x32: // DUP '2'
        stack.push(top());
        break;
      case 0x4e: // NONE 'N'
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x49: {
        // INT 'I' (protocol 0; "01"/"00" are True/False)
        const text = line();
        stack.push(text === '01' ? true : text === '00' ? false : Number(text));
        break;
      }
      case 0x4a: // BININT 'J'
        stack.push(bytes.readInt32LE(need(4)));
        break;
      case 0x4b: // BININT1 'K'
        stack.push(u8());
        break;
      case 0x4d: // BININT2 'M'
        stack.push(u16());
        break;
      case 0x4c: {
        // LONG 'L' (protocol 0)
        const value = BigInt(line().replace(/L$/, ''));
        stack.push(value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value);
        break;
      }
      case 0x8a: // LONG1
        stack.push(littleEndianInt(take(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(littleEndianInt(take(u32())));
        break;
      case 0x47: // BINFLOAT 'G' (big-endian double)
        stack.push(bytes.readDoubleBE(need(8)));
        break;
      case 0x46: // FLOAT 'F' (protocol 0)
        stack.push(Number(line()));
        break;
      case 0x58: // BINUNICODE 'X'
        stack.push(take(u32()).toString('utf8'));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(take(u8()).toString('utf8'));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(take(u64()).toString('utf8'));
        break;
      case 0x54: // BINSTRING 'T'
        stack.push(take(bytes.readInt32LE(need(4))).toString('latin1'));
        break;
      case 0x55: // SHORT_BINSTRING 'U'
        stack.push(take(u8()).toString('latin1'));
        break;
      case 0x42: // BINBYTES 'B'
        stack.push(Buffer.from(take(u32())));
        break;
      case 0x43: // SHORT_BINBYTES 'C'
        stack.push(Buffer.from(take(u8())));
        break;
      case 0x8e: // BINBYTES8
        stack.push(Buffer.from(take(u64())));
        break;
      case 0x29: // EMPTY_TUPLE ')'
        stack.push([]);
        break;
      case 0x74: // TUPLE 't'
        stack.push(popMark());
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x5d: // EMPTY_LIST ']'
        stack.push([]);
        break;
      case 0x6c: // LIST 'l'
        stack.push(popMark());
        break;
      case 0x61: {
        // APPEND 'a'
        const item = pop();
        appendItems(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS 'e'
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT '}'
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT 'd'
        const dict = new Map();
        setItems(dict, popMark());
        stack.push(dict);
        break;
      }
      case 0x73: {
        // SETITEM 's'
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS 'u'
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const set = top();
        if (!(set instanceof Set)) throw new UnpicklingError('ADDITEMS on something that is not a set');
        for (const item of items) set.add(item);
        break;
      }
      case 0x91: // FROZENSET
        stack.push(new Set(popMark()));
        break;
      case 0x63: {
        // GLOBAL 'c'
        const module = line();
        stack.push(hooks.findClass(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop() as string;
        stack.push(hooks.findClass(pop() as string, name));
        break;
      }
      case 0x52: {
        // REDUCE 'R'
        const args = pop() as unknown[];
        stack.push(call(pop(), args, 'REDUCE'));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop() as unknown[];
        stack.push(call(pop(), args, 'NEWOBJ'));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX (keyword arguments are not supported by the hooks)
        pop();
        const args = pop() as unknown[];
        stack.push(call(pop(), args, 'NEWOBJ_EX'));
        break;
      }
      case 0x62: {
        // BUILD 'b': instance state. A dict's (OrderedDict's `_metadata`) is dropped; objects the
        // hooks made may take it through `__setstate__`.
        const state = pop();
        const target = top() as { __setstate__?: (s: unknown) => void } | null;
        if (target && typeof target.__setstate__ === 'function') target.__setstate__(state);
        else if (!(target instanceof Map)) throw new UnpicklingError('BUILD on an object that takes no state');
        break;
      }
      case 0x51: // BINPERSID 'Q'
        stack.push(hooks.persistentLoad(pop()));
        break;
      case 0x50: // PERSID 'P'
        stack.push(hooks.persistentLoad(line()));
        break;
      case 0x68: // BINGET 'h'
        stack.push(memoGet(memo, u8()));
        break;
      case 0x6a: // LONG_BINGET 'j'
        stack.push(memoGet(memo, u32()));
        break;
      case 0x67: // GET 'g'
        stack.push(memoGet(memo, Number(line())));
        break;
      case 0x71: // BINPUT 'q'
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT 'r'
        memo.set(u32(), top());
        break;
      case 0x70: // PUT 'p'
        memo.set(Number(line()), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      default:
        throw new UnpicklingError(`unsupported pickle opcode 0x${op.toString(16)} at byte ${pos - 1}`);
    }
  }
}

function memoGet(memo: Map<number, unknown>, key: number): unknown {
  if (!memo.has(key)) throw new UnpicklingError(`memo key ${key} not found`);
  return memo.get(key);
}
