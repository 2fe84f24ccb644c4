/**
 * @module A request served through the response cache: a hit answers without executing, a miss
 * runs the scheduler and keeps its response. Triton's statistics: the lookup of a hit counts as
 * `cache_hit`, the lookup and insertion of a miss as `cache_miss`.
 */
import type { Clock } from '../core/clock.js';
import type { Mutable } from '../core/mutable.js';
import type { InferResponse } from '../core/request.js';
import type { ScheduledRequest, Scheduler } from '../core/scheduler.js';
import type { StatsRecorder } from '../scheduling/stats.js';
import { responseCacheKey, type ResponseCache } from './response-cache.js';

/** What {@link runCached} needs of a loaded version. */
export interface CachedVersion {
  readonly name: string;
  readonly version: number;
  readonly scheduler: Scheduler;
  readonly stats: StatsRecorder;
  readonly clock: Clock;
}

/**
 * Runs `req` on `v` through `cache`. A hit is an event `CACHE_HIT` on the request's span and
 * never reaches the scheduler; only successful responses are kept.
 *
 * @example
 * const res = await runCached(version, cache, scheduledRequest);
 */
export async function runCached(
  v: CachedVersion,
  cache: ResponseCache,
  req: ScheduledRequest,
): Promise<InferResponse> {
  const start = v.clock.now();
  const key = responseCacheKey({
    model: v.name,
    version: v.version,
    inputs: req.inputs,
    ...(req.outputs ? { outputs: req.outputs } : {}),
    ...(req.parameters ? { parameters: req.parameters } : {}),
  });
  const hit = cache.get(key);
  const looked = v.clock.now();
  if (hit) {
    v.stats.cacheHit((looked - start) * 1e6);
    req.trace?.setAttributes({ 'braid.cache': 'hit' });
    req.trace?.event('CACHE_HIT', looked);
    const res: Mutable<InferResponse> = {
      modelName: v.name,
      modelVersion: String(v.version),
      outputs: hit.outputs,
    };
    if (req.id) res.id = req.id;
    if (hit.parameters) res.parameters = hit.parameters;
    return res;
  }
  req.trace?.setAttributes({ 'braid.cache': 'miss' });
  const res = await v.scheduler.run(req);
  const inserting = v.clock.now();
  cache.set(
    key,
    res.parameters
      ? { outputs: res.outputs, parameters: res.parameters }
      : { outputs: res.outputs },
  );
  v.stats.cacheMiss((looked - start + v.clock.now() - inserting) * 1e6);
  return res;
}
