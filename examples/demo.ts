// `npm run demo`: Mean Teacher against the supervised-only baseline on Fashion-MNIST with few
// labels, the same budget, augmentation and labels for both; then a results table and the plot.
// Extra arguments are `train mean-teacher` flags (e.g. `npm run demo -- --labels 1000`).
import * as fs from 'fs';
import * as path from 'path';
import { parseFlags } from '../src/cli/args';
import { configFromFlags, FLAGS, trainMeanTeacher, MeanTeacherResult } from '../src/cli/train-mean-teacher';

// The trainer's defaults are the budget of examples/RESULTS-mean-teacher.md (12 epochs of 100
// steps): both runs together take 2 to 5 minutes on 2 CPU cores. The demo's case is 100 labels.
const DEMO_DEFAULTS = ['--labels', '100'];

function row(cells: string[], widths: number[]): string {
  return `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
}

function table(results: [string, MeanTeacherResult][]): string {
  const header = ['run', 'labels', 'epochs', 'steps', 'time', 'student acc.', 'teacher acc.'];
  const rows = results.map(([name, r]) => [name, String(r.labels), String(r.epochs), String(r.steps), `${r.seconds.toFixed(0)} s`, `${r.testAccuracy.student.toFixed(2)} %`, `${r.testAccuracy.teacher.toFixed(2)} %`]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [row(header, widths), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map((r) => row(r, widths))].join('\n');
}

async function demo(argv: string[]): Promise<void> {
  const values = parseFlags('demo', [...DEMO_DEFAULTS, ...argv], FLAGS);
  const config = configFromFlags(values);
  const device = values.device as string;
  const root = path.resolve('runs');
  const baselineDir = path.join(root, 'demo-baseline');
  const teacherDir = path.join(root, 'demo-mean-teacher');
  for (const dir of [baselineDir, teacherDir]) fs.rmSync(dir, { recursive: true, force: true });

  console.log(`Fashion-MNIST, ${config.labels} labels, ${config.epochs} epochs of ${Math.floor((config.unlabeled || 60000 - config.labels) / (config.batchSize - config.labeledBatchSize))} steps, on ${device}`);
  console.log('\n1/2 supervised-only baseline (--consistency 0)');
  const baseline = await trainMeanTeacher({ ...config, consistency: 0 }, { out: baselineDir, device });
  console.log(`\n2/2 Mean Teacher (--consistency ${config.consistency})`);
  const meanTeacher = await trainMeanTeacher(config, { out: teacherDir, device, baseline: baselineDir });

  console.log(`\nTest accuracy on all ${meanTeacher.testImages} Fashion-MNIST test images:\n`);
  console.log(table([['baseline (consistency 0)', baseline], ['Mean Teacher', meanTeacher]]));
  const gain = meanTeacher.testAccuracy.teacher - Math.max(baseline.testAccuracy.student, baseline.testAccuracy.teacher);
  console.log(`\nMean Teacher's teacher vs the better of the baseline's two models: ${gain >= 0 ? '+' : ''}${gain.toFixed(2)} points`);
  console.log(`plot: ${path.join(teacherDir, 'plot.svg')}`);
  console.log(`runs: ${baselineDir}, ${teacherDir}`);
}

demo(process.argv.slice(2)).catch((e: Error) => {
  console.error(`demo: ${e.message}`);
  process.exitCode = 1;
});
