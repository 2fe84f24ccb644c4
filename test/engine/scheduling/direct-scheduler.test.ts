import { describe, expect, it } from 'vitest';
import { DirectScheduler } from '../../../engine/scheduling/direct-scheduler.js';
import type { TensorMap } from '../../../engine/core/tensor.js';

const instance = {
  calls: 0,
  async execute(inputs: TensorMap) {
    this.calls++;
    return inputs;
  },
  async dispose() {},
};

describe('DirectScheduler', () => {
  it('runs requests concurrently and drains only after they finish', async () => {
    const s = new DirectScheduler("model 'p' version 1", instance);
    let release!: () => void;
    const gate = new Promise<void>(r => (release = r));
    const a = s.run(() => gate.then(() => 'a'));
    const b = s.run(() => gate.then(() => 'b'));
    expect(s.inflightCount()).toBe(2);
    expect(s.pendingCount()).toBe(0);
    let drained = false;
    const d = s.drain().then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    await expect(s.run(async () => 'late')).rejects.toThrow("model 'p' version 1 is unloading");
    release();
    expect(await Promise.all([a, b])).toEqual(['a', 'b']);
    await d;
    expect(drained).toBe(true);
    expect(s.drain()).toBe(s.drain());
  });

  it('enqueue executes on the instance', async () => {
    const s = new DirectScheduler('m', instance);
    const inputs: TensorMap = new Map([['x', { datatype: 'FP32', shape: [1], data: new Float32Array([1]) }]]);
    expect(await s.enqueue({ inputs, batchSize: 1 })).toBe(inputs);
    expect(instance.calls).toBe(1);
  });
});
