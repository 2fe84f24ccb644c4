/**
 * @module Configures the sequence batcher of a model version from its `sequence_batching` block.
 */
import type { ModelInstance } from '../../core/backend.js';
import type { Clock } from '../../core/clock.js';
import { EngineError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ModelConfig } from '../../core/model-config.js';
import type { ExecutionStats, Scheduler } from '../../core/scheduler.js';
import type { SequenceBatching } from '../../core/sequence-config.js';
import { normalizePreferred } from '../batch-formation.js';
import { outputShaper } from '../outputs.js';
import { controlSpecs } from './controls.js';
import { stateSpecs } from './implicit-state.js';
import type { SlotPolicy } from './slot-formation.js';
import { SequenceScheduler } from './sequence-scheduler.js';

/** Options of {@link createSequenceScheduler}. */
export interface SequenceSchedulerConfig {
  readonly modelName: string;
  readonly version: string;
  readonly config: ModelConfig;
  readonly sequenceBatching: SequenceBatching;
  readonly instances: readonly ModelInstance[];
  readonly clock: Clock;
  readonly stats: ExecutionStats;
  readonly logger: Logger;
  /** Bytes of each `initial_state.data_file`, by the name the config gives. */
  readonly initialStateFiles?: ReadonlyMap<string, Uint8Array>;
}

/**
 * The sequence batcher of one model version, as Triton configures it: the direct strategy
 * (the default) with max_batch_size slots per instance (1 without batching), or the oldest
 * strategy with max_candidate_sequences slots per instance (default max_batch_size). Throws
 * EngineError INVALID_ARG naming the model for a config Triton refuses: dynamic_batching beside
 * sequence_batching, a decoupled model, bad controls or state.
 *
 * @example
 * const s = createSequenceScheduler({ modelName: 'simple_sequence', version: '1', config, sequenceBatching: config.sequence_batching!, instances, clock, stats, logger });
 */
export function createSequenceScheduler(o: SequenceSchedulerConfig): Scheduler {
  const { config, sequenceBatching: sb, modelName } = o;
  const where = `model '${modelName}'`;
  if (config.dynamic_batching) {
    throw new EngineError(
      'INVALID_ARG',
      `${where}: dynamic_batching and sequence_batching cannot both be set (model_config.proto's scheduling_choice holds one of them)`,
    );
  }
  if (config.model_transaction_policy.decoupled) {
    throw new EngineError(
      'INVALID_ARG',
      `${where}: a decoupled model cannot use sequence_batching in Braid`,
    );
  }
  const batching = config.max_batch_size > 0;
  const maxBatch = Math.max(1, config.max_batch_size);
  const { policy, slots } = slotPolicy(sb, maxBatch);
  return new SequenceScheduler({
    modelName,
    version: o.version,
    instances: o.instances,
    clock: o.clock,
    stats: o.stats,
    logger: o.logger,
    outputs: outputShaper(config, modelName),
    policy,
    slotsPerInstance: slots,
    batching,
    idleMs: sb.max_sequence_idle_microseconds / 1000,
    controls: controlSpecs(sb, modelName),
    states: stateSpecs(sb, modelName, batching, o.initialStateFiles ?? new Map()),
  });
}

function slotPolicy(sb: SequenceBatching, maxBatch: number): { policy: SlotPolicy; slots: number } {
  const oldest = sb.oldest;
  if (oldest) {
    return {
      policy: {
        kind: 'oldest',
        maxBatchSize: maxBatch,
        preferredSizes: normalizePreferred(oldest.preferred_batch_size, maxBatch),
        maxQueueDelayMs: oldest.max_queue_delay_microseconds / 1000,
      },
      slots: oldest.max_candidate_sequences > 0 ? oldest.max_candidate_sequences : maxBatch,
    };
  }
  const direct = sb.direct;
  return {
    policy: {
      kind: 'direct',
      slots: maxBatch,
      maxQueueDelayMs: (direct?.max_queue_delay_microseconds ?? 0) / 1000,
      minimumSlotUtilization: direct?.minimum_slot_utilization ?? 0,
    },
    slots: maxBatch,
  };
}
