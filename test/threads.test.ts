// worker_threads: each thread has tensors of its own (the addon keeps its state per Node
// environment), so workers compute beside the main thread with correct results, a worker's tensors
// are freed when it ends, and a tensor (or optimizer) handed to another thread is an Error there,
// never that thread's own. Each scenario runs in a fresh `node` process with the compiled library
// (dist/, built by `npm test`'s set-up): a crash shows as a signal, and the process must exit
// normally.
import { spawnSync } from 'child_process';
import * as path from 'path';

const lib = JSON.stringify(path.join(__dirname, '..', 'dist', 'src'));

// Runs `main` in a fresh process; `worker` is the code of every Worker it starts with
// `start(workerData)`, which resolves to the worker's messages and its exit code. Both have `torch`;
// `main` prints what the test checks as one JSON line.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function scenario(main: string, worker: string): { signal: NodeJS.Signals | null; status: number | null; stderr: string; out: any } {
  const script = `
    const { Worker } = require('worker_threads');
    const torch = require(${lib});
    const start = (data, onMessage = () => {}) => new Promise((resolve, reject) => {
      const messages = [];
      const w = new Worker(__worker, { eval: true, workerData: data });
      w.on('message', (m) => { messages.push(m); onMessage(m, w); });
      w.on('error', reject);
      w.on('exit', (code) => resolve({ messages, code }));
    });
    (async () => { ${main} })().catch((e) => { console.error(e); process.exitCode = 1; });`;
  const workerScript = `
    const { parentPort, workerData } = require('worker_threads');
    const torch = require(${lib});
    ${worker}`;
  const result = spawnSync(process.execPath, ['-e', `const __worker = ${JSON.stringify(workerScript)};\n${script}`], {
    encoding: 'utf8',
    timeout: 100_000,
  });
  const lines = result.stdout.trim().split('\n');
  let out: unknown;
  try {
    out = JSON.parse(lines[lines.length - 1]);
  } catch {
    out = result.stdout;
  }
  return { signal: result.signal, status: result.status, stderr: result.stderr, out };
}

// What each thread computes: 300 SGD steps of a linear fit y = 3x + k (autograd, the generic op
// path, a native optimizer), then a few ops whose values are known.
const compute = `
  const compute = (k) => torch.tidy(() => {
    const x = torch.linspace(-1, 1, 64).reshape([64, 1]);
    const y = x.mul(3).add(k);
    const w = torch.zeros([1, 1], { requiresGrad: true });
    const b = torch.zeros([1], { requiresGrad: true });
    const opt = new torch.optim.SGD([w, b], { lr: 0.5 });
    for (let i = 0; i < 300; i++) {
      torch.tidy(() => {
        opt.zeroGrad();
        const loss = torch.F.mseLoss(x.matmul(w).add(b), y);
        loss.backward();
        opt.step();
      });
    }
    const fit = [w.item(), b.item()];
    const known = [
      torch.arange(10).mul(k).sum().item(),
      torch.ops.aten.cumsum(torch.tensor([1, 2, 3]).add(k), 0).toArray(),
      torch.tensor([[1, 2], [3, 4]]).matmul(torch.tensor([[k], [1]])).toArray(),
    ];
    return { fit, known };
  });`;

test('workers compute and exit, one is terminated mid-loop, while the main thread keeps computing; their tensors go with them', () => {
  const { signal, status, stderr, out } = scenario(
    `${compute}
    const before = torch.memory();
    const expected = compute(5);
    let rounds = 0, wrong = 0;
    let running = true;
    const mainLoop = (async () => {
      while (running) {
        const got = compute(5);
        if (JSON.stringify(got) !== JSON.stringify(expected)) wrong++;
        rounds++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    // A worker that keeps 256 MiB of tensors alive and ends: the memory goes with it.
    let rssHeld = 0;
    const big = await start({ mode: 'hold' }, (m, w) => { rssHeld = process.memoryUsage().rss; w.postMessage('end'); });
    const rssAfter = process.memoryUsage().rss;
    // Workers one after another, one ending by process.exit(), one terminated while computing.
    const sequence = [];
    for (let i = 0; i < 4; i++) sequence.push(await start({ mode: 'compute', k: i }));
    const exited = await start({ mode: 'exit' });
    const terminated = await start({ mode: 'loop' }, (m, w) => { if (m === 'looping') w.terminate(); });
    running = false;
    await mainLoop;
    const after = torch.memory();
    console.log(JSON.stringify({
      expected, rounds, wrong,
      big: big.messages[0], bigCode: big.code, freedMiB: Math.round((rssHeld - rssAfter) / 2 ** 20),
      sequence: sequence.map((r) => [r.code, r.messages[0]]),
      exited: [exited.code, exited.messages[0]],
      terminated: [terminated.code, terminated.messages],
      mainTensors: after.tensors - before.tensors,
      stillWorks: torch.ones([2]).add(1).sum().item(),
    }));`,
    `${compute}
    if (workerData.mode === 'hold') {
      const held = torch.ones([64 * 1024 * 1024]); // 256 MiB, never disposed
      const small = [torch.ones([3]), torch.zeros([2])];
      const sum = torch.tidy(() => held.sum().item());
      parentPort.postMessage({ sum, tensors: torch.memory().tensors, bytes: torch.memory().bytes });
      parentPort.once('message', () => parentPort.close()); // then its event loop is empty, and it ends
    } else if (workerData.mode === 'compute') {
      parentPort.postMessage(compute(workerData.k).known);
    } else if (workerData.mode === 'exit') {
      const t = torch.full([4], 2);
      parentPort.postMessage(t.sum().item());
      process.exit(3);
    } else {
      parentPort.postMessage('looping');
      for (;;) torch.tidy(() => torch.randn([16, 16]).matmul(torch.randn([16, 16])).sum().item());
    }`,
  );
  expect(stderr).toBe('');
  expect(signal).toBeNull();
  expect(status).toBe(0);
  expect(out.expected.fit[0]).toBeCloseTo(3, 4);
  expect(out.expected.fit[1]).toBeCloseTo(5, 4);
  expect(out.expected.known).toEqual([225, [6, 13, 21], [[7], [19]]]);
  expect(out.rounds).toBeGreaterThan(0);
  expect(out.wrong).toBe(0);
  // The worker counts its own tensors only: the held one and the two small ones.
  expect(out.big).toEqual({ sum: 64 * 1024 * 1024, tensors: 3, bytes: 256 * 2 ** 20 + 12 + 8 });
  expect(out.bigCode).toBe(0);
  expect(out.freedMiB).toBeGreaterThan(200);
  expect(out.sequence).toEqual([0, 1, 2, 3].map((k) => [0, [45 * k, [1 + k, 3 + 2 * k, 6 + 3 * k], [[k + 2], [3 * k + 4]]]]));
  expect(out.exited).toEqual([3, 8]);
  expect(out.terminated).toEqual([1, ['looping']]);
  expect(out.mainTensors).toBe(0);
  expect(out.stillWorks).toBe(4);
});

test('two workers compute beside the main thread, each with the results it computes alone', () => {
  const { signal, status, stderr, out } = scenario(
    `${compute}
    const expected = [0, 1, 2].map((k) => compute(k));
    let running = true, rounds = 0, wrong = 0;
    const workers = Promise.all([1, 2].map((k) => start({ k, rounds: 4 })));
    const mainLoop = (async () => {
      while (running) {
        if (JSON.stringify(compute(0)) !== JSON.stringify(expected[0])) wrong++;
        rounds++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const results = await workers;
    running = false;
    await mainLoop;
    console.log(JSON.stringify({
      expected, rounds, wrong,
      workers: results.map((r, i) => ({ code: r.code, same: r.messages.map((m) => JSON.stringify(m) === JSON.stringify(expected[i + 1])) })),
    }));`,
    `${compute}
    for (let i = 0; i < workerData.rounds; i++) parentPort.postMessage(compute(workerData.k));`,
  );
  expect(stderr).toBe('');
  expect(signal).toBeNull();
  expect(status).toBe(0);
  for (const k of [0, 1, 2]) {
    expect(out.expected[k].fit[0]).toBeCloseTo(3, 4);
    expect(out.expected[k].fit[1]).toBeCloseTo(k, 4);
  }
  expect(out.rounds).toBeGreaterThan(0);
  expect(out.wrong).toBe(0);
  expect(out.workers).toEqual([
    { code: 0, same: [true, true, true, true] },
    { code: 0, same: [true, true, true, true] },
  ]);
});

test("a tensor handed to another thread is an Error there, never that thread's tensor, and disposing it there frees nothing", () => {
  const { signal, status, stderr, out } = scenario(
    `const mine = [torch.tensor([7, 8]), torch.tensor([9])];
    const attempt = (fn) => { try { return ['value', fn()]; } catch (e) { return [e instanceof Error ? 'Error' : typeof e, e.message]; } };
    const tryHandle = (h) => [attempt(() => new torch.Tensor(h).sum().item()), attempt(() => torch.ops.aten.neg({ _h: h }))];
    let whileAlive;
    const optimizer = new torch.optim.SGD([torch.zeros([1], { requiresGrad: true })], { lr: 0.1 });
    const worker = await start({ handle: mine[0]._h, tensor: mine[0], optimizerId: optimizer.id }, (m, w) => {
      if (m.handle === undefined) return;
      whileAlive = tryHandle(m.handle);
      w.postMessage('done');
    });
    console.log(JSON.stringify({
      inWorker: worker.messages[0], code: worker.code, whileAlive, afterExit: tryHandle(worker.messages[1].handle),
      mineIntact: mine.map((t) => t.toArray()),
    }));`,
    `const own = [torch.tensor([1, 2]), torch.tensor([3]), torch.tensor([4, 5, 6])];
    const attempt = (fn) => { try { return ['value', fn()]; } catch (e) { return [e instanceof Error ? 'Error' : typeof e, e.message]; } };
    const foreign = new torch.Tensor(workerData.handle);
    const results = [
      attempt(() => foreign.add(1).toArray()),
      attempt(() => foreign.item()),
      attempt(() => torch.ops.aten.exp(workerData.tensor).toArray()),
      attempt(() => torch.cat([own[0], foreign]).toArray()),
      attempt(() => torch.stack([workerData.tensor, own[0]]).toArray()),
      attempt(() => require(${lib} + '/native').native.optimStep(workerData.optimizerId)),
    ];
    foreign.dispose();
    parentPort.postMessage({ results, ownIntact: own.map((t) => t.toArray()), tensors: torch.memory().tensors });
    parentPort.postMessage({ handle: own[2]._h });
    parentPort.once('message', () => process.exit(0));`,
  );
  expect(stderr).toBe('');
  expect(signal).toBeNull();
  expect(status).toBe(0);
  const foreign = 'belongs to another thread and cannot be used here (send its data instead)';
  expect(out.inWorker).toEqual({
    results: [
      ['Error', `add: self ${foreign}`],
      ['Error', `tensor ${foreign}`],
      ['Error', `exp: self ${foreign}`],
      ['Error', `cat: tensors ${foreign}`],
      ['Error', `stack: tensors ${foreign}`],
      ['Error', 'the optimizer has been disposed or belongs to another thread'],
    ],
    ownIntact: [[1, 2], [3], [4, 5, 6]],
    tensors: 3,
  });
  expect(out.code).toBe(0);
  // The worker's handle names nothing here, while it runs and after it has ended.
  for (const atMain of [out.whileAlive, out.afterExit]) {
    expect(atMain).toEqual([
      ['Error', `sum: self ${foreign}`],
      ['Error', `neg: self ${foreign}`],
    ]);
  }
  expect(out.mineIntact).toEqual([[7, 8], [9]]);
});
