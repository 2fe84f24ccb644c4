/**
 * When a load level's measurement is stable: perf_analyzer's rule, the last three windows
 * agreeing within a tolerance on both throughput and latency.
 *
 * @module
 */

/** The two figures of one measurement window that must settle. */
export interface WindowFigures {
  /** Requests per second completed in the window. */
  readonly throughput: number;
  /** The latency the stability rule watches (the mean, or the chosen percentile), in ms. */
  readonly latency: number;
}

/** How many trailing windows must agree. */
export const STABLE_WINDOWS = 3;

/**
 * Whether every value lies within `tolerance` (a fraction, 0.1 for 10 %) of the values' mean.
 * A set containing a non-finite value, or with a mean of 0, is not within anything.
 *
 * @example
 * withinTolerance([100, 105, 95], 0.1); // true
 */
export function withinTolerance(values: readonly number[], tolerance: number): boolean {
  if (values.length === 0 || values.some(v => !Number.isFinite(v))) return false;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (mean === 0) return values.every(v => v === 0);
  return values.every(v => Math.abs(v - mean) <= tolerance * Math.abs(mean));
}

/**
 * Whether the last {@link STABLE_WINDOWS} windows agree within `tolerance` on throughput and on
 * latency. Fewer windows are never stable.
 *
 * @example
 * isStable([{ throughput: 990, latency: 2.1 }, ...twoMore], 0.1);
 */
export function isStable(windows: readonly WindowFigures[], tolerance: number): boolean {
  if (windows.length < STABLE_WINDOWS) return false;
  const last = windows.slice(-STABLE_WINDOWS);
  return (
    withinTolerance(
      last.map(w => w.throughput),
      tolerance,
    ) &&
    withinTolerance(
      last.map(w => w.latency),
      tolerance,
    )
  );
}
