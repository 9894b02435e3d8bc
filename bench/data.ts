// Workload 5: data loading and the MoCo v2 augmentation pipeline. Loading: Fashion-MNIST's
// 60,000 training images from their IDX gzip files into tensors, against numpy's gzip reading in
// Python. Augmentation: a shuffled batch of 256 gathered by the DataLoader, then the two views a
// MoCo step needs (query and key), each randomResizedCrop(28, scale 0.2-1), colorJitter(0.4, 0.4,
// 0.4, 0.1) with p 0.8, randomGrayscale 0.2, gaussianBlur(sigma 0.1-2) with p 0.5 and a flip,
// against the same batched pipeline written with PyTorch ops (bench/data.py). On 1-channel images
// saturation, hue and grayscale are the identity, so the 3-channel run (the images repeated in
// three channels, as fed to a colour network) times them too. PyTorch runs twice: with its
// defaults, and with glibc malloc tuned as momentum-torch tunes it (large tensors otherwise come
// back as fresh pages, which costs this pipeline a lot).
import * as torch from '../src';
import { BenchResult, PythonPeer, alternate, benchThreads, closePeers, compare, repeats, startPeers, stats } from './harness';

const { data } = torch;
const T = data.transforms;
const BATCH = 256;
const BATCHES_PER_SAMPLE = 8;

function mocoV2(): torch.data.Transform {
  return T.compose([
    T.randomResizedCrop({ size: 28, scale: [0.2, 1] }),
    T.colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 }),
    T.randomGrayscale({ p: 0.2 }),
    T.gaussianBlur({ sigma: [0.1, 2], p: 0.5 }),
    T.horizontalFlip({ p: 0.5 }),
  ]);
}

function seconds(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function loadSeconds(): number {
  let ds: InstanceType<typeof data.FashionMNIST> | undefined;
  const s = seconds(() => (ds = new data.FashionMNIST()));
  ds?.data.dispose();
  ds?.targets.dispose();
  return s;
}

// Seconds per batch: the loader's gather, then two views; one untimed batch first.
function pipelineSeconds(ds: InstanceType<typeof data.FashionMNIST>, channels: number): number {
  const batches = new data.DataLoader(ds, { batchSize: BATCH, shuffle: true })[Symbol.iterator]();
  const pipeline = mocoV2();
  const step = () => {
    const [x] = batches.next().value as torch.Tensor[];
    torch.tidy(() => {
      const images = x.expand([BATCH, channels, 28, 28]);
      pipeline(images);
      pipeline(images);
    });
  };
  step();
  const s = seconds(() => {
    for (let b = 0; b < BATCHES_PER_SAMPLE; b++) step();
  });
  batches.return?.();
  return s / BATCHES_PER_SAMPLE;
}

type Workload = 'load' | 'gray' | 'rgb';

// The Python peer's measurement of one workload, in seconds.
function peerMeasure(peer: PythonPeer, workload: Workload): () => Promise<number> {
  if (workload === 'load') return () => peer.call<number>('load', { iterations: 1 });
  return () => peer.call<number>('pipeline', { batches: BATCHES_PER_SAMPLE, batch_size: BATCH, channels: workload === 'gray' ? 1 : 3 });
}

export async function main(): Promise<BenchResult> {
  torch.setNumThreads(benchThreads());
  const peers = await startPeers('data', ['default', 'tuned']);
  try {
    const ds = new data.FashionMNIST();
    for (const peer of Object.values(peers)) await peer.call('load', { iterations: 1 });
    const ours: Record<Workload, () => number> = { load: loadSeconds, gray: () => pipelineSeconds(ds, 1), rgb: () => pipelineSeconds(ds, 3) };
    const s = await alternate(
      {
        ...ours,
        ...Object.fromEntries((Object.keys(ours) as Workload[]).flatMap((w) => [
          [`${w}Default`, peerMeasure(peers.default, w)],
          [`${w}Tuned`, peerMeasure(peers.tuned, w)],
        ])),
      } as Record<string, () => number | Promise<number>>,
      repeats(5),
    );
    const ms = (xs: number[]) => xs.map((x) => x * 1e3);
    const measures: Record<Workload, string> = {
      load: 'load Fashion-MNIST train (60,000 images, IDX gzip)',
      gray: 'batch of 256: gather + two MoCo v2 views, 1 channel',
      rgb: 'batch of 256: gather + two MoCo v2 views, 3 channels',
    };
    const images: Record<Workload, number> = { load: 60000, gray: BATCH, rgb: BATCH };
    const perSecond = (xs: number[], n: number) => stats(xs.map((x) => n / x)).median.toFixed(0);
    return {
      title: '5. Data loading + augmentation',
      comparisons: (Object.keys(measures) as Workload[]).flatMap((w) => [
        compare(`${measures[w]}, PyTorch defaults`, 'ms', ms(s[w]), ms(s[`${w}Default`])),
        compare(`${measures[w]}, PyTorch tuned`, 'ms', ms(s[w]), ms(s[`${w}Tuned`])),
      ]),
      notes: [
        ...(Object.keys(measures) as Workload[]).map(
          (w) => `${measures[w]}, images/s: momentum-torch ${perSecond(s[w], images[w])}, PyTorch defaults ${perSecond(s[`${w}Default`], images[w])}, PyTorch tuned ${perSecond(s[`${w}Tuned`], images[w])}.`,
        ),
        'PyTorch loads with gzip + numpy + torch.from_numpy; for the batches it gathers with index_select and runs the same batched pipeline written with torch ops (bench/data.py).',
        'Pipeline (each image gathered once, augmented twice): randomResizedCrop(28, scale 0.2-1, ratio 3/4-4/3), colorJitter(0.4, 0.4, 0.4, 0.1, p 0.8), ' +
          'randomGrayscale(0.2), gaussianBlur(sigma 0.1-2, kernel 13, p 0.5), horizontalFlip(0.5). On 1 channel saturation, hue and grayscale are the identity.',
        `${BATCHES_PER_SAMPLE} batches a sample after one untimed, ${s.gray.length} alternating repeats, CPU, same thread count both sides.`,
      ],
    };
  } finally {
    closePeers(peers);
  }
}

if (require.main === module) {
  main().then(
    (result) => {
      console.log(result.title);
      for (const c of result.comparisons) console.log(`  ${c.measure}: ${c.ours.median.toFixed(2)} vs ${c.theirs.median.toFixed(2)} ${c.unit} -> ${c.ratio.median.toFixed(2)}x`);
      for (const note of result.notes) console.log(`  ${note}`);
    },
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
