import type { ModelInstance } from '../core/backend.js';
import type { ModelConfig } from '../core/model-config.js';
import type { Scheduler } from '../scheduling/scheduler.js';
import type { StatsRecorder } from '../scheduling/stats.js';

/** A model version that finished loading: its completed config, instances and scheduler. */
export interface LoadedVersion {
  readonly name: string;
  readonly version: number;
  readonly config: ModelConfig;
  readonly scheduler: Scheduler;
  readonly stats: StatsRecorder;
  /** Waits for accepted requests to finish, then disposes the instances. Idempotent. */
  unload(): Promise<void>;
}

/**
 * Bundles a scheduler and its instances into a {@link LoadedVersion}.
 *
 * @example
 * const v = createLoadedVersion({ name: 'simple', version: 1, config, scheduler, stats, instances });
 * await v.unload();
 */
export function createLoadedVersion(parts: {
  name: string;
  version: number;
  config: ModelConfig;
  scheduler: Scheduler;
  stats: StatsRecorder;
  instances: readonly ModelInstance[];
}): LoadedVersion {
  let unloading: Promise<void> | undefined;
  return {
    name: parts.name,
    version: parts.version,
    config: parts.config,
    scheduler: parts.scheduler,
    stats: parts.stats,
    unload() {
      unloading ??= (async () => {
        await parts.scheduler.drain();
        await Promise.allSettled(parts.instances.map(i => i.dispose()));
      })();
      return unloading;
    },
  };
}
