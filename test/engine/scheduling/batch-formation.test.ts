import { describe, expect, it } from 'vitest';
import {
  formBatch,
  formSingle,
  normalizePreferred,
} from '../../../engine/scheduling/batch-formation.js';
import type {
  BatchCandidate,
  BatchFormationPolicy,
} from '../../../engine/scheduling/batch-formation.js';

const c = (batchSize: number, enqueuedAt = 0, shapeKey = 'a'): BatchCandidate => ({
  batchSize,
  enqueuedAt,
  shapeKey,
});
const ones = (n: number, at = 0): BatchCandidate[] => Array.from({ length: n }, () => c(1, at));
const policy = (over: Partial<BatchFormationPolicy> = {}): BatchFormationPolicy => ({
  maxBatchSize: 8,
  preferredSizes: [8],
  maxQueueDelayMs: 0,
  ...over,
});
const free = { now: 0, instanceFree: true };

describe('normalizePreferred', () => {
  it('sorts, dedupes and drops sizes above the max', () => {
    expect(normalizePreferred([8, 4, 4, 32, 0], 16)).toEqual([4, 8]);
  });
  it('falls back to [max_batch_size] as Triton normalises', () => {
    expect(normalizePreferred([], 16)).toEqual([16]);
    expect(normalizePreferred([32], 16)).toEqual([16]);
  });
});

describe('formBatch', () => {
  it('does nothing on an empty queue', () => {
    expect(formBatch([], policy(), free)).toEqual({ kind: 'idle' });
  });

  it('never dispatches while no instance is free, however full the queue', () => {
    expect(formBatch(ones(20), policy(), { now: 100, instanceFree: false })).toEqual({
      kind: 'idle',
    });
  });

  it('with delay 0 sends what is there', () => {
    expect(formBatch(ones(3), policy(), free)).toEqual({ kind: 'execute', count: 3, batchSize: 3 });
  });

  it('never exceeds max_batch_size', () => {
    expect(formBatch(ones(20), policy(), free)).toEqual({
      kind: 'execute',
      count: 8,
      batchSize: 8,
    });
    expect(formBatch([c(6), c(5)], policy(), free)).toEqual({
      kind: 'execute',
      count: 1,
      batchSize: 6,
    });
    expect(formBatch([c(3), c(5), c(1)], policy(), free)).toEqual({
      kind: 'execute',
      count: 2,
      batchSize: 8,
    });
  });

  it('sends the largest preferred size that can be formed now', () => {
    const p = policy({ preferredSizes: [2, 4, 8] });
    expect(formBatch(ones(6), p, free)).toEqual({ kind: 'execute', count: 4, batchSize: 4 });
    expect(formBatch(ones(3), p, free)).toEqual({ kind: 'execute', count: 2, batchSize: 2 });
    expect(formBatch(ones(9), p, free)).toEqual({ kind: 'execute', count: 8, batchSize: 8 });
  });

  it('sends a preferred size at once even while the delay runs', () => {
    const p = policy({ preferredSizes: [4], maxQueueDelayMs: 10 });
    expect(formBatch(ones(5), p, { now: 1, instanceFree: true })).toEqual({
      kind: 'execute',
      count: 4,
      batchSize: 4,
    });
  });

  it('stops at the batch just under the max preferred size when the next request overshoots it', () => {
    const p = policy({ preferredSizes: [4], maxQueueDelayMs: 10 });
    expect(formBatch([c(3), c(3)], p, free)).toEqual({ kind: 'execute', count: 1, batchSize: 3 });
  });

  it('waits for the oldest request’s delay while no preferred or max size is reachable', () => {
    const p = policy({ maxQueueDelayMs: 10 });
    expect(formBatch([c(1, 2), c(1, 5)], p, { now: 6, instanceFree: true })).toEqual({
      kind: 'wait',
      until: 12,
    });
  });

  it('sends everything walked once the delay expired, preferred sizes notwithstanding', () => {
    const p = policy({ preferredSizes: [2, 8], maxQueueDelayMs: 10 });
    expect(formBatch(ones(5, 0), p, { now: 10, instanceFree: true })).toEqual({
      kind: 'execute',
      count: 5,
      batchSize: 5,
    });
  });

  it('flush (drain) ignores the delay', () => {
    const p = policy({ maxQueueDelayMs: 1000 });
    expect(formBatch(ones(3), p, { now: 0, instanceFree: true, flush: true })).toEqual({
      kind: 'execute',
      count: 3,
      batchSize: 3,
    });
  });

  it('never mixes shapes: the head decides and the walk stops at the first other shape', () => {
    const q = [c(1, 0, 'a'), c(1, 0, 'a'), c(1, 0, 'b'), c(1, 0, 'a')];
    expect(formBatch(q, policy({ maxQueueDelayMs: 50 }), free)).toEqual({
      kind: 'execute',
      count: 2,
      batchSize: 2,
    });
    expect(formBatch(q.slice(2), policy(), free)).toEqual({
      kind: 'execute',
      count: 1,
      batchSize: 1,
    });
  });

  it('a batch that cannot grow is sent without waiting for the delay', () => {
    const p = policy({ maxQueueDelayMs: 50 });
    expect(formBatch([c(6), c(5)], p, free)).toEqual({ kind: 'execute', count: 1, batchSize: 6 });
  });

  it('reads only the prefix it needs', () => {
    let read = 0;
    function* lazy(): Generator<BatchCandidate> {
      for (;;) {
        read++;
        yield c(1);
      }
    }
    expect(formBatch(lazy(), policy(), free)).toEqual({ kind: 'execute', count: 8, batchSize: 8 });
    expect(read).toBe(9);
  });
});

describe('formSingle', () => {
  it('runs the head request alone when an instance is free', () => {
    expect(formSingle([c(5), c(1)], free)).toEqual({ kind: 'execute', count: 1, batchSize: 5 });
    expect(formSingle([c(5)], { now: 0, instanceFree: false })).toEqual({ kind: 'idle' });
    expect(formSingle([], free)).toEqual({ kind: 'idle' });
  });
});
