import { describe, expect, it } from 'vitest';
import type { ExecuteOptions, ModelInstance } from '../../../engine/core/backend.js';
import { SimulatedClock } from '../../../engine/core/clock.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import { executeBatch } from '../../../engine/scheduling/execute-batch.js';
import { StatsRecorder } from '../../../engine/scheduling/stats.js';
import { request, rowTags } from './fake-instance.js';

/** An instance answering at once with OUT = IN and EXTRA = IN, and recording what it was asked. */
class TwoOutputInstance implements ModelInstance {
  asked: (readonly string[] | undefined)[] = [];
  constructor(private readonly before?: (opts: ExecuteOptions) => void) {}
  execute(inputs: TensorMap, opts: ExecuteOptions): Promise<TensorMap> {
    this.asked.push(opts.outputs);
    this.before?.(opts);
    const t = inputs.get('IN')!;
    return Promise.resolve(
      new Map([
        ['OUT', t],
        ['EXTRA', t],
      ]),
    );
  }
  dispose(): Promise<void> {
    return Promise.resolve();
  }
}

function ctx() {
  const clock = new SimulatedClock();
  const stats = new StatsRecorder('m', '1');
  return { clock, stats, label: "model 'm' version 1" };
}

describe('executeBatch', () => {
  it('asks for the union of requested outputs and gives each request only what it asked for', async () => {
    const c = ctx();
    const inst = new TwoOutputInstance();
    const r = await executeBatch(
      c,
      inst,
      [request(1, 1, { outputs: ['OUT'] }), request(2, 2, { outputs: ['EXTRA', 'OUT'] })],
      new AbortController().signal,
    );
    expect(inst.asked).toEqual([['OUT', 'EXTRA']]);
    if (!r.ok) throw r.error;
    expect([...r.outputs[0]!.keys()]).toEqual(['OUT']);
    expect([...r.outputs[1]!.keys()]).toEqual(['EXTRA', 'OUT']);
    expect(rowTags(r.outputs[1]!)).toEqual([2, 2]);
  });

  // issue #17: the instance may move only what its caller gave up, or what the batch joined afresh
  it("lets the instance move a lone request's movable inputs only, and every input of a joined batch", async () => {
    const c = ctx();
    const movable: (ReadonlySet<string> | undefined)[] = [];
    const inst = new TwoOutputInstance(opts => movable.push(opts.movable));
    const signal = new AbortController().signal;
    await executeBatch(c, inst, [request(1, 1)], signal);
    await executeBatch(c, inst, [request(1, 1, { movableInputs: new Set(['IN']) })], signal);
    await executeBatch(c, inst, [request(1, 1), request(2, 2)], signal);
    expect(movable).toEqual([undefined, new Set(['IN']), new Set(['IN'])]);
  });

  it('asks for every output when one request wants all of them', async () => {
    const c = ctx();
    const inst = new TwoOutputInstance();
    const r = await executeBatch(
      c,
      inst,
      [request(1, 1, { outputs: ['OUT'] }), request(1, 2)],
      new AbortController().signal,
    );
    expect(inst.asked).toEqual([undefined]);
    expect(r.ok && [...r.outputs[1]!.keys()]).toEqual(['OUT', 'EXTRA']);
  });

  it('splits compute time at the backend marks, one execution of the summed batch size', async () => {
    const c = ctx();
    const inst = new TwoOutputInstance(opts => {
      c.clock.advance(2);
      opts.mark?.('COMPUTE_INPUT_END');
      c.clock.advance(3);
      opts.mark?.('COMPUTE_OUTPUT_START');
    });
    await executeBatch(c, inst, [request(3, 1), request(4, 2)], new AbortController().signal);
    const snap = c.stats.snapshot();
    expect(snap.inference_count).toBe(7);
    expect(snap.batch_stats[0]).toMatchObject({
      batch_size: 7,
      compute_input: { count: 1, ns: 2e6 },
      compute_infer: { count: 1, ns: 3e6 },
      compute_output: { count: 1, ns: 0 },
    });
  });

  it('returns a thrown failure as the batch result, wrapped INTERNAL with the model named', async () => {
    const c = ctx();
    const inst: ModelInstance = {
      execute: () => Promise.reject(new TypeError('bad tensor')),
      dispose: () => Promise.resolve(),
    };
    const r = await executeBatch(c, inst, [request(1, 1)], new AbortController().signal);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatchObject({
      code: 'INTERNAL',
      reason: 'BACKEND',
      message: expect.stringMatching(/^model 'm' version 1: execution failed: bad tensor/),
    });
    expect(c.stats.snapshot().execution_count).toBe(0);
  });
});
