// A training run's folder: config.json, metrics.jsonl (one JSON object per epoch, appended),
// result.json, checkpoint.pt (PyTorch's format), plots; every file but the appended log is
// replaced atomically (temp file, fsync, rename). Resuming reloads the
// checkpoint and drops metric lines of epochs it does not cover.
import * as fs from 'fs';
import * as path from 'path';
import { save, load, writeFileAtomic } from '../serialization';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type EpochMetrics = { epoch: number } & { [key: string]: Json };

function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** The epochs' metrics in a metrics.jsonl file (one JSON object a line). */
export function readMetricsFile(file: string): EpochMetrics[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as EpochMetrics);
}

export class RunFolder {
  readonly dir: string;

  /**
   * Opens `dir` for a run with `config`. A fresh run refuses a folder that already holds one;
   * a resumed run needs the same config (apart from the keys in `mayChange`).
   */
  constructor(dir: string, config: { [key: string]: Json }, options: { resume?: boolean; mayChange?: string[] } = {}) {
    this.dir = path.resolve(dir);
    fs.mkdirSync(this.dir, { recursive: true });
    const configPath = this.file('config.json');
    if (options.resume && fs.existsSync(configPath)) {
      this.checkSameConfig(JSON.parse(fs.readFileSync(configPath, 'utf8')), config, options.mayChange ?? []);
    } else if (!options.resume && (fs.existsSync(this.checkpointPath) || fs.existsSync(this.metricsPath))) {
      throw new Error(`run folder ${dir} already holds a run; pass --resume to continue it, or choose another --out`);
    }
    writeJsonAtomic(configPath, config);
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  get metricsPath(): string {
    return this.file('metrics.jsonl');
  }

  get checkpointPath(): string {
    return this.file('checkpoint.pt');
  }

  get resultPath(): string {
    return this.file('result.json');
  }

  private checkSameConfig(saved: { [key: string]: Json }, config: { [key: string]: Json }, mayChange: string[]): void {
    const keys = new Set([...Object.keys(saved), ...Object.keys(config)]);
    const differ = [...keys].filter((k) => !mayChange.includes(k) && JSON.stringify(saved[k]) !== JSON.stringify(config[k]));
    if (differ.length) {
      const what = differ.map((k) => `${k}: ${JSON.stringify(saved[k])} -> ${JSON.stringify(config[k])}`).join(', ');
      throw new Error(`cannot resume ${this.dir} with other settings (${what})`);
    }
  }

  /** Appends one epoch's metrics (one JSON line), flushed to disk. */
  appendMetrics(metrics: EpochMetrics): void {
    const fd = fs.openSync(this.metricsPath, 'a');
    try {
      fs.writeSync(fd, JSON.stringify(metrics) + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  readMetrics(): EpochMetrics[] {
    return fs.existsSync(this.metricsPath) ? readMetricsFile(this.metricsPath) : [];
  }

  /** Keeps the metric lines of epochs up to `lastEpoch` (those the checkpoint covers). */
  truncateMetrics(lastEpoch: number): EpochMetrics[] {
    const kept = this.readMetrics().filter((m) => m.epoch <= lastEpoch);
    writeFileAtomic(this.metricsPath, kept.map((m) => JSON.stringify(m) + '\n').join(''));
    return kept;
  }

  writeResult(result: { [key: string]: Json }): void {
    writeJsonAtomic(this.resultPath, result);
  }

  /** Saves the checkpoint record (tensors and numbers) atomically: temp file, fsync, rename (torch.save's way). */
  saveCheckpoint(record: object): void {
    save(record, this.checkpointPath);
  }

  /** The saved checkpoint record, or null when there is none. */
  loadCheckpoint(device?: string): Record<string, unknown> | null {
    if (!fs.existsSync(this.checkpointPath)) return null;
    return load(this.checkpointPath, device ? { device } : {}) as Record<string, unknown>;
  }
}
