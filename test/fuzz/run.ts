// The fuzz runner: generated calls in batches, each batch in a child process (compiled dist/), so
// that a call that kills the process is caught, re-run alone to confirm it is that call, and the
// batch goes on after it. `FUZZ_CALLS=200000 FUZZ_SEED=7 node dist/test/fuzz/run.js` runs a long one.
import { spawnSync } from 'child_process';
import * as path from 'path';
import type { Kind, Verdict } from './classify';
import { makeCall } from './generate';

// The compiled child: beside this file in dist/, or in dist/ when this file runs under ts-jest.
const CHILD = path.join(__dirname.includes(`${path.sep}dist${path.sep}`) ? __dirname : path.join(__dirname, '..', '..', 'dist', 'test', 'fuzz'), 'child.js');

export interface Death {
  index: number;
  label: string;
  /** The signal or exit status, and the end of what it wrote to stderr. */
  how: string;
  /** Whether the call, run alone in a fresh process, kills it too. */
  alone: boolean;
}

export interface Report {
  seed: number;
  calls: number;
  seconds: number;
  counts: Record<Kind, number>;
  deaths: Death[];
  problems: Record<Exclude<Kind, 'ok' | 'error'>, Verdict[]>;
}

interface BatchResult {
  verdicts: (Verdict & { i: number })[];
  died: string | null;
}

function runBatch(seed: number, start: number, end: number, timeoutMs: number): BatchResult {
  const child = spawnSync(process.execPath, [CHILD, String(seed), String(start), String(end)], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 28 });
  const verdicts = child.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Verdict & { i: number });
  const complete = verdicts.length === end - start && child.status === 0;
  const how = child.error ? `${child.error.message}` : child.signal ? `killed by ${child.signal}` : `exit status ${child.status}`;
  return { verdicts, died: complete ? null : `${how}${child.stderr ? `: ${child.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}` };
}

export function fuzz(options: { seed?: number; calls?: number; batch?: number; timeoutMs?: number } = {}): Report {
  const { seed = 1, calls = 10_000, batch = 2_500, timeoutMs = 300_000 } = options;
  const began = Date.now();
  const counts: Record<Kind, number> = { ok: 0, error: 0, accepted: 0, engine: 0, unnamed: 0, 'not-an-error': 0 };
  const problems: Report['problems'] = { accepted: [], engine: [], unnamed: [], 'not-an-error': [] };
  const deaths: Death[] = [];
  let next = 0;
  while (next < calls) {
    const end = Math.min(next + batch, calls);
    const { verdicts, died } = runBatch(seed, next, end, timeoutMs);
    for (const v of verdicts) {
      counts[v.kind]++;
      if (v.kind !== 'ok' && v.kind !== 'error') problems[v.kind].push(v);
    }
    next += verdicts.length;
    if (died !== null) {
      // The call after the last one reported killed the process; alone, does it still?
      const label = makeCall(seed, next).label;
      const again = runBatch(seed, next, next + 1, timeoutMs);
      deaths.push({ index: next, label, how: died, alone: again.died !== null });
      next++;
    }
  }
  return { seed, calls, seconds: (Date.now() - began) / 1000, counts, deaths, problems };
}

/** The report as text: the counts, then each problem (the first `limit` of each kind). */
export function formatReport(report: Report, limit = 25): string {
  const { counts, deaths, problems } = report;
  const lines = [
    `fuzz: seed ${report.seed}, ${report.calls} calls in ${report.seconds.toFixed(1)} s`,
    `  errors: ${counts.error + counts.engine + counts.unnamed} (naming the problem: ${counts.error})`,
    `  returned: ${counts.ok + counts.accepted} (edge inputs: ${counts.ok}; invalid inputs silently accepted: ${counts.accepted})`,
    `  process deaths: ${deaths.length}`,
    `  errors in the JS engine's words: ${counts.engine}`,
    `  errors naming neither the function nor the argument: ${counts.unnamed}`,
    `  thrown values that are not Errors: ${counts['not-an-error']}`,
  ];
  for (const d of deaths) lines.push(`  death at call ${d.index}: ${d.label}: ${d.how}${d.alone ? ' (alone too)' : ' (not alone: depends on earlier calls)'}`);
  for (const kind of ['engine', 'unnamed', 'not-an-error', 'accepted'] as const) {
    // One line per distinct call and message: the same bad call recurs under other seeds' indices.
    const distinct = [...new Map(problems[kind].map((p) => [`${p.label} -> ${p.message ?? ''}`, p])).keys()];
    if (distinct.length) lines.push(`  ${kind} (${problems[kind].length}, ${distinct.length} distinct):`, ...distinct.slice(0, limit).map((d) => `    ${d}`));
  }
  return lines.join('\n');
}

if (require.main === module) {
  const report = fuzz({ seed: Number(process.env.FUZZ_SEED ?? 1), calls: Number(process.env.FUZZ_CALLS ?? 10_000) });
  console.log(formatReport(report, Number(process.env.FUZZ_LIST ?? 25)));
  process.exitCode = report.deaths.length || report.counts.engine || report.counts.unnamed || report.counts['not-an-error'] || report.counts.accepted ? 1 : 0;
}
