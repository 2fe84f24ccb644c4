/**
 * @module Triton's NormalizeModelConfig and ValidateModelConfig: defaults that depend on the
 * rest of the config, and the checks across fields.
 */
import { EngineError } from '../core/errors.js';
import { InstanceGroupSchema } from '../core/model-config.js';
import type { DynamicBatching, InstanceGroup, ModelConfig } from '../core/model-config.js';

/** Options of {@link normalizeModelConfig}. */
export interface NormalizeOptions {
  /** GPUs visible to the server; decides the kind of the default instance group. */
  readonly gpuCount: number;
}

/**
 * Fills what Triton's NormalizeModelConfig fills and rejects what its ValidateModelConfig
 * rejects, for the fields Braid supports:
 * - `dynamic_batching.preferred_batch_size` empty → `[max_batch_size]` (when max_batch_size > 0);
 *   each size must be ≤ max_batch_size and sizes must be unique.
 * - With `priority_levels` > 0, `default_priority_level` and every `priority_queue_policy` key
 *   must lie in [1, priority_levels].
 * - `instance_group` empty → one group `{ count: 1, kind: KIND_GPU }` when GPUs exist (one
 *   instance on every GPU, as Triton does), else `{ count: 1, kind: KIND_CPU }`.
 * - Unnamed instance groups are named `<model>_<index>`, as in Triton.
 * KIND_AUTO is left as is: the backend decides where it runs. Pure; throws INVALID_ARG.
 *
 * @example
 * normalizeModelConfig(config, { gpuCount: 0 }).instance_group;
 * // [{ name: 'simple_0', kind: 'KIND_CPU', count: 1, ... }]
 */
export function normalizeModelConfig(config: ModelConfig, opts: NormalizeOptions): ModelConfig {
  const dynamic_batching =
    config.dynamic_batching && normalizeBatching(config, config.dynamic_batching);
  return {
    ...config,
    ...(dynamic_batching ? { dynamic_batching } : {}),
    instance_group: normalizeGroups(config, opts.gpuCount),
  };
}

function normalizeBatching(config: ModelConfig, db: DynamicBatching): DynamicBatching {
  const where = `model '${config.name}': dynamic_batching`;
  const mbs = config.max_batch_size;
  const tooBig = db.preferred_batch_size.find(s => s > mbs);
  if (tooBig !== undefined) {
    throw new EngineError(
      'INVALID_ARG',
      `${where}.preferred_batch_size ${tooBig} must be <= max_batch_size (${mbs})` +
        (mbs === 0 ? '; a model with max_batch_size 0 does not batch' : ''),
    );
  }
  if (new Set(db.preferred_batch_size).size !== db.preferred_batch_size.length) {
    throw new EngineError(
      'INVALID_ARG',
      `${where}.preferred_batch_size [${db.preferred_batch_size.join(',')}] must not repeat a size`,
    );
  }
  checkPriorities(where, db);
  const preferred =
    db.preferred_batch_size.length === 0 && mbs > 0 ? [mbs] : db.preferred_batch_size;
  return { ...db, preferred_batch_size: preferred };
}

function checkPriorities(where: string, db: DynamicBatching): void {
  const levels = db.priority_levels;
  if (levels === 0) return;
  const level = db.default_priority_level;
  if (level < 1 || level > levels) {
    throw new EngineError(
      'INVALID_ARG',
      `${where}.default_priority_level ${level} must be in range [1, ${levels}] when ` +
        `priority_levels is ${levels}`,
    );
  }
  const badKey = Object.keys(db.priority_queue_policy).find(
    k => Number(k) < 1 || Number(k) > levels,
  );
  if (badKey !== undefined) {
    throw new EngineError(
      'INVALID_ARG',
      `${where}.priority_queue_policy has priority level ${badKey}; levels must be in ` +
        `range [1, ${levels}]`,
    );
  }
}

function normalizeGroups(config: ModelConfig, gpuCount: number): InstanceGroup[] {
  const groups: InstanceGroup[] =
    config.instance_group.length > 0
      ? config.instance_group
      : [InstanceGroupSchema.parse({ count: 1, kind: gpuCount > 0 ? 'KIND_GPU' : 'KIND_CPU' })];
  return groups.map((g, i) => (g.name === '' ? { ...g, name: `${config.name}_${i}` } : g));
}
