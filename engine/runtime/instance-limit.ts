/**
 * @module The bound on how many instances one model version may have. Each instance is a
 * worker thread with its own heap (JS) or session (ONNX Runtime), so `instance_group.count` is
 * a resource request: unbounded, one load request (a config override over HTTP or gRPC) could
 * start thousands of threads and exhaust the host's memory.
 */
import { EngineError } from '../core/errors.js';
import type { InstanceGroup, ModelConfig } from '../core/model-config.js';

/**
 * Default of `--max-instance-count`. Instances beyond the host's cores only queue for CPU time,
 * and 64 covers a GPU group of a few instances on each of 8 GPUs or one per core on a large
 * host, while capping what one load can start at tens of threads rather than thousands. It
 * matches the cap on a pipeline module step's `instances`.
 */
export const DEFAULT_MAX_INSTANCE_COUNT = 64;

/** Options of {@link checkInstanceCount}. */
export interface InstanceCountOptions {
  readonly modelName: string;
  /** GPUs visible to the server: a GPU group that lists none places `count` on each. */
  readonly gpuCount: number;
  /** Most instances one version may have. */
  readonly limit: number;
}

/**
 * How many instances one instance group makes: `count` on CPU, `count` on each listed GPU (all
 * GPUs, at least one, when none are listed) for every other kind, as the loader places them.
 *
 * @example
 * groupInstances({ kind: 'KIND_GPU', count: 2, gpus: [], ... }, 4); // 8
 */
export function groupInstances(group: InstanceGroup, gpuCount: number): number {
  if (group.kind === 'KIND_CPU') return group.count;
  return group.count * (group.gpus.length > 0 ? group.gpus.length : Math.max(gpuCount, 1));
}

/**
 * Throws INVALID_ARG when the instance groups of `config` add up to more than `opts.limit`
 * instances, naming the group whose count goes over. Checked before any instance exists.
 *
 * @example
 * checkInstanceCount(config, { modelName: 'mlp', gpuCount: 0, limit: DEFAULT_MAX_INSTANCE_COUNT });
 */
export function checkInstanceCount(config: ModelConfig, opts: InstanceCountOptions): void {
  let total = 0;
  let over: number | undefined;
  for (const [i, group] of config.instance_group.entries()) {
    total += groupInstances(group, opts.gpuCount);
    if (total > opts.limit) over ??= i;
  }
  if (over === undefined) return;
  const count = config.instance_group[over]!.count;
  throw new EngineError(
    'INVALID_ARG',
    `model '${opts.modelName}': instance_group[${over}].count is ${count}, which makes ${total} instances of each version; at most ${opts.limit} are allowed (--max-instance-count)`,
  );
}
