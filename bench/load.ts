// Workload 7: the time a fresh Node process takes to require('momentum-torch') (dist/src), against
// a fresh process that only dlopens the LibTorch the addon links (libtorch.so, which brings
// libtorch_cpu and libc10; process.dlopen then refuses it as no addon, after loading it), and
// against `node -e ''`. The goal: require within 0.1 s of the bare dlopen, so that what the
// package adds to LibTorch's own load is small.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { native } from '../src/native';
import { BenchResult, alternate, compare, compareExcess, repeats, stats } from './harness';

const GOAL_SECONDS = 0.1;

// libtorch.so beside the libtorch_cpu the addon linked (its version's name: libtorch.so.1.13 for Debian's).
function libtorchFile(): string {
  const cpu = native.linkedLibTorch().file;
  return path.join(path.dirname(cpu), path.basename(cpu).replace('libtorch_cpu', 'libtorch'));
}

/** Wall seconds of a fresh `node -e script`, start to exit. */
function nodeSeconds(script: string): number {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (child.status !== 0) throw new Error(`node -e ${JSON.stringify(script)} exited with ${child.status ?? child.signal}: ${child.stderr.trim().slice(-500)}`);
  return seconds;
}

export async function main(): Promise<BenchResult> {
  const library = libtorchFile();
  const packageEntry = path.join(__dirname, '..', 'src');
  const scripts = {
    require: `require(${JSON.stringify(packageEntry)})`,
    dlopen: `try { process.dlopen({ exports: {} }, ${JSON.stringify(library)}) } catch (e) { if (!/did not self-register/.test(e.message)) throw e }`,
    node: '',
  };
  // One untimed round: the first process after the others' work reads the libraries from disk.
  Object.values(scripts).forEach(nodeSeconds);
  const s = await alternate(
    {
      require: () => nodeSeconds(scripts.require),
      dlopen: () => nodeSeconds(scripts.dlopen),
      node: () => nodeSeconds(scripts.node),
    },
    repeats(15),
  );
  const excess = compareExcess(`require('momentum-torch') vs a bare dlopen of ${path.basename(library)}`, 's', s.require, s.dlopen, GOAL_SECONDS);
  const libtorchLoad = stats(s.dlopen.map((d, i) => d - s.node[i]));
  const ms = (x: number): string => `${(x * 1e3).toFixed(0)} ms`;
  return {
    title: '7. Load time',
    comparisons: [excess, compare("require('momentum-torch') vs node -e ''", 's', s.require, s.node)],
    notes: [
      `Each sample a fresh \`node -e\` process, timed from spawn to exit by the runner (wall time); ${s.require.length} alternating repeats after one untimed round.`,
      `require(${path.relative(path.join(__dirname, '..', '..'), packageEntry)}): the package's JavaScript, the addon and the LibTorch it links, and the addon's start-up; the bare dlopen: ${library}, and with it libtorch_cpu and libc10.`,
      `require - dlopen, per repeat: median ${ms(excess.excess!.median)} (${ms(excess.excess!.min)} to ${ms(excess.excess!.max)}); LibTorch's own load (dlopen - node -e ''): ${ms(libtorchLoad.median)} (${ms(libtorchLoad.min)} to ${ms(libtorchLoad.max)}).`,
    ],
  };
}
