/**
 * @module `--http-thread-count`: how many threads parse HTTP and run the infer codec in front
 * of the one engine (see engine/server/frontends/README.md for the measurements behind the default).
 */
import { availableParallelism } from 'node:os';
import { int } from './flag-values.js';

/** Most frontend threads the default picks, however many cores there are. */
export const MAX_DEFAULT_HTTP_THREADS = 4;

/**
 * The default for `cores` cores: one core is left to the engine thread (batching, scheduling,
 * answers) and to the backends' workers, so one or two cores keep the single loop; more cores
 * get `cores - 2` frontend threads, at most {@link MAX_DEFAULT_HTTP_THREADS}.
 *
 * @example
 * defaultHttpThreadCount(2); // 1
 * defaultHttpThreadCount(16); // 4
 */
export function defaultHttpThreadCount(cores: number): number {
  return Math.max(1, Math.min(MAX_DEFAULT_HTTP_THREADS, cores - 2));
}

/**
 * The value of `--http-thread-count`: an integer from 1, the default when absent.
 *
 * @example
 * httpThreadCount('2'); // 2
 */
export function httpThreadCount(value: string | undefined, cores = availableParallelism()): number {
  if (value === undefined) return defaultHttpThreadCount(cores);
  return int('--http-thread-count', value, 1, 64);
}
