/**
 * Send schedules for request-rate load: the gaps between consecutive sends, constant or drawn
 * from an exponential distribution (a Poisson arrival process), reproducible from a seed.
 *
 * @module
 */

/** How sends are spread over time at a given rate. */
export type RequestDistribution = 'constant' | 'poisson';

/**
 * A deterministic uniform generator in [0, 1) (mulberry32), so a Poisson schedule is the same
 * from run to run.
 *
 * @example
 * const next = seededUniform(42);
 * next(); // 0.6011037519201636
 */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A generator of gaps (ms) between sends that averages `ratePerSec` sends per second.
 *
 * @example
 * const gap = intervalGenerator(200, 'constant');
 * gap(); // 5
 */
export function intervalGenerator(
  ratePerSec: number,
  distribution: RequestDistribution,
  seed = 1,
): () => number {
  if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec)) {
    throw new RangeError(`request rate must be a positive number, got ${ratePerSec}`);
  }
  const meanMs = 1000 / ratePerSec;
  if (distribution === 'constant') return () => meanMs;
  const uniform = seededUniform(seed);
  // Inverse transform of the exponential distribution; 1 - u is in (0, 1], so the log is finite.
  return () => -Math.log(1 - uniform()) * meanMs;
}
