// Tensor lifetimes. Every tensor is owned by the innermost `tidy` scope open when it was made,
// and freed when that scope ends unless returned from it; outside any scope, a
// FinalizationRegistry frees it once JS no longer reaches it. `dispose()` frees at once.
import { types } from 'util';
import { native } from './native';

interface Owned {
  _h: number;
}

const scopes: Owned[][] = [];

// The held value is the handle: a tensor disposed before it is collected has a stale handle,
// which the addon ignores, so no unregister is needed.
const collector = new FinalizationRegistry<number>((handle) => native.dispose(handle));

// Registering costs about half a microsecond a tensor. Cleanup callbacks only run between jobs,
// so registering in one batch at the end of the current job frees nothing later, and skips the
// tensors already disposed by then (most temporaries). A long synchronous loop registers every
// BATCH tensors instead: the pending list must stay short, or the temporaries it holds outlive
// V8's young generation and every one is copied by the garbage collector.
const BATCH = 256;
let unregistered: Owned[] = [];

let scheduled = false;

function registerPending(): void {
  const batch = unregistered;
  unregistered = [];
  for (const t of batch) if (t._h >= 0) collector.register(t, t._h);
}

function registerAtEndOfJob(): void {
  scheduled = false;
  registerPending();
}

function collectWhenUnreachable(tensor: Owned): void {
  if (unregistered.push(tensor) >= BATCH) {
    registerPending();
  } else if (!scheduled) {
    scheduled = true;
    queueMicrotask(registerAtEndOfJob);
  }
}

export function track(tensor: Owned): void {
  // (Not scopes[scopes.length - 1]: with no scope open that reads the property "-1", V8's slow path.)
  if (scopes.length > 0) scopes[scopes.length - 1].push(tensor);
  else collectWhenUnreachable(tensor);
}

/** Keeps a tensor alive past the scope it was made in (it is then freed by GC or dispose()). */
export function keep<T extends Owned>(tensor: T): T {
  for (const scope of scopes) {
    const at = scope.indexOf(tensor);
    if (at >= 0) {
      scope.splice(at, 1);
      collectWhenUnreachable(tensor);
      break;
    }
  }
  return tensor;
}

function collectOwned(value: unknown, into: Set<Owned>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (typeof (value as Owned)._h === 'number') {
    into.add(value as Owned);
    return;
  }
  const items = Array.isArray(value) ? value : value instanceof Map ? [...value.values()] : Object.values(value);
  for (const item of items) collectOwned(item, into, seen);
}

// What an async function returns: a Promise, or any object with a then() method.
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * Runs `fn` with a scope of its own open: its result, and the tensors made inside (those not
 * moved out by keep()). `fn` must be synchronous: for a Promise or other thenable result, what it
 * made is freed and an Error says so. When `fn` throws, what it made is freed too if
 * `freeOnThrow`, else it moves to the enclosing scope.
 */
function runInScope<T>(name: string, fn: () => T, freeOnThrow: boolean): { result: T; made: Owned[] } {
  const made: Owned[] = [];
  scopes.push(made);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of made) {
      if (freeOnThrow) disposeOwned(t);
      else track(t);
    }
    throw e;
  }
  scopes.pop();
  if (isThenable(result)) {
    for (const t of made) disposeOwned(t);
    // The abandoned promise may still reject (its code runs on with these tensors freed): that
    // must not end the process as an unhandled rejection, since the Error below already reports it.
    if (types.isPromise(result)) result.catch(() => {});
    throw new Error(`${name}: fn returned a Promise; ${name} only takes synchronous functions`);
  }
  return { result, made };
}

/**
 * Runs `fn` and frees every tensor made inside it except those in its result (a tensor, or
 * arrays, maps and plain objects holding tensors), which move to the enclosing scope.
 * `fn` must be synchronous: a Promise result is refused, since its tensors would be freed early.
 */
export function tidy<T>(fn: () => T): T {
  const { result, made } = runInScope('tidy', fn, true);
  const kept = new Set<Owned>();
  collectOwned(result, kept, new Set());
  for (const t of made) {
    if (kept.has(t)) track(t);
    else disposeOwned(t);
  }
  return result;
}

/**
 * Runs a synchronous `fn` (see runInScope) whose tensors belong to the enclosing scope, as if made
 * there; `name` is the caller's, for the error.
 */
export function runSynchronously<T>(name: string, fn: () => T): T {
  const { result, made } = runInScope(name, fn, false);
  for (const t of made) track(t);
  return result;
}

function disposeOwned(t: Owned): void {
  if (t._h >= 0) {
    native.dispose(t._h);
    t._h = -1;
  }
}

/** This thread's live tensors (each worker has its own) and the bytes they hold (views counted at their own size). */
export function memory(): { tensors: number; bytes: number; cudaBytes?: number } {
  const m = native.memory();
  return native.cudaIsAvailable() ? m : { tensors: m.tensors, bytes: m.bytes };
}
