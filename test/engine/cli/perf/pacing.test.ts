import { describe, expect, it } from 'vitest';
import { intervalGenerator, seededUniform } from '../../../../engine/cli/perf/pacing.js';

describe('intervalGenerator', () => {
  it('spaces constant sends exactly 1/rate apart', () => {
    const gap = intervalGenerator(250, 'constant');
    expect([gap(), gap(), gap()]).toEqual([4, 4, 4]);
  });

  it('draws Poisson gaps with the right mean and spread, the same for the same seed', () => {
    const gap = intervalGenerator(1000, 'poisson', 7);
    const gaps = Array.from({ length: 20_000 }, gap);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const variance = gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / gaps.length;
    expect(mean).toBeCloseTo(1, 1);
    // An exponential distribution's standard deviation equals its mean.
    expect(Math.sqrt(variance)).toBeCloseTo(1, 1);
    expect(gaps.every(g => g >= 0 && Number.isFinite(g))).toBe(true);
    const again = intervalGenerator(1000, 'poisson', 7);
    expect([again(), again()]).toEqual(gaps.slice(0, 2));
  });

  it('refuses a rate that is not positive', () => {
    expect(() => intervalGenerator(0, 'constant')).toThrow(/positive/);
  });
});

describe('seededUniform', () => {
  it('stays in [0, 1)', () => {
    const next = seededUniform(3);
    const xs = Array.from({ length: 1000 }, next);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});
