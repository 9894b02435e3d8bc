// PyTorch-style printing: `format(t)` is what Python's `str(t)` gives for the same tensor, with
// PyTorch's default print options (precision 4, threshold 1000, edgeitems 3, linewidth 80).
import type { Tensor } from './tensor';

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 80;
const PREFIX = 'tensor(';

const FLOATING = new Set(['float32', 'float64', 'float16', 'bfloat16']);
const DEFAULT_DTYPES = new Set(['float32', 'int64', 'bool']);

// Python rounds half to even on the exact binary value; JS's toFixed/toExponential round exact
// ties up. A tie shows as `5` followed by zeros in a longer expansion: then keep the even digit.
function pyRound(x: number, digits: number, mode: 'f' | 'e'): string {
  const render = (d: number) => (mode === 'f' ? x.toFixed(d) : x.toExponential(d));
  const rounded = render(digits);
  const long = render(digits + 25);
  const exponent = mode === 'f' ? '' : long.slice(long.indexOf('e'));
  const mantissa = long.slice(0, long.length - exponent.length);
  const kept = mantissa.slice(0, mantissa.length - 25).replace(/\.$/, '');
  const isTie = /^50*$/.test(mantissa.slice(mantissa.length - 25));
  return isTie && Number(kept[kept.length - 1]) % 2 === 0 ? kept + exponent : rounded;
}

// Python's `'{:.Nf}'` and `'{:.Ne}'` for any double, sign of zero included.
function pyFloat(x: number, digits: number, mode: 'f' | 'e'): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  let text = pyRound(Math.abs(x), digits, mode);
  if (mode === 'e') text = text.replace(/e([+-])(\d)$/, 'e$10$2'); // Python's exponent has 2+ digits
  return sign + text;
}

// PyTorch's _Formatter: one number style and width for the whole tensor.
class Formatter {
  private intMode = true;
  private sciMode = false;
  private maxWidth = 1;

  constructor(
    values: (number | bigint)[],
    private readonly floating: boolean,
    private readonly bool: boolean,
  ) {
    if (!floating) {
      for (const v of values) this.maxWidth = Math.max(this.maxWidth, this.plain(v).length);
      return;
    }
    const finite = (values as number[]).filter((v) => Number.isFinite(v) && v !== 0);
    if (finite.length === 0) return;
    const abs = finite.map(Math.abs);
    const min = Math.min(...abs);
    const max = Math.max(...abs);
    this.intMode = finite.every((v) => v === Math.ceil(v));
    const wide = max / min > 1000 || max > 1e8;
    this.sciMode = this.intMode ? wide : wide || min < 1e-4;
    for (const v of finite) {
      const text = this.sciMode ? pyFloat(v, PRECISION, 'e') : this.intMode ? pyFloat(v, 0, 'f') + '.' : pyFloat(v, PRECISION, 'f');
      this.maxWidth = Math.max(this.maxWidth, text.length);
    }
  }

  get width(): number {
    return this.maxWidth;
  }

  private plain(v: number | bigint): string {
    return this.bool ? (v ? 'True' : 'False') : String(v);
  }

  format(raw: number | bigint): string {
    let text: string;
    const v = Number(raw);
    if (!this.floating) text = this.plain(raw);
    else if (this.sciMode) text = pyFloat(v, PRECISION, 'e');
    else if (this.intMode) text = pyFloat(v, 0, 'f') + (Number.isFinite(v) ? '.' : '');
    else text = pyFloat(v, PRECISION, 'f');
    return text.padStart(this.maxWidth);
  }
}

// A row-major view of the data: element (i0, i1, ...) of the sub-tensor at `offset`.
interface Block {
  data: ArrayLike<number | bigint>;
  shape: number[];
  strides: number[];
}

// The indices printed along one dim: all, or the edge items around '...' when summarizing.
function shownIndices(size: number, summarize: boolean): (number | null)[] {
  if (!summarize || size <= 2 * EDGE_ITEMS) return Array.from({ length: size }, (_, i) => i);
  const head = Array.from({ length: EDGE_ITEMS }, (_, i) => i);
  const tail = Array.from({ length: EDGE_ITEMS }, (_, i) => size - EDGE_ITEMS + i);
  return [...head, null, ...tail];
}

// The values PyTorch's formatter sees: every element, or only the printed edges when summarizing.
function shownValues(block: Block, dim: number, offset: number, summarize: boolean, out: (number | bigint)[]): void {
  if (dim === block.shape.length) {
    out.push(block.data[offset]);
    return;
  }
  for (const i of shownIndices(block.shape[dim], summarize)) {
    if (i !== null) shownValues(block, dim + 1, offset + i * block.strides[dim], summarize, out);
  }
}

function vectorString(block: Block, offset: number, indent: number, summarize: boolean, f: Formatter): string {
  const dim = block.shape.length - 1;
  const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent) / (f.width + 2)));
  const items = shownIndices(block.shape[dim], summarize).map((i) =>
    i === null ? ' ...' : f.format(block.data[offset + i * block.strides[dim]]),
  );
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
  return '[' + lines.join(',\n' + ' '.repeat(indent + 1)) + ']';
}

function blockString(block: Block, dim: number, offset: number, indent: number, summarize: boolean, f: Formatter): string {
  const rank = block.shape.length - dim;
  if (rank === 0) return f.format(block.data[offset]);
  if (rank === 1) return vectorString(block, offset, indent, summarize, f);
  const slices = shownIndices(block.shape[dim], summarize).map((i) =>
    i === null ? '...' : blockString(block, dim + 1, offset + i * block.strides[dim], indent + 1, summarize, f),
  );
  return '[' + slices.join(',' + '\n'.repeat(rank - 1) + ' '.repeat(indent + 1)) + ']';
}

function contents(t: Tensor, shape: number[], indent: number): string {
  const dtype = t.dtype;
  const data = t.dataSync() as ArrayLike<number | bigint>;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const block: Block = { data, shape, strides };
  const summarize = data.length > THRESHOLD;
  const shown: (number | bigint)[] = [];
  shownValues(block, 0, 0, summarize, shown);
  const formatter = new Formatter(shown, FLOATING.has(dtype), dtype === 'bool');
  return blockString(block, 0, 0, indent, summarize, formatter);
}

// PyTorch's _add_suffixes: `, suffix` on the last line while it fits in 80 columns.
function withSuffixes(text: string, suffixes: string[], indent: number): string {
  let out = text;
  let lastLineLength = text.length - text.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLineLength + suffix.length + 2 > LINE_WIDTH) {
      out += ',\n' + ' '.repeat(indent) + suffix;
      lastLineLength = indent + suffix.length;
    } else {
      out += ', ' + suffix;
      lastLineLength += suffix.length + 2;
    }
  }
  return out + ')';
}

/** The tensor as Python's `str(t)` prints it (device, dtype, grad_fn and requires_grad suffixes included). */
export function format(t: Tensor): string {
  const shape = t.shape;
  const dtype = t.dtype;
  const device = t.device;
  const suffixes: string[] = [];
  if (device !== 'cpu') suffixes.push(`device='${device}'`);
  let text: string;
  if (shape.includes(0)) {
    if (shape.length !== 1) suffixes.push(`size=(${shape.join(', ')})`);
    if (dtype !== 'float32') suffixes.push(`dtype=torch.${dtype}`);
    text = '[]';
  } else {
    if (!DEFAULT_DTYPES.has(dtype)) suffixes.push(`dtype=torch.${dtype}`);
    text = contents(t, shape, PREFIX.length);
  }
  const gradFn = t.gradFn;
  if (gradFn) suffixes.push(`grad_fn=<${gradFn.name}>`);
  else if (t.requiresGrad) suffixes.push('requires_grad=True');
  return withSuffixes(PREFIX + text, suffixes, PREFIX.length);
}
