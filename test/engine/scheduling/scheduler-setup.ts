/**
 * A scheduler as the engine makes it (createScheduler), over fake instances that the test
 * settles by hand, on a simulated clock.
 *
 * @module
 */
import { SimulatedClock } from '../../../engine/core/clock.js';
import { InMemoryLogger } from '../../../engine/core/logger.js';
import type { ModelConfigInput } from '../../../engine/core/model-config.js';
import { createScheduler } from '../../../engine/scheduling/create-scheduler.js';
import { StatsRecorder } from '../../../engine/scheduling/stats.js';
import { config, FakeInstance } from './fake-instance.js';

/** A config's `dynamic_batching`. */
export type Batching = NonNullable<ModelConfigInput['dynamic_batching']>;

/**
 * Model `m` version 1 with `batching` (`undefined`: no dynamic batching), `opts.instances` fake
 * instances (default 1) and `opts.config` on top of the test config.
 *
 * @example
 * const { s, inst, clock } = schedulerSetup({ max_queue_delay_microseconds: 100 });
 */
export function schedulerSetup(
  batching: Batching | undefined,
  opts: { readonly instances?: number; readonly config?: Partial<ModelConfigInput> } = {},
) {
  const clock = new SimulatedClock();
  const stats = new StatsRecorder('m', '1');
  const logger = new InMemoryLogger();
  const instances = Array.from({ length: opts.instances ?? 1 }, () => new FakeInstance());
  const over = opts.config ?? {};
  const cfg = config(batching ? { ...over, dynamic_batching: batching } : over);
  const s = createScheduler({
    modelName: 'm',
    version: '1',
    config: cfg,
    instances,
    clock,
    stats,
    logger,
  });
  return { clock, stats, logger, instances, inst: instances[0]!, s };
}
