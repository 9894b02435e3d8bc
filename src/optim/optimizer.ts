// The optimizer base: parameter groups and state over LibTorch's own optimizers (native/optim.cc),
// with PyTorch's state-dict layout so optimizer checkpoints move between Python and here.
import { enableGrad } from '../autograd';
import { tensor } from '../factories';
import { native } from '../native';
import type { Handle } from '../native';
import { Tensor } from '../tensor';
import { checkBool, checkOptions, describe, fail } from '../check';
import { ArgumentError, ArgumentValueError, DisposedTensorError } from '../errors';

// A parameter's state as the addon holds it: tensors by handle, counts as numbers.
type NativeState = Record<string, Handle | number>;

const released = new FinalizationRegistry<number>((id) => native.optimFree(id));

/**
 * One parameter group: its `params` and its options as properties (`lr`, `momentum`,
 * `weightDecay`, ...), each read from and written to the native optimizer. `initialLr` is set by
 * the first learning-rate scheduler, as PyTorch's `initial_lr`.
 */
export interface ParamGroup {
  readonly params: Tensor[];
  lr: number;
  initialLr?: number;
  [option: string]: unknown;
}

/** A parameter group as given to a constructor or `addParamGroup`: params plus option overrides. */
export type ParamGroupSpec<O> = { params: Iterable<Tensor> } & Partial<O>;
export type ParamsArgument<O> = Iterable<Tensor> | ParamGroupSpec<O>[];

/** A parameter's optimizer state in PyTorch's names (`momentum_buffer`, `exp_avg`, `step`, ...). */
export type ParamState = Record<string, Tensor>;

/** PyTorch's optimizer state dict: per-parameter state by index, and the groups' options. */
export interface OptimizerStateDict {
  state: Record<number, ParamState>;
  param_groups: Record<string, unknown>[];
}

// Option names: camelCase here, snake_case in state dicts (PyTorch's keys).
const toSnake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const toCamel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

// PyTorch's checks of the hyper-parameters, with its messages, made before the addon reads them
// (which would take a value of the wrong type for a missing one). Other names are the addon's.
// As in PyTorch, values are checked when an optimizer or group is made; a group's lr set later
// (by a scheduler, say: a cosine of epochs can go below 0) is checked for its type only.
const VALUE_CHECKS: Record<string, [string, (v: number) => boolean]> = {
  lr: ['Invalid learning rate', (v) => v >= 0 && v < Infinity],
  momentum: ['Invalid momentum value', (v) => v >= 0 && v < Infinity],
  dampening: ['Invalid dampening value', Number.isFinite],
  weightDecay: ['Invalid weight_decay value', (v) => v >= 0 && v < Infinity],
  eps: ['Invalid epsilon value', (v) => v >= 0 && v < Infinity],
};
const FLAGS = ['nesterov', 'amsgrad'];

function checkHyperParameter(where: string, name: string, value: unknown, checkValue = true): void {
  if (value === undefined) return;
  if (FLAGS.includes(name)) checkBool(where, `option '${name}'`, value);
  else if (name === 'betas') {
    if (!Array.isArray(value) || value.length !== 2) fail(where, "option 'betas'", 'a pair of numbers', value);
    (value as unknown[]).forEach((beta, i) => {
      if (typeof beta !== 'number') fail(where, `option 'betas[${i}]'`, 'a number', beta);
      if (!(beta >= 0 && beta < 1)) throw new ArgumentValueError(`${where}: Invalid beta parameter at index ${i}: ${beta}`);
    });
  } else if (name in VALUE_CHECKS) {
    if (typeof value !== 'number') fail(where, `option '${name}'`, 'a number', value);
    const [message, ok] = VALUE_CHECKS[name];
    if (checkValue && !ok(value as number)) throw new ArgumentValueError(`${where}: ${message}: ${value}`);
  }
}

function checkHyperParameters(where: string, options: object): void {
  for (const [name, value] of Object.entries(options)) checkHyperParameter(where, name, value);
}

function isGroupSpec<O>(value: unknown): value is ParamGroupSpec<O> {
  return value !== null && typeof value === 'object' && !(value instanceof Tensor) && 'params' in value;
}

export abstract class Optimizer<O extends object = object> {
  readonly paramGroups: ParamGroup[] = [];
  private readonly id: number;
  // Keys PyTorch's state dicts have that LibTorch has no counterpart for, with the values PyTorch
  // writes for the behaviour LibTorch implements (no maximize, no foreach, ...).
  protected abstract readonly fixedGroupKeys: Record<string, unknown>;
  // Per-parameter state keys that hold plain numbers (Adam's `step`, a tensor in PyTorch's dicts).
  protected readonly countKeys: string[] = [];

  protected constructor(kind: 'sgd' | 'adam' | 'adamw', params: ParamsArgument<O>, defaults: O) {
    const where = new.target.name;
    checkHyperParameters(where, checkOptions(where, defaults, ['options', 2]));
    const specs = normalizeGroups(where, params);
    const seen = new Set<Tensor>();
    for (const spec of specs) {
      checkHyperParameters(where, spec.options);
      for (const p of spec.params) {
        if (!(p instanceof Tensor)) throw new TypeError(`${this.constructor.name}: params must be Tensors, got ${describe(p)}`);
        if (p.isDisposed) throw new DisposedTensorError(`${where}: a parameter has been disposed and cannot be used`);
        if (seen.has(p)) throw new Error(`${this.constructor.name}: some parameters appear in more than one parameter group`);
        seen.add(p);
      }
    }
    this.id = native.optimCreate(
      kind,
      specs.map((s) => ({ params: s.params, options: s.options })),
      defaults,
    );
    released.register(this, this.id);
    specs.forEach((spec, i) => this.paramGroups.push(this.groupView(i, spec.params)));
  }

  // A group object whose option properties read and write the native optimizer's.
  private groupView(index: number, params: Tensor[]): ParamGroup {
    const group = { params } as ParamGroup;
    for (const name of Object.keys(native.optimGetOptions(this.id, index))) {
      Object.defineProperty(group, name, {
        enumerable: true,
        get: () => native.optimGetOptions(this.id, index)[name],
        set: (value: unknown) => {
          checkHyperParameter(this.constructor.name, name, value, false);
          native.optimSetOption(this.id, index, name, value);
        },
      });
    }
    return group;
  }

  /** Adds a group of parameters with its own options (the optimizer's defaults otherwise). */
  addParamGroup(group: ParamGroupSpec<O>): void {
    const [spec] = normalizeGroups(`${this.constructor.name}.addParamGroup`, [group]);
    checkHyperParameters(this.constructor.name, spec.options);
    const known = new Set(this.paramGroups.flatMap((g) => g.params));
    if (spec.params.some((p) => known.has(p))) throw new Error('some parameters appear in more than one parameter group');
    native.optimAddParamGroup(this.id, spec.params, spec.options);
    this.paramGroups.push(this.groupView(this.paramGroups.length, spec.params));
  }

  /**
   * One optimization step on the parameters' current gradients. With `closure` (which recomputes
   * and returns the loss, with autograd on), its loss is returned.
   */
  step(closure?: () => Tensor): Tensor | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    native.optimStep(this.id);
    return loss;
  }

  /** Frees the parameters' gradients (`setToNone`, the default, as PyTorch 2) or zeroes them. */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    native.optimZeroGrad(this.id, options.setToNone ?? true);
  }

  /**
   * PyTorch's state dict: `state` by parameter index (the optimizer's own tensors, shared) and
   * `param_groups` with snake_case option names and `params` as indices.
   */
  stateDict(): OptimizerStateDict {
    const state: Record<number, ParamState> = {};
    native.optimState(this.id).forEach((s, i) => {
      if (s) state[i] = this.stateFromNative(s);
    });
    let index = 0;
    const param_groups = this.paramGroups.map((group, i) => {
      const out: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(native.optimGetOptions(this.id, i))) out[toSnake(name)] = value;
      Object.assign(out, this.fixedGroupKeys);
      if (group.initialLr !== undefined) out.initial_lr = group.initialLr;
      out.params = group.params.map(() => index++);
      return out;
    });
    return { state, param_groups };
  }

  private stateFromNative(s: NativeState): ParamState {
    const out: ParamState = {};
    for (const [key, value] of Object.entries(s)) {
      out[key] = this.countKeys.includes(key) ? tensor(value as number, { dtype: 'float32' }) : new Tensor(value as Handle);
    }
    return out;
  }

  /** Loads a state dict from `stateDict()` or from PyTorch: options, `initial_lr` and state. */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const groups = stateDict?.param_groups;
    if (!Array.isArray(groups) || stateDict.state === null || typeof stateDict.state !== 'object') {
      throw new TypeError('loadStateDict: expected { state, param_groups }');
    }
    if (groups.length !== this.paramGroups.length) throw new Error('loaded state dict has a different number of parameter groups');
    const savedIds: number[] = [];
    groups.forEach((saved, i) => {
      if (saved === null || typeof saved !== 'object') throw new ArgumentError(`loadStateDict: param_groups[${i}] must be an object, got ${describe(saved)}`);
      const ids = saved.params as number[];
      if (!Array.isArray(ids) || ids.length !== this.paramGroups[i].params.length) {
        throw new Error("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
      }
      savedIds.push(...ids);
    });
    groups.forEach((saved, i) => this.loadGroupOptions(i, saved));
    savedIds.forEach((savedId, index) => {
      const saved = (stateDict.state as Record<string, Record<string, unknown>>)[String(savedId)];
      native.optimSetState(this.id, index, saved === undefined || saved === null ? null : this.stateToNative(savedId, saved));
    });
  }

  private loadGroupOptions(index: number, saved: Record<string, unknown>): void {
    const group = this.paramGroups[index];
    for (const [key, value] of Object.entries(saved)) {
      const name = toCamel(key);
      if (key === 'params') continue;
      if (key === 'initial_lr') {
        if (typeof value !== 'number') fail('loadStateDict', `param_groups[${index}].initial_lr`, 'a number', value);
        group.initialLr = value as number;
      }
      else if (key in this.fixedGroupKeys) {
        // These two change the update itself: a saved value LibTorch's optimizer cannot follow is refused.
        if ((key === 'maximize' || key === 'decoupled_weight_decay') && value !== this.fixedGroupKeys[key] && value !== undefined) {
          throw new Error(`loadStateDict: ${this.constructor.name} here has ${key}=${this.fixedGroupKeys[key]}, the state dict says ${value}`);
        }
      } else if (name in group) {
        checkHyperParameter(`loadStateDict: param_groups[${index}]`, name, value, false);
        group[name] = Array.isArray(value) ? [...value] : value;
      }
    }
  }

  // Saved state with PyTorch's `None` entries dropped (SGD without momentum saves
  // `momentum_buffer: None`); null when nothing is left.
  private stateToNative(id: number, saved: Record<string, unknown>): Record<string, Tensor | number> | null {
    if (typeof saved !== 'object') throw new ArgumentError(`loadStateDict: state[${id}] must be an object of tensors, got ${describe(saved)}`);
    const out: Record<string, Tensor | number> = {};
    for (const [key, value] of Object.entries(saved)) {
      if (value === null || value === undefined) continue;
      if (!(value instanceof Tensor && !value.isDisposed) && typeof value !== 'number') fail('loadStateDict', `state[${id}].${key}`, 'a Tensor', value);
      out[key] = this.countKeys.includes(key) && value instanceof Tensor ? value.item() : (value as Tensor | number);
    }
    return Object.keys(out).length ? out : null;
  }
}

const isIterable = (value: unknown): value is Iterable<unknown> => typeof (value as { [Symbol.iterator]?: unknown } | null)?.[Symbol.iterator] === 'function' && typeof value !== 'string';

function normalizeGroups<O>(where: string, params: ParamsArgument<O>): { params: Tensor[]; options: Partial<O> }[] {
  if (params instanceof Tensor) throw new TypeError('params argument given to the optimizer should be an iterable of Tensors or of parameter groups, but got a Tensor');
  if (!isIterable(params)) fail(where, ['params', 1], 'an iterable of Tensors or of parameter groups', params);
  const items = [...params];
  if (items.length === 0) throw new Error('optimizer got an empty parameter list');
  if (!items.every(isGroupSpec)) return [{ params: items as Tensor[], options: {} }];
  return (items as ParamGroupSpec<O>[]).map(({ params: groupParams, ...options }, i) => {
    if (!isIterable(groupParams)) fail(where, `params[${i}].params`, 'an iterable of Tensors', groupParams);
    return { params: [...groupParams], options: options as Partial<O> };
  });
}
