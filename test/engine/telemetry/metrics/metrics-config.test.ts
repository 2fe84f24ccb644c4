import { describe, expect, it } from 'vitest';
import {
  DEFAULT_METRICS_CONFIG,
  parseMetricsConfig,
} from '../../../../engine/telemetry/metrics/metrics-config.js';

describe('parseMetricsConfig', () => {
  it("keeps Triton's defaults when nothing is given", () => {
    expect(parseMetricsConfig([])).toEqual(DEFAULT_METRICS_CONFIG);
    expect(DEFAULT_METRICS_CONFIG).toMatchObject({
      counterLatencies: true,
      summaryLatencies: false,
      summaryQuantiles: [0.5, 0.9, 0.95, 0.99, 0.999],
    });
  });

  it('reads the latency families, quantiles and bucket bounds', () => {
    const c = parseMetricsConfig([
      'summary_latencies=true',
      'counter_latencies=false',
      'summary_quantiles="0.5:0.05,0.99:0.001"',
      ',braid_latency_buckets=0.01,0.1,1',
      'braid_batch_size_buckets=1,4,16',
    ]);
    expect(c).toEqual({
      counterLatencies: false,
      summaryLatencies: true,
      summaryQuantiles: [0.5, 0.99],
      latencyBuckets: [0.01, 0.1, 1],
      batchSizeBuckets: [1, 4, 16],
    });
  });

  it.each([
    ['summary_latency=true', /key one of counter_latencies, summary_latencies/],
    ['summary_latencies', /expected key=value/],
    ['summary_latencies=yes', /expected true or false/],
    ['summary_quantiles=1.5:0.1', /0 < q < 1/],
    ['braid_latency_buckets=0.1,0.01', /increasing positive bucket bounds/],
    ['braid_batch_size_buckets=0,1', /increasing positive bucket bounds/],
  ])('rejects %s naming it', (entry, message) => {
    expect(() => parseMetricsConfig([entry])).toThrow(
      expect.objectContaining({ code: 'INVALID_ARG', message: expect.stringMatching(message) }),
    );
    expect(() => parseMetricsConfig([entry])).toThrow(entry);
  });
});
