/*
 * The console feed's live figures (issue #18): percentiles estimated from histogram buckets,
 * and the per-model and per-step figures over a sliding window of feed ticks.
 */
import { describe, expect, it } from 'vitest';
import { bucketQuantile, LiveWindow } from '../../../../engine/server/console/live-figures.js';
import type { HistogramCounts, LiveSample } from '../../../../engine/server/console/sources.js';
import type { ModelStatistics } from '../../../../engine/runtime/types.js';

const h = (...counts: number[]): HistogramCounts =>
  [0.001, 0.01, 0.1, Infinity].map((le, i) => ({ le, count: counts[i] ?? 0 }));

const d = (count: number, ns = 0) => ({ count, ns });

function stats(success: number, batches: [number, number][]): ModelStatistics[] {
  return [
    {
      name: 'simple',
      version: '1',
      last_inference: 0,
      inference_count: success,
      execution_count: success,
      inference_stats: {
        success: d(success),
        fail: d(0),
        queue: d(0),
        compute_input: d(0),
        compute_infer: d(0),
        compute_output: d(0),
        cache_hit: d(0),
        cache_miss: d(0),
      },
      batch_stats: batches.map(([size, n]) => ({
        batch_size: size,
        compute_input: d(n),
        compute_infer: d(n),
        compute_output: d(n),
      })),
      memory_usage: [],
    } as unknown as ModelStatistics,
  ];
}

const sample = (latency: HistogramCounts, pending: number, step: HistogramCounts): LiveSample => ({
  models: [{ name: 'simple', version: '1', latency, pending }],
  steps: [{ pipeline: 'ocr', step: 'detect', duration: step }],
});

describe('bucketQuantile', () => {
  it('interpolates inside the bucket the rank falls in', () => {
    // 10 observations: 4 up to 1 ms, 4 more up to 10 ms, 2 more up to 100 ms.
    const b = h(4, 8, 10, 10);
    expect(bucketQuantile(b, 0.5)).toBeCloseTo(0.001 + 0.009 * (1 / 4));
    expect(bucketQuantile(b, 0.99)).toBeCloseTo(0.01 + 0.09 * (1.9 / 2));
    expect(bucketQuantile(b, 0.2)).toBeCloseTo(0.0005);
  });

  it('answers the largest finite bound for a rank in +Inf, and nothing when empty', () => {
    expect(bucketQuantile(h(0, 0, 1, 3), 0.99)).toBe(0.1);
    expect(bucketQuantile(h(0, 0, 0, 0), 0.5)).toBeUndefined();
    expect(bucketQuantile([], 0.5)).toBeUndefined();
  });

  it('skips empty buckets below the rank', () => {
    expect(bucketQuantile(h(0, 0, 2, 2), 0.5)).toBeCloseTo(0.01 + 0.09 * 0.5);
  });
});

describe('LiveWindow', () => {
  it('has no percentiles nor batches on the first tick: there is nothing to compare yet', () => {
    const w = new LiveWindow(3);
    const f = w.push(1000, stats(5, [[1, 5]]), sample(h(5, 5, 5, 5), 2, h(1, 1, 1, 1)));
    expect(f.windowSeconds).toBe(0);
    expect(f.models).toEqual([
      { name: 'simple', version: '1', requests: 0, pending: 2, batches: [] },
    ]);
    expect(f.steps).toEqual([{ pipeline: 'ocr', step: 'detect', count: 0 }]);
  });

  it('reports what happened between the oldest kept tick and the newest', () => {
    const w = new LiveWindow(2);
    w.push(0, stats(5, [[1, 5]]), sample(h(5, 5, 5, 5), 0, h(0, 0, 0, 0)));
    w.push(
      1000,
      stats(7, [
        [1, 6],
        [4, 1],
      ]),
      sample(h(5, 6, 7, 7), 1, h(0, 1, 1, 1)),
    );
    // Requests 6 and 7 took up to 10 and 100 ms; step 'detect' ran once, up to 10 ms.
    const f = w.push(
      2000,
      stats(7, [
        [1, 6],
        [4, 1],
      ]),
      sample(h(5, 6, 7, 7), 0, h(0, 1, 1, 1)),
    );
    expect(f.windowSeconds).toBe(2);
    const m = f.models[0]!;
    expect(m).toMatchObject({
      requests: 2,
      pending: 0,
      batches: [
        { size: 1, count: 1 },
        { size: 4, count: 1 },
      ],
    });
    expect(m.p50Ms).toBeCloseTo(10);
    expect(m.p99Ms).toBeCloseTo(10 + 90 * 0.98);
    expect(f.steps[0]).toMatchObject({ count: 1 });
    expect(f.steps[0]!.p50Ms).toBeCloseTo(1 + 9 * 0.5);
    // One tick later the first one has left the window: only what happened since tick 1 counts.
    const later = w.push(
      3000,
      stats(7, [
        [1, 6],
        [4, 1],
      ]),
      sample(h(5, 6, 7, 7), 0, h(0, 1, 1, 1)),
    );
    expect(later.models[0]).toEqual({
      name: 'simple',
      version: '1',
      requests: 0,
      pending: 0,
      batches: [],
    });
  });

  it('leaves percentiles and queue depth out without metrics, keeping the batch sizes', () => {
    const w = new LiveWindow(5);
    w.push(0, stats(0, []));
    const f = w.push(
      1000,
      stats(3, [
        [2, 1],
        [1, 1],
      ]),
    );
    expect(f.models).toEqual([
      {
        name: 'simple',
        version: '1',
        requests: 3,
        batches: [
          { size: 1, count: 1 },
          { size: 2, count: 1 },
        ],
      },
    ]);
    expect(f.steps).toEqual([]);
  });

  it('refuses a size that is not a positive integer, naming it', () => {
    expect(() => new LiveWindow(0)).toThrow(
      /size of the live window must be a positive integer, got 0/,
    );
  });
});
