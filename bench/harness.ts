// What every benchmark shares: alternating repeats, medians and spreads, the Python peer (a
// Python process of the PyTorch momentum-torch was built against, running bench/NAME.py, spoken to in JSON lines), and the machine's facts.
// A workload module exports `async function main(): Promise<BenchResult>`; bench/run.ts runs them all.
import { spawn, ChildProcessWithoutNullStreams, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';

/** A median with its spread over the repeats. */
export interface Stats {
  median: number;
  min: number;
  max: number;
  n: number;
}

/**
 * One line of the results table: momentum-torch (`ours`) against one PyTorch variant (`theirs`),
 * with the ratio ours / theirs taken per repeat (the two ran back to back) and then its median.
 */
export interface Comparison {
  /** What is measured, e.g. 'step, PyTorch defaults'. */
  measure: string;
  /** The unit of `ours` and `theirs`, e.g. 'ms', 'us/call', 'MiB'. */
  unit: string;
  ours: Stats;
  theirs: Stats;
  ratio: Stats;
  /** The largest ratio the project's goals allow (lower is better), if a goal applies. */
  goal?: number;
  /** Instead of a ratio, a goal on ours - theirs (per repeat, then the median): the most, in `unit`, ours may take over theirs. */
  maxExcess?: number;
  excess?: Stats;
}

/** A row that could not be measured, with why (e.g. torch.compile's error). */
export interface Unmeasured {
  measure: string;
  reason: string;
}

export interface BenchResult {
  /** e.g. '3. Mean Teacher train step'. */
  title: string;
  comparisons: Comparison[];
  unmeasured?: Unmeasured[];
  /** Details shown under the table: sizes, settings, extra numbers, profiles of missed goals. */
  notes: string[];
}

export function stats(samples: number[]): Stats {
  if (samples.length === 0) throw new Error('stats: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

/** ours[i] / theirs[i], the two measured in the same repeat. */
export function compare(measure: string, unit: string, ours: number[], theirs: number[], goal?: number): Comparison {
  if (ours.length !== theirs.length) throw new Error(`compare(${measure}): ${ours.length} against ${theirs.length} samples`);
  const ratio = stats(ours.map((o, i) => o / theirs[i]));
  return { measure, unit, ours: stats(ours), theirs: stats(theirs), ratio, goal };
}

/** compare() with its goal on ours[i] - theirs[i]: at most `maxExcess` (in `unit`) over theirs. */
export function compareExcess(measure: string, unit: string, ours: number[], theirs: number[], maxExcess: number): Comparison {
  return { ...compare(measure, unit, ours, theirs), maxExcess, excess: stats(ours.map((o, i) => o - theirs[i])) };
}

/** Whether a comparison has a goal, and whether its median meets it. */
export function hasGoal(c: Comparison): boolean {
  return c.goal !== undefined || c.maxExcess !== undefined;
}

export function meetsGoal(c: Comparison): boolean {
  return c.maxExcess !== undefined ? c.excess!.median <= c.maxExcess : c.goal === undefined || c.ratio.median <= c.goal;
}

/**
 * Throws unless two sides' first-step losses agree (relative 1e-4): timing two different
 * computations would compare nothing. It happens when a model's TS and Python twins drift apart.
 */
function checkSameLoss(what: string, ours: number, theirs: number): void {
  if (!(Math.abs(ours - theirs) <= 1e-4 * Math.max(1, Math.abs(theirs)))) {
    throw new Error(`${what}: the first-step losses differ (momentum-torch ${ours}, PyTorch ${theirs}): the two sides do not run the same model or data`);
  }
}

/** What the training-step workloads say when a median ratio ends above 1.00x. */
const STEP_PROFILE =
  'Above 1.00x: both sides run the same LibTorch kernels, and a profile of this step (bench/README.md, "Profiles") finds no time of ' +
  "momentum-torch's own to cut (JavaScript and the addon are under 1% of the samples); on the 2-core machine of RESULTS.md, consecutive quiet runs gave medians on both sides of 1.00x.";

/** One contender: measures once (any unit) each time it is run. */
export type Contender = () => number | Promise<number>;

/**
 * Runs every contender once per repeat, starting each repeat one contender later, so that slow
 * drifts of a shared machine fall on all alike. Returns the samples, per contender.
 */
export async function alternate<K extends string>(contenders: Record<K, Contender>, repeats: number): Promise<Record<K, number[]>> {
  const names = Object.keys(contenders) as K[];
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < repeats; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(r + i) % names.length];
      samples[name].push(await contenders[name]());
    }
  }
  return samples;
}

/**
 * What secondsPerCall measures, on both sides: wall time (default), or with BENCH_CLOCK=cpu the
 * process's CPU time (user + system, all its threads), which other processes disturb far less.
 */
export const CLOCK: 'wall' | 'cpu' = process.env.BENCH_CLOCK === 'cpu' ? 'cpu' : 'wall';

function seconds(clock: 'wall' | 'cpu'): number {
  if (clock === 'wall') return Number(process.hrtime.bigint()) / 1e9;
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Seconds of `clock` (default CLOCK) per call of `fn`, over `iterations` calls after `warmup` untimed ones. */
export function secondsPerCall(fn: () => void, iterations: number, warmup = 0, clock: 'wall' | 'cpu' = CLOCK): number {
  for (let i = 0; i < warmup; i++) fn();
  const start = seconds(clock);
  for (let i = 0; i < iterations; i++) fn();
  return (seconds(clock) - start) / iterations;
}

/** What a peer's setup answers: its first step's loss and wall seconds (bench/harness.py first_call). */
interface FirstCall {
  loss: number;
  seconds: number;
}

/** torch.compile came with PyTorch 2.0. */
function hasCompile(peer: PeerInfo): boolean {
  return Number(peer.torch.split('.')[0]) >= 2;
}

function firstLine(e: unknown): string {
  return (e as Error).message.split('\n')[0].slice(0, 300);
}

export interface TrainStepComparison {
  comparisons: Comparison[];
  /** torch.compile's rows, where it failed. */
  unmeasured: Unmeasured[];
  firstLoss: number;
  pyLoss: number;
  repeats: number;
  /** Whether torch.compile rows were measured. */
  compiled: boolean;
  /** The first steps' times, and the profile note where a median misses its goal. */
  notes: string[];
}

/**
 * A training step against PyTorch as users run it, with malloc tuned, and (PyTorch 2 and later)
 * with malloc tuned and its models through torch.compile, all from the same start: `first` (the
 * workload's first step) runs here, timed; `script`'s peers are set up with `settings`, which runs
 * their first step, and each first loss must equal ours. Then they alternate, `stepsPerSample`
 * steps a sample after `warmup` untimed ones on this side. torch.compile's first step (its
 * compile, from an empty cache) is a row of its own; if compiling fails, its rows say why.
 */
export async function compareTrainStep(
  what: string,
  script: string,
  first: () => number,
  step: () => number,
  settings: object,
  timing: { stepsPerSample: number; warmup: number; repeats: number },
): Promise<TrainStepComparison> {
  const start = process.hrtime.bigint();
  const firstLoss = first();
  const ours: FirstCall = { loss: firstLoss, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
  const peers: Partial<Record<PeerMode, PythonPeer>> = await startPeers(script, ['default', 'tuned']);
  const unmeasured: Unmeasured[] = [];
  try {
    const py = {
      default: await peers.default!.call<FirstCall>('setup', settings),
      tuned: await peers.tuned!.call<FirstCall>('setup', settings),
      compiled: undefined as FirstCall | undefined,
    };
    checkSameLoss(what, firstLoss, py.default.loss);
    if (hasCompile(await peers.default!.ready)) {
      try {
        Object.assign(peers, await startPeers(script, ['compiled']));
        py.compiled = await peers.compiled!.call<FirstCall>('setup', settings);
        checkSameLoss(`${what} (torch.compile)`, firstLoss, py.compiled.loss);
        // A guard that fails on the second call (grads now there, a step counter) recompiles here, not in a timed step.
        await peers.compiled!.call<number>('run', { iterations: 1 });
      } catch (e) {
        unmeasured.push({ measure: 'step vs torch.compile', reason: firstLine(e) });
        peers.compiled?.close();
        delete peers.compiled;
        py.compiled = undefined;
      }
    }
    const iterations = timing.stepsPerSample;
    const run = (peer: PythonPeer) => () => peer.call<number>('run', { iterations });
    const contenders: Record<string, Contender> = {
      ours: () => secondsPerCall(step, iterations, timing.warmup),
      defaults: run(peers.default!),
      tuned: run(peers.tuned!),
    };
    if (peers.compiled) contenders.compiled = run(peers.compiled);
    const s = await alternate(contenders, repeats(timing.repeats));
    const ms = (xs: number[]): number[] => xs.map((x) => x * 1e3);
    const comparisons = [
      compare('step vs PyTorch defaults', 'ms', ms(s.ours), ms(s.defaults), 1.0),
      compare('step vs PyTorch, malloc tuned', 'ms', ms(s.ours), ms(s.tuned), 1.0),
    ];
    if (py.compiled) {
      comparisons.push(
        compare('step vs torch.compile, malloc tuned (steady state)', 'ms', ms(s.ours), ms(s.compiled)),
        compare("first step vs torch.compile's first (its compile included)", 's', [ours.seconds], [py.compiled.seconds]),
      );
    }
    const seconds = (f: FirstCall): string => `${f.seconds.toFixed(2)} s`;
    const notes = [
      `First step (set-up excluded, time to its loss): momentum-torch ${seconds(ours)}, PyTorch defaults ${seconds(py.default)}, tuned ${seconds(py.tuned)}` +
        (py.compiled ? `, torch.compile ${seconds(py.compiled)} (compiling from an empty inductor cache).` : '.'),
    ];
    if (comparisons.some((c) => !meetsGoal(c))) notes.push(STEP_PROFILE);
    return { comparisons, unmeasured, firstLoss, pyLoss: py.default.loss, repeats: s.ours.length, compiled: py.compiled !== undefined, notes };
  } finally {
    closePeers(peers);
  }
}

// ---- settings every process shares ------------------------------------------------------------

/** The number of threads both sides use: BENCH_THREADS, else every core this process may use. */
export function benchThreads(): number {
  const n = Number(process.env.BENCH_THREADS ?? os.availableParallelism());
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_THREADS must be a positive integer, got '${process.env.BENCH_THREADS}'`);
  return n;
}

/** How many times to repeat each measurement (BENCH_REPEATS scales all of them; default 1x). */
export function repeats(usual: number): number {
  const scale = Number(process.env.BENCH_REPEATS_SCALE ?? 1);
  return Math.max(2, Math.round(usual * (scale > 0 ? scale : 1)));
}

/**
 * The environment that fixes the thread pools before LibTorch and OpenBLAS start: OpenMP (ATen's
 * intra-op pool) and OpenBLAS read these once, when loaded.
 */
export function threadEnvironment(threads: number): Record<string, string> {
  return { OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
}

const scratchDirs: string[] = [];
process.on('exit', () => scratchDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A fresh directory for files the two sides exchange (weights, inputs), removed when this process exits. */
export function scratchDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `momentum-bench-${name}-`));
  scratchDirs.push(dir);
  return dir;
}

// ---- the Python peer ----------------------------------------------------------------------------

// The peer is the PyTorch of the LibTorch momentum-torch was built against, unless BENCH_PYTHON says otherwise.
// scripts/ is found from the package root: from dist/bench/, '../scripts' would be dist/scripts.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const PYTHON: string = process.env.BENCH_PYTHON ?? require(path.join(path.dirname(benchSourceDir()), 'scripts', 'build-record')).pythonOfBuild();

/**
 * PyTorch as users run it; with glibc malloc tuned as momentum-torch tunes it at load; or tuned,
 * with the training steps' models through torch.compile (BENCH_COMPILE=1, PyTorch 2 and later).
 */
export type PeerMode = 'default' | 'tuned' | 'compiled';

export interface PeerInfo {
  torch: string;
  threads: number;
  mallocTuned: boolean;
  /** What mapped_libraries() in bench/harness.py found: BLAS, LAPACK, LibTorch. */
  libraries: string[];
}

/**
 * A Python process running bench/NAME.py through bench/harness.py's `serve`: each `call(op, args)`
 * sends one JSON line and waits for its one-line JSON answer. Python times its own work, so the
 * pipe's latency is never counted.
 */
export class PythonPeer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: { resolve(v: unknown): void; reject(e: Error): void }[] = [];
  private readonly stderr: string[] = [];
  private exited: string | null = null;
  readonly ready: Promise<PeerInfo>;

  constructor(
    readonly script: string,
    readonly mode: PeerMode,
    threads = benchThreads(),
  ) {
    const file = path.join(benchSourceDir(), `${script}.py`);
    // Its own inductor cache, empty: the first step's time is a whole compile.
    const compile = mode === 'compiled' ? { BENCH_COMPILE: '1', TORCHINDUCTOR_CACHE_DIR: scratchDir('inductor') } : {};
    this.child = spawn(PYTHON, [file], {
      env: {
        ...process.env,
        ...threadEnvironment(threads),
        BENCH_THREADS: String(threads),
        BENCH_MALLOC: mode === 'default' ? 'default' : 'tuned',
        ...compile,
        PYTHONUNBUFFERED: '1',
      },
    });
    this.child.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()));
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => this.answer(line));
    this.child.on('exit', (code, signal) => {
      this.exited = `${script}.py (${mode}) exited with ${signal ?? code}: ${this.stderr.join('').trim().slice(-2000)}`;
      for (const w of this.waiting.splice(0)) w.reject(new Error(this.exited));
    });
    this.ready = this.call<PeerInfo>('hello');
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  call<T>(op: string, args: object = {}): Promise<T> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin.write(JSON.stringify({ op, ...args }) + '\n');
    });
  }

  close(): void {
    if (!this.exited) this.child.stdin.end();
  }

  private answer(line: string): void {
    const w = this.waiting.shift();
    if (!w) return;
    let reply: { ok?: unknown; error?: string };
    try {
      reply = JSON.parse(line);
    } catch {
      w.reject(new Error(`${this.script}.py said something that is not JSON: ${line.slice(0, 200)}`));
      return;
    }
    if (reply.error !== undefined) w.reject(new Error(`${this.script}.py: ${reply.error}`));
    else w.resolve(reply.ok);
  }
}

/** Starts one peer per malloc mode and waits until each has imported torch. */
export async function startPeers<M extends PeerMode>(script: string, modes: M[]): Promise<Record<M, PythonPeer>> {
  const peers = {} as Record<M, PythonPeer>;
  for (const mode of modes) {
    peers[mode] = new PythonPeer(script, mode);
    const info = await peers[mode].ready;
    if (mode !== 'default' && !info.mallocTuned) throw new Error(`${script}.py: mallopt refused the tuning`);
  }
  return peers;
}

export function closePeers(peers: Partial<Record<PeerMode, PythonPeer>>): void {
  for (const p of Object.values(peers)) (p as PythonPeer).close();
}

// The CPUs a process may run on ("0-1"), and setting them for every thread of each process
// (taskset, from util-linux).
function affinity(pid: number): string {
  const out = execFileSync('taskset', ['--cpu-list', '--pid', String(pid)], { encoding: 'utf8' });
  return out.slice(out.lastIndexOf(':') + 1).trim();
}

function setAffinity(pids: number[], cpus: string): void {
  for (const pid of pids) execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cpus, String(pid)], { stdio: 'ignore' });
}

/**
 * Runs `measure` with this process and the peers pinned to one CPU, then gives them all back.
 * A single-threaded comparison spread over two CPUs compares the CPUs: on the shared VM of
 * RESULTS.md one vCPU ran the same 8x8 add 1.5x slower than the other, for minutes at a time.
 */
export async function onOneCpu<T>(peers: PythonPeer[], measure: () => Promise<T>): Promise<T> {
  const pids = [process.pid, ...peers.map((p) => p.pid)];
  let allowed: string;
  try {
    allowed = affinity(process.pid);
    setAffinity(pids, allowed.split(/[,-]/).pop() as string);
  } catch (e) {
    console.warn(`bench: could not pin to one CPU (${(e as Error).message.split('\n')[0]}); measuring unpinned`);
    return measure();
  }
  try {
    return await measure();
  } finally {
    setAffinity(pids, allowed);
  }
}

// The .py files sit beside the .ts sources: bench/ in the repository, whether this runs from
// dist/bench/ or under ts-node/ts-jest from bench/.
export function benchSourceDir(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'bench');
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`bench: no package.json above ${__dirname}`);
    dir = parent;
  }
}

// ---- the machine --------------------------------------------------------------------------------

/** Shared libraries of BLAS/LAPACK and of LibTorch: which kernels a process really runs. */
export const LIBRARY_PATTERN = /blas|lapack|^libmkl_|^libtorch_cpu|^libc10\./i;

/** The shared libraries matching LIBRARY_PATTERN that this process has mapped, resolved to their files. */
export function mappedLibraries(): string[] {
  const files = new Set<string>();
  for (const line of fs.readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    const at = line.indexOf('/');
    if (at >= 0 && LIBRARY_PATTERN.test(path.basename(line.slice(at)))) files.add(fs.realpathSync(line.slice(at)));
  }
  return [...files].sort();
}

/** Peak resident set size of this process so far (VmHWM), in MiB. */
export function peakRssMiB(): number {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

export interface Machine {
  cpu: string;
  cores: string;
  memoryGiB: number;
  os: string;
  node: string;
}

function lscpuField(lscpu: string, field: string): string | undefined {
  return new RegExp(`^${field}:\\s*(.+)$`, 'm').exec(lscpu)?.[1].trim();
}

export function machine(): Machine {
  let lscpu = '';
  try {
    lscpu = execFileSync('lscpu', { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  } catch {
    // lscpu is missing: fall back to Node's view below.
  }
  const cpu = lscpuField(lscpu, 'Model name') ?? os.cpus()[0]?.model ?? 'unknown';
  const sockets = Number(lscpuField(lscpu, 'Socket\\(s\\)') ?? 1);
  const perSocket = Number(lscpuField(lscpu, 'Core\\(s\\) per socket') ?? NaN);
  const logical = Number(lscpuField(lscpu, 'CPU\\(s\\)') ?? os.cpus().length);
  const cores = Number.isNaN(perSocket) ? `${logical} logical CPUs` : `${sockets * perSocket} cores, ${logical} logical CPUs`;
  return {
    cpu,
    cores,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}
