import { describe, expect, it } from 'vitest';
import { concatSamples, percentile, summarize } from '../../../../engine/cli/perf/percentiles.js';

describe('percentile', () => {
  it('takes the nearest rank: the smallest value with at least p % at or below it', () => {
    const sorted = Float64Array.from({ length: 10 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 51)).toBe(6);
    expect(percentile(sorted, 90)).toBe(9);
    expect(percentile(sorted, 95)).toBe(10);
    expect(percentile(sorted, 100)).toBe(10);
    expect(percentile(sorted, 1)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('summarize', () => {
  it('gives nearest-rank percentiles and the mean of the first n values, leaving them unsorted', () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarize(values)).toEqual({ mean: 50.5, p50: 50, p90: 90, p95: 95, p99: 99 });
    expect(values[0]).toBe(100);
    const firstThree = summarize(Float64Array.of(5, 1, 3, 999), 3);
    expect(firstThree).toEqual({ mean: 3, p50: 3, p90: 5, p95: 5, p99: 5 });
  });

  it('gives NaN for an empty sample', () => {
    const s = summarize(new Float64Array(4), 0);
    expect([s.mean, s.p50, s.p99].every(Number.isNaN)).toBe(true);
  });

  it('sees one slow request out of a hundred only at p99 and in the mean', () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => (i === 42 ? 500 : 1));
    const s = summarize(values);
    expect([s.p50, s.p90, s.p95]).toEqual([1, 1, 1]);
    expect(s.p99).toBe(1);
    expect(s.mean).toBeCloseTo(5.99, 10);
    const twoSlow = summarize(Float64Array.from({ length: 100 }, (_, i) => (i < 2 ? 500 : 1)));
    expect(twoSlow.p99).toBe(500);
  });
});

describe('concatSamples', () => {
  it('joins windows in order', () => {
    expect(concatSamples([Float64Array.of(1), new Float64Array(0), Float64Array.of(2, 3)])).toEqual(
      Float64Array.of(1, 2, 3),
    );
  });
});
