/**
 * @module What the engine adds to every version it loads: the load timed and registered with the
 * metrics, and the unload logged with its duration and retired from the metrics.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { InferenceMetrics, VersionMetrics } from '../core/telemetry.js';
import type { LoadPlan } from '../lifecycle/model-registry.js';
import type { LoadedVersion } from './loaded-version.js';

/** Where loads are timed, logged and exported. */
export interface LoadObserver {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: InferenceMetrics;
}

/**
 * `plan`, with each version's load timed and registered with the metrics, and its unload logged.
 *
 * @example
 * await registry.load(name, observeLoad(observer, await planModelLoad(model, loader)));
 */
export function observeLoad(
  o: LoadObserver,
  plan: LoadPlan<LoadedVersion>,
): LoadPlan<LoadedVersion> {
  if ('error' in plan) return plan;
  const loadVersion = async (v: number, signal: AbortSignal): Promise<LoadedVersion> => {
    const t0 = o.clock.now();
    return register(o, await plan.loadVersion(v, signal), t0);
  };
  return { versions: plan.versions, loadVersion };
}

function register(o: LoadObserver, lv: LoadedVersion, loadStart: number): LoadedVersion {
  const { name, stats, scheduler } = lv;
  const metrics = o.metrics.registerVersion({
    model: name,
    version: String(lv.version),
    tags: lv.config.metric_tags,
    loadSeconds: (o.clock.now() - loadStart) / 1000,
    ...(lv.cached ? { cached: true } : {}),
    counters: () => {
      const { pending, inflight } = scheduler.stats();
      return { stats: stats.snapshot(), failures: stats.failures(), pending, inflight };
    },
  });
  stats.observe(metrics);
  let unloading: Promise<void> | undefined;
  return { ...lv, unload: () => (unloading ??= unloadVersion(o, lv, metrics)) };
}

async function unloadVersion(
  o: LoadObserver,
  lv: LoadedVersion,
  metrics: VersionMetrics,
): Promise<void> {
  const t0 = o.clock.now();
  try {
    await lv.unload();
  } finally {
    metrics.retire();
    const fields = {
      model: lv.name,
      version: lv.version,
      duration_ms: Math.round(o.clock.now() - t0),
    };
    o.logger.log('info', 'model version unloaded', fields);
  }
}
