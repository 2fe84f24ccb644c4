/**
 * @module Loading one version of a model: resolve its backend, complete its config from the
 * model file, then build its one scheduler (the queue scheduler over new instances for a model,
 * the backend's own for a pipeline) and wrap it as a loaded version.
 */
import type { ResponseCache } from './response-cache.js';
import { versionCache } from './version-cache.js';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type {
  AnyBackend,
  Backend,
  ConfigSource,
  InstanceOptions,
  ModelDependency,
  ModelFiles,
  ModelInstance,
  ModelSignature,
} from '../core/backend.js';
import type { Clock } from '../core/clock.js';
import { EngineError, toEngineError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ModelConfig } from '../core/model-config.js';
import type { Scheduler } from '../core/scheduler.js';
import {
  completeModelConfig,
  modelFiles,
  resolveBackend,
  type RepositoryModel,
} from '../repository/index.js';
import { createScheduler } from '../scheduling/index.js';
import { StatsRecorder } from '../scheduling/stats.js';
import { readOutputLabels } from './classification.js';
import { readInitialStateFiles } from './initial-state-files.js';
import { createLoadedVersion, type LoadedVersion } from './loaded-version.js';
import { warmUp } from './warm-up.js';
import { readWarmupSamples, type WarmupSample } from './warmup-samples.js';

/** What loading a version needs: the backends to pick from and what completes a config. */
export interface LoadVersionOptions {
  readonly backends: readonly AnyBackend[];
  readonly clock: Clock;
  readonly logger: Logger;
  readonly defaultMaxBatchSize: number;
  readonly gpuCount: number;
  /** The config file, so that a backend can point its load errors into it. */
  readonly source?: ConfigSource;
  /** The server's response cache (`--cache-config`); absent: nothing is cached. */
  readonly responseCache?: ResponseCache;
}

/**
 * Loads `version` of `model` with its parsed `config`: logs the start, READY with its duration,
 * or UNAVAILABLE with the reason, which it throws as an EngineError.
 *
 * @example
 * const loaded = await loadVersion(model, 1, config, false, opts, signal);
 */
export async function loadVersion(
  model: RepositoryModel,
  version: number,
  config: ModelConfig,
  explicitMaxBatch: boolean,
  opts: LoadVersionOptions,
  signal: AbortSignal,
): Promise<LoadedVersion> {
  const start = opts.clock.now();
  const log = opts.logger.child({ model: model.name, version });
  log.log('info', 'loading model version');
  try {
    const prepared = await prepareVersion(model, version, config, explicitMaxBatch, opts);
    const cache = versionCache(prepared.config, model.name, opts.responseCache, log);
    const stats = new StatsRecorder(model.name, String(version));
    // Labels first: a bad label file fails the load before any instance or scheduler exists.
    const labels = await readOutputLabels(model.dir, prepared.config);
    const initialStateFiles = await readInitialStateFiles(model.dir, prepared.config);
    const warmup = await readWarmupSamples(model.dir, prepared.config);
    const { scheduler, dependencies } = await versionScheduler(
      { ...prepared, initialStateFiles, warmup },
      stats,
      opts,
      log,
      signal,
    );
    const loaded = createLoadedVersion({
      name: model.name,
      version,
      config: prepared.config,
      scheduler,
      stats,
      labels,
      dependencies,
      clock: opts.clock,
      ...(cache ? { cache } : {}),
    });
    const ms = opts.clock.now() - start;
    log.log('info', 'model version READY', { duration_ms: Math.round(ms) });
    return loaded;
  } catch (e) {
    const err = toEngineError(e, 'INTERNAL', `failed to load '${model.name}' version ${version}`);
    log.log('error', 'model version UNAVAILABLE', { reason: err.message });
    throw err;
  }
}

/**
 * The one scheduler of a version: its backend's own for a backend that schedules (a pipeline,
 * which also says which models it calls), else the queue scheduler over new instances.
 */
async function versionScheduler(
  {
    backend,
    files,
    config,
    signature,
    initialStateFiles,
    warmup,
  }: PreparedVersion & {
    initialStateFiles: ReadonlyMap<string, Uint8Array>;
    warmup: readonly WarmupSample[];
  },
  stats: StatsRecorder,
  opts: LoadVersionOptions,
  logger: Logger,
  signal: AbortSignal,
): Promise<{ scheduler: Scheduler; dependencies?: readonly ModelDependency[] }> {
  const source = opts.source ? { source: opts.source } : {};
  if ('createScheduler' in backend) {
    // Only a version whose signature streams (a pipeline ending in a decoupled step) may be decoupled.
    if (config.model_transaction_policy.decoupled && !signature.decoupled) {
      throw new EngineError(
        'INVALID_ARG',
        `model '${files.modelName}': model_transaction_policy.decoupled is set, but backend ` +
          `'${backend.name}' sends exactly one response per request for it (a pipeline streams ` +
          'only when its last step calls a decoupled model)',
      );
    }
    const dependencies = await backend.dependencies(files, { config, ...source });
    const scheduler = await backend.createScheduler(config, files, {
      signal,
      signature,
      stats,
      ...source,
    });
    return { scheduler, dependencies };
  }
  const instances = await createInstances(backend, config, files, opts, signal);
  try {
    const decoupled = config.model_transaction_policy.decoupled;
    await warmUp(instances, warmup, {
      model: files.modelName,
      decoupled,
      signal,
      logger,
      clock: opts.clock,
    });
  } catch (e) {
    await Promise.allSettled(instances.map(i => i.dispose()));
    throw e;
  }
  const version = String(files.version);
  return {
    scheduler: createScheduler({
      modelName: files.modelName,
      version,
      config,
      instances,
      clock: opts.clock,
      stats,
      logger,
      initialStateFiles,
    }),
  };
}

/** A version's backend, files, signature and completed config: everything short of running it. */
export interface PreparedVersion {
  readonly backend: AnyBackend;
  readonly files: ModelFiles;
  /** What the backend's `describe` returned. */
  readonly signature: ModelSignature;
  readonly config: ModelConfig;
}

/**
 * Resolves the backend, reads the model's signature and completes the config, checking that the
 * config agrees with the model file. Used by loading and by `braid validate`. `opts.source` (the
 * config file) lets a backend point its errors into the config.
 */
export async function prepareVersion(
  model: RepositoryModel,
  version: number,
  config: ModelConfig,
  explicitMaxBatch: boolean,
  opts: Pick<LoadVersionOptions, 'backends' | 'defaultMaxBatchSize' | 'gpuCount' | 'source'>,
): Promise<PreparedVersion> {
  const versionDir = path.join(model.dir, String(version));
  const backend = resolveBackend(config, opts.backends, await readdir(versionDir));
  const files = modelFiles(path.dirname(model.dir), model.name, version, config, backend);
  if (config.sequence_batching && 'createScheduler' in backend) {
    throw new EngineError(
      'INVALID_ARG',
      `model '${model.name}': sequence_batching is set, but backend '${backend.name}' ` +
        'schedules its own requests; the models it calls may be sequence batched',
    );
  }
  if (config.model_warmup.length > 0 && 'createScheduler' in backend) {
    throw new EngineError(
      'INVALID_ARG',
      `model '${model.name}': model_warmup needs a model that runs on instances; backend ` +
        `'${backend.name}' schedules the models it calls, so give those their own model_warmup`,
    );
  }
  const signature = await backend.describe(files, {
    config,
    ...(opts.source ? { source: opts.source } : {}),
  });
  const completed = completeModelConfig(config, signature, {
    backend,
    // An explicit `max_batch_size: 0` means "no batching"; only an absent one is auto-completed.
    // A model that schedules itself (a pipeline) never batches: the models it calls do.
    defaultMaxBatchSize:
      explicitMaxBatch || 'createScheduler' in backend ? 0 : opts.defaultMaxBatchSize,
    gpuCount: opts.gpuCount,
    modelName: model.name,
  });
  return { backend, files, signature, config: completed };
}

/** One instance per count per device of every instance group, disposed again if any fails. */
async function createInstances(
  backend: Backend,
  config: ModelConfig,
  files: ModelFiles,
  opts: LoadVersionOptions,
  signal: AbortSignal,
): Promise<ModelInstance[]> {
  const devices = placements(config, opts.gpuCount);
  const created: ModelInstance[] = [];
  try {
    for (const [index, device] of devices.entries()) {
      if (signal.aborted) throw new EngineError('CANCELLED', 'load cancelled');
      const instOpts: InstanceOptions = { signal, index, instanceCount: devices.length, device };
      created.push(await backend.createInstance(config, files, instOpts));
    }
    if (signal.aborted) throw new EngineError('CANCELLED', 'load cancelled');
    return created;
  } catch (e) {
    await Promise.allSettled(created.map(i => i.dispose()));
    throw e;
  }
}

/**
 * Expands instance groups into one placement per instance: `count` per listed GPU for GPU groups
 * (all GPUs when none are listed), `count` on CPU for CPU groups.
 */
export function placements(config: ModelConfig, gpuCount: number): InstanceOptions['device'][] {
  const out: InstanceOptions['device'][] = [];
  for (const g of config.instance_group) {
    const gpus =
      g.gpus.length > 0 ? g.gpus : Array.from({ length: Math.max(gpuCount, 1) }, (_, i) => i);
    for (let c = 0; c < g.count; c++) {
      if (g.kind === 'KIND_CPU') out.push({ kind: 'CPU' });
      else
        for (const id of gpus)
          out.push(g.kind === 'KIND_GPU' ? { kind: 'GPU', id } : { kind: 'AUTO', id });
    }
  }
  return out.length > 0 ? out : [{ kind: 'CPU' }];
}
