// The library's error kinds, so that a caller can `catch` by kind (`e instanceof torch.errors.
// DisposedTensorError`) and read a stable `code`. Argument errors subclass TypeError and RangeError,
// the kinds JavaScript itself uses for a wrong type and a value out of range, so existing
// `instanceof TypeError` checks keep working (and their `name` stays 'TypeError' / 'RangeError', as
// the addon's own argument errors are named); `instanceof TorchError` holds for every kind.

/** Stable codes, one per kind. */
export type TorchErrorCode = 'ERR_TORCH' | 'ERR_TORCH_ARGUMENT' | 'ERR_TORCH_ARGUMENT_VALUE' | 'ERR_TORCH_DISPOSED' | 'ERR_TORCH_FILE_FORMAT';

interface Coded {
  code: TorchErrorCode;
}

const codeOf = (value: unknown): unknown => (value !== null && typeof value === 'object' ? (value as Partial<Coded>).code : undefined);

// The addon (which this layer does not change) raises its own plain Errors for a disposed tensor,
// in the main realm; they are recognised by their fixed wording.
const ADDON_DISPOSED = /has been disposed and cannot be used$/;
const isAddonDisposed = (value: unknown): boolean =>
  value !== null && typeof value === 'object' && typeof (value as Error).message === 'string' && ADDON_DISPOSED.test((value as Error).message);

/** The base of every error this library raises on purpose. */
export class TorchError extends Error implements Coded {
  readonly code: TorchErrorCode;

  constructor(message: string, options: { cause?: unknown; code?: TorchErrorCode } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'ERR_TORCH';
  }

  // Argument errors cannot extend this class (they extend TypeError / RangeError): membership is
  // by code, and the addon's disposed-tensor errors count too. Subclasses test their own kind.
  static [Symbol.hasInstance](value: unknown): boolean {
    if (this === TorchError) {
      const code = codeOf(value);
      return (typeof code === 'string' && code.startsWith('ERR_TORCH')) || isAddonDisposed(value);
    }
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/** A tensor used after `dispose()` (or after its `tidy` ended). */
export class DisposedTensorError extends TorchError {
  constructor(message: string) {
    super(message, { code: 'ERR_TORCH_DISPOSED' });
  }

  static [Symbol.hasInstance](value: unknown): boolean {
    return codeOf(value) === 'ERR_TORCH_DISPOSED' || isAddonDisposed(value);
  }
}

/** A file that is not what it should be: not a zip, a damaged record, an unknown pickle opcode, ... */
export class FileFormatError extends TorchError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, code: 'ERR_TORCH_FILE_FORMAT' });
  }
}

/** An argument of the wrong type: `Linear('3', 2)`, `SGD(params, { lr: '0.1' })`. */
export class ArgumentError extends TypeError implements Coded {
  readonly code = 'ERR_TORCH_ARGUMENT' as const;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** An argument of the right type but an invalid value: a negative size, `p` outside [0, 1], NaN. */
export class ArgumentValueError extends RangeError implements Coded {
  readonly code = 'ERR_TORCH_ARGUMENT_VALUE' as const;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}
