import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxRuntimeBackend } from '../../../backends/onnxruntime/index.js';
import { OnnxRuntimeWorkerInstance } from '../../../backends/onnxruntime/worker-instance.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import type { BarrierOptions } from './probe-session-worker.js';
import type { TempModel } from './fixtures.js';
import { configOf, cpuInstance, fp32, tempMlp } from './fixtures.js';

/*
 * What worker threads are for: instances of a model compute at the same time, and the event
 * loop keeps running while they do. Both are shown by the order of events, never by timing
 * (issue #11 item 4): each run waits at a barrier until the other party arrives, which it can
 * only do while the run is in progress. The main-thread contrast counts event-loop turns.
 */

const signal = new AbortController().signal;
const PROBE = new URL('./probe-session-worker.ts', import.meta.url);
const batch = (rows: number): TensorMap => new Map([['x', fp32([rows, 512], i => (i % 13) / 13)]]);

let mlp: TempModel;
beforeAll(async () => {
  mlp = await tempMlp();
});
afterAll(() => mlp.cleanup());

/** A barrier that lets through runs once `parties` threads have arrived. */
function newBarrier(parties: number): { shared: SharedArrayBuffer; arrive(): void } {
  const shared = new SharedArrayBuffer(8);
  const slots = new Int32Array(shared);
  slots[1] = parties;
  return {
    shared,
    arrive() {
      Atomics.add(slots, 0, 1);
      Atomics.notify(slots, 0);
    },
  };
}

function barrierInstance(barrier: SharedArrayBuffer): Promise<OnnxRuntimeWorkerInstance> {
  const options: BarrierOptions = { intraOpNumThreads: 1, barrier };
  return OnnxRuntimeWorkerInstance.start({
    model: 'mlp_big',
    script: PROBE,
    open: open => open(mlp.files.modelPath, options),
  });
}

describe('sessions in worker threads', () => {
  it('runs two instances of a model at the same time', async () => {
    const barrier = newBarrier(2);
    const [a, b] = [await barrierInstance(barrier.shared), await barrierInstance(barrier.shared)];
    try {
      // Neither run passes the barrier until the other has reached it: both are in flight at once.
      const [ra, rb] = await Promise.all([
        a.execute(batch(64), { signal }),
        b.execute(batch(64), { signal }),
      ]);
      expect([ra.get('y')?.shape, rb.get('y')?.shape]).toEqual([
        [64, 512],
        [64, 512],
      ]);
    } finally {
      await Promise.all([a.dispose(), b.dispose()]);
    }
  });

  it('keeps the event loop running while a run is in progress', async () => {
    const barrier = newBarrier(2);
    const inst = await barrierInstance(barrier.shared);
    try {
      // The run waits for this thread to arrive, which happens in a later turn of its event loop.
      const posted = () => setImmediate(barrier.arrive);
      const out = await inst.execute(batch(64), {
        signal,
        mark: m => m === 'COMPUTE_INPUT_END' && posted(),
      });
      expect(out.get('y')?.shape).toEqual([64, 512]);
    } finally {
      await inst.dispose();
    }
  });

  it('holds the event loop for a whole run in main-thread mode, which is why workers are the default', async () => {
    const backend = createOnnxRuntimeBackend({
      providers: { cuda: false, tensorrt: false },
      cores: 2,
    });
    const parameters = {
      intra_op_thread_count: { string_value: '1' },
      execution_thread: { string_value: 'main' },
    };
    const inst = await backend.createInstance(
      configOf({ max_batch_size: 0, parameters }),
      mlp.files,
      cpuInstance(),
    );
    try {
      let turns = 0;
      let done = false;
      const turn = () => {
        turns++;
        if (!done) setImmediate(turn);
      };
      setImmediate(turn);
      // The run computes inside one event-loop turn, however long it takes: the loop turns once
      // or twice around it, where a run off the thread would let it turn thousands of times.
      const out = await inst.execute(batch(8192), { signal });
      done = true;
      expect(out.get('y')?.shape).toEqual([8192, 512]);
      expect(turns).toBeLessThanOrEqual(3);
    } finally {
      await inst.dispose();
    }
  });
});
