import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxRuntimeBackend } from '../../../backends/onnxruntime/index.js';
import type { RestartingInstance } from '../../../backends/onnxruntime/restarting-instance.js';
import { OnnxRuntimeWorkerInstance } from '../../../backends/onnxruntime/worker-instance.js';
import type { ModelInstance } from '../../../engine/core/backend.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import type { TempModel } from './fixtures.js';
import { configOf, cpuInstance, fp32, tempMlp } from './fixtures.js';

/*
 * What worker threads are for: instances of a model compute at the same time, and the event
 * loop keeps running while they do. The runs are long (a 512→2048→512 MLP over 8192 rows,
 * some 2 GFLOP per run) so that a few milliseconds of thread hops cannot decide the outcome.
 */

const signal = new AbortController().signal;
const backend = createOnnxRuntimeBackend({ providers: { cuda: false, tensorrt: false }, cores: 2 });
const params = (thread: 'worker' | 'main') => ({
  intra_op_thread_count: { string_value: '1' },
  execution_thread: { string_value: thread },
});
const bigBatch = (): TensorMap => new Map([['x', fp32([8192, 512], i => (i % 13) / 13)]]);

let mlp: TempModel;
beforeAll(async () => {
  mlp = await tempMlp();
});
afterAll(() => mlp.cleanup());

async function instances(thread: 'worker' | 'main', count: number): Promise<ModelInstance[]> {
  const config = configOf({ max_batch_size: 0, parameters: params(thread) });
  const created: ModelInstance[] = [];
  for (let index = 0; index < count; index++) {
    created.push(await backend.createInstance(config, mlp.files, cpuInstance({ index, instanceCount: count })));
  }
  return created;
}

/** How many times a 1 ms interval fires while `work` runs. */
async function ticksDuring(work: () => Promise<unknown>): Promise<number> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return ticks;
}

describe('sessions in worker threads', () => {
  it('runs two instances of a model at the same time', async () => {
    const [a, b] = (await instances('worker', 2)) as RestartingInstance<OnnxRuntimeWorkerInstance>[];
    try {
      expect(a!.current).toBeInstanceOf(OnnxRuntimeWorkerInstance);
      const [inputsA, inputsB] = [bigBatch(), bigBatch()];
      await Promise.all([a!.execute(inputsA, { signal }), b!.execute(inputsB, { signal })]);
      const [ta, tb] = [a!.current.lastRun!, b!.current.lastRun!];
      // Each run started before the other one ended: the two computations overlapped.
      expect(ta.runStart).toBeLessThan(tb.runEnd);
      expect(tb.runStart).toBeLessThan(ta.runEnd);
    } finally {
      await Promise.all([a!.dispose(), b!.dispose()]);
    }
  });

  it('keeps a 1 ms timer ticking on the main thread while a long run computes', async () => {
    const [inst] = await instances('worker', 1);
    try {
      const inputs = bigBatch();
      const ticks = await ticksDuring(() => inst!.execute(inputs, { signal }));
      expect(ticks).toBeGreaterThan(10);
    } finally {
      await inst!.dispose();
    }
  });

  it('blocks that timer in main-thread mode, which is why workers are the default', async () => {
    const [inst] = await instances('main', 1);
    try {
      const inputs = bigBatch();
      const out = await inst!.execute(inputs, { signal });
      expect(out.get('y')?.shape).toEqual([8192, 512]);
      const ticks = await ticksDuring(() => inst!.execute(inputs, { signal }));
      expect(ticks).toBeLessThanOrEqual(2);
    } finally {
      await inst!.dispose();
    }
  });
});
