// `npm run bench`: every workload, momentum-torch against PyTorch in the same run, and
// bench/RESULTS.md with the table, the goals and the machine: one section per LibTorch version,
// of which a run replaces only its own. BENCH_ONLY=ema,moco-step runs a subset.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BenchResult, CLOCK, Comparison, Machine, PeerInfo, PYTHON, PythonPeer, Stats, benchSourceDir, benchThreads, hasGoal, machine, mappedLibraries, meetsGoal, threadEnvironment } from './harness';

/** The six workloads of issue 8, in its order, then issue 12's load time: the module bench/NAME.ts and its title. */
const WORKLOADS: [string, string][] = [
  ['ops', '1. Per-op overhead'],
  ['ema', '2. EMA update'],
  ['mean-teacher-step', '3. Mean Teacher train step'],
  ['moco-step', '4. MoCo v2 train step'],
  ['data', '5. Data loading + augmentation'],
  ['memory', '6. Memory'],
  ['load', '7. Load time'],
];

// OpenMP and OpenBLAS size their thread pools when loaded, from the environment: so this process
// runs itself again with it set, before LibTorch is loaded, and Python peers inherit the same.
function relaunchWithThreads(): boolean {
  const wanted = threadEnvironment(benchThreads());
  if (Object.entries(wanted).every(([k, v]) => process.env[k] === v)) return false;
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, ...wanted },
  });
  process.exitCode = child.status ?? 1;
  return true;
}

type Outcome = { title: string; result?: BenchResult; missing?: string; seconds: number };

async function runWorkload(name: string, title: string): Promise<Outcome> {
  const start = Date.now();
  const file = path.join(__dirname, `${name}.js`);
  const elapsed = (): number => (Date.now() - start) / 1000;
  if (!fs.existsSync(file)) return { title, missing: `bench/${name}.ts is not written yet`, seconds: 0 };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod: { main?: () => Promise<BenchResult> } = require(file);
  if (typeof mod.main !== 'function') return { title, missing: `bench/${name}.ts exports no main()`, seconds: 0 };
  console.log(`\n== ${title} (bench/${name})`);
  try {
    const result = await mod.main();
    console.log(formatComparisons(result.comparisons).join('\n'));
    return { title, result, seconds: elapsed() };
  } catch (e) {
    console.error(e);
    return { title, missing: `failed: ${(e as Error).message.split('\n')[0]}`, seconds: elapsed() };
  }
}

// ---- formatting -----------------------------------------------------------------------------------

function num(x: number): string {
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

function withSpread(s: Stats, unit = ''): string {
  return `${num(s.median)}${unit} (${num(s.min)}–${num(s.max)})`;
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${num(x)}`;
}

function goalText(c: Comparison): string {
  return c.maxExcess !== undefined ? `≤ +${num(c.maxExcess)} ${c.unit} over` : `≤ ${c.goal!.toFixed(2)}x`;
}

function verdict(c: Comparison): string {
  if (!hasGoal(c)) return '';
  const excess = c.excess ? `${signed(c.excess.median)} ${c.unit}, ` : '';
  return `${meetsGoal(c) ? 'met' : '**missed**'} (${excess}${goalText(c)})`;
}

function formatComparisons(comparisons: Comparison[]): string[] {
  return comparisons.map((c) => `  ${c.measure}: ${num(c.ours.median)} vs ${num(c.theirs.median)} ${c.unit} -> ${withSpread(c.ratio, 'x')} ${verdict(c)}`);
}

function table(outcomes: Outcome[]): string[] {
  const lines = [
    '| Workload | Measure | momentum-torch | PyTorch / baseline | ratio, median (min–max) | n | goal |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const o of outcomes) {
    if (!o.result) {
      lines.push(`| ${o.title} | not measured: ${o.missing} | | | | | |`);
      continue;
    }
    for (const c of o.result.comparisons) {
      lines.push(
        `| ${o.title} | ${c.measure} | ${num(c.ours.median)} ${c.unit} | ${num(c.theirs.median)} ${c.unit} | ` +
          `**${num(c.ratio.median)}x** (${num(c.ratio.min)}–${num(c.ratio.max)}) | ${c.ratio.n} | ${verdict(c)} |`,
      );
    }
    for (const u of o.result.unmeasured ?? []) lines.push(`| ${o.title} | ${u.measure} | not measured: ${u.reason.replace(/\|/g, '\\|')} | | | | |`);
  }
  return lines;
}

// The goals' tally, and where each missed one's profile and plan are.
function goals(outcomes: Outcome[]): string[] {
  const withGoal = outcomes.flatMap((o) => (o.result?.comparisons ?? []).filter(hasGoal).map((c) => ({ title: o.title, c })));
  const missed = withGoal.filter(({ c }) => !meetsGoal(c));
  const lines = [`Goals: ${withGoal.length - missed.length} of ${withGoal.length} met.`];
  if (missed.length) {
    lines.push('', 'Missed (the profile and the plan for each are in its workload\'s notes below):', '');
    for (const { title, c } of missed) {
      const measured = c.excess ? `${signed(c.excess.median)} ${c.unit}` : `${num(c.ratio.median)}x`;
      lines.push(`- ${title}: ${c.measure}: ${measured} against ${goalText(c)}`);
    }
  }
  const notMeasured = outcomes.filter((o) => !o.result);
  if (notMeasured.length) lines.push('', `Not measured: ${notMeasured.map((o) => `${o.title} (${o.missing})`).join('; ')}.`);
  return lines;
}

function machineSection(m: Machine, threads: number, peer: PeerInfo, binary: string, allocatorTuned: boolean, libtorch: string): string[] {
  const ours = mappedLibraries();
  const same = ours.join() === peer.libraries.join();
  return [
    `- CPU: ${m.cpu}, ${m.cores} (lscpu); ${m.memoryGiB} GiB memory; ${m.os}`,
    `- Threads: ${threads} on both sides (torch.setNumThreads / torch.set_num_threads, OMP_NUM_THREADS, OPENBLAS_NUM_THREADS)` +
      (process.env.OPENBLAS_CORETYPE ? `; OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE} (from the environment, both sides)` : ''),
    `- Clock: ${CLOCK === 'wall' ? 'wall time' : 'CPU time of each process (user + system, all threads; BENCH_CLOCK=cpu)'} for the timed workloads 2-4` +
      (CLOCK === 'cpu' ? '; workloads 1 and 5 keep their own clocks (see their notes)' : ''),
    `- BLAS and LibTorch in use (mapped by momentum-torch): ${ours.join(', ') || 'none'}` +
      (same ? '; PyTorch maps the same files' : `; PyTorch maps ${peer.libraries.join(', ') || 'none'}`),
    `- momentum-torch: LibTorch ${libtorch}, Node ${m.node}, addon ${path.relative(path.dirname(benchSourceDir()), binary)}, ` +
      `glibc malloc ${allocatorTuned ? 'tuned at load (the default)' : 'untuned (MOMENTUM_TORCH_MALLOC=default)'}`,
    `- PyTorch ${peer.torch}: ${PYTHON}`,
  ];
}

// Other processes on the CPUs widen every spread (and with several threads, OpenMP's barriers wait
// on descheduled threads): the load average says how busy the machine was.
function loadLine(atStart: number, atEnd: number): string {
  const cpus = os.availableParallelism();
  const busy = atStart > 1;
  return `- Load average (1 min) at the start ${atStart.toFixed(1)}, at the end ${atEnd.toFixed(1)} (this run's own processes included), on ${cpus} logical CPUs` +
    (busy ? ': other processes were running, so read the spreads as well as the medians.' : '.');
}

const PREAMBLE = [
  '# Benchmarks: momentum-torch against PyTorch',
  '',
  'One section per LibTorch version, each written by `npm run bench` (bench/run.ts) with momentum-torch built',
  'against that LibTorch and PyTorch of the same version as the peer; a run replaces only its own version\'s section.',
  'Each ratio is momentum-torch / PyTorch, taken per repeat from two measurements made back to back',
  '(the contenders alternate, each repeat starting with the next one), then the median over the repeats;',
  'min–max is the spread of those per-repeat ratios. Below 1.00x momentum-torch is faster (or smaller).',
  '"PyTorch defaults" is Python PyTorch as users run it; "PyTorch tuned" raises glibc malloc\'s mmap and trim',
  'thresholds with ctypes mallopt (32 MiB, 1 GiB), as momentum-torch does at load. How each workload is',
  'measured: bench/README.md.',
];

/** This run's section of RESULTS.md: when, the machine, the table, the goals and each workload's notes. */
function section(libtorch: string, outcomes: Outcome[], header: string[], totalSeconds: number): string {
  const lines = [
    `## LibTorch ${libtorch}`,
    '',
    `Written on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, in ${Math.round(totalSeconds)} s.`,
    '',
    '### Machine',
    '',
    ...header,
    '',
    '### Results',
    '',
    ...table(outcomes),
    '',
    ...goals(outcomes),
  ];
  for (const o of outcomes) {
    if (!o.result) continue;
    const notes = [...o.result.notes, `Measured in ${Math.round(o.seconds)} s.`];
    lines.push('', `#### ${o.title}`, '', ...notes.map((n) => `- ${n}`));
  }
  return lines.join('\n');
}

const SECTION_HEADING = /^## LibTorch (\S+)/;

function versionOrder(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** `previous` (a RESULTS.md, or '') with this version's section put in, the other versions' kept, oldest first. */
function merge(previous: string, libtorch: string, mine: string): string {
  const sections = new Map<string, string>();
  for (const part of previous.split(/^(?=## LibTorch )/m)) {
    const heading = SECTION_HEADING.exec(part);
    if (heading) sections.set(heading[1], part.trimEnd());
  }
  sections.set(libtorch, mine);
  const ordered = [...sections.keys()].sort(versionOrder).map((v) => sections.get(v));
  return [...PREAMBLE, '', ordered.join('\n\n'), ''].join('\n');
}

async function main(): Promise<void> {
  if (relaunchWithThreads()) return;
  const threads = benchThreads();
  // Loaded only now, with the thread environment set.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const torch: typeof import('../src') = require('../src');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { native }: typeof import('../src/native') = require('../src/native');
  torch.setNumThreads(threads);
  const only = process.env.BENCH_ONLY?.split(',');
  const peer = new PythonPeer('harness', 'default');
  const peerInfo = await peer.ready;
  peer.close();
  const libtorch = torch.version.libtorch;
  const header = machineSection(machine(), threads, peerInfo, torch.nativeBinary, native.allocatorTuned, libtorch);
  console.log(header.join('\n'));

  const start = Date.now();
  const loadAtStart = os.loadavg()[0];
  const outcomes: Outcome[] = [];
  for (const [name, title] of WORKLOADS) {
    if (only && !only.includes(name)) continue;
    outcomes.push(await runWorkload(name, title));
  }
  header.push(loadLine(loadAtStart, os.loadavg()[0]));
  const out = process.env.BENCH_OUT ?? path.join(benchSourceDir(), 'RESULTS.md');
  const previous = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
  fs.writeFileSync(out, merge(previous, libtorch, section(libtorch, outcomes, header, (Date.now() - start) / 1000)));
  console.log(`\nwrote ${out}`);
  for (const o of outcomes) console.log(`  ${o.title}: ${o.result ? `${Math.round(o.seconds)} s` : o.missing}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
