/**
 * Per-call cost of running sessions in worker threads versus on the event-loop thread, and
 * whether two worker instances compute at the same time. Not part of `vitest run`; run with
 *
 *   npx tsx test/backends/onnxruntime/thread-overhead.bench.ts [seconds-per-case] [load]
 *
 * Each case calls one instance in a loop from one caller for the given time (default 2 s)
 * after a warm-up, with one intra-op thread per session so that the numbers compare the
 * thread hop and not thread pools. The last table loads every core and measures how late a
 * 1 ms timer fires, with and without a core kept for the event loop; `load` runs only that,
 * in repeated rounds, for the thread-count rule in the README.
 */
import { availableParallelism } from 'node:os';
import { createOnnxRuntimeBackend } from '../../../backends/onnxruntime/index.js';
import { OnnxRuntimeWorkerInstance } from '../../../backends/onnxruntime/worker-instance.js';
import type { ComputeMark, ModelFiles, ModelInstance } from '../../../engine/core/backend.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import { configOf, cpuInstance, filesOf, fp32, REPOS, tempMlp } from './fixtures.js';

type Thread = 'worker' | 'main';

interface Model {
  readonly label: string;
  readonly files: ModelFiles;
  readonly inputs: (batch: number) => TensorMap;
}

const seconds = Number(process.argv[2] ?? 2);
/** `load` runs only the under-load tables, several rounds, for the thread-count rule. */
const onlyLoad = process.argv[3] === 'load';
const signal = new AbortController().signal;
const backend = createOnnxRuntimeBackend({ providers: { cuda: false, tensorrt: false } });
const out = (line: string): boolean => process.stdout.write(`${line}\n`);

async function open(
  model: Model,
  thread: Thread,
  index = 0,
  instanceCount = 1,
  intra = 1,
): Promise<ModelInstance> {
  const parameters = {
    intra_op_thread_count: { string_value: String(intra) },
    execution_thread: { string_value: thread },
  };
  return backend.createInstance(
    configOf({ max_batch_size: 0, parameters }),
    model.files,
    cpuInstance({ index, instanceCount }),
  );
}

async function loop(inst: ModelInstance, inputs: TensorMap, ms: number): Promise<number> {
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await inst.execute(inputs, { signal });
    calls++;
  }
  return calls / ((performance.now() - start) / 1000);
}

async function callsPerSecond(model: Model, thread: Thread, batch: number): Promise<number> {
  const inst = await open(model, thread);
  try {
    const inputs = model.inputs(batch);
    await loop(inst, inputs, 300);
    return await loop(inst, inputs, seconds * 1000);
  } finally {
    await inst.dispose();
  }
}

/** Mean time of one call alone and of two calls on two instances at once. */
async function overlap(
  model: Model,
  thread: Thread,
  batch: number,
): Promise<{ one: number; two: number }> {
  const [a, b] = [await open(model, thread, 0, 2), await open(model, thread, 1, 2)];
  const [x, y] = [model.inputs(batch), model.inputs(batch)];
  const time = async (f: () => Promise<unknown>, reps: number): Promise<number> => {
    const t = performance.now();
    for (let i = 0; i < reps; i++) await f();
    return (performance.now() - t) / reps;
  };
  try {
    await time(() => Promise.all([a!.execute(x, { signal }), b!.execute(y, { signal })]), 5);
    const reps = Math.max(
      5,
      Math.round((seconds * 1000) / 4 / (await time(() => a!.execute(x, { signal }), 3))),
    );
    const one = await time(() => a!.execute(x, { signal }), reps);
    const two = await time(
      () => Promise.all([a!.execute(x, { signal }), b!.execute(y, { signal })]),
      reps,
    );
    return { one, two };
  } finally {
    await Promise.all([a!.dispose(), b!.dispose()]);
  }
}

const median = (xs: number[]): number => xs.sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
const epochNow = (): number => performance.timeOrigin + performance.now();

/**
 * Median wall time of a call and of the ORT run inside it (between the marks in main-thread
 * mode, as the worker reports it in worker mode): the difference is the cost around the run.
 */
async function phases(
  model: Model,
  thread: Thread,
  batch: number,
): Promise<{ wall: number; run: number }> {
  const inst = await open(model, thread);
  const inputs = model.inputs(batch);
  const walls: number[] = [];
  const runs: number[] = [];
  try {
    for (let i = 0; i < 250; i++) {
      const marks: Partial<Record<ComputeMark, number>> = {};
      const t0 = epochNow();
      await inst.execute(inputs, { signal, mark: p => (marks[p] = epochNow()) });
      const wall = epochNow() - t0;
      const w = inst instanceof OnnxRuntimeWorkerInstance ? inst.lastRun! : undefined;
      const run = w
        ? w.runEnd - w.runStart
        : marks.COMPUTE_OUTPUT_START! - marks.COMPUTE_INPUT_END!;
      if (i < 50) continue;
      walls.push(wall);
      runs.push(run);
    }
    return { wall: median(walls), run: median(runs) };
  } finally {
    await inst.dispose();
  }
}

async function phaseTable(mlp: Model): Promise<void> {
  out('\n| mlp, medians | batch | thread | call µs | ORT run µs | around the run µs |');
  out('|---|---|---|---|---|---|');
  for (const batch of [1, 16, 256]) {
    for (const thread of ['main', 'worker'] as const) {
      const { wall, run } = await phases(mlp, thread, batch);
      const us = (v: number): string => (v * 1000).toFixed(0);
      out(`| | ${batch} | ${thread} | ${us(wall)} | ${us(run)} | ${us(wall - run)} |`);
    }
  }
}

interface Load {
  readonly callsPerSecond: number;
  readonly lagP50: number;
  readonly lagP99: number;
  readonly lagMax: number;
}

/**
 * Every instance calls in a loop while a 1 ms timer measures how late it fires: the cost
 * to the event loop of keeping every core busy, and the throughput bought with it.
 */
async function underLoad(
  model: Model,
  thread: Thread,
  count: number,
  intra: number,
  batch: number,
): Promise<Load> {
  const insts: ModelInstance[] = [];
  for (let i = 0; i < count; i++) insts.push(await open(model, thread, i, count, intra));
  const lags: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    lags.push(now - last - 1);
    last = now;
  }, 1);
  try {
    const rates = await Promise.all(
      insts.map(inst => loop(inst, model.inputs(batch), seconds * 1000)),
    );
    lags.sort((a, b) => a - b);
    const at = (q: number): number =>
      lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? NaN;
    return {
      callsPerSecond: rates.reduce((a, b) => a + b, 0),
      lagP50: at(0.5),
      lagP99: at(0.99),
      lagMax: at(1),
    };
  } finally {
    clearInterval(timer);
    await Promise.all(insts.map(inst => inst.dispose()));
  }
}

async function loadTable(model: Model, batch: number, rounds: number): Promise<void> {
  const cores = availableParallelism();
  out(
    `\n| under load, mlp batch ${batch} | instances | intra-op threads each | calls/s | timer lag p50 ms | p99 ms | max ms |`,
  );
  out('|---|---|---|---|---|---|---|');
  const cases: [Thread, number, number][] = [];
  for (const count of [1, 2]) {
    const share = Math.max(1, Math.floor(cores / count));
    const reserved = Math.max(1, Math.floor((cores - 1) / count));
    cases.push(['main', count, share], ['worker', count, share]);
    if (reserved !== share) cases.push(['worker', count, reserved]);
  }
  // Rounds interleave the cases so that drift in a shared machine's speed hits them alike.
  for (let round = 0; round < rounds; round++) {
    for (const [thread, count, intra] of cases) {
      const r = await underLoad(model, thread, count, intra, batch);
      const f = (v: number): string => v.toFixed(2);
      out(
        `| ${thread} | ${count} | ${intra} | ${r.callsPerSecond.toFixed(0)} | ${f(r.lagP50)} | ${f(r.lagP99)} | ${f(r.lagMax)} |`,
      );
    }
  }
}

async function main(): Promise<void> {
  const mlp = await tempMlp();
  const models: Model[] = [
    {
      label: 'simple (2×[b,16] add/sub)',
      files: filesOf(REPOS.examples, 'simple'),
      inputs: b =>
        new Map([
          ['INPUT0', fp32([b, 16], i => i)],
          ['INPUT1', fp32([b, 16], () => 1)],
        ]),
    },
    {
      label: 'mlp 512→2048→512',
      files: mlp.files,
      inputs: b => new Map([['x', fp32([b, 512], i => (i % 11) / 11)]]),
    },
  ];
  out(`cores ${availableParallelism()}, node ${process.version}, ${seconds} s per case`);
  try {
    if (onlyLoad) {
      for (const batch of [64, 256]) await loadTable(models[1]!, batch, 2);
      return;
    }
    out(
      '| model, 1 intra-op thread | batch | main calls/s | worker calls/s | main µs/call | worker µs/call | worker overhead µs |',
    );
    out('|---|---|---|---|---|---|---|');
    for (const model of models) {
      for (const batch of [1, 16]) {
        const main = await callsPerSecond(model, 'main', batch);
        const worker = await callsPerSecond(model, 'worker', batch);
        const [um, uw] = [1e6 / main, 1e6 / worker];
        out(
          `| ${model.label} | ${batch} | ${main.toFixed(0)} | ${worker.toFixed(0)} | ${um.toFixed(1)} | ${uw.toFixed(1)} | ${(uw - um).toFixed(1)} |`,
        );
      }
    }
    out('\n| two instances, mlp | batch | thread | 1 call ms | 2 concurrent calls ms | ratio |');
    out('|---|---|---|---|---|---|');
    for (const batch of [16, 256]) {
      for (const thread of ['main', 'worker'] as const) {
        const { one, two } = await overlap(models[1]!, thread, batch);
        out(
          `| | ${batch} | ${thread} | ${one.toFixed(2)} | ${two.toFixed(2)} | ${(two / one).toFixed(2)} |`,
        );
      }
    }
    await phaseTable(models[1]!);
    await loadTable(models[1]!, 64, 1);
  } finally {
    await mlp.cleanup();
  }
}

await main();
