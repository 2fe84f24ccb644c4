/**
 * Latency statistics of a sample: nearest-rank percentiles and the mean, as perf_analyzer
 * reports them.
 *
 * @module
 */

/** Latency summary of a sample, in the sample's unit. */
export interface LatencySummary {
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
}

/**
 * The nearest-rank percentile `p` (0–100] of an ascending sample: the smallest value with at
 * least p % of the sample at or below it. NaN for an empty sample.
 *
 * @example
 * percentile(Float64Array.of(1, 2, 3, 4), 50); // 2
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.min(n - 1, Math.max(0, rank - 1))]!;
}

/**
 * Percentiles and the mean of the first `n` values of `values` (which is left untouched). An
 * empty sample gives NaN everywhere.
 *
 * @example
 * summarize(Float64Array.of(3, 1, 2)); // { mean: 2, p50: 2, p90: 3, p95: 3, p99: 3 }
 */
export function summarize(values: Float64Array, n: number = values.length): LatencySummary {
  if (n === 0) return { mean: NaN, p50: NaN, p90: NaN, p95: NaN, p99: NaN };
  const sorted = values.slice(0, n).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  return {
    mean: sum / n,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

/**
 * One array holding every sample of `parts`, in order (to summarize several windows as one).
 *
 * @example
 * concatSamples([Float64Array.of(1), Float64Array.of(2, 3)]); // Float64Array [1, 2, 3]
 */
export function concatSamples(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
