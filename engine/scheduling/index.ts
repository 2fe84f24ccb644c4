/**
 * @module Scheduling: the queue scheduler of a model version (the default scheduler and the
 * dynamic batcher) and the sequence batcher (sequence/), implementations of engine/core's
 * Scheduler contract; createScheduler picks one from the config.
 */
export { createScheduler, queueConfig } from './create-scheduler.js';
export type { SchedulerOptions } from './create-scheduler.js';
export { outputShaper } from './outputs.js';
export type { OutputShaper } from './outputs.js';
export { StatsRecorder } from './stats.js';
export type { BatchStats, Duration, ModelStatistics } from './stats.js';
export { formBatch, formSingle, normalizePreferred } from './batch-formation.js';
export type {
  BatchCandidate,
  BatchDecision,
  BatchFormationPolicy,
  BatchFormationState,
} from './batch-formation.js';
export { batchShapeKey, concatBatch, splitBatch } from './batch-tensors.js';
export { effectiveTimeoutUs, resolvePriorityLevel } from './queue.js';
export type { QueueConfig } from './queue.js';
