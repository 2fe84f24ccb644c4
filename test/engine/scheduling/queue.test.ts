import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../engine/core/clock.js';
import { EngineError } from '../../../engine/core/errors.js';
import type { QueuePolicy } from '../../../engine/core/model-config.js';
import {
  effectiveTimeoutUs,
  RequestQueue,
  resolvePriorityLevel,
  UNBOUNDED_QUEUE,
} from '../../../engine/scheduling/queue.js';
import type { QueueConfig } from '../../../engine/scheduling/queue.js';

const policy = (over: Partial<QueuePolicy> = {}): QueuePolicy => ({
  timeout_action: 'REJECT',
  default_timeout_microseconds: 0,
  allow_timeout_override: false,
  max_queue_size: 0,
  ...over,
});

interface It {
  readonly id: string;
}

function makeQueue(config: Partial<QueueConfig> = {}) {
  const clock = new SimulatedClock();
  const timedOut: string[] = [];
  const queue = new RequestQueue<It>({
    label: "model 'm' version 1",
    config: { ...UNBOUNDED_QUEUE, ...config },
    clock,
    onTimeout: item => timedOut.push(item.id),
  });
  const ids = () => [...queue].map(i => i.id);
  return { clock, queue, timedOut, ids };
}

describe('resolvePriorityLevel', () => {
  const cfg = { priorityLevels: 3, defaultPriorityLevel: 2 };
  it('maps 0 and absent to the default level', () => {
    expect(resolvePriorityLevel(0, cfg, 'm')).toBe(2);
    expect(resolvePriorityLevel(undefined, cfg, 'm')).toBe(2);
    expect(resolvePriorityLevel(1, cfg, 'm')).toBe(1);
  });
  it('rejects a priority above priority_levels with INVALID_ARG naming the model', () => {
    expect(() => resolvePriorityLevel(4, cfg, "model 'm' version 1")).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARG',
        message: expect.stringContaining("model 'm'"),
      }),
    );
  });
  it('ignores priorities when no levels are configured, as Triton does', () => {
    expect(resolvePriorityLevel(7, { priorityLevels: 0, defaultPriorityLevel: 0 }, 'm')).toBe(0);
  });
});

describe('effectiveTimeoutUs', () => {
  it('uses the default timeout when override is not allowed', () => {
    expect(effectiveTimeoutUs(policy({ default_timeout_microseconds: 1000 }), 10)).toBe(1000);
  });
  it('lets a request only shorten the timeout when override is allowed', () => {
    const p = policy({ default_timeout_microseconds: 1000, allow_timeout_override: true });
    expect(effectiveTimeoutUs(p, 10)).toBe(10);
    expect(effectiveTimeoutUs(p, 5000)).toBe(1000);
    expect(effectiveTimeoutUs(p, 0)).toBe(1000);
  });
  it('ignores request timeouts when the policy has none (Triton PolicyQueue::Enqueue)', () => {
    expect(effectiveTimeoutUs(policy({ allow_timeout_override: true }), 10)).toBe(0);
  });
});

describe('RequestQueue', () => {
  it('orders by priority level, FIFO within a level', () => {
    const { queue, ids } = makeQueue({ priorityLevels: 3, defaultPriorityLevel: 2 });
    queue.push({ id: 'a' }, { priority: 3 });
    queue.push({ id: 'b' }, {});
    queue.push({ id: 'c' }, { priority: 1 });
    queue.push({ id: 'd' }, { priority: 2 });
    queue.push({ id: 'e' }, { priority: 1 });
    expect(ids()).toEqual(['c', 'e', 'b', 'd', 'a']);
    expect(queue.take(3).map(i => i.id)).toEqual(['c', 'e', 'b']);
    expect(ids()).toEqual(['d', 'a']);
    expect(queue.size).toBe(2);
  });

  it('rejects when a level is full with UNAVAILABLE "Exceeds maximum queue size", per level', () => {
    const { queue } = makeQueue({
      priorityLevels: 2,
      defaultPriorityLevel: 2,
      defaultPolicy: policy({ max_queue_size: 1 }),
      levelPolicies: { '1': policy({ max_queue_size: 2 }) },
    });
    queue.push({ id: 'a' }, {});
    let err: unknown;
    try {
      queue.push({ id: 'b' }, { priority: 2 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', reason: 'REJECTED' });
    expect((err as Error).message).toMatch(
      /^Exceeds maximum queue size: model 'm' version 1 .*limit is 1/,
    );
    queue.push({ id: 'c' }, { priority: 1 });
    queue.push({ id: 'd' }, { priority: 1 });
    expect(() => queue.push({ id: 'e' }, { priority: 1 })).toThrow(/Exceeds maximum queue size/);
    expect(queue.size).toBe(3);
  });

  it('REJECT: removes an expired request and reports it, leaving the others', () => {
    const { clock, queue, timedOut, ids } = makeQueue({
      defaultPolicy: policy({ default_timeout_microseconds: 5000 }),
    });
    queue.push({ id: 'a' }, {});
    clock.advance(2);
    queue.push({ id: 'b' }, {});
    clock.advance(3);
    expect(timedOut).toEqual(['a']);
    expect(ids()).toEqual(['b']);
    clock.advance(2);
    expect(timedOut).toEqual(['a', 'b']);
    expect(queue.size).toBe(0);
  });

  it('DELAY: moves an expired request behind those still within their timeout', () => {
    const { clock, queue, timedOut, ids } = makeQueue({
      priorityLevels: 2,
      defaultPriorityLevel: 1,
      defaultPolicy: policy({ default_timeout_microseconds: 1000, timeout_action: 'DELAY' }),
    });
    queue.push({ id: 'a' }, {});
    queue.push({ id: 'low' }, { priority: 2 });
    clock.advance(0.5);
    queue.push({ id: 'b' }, {});
    clock.advance(0.5);
    expect(ids()).toEqual(['b', 'a', 'low']);
    clock.advance(1);
    expect(ids()).toEqual(['a', 'b', 'low']);
    expect(timedOut).toEqual([]);
    expect(queue.size).toBe(3);
  });

  it('applies a request timeout only under allow_timeout_override', () => {
    const { clock, queue, timedOut } = makeQueue({
      priorityLevels: 2,
      defaultPriorityLevel: 1,
      defaultPolicy: policy({ default_timeout_microseconds: 10_000 }),
      levelPolicies: {
        '2': policy({ default_timeout_microseconds: 10_000, allow_timeout_override: true }),
      },
    });
    queue.push({ id: 'fixed' }, { timeoutUs: 1000 });
    queue.push({ id: 'short' }, { priority: 2, timeoutUs: 1000 });
    clock.advance(1);
    expect(timedOut).toEqual(['short']);
    clock.advance(9);
    expect(timedOut).toEqual(['short', 'fixed']);
  });

  it('delete disarms the timeout', () => {
    const { clock, queue, timedOut } = makeQueue({
      defaultPolicy: policy({ default_timeout_microseconds: 1000 }),
    });
    const a = { id: 'a' };
    queue.push(a, {});
    expect(queue.delete(a)).toBe(true);
    expect(queue.delete(a)).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(5);
    expect(timedOut).toEqual([]);
  });
});
