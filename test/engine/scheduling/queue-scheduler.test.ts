import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../engine/core/clock.js';
import { EngineError } from '../../../engine/core/errors.js';
import { noopLogger } from '../../../engine/core/logger.js';
import { formBatch, formSingle } from '../../../engine/scheduling/batch-formation.js';
import { QueueScheduler } from '../../../engine/scheduling/queue-scheduler.js';
import { UNBOUNDED_QUEUE } from '../../../engine/scheduling/queue.js';
import { StatsRecorder } from '../../../engine/scheduling/stats.js';
import { FakeInstance, request, rowTags, settle, track } from './fake-instance.js';
import { schedulerSetup as setup } from './scheduler-setup.js';

describe('instance failures', () => {
  it('fails every request of the failing batch with INTERNAL naming the model, then keeps serving', async () => {
    const { s, inst, logger } = setup({});
    const a = track(s.run(request(1, 1)));
    const b = track(s.run(request(1, 2)));
    await settle();
    inst.fail(new Error('device lost'));
    await settle();
    for (const r of [a, b]) {
      expect(r.error).toBeInstanceOf(EngineError);
      expect(r.error).toMatchObject({ code: 'INTERNAL', reason: 'BACKEND' });
      expect((r.error as Error).message).toMatch(/model 'm' version 1.*device lost/);
    }
    const c = track(s.run(request(1, 3)));
    await settle();
    inst.fail(new Error('device lost'));
    await settle();
    expect(c.error).toMatchObject({ code: 'INTERNAL' });
    expect(logger.lines.map(l => l.level)).toEqual(['warn', 'debug']);
    const d = track(s.run(request(1, 4)));
    await settle();
    inst.echo();
    await settle();
    expect(rowTags(d.value!)).toEqual([4]);
  });

  it('passes an EngineError from the instance through unchanged', async () => {
    const { s, inst } = setup({});
    const a = track(s.run(request(1, 1)));
    await settle();
    const err = new EngineError('INVALID_ARG', "input 'IN' of model 'm': bad");
    inst.fail(err);
    await settle();
    expect(a.error).toBe(err);
  });

  it('fails the batch INTERNAL when an output does not carry the total batch on axis 0', async () => {
    const { s, inst, stats } = setup({});
    const a = track(s.run(request(1, 1)));
    const b = track(s.run(request(2, 2)));
    await settle();
    inst.open[0]!.resolve(
      new Map([['OUT', { datatype: 'FP32', shape: [2, 2], data: new Float32Array(4) }]]),
    );
    await settle();
    expect(a.error).toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/'m'.*output 'OUT'/),
    });
    expect(b.error).toBe(a.error);
    expect(stats.snapshot().execution_count).toBe(1);
  });
});

describe('instances', () => {
  it('runs one batch per instance, all instances in parallel, and grows the next batch meanwhile', async () => {
    const { s, instances } = setup({}, { instances: 3 });
    for (let i = 0; i < 3; i++) {
      track(s.run(request(1, i)));
      await settle();
    }
    expect(instances.map(i => i.calls.length)).toEqual([1, 1, 1]);
    track(s.run(request(1, 10)));
    track(s.run(request(1, 11)));
    await settle();
    expect(s.stats().pending).toBe(2);
    instances[1]!.echo();
    await settle();
    expect(instances[1]!.batchSizes()).toEqual([1, 2]);
    expect(s.stats().inflight).toBe(4);
  });

  it('preserve_ordering: responses resolve in request order across instances', async () => {
    for (const preserve of [true, false]) {
      const { s, instances } = setup({ preserve_ordering: preserve }, { instances: 2 });
      const order: string[] = [];
      const a = track(s.run(request(1, 1)), order, 'a');
      await settle();
      track(s.run(request(1, 2)), order, 'b');
      await settle();
      instances[1]!.echo();
      await settle();
      expect(order).toEqual(preserve ? [] : ['b']);
      expect(s.stats().inflight).toBe(preserve ? 2 : 1);
      instances[0]!.echo();
      await settle();
      expect(order).toEqual(preserve ? ['a', 'b'] : ['b', 'a']);
      expect(rowTags(a.value!)).toEqual([1]);
    }
  });
});

describe('statistics (reference §5.2)', () => {
  it('two batch-1 requests merged: 2 inferences, 1 execution, 2 queue entries, batch_stats for size 2', async () => {
    const { s, inst, stats, clock } = setup({ max_queue_delay_microseconds: 3000 });
    track(s.run(request(1, 1)));
    track(s.run(request(1, 2)));
    await settle();
    clock.advance(3);
    const call = inst.open[0]!;
    clock.advance(1);
    call.opts.mark?.('COMPUTE_INPUT_END');
    clock.advance(5);
    call.opts.mark?.('COMPUTE_OUTPUT_START');
    clock.advance(2);
    inst.echo();
    await settle();
    const snap = stats.snapshot();
    expect(snap.inference_count).toBe(2);
    expect(snap.execution_count).toBe(1);
    expect(snap.inference_stats.queue).toEqual({ count: 2, ns: 6e6 });
    expect(snap.inference_stats.compute_input).toEqual({ count: 1, ns: 1e6 });
    expect(snap.inference_stats.compute_infer).toEqual({ count: 1, ns: 5e6 });
    expect(snap.inference_stats.compute_output).toEqual({ count: 1, ns: 2e6 });
    expect(snap.batch_stats.map(b => [b.batch_size, b.compute_infer.count])).toEqual([[2, 1]]);
  });

  it('batch-1 and batch-8 without the dynamic batcher: 9 inferences, 2 executions', async () => {
    const { s, inst, stats } = setup(undefined);
    track(s.run(request(1, 1)));
    track(s.run(request(8, 2)));
    await settle();
    inst.echo();
    await settle();
    inst.echo();
    await settle();
    const snap = stats.snapshot();
    expect([snap.inference_count, snap.execution_count]).toEqual([9, 2]);
    expect(snap.batch_stats.map(b => b.batch_size)).toEqual([1, 8]);
  });

  it('counts the whole execute as compute_infer when the backend never marks', async () => {
    const { s, inst, stats, clock } = setup({});
    track(s.run(request(1, 1)));
    await settle();
    clock.advance(7);
    inst.echo();
    await settle();
    const snap = stats.snapshot().inference_stats;
    expect([snap.compute_input.ns, snap.compute_infer.ns, snap.compute_output.ns]).toEqual([
      0, 7e6, 0,
    ]);
  });
});

describe('drain', () => {
  it('flushes the queue at once, refuses new requests, and resolves when everything finished', async () => {
    const { s, inst } = setup({ max_queue_delay_microseconds: 1_000_000 });
    const a = track(s.run(request(1, 1)));
    await settle();
    expect(inst.calls).toHaveLength(0);
    const drained = track(s.stop());
    expect(s.stop()).toBe(s.stop());
    await settle();
    expect(inst.batchSizes()).toEqual([1]);
    await expect(s.run(request(1, 2))).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: "model 'm' version 1 is unloading",
    });
    expect(drained.done).toBe(false);
    inst.echo();
    await settle();
    expect(a.done).toBe(true);
    expect(drained.done).toBe(true);
  });

  it('resolves at once when idle', async () => {
    const { s } = setup({});
    await expect(s.stop()).resolves.toBeUndefined();
  });
});

describe('QueueScheduler', () => {
  it('takes any formation function', async () => {
    const clock = new SimulatedClock();
    const inst = new FakeInstance();
    const common = {
      modelName: 'm',
      version: '2',
      instances: [inst],
      clock,
      logger: noopLogger,
      maxBatchSize: 8,
    };
    const policy = { maxBatchSize: 8, preferredSizes: [8], maxQueueDelayMs: 0 };
    const batching = new QueueScheduler({
      ...common,
      stats: new StatsRecorder('m', '2'),
      queue: UNBOUNDED_QUEUE,
      form: (c, st) => formBatch(c, policy, st),
      preserveOrdering: false,
      pendingWarnAt: 100,
    });
    track(batching.run(request(1, 1)));
    track(batching.run(request(1, 2)));
    await settle();
    expect(inst.batchSizes()).toEqual([2]);
    const single = new QueueScheduler({
      ...common,
      instances: [new FakeInstance()],
      stats: new StatsRecorder('m', '2'),
      queue: UNBOUNDED_QUEUE,
      form: formSingle,
      preserveOrdering: false,
      pendingWarnAt: 100,
    });
    track(single.run(request(1, 1)));
    track(single.run(request(1, 2)));
    await settle();
    expect(single.stats().pending).toBe(1);
  });

  it('refuses to run without instances', () => {
    expect(() => setup({}, { instances: 0 })).toThrow(
      expect.objectContaining({ code: 'INTERNAL', message: expect.stringContaining("model 'm'") }),
    );
  });
});
