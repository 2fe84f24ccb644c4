/**
 * The two searches of `braid analyze` over a grid of settings: brute force (every point) and
 * quick (steepest-ascent hill climbing from a start point, one step along one setting at a
 * time). Pure apart from the injected evaluation, so they are tested on synthetic landscapes.
 *
 * @module
 */

/** How good a point is: feasible points (within every constraint) beat all others; then higher value wins. */
export interface Score {
  readonly feasible: boolean;
  readonly value: number;
}

/** A point of the grid: one index per setting. */
export type GridPoint = readonly number[];

/** Every point evaluated, in order, and the best. */
export interface SearchResult {
  readonly best: GridPoint;
  readonly bestScore: Score;
  readonly evaluated: readonly { readonly point: GridPoint; readonly score: Score }[];
}

/** Evaluates one point (measures the candidate it stands for). */
export type Evaluate = (point: GridPoint) => Promise<Score>;

/**
 * Whether `a` is strictly better than `b`.
 *
 * @example
 * isBetter({ feasible: true, value: 1 }, { feasible: false, value: 9 }); // true
 */
export function isBetter(a: Score, b: Score): boolean {
  if (a.feasible !== b.feasible) return a.feasible;
  return a.value > b.value;
}

/** Evaluates each point once, whatever the search asks, and keeps the order. */
function memo(evaluate: Evaluate) {
  const seen = new Map<string, Score>();
  const evaluated: { point: GridPoint; score: Score }[] = [];
  let best: { point: GridPoint; score: Score } | undefined;
  const run = async (point: GridPoint): Promise<Score> => {
    const key = point.join(',');
    const known = seen.get(key);
    if (known) return known;
    const score = await evaluate(point);
    seen.set(key, score);
    evaluated.push({ point, score });
    if (!best || isBetter(score, best.score)) best = { point, score };
    return score;
  };
  const result = (): SearchResult => {
    if (!best) throw new RangeError('search: the grid has no points');
    return { best: best.point, bestScore: best.score, evaluated };
  };
  return { run, result };
}

/**
 * Every point of the grid, the first setting varying slowest.
 *
 * @example
 * gridPoints([2, 2]); // [[0,0], [0,1], [1,0], [1,1]]
 */
export function gridPoints(sizes: readonly number[]): GridPoint[] {
  let points: number[][] = [[]];
  for (const size of sizes)
    points = points.flatMap(p => Array.from({ length: size }, (_, i) => [...p, i]));
  return sizes.some(s => s < 1) ? [] : points;
}

/**
 * The points one step away from `p` along one setting.
 *
 * @example
 * neighbours([1, 0], [3, 2]); // [[0,0], [2,0], [1,1]]
 */
export function neighbours(p: GridPoint, sizes: readonly number[]): GridPoint[] {
  const out: GridPoint[] = [];
  for (let d = 0; d < sizes.length; d++) {
    for (const step of [-1, 1]) {
      const v = p[d]! + step;
      if (v >= 0 && v < sizes[d]!) out.push(p.map((x, i) => (i === d ? v : x)));
    }
  }
  return out;
}

/**
 * Evaluates every point of the grid and returns the best.
 *
 * @example
 * const r = await bruteSearch([3, 2], async p => ({ feasible: true, value: -p[0]! }));
 */
export async function bruteSearch(
  sizes: readonly number[],
  evaluate: Evaluate,
): Promise<SearchResult> {
  const m = memo(evaluate);
  for (const p of gridPoints(sizes)) await m.run(p);
  return m.result();
}

/**
 * Hill climbing: from `start`, evaluates every neighbour and moves to the best one while it is
 * better than the current point; stops at a point no neighbour improves on.
 *
 * @example
 * const r = await quickSearch([5, 5], [0, 0], async p => ({ feasible: true, value: -Math.abs(p[0]! - 3) }));
 * r.best; // [3, 0]
 */
export async function quickSearch(
  sizes: readonly number[],
  start: GridPoint,
  evaluate: Evaluate,
): Promise<SearchResult> {
  const m = memo(evaluate);
  let current = start;
  let score = await m.run(current);
  for (;;) {
    let step: { point: GridPoint; score: Score } | undefined;
    for (const n of neighbours(current, sizes)) {
      const s = await m.run(n);
      if (isBetter(s, step?.score ?? score)) step = { point: n, score: s };
    }
    if (!step) return m.result();
    current = step.point;
    score = step.score;
  }
}
