// The momentum-torch command: its table, groups, --version, flags, each command's help, --json
// output, the progress bar, the SVG plot.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import { main } from '../src/cli/main';
import { parseFlags, flagHelp, FlagSpecs } from '../src/cli/args';
import { nativeBinary } from '../src/native';
import { version as torchVersion } from '../src/runtime';
import { ProgressBar } from '../src/cli/progress';
import { linePlotSvg } from '../src/cli/plot';

const packageVersion: string = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version;

function capture(stream: NodeJS.WriteStream): { text: () => string; restore: () => void } {
  let text = '';
  const spy = jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += chunk.toString();
    return true;
  });
  return { text: () => text, restore: () => spy.mockRestore() };
}

async function runMain(argv: string[], entry = main): Promise<{ code: number; out: string; err: string }> {
  const out = capture(process.stdout);
  const err = capture(process.stderr);
  try {
    const code = await entry(argv);
    return { code, out: out.text(), err: err.text() };
  } finally {
    out.restore();
    err.restore();
  }
}

describe('main', () => {
  test('lists the commands, refuses unknown ones', async () => {
    const help = await runMain(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/momentum-torch train mean-teacher/);
    const unknown = await runMain(['train', 'gan']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown command 'train gan'/);
  });

  test('--version and -v print the package version and the LibTorch of the binary loaded', async () => {
    for (const flag of ['--version', '-v']) {
      const printed = await runMain([flag]);
      expect([printed.code, printed.err]).toEqual([0, '']);
      const lines = printed.out.trim().split('\n');
      expect(lines[0]).toBe(`momentum-torch ${packageVersion}`);
      expect(lines[1]).toBe(`LibTorch ${torchVersion.libtorch} (${torchVersion.cuda ? `CUDA ${torchVersion.cuda}` : 'CPU'}), binary ${path.relative(path.join(__dirname, '..'), nativeBinary)}`);
      expect(lines).toHaveLength(2);
    }
  });

  test('a group (train) lists its commands under --help, and asks for one otherwise', async () => {
    const help = await runMain(['train', '--help']);
    expect([help.code, help.err]).toEqual([0, '']);
    expect(help.out).toMatch(/^usage: momentum-torch train <command> \[options\]/);
    expect(help.out).toMatch(/\n  momentum-torch train mean-teacher +Mean Teacher on Fashion-MNIST.*\n  momentum-torch train moco +MoCo v1\/v2\/v3 pretraining/);
    expect(help.out).not.toMatch(/eval linear|momentum-torch build/);
    const bare = await runMain(['train']);
    expect(bare.code).toBe(2);
    expect(bare.out).toBe('');
    expect(bare.err).toMatch(/^momentum-torch: 'train' needs a command\n\nusage: momentum-torch train <command>[\s\S]*momentum-torch train moco/);
    expect((await runMain(['eval', '-h'])).out).toMatch(/commands:\n  momentum-torch eval linear +linear probe/);
    // A command's words, then a misspelt one: the group's commands are listed.
    const unknown = await runMain(['train', 'mocco']);
    expect(unknown.err).toMatch(/^momentum-torch: unknown command 'train mocco'\n\nusage: momentum-torch train <command>/);
  });

  test("each command's --help ends with two or three examples of that command; numbers show as X, integers as N", async () => {
    for (const name of ['train mean-teacher', 'train moco', 'eval linear', 'build']) {
      const help = await runMain([...name.split(' '), '--help']);
      expect([help.code, help.err]).toEqual([0, '']);
      expect(help.out).toMatch(new RegExp(`^usage: momentum-torch ${name} `));
      const examples = help.out.slice(help.out.lastIndexOf('\nexamples:\n') + '\nexamples:\n'.length).trimEnd().split('\n');
      expect(examples.length).toBeGreaterThanOrEqual(2);
      expect(examples.length).toBeLessThanOrEqual(3);
      for (const line of examples) expect(line).toMatch(new RegExp(`^  (\\S+=\\S+ )?momentum-torch ${name}( |$)`));
    }
    const moco = (await runMain(['train', 'moco', '--help'])).out;
    expect(moco).toMatch(/--lr X\s+base learning rate \(default 0\.06\)/);
    expect(moco).toMatch(/--epochs N\s+epochs over the training images \(default 10\)/);
    expect(moco).toMatch(/--moco-version N\s+MoCo version: 1, 2 or 3 \(default 2\)/);
    expect((await runMain(['--help'])).out).toMatch(/\nexamples:\n(  momentum-torch .*\n){2,3}$/);
  });

  test("MoCo's version is --moco-version; --version there is an error that names the new flag", async () => {
    for (const old of [['--version', '2'], ['--version=3']]) {
      const run = await runMain(['train', 'moco', ...old, '--out', path.join(os.tmpdir(), 'never')]);
      expect([run.code, run.out, run.err]).toEqual([1, '', 'momentum-torch: train moco: --version is now --moco-version\n']);
    }
  });

  test('the commands load only when run: build and --help need no binary, --version says why none loads', async () => {
    await jest.isolateModulesAsync(async () => {
      jest.doMock('../src/native', () => {
        throw new Error('momentum-torch: no binary loads against the LibTorch found here (a test)');
      });
      const isolated: typeof import('../src/cli/main') = await import('../src/cli/main');
      const run = (argv: string[]) => runMain(argv, isolated.main);
      expect((await run(['--help'])).code).toBe(0);
      expect((await run(['build', '--help'])).out).toMatch(/^usage: momentum-torch build \[options\]\n\n  --cmake +build with cmake-js/);
      const version = await run(['--version']);
      expect([version.code, version.out]).toEqual([1, `momentum-torch ${packageVersion}\n`]);
      expect(version.err).toBe('momentum-torch: no binary loads against the LibTorch found here (a test)\n');
      const train = await run(['train', 'moco', '--help']);
      expect([train.code, train.err]).toEqual([1, 'momentum-torch: no binary loads against the LibTorch found here (a test)\n']);
    });
  });

  test('no command imports another: what they share lives in modules that are not commands', () => {
    const cli = path.join(__dirname, '..', 'src', 'cli');
    const commandFiles = [...fs.readFileSync(path.join(cli, 'main.ts'), 'utf8').matchAll(/import\('\.\/([\w-]+)'\)/g)].map((m) => m[1]);
    expect(commandFiles.sort()).toEqual(['build', 'eval-linear', 'train-mean-teacher', 'train-moco']);
    for (const file of commandFiles) {
      const imported = [...fs.readFileSync(path.join(cli, `${file}.ts`), 'utf8').matchAll(/from '\.\/([\w-]+)'/g)].map((m) => m[1]);
      expect({ file, imports: imported.filter((name) => commandFiles.includes(name) || name === 'main') }).toEqual({ file, imports: [] });
    }
  });

  test("a subcommand's --help lists its flags; bad flags are errors naming the problem", async () => {
    const help = await runMain(['train', 'mean-teacher', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--consistency X\s+consistency weight; 0 = supervised-only baseline \(default 10\)/);
    const bad = await runMain(['train', 'mean-teacher', '--labels', 'many']);
    expect([bad.code, bad.err]).toEqual([1, "momentum-torch: train mean-teacher: --labels takes a number, got 'many'\n"]);
    const unknown = await runMain(['train', 'mean-teacher', '--lables', '10']);
    expect(unknown.err).toMatch(/train mean-teacher: Unknown option '--lables'/);
    const batch = await runMain(['train', 'mean-teacher', '--batch-size', '8', '--labeled-batch-size', '8', '--out', path.join(os.tmpdir(), 'never')]);
    expect(batch.err).toMatch(/--labeled-batch-size \(8\) must be below --batch-size \(8\)/);
  });

  test('--json prints result.json and nothing else to stdout', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-cli-'));
    try {
      const args = ['--labels', '10', '--unlabeled', '24', '--epochs', '1', '--batch-size', '8', '--labeled-batch-size', '2', '--width', '2', '--out', out];
      const run = await runMain(['train', 'mean-teacher', ...args, '--json']);
      expect(run.code).toBe(0);
      expect(run.err).toBe('');
      const printed = JSON.parse(run.out);
      expect(printed).toEqual(JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8')));
      expect(printed).toMatchObject({ method: 'mean-teacher', labels: 10, epochs: 1, steps: 4, testImages: 10000 });
      expect(printed.testAccuracy.teacher).toBeGreaterThanOrEqual(0);
      const metrics = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(metrics).toHaveLength(1);
      expect(Object.keys(metrics[0])).toEqual(expect.arrayContaining(['epoch', 'step', 'seconds', 'loss', 'classLoss', 'consistencyLoss', 'resLoss', 'testAccuracy']));
      expect(fs.existsSync(path.join(out, 'checkpoint.pt'))).toBe(true);
      expect(fs.readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('parseFlags', () => {
  const specs: FlagSpecs = {
    'batch-size': { type: 'integer', help: 'b', default: 4, min: 1 },
    kind: { type: 'string', help: 'k', default: 'mse', choices: ['mse', 'kl'] },
    rate: { type: 'number', help: 'r' },
    resume: { type: 'boolean', help: 'x' },
  };
  test('camelCase keys, defaults, conversions', () => {
    expect(parseFlags('c', ['--batch-size', '8', '--rate=0.5', '--resume'], specs)).toEqual({ batchSize: 8, kind: 'mse', rate: 0.5, resume: true, help: false });
  });
  test('errors', () => {
    expect(() => parseFlags('c', ['--batch-size', '1.5'], specs)).toThrow("c: --batch-size takes an integer, got '1.5'");
    expect(() => parseFlags('c', ['--batch-size', '0'], specs)).toThrow('c: --batch-size must be >= 1, got 0');
    expect(() => parseFlags('c', ['--kind', 'l1'], specs)).toThrow("c: --kind must be one of mse, kl, got 'l1'");
    expect(() => parseFlags('c', ['stray'], specs)).toThrow(/^c: .*stray/);
  });
  test('help text', () => {
    expect(flagHelp(specs)).toMatch(/--kind mse\|kl\s+k \(default mse\)/);
  });
});

class Sink extends Writable {
  text = '';
  isTTY = false;
  columns = 80;
  _write(chunk: Buffer, _: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe('ProgressBar', () => {
  test('plain lines at each quarter when not a terminal', () => {
    const sink = new Sink();
    const bar = new ProgressBar({ total: 8, label: 'epoch 1/2', stream: sink });
    for (let i = 1; i <= 8; i++) bar.update(i, { loss: 0.5, lr: 0.1 });
    const lines = sink.text.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatch(/^epoch 1\/2 8\/8 \d+s \S+ (steps\/s|s\/step) eta \S+ \| loss 0\.5000 \| lr 0\.1000$/);
  });
  test('redrawn in place on a terminal, ending with a newline', () => {
    const sink = new Sink();
    sink.isTTY = true;
    const bar = new ProgressBar({ total: 2, label: 'e', stream: sink });
    bar.update(1, { loss: 1 });
    bar.update(2, { loss: 2 });
    // The bar redraws its line with terminal escapes (ESC [K), matched as written.
    // eslint-disable-next-line no-control-regex
    expect(sink.text).toMatch(/^\r\x1b\[Ke \[#{12}\.{12}\] 1\/2 .*\r\x1b\[Ke \[#{24}\] 2\/2 \d+s \S+ (steps\/s|s\/step) eta \S+ \| loss 2\n$/);
  });
  test('the rate (of images with perStep, seconds a step when slower than one a second) and the time left', () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const images = new Sink();
      const bar = new ProgressBar({ total: 8, label: 'e', unit: 'image', perStep: 64, stream: images });
      bar.update(1, { loss: 1 }); // nothing measured yet (no quarter either: not drawn)
      jest.setSystemTime(4000);
      bar.update(2, { loss: 1 }); // 128 images in 4 s; 6 steps left at 2 s each
      jest.setSystemTime(130000);
      bar.update(8, { loss: 1 });
      expect(images.text.trim().split('\n')).toEqual(['e 2/8 4s 32.0 images/s eta 12s | loss 1', 'e 8/8 2m10s 3.94 images/s eta 0s | loss 1']);

      jest.setSystemTime(0);
      const steps = new Sink();
      const slow = new ProgressBar({ total: 100, label: 's', stream: steps });
      jest.setSystemTime(3600 * 1000);
      slow.update(25); // 144 s a step, 75 left
      expect(steps.text).toBe('s 25/100 1h00m 144 s/step eta 3h00m | \n');

      const tty = new Sink();
      tty.isTTY = true;
      new ProgressBar({ total: 4, label: 't', unit: 'epoch', stream: tty }).update(0);
      expect(tty.text).toBe('\r\x1b[Kt [........................] 0/4 0s - epochs/s eta - | ');
    } finally {
      jest.useRealTimers();
    }
  });

  test('silent draws nothing', () => {
    const sink = new Sink();
    new ProgressBar({ total: 1, label: 'e', stream: sink, silent: true }).update(1);
    expect(sink.text).toBe('');
  });
});

describe('linePlotSvg', () => {
  test('one polyline per series, legend, escaped text', () => {
    const svg = linePlotSvg({
      title: 'a < b',
      xLabel: 'epoch',
      yLabel: '%',
      series: [
        { name: 'student', points: [[1, 50], [2, 60]] },
        { name: 'baseline', points: [[1, 40], [2, 45]], dashed: true },
      ],
    });
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toMatch(/a &lt; b/);
    expect(svg).toMatch(/stroke-dasharray/);
    expect(svg).toMatch(/>student<\/text>[\s\S]*>baseline<\/text>/);
  });
  test('nothing to plot is an error', () => {
    expect(() => linePlotSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [] })).toThrow(/no points to plot/);
  });
});
