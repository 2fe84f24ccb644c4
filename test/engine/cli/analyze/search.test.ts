import { describe, expect, it } from 'vitest';
import {
  bruteSearch,
  gridPoints,
  isBetter,
  neighbours,
  quickSearch,
} from '../../../../engine/cli/analyze/search.js';
import type { GridPoint, Score } from '../../../../engine/cli/analyze/search.js';

/**
 * A synthetic tuning landscape over (max batch index, delay index, instances index): throughput
 * rises with batch and delay until latency passes a budget, instances help a little. Unimodal
 * in the feasible region, like the real one on a quiet machine.
 */
function landscape(p: GridPoint): Score {
  const [batch, delay, inst] = p as [number, number, number];
  const throughput = 100 * (1 + batch) * (1 + 0.5 * delay) * (1 + 0.2 * inst) - 40 * inst * inst;
  const latency = 1 + batch * 0.8 + delay * 1.5 + (inst > 1 ? 1 : 0);
  const budget = 6;
  return latency <= budget
    ? { feasible: true, value: throughput }
    : { feasible: false, value: -(latency / budget - 1) };
}

const SIZES = [5, 4, 3];

function counting(f: (p: GridPoint) => Score) {
  const calls: string[] = [];
  return { calls, evaluate: async (p: GridPoint) => (calls.push(p.join(',')), f(p)) };
}

describe('grid helpers', () => {
  it('enumerates the grid, first setting slowest', () => {
    expect(gridPoints([2, 3])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    expect(gridPoints([2, 0])).toEqual([]);
  });

  it('lists neighbours one step along one setting, inside the grid', () => {
    expect(neighbours([0, 2], [3, 3])).toEqual([
      [1, 2],
      [0, 1],
    ]);
    expect(neighbours([1, 1], [3, 3])).toHaveLength(4);
  });

  it('ranks feasible above infeasible, then by value', () => {
    expect(isBetter({ feasible: true, value: 1 }, { feasible: false, value: 100 })).toBe(true);
    expect(isBetter({ feasible: false, value: -0.1 }, { feasible: false, value: -0.5 })).toBe(true);
    expect(isBetter({ feasible: true, value: 5 }, { feasible: true, value: 5 })).toBe(false);
  });
});

describe('bruteSearch', () => {
  it('evaluates every point once and returns the best', async () => {
    const { calls, evaluate } = counting(landscape);
    const r = await bruteSearch(SIZES, evaluate);
    expect(calls).toHaveLength(5 * 4 * 3);
    expect(new Set(calls).size).toBe(calls.length);
    const best = gridPoints(SIZES).reduce((a, b) => (isBetter(landscape(b), landscape(a)) ? b : a));
    expect(r.best).toEqual(best);
    expect(r.bestScore.feasible).toBe(true);
  });
});

describe('quickSearch', () => {
  it.each([
    ['the smallest settings', [0, 0, 0]],
    ['the middle', [2, 1, 1]],
    ['an infeasible corner', [4, 3, 2]],
  ])('finds the brute-force optimum from %s while evaluating fewer points', async (_, start) => {
    const brute = await bruteSearch(SIZES, async p => landscape(p));
    const { calls, evaluate } = counting(landscape);
    const quick = await quickSearch(SIZES, start, evaluate);
    expect(quick.best).toEqual(brute.best);
    expect(quick.bestScore).toEqual(brute.bestScore);
    expect(new Set(calls).size).toBe(calls.length);
    expect(calls.length).toBeLessThan(brute.evaluated.length / 2);
    expect(calls[0]).toBe(start.join(','));
  });

  it('stops at the start when no neighbour improves on it', async () => {
    const peak = [1, 1];
    const r = await quickSearch([3, 3], peak, async p => ({
      feasible: true,
      value: -Math.abs(p[0]! - 1) - Math.abs(p[1]! - 1),
    }));
    expect(r.best).toEqual(peak);
    expect(r.evaluated).toHaveLength(5);
  });
});
