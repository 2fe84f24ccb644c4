import { describe, expect, it } from 'vitest';
import { serverBreakdown } from '../../../../engine/cli/perf/breakdown.js';
import { diffStats, parseStats, statsPath } from '../../../../engine/cli/perf/server-stats.js';

const d = (count: number, us: number) => ({ count, ns: us * 1000 });
const zero = { count: 0, ns: 0 };

/**
 * Two batch-1 requests merged into one execution of 1000 µs: 1500 µs each in the server, 300 µs
 * of it queued. `perRequestCompute` is how Triton counts compute (once per request); Braid
 * counts it once per execution. batch_stats are the same in both.
 */
function statsJson(perRequestCompute: boolean, scale = 1) {
  const n = perRequestCompute ? 2 * scale : scale;
  return {
    model_stats: [
      {
        name: 'm',
        version: '1',
        inference_count: 2 * scale,
        execution_count: scale,
        inference_stats: {
          success: d(2 * scale, 3000 * scale),
          fail: zero,
          queue: d(2 * scale, 600 * scale),
          compute_input: d(n, 50 * n),
          compute_infer: d(n, 1000 * n),
          compute_output: d(n, 20 * n),
        },
        batch_stats: [
          {
            batch_size: 2,
            compute_input: d(scale, 50 * scale),
            compute_infer: d(scale, 1000 * scale),
            compute_output: d(scale, 20 * scale),
          },
        ],
      },
    ],
  };
}

describe('parseStats and diffStats', () => {
  it('sums versions and differences every counter, batch statistics by size', () => {
    const v = (inferences: number) => ({
      inference_count: inferences,
      execution_count: 1,
      inference_stats: { success: d(inferences, 10) },
    });
    const before = parseStats({ model_stats: [v(1), v(2)] }, 'm');
    expect(before.inferenceCount).toBe(3);
    expect(before.successNs).toBe(20_000);
    const after = parseStats(statsJson(false, 3), 'm');
    const delta = diffStats(parseStats(statsJson(false, 1), 'm'), after);
    expect(delta.successCount).toBe(4);
    expect(delta.executionCount).toBe(2);
    expect(delta.averageBatch).toBe(2);
    expect(delta.batches.get(2)).toEqual({
      executions: 2,
      computeInputNs: 100_000,
      computeInferNs: 2_000_000,
      computeOutputNs: 40_000,
    });
    expect(delta.queueUsPerRequest).toBe(300);
  });

  it('refuses a body that is not a statistics response, naming the model', () => {
    expect(() => parseStats({ error: 'nope' }, 'simple')).toThrow("statistics of model 'simple'");
  });

  it('builds the model and version paths', () => {
    expect(statsPath('a b')).toBe('/v2/models/a%20b/stats');
    expect(statsPath('m', '2')).toBe('/v2/models/m/versions/2/stats');
  });
});

describe('serverBreakdown', () => {
  it.each([
    ['per execution (Braid)', false],
    ['per request (Triton)', true],
  ])(
    'gives per-request phases from batch statistics when compute is counted %s',
    (_, perRequest) => {
      const empty = parseStats({ model_stats: [{}] }, 'm');
      const b = serverBreakdown(diffStats(empty, parseStats(statsJson(perRequest), 'm')))!;
      expect(b).toMatchObject({ requests: 2, inferences: 2, executions: 1, averageBatch: 2 });
      expect(b.requestUs).toBeCloseTo(1500, 9);
      expect(b.queueUs).toBeCloseTo(300, 9);
      expect(b.computeInputUs).toBeCloseTo(50, 9);
      expect(b.computeInferUs).toBeCloseTo(1000, 9);
      expect(b.computeOutputUs).toBeCloseTo(20, 9);
      expect(b.overheadUs).toBeCloseTo(130, 9);
      const sum =
        b.queueUs + b.computeInputUs + b.computeInferUs + b.computeOutputUs + b.overheadUs;
      expect(sum).toBeCloseTo(b.requestUs, 9);
    },
  );

  it('weights each execution by the inferences in it', () => {
    const json = {
      model_stats: [
        {
          inference_count: 5,
          execution_count: 2,
          inference_stats: { success: d(5, 5 * 2000), queue: d(5, 0) },
          batch_stats: [
            { batch_size: 1, compute_infer: d(1, 100) },
            { batch_size: 4, compute_infer: d(1, 1000) },
          ],
        },
      ],
    };
    const b = serverBreakdown(
      diffStats(parseStats({ model_stats: [{}] }, 'm'), parseStats(json, 'm')),
    )!;
    // One request saw 100 µs, four saw 1000 µs.
    expect(b.computeInferUs).toBeCloseTo((100 + 4 * 1000) / 5, 9);
  });

  it('falls back to the per-count mean without batch statistics, and clamps the overhead at 0', () => {
    const json = {
      model_stats: [
        {
          inference_count: 2,
          execution_count: 2,
          inference_stats: { success: d(2, 100), queue: d(2, 100), compute_infer: d(2, 200) },
        },
      ],
    };
    const b = serverBreakdown(
      diffStats(parseStats({ model_stats: [{}] }, 'm'), parseStats(json, 'm')),
    )!;
    expect(b.computeInferUs).toBe(100);
    expect(b.overheadUs).toBe(0);
  });

  it('is undefined when no request succeeded', () => {
    const s = parseStats(statsJson(false), 'm');
    expect(serverBreakdown(diffStats(s, s))).toBeUndefined();
  });
});
