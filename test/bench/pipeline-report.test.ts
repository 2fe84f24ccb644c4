import { describe, expect, it } from 'vitest';
import type { CaseResult } from './bench-case.js';
import type { StatsDelta } from '../../engine/cli/perf/server-stats.js';
import type { Level, Measured } from './pipeline-report.js';
import {
  formatOcr,
  formatPipelineReport,
  pipelineOverhead,
  summarizeLevels,
} from './pipeline-report.js';

function stats(count: number, successUs: number, computeUs: number): StatsDelta {
  const ns = (us: number) => us * count * 1000;
  return {
    inferenceCount: count,
    executionCount: count,
    successCount: count,
    successNs: ns(successUs),
    failCount: 0,
    queueCount: count,
    queueNs: ns(1),
    computeInputNs: ns(computeUs / 4),
    computeInferNs: ns(computeUs / 2),
    computeOutputNs: ns(computeUs / 4),
    computeCount: count,
    batches: new Map(),
    averageBatch: 1,
    queueUsPerRequest: 1,
    computeInferUsPerExecution: computeUs / 2,
  };
}

function measured(
  throughput: number,
  meanMs: number,
  pipeline?: StatsDelta,
  steps: StatsDelta[] = [],
): Measured {
  const result = {
    name: 'case',
    concurrency: 1,
    requests: 100,
    errors: { count: 0, messages: [] },
    durationS: 1,
    throughput,
    mean: meanMs,
    p50: meanMs,
    p90: meanMs,
    p95: meanMs,
    p99: meanMs,
    sent: 100,
    clientCpuUsPerRequest: 10,
    serverCpuUsPerRequest: 100,
    serverMainThreadUsPerRequest: 80,
    ...(pipeline ? { serverStats: pipeline } : {}),
  } satisfies CaseResult;
  return { throughput, result, steps };
}

// Four steps of 50 µs requests, 20 µs of which compute, in a pipeline request of 400 µs.
const steps = Array.from({ length: 4 }, () => stats(1000, 50, 20));
const pipeline = measured(2000, 0.6, stats(1000, 400, 0), steps);

describe('pipelineOverhead', () => {
  it('splits the pipeline server time into step requests, compute and the rest', () => {
    const o = pipelineOverhead(pipeline);
    expect(o.pipelineUs).toBeCloseTo(400, 9);
    expect(o.stepRequestUs).toEqual([50, 50, 50, 50]);
    expect(o.stepComputeUs).toEqual([20, 20, 20, 20]);
    expect(o.perStepVsRequestsUs).toBeCloseTo(50, 9); // (400 - 200) / 4
    expect(o.perStepVsComputeUs).toBeCloseTo(80, 9); // (400 - 80) / 4
    expect(o.perStepClientVsComputeUs).toBeCloseTo(130, 9); // (600 - 80) / 4
    expect(o.countsMatch).toBe(true);
  });

  it('notices step models that served a different number of requests', () => {
    const uneven = measured(1, 1, stats(1000, 400, 0), [stats(999, 50, 20)]);
    expect(pipelineOverhead(uneven).countsMatch).toBe(false);
  });
});

describe('summarizeLevels', () => {
  const chainAt = (throughput: number) => measured(throughput, 1);

  it('judges the overhead at the first level and the ratio at the last', () => {
    const levels: Level[] = [
      { pipeline, chain: chainAt(1000) },
      { pipeline: measured(5000, 1), chain: chainAt(2000) },
    ];
    const s = summarizeLevels(levels);
    expect(s.ratios).toEqual([2, 2.5]);
    expect(s.overheadMet).toBe(true); // exactly 50 µs per step
    expect(s.ratioMet).toBe(true);
    const slower = { pipeline: measured(3000, 1), chain: chainAt(2000) };
    const missed = summarizeLevels([levels[0]!, slower]);
    expect(missed.ratioMet).toBe(false);
  });

  it('prints both verdicts and the OCR line in the report', () => {
    const levels: Level[] = [
      { pipeline, chain: chainAt(1000) },
      { pipeline: measured(3000, 1), chain: chainAt(2000) },
    ];
    const text = formatPipelineReport(levels, { available: false, reason: 'no ocr' }, 0);
    expect(text).toContain('/ 4: 50.0 µs  (target <= 50 µs: MET)');
    expect(text).toContain('2.00x at 1, 1.50x at 32  (target >= 2x at 32: MISSED)');
    expect(text).toContain('OCR: not available (no ocr)');
  });
});

describe('formatOcr', () => {
  it('gives images/s and latency', () => {
    const ocr = { available: true, concurrency: 8, images: ['a.png'], imagesPerS: 31.62 } as const;
    expect(formatOcr({ ...ocr, p50: 221.1, p99: 488.3 })).toBe(
      'OCR: 31.6 images/s at concurrency 8 (p50 221.1 ms, p99 488.3 ms; images a.png)',
    );
  });
});
