import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../engine/core/clock.js';
import { InMemoryLogger } from '../../../engine/core/logger.js';
import { createScheduler } from '../../../engine/scheduling/create-scheduler.js';
import { StatsRecorder } from '../../../engine/scheduling/stats.js';
import {
  config,
  FakeInstance,
  inputTags,
  request,
  rowTags,
  settle,
  track,
} from './fake-instance.js';
import { schedulerSetup as setup } from './scheduler-setup.js';

describe('dynamic batcher: batch formation', () => {
  it('sends the largest preferred size first, then the rest', async () => {
    const { s, inst } = setup({ preferred_batch_size: [2, 4] });
    for (let i = 0; i < 6; i++) track(s.run(request(1, i)));
    await settle();
    expect(inst.batchSizes()).toEqual([4]);
    inst.echo();
    await settle();
    expect(inst.batchSizes()).toEqual([4, 2]);
  });

  it('waits for max_queue_delay, then sends what is queued', async () => {
    const { s, inst, clock } = setup({ max_queue_delay_microseconds: 10_000 });
    const a = track(s.run(request(1, 1)));
    clock.advance(4);
    track(s.run(request(2, 2)));
    await settle();
    clock.advance(5.9);
    expect(inst.calls).toHaveLength(0);
    clock.advance(0.1);
    expect(inst.batchSizes()).toEqual([3]);
    inst.echo();
    await settle();
    expect(rowTags(a.value!)).toEqual([1]);
  });

  it('does not wait for the delay once max_batch_size is reached', async () => {
    const { s, inst } = setup({ max_queue_delay_microseconds: 1_000_000 });
    track(s.run(request(3, 1)));
    track(s.run(request(5, 2)));
    await settle();
    expect(inst.batchSizes()).toEqual([8]);
  });

  it('keeps growing the batch while the instance is busy (delay 0)', async () => {
    const { s, inst } = setup({});
    track(s.run(request(1, 0)));
    await settle();
    for (let i = 1; i <= 5; i++) {
      track(s.run(request(1, i)));
      await settle();
    }
    expect(inst.batchSizes()).toEqual([1]);
    inst.echo();
    await settle();
    expect(inst.batchSizes()).toEqual([1, 5]);
    expect(inputTags(inst.calls[1])).toEqual([1, 2, 3, 4, 5]);
  });

  it('joins a batch-3 and a batch-5 request into one execution of 8 and splits the outputs back', async () => {
    const { s, inst } = setup({});
    const a = track(s.run(request(3, 1)));
    const b = track(s.run(request(5, 2)));
    await settle();
    expect(inst.batchSizes()).toEqual([8]);
    inst.echo();
    await settle();
    expect(rowTags(a.value!)).toEqual([1, 1, 1]);
    expect(rowTags(b.value!)).toEqual([2, 2, 2, 2, 2]);
  });

  it('runs 6 + 5 as two executions when max_batch_size is 8', async () => {
    const { s, inst } = setup({});
    track(s.run(request(6, 1)));
    track(s.run(request(5, 2)));
    await settle();
    expect(inst.batchSizes()).toEqual([6]);
    inst.echo();
    await settle();
    expect(inst.batchSizes()).toEqual([6, 5]);
  });

  it('never mixes requests whose non-batch shapes differ', async () => {
    const { s, inst, clock } = setup({ max_queue_delay_microseconds: 100 });
    track(s.run(request(1, 1, {}, 2)));
    track(s.run(request(1, 2, {}, 3)));
    track(s.run(request(1, 3, {}, 2)));
    await settle();
    // A batch stopped by a request of another shape cannot grow, so it leaves without the delay.
    for (let i = 0; i < 2; i++) {
      expect(inst.calls).toHaveLength(i + 1);
      inst.echo();
      await settle();
    }
    expect(inst.calls).toHaveLength(2);
    clock.advance(0.1);
    expect(inst.calls.map(c => c.inputs.get('IN')!.shape)).toEqual([
      [1, 2],
      [1, 3],
      [1, 2],
    ]);
  });

  it('runs each request alone but keeps the queue policy when max_batch_size is 0', async () => {
    const { s, inst, clock } = setup(
      { default_queue_policy: { default_timeout_microseconds: 1000 } },
      { config: { max_batch_size: 0 } },
    );
    const req = (tag: number) => ({ inputs: request(1, tag).inputs, batchSize: 1 });
    track(s.run(req(1)));
    track(s.run(req(2)));
    const late = track(s.run(req(3)));
    await settle();
    expect(inst.calls).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(late.error).toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('dynamic batcher: queue policy', () => {
  it('serves higher priority levels first, FIFO within a level', async () => {
    const { s, inst } = setup({ priority_levels: 2, default_priority_level: 2 });
    track(s.run(request(1, 0)));
    await settle();
    track(s.run(request(1, 1)));
    track(s.run(request(1, 2, { priority: 1 })));
    track(s.run(request(1, 3, { priority: 0 })));
    track(s.run(request(1, 4, { priority: 1 })));
    await settle();
    inst.echo();
    await settle();
    expect(inputTags(inst.calls[1])).toEqual([2, 4, 1, 3]);
  });

  it('rejects a priority above priority_levels with INVALID_ARG', async () => {
    const { s } = setup({ priority_levels: 2, default_priority_level: 1 });
    await expect(s.run(request(1, 0, { priority: 3 }))).rejects.toMatchObject({
      code: 'INVALID_ARG',
    });
  });

  it('refuses a config whose default_priority_level lies outside the levels', () => {
    expect(() => setup({ priority_levels: 2, default_priority_level: 0 })).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARG',
        message: expect.stringContaining("model 'm' version 1"),
      }),
    );
  });

  it('rejects with 503-style UNAVAILABLE "Exceeds maximum queue size" when full, logging once', async () => {
    const { s, logger } = setup({ default_queue_policy: { max_queue_size: 2 } });
    track(s.run(request(1, 0)));
    await settle();
    track(s.run(request(1, 1)));
    track(s.run(request(1, 2)));
    const third = track(s.run(request(1, 3)));
    const fourth = track(s.run(request(1, 4)));
    await settle();
    expect(third.error).toMatchObject({ code: 'UNAVAILABLE', reason: 'REJECTED' });
    expect((third.error as Error).message).toMatch(/^Exceeds maximum queue size/);
    expect(fourth.error).toMatchObject({ code: 'UNAVAILABLE' });
    expect(s.stats().pending).toBe(2);
    expect(logger.lines.filter(l => l.msg.includes('queue full'))).toHaveLength(1);
  });

  it('REJECT: a request past its queue timeout fails "Request timeout expired" and never executes', async () => {
    const { s, inst, clock } = setup({
      default_queue_policy: { default_timeout_microseconds: 5000 },
    });
    track(s.run(request(1, 0)));
    await settle();
    const r = track(s.run(request(1, 1)));
    await settle();
    clock.advance(5);
    await settle();
    expect(r.error).toMatchObject({ code: 'UNAVAILABLE', reason: 'REJECTED' });
    expect((r.error as Error).message).toMatch(/^Request timeout expired: model 'm' version 1/);
    inst.echo();
    await settle();
    expect(inst.calls).toHaveLength(1);
    expect(s.stats().pending).toBe(0);
  });

  it('DELAY: an expired request moves behind those still within their timeout', async () => {
    const { s, inst, clock } = setup(
      { default_queue_policy: { default_timeout_microseconds: 1000, timeout_action: 'DELAY' } },
      { config: { max_batch_size: 1 } },
    );
    track(s.run(request(1, 0)));
    await settle();
    const a = track(s.run(request(1, 1)));
    clock.advance(0.5);
    track(s.run(request(1, 2)));
    clock.advance(0.6);
    await settle();
    inst.echo();
    await settle();
    expect(inputTags(inst.calls[1])).toEqual([2]);
    inst.echo();
    await settle();
    expect(inputTags(inst.calls[2])).toEqual([1]);
    inst.echo();
    await settle();
    expect(rowTags(a.value!)).toEqual([1]);
  });

  it('honours a shorter request timeout only with allow_timeout_override', async () => {
    for (const allow of [true, false]) {
      const policy = { default_timeout_microseconds: 10_000, allow_timeout_override: allow };
      const { s, clock } = setup({ default_queue_policy: policy });
      track(s.run(request(1, 0)));
      await settle();
      const r = track(s.run(request(1, 1, { timeoutUs: 1000 })));
      clock.advance(1);
      await settle();
      expect(r.done).toBe(allow);
      clock.advance(9);
      await settle();
      expect(r.error).toMatchObject({ code: 'UNAVAILABLE' });
    }
  });
});

describe('default scheduler (no dynamic_batching)', () => {
  it('runs each request alone, FIFO, even when several are queued', async () => {
    const { s, inst } = setup(undefined);
    for (const n of [1, 2, 3]) track(s.run(request(n, n)));
    await settle();
    expect(inst.batchSizes()).toEqual([1]);
    inst.echo();
    await settle();
    inst.echo();
    await settle();
    expect(inst.batchSizes()).toEqual([1, 2, 3]);
  });

  it('has no queue limit or timeout and ignores request priority and timeout, as Triton', async () => {
    const { s, inst, clock } = setup(undefined);
    track(s.run(request(1, 0)));
    const queued = Array.from({ length: 50 }, (_, i) =>
      track(s.run(request(1, i, { priority: 9, timeoutUs: 1 }))),
    );
    await settle();
    clock.advance(1000);
    await settle();
    expect(queued.every(q => !q.done)).toBe(true);
    expect(s.stats().pending).toBe(50);
    expect(inst.calls).toHaveLength(1);
  });

  it('logs once when the unbounded queue passes pendingWarnAt', async () => {
    const clock = new SimulatedClock();
    const logger = new InMemoryLogger();
    const instances = [new FakeInstance()];
    const stats = new StatsRecorder('m', '1');
    const s = createScheduler({
      modelName: 'm',
      version: '1',
      config: config(),
      instances,
      clock,
      stats,
      logger,
      pendingWarnAt: 3,
    });
    for (let i = 0; i < 10; i++) track(s.run(request(1, i)));
    await settle();
    const warnings = logger.lines.filter(l => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields).toMatchObject({ model: 'm', version: '1', pending: 3 });
  });
});
