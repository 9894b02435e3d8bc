// Sequential and ModuleList, as PyTorch's container.py: children named "0", "1", ... (or by the
// names given), so state-dict keys read `0.weight`, `features.3.bias`.
import { Module } from './module';
import { describe } from '../check';
import { ArgumentError } from '../errors';

function isModuleRecord(value: unknown): value is Record<string, Module> {
  return value !== null && typeof value === 'object' && !(value instanceof Module) && Object.getPrototypeOf(value) === Object.prototype;
}

/** Children by index; `list[i]` reads the i-th. */
abstract class IndexedModules extends Module {
  [index: number]: Module;

  get length(): number {
    return this.namedChildren().length;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }

  /** Adds `module` at the end. */
  append(module: Module): this {
    if (!(module instanceof Module)) throw new TypeError(`${this.constructor.name}.append: expected a Module`);
    (this as Record<string, unknown>)[String(this.length)] = module;
    return this;
  }

  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }
}

/**
 * Runs its children in order, each on the previous one's output: `new Sequential(conv, bn, relu)`,
 * or with names: `new Sequential({ conv, bn, relu })`.
 */
export class Sequential extends IndexedModules {
  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    if (modules.length === 1 && isModuleRecord(modules[0])) {
      for (const [name, m] of Object.entries(modules[0])) {
        if (!(m instanceof Module)) throw new ArgumentError(`Sequential: '${name}' must be a Module, got ${describe(m)}`);
        (this as Record<string, unknown>)[name] = m;
      }
    } else {
      for (const m of modules as Module[]) this.append(m);
    }
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  forward(input: any): any {
    let x = input;
    for (const m of this.children()) x = m.call(x);
    return x;
  }
}

/** Holds submodules so that they are registered; it has no forward of its own. */
export class ModuleList extends IndexedModules {
  constructor(modules: Iterable<Module> = []) {
    super();
    this.extend(modules);
  }

  forward(): never {
    throw new Error('ModuleList has no forward: iterate over it and call its modules');
  }
}
