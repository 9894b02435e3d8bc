// Argument checks for the public entry points, in PyTorch's wording: each names the function, the
// argument (and its position when positional), what was expected and what came, so that no bad
// input reaches a place where it would fail in the JS engine's words or be silently accepted.
import { ArgumentError, ArgumentValueError, DisposedTensorError } from './errors';
import { Tensor } from './tensor';
import { DTYPES } from './types';
import type { Dtype } from './types';

/** `argument 'inFeatures' (position 1)` for positional arguments, the bare name for options. */
export type ArgName = string | [name: string, position: number];

const label = (arg: ArgName): string => (typeof arg === 'string' ? arg : `argument '${arg[0]}' (position ${arg[1]})`);

/** A value as an error message shows it: `string '0.1'`, `null`, `bigint 3n`, `an array`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `string '${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`;
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `bigint ${value}n`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    case 'undefined':
      return 'undefined';
    default:
      return value instanceof Tensor ? 'a Tensor' : ArrayBuffer.isView(value) ? `a ${value.constructor.name}` : 'an object';
  }
}

/** Throws the ArgumentError for `arg` of `where`: it must be `expected` but is `value`. */
export function fail(where: string, arg: ArgName, expected: string, value: unknown): never {
  throw new ArgumentError(`${where}: ${label(arg)} must be ${expected}, got ${describe(value)}`);
}

const outOfRange = (where: string, arg: ArgName, expected: string, value: unknown): never => {
  throw new ArgumentValueError(`${where}: ${label(arg)} must be ${expected}, got ${describe(value)}`);
};

export interface NumberRange {
  min?: number;
  max?: number;
  /** `min` itself is out of range: (min, max]. */
  minExclusive?: boolean;
}

function rangeText({ min, max, minExclusive }: NumberRange): string {
  if (min !== undefined && max !== undefined) return `a number in ${minExclusive ? '(' : '['}${min}, ${max}]`;
  if (min !== undefined) return minExclusive ? `a number > ${min}` : `a number >= ${min}`;
  return max !== undefined ? `a number <= ${max}` : 'a finite number';
}

/** A finite number (NaN and the infinities refused), optionally in a range. */
export function checkNumber(where: string, arg: ArgName, value: unknown, range: NumberRange = {}): number {
  const expected = rangeText(range);
  if (typeof value !== 'number') return fail(where, arg, expected, value);
  const { min, max, minExclusive } = range;
  const below = min !== undefined && (minExclusive ? !(value > min) : !(value >= min));
  if (!Number.isFinite(value) || below || (max !== undefined && !(value <= max))) return outOfRange(where, arg, expected, value);
  return value;
}

const intText = (min?: number): string => (min === undefined ? 'an integer' : min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer >= ${min}`);

/** A safe integer, at least `min` when given. */
export function checkInt(where: string, arg: ArgName, value: unknown, min?: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) return fail(where, arg, intText(min), value);
  if (!Number.isSafeInteger(value) || (min !== undefined && value < min)) return outOfRange(where, arg, intText(min), value);
  return value;
}

/** A boolean (a truthy string or object is refused, not taken for `true`). */
export function checkBool(where: string, arg: ArgName, value: unknown): boolean {
  return typeof value === 'boolean' ? value : fail(where, arg, 'a boolean', value);
}

/** One of the listed strings. */
export function checkChoice<T extends string>(where: string, arg: ArgName, value: unknown, choices: readonly T[]): T {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  const quoted = choices.map((c) => `'${c}'`);
  return fail(where, arg, quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}` : quoted[0], value);
}

/** A dtype name. */
export function checkDtype(where: string, arg: ArgName, value: unknown): Dtype {
  return checkChoice(where, arg, value, DTYPES);
}

/** An options object (or undefined, which stands for none). */
export function checkOptions<T extends object>(where: string, value: T | undefined, arg: ArgName = 'options'): T {
  if (value === undefined) return {} as T;
  if (!isPlainObject(value)) return fail(where, arg, 'an options object', value);
  return value;
}

/** `{ ... }` or `Object.create(null)`: not an array, a Tensor, a TypedArray, a Date, a Map. */
export function isPlainObject(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** An array whose every element passes `each` (given the element's name, `arg[i]`). */
export function checkArray<T>(where: string, arg: ArgName, value: unknown, each: (item: unknown, name: string) => T, what = 'an array'): T[] {
  if (!Array.isArray(value)) return fail(where, arg, what, value);
  const name = typeof arg === 'string' ? arg : arg[0];
  return value.map((item, i) => each(item, `${name}[${i}]`));
}

/** A number, or a pair of them, each checked by `each`: kernel sizes, strides, paddings. */
export function checkPair(where: string, arg: ArgName, value: unknown, each: (v: unknown, name: ArgName) => number): [number, number] {
  if (Array.isArray(value)) {
    if (value.length !== 2) return fail(where, arg, 'a number or a pair of numbers', value);
    return [each(value[0], `${typeof arg === 'string' ? arg : arg[0]}[0]`), each(value[1], `${typeof arg === 'string' ? arg : arg[0]}[1]`)];
  }
  const v = each(value, arg);
  return [v, v];
}

/** A Tensor, live or not: where the addon names a disposed one itself (`self has been disposed`). */
export function checkIsTensor(where: string, arg: ArgName, value: unknown): Tensor {
  return value instanceof Tensor ? value : fail(where, arg, 'a Tensor', value);
}

/** A live Tensor. */
export function checkTensor(where: string, arg: ArgName, value: unknown): Tensor {
  if (checkIsTensor(where, arg, value).isDisposed) throw new DisposedTensorError(`${where}: ${label(arg)} has been disposed and cannot be used`);
  return value as Tensor;
}
