// A progress bar for one epoch, with its rate and the time left: redrawn in place on a terminal,
// plain lines (each quarter) otherwise.

export type Fields = Record<string, number | string>;

export interface ProgressOptions {
  /** The steps in the epoch. */
  total: number;
  /** Shown before the bar, e.g. "epoch 3/10". */
  label: string;
  /** What the rate counts, singular (default 'step'; 'image' with perStep the batch size). */
  unit?: string;
  /** Units in one step (default 1). */
  perStep?: number;
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

/** Seconds as 42s, 3m05s or 2h07m. */
function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
}

function threeDigits(value: number): string {
  return value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2);
}

export function formatFields(fields: Fields): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k} ${formatValue(v)}`)
    .join(' | ');
}

export class ProgressBar {
  private readonly total: number;
  private readonly label: string;
  private readonly unit: string;
  private readonly perStep: number;
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
    this.unit = options.unit ?? 'step';
    this.perStep = options.perStep ?? 1;
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

  // The rate so far (per second, or seconds per unit when below one a second) and the time left at it.
  private speed(done: number): string {
    const seconds = this.elapsed;
    if (done === 0 || seconds <= 0) return `- ${this.unit}s/s eta -`;
    const perSecond = (done * this.perStep) / seconds;
    const rate = perSecond >= 1 ? `${threeDigits(perSecond)} ${this.unit}s/s` : `${threeDigits(1 / perSecond)} s/${this.unit}`;
    return `${rate} eta ${formatDuration(((this.total - done) * seconds) / done)}`;
  }

  private line(done: number, fields: Fields): string {
    const width = 24;
    const filled = Math.round((width * done) / this.total);
    const bar = this.tty ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
    const text = `${this.label} ${bar}${done}/${this.total} ${formatDuration(this.elapsed)} ${this.speed(done)} | ${formatFields(fields)}`;
    const columns = this.stream?.columns;
    return this.tty && columns && text.length >= columns ? text.slice(0, columns - 1) : text;
  }
}
