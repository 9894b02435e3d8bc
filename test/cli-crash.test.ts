// `train mean-teacher` and `train moco` killed (SIGKILL) at seeded random moments and inside a
// checkpoint write, then resumed, end as a run never interrupted; every checkpoint a kill leaves
// loads in PyTorch; damaged run folders resume from the previous checkpoint with a warning or stop
// with a clear error; a run folder is locked against a second run. The killed runs are the built
// command (dist/) in child processes, at the tiny budgets of cli-resume and ssl-moco-cli.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import * as torch from '../src';
import { trainMeanTeacher } from '../src/cli/train-mean-teacher';
import { flagsOf, metricLines, TINY_MEAN_TEACHER, TINY_MOCO } from './cli-runs';
import { runOracle } from './oracle/run';

const MAIN = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
const MEAN_TEACHER = ['train', 'mean-teacher', ...flagsOf(TINY_MEAN_TEACHER)];
const MOCO = ['train', 'moco', ...TINY_MOCO, '--epochs', '3'];
const TIMING = ['seconds', 'cpuSeconds', 'imagesPerSecond'];

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-crash-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

beforeAll(() => {
  // The children run dist/: a stale build would test old code.
  const built = fs.statSync(MAIN).mtimeMs;
  const newer = fs.readdirSync(path.join(__dirname, '..', 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && fs.statSync(path.join(__dirname, '..', 'src', f)).mtimeMs > built);
  if (newer.length) throw new Error(`dist/ is older than src/${newer[0]}: run npx tsc -p tsconfig.json`);
});

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const KILL_IN_CHECKPOINT_WRITE = path.join(__dirname, 'preload', 'kill-in-checkpoint-write.js');

/** Starts the CLI; with `killInCheckpointWrite: n` the run kills itself (SIGKILL) in the middle of its nth checkpoint write. */
function startCli(args: string[], { killInCheckpointWrite }: { killInCheckpointWrite?: number } = {}): { child: ChildProcess; exit: Promise<Exit> } {
  const preload = killInCheckpointWrite ? ['--require', KILL_IN_CHECKPOINT_WRITE] : [];
  const env = { ...process.env, KILL_IN_CHECKPOINT_WRITE: String(killInCheckpointWrite ?? '') };
  const child = spawn(process.execPath, [...preload, MAIN, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let [stdout, stderr] = ['', ''];
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return { child, exit: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))) };
}

const cli = (args: string[]) => startCli(args).exit;

// mulberry32: the kill moments are random but the same on every run of the suite.
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Kills the run at the `nth` change in its folder `out`. */
function killAtChange(child: ChildProcess, out: string, nth: number): void {
  let changes = 0;
  const watcher = fs.watch(out, () => {
    if (++changes < nth) return;
    child.kill('SIGKILL');
    watcher.close();
  });
  child.on('close', () => watcher.close());
}

/** What must not differ from an uninterrupted run: result.json, metrics and the final checkpoint, less times and paths. */
function finalState(out: string): Record<string, unknown> {
  const omit = (record: Record<string, unknown>, keys: string[]) => Object.fromEntries(Object.entries(record).filter(([k]) => !keys.includes(k)));
  const plain = (value: unknown): unknown =>
    value instanceof torch.Tensor
      ? { dtype: value.dtype, values: value.toArray() }
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
        : value;
  return {
    result: omit(JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8')), [...TIMING, 'runFolder', 'checkpoint']),
    metrics: metricLines(path.join(out, 'metrics.jsonl')).map((m: Record<string, unknown>) => omit(m, TIMING)),
    checkpoint: plain(omit(torch.load(path.join(out, 'checkpoint.pt')), TIMING)),
  };
}

interface StraightRun {
  out: string;
  state: Record<string, unknown>;
  ms: number;
  /** Changes seen in its folder (files created, written, renamed, removed). */
  changes: number;
}

/** The uninterrupted run of `args` (once per command). */
const straightRuns = new Map<string, Promise<StraightRun>>();
function straightRun(args: string[]): Promise<StraightRun> {
  if (!straightRuns.has(args[1])) {
    const out = path.join(root, args[1], 'straight');
    fs.mkdirSync(out, { recursive: true });
    let changes = 0;
    const watcher = fs.watch(out, () => changes++);
    const started = Date.now();
    straightRuns.set(args[1], cli([...args, '--out', out]).then((exit) => {
      watcher.close();
      expect(exit.code).toBe(0);
      return { out, state: finalState(out), ms: Date.now() - started, changes };
    }));
  }
  return straightRuns.get(args[1])!;
}

const files = (out: string) => (fs.existsSync(out) ? fs.readdirSync(out) : []);

/**
 * Checks what a kill left in `out`: every JSON file and plot complete, every metrics line JSON;
 * copies its checkpoints to `keep` for PyTorch to load. Returns whether it left the lock.
 */
function checkLeftovers(out: string, keep: string): boolean {
  for (const name of files(out)) {
    const text = () => fs.readFileSync(path.join(out, name), 'utf8');
    if (name.endsWith('.json')) expect(() => JSON.parse(text())).not.toThrow();
    if (name.endsWith('.svg')) expect(text()).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    if (name.endsWith('.pt')) fs.copyFileSync(path.join(out, name), path.join(keep, `${path.basename(out)}-${name}`));
  }
  if (files(out).includes('metrics.jsonl')) metricLines(path.join(out, 'metrics.jsonl'));
  return files(out).includes('run.lock');
}

/** Resumes the killed run in `out`; it must take over the lock the kill left and end cleanly. */
async function resume(args: string[], out: string, lockLeft: boolean): Promise<Exit> {
  const resumed = await cli([...args, '--out', out, '--resume']);
  expect([resumed.code, resumed.signal]).toEqual([0, null]);
  expect(JSON.parse(resumed.stdout)).toEqual(JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8')));
  expect(/run\.lock was left by pid \d+, which is no longer running: taking it over/.test(resumed.stderr)).toBe(lockLeft);
  expect(files(out).filter((f) => f.endsWith('.tmp') || f === 'run.lock')).toEqual([]);
  return resumed;
}

/** PyTorch loads each checkpoint; each covers the metric lines of its epochs (`extraLines`: MoCo's epoch 0). */
function expectLoadableInPython(keep: string, keys: string[], extraLines: number): number {
  const checked = runOracle('load_checkpoint.py', { files: fs.readdirSync(keep).map((f) => path.join(keep, f)) });
  for (const c of checked) {
    expect(c.keys).toEqual(keys);
    expect(c.epoch).toBeGreaterThanOrEqual(1);
    expect(c.metricsLines).toBe(c.epoch + extraLines);
  }
  return checked.length;
}

const COMMANDS = [
  {
    name: 'train mean-teacher',
    args: MEAN_TEACHER,
    keys: ['epoch', 'metricsLines', 'optimizer', 'rng', 'seconds', 'step', 'student', 'teacher'],
    extraLines: 0,
    seed: 14,
  },
  {
    name: 'train moco',
    args: MOCO,
    keys: ['cpuSeconds', 'epoch', 'metricsLines', 'optimizer', 'seconds', 'state_dict', 'step', 'version'],
    extraLines: 1,
    seed: 41,
  },
];

describe.each(COMMANDS)('$name killed and resumed', ({ args, keys, extraLines, seed }) => {
  const dir = path.join(root, args[1]);
  const keep = path.join(dir, 'checkpoints-left');
  let straight: StraightRun;
  let uninterrupted: Record<string, unknown>;

  beforeAll(async () => {
    straight = await straightRun(args);
    uninterrupted = straight.state;
    fs.mkdirSync(keep, { recursive: true });
    checkLeftovers(straight.out, keep);
  });

  // Two kills at random times, four at a random one of the folder's changes (most of a run's time
  // is start-up and evaluation, its writes come in a few milliseconds). Twelve runs of the command:
  // against a CUDA LibTorch each start loads its CUDA libraries, on two loaded cores minutes in all.
  const TWELVE_RUNS_MS = 600_000;
  test('killed at 6 random moments, then --resume: the result, metrics and weights of the uninterrupted run', async () => {
    const next = random(seed);
    for (let trial = 0; trial < 6; trial++) {
      const out = path.join(dir, `random-${trial}`);
      const at = next();
      // A timed kill can come after a run faster than the timed one has ended (its start loads
      // LibTorch from a warm cache), and a run can show fewer changes than the uninterrupted one
      // did (the kernel merges like events the watcher has not read yet): then the same moment is
      // tried again, in half the time or at half the changes.
      let exit: Exit;
      for (let scale = 0.6; ; scale /= 2) {
        fs.rmSync(out, { recursive: true, force: true });
        fs.mkdirSync(out);
        const run = startCli([...args, '--out', out]);
        if (trial < 2) setTimeout(() => run.child.kill('SIGKILL'), at * scale * straight.ms);
        else killAtChange(run.child, out, 1 + Math.floor(at * 1.5 * scale * straight.changes));
        exit = await run.exit;
        if (exit.signal !== null || scale < 0.01) break;
      }
      expect(exit.signal).toBe('SIGKILL');
      await resume(args, out, checkLeftovers(out, keep));
      expect(finalState(out)).toEqual(uninterrupted);
    }
  }, TWELVE_RUNS_MS);

  test('killed while writing its second checkpoint: resumed from the first, with a warning, to the uninterrupted result', async () => {
    const out = path.join(dir, 'in-write');
    fs.mkdirSync(out);
    const exit = await startCli([...args, '--out', out], { killInCheckpointWrite: 2 }).exit;
    expect(exit.signal).toBe('SIGKILL');
    expect(files(out).filter((f) => /^\.checkpoint\.pt\..*\.tmp$/.test(f))).toHaveLength(1);
    const resumed = await resume(args, out, checkLeftovers(out, keep));
    expect(resumed.stderr).toContain(`${out}/checkpoint.pt does not match checkpoint.pt.sha256 (its write was cut short, or the file is damaged): resuming from ${out}/checkpoint.prev.pt (epoch 1)`);
    expect(finalState(out)).toEqual(uninterrupted);
  });

  test('every checkpoint the kills left (and the uninterrupted run\'s two) loads in PyTorch and covers its epochs\' metric lines', () => {
    expect(expectLoadableInPython(keep, keys, extraLines)).toBeGreaterThanOrEqual(2);
  });

  // Both start at once: one refuses, naming the pid and the folder; the other runs as if alone.
  // The second run starts while the first holds the lock with its pid (stopped there, so that a tiny run
  // cannot end before the second has even loaded LibTorch), and must refuse; the first, continued,
  // gives the uninterrupted result.
  async function runTwice(runArgs: string[], out: string): Promise<void> {
    const first = startCli(runArgs);
    let ended = false;
    first.exit.then(() => (ended = true));
    const lock = path.join(out, 'run.lock');
    const holdsPid = () => fs.existsSync(lock) && fs.readFileSync(lock, 'utf8').includes(String(first.child.pid));
    while (!ended && !holdsPid()) await new Promise((resolve) => setTimeout(resolve, 2));
    first.child.kill('SIGSTOP');
    const second = await startCli(runArgs).exit;
    first.child.kill('SIGCONT');
    const exit = await first.exit;
    expect([exit.code, second.code]).toEqual([0, 1]);
    expect(second.stderr).toBe(`momentum-torch: run folder ${out} is in use by pid ${first.child.pid} (${out}/run.lock); wait for that run to end, or remove the lock if no such run exists\n`);
    expect(finalState(out)).toEqual(uninterrupted);
  }

  test('two runs into one --out, and two --resume of one stopped run: one refuses, the other gives the uninterrupted result', async () => {
    await runTwice([...args, '--out', path.join(dir, 'twice')], path.join(dir, 'twice'));
    const stopped = path.join(dir, 'resumed-twice');
    expect((await cli([...args, '--out', stopped, '--stop-after', '1'])).code).toBe(0);
    await runTwice([...args, '--out', stopped, '--resume'], stopped);
  });
});

describe('damaged run folders (train mean-teacher)', () => {
  class Log extends Writable {
    text = '';
    _write(chunk: Buffer, _: string, done: () => void): void {
      this.text += chunk.toString();
      done();
    }
  }
  let uninterrupted: Record<string, unknown>;
  const stopped = path.join(root, 'damaged', 'after-2');

  beforeAll(async () => {
    uninterrupted = (await straightRun(MEAN_TEACHER)).state;
  });

  // A copy of the run stopped after epoch 2 (checkpoint.pt: epoch 2, checkpoint.prev.pt: epoch 1), damaged by `damage`.
  function damagedCopy(name: string, damage: (out: string) => void): string {
    if (!fs.existsSync(stopped)) {
      const exit = spawnSync(process.execPath, [MAIN, ...MEAN_TEACHER, '--out', stopped, '--stop-after', '2', '--json']);
      expect(exit.status).toBe(0);
    }
    const out = path.join(root, 'damaged', name);
    fs.cpSync(stopped, out, { recursive: true });
    damage(out);
    return out;
  }
  const resumeIn = async (out: string) => {
    const log = new Log();
    await trainMeanTeacher(TINY_MEAN_TEACHER, { out, device: 'cpu', quiet: true, resume: true, log });
    return log.text;
  };
  const flipBit = (file: string, next: () => number) => {
    const bytes = fs.readFileSync(file);
    const at = Math.floor(next() * bytes.length);
    bytes[at] ^= 1 << Math.floor(next() * 8);
    fs.writeFileSync(file, bytes);
  };

  test('a truncated or bit-flipped checkpoint.pt: resumed from checkpoint.prev.pt with a warning, to the uninterrupted result', async () => {
    const fallback = /checkpoint\.pt does not match checkpoint\.pt\.sha256 \(its write was cut short, or the file is damaged\): resuming from \S+checkpoint\.prev\.pt \(epoch 1\)/;
    const truncated = damagedCopy('truncated', (out) => fs.truncateSync(path.join(out, 'checkpoint.pt'), 20000));
    expect(await resumeIn(truncated)).toMatch(fallback);
    expect(finalState(truncated)).toEqual(uninterrupted);
    const next = random(7);
    for (let trial = 0; trial < 3; trial++) {
      const flipped = damagedCopy(`flipped-${trial}`, (out) => flipBit(path.join(out, 'checkpoint.pt'), next));
      expect(await resumeIn(flipped)).toMatch(fallback);
      expect(finalState(flipped)).toEqual(uninterrupted);
    }
  });

  test('both checkpoints damaged: a clear error, the folder left as it was', async () => {
    const next = random(8);
    const out = damagedCopy('both', (dir) => ['checkpoint.pt', 'checkpoint.prev.pt'].forEach((f) => flipBit(path.join(dir, f), next)));
    const before = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8');
    await expect(resumeIn(out)).rejects.toThrow(
      new RegExp(`^no checkpoint in ${out} can be resumed from: ${out}/checkpoint\\.pt does not match checkpoint\\.pt\\.sha256 .*; ${out}/checkpoint\\.prev\\.pt does not match checkpoint\\.prev\\.pt\\.sha256`),
    );
    expect(fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')).toBe(before);
    expect(files(out)).not.toContain('run.lock');
  });

  test('a torn last line of metrics.jsonl is dropped with a warning naming the file; a damaged line before it is an error naming file and line', async () => {
    const torn = damagedCopy('torn', (out) => fs.appendFileSync(path.join(out, 'metrics.jsonl'), '{"epoch":3,"step":12,"seco'));
    expect(await resumeIn(torn)).toBe(`momentum-torch: warning: ${torn}/metrics.jsonl: dropping its last line, which was cut short (26 characters)\n`);
    expect(finalState(torn)).toEqual(uninterrupted);
    const middle = damagedCopy('middle', (out) => {
      const file = path.join(out, 'metrics.jsonl');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('{"epoch":1,', '{"epoch":1'));
    });
    await expect(resumeIn(middle)).rejects.toThrow(new RegExp(`^${middle}/metrics\\.jsonl: line 1 is not JSON \\(`));
    const short = damagedCopy('short', (out) => fs.writeFileSync(path.join(out, 'metrics.jsonl'), fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').split('\n')[0] + '\n'));
    await expect(resumeIn(short)).rejects.toThrow(`${short}/metrics.jsonl ends after line 1, but the checkpoint covers 2 lines: restore the file, or start the run afresh`);
  });

  test('a lock held by a live process refuses; one left by a dead process is taken over with a warning', async () => {
    const live = damagedCopy('locked', (out) => fs.writeFileSync(path.join(out, 'run.lock'), `${process.pid}\n`));
    await expect(resumeIn(live)).rejects.toThrow(`run folder ${live} is in use by pid ${process.pid} (${live}/run.lock)`);
    expect(fs.readFileSync(path.join(live, 'run.lock'), 'utf8')).toBe(`${process.pid}\n`);
    const dead = spawnSync('true').pid;
    const stale = damagedCopy('stale', (out) => fs.writeFileSync(path.join(out, 'run.lock'), `${dead}\n`));
    expect(await resumeIn(stale)).toBe(`momentum-torch: warning: ${stale}/run.lock was left by pid ${dead}, which is no longer running: taking it over\n`);
    expect(finalState(stale)).toEqual(uninterrupted);
    expect(files(stale)).not.toContain('run.lock');
  });
});
