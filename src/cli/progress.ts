// A progress bar for one epoch: redrawn in place on a terminal, plain lines (each quarter) otherwise.

export type Fields = Record<string, number | string>;

export interface ProgressOptions {
  /** The steps in the epoch. */
  total: number;
  /** Shown before the bar, e.g. "epoch 3/10". */
  label: string;
  /** Where to draw (default process.stderr, as tqdm does). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Draw nothing (for --json). */
  silent?: boolean;
}

function formatValue(value: number | string): string {
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5) ? value.toExponential(2) : value.toFixed(4);
}

export function formatFields(fields: Fields): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k} ${formatValue(v)}`)
    .join(' | ');
}

export class ProgressBar {
  private readonly total: number;
  private readonly label: string;
  private readonly stream: ProgressOptions['stream'];
  private readonly silent: boolean;
  private readonly tty: boolean;
  private readonly start = Date.now();
  private lastDraw = 0;
  private quartersShown = 0;

  constructor(options: ProgressOptions) {
    if (!(Number.isInteger(options.total) && options.total > 0)) throw new RangeError(`ProgressBar: total must be a positive integer, got ${options.total}`);
    this.total = options.total;
    this.label = options.label;
    this.stream = options.stream ?? process.stderr;
    this.silent = options.silent ?? false;
    this.tty = Boolean(this.stream?.isTTY);
  }

  /** Seconds since the bar started. */
  get elapsed(): number {
    return (Date.now() - this.start) / 1000;
  }

  /** Reports `done` steps of `total`, with the running values to show. */
  update(done: number, fields: Fields = {}): void {
    if (this.silent) return;
    if (this.tty) {
      const now = Date.now();
      if (done < this.total && now - this.lastDraw < 100) return; // at most 10 redraws a second
      this.lastDraw = now;
      this.stream!.write(`\r\x1b[K${this.line(done, fields)}`);
      if (done >= this.total) this.stream!.write('\n');
      return;
    }
    const quarter = Math.floor((4 * done) / this.total);
    if (quarter > this.quartersShown) {
      this.quartersShown = quarter;
      this.stream!.write(`${this.line(done, fields)}\n`);
    }
  }

  private line(done: number, fields: Fields): string {
    const width = 24;
    const filled = Math.round((width * done) / this.total);
    const bar = this.tty ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
    const text = `${this.label} ${bar}${done}/${this.total} ${this.elapsed.toFixed(0)}s | ${formatFields(fields)}`;
    const columns = this.stream?.columns;
    return this.tty && columns && text.length >= columns ? text.slice(0, columns - 1) : text;
  }
}
