/**
 * Scoring a candidate's measured curve under the objective and constraints, as Model Analyzer
 * does in online mode: a candidate is as good as its best operating point (load level) within
 * the latency budget (p99) and above the minimum throughput.
 *
 * @module
 */
import type { Score } from './search.js';

/** What to optimize. */
export type Objective = 'throughput' | 'latency';

/** Limits every chosen operating point must respect. */
export interface Constraints {
  /** Largest acceptable p99 client latency (ms). */
  readonly latencyBudgetMs?: number;
  /** Smallest acceptable throughput (inferences/s). */
  readonly minThroughput?: number;
}

/** One operating point of a candidate: a load level and what it achieved. */
export interface OperatingPoint {
  readonly concurrency: number;
  /** Inferences per second. */
  readonly throughput: number;
  readonly p99Ms: number;
}

/** A candidate's score and the point it was scored at. */
export interface CandidateScore extends Score {
  /** The chosen point: the best within the constraints, or the one nearest to them. */
  readonly point?: OperatingPoint;
}

/**
 * A point as text: `973.2 infer/s, p99 5.56 ms at concurrency 8`.
 *
 * @example
 * describePoint({ concurrency: 8, throughput: 973.2, p99Ms: 5.56 });
 */
export function describePoint(p: OperatingPoint): string {
  return `${p.throughput.toFixed(1)} infer/s, p99 ${p.p99Ms.toFixed(2)} ms at concurrency ${p.concurrency}`;
}

/** How far a point is from meeting the constraints: 0 when it meets them, else the worst relative miss. */
export function violation(p: OperatingPoint, c: Constraints): number {
  const latency = c.latencyBudgetMs === undefined ? 0 : p.p99Ms / c.latencyBudgetMs - 1;
  const throughput =
    c.minThroughput === undefined ? 0 : c.minThroughput / Math.max(p.throughput, 1e-9) - 1;
  return Math.max(0, latency, throughput);
}

/**
 * Scores a candidate's points. Throughput: the highest throughput among feasible points;
 * latency: the lowest p99 among them (as a negative value, so higher is better). With no
 * feasible point the score is minus the smallest violation, so a search still knows which way
 * is closer. No valid point at all (a candidate that failed) scores minus infinity.
 *
 * @example
 * scoreCandidate([{ concurrency: 8, throughput: 900, p99Ms: 4 }], 'throughput', { latencyBudgetMs: 5 });
 * // { feasible: true, value: 900, point: { concurrency: 8, ... } }
 */
export function scoreCandidate(
  points: readonly OperatingPoint[],
  objective: Objective,
  c: Constraints,
): CandidateScore {
  const valid = points.filter(
    p => Number.isFinite(p.p99Ms) && Number.isFinite(p.throughput) && p.throughput > 0,
  );
  if (valid.length === 0) return { feasible: false, value: -Infinity };
  const feasible = valid.filter(p => violation(p, c) === 0);
  if (feasible.length === 0) {
    const nearest = valid.reduce((a, b) => (violation(b, c) < violation(a, c) ? b : a));
    return { feasible: false, value: -violation(nearest, c), point: nearest };
  }
  if (objective === 'latency') {
    const best = feasible.reduce((a, b) => (b.p99Ms < a.p99Ms ? b : a));
    return { feasible: true, value: -best.p99Ms, point: best };
  }
  const best = feasible.reduce((a, b) => (b.throughput > a.throughput ? b : a));
  return { feasible: true, value: best.throughput, point: best };
}
