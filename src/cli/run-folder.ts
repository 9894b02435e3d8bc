// A training run's folder: config.json, metrics.jsonl (one JSON object per epoch, appended),
// checkpoint.pt (PyTorch's format) with its sha256 in checkpoint.pt.sha256, the checkpoint before
// it as checkpoint.prev.pt, result.json, plots, and run.lock while a run works in it. Every file
// but the appended log is replaced atomically (writeFileAtomic). Each checkpoint records how many
// metric lines it covers; resuming takes the newest checkpoint whose bytes match their sha256 and
// cuts metrics.jsonl back to its lines, so a run killed at any moment resumes to what an
// uninterrupted run computes.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { load, removeTempFiles, serialize, writeFileAtomic } from '../serialization';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type EpochMetrics = { epoch: number } & { [key: string]: Json };

export type Warn = (message: string) => void;

function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/**
 * The epochs' metrics in a metrics.jsonl file (one JSON object a line). A last line that is not
 * JSON is a write cut short: it is dropped, with a warning.
 */
export function readMetricsFile(file: string, warn: Warn): EpochMetrics[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const lastLine = lines.map((line) => line.trim() !== '').lastIndexOf(true);
  return lines.flatMap((line, i) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as EpochMetrics];
    } catch (e) {
      if (i < lastLine) throw new Error(`${file}: line ${i + 1} is not JSON (${(e as Error).message})`);
      warn(`${file}: dropping its last line, which was cut short (${line.length} characters)`);
      return [];
    }
  });
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const checksumFile = (file: string) => `${file}.sha256`;

/** Creates the lock file holding this process's id; false when it exists already. */
function createLockFile(file: string): boolean {
  try {
    fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/** Where a run starts: the checkpoint record to continue from (null: the beginning) and the metric lines it covers. */
export interface StartingPoint {
  checkpoint: Record<string, unknown> | null;
  metrics: EpochMetrics[];
}

export interface RunFolderOptions {
  resume?: boolean;
  /** Config keys a resumed run may change. */
  mayChange?: string[];
  /** Where warnings go (default stderr). */
  log?: NodeJS.WritableStream;
}

export class RunFolder {
  readonly dir: string;
  /** Writes a warning to the run's log (stderr by default), also under --json. */
  readonly warn: Warn;
  private readonly resuming: boolean;
  private locked = false;
  /** Lines in metrics.jsonl: what the next checkpoint covers. */
  private metricsLines = 0;
  /** checkpoint.pt was written or checked by this run, so it may become the fallback. */
  private latestIsGood = false;

  /**
   * Opens `dir` for a run with `config`, taking its lock. A fresh run refuses a folder that already
   * holds one; a resumed run needs the same config (apart from the keys in `mayChange`).
   */
  constructor(dir: string, config: { [key: string]: Json }, options: RunFolderOptions = {}) {
    this.dir = path.resolve(dir);
    const log = options.log ?? process.stderr;
    this.warn = (message) => log.write(`momentum-torch: warning: ${message}\n`);
    this.resuming = Boolean(options.resume);
    fs.mkdirSync(this.dir, { recursive: true });
    this.lock();
    try {
      const configPath = this.file('config.json');
      if (this.resuming && fs.existsSync(configPath)) {
        this.checkSameConfig(JSON.parse(fs.readFileSync(configPath, 'utf8')), config, options.mayChange ?? []);
      } else if (!this.resuming && (fs.existsSync(this.checkpointPath) || fs.existsSync(this.metricsPath))) {
        throw new Error(`run folder ${dir} already holds a run; pass --resume to continue it, or choose another --out`);
      }
      removeTempFiles(this.dir); // the lock says no one else writes here
      writeJsonAtomic(configPath, config);
    } catch (e) {
      this.close();
      throw e;
    }
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

  get previousCheckpointPath(): string {
    return this.file('checkpoint.prev.pt');
  }

  get resultPath(): string {
    return this.file('result.json');
  }

  get lockPath(): string {
    return this.file('run.lock');
  }

  /** Takes run.lock; one whose process is gone (a run killed) is taken over, with a warning. */
  private lock(): void {
    if (!createLockFile(this.lockPath)) {
      const holder = Number(fs.readFileSync(this.lockPath, 'utf8').trim());
      if (!(holder > 0) || isRunning(holder)) {
        const who = holder > 0 ? `pid ${holder}` : 'a run whose pid it does not hold';
        throw new Error(`run folder ${this.dir} is in use by ${who} (${this.lockPath}); wait for that run to end, or remove the lock if no such run exists`);
      }
      this.warn(`${this.lockPath} was left by pid ${holder}, which is no longer running: taking it over`);
      fs.rmSync(this.lockPath);
      // Two runs taking over one stale lock in the same microseconds could both get through; not guarded.
      if (!createLockFile(this.lockPath)) throw new Error(`run folder ${this.dir} was just taken by another run (${this.lockPath})`);
    }
    this.locked = true;
  }

  /** Releases the lock. */
  close(): void {
    if (this.locked) fs.rmSync(this.lockPath, { force: true });
    this.locked = false;
  }

  private checkSameConfig(saved: { [key: string]: Json }, config: { [key: string]: Json }, mayChange: string[]): void {
    const keys = new Set([...Object.keys(saved), ...Object.keys(config)]);
    const differ = [...keys].filter((k) => !mayChange.includes(k) && JSON.stringify(saved[k]) !== JSON.stringify(config[k]));
    if (differ.length) {
      const what = differ.map((k) => `${k}: ${JSON.stringify(saved[k])} -> ${JSON.stringify(config[k])}`).join(', ');
      throw new Error(`cannot resume ${this.dir} with other settings (${what})`);
    }
  }

  /**
   * Where the run starts. A fresh run: the beginning. A resumed run: the newest checkpoint that
   * passes its checks (none: the beginning), with metrics.jsonl cut back to the lines it covers.
   */
  startingPoint(device?: string): StartingPoint {
    if (!this.resuming) return { checkpoint: null, metrics: [] };
    const checkpoint = this.loadCheckpoint(device);
    return { checkpoint, metrics: this.truncateMetrics(checkpoint ? (checkpoint.metricsLines as number) : 0) };
  }

  /** Appends one epoch's metrics (one JSON line), flushed to disk before a checkpoint covers it. */
  appendMetrics(metrics: EpochMetrics): void {
    const fd = fs.openSync(this.metricsPath, 'a');
    try {
      fs.writeSync(fd, JSON.stringify(metrics) + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    this.metricsLines++;
  }

  /** Keeps the first `count` lines of metrics.jsonl (those a checkpoint covers); returns them. */
  private truncateMetrics(count: number): EpochMetrics[] {
    const lines = fs.existsSync(this.metricsPath) ? readMetricsFile(this.metricsPath, this.warn) : [];
    if (lines.length < count) {
      throw new Error(`${this.metricsPath} ends after line ${lines.length}, but the checkpoint covers ${count} lines: restore the file, or start the run afresh`);
    }
    const kept = lines.slice(0, count);
    writeFileAtomic(this.metricsPath, kept.map((m) => JSON.stringify(m) + '\n').join(''));
    this.metricsLines = count;
    return kept;
  }

  writeResult(result: { [key: string]: Json }): void {
    writeJsonAtomic(this.resultPath, result);
  }

  /**
   * Saves the checkpoint record with the count of metric lines it covers. The sha256 file goes
   * first, so a write cut short shows as a mismatch, never as a checkpoint that passes its check;
   * the checkpoint it replaces stays as checkpoint.prev.pt, the fallback.
   */
  saveCheckpoint(record: object): void {
    const bytes = serialize({ ...record, metricsLines: this.metricsLines });
    if (this.latestIsGood) this.keepAsPrevious();
    writeFileAtomic(checksumFile(this.checkpointPath), sha256(bytes) + '\n');
    writeFileAtomic(this.checkpointPath, bytes);
    this.latestIsGood = true;
  }

  // Hard links: no bytes copied, and checkpoint.pt, still good meanwhile, never goes missing.
  private keepAsPrevious(): void {
    for (const [from, to] of [
      [this.checkpointPath, this.previousCheckpointPath],
      [checksumFile(this.checkpointPath), checksumFile(this.previousCheckpointPath)],
    ]) {
      fs.rmSync(to, { force: true });
      fs.linkSync(from, to);
    }
  }

  /**
   * The newest checkpoint record that passes its checks: checkpoint.pt, else checkpoint.prev.pt
   * with a warning saying why; null when there is neither; an error when neither passes.
   */
  private loadCheckpoint(device?: string): Record<string, unknown> | null {
    const problems: string[] = [];
    for (const file of [this.checkpointPath, this.previousCheckpointPath]) {
      if (!fs.existsSync(file)) continue;
      try {
        const record = this.readCheckedCheckpoint(file, device);
        if (problems.length) this.warn(`${problems.join('; ')}: resuming from ${file} (epoch ${record.epoch})`);
        this.latestIsGood = file === this.checkpointPath;
        return record;
      } catch (e) {
        problems.push((e as Error).message);
      }
    }
    if (problems.length) throw new Error(`no checkpoint in ${this.dir} can be resumed from: ${problems.join('; ')}`);
    return null;
  }

  /** The record in checkpoint `file`, once its bytes match the sha256 written beside it. */
  private readCheckedCheckpoint(file: string, device?: string): Record<string, unknown> {
    const sumFile = checksumFile(file);
    if (!fs.existsSync(sumFile)) throw new Error(`${file} has no ${path.basename(sumFile)} beside it (not written by this version?)`);
    if (sha256(fs.readFileSync(file)) !== fs.readFileSync(sumFile, 'utf8').trim()) {
      throw new Error(`${file} does not match ${path.basename(sumFile)} (its write was cut short, or the file is damaged)`);
    }
    return load(file, device ? { device } : {}) as Record<string, unknown>;
  }
}

/** Runs `train` in the run folder `dir` (a RunFolder), releasing its lock however `train` ends. */
export function inRunFolder<R>(dir: string, config: { [key: string]: Json }, options: RunFolderOptions, train: (folder: RunFolder) => R): R {
  const folder = new RunFolder(dir, config, options);
  try {
    return train(folder);
  } finally {
    folder.close();
  }
}
