/**
 * @module Chooses and configures the scheduler of a model version from its config.
 */
import type { ModelInstance } from '../core/backend.js';
import type { Clock } from '../core/clock.js';
import { EngineError } from '../core/errors.js';
import { noopLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type { DynamicBatching, ModelConfig } from '../core/model-config.js';
import type { ExecutionStats, Scheduler } from '../core/scheduler.js';
import { formBatch, formSingle, normalizePreferred } from './batch-formation.js';
import type { BatchFormationPolicy } from './batch-formation.js';
import { UNBOUNDED_QUEUE } from './queue.js';
import type { QueueConfig } from './queue.js';
import { QueueScheduler } from './queue-scheduler.js';
import type { FormationFn } from './queue-scheduler.js';
import { outputShaper } from './outputs.js';
import { createSequenceScheduler } from './sequence/create-sequence-scheduler.js';

/** Options of {@link createScheduler}. */
export interface SchedulerOptions {
  readonly modelName: string;
  readonly version: string;
  /** The completed model config (defaults filled in). */
  readonly config: ModelConfig;
  /**
   * The version's instances; at least one. They run in parallel, each one batch at a time; the
   * scheduler disposes them when it stops.
   */
  readonly instances: readonly ModelInstance[];
  readonly clock: Clock;
  readonly stats: ExecutionStats;
  readonly logger?: Logger;
  /**
   * Pending requests at which a warning is logged, once until the queue next empties
   * (default 1000). The default scheduler has no queue limit, as in Triton; this keeps a
   * runaway queue visible besides the pending-count gauge.
   */
  readonly pendingWarnAt?: number;
  /** Bytes of each `sequence_batching.state.initial_state.data_file`, by the name it is given. */
  readonly initialStateFiles?: ReadonlyMap<string, Uint8Array>;
}

const DEFAULT_PENDING_WARN_AT = 1000;

/**
 * Creates the scheduler of one model version, as Triton picks it:
 * - with `dynamic_batching`, the dynamic batcher: requests are joined along axis 0 up to
 *   max_batch_size (preferred sizes, queue delay), with priority levels and queue policies.
 *   With max_batch_size 0 every request runs alone but the queue policies still apply.
 * - without it, the default scheduler: each request runs alone on the next free instance,
 *   FIFO, with no queue limit or timeout and request priority and timeout ignored.
 * - with `sequence_batching`, the sequence batcher (see createSequenceScheduler).
 * A decoupled model (model_transaction_policy.decoupled) runs each request alone, queue policies
 * kept, and sends its responses as they come (see {@link QueueSchedulerOptions.decoupled}).
 * Throws EngineError INVALID_ARG when default_priority_level lies outside [1, priority_levels],
 * or when the model is decoupled and its instances cannot send more than one response.
 *
 * @example
 * const scheduler = createScheduler({ modelName: 'simple', version: '1', config, instances, clock, stats });
 * const { outputs } = await scheduler.run({ inputs, batchSize: 4 });
 */
export function createScheduler(opts: SchedulerOptions): Scheduler {
  const { config } = opts;
  if (config.sequence_batching) {
    return createSequenceScheduler({
      ...opts,
      version: opts.version,
      logger: opts.logger ?? noopLogger,
      sequenceBatching: config.sequence_batching,
    });
  }
  const label = `model '${opts.modelName}' version ${opts.version}`;
  const db = config.dynamic_batching;
  const decoupled = config.model_transaction_policy.decoupled;
  if (decoupled && opts.instances.some(i => !i.executeDecoupled)) {
    throw new EngineError(
      'INVALID_ARG',
      `${label}: model_transaction_policy.decoupled is set, but its backend sends exactly one response per request (the js backend serves decoupled models)`,
    );
  }
  // A decoupled request's responses belong to it alone, so requests are never joined into one execution.
  const form: FormationFn =
    db && !decoupled ? batchingFormation(config.max_batch_size, db) : formSingle;
  return new QueueScheduler({
    modelName: opts.modelName,
    version: opts.version,
    instances: opts.instances,
    clock: opts.clock,
    stats: opts.stats,
    logger: opts.logger ?? noopLogger,
    outputs: outputShaper(config, opts.modelName),
    queue: db ? queueConfig(db, label) : UNBOUNDED_QUEUE,
    form,
    preserveOrdering: db?.preserve_ordering ?? false,
    pendingWarnAt: opts.pendingWarnAt ?? DEFAULT_PENDING_WARN_AT,
    decoupled,
  });
}

function batchingFormation(maxBatchSize: number, db: DynamicBatching): FormationFn {
  // Triton runs a model without a batch dimension through the batcher with batches of one.
  const max = Math.max(1, maxBatchSize);
  const policy: BatchFormationPolicy = {
    maxBatchSize: max,
    preferredSizes: normalizePreferred(db.preferred_batch_size, max),
    maxQueueDelayMs: db.max_queue_delay_microseconds / 1000,
  };
  return (candidates, state) => formBatch(candidates, policy, state);
}

/**
 * The queue settings of a `dynamic_batching` block. Throws EngineError INVALID_ARG naming the
 * model when default_priority_level is outside [1, priority_levels] with levels configured.
 *
 * @example
 * queueConfig(config.dynamic_batching, "model 'm' version 1").priorityLevels; // 3
 */
export function queueConfig(db: DynamicBatching, label: string): QueueConfig {
  const levels = db.priority_levels;
  const def = db.default_priority_level;
  if (levels > 0 && (def < 1 || def > levels)) {
    throw new EngineError(
      'INVALID_ARG',
      `${label}: dynamic_batching.default_priority_level is ${def}, expected 1 to ${levels} (priority_levels)`,
    );
  }
  return {
    priorityLevels: levels,
    defaultPriorityLevel: levels > 0 ? def : 0,
    defaultPolicy: db.default_queue_policy,
    levelPolicies: db.priority_queue_policy,
  };
}
