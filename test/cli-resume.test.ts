// A Mean Teacher run stopped after epoch k and resumed ends with the same metrics and weights as
// one that never stopped (tiny budget: 4 steps an epoch, a width-4 CNN).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as torch from '../src';
import { trainMeanTeacher } from '../src/cli/train-mean-teacher';
import { TINY_MEAN_TEACHER as config } from './cli-runs';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-resume-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const run = (out: string, extra: object = {}) => trainMeanTeacher(config, { out: path.join(root, out), device: 'cpu', quiet: true, ...extra });

function readLines(out: string): Record<string, unknown>[] {
  return fs
    .readFileSync(path.join(root, out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .map(({ seconds, imagesPerSecond, ...rest }) => (expect([seconds, imagesPerSecond]).toEqual([expect.any(Number), expect.any(Number)]), rest));
}

function weights(out: string): Record<string, unknown> {
  const saved = torch.load(path.join(root, out, 'checkpoint.pt'));
  const lists = (sd: Record<string, torch.Tensor>) => Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.toArray()]));
  return { student: lists(saved.student), teacher: lists(saved.teacher), step: saved.step, epoch: saved.epoch };
}

test('stopped after epoch 1 and resumed = never stopped', async () => {
  const whole = await run('whole');
  const stopped = await run('parts', { stopAfter: 1 });
  expect(stopped.epochs).toBe(1);
  expect(fs.existsSync(path.join(root, 'parts', 'result.json'))).toBe(false);
  const resumed = await run('parts', { resume: true });

  expect(readLines('parts')).toEqual(readLines('whole'));
  expect(readLines('whole').map((m) => m.epoch)).toEqual([1, 2, 3]);
  expect(weights('parts')).toEqual(weights('whole'));
  expect(resumed.testAccuracy).toEqual(whole.testAccuracy);
  expect(resumed.steps).toBe(12);
  const result = JSON.parse(fs.readFileSync(path.join(root, 'parts', 'result.json'), 'utf8'));
  expect(result.testAccuracy).toEqual(whole.testAccuracy);
  expect(result.testImages).toBe(10000);
  expect(fs.readFileSync(path.join(root, 'parts', 'plot.svg'), 'utf8')).toMatch(/^<svg[\s\S]*teacher \(EMA\)[\s\S]*<\/svg>\n$/);
});

test('a run folder is not overwritten, and is resumed only with the same settings', async () => {
  await expect(run('whole')).rejects.toThrow(/already holds a run; pass --resume/);
  await expect(trainMeanTeacher({ ...config, labels: 30 }, { out: path.join(root, 'whole'), device: 'cpu', quiet: true, resume: true })).rejects.toThrow(
    /cannot resume .* with other settings \(labels: 20 -> 30\)/,
  );
});
