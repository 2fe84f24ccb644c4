import type { ModelInstance } from '../core/backend.js';
import type { ReentrantInstance } from '../core/reentrant.js';
import type { DirectScheduler } from '../scheduling/direct-scheduler.js';
import type { ModelConfig } from '../core/model-config.js';
import type { Scheduler } from '../scheduling/scheduler.js';
import type { StatsRecorder } from '../scheduling/stats.js';
import type { OutputLabels } from './classification.js';

/** A model version that finished loading: its completed config, instances and scheduler. */
export interface LoadedVersion {
  readonly name: string;
  readonly version: number;
  readonly config: ModelConfig;
  readonly scheduler: Scheduler;
  readonly stats: StatsRecorder;
  /** The labels of outputs with a `label_filename`, for classification. */
  readonly labels?: OutputLabels;
  /** Set for a reentrant model (a pipeline): requests go straight to its one instance. */
  readonly direct?: { readonly scheduler: DirectScheduler; readonly instance: ReentrantInstance };
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
  direct?: LoadedVersion['direct'];
}): LoadedVersion {
  let unloading: Promise<void> | undefined;
  return {
    name: parts.name,
    version: parts.version,
    config: parts.config,
    scheduler: parts.scheduler,
    stats: parts.stats,
    ...(parts.direct ? { direct: parts.direct } : {}),
    unload() {
      unloading ??= (async () => {
        await parts.scheduler.drain();
        await Promise.allSettled(parts.instances.map(i => i.dispose()));
      })();
      return unloading;
    },
  };
}
