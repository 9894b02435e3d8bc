// The generic path to every ATen operator: `torch.ops.aten.NAME(...args, { options })`. Arguments
// follow the operator's schema (positional in order, the rest by name in camelCase or snake_case);
// overloads are chosen by the arguments' types; tensors come back as Tensors.
import { native } from './native';

const ids = new Map<string, number>();

/** The addon's id of operator `name` ("add", or one overload: "add.Tensor"), looked up once. */
export function opId(name: string): number {
  let id = ids.get(name);
  if (id === undefined) {
    const dot = name.indexOf('.');
    id = dot < 0 ? native.opId(name) : native.opId(name.slice(0, dot), name.slice(dot + 1));
    ids.set(name, id);
  }
  return id;
}

/** Calls ATen operator `name` ("add", "aten::add", or one overload: "add.Tensor"). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function callOp(name: string, args: unknown[], kwargs?: object): any {
  return native.callOp(opId(name), args, kwargs);
}

function isOptions(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !ArrayBuffer.isView(value) && typeof (value as { _h?: unknown })._h !== 'number';
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpFunction = (...args: any[]) => any;

export const aten: Record<string, OpFunction> = new Proxy({} as Record<string, OpFunction>, {
  get(cache, name) {
    if (typeof name !== 'string') return undefined;
    if (!(name in cache)) {
      cache[name] = (...args: unknown[]) => {
        const last = args[args.length - 1];
        return isOptions(last) ? callOp(name, args.slice(0, -1), last) : callOp(name, args);
      };
    }
    return cache[name];
  },
});

/** Every schema of an ATen operator, e.g. `schemas('add')`. */
export function schemas(name: string): string[] {
  return native.schemas(name);
}
