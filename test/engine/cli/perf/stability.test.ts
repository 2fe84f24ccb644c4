import { describe, expect, it } from 'vitest';
import { isStable, withinTolerance } from '../../../../engine/cli/perf/stability.js';

const w = (throughput: number, latency: number) => ({ throughput, latency });

describe('withinTolerance', () => {
  it('accepts values within the fraction of their mean, on both sides', () => {
    expect(withinTolerance([100, 110, 90], 0.1)).toBe(true);
    expect(withinTolerance([100, 112, 88], 0.1)).toBe(false);
    expect(withinTolerance([0, 0, 0], 0.1)).toBe(true);
    expect(withinTolerance([1, NaN, 1], 0.1)).toBe(false);
    expect(withinTolerance([], 0.1)).toBe(false);
  });
});

describe('isStable', () => {
  it('needs three windows', () => {
    expect(isStable([w(100, 1), w(100, 1)], 0.1)).toBe(false);
    expect(isStable([w(100, 1), w(100, 1), w(100, 1)], 0.1)).toBe(true);
  });

  it('looks only at the last three windows', () => {
    expect(isStable([w(10, 9), w(100, 1), w(102, 1.05), w(98, 0.97)], 0.1)).toBe(true);
    expect(isStable([w(100, 1), w(102, 1.05), w(98, 0.97), w(10, 9)], 0.1)).toBe(false);
  });

  it('requires throughput and latency to settle, each on its own', () => {
    expect(isStable([w(100, 1), w(130, 1), w(100, 1)], 0.1)).toBe(false);
    expect(isStable([w(100, 1), w(100, 1.3), w(100, 1)], 0.1)).toBe(false);
    expect(isStable([w(100, 1), w(130, 1), w(100, 1)], 0.2)).toBe(true);
  });

  it('never calls windows without completed requests stable', () => {
    expect(isStable([w(0, NaN), w(0, NaN), w(0, NaN)], 0.1)).toBe(false);
  });
});
