// Parity harness: runs each case in momentum-torch and, on the very same inputs, in PyTorch
// (test/oracle/tensor_ops.py under /usr/bin/python3), and compares values, dtypes, shapes,
// grad_fn names and the gradients backward() gives.
import * as torch from '../../src';
import { Tensor } from '../../src';
import { runOracle } from './run';

/** A tensor input that requires grad: its gradient is compared too. */
export class Leaf {
  constructor(readonly tensor: Tensor) {}
}

export const g = (t: Tensor): Leaf => new Leaf(t);

export type Arg = Tensor | Leaf | number | string | boolean | null | Arg[] | { [key: string]: Arg };

export interface Case {
  /** The op's name in tensor_ops.py's OPS table. */
  op: string;
  args: Arg[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  js: (...args: any[]) => unknown;
  /** Seeds both generators just before the op. */
  seed?: number;
  /** Compare `toString()` with Python's `str()` instead of values. */
  want?: 'str';
}

interface EncodedTensor {
  dtype: string;
  shape: number[];
  values: (number | boolean | string)[];
}

interface OracleResult {
  out?: (EncodedTensor | number | boolean | string)[];
  gradFns?: (string | null)[];
  grads?: (EncodedTensor | null)[];
  str?: string;
  error?: string;
}

export interface Outcome {
  name: string;
  js: OracleResult;
  py: OracleResult;
}

/** A case with the name its test goes by. */
export type Named = [string, Case];

export const namedCase = (name: string, op: string, args: Case['args'], js: Case['js'], extra: Partial<Case> = {}): Named => [
  name,
  { op, args, js, ...extra },
];

const FLOATING = new Set(['float32', 'float64', 'float16', 'bfloat16']);

// JSON has no NaN, infinities or negative zero: those travel as strings.
function encodeNumber(v: number): number | string {
  if (Object.is(v, -0)) return '-0';
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return v;
}

export function encodeTensor(t: Tensor): EncodedTensor {
  const values = Array.from(t.dataSync() as ArrayLike<number | bigint>, (v) =>
    t.dtype === 'bool' ? v !== 0 : encodeNumber(Number(v)),
  );
  return { dtype: t.dtype, shape: t.shape, values };
}

function encodeArg(arg: Arg, leaves: Tensor[]): unknown {
  if (arg instanceof Leaf) {
    leaves.push(arg.tensor);
    return { __tensor__: { ...encodeTensor(arg.tensor), grad: true } };
  }
  if (arg instanceof Tensor) return { __tensor__: encodeTensor(arg) };
  if (Array.isArray(arg)) return arg.map((a) => encodeArg(a, leaves));
  if (arg !== null && typeof arg === 'object') {
    return Object.fromEntries(Object.entries(arg).map(([k, v]) => [k, encodeArg(v, leaves)]));
  }
  return arg;
}

// The JS value of an argument: leaves become tensors that require grad.
function jsArg(arg: Arg): unknown {
  if (arg instanceof Leaf) return arg.tensor.requiresGrad_(true);
  if (Array.isArray(arg)) return arg.map(jsArg);
  if (arg !== null && typeof arg === 'object' && !(arg instanceof Tensor)) {
    return Object.fromEntries(Object.entries(arg).map(([k, v]) => [k, jsArg(v)]));
  }
  return arg;
}

function flatOutputs(result: unknown): unknown[] {
  if (Array.isArray(result)) return result.flatMap(flatOutputs);
  return [result];
}

// Runs a case here; returns what it gave and the request PyTorch must answer.
function runHere(c: Case): { result: OracleResult; request: object } {
  const leaves: Tensor[] = [];
  const args = c.args.map((a) => encodeArg(a, leaves));
  const request: { op: string; args: unknown; seed?: number; want?: string; gradOutputs?: unknown } = {
    op: c.op,
    args,
    seed: c.seed,
    want: c.want,
  };
  if (c.seed !== undefined) torch.manualSeed(c.seed);
  let outputs: unknown[];
  try {
    const value = c.js(...c.args.map(jsArg));
    if (c.want === 'str') return { result: { str: String(value) }, request };
    outputs = flatOutputs(value);
  } catch (e) {
    return { result: { error: (e as Error).message }, request };
  }
  const result: OracleResult = {
    out: outputs.map((o) => (o instanceof Tensor ? encodeTensor(o) : encodeNumber(o as number))),
    gradFns: outputs.map((o) => (o instanceof Tensor ? (o.gradFn?.name ?? null) : null)),
  };
  const differentiable = outputs.map((o) => o instanceof Tensor && o.requiresGrad && FLOATING.has(o.dtype));
  if (leaves.length && differentiable.some(Boolean)) {
    // loss = sum_i (out_i * g_i).sum() with random g_i: every output's whole Jacobian is exercised.
    const gradOutputs = outputs.map((o, i) => (differentiable[i] ? torch.randn((o as Tensor).shape, { dtype: (o as Tensor).dtype }) : null));
    let loss: Tensor | null = null;
    outputs.forEach((o, i) => {
      const gi = gradOutputs[i];
      if (gi) {
        const term = (o as Tensor).mul(gi).sum();
        loss = loss === null ? term : loss.add(term);
      }
    });
    (loss as unknown as Tensor).backward();
    result.grads = leaves.map((l) => {
      const grad = l.grad;
      return grad ? encodeTensor(grad) : null;
    });
    request.gradOutputs = gradOutputs.map((t) => (t ? { __tensor__: encodeTensor(t) } : null));
  }
  return { result, request };
}

/** Runs every case here and in PyTorch (one Python process for all), inside one tidy scope. */
export function runParity(cases: [string, Case][]): Outcome[] {
  return torch.tidy(() => {
    const here = cases.map(([, c]) => runHere(c));
    const { results } = runOracle<{ results: OracleResult[] }>('tensor_ops.py', {
      threads: torch.getNumThreads(),
      cases: here.map((h) => h.request),
    });
    return cases.map(([name], i) => ({ name, js: here[i].result, py: results[i] }));
  });
}

function asNumber(v: number | boolean | string): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  return typeof v === 'string' ? Number(v.replace('inf', 'Infinity')) : v;
}

/** Whether every element agrees: exactly for integers and bools, within `rtol` relative for floats. */
export function tensorMismatch(js: EncodedTensor, py: EncodedTensor, rtol: number): string | null {
  if (js.dtype !== py.dtype) return `dtype ${js.dtype} vs PyTorch's ${py.dtype}`;
  if (js.shape.join(',') !== py.shape.join(',')) return `shape [${js.shape}] vs PyTorch's [${py.shape}]`;
  const floating = FLOATING.has(js.dtype);
  for (let i = 0; i < js.values.length; i++) {
    const a = asNumber(js.values[i]);
    const b = asNumber(py.values[i]);
    const same = a === b || (Number.isNaN(a) && Number.isNaN(b));
    if (same) continue;
    if (!floating || !(Math.abs(a - b) <= rtol * Math.abs(b))) return `element ${i}: ${a} vs PyTorch's ${b}`;
  }
  return null;
}

/** Every difference between the two runs of a case (empty when they agree). */
export function mismatches(outcome: Outcome, valueRtol = 1e-6, gradRtol = 1e-5): string[] {
  const { js, py } = outcome;
  if (py.error) return [`PyTorch failed: ${py.error}`];
  if (js.error) return [`momentum-torch failed: ${js.error}`];
  if (py.str !== undefined) return js.str === py.str ? [] : [`printed\n${js.str}\nPyTorch printed\n${py.str}`];
  const problems: string[] = [];
  const jsOut = js.out ?? [];
  const pyOut = py.out ?? [];
  if (jsOut.length !== pyOut.length) return [`${jsOut.length} outputs vs PyTorch's ${pyOut.length}`];
  jsOut.forEach((o, i) => {
    const p = pyOut[i];
    if (typeof o === 'object' && typeof p === 'object') {
      const m = tensorMismatch(o, p, valueRtol);
      if (m) problems.push(`output ${i}: ${m}`);
    } else if (o !== p) {
      problems.push(`output ${i}: ${String(o)} vs PyTorch's ${String(p)}`);
    }
  });
  if (JSON.stringify(js.gradFns) !== JSON.stringify(py.gradFns)) {
    problems.push(`grad_fn ${JSON.stringify(js.gradFns)} vs PyTorch's ${JSON.stringify(py.gradFns)}`);
  }
  if (JSON.stringify(js.grads === undefined) !== JSON.stringify(py.grads === undefined)) problems.push('gradients on one side only');
  (js.grads ?? []).forEach((gj, i) => {
    const gp = py.grads?.[i] ?? null;
    if (gj === null || gp === null) {
      if (gj !== gp) problems.push(`grad ${i}: ${gj === null ? 'none' : 'some'} vs PyTorch's ${gp === null ? 'none' : 'some'}`);
      return;
    }
    const m = tensorMismatch(gj, gp, gradRtol);
    if (m) problems.push(`grad ${i}: ${m}`);
  });
  return problems;
}

/**
 * Declares one test per case, in a describe block per group, each expecting no mismatch; every
 * case runs here and in PyTorch once, before the tests. Returns the outcome of a case by its name.
 */
export function describeParity(groups: [string, Named[]][]): (name: string) => Outcome {
  let outcomes: Map<string, Outcome>;
  beforeAll(() => {
    outcomes = new Map(runParity(groups.flatMap(([, cases]) => cases)).map((o) => [o.name, o]));
  });
  for (const [group, cases] of groups) {
    describe(group, () => {
      test.each(cases.map(([name]) => name))('%s', (name) => {
        expect(mismatches(outcomes.get(name)!)).toEqual([]);
      });
    });
  }
  return (name) => outcomes.get(name)!;
}
