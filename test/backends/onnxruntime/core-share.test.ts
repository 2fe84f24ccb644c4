import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxRuntimeBackend } from '../../../backends/onnxruntime/index.js';
import type { OnnxRuntimeBackendOptions } from '../../../backends/onnxruntime/backend.js';
import type { ModelInstance } from '../../../engine/core/backend.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import type { TempModel } from './fixtures.js';
import { configOf, cpuInstance, fp32, tempMlp } from './fixtures.js';

/*
 * issue #17 item 1: runs of CPU sessions in worker threads share the backend's cores. Shown by
 * the order of the instances' marks, never by timing: a run posted to its worker marks
 * COMPUTE_INPUT_END, and its reply arriving marks COMPUTE_OUTPUT_START.
 */

const signal = new AbortController().signal;
const batch = (rows: number): TensorMap => new Map([['x', fp32([rows, 512], i => (i % 13) / 13)]]);
const noGpu = { cuda: false, tensorrt: false };

let a: TempModel;
let b: TempModel;
beforeAll(async () => {
  [a, b] = [await tempMlp('mlp_a'), await tempMlp('mlp_b')];
});
afterAll(async () => {
  await Promise.all([a.cleanup(), b.cleanup()]);
});

/** Runs `x` on each instance at once and returns the marks in the order they came. */
async function marks(runs: readonly [string, ModelInstance][]): Promise<string[]> {
  const log: string[] = [];
  await Promise.all(
    runs.map(([name, inst]) =>
      inst.execute(batch(256), {
        signal,
        mark: m => {
          if (m === 'COMPUTE_INPUT_END') log.push(`${name} posted`);
          if (m === 'COMPUTE_OUTPUT_START') log.push(`${name} replied`);
        },
      }),
    ),
  );
  return log;
}

async function twoModels(opts: OnnxRuntimeBackendOptions): Promise<[string, ModelInstance][]> {
  const backend = createOnnxRuntimeBackend({ providers: noGpu, cores: 2, ...opts });
  const config = configOf({ max_batch_size: 0 });
  return [
    ['a', await backend.createInstance(config, a.files, cpuInstance())],
    ['b', await backend.createInstance(config, b.files, cpuInstance())],
  ];
}

describe('CPU sessions sharing cores', () => {
  it("starts a model's run once another model's run, holding every core, has ended", async () => {
    const runs = await twoModels({});
    try {
      expect(await marks(runs)).toEqual(['a posted', 'a replied', 'b posted', 'b replied']);
    } finally {
      await Promise.all(runs.map(([, i]) => i.dispose()));
    }
  });

  it('lets every run start at once with shareCores: false', async () => {
    const runs = await twoModels({ shareCores: false });
    try {
      expect((await marks(runs)).slice(0, 2)).toEqual(['a posted', 'b posted']);
    } finally {
      await Promise.all(runs.map(([, i]) => i.dispose()));
    }
  });

  it('runs instances of one model side by side: their shares add up to the cores', async () => {
    const backend = createOnnxRuntimeBackend({ providers: noGpu, cores: 2 });
    const config = configOf({ max_batch_size: 0 });
    const two = { instanceCount: 2 };
    const runs: [string, ModelInstance][] = [
      ['0', await backend.createInstance(config, a.files, cpuInstance({ ...two, index: 0 }))],
      ['1', await backend.createInstance(config, a.files, cpuInstance({ ...two, index: 1 }))],
    ];
    try {
      expect((await marks(runs)).slice(0, 2)).toEqual(['0 posted', '1 posted']);
    } finally {
      await Promise.all(runs.map(([, i]) => i.dispose()));
    }
  });
});
