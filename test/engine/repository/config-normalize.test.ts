import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/core/errors.js';
import { normalizeModelConfig } from '../../../engine/repository/config-normalize.js';
import { config } from './signatures.js';

function rejection(raw: Record<string, unknown>): string {
  try {
    normalizeModelConfig(config(raw), { gpuCount: 0 });
  } catch (e) {
    if (e instanceof EngineError && e.code === 'INVALID_ARG') return e.message;
    throw e;
  }
  throw new Error('expected INVALID_ARG');
}

describe('normalizeModelConfig: dynamic batching', () => {
  it('fills an empty preferred_batch_size with max_batch_size', () => {
    const c = normalizeModelConfig(config({ max_batch_size: 8, dynamic_batching: {} }), {
      gpuCount: 0,
    });
    expect(c.dynamic_batching?.preferred_batch_size).toEqual([8]);
  });

  it('keeps preferred sizes that fit', () => {
    const c = normalizeModelConfig(
      config({ max_batch_size: 8, dynamic_batching: { preferred_batch_size: [2, 8] } }),
      { gpuCount: 0 },
    );
    expect(c.dynamic_batching?.preferred_batch_size).toEqual([2, 8]);
  });

  it('leaves preferred_batch_size empty when max_batch_size is 0', () => {
    const c = normalizeModelConfig(config({ dynamic_batching: {} }), { gpuCount: 0 });
    expect(c.dynamic_batching?.preferred_batch_size).toEqual([]);
  });

  it('does not add a dynamic batcher', () => {
    expect(
      normalizeModelConfig(config({ max_batch_size: 8 }), { gpuCount: 0 }).dynamic_batching,
    ).toBeUndefined();
  });

  it('rejects a preferred size above max_batch_size', () => {
    expect(
      rejection({ max_batch_size: 4, dynamic_batching: { preferred_batch_size: [2, 6] } }),
    ).toBe("model 'simple': dynamic_batching.preferred_batch_size 6 must be <= max_batch_size (4)");
  });

  it('rejects preferred sizes on a model that does not batch', () => {
    expect(rejection({ dynamic_batching: { preferred_batch_size: [2] } })).toMatch(
      /must be <= max_batch_size \(0\); a model with max_batch_size 0 does not batch/,
    );
  });

  it('rejects repeated preferred sizes', () => {
    expect(
      rejection({ max_batch_size: 4, dynamic_batching: { preferred_batch_size: [2, 2] } }),
    ).toContain('must not repeat a size');
  });

  it('requires default_priority_level in [1, priority_levels]', () => {
    expect(rejection({ max_batch_size: 4, dynamic_batching: { priority_levels: 2 } })).toBe(
      "model 'simple': dynamic_batching.default_priority_level 0 must be in range [1, 2] when priority_levels is 2",
    );
    expect(
      rejection({
        max_batch_size: 4,
        dynamic_batching: { priority_levels: 2, default_priority_level: 3 },
      }),
    ).toContain('default_priority_level 3 must be in range [1, 2]');
    const ok = config({
      max_batch_size: 4,
      dynamic_batching: { priority_levels: 2, default_priority_level: 2 },
    });
    expect(normalizeModelConfig(ok, { gpuCount: 0 }).dynamic_batching?.default_priority_level).toBe(
      2,
    );
  });

  it('requires priority_queue_policy levels in [1, priority_levels]', () => {
    const raw = {
      max_batch_size: 4,
      dynamic_batching: {
        priority_levels: 2,
        default_priority_level: 1,
        priority_queue_policy: { '3': { max_queue_size: 1 } },
      },
    };
    expect(rejection(raw)).toContain(
      'priority_queue_policy has priority level 3; levels must be in range [1, 2]',
    );
  });

  it('checks no priorities when priority_levels is 0', () => {
    const c = config({ max_batch_size: 4, dynamic_batching: { default_priority_level: 5 } });
    expect(() => normalizeModelConfig(c, { gpuCount: 0 })).not.toThrow();
  });
});

describe('normalizeModelConfig: instance groups', () => {
  it('adds one CPU instance when there is no GPU', () => {
    expect(normalizeModelConfig(config(), { gpuCount: 0 }).instance_group).toEqual([
      { name: 'simple_0', kind: 'KIND_CPU', count: 1, gpus: [], passive: false, host_policy: '' },
    ]);
  });

  it('adds one instance per GPU when GPUs exist', () => {
    expect(normalizeModelConfig(config(), { gpuCount: 2 }).instance_group).toEqual([
      { name: 'simple_0', kind: 'KIND_GPU', count: 1, gpus: [], passive: false, host_policy: '' },
    ]);
  });

  it('keeps listed groups, naming the unnamed ones by index and leaving KIND_AUTO to the backend', () => {
    const c = normalizeModelConfig(
      config({ instance_group: [{ name: 'fast', count: 2, kind: 'KIND_CPU' }, { count: 3 }] }),
      { gpuCount: 1 },
    );
    expect(c.instance_group.map(g => [g.name, g.kind, g.count])).toEqual([
      ['fast', 'KIND_CPU', 2],
      ['simple_1', 'KIND_AUTO', 3],
    ]);
  });
});
