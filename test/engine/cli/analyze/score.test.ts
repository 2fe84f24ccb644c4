import { describe, expect, it } from 'vitest';
import { scoreCandidate, violation } from '../../../../engine/cli/analyze/score.js';

const curve = [
  { concurrency: 1, throughput: 500, p99Ms: 2 },
  { concurrency: 4, throughput: 1800, p99Ms: 4 },
  { concurrency: 16, throughput: 2600, p99Ms: 9 },
];

describe('scoreCandidate', () => {
  it('takes the highest throughput within the latency budget', () => {
    expect(scoreCandidate(curve, 'throughput', { latencyBudgetMs: 5 })).toEqual({
      feasible: true,
      value: 1800,
      point: curve[1],
    });
    expect(scoreCandidate(curve, 'throughput', {})).toMatchObject({ value: 2600, point: curve[2] });
  });

  it('takes the lowest p99 above the minimum throughput for the latency objective', () => {
    expect(scoreCandidate(curve, 'latency', { minThroughput: 1000 })).toEqual({
      feasible: true,
      value: -4,
      point: curve[1],
    });
  });

  it('scores a candidate that meets no constraint by its nearest point, so closer is better', () => {
    const tight = scoreCandidate(curve, 'throughput', { latencyBudgetMs: 1 });
    expect(tight).toEqual({ feasible: false, value: -1, point: curve[0] });
    const slower = scoreCandidate([{ concurrency: 1, throughput: 500, p99Ms: 3 }], 'throughput', {
      latencyBudgetMs: 1,
    });
    expect(slower.value).toBeLessThan(tight.value);
  });

  it('gives a candidate without valid points minus infinity', () => {
    expect(scoreCandidate([], 'throughput', {}).value).toBe(-Infinity);
    expect(
      scoreCandidate([{ concurrency: 1, throughput: 0, p99Ms: NaN }], 'latency', {}).feasible,
    ).toBe(false);
  });
});

describe('violation', () => {
  it('is the worst relative miss over both constraints', () => {
    const p = { concurrency: 1, throughput: 500, p99Ms: 6 };
    expect(violation(p, { latencyBudgetMs: 5, minThroughput: 1000 })).toBeCloseTo(1, 9);
    expect(violation(p, { latencyBudgetMs: 6 })).toBe(0);
  });
});
