/**
 * @module Scheduling: the default scheduler and the dynamic batcher of a model version.
 */
export { createScheduler, queueConfig } from './create-scheduler.js';
export type { SchedulerOptions } from './create-scheduler.js';
export type { ScheduledRequest, Scheduler } from './scheduler.js';
export { StatsRecorder } from './stats.js';
export type { BatchStats, Duration, ModelStatistics } from './stats.js';
export { formBatch, formSingle, normalizePreferred } from './batch-formation.js';
export type { BatchCandidate, BatchDecision, BatchFormationPolicy, BatchFormationState } from './batch-formation.js';
export { batchShapeKey, concatBatch, splitBatch } from './batch-tensors.js';
export { effectiveTimeoutUs, resolvePriorityLevel } from './queue.js';
export type { QueueConfig } from './queue.js';
