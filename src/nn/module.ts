// nn.Module, as PyTorch's module.py: parameters, buffers and child modules assigned as properties
// are registered by the assignment itself, in the order they were assigned, and every traversal
// (parameters, state dicts, train/eval, to, copy) walks them the way PyTorch does.
import { noGrad } from '../autograd';
import { native, Results } from '../native';
import { keep } from '../scope';
import { callOp, opId } from '../ops';
import { checkBool, checkOptions, describe, isPlainObject } from '../check';
import { ArgumentError } from '../errors';
import { Tensor } from '../tensor';
import { DTYPES } from '../types';
import type { Device, Dtype } from '../types';

// A new handle to `data`'s storage, cut from the autograd graph (no Tensor object in between, so
// no scope or collector owns it twice).
function detachedHandle(data: Tensor): number {
  return native.callOp(opId('detach'), [data], undefined, Results.Handle);
}

/**
 * A tensor that is a module parameter: a leaf sharing `data`'s storage, with `requiresGrad` on
 * (unless told otherwise). Parameters live as long as their module: they never belong to the
 * `tidy` scope they were made in.
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(detachedHandle(data));
    keep(this);
    this.requiresGrad = requiresGrad;
  }
}

export type StateDict = Record<string, Tensor>;

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export type ModuleTarget = Device | Dtype | { device?: Device; dtype?: Dtype };

const isFloating = (dtype: Dtype) => dtype.startsWith('float') || dtype === 'bfloat16';

/**
 * The base of every layer and model. Subclass it, assign parameters (`Parameter`), buffers
 * (`registerBuffer`) and child modules as properties in the constructor, and write `forward`.
 */
export abstract class Module {
  /** Whether the module is in training mode (`train()`) or evaluation mode (`eval()`). */
  training = true;
  // Buffer names, each with whether it belongs in the state dict (PyTorch's `persistent`).
  private readonly bufferNames = new Map<string, boolean>();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  abstract forward(...args: any[]): any;

  /** Runs `forward` (PyTorch's `module(x)`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call(...args: any[]): any {
    return this.forward(...args);
  }

  /**
   * Adds a buffer: state that is not trained (BatchNorm's running statistics), saved in the state
   * dict unless `persistent: false`, moved by `to()`. It is then a property of that name.
   */
  registerBuffer(name: string, tensor: Tensor | null, options: { persistent?: boolean } = {}): void {
    if (!name || name.includes('.')) throw new TypeError(`registerBuffer: invalid buffer name '${name}'`);
    this.bufferNames.set(name, options.persistent ?? true);
    (this as Record<string, unknown>)[name] = tensor === null ? null : keep(tensor);
  }

  // ---- what is registered here (overridden by modules whose state lives elsewhere) -----------

  protected ownParameters(): [string, Tensor][] {
    return Object.entries(this).filter((e): e is [string, Tensor] => e[1] instanceof Parameter);
  }

  protected ownBuffers(persistentOnly = false): [string, Tensor][] {
    return Object.entries(this).filter(
      (e): e is [string, Tensor] =>
        e[1] instanceof Tensor && this.bufferNames.has(e[0]) && (!persistentOnly || this.bufferNames.get(e[0]) === true),
    );
  }

  /** The direct submodules with their attribute names. */
  namedChildren(): [string, Module][] {
    return Object.entries(this).filter((e): e is [string, Module] => e[1] instanceof Module);
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every submodule, depth first, with dotted names (`''` for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (module: Module, name: string) => {
      if (seen.has(module)) return;
      seen.add(module);
      out.push([name, module]);
      for (const [child, m] of module.namedChildren()) visit(m, name ? `${name}.${child}` : child);
    };
    visit(this, prefix);
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Calls `fn` on every submodule and then on this one (PyTorch's `apply`, e.g. for init). */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  // ---- parameters and buffers -----------------------------------------------------------------

  /** `[name, parameter]` pairs, each parameter once, in registration order (`layer1.0.conv1.weight`). */
  namedParameters(options: { prefix?: string; recurse?: boolean } = {}): [string, Tensor][] {
    return this.collect((m) => m.ownParameters(), options);
  }

  parameters(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedParameters(options).map(([, p]) => p);
  }

  namedBuffers(options: { prefix?: string; recurse?: boolean } = {}): [string, Tensor][] {
    return this.collect((m) => m.ownBuffers(), options);
  }

  buffers(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedBuffers(options).map(([, b]) => b);
  }

  private collect(
    own: (m: Module) => [string, Tensor][],
    { prefix = '', recurse = true }: { prefix?: string; recurse?: boolean },
  ): [string, Tensor][] {
    const modules: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [path, module] of modules) {
      for (const [name, t] of own(module)) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([path ? `${path}.${name}` : name, t]);
      }
    }
    return out;
  }

  /**
   * The module's own tensors behind its state dict, by key: each module's parameters, then its
   * persistent buffers, then its children's, as PyTorch's `state_dict` orders them.
   */
  protected stateTensors(prefix = ''): [string, Tensor][] {
    const key = (name: string) => (prefix ? `${prefix}.${name}` : name);
    const out: [string, Tensor][] = [];
    for (const [name, t] of [...this.ownParameters(), ...this.ownBuffers(true)]) out.push([key(name), t]);
    for (const [name, child] of this.namedChildren()) out.push(...child.stateTensors(key(name)));
    return out;
  }

  /** Parameters and persistent buffers by PyTorch's keys, as detached tensors sharing storage. */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [key, t] of this.stateTensors()) out[key] = t.detach();
    return out;
  }

  /**
   * Copies a state dict's tensors into this module's parameters and buffers. With `strict` (the
   * default) every key must match; shapes must match always. Nothing is copied when it fails.
   */
  loadStateDict(stateDict: StateDict, options: { strict?: boolean } = {}): LoadResult {
    if (!isPlainObject(stateDict)) throw new ArgumentError(`loadStateDict: argument 'stateDict' (position 1) must be a record of Tensors by key, got ${describe(stateDict)}`);
    const strict = checkBool('loadStateDict', 'strict', checkOptions('loadStateDict', options, ['options', 2]).strict ?? true);
    const own = new Map(this.stateTensors());
    const missingKeys: string[] = [];
    const problems: string[] = [];
    const pairs: [Tensor, Tensor][] = [];
    for (const [key, target] of own) {
      if (!Object.prototype.hasOwnProperty.call(stateDict, key)) {
        missingKeys.push(key);
        continue;
      }
      const source = stateDict[key];
      if (!(source instanceof Tensor) || source.isDisposed) {
        problems.push(`value for ${key} is ${source instanceof Tensor ? 'a disposed Tensor' : `not a Tensor but ${describe(source)}`}`);
        continue;
      }
      const [from, to] = [source.shape, target.shape];
      if (from.length !== to.length || from.some((n, i) => n !== to[i])) {
        problems.push(`size mismatch for ${key}: copying a param with shape [${from}] from checkpoint, the shape in current model is [${to}].`);
        continue;
      }
      pairs.push([target, source]);
    }
    const unexpectedKeys = Object.keys(stateDict).filter((key) => !own.has(key));
    if (strict && unexpectedKeys.length) problems.unshift(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
    if (strict && missingKeys.length) problems.unshift(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
    if (problems.length) throw new Error(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${problems.join('\n\t')}`);
    noGrad(() => {
      for (const [target, source] of pairs) target.copy_(source);
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- modes and gradients --------------------------------------------------------------------

  /** Sets training mode (or evaluation mode with `false`) here and in every submodule. */
  train(mode = true): this {
    this.training = checkBool(`${this.constructor.name}.train`, ['mode', 1], mode);
    for (const child of this.children()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Frees every parameter's gradient (`setToNone`, the default, as PyTorch 2) or zeroes it. */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      if (options.setToNone ?? true) p.grad = null;
      else p.grad?.zero_();
    }
  }

  /** Turns gradient recording for every parameter on or off (freezing a model). */
  requiresGrad_(flag = true): this {
    checkBool(`${this.constructor.name}.requiresGrad_`, ['flag', 1], flag);
    for (const p of this.parameters()) p.requiresGrad = flag;
    return this;
  }

  /**
   * Moves parameters and buffers to a device and/or casts the floating-point ones to a dtype, in
   * place: the same Parameter objects (and an optimizer holding them) see the new data.
   */
  to(target: ModuleTarget): this {
    const { device, dtype } = parseTarget(target);
    noGrad(() => {
      for (const t of [...this.parameters(), ...this.buffers()]) moveInPlace(t, device, dtype);
    });
    return this;
  }

  /**
   * A deep copy with fresh storage for every tensor: same classes, structure, options and values,
   * sharing nothing with this module (how a Mean Teacher teacher or a MoCo key encoder is made).
   */
  copy(): this {
    return this.copyWith(new Map());
  }

  /** Copies this module, reusing `memo`'s copies of objects already copied (shared submodules). */
  protected copyWith(memo: Map<object, unknown>): this {
    const clone = Object.create(Object.getPrototypeOf(this)) as this;
    memo.set(this, clone);
    for (const [key, value] of Object.entries(this)) (clone as Record<string, unknown>)[key] = Module.copyValue(value, memo);
    return clone;
  }

  // Deep copy of a property value: modules by their own `copyWith`, tensors with fresh storage,
  // containers element by element; other class instances (options, functions) are shared.
  private static copyValue(value: unknown, memo: Map<object, unknown>): unknown {
    if (value === null || typeof value !== 'object') return value;
    if (memo.has(value)) return memo.get(value);
    if (value instanceof Module) return value.copyWith(memo);
    let out: unknown = value;
    if (value instanceof Tensor) out = copyTensor(value);
    else if (Array.isArray(value)) out = value.map((v) => Module.copyValue(v, memo));
    else if (value instanceof Map) out = new Map([...value].map(([k, v]) => [k, Module.copyValue(v, memo)]));
    else if (value instanceof Set) out = new Set([...value].map((v) => Module.copyValue(v, memo)));
    else if (Object.getPrototypeOf(value) === Object.prototype) {
      out = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, Module.copyValue(v, memo)]));
    }
    memo.set(value, out);
    return out;
  }
}

/** `to()`'s target as `{ device, dtype }`. */
export function parseTarget(target: ModuleTarget): { device?: Device; dtype?: Dtype } {
  if (typeof target === 'string') return (DTYPES as readonly string[]).includes(target) ? { dtype: target as Dtype } : { device: target };
  if (!isPlainObject(target)) throw new TypeError(`to: expected a device, a dtype or { device, dtype }, got ${describe(target)}`);
  return target;
}

function moveInPlace(t: Tensor, device?: Device, dtype?: Dtype): void {
  const cast = dtype && isFloating(t.dtype) ? dtype : undefined;
  if (!cast && (!device || device === t.device)) return;
  const moved = t.to({ device, dtype: cast });
  callOp('set_data', [t, moved]);
  moved.dispose();
  const grad = t.grad;
  if (grad) {
    const movedGrad = grad.to({ device, dtype: cast });
    t.grad = movedGrad;
    movedGrad.dispose();
    grad.dispose();
  }
}

function copyTensor(t: Tensor): Tensor {
  if (t instanceof Parameter) return new Parameter(noGrad(() => t.clone()), t.requiresGrad);
  const clone = keep(noGrad(() => t.clone()));
  if (t.requiresGrad) clone.requiresGrad = true;
  return clone;
}
