import { describe, expect, it } from 'vitest';
import type { ExecuteOptions, ModelInstance } from '../../engine/core/backend.js';
import type { TensorMap } from '../../engine/core/tensor.js';
import { ModulePool } from '../../pipelines/module-pool.js';
import { settle } from './executor/harness.js';

/** An instance that records whether it is ever called while busy, and waits to be released. */
class GateInstance implements ModelInstance {
  busy = false;
  overlapped = false;
  readonly waiting: (() => void)[] = [];
  disposed = 0;

  async execute(inputs: TensorMap, _opts: ExecuteOptions): Promise<TensorMap> {
    if (this.busy) this.overlapped = true;
    this.busy = true;
    await new Promise<void>(r => this.waiting.push(r));
    this.busy = false;
    return inputs;
  }

  dispose(): Promise<void> {
    this.disposed++;
    return Promise.resolve();
  }
}

describe('ModulePool', () => {
  it('runs one call per instance at a time and hands instances over in FIFO order', async () => {
    const a = new GateInstance();
    const pool = new ModulePool('step', [a]);
    const signal = new AbortController().signal;
    const order: number[] = [];
    const calls = [1, 2, 3].map(i => pool.run(new Map(), [], signal).then(() => order.push(i)));
    for (let i = 0; i < 3; i++) {
      await settle();
      a.waiting.shift()?.();
    }
    await Promise.all(calls);
    expect(order).toEqual([1, 2, 3]);
    expect(a.overlapped).toBe(false);
  });

  it('drops a waiting call whose request is cancelled, and refuses calls once disposed', async () => {
    const a = new GateInstance();
    const pool = new ModulePool("pipeline 'p' step 's'", [a]);
    const first = pool.run(new Map(), [], new AbortController().signal);
    const client = new AbortController();
    const second = pool.run(new Map(), [], client.signal);
    client.abort();
    await expect(second).rejects.toMatchObject({
      code: 'CANCELLED',
      message: "pipeline 'p' step 's': the request was cancelled while waiting for a free instance",
    });
    await settle();
    a.waiting.shift()?.();
    await first;
    await Promise.all([pool.dispose(), pool.dispose()]);
    expect(a.disposed).toBe(1);
    await expect(pool.run(new Map(), [], new AbortController().signal)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
  });
});
