import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../../engine/telemetry/metrics/metrics.js';
import { parseMetricsConfig } from '../../../../engine/telemetry/metrics/metrics-config.js';
import { QUIET, version } from './metrics-fixtures.js';

describe('BraidMetrics.liveSample (the console feed)', () => {
  it('reads each version’s latency buckets and pending count, and each step’s duration buckets', async () => {
    const metrics = createMetrics({
      ...QUIET,
      config: parseMetricsConfig(['braid_latency_buckets=0.001,0.01']),
    });
    const { stats, source } = version('simple', '1', {}, 4);
    stats.observe(metrics.registerVersion(source));
    stats.request(true, 500_000, 0);
    stats.request(true, 5_000_000, 0);
    metrics.pipelineStep({
      pipeline: 'ocr',
      step: 'detect',
      outcome: 'ran',
      retries: 0,
      seconds: 0.02,
    });
    metrics.pipelineStep({
      pipeline: 'ocr',
      step: 'skip',
      outcome: 'skipped',
      retries: 0,
      seconds: 0,
    });
    const live = await metrics.liveSample();
    expect(live.models).toEqual([
      {
        name: 'simple',
        version: '1',
        pending: 4,
        latency: [
          { le: 0.001, count: 1 },
          { le: 0.01, count: 2 },
          { le: Infinity, count: 2 },
        ],
      },
    ]);
    expect(live.steps).toEqual([
      {
        pipeline: 'ocr',
        step: 'detect',
        duration: [
          { le: 0.001, count: 0 },
          { le: 0.01, count: 0 },
          { le: Infinity, count: 1 },
        ],
      },
    ]);
  });
});

/** Registers `v` as a version that may use the response cache. */
