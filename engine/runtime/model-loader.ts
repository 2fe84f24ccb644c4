/**
 * @module Turning a model directory of the repository into loaded versions: read the config,
 * pick the backend, complete the config from the model file, and build each version's one
 * scheduler, the queue scheduler over new instances for a model, the backend's own for a
 * pipeline.
 */
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
import type { LoadPlan } from '../lifecycle/model-registry.js';
import {
  completeModelConfig,
  configSource,
  missingVersions,
  modelFiles,
  parseModelConfig,
  readModelConfig,
  repositoryRootForms,
  resolveBackend,
  selectVersions,
  withoutRepositoryRoot,
  type RepositoryModel,
} from '../repository/index.js';
import type { Scheduler } from '../core/scheduler.js';
import { createScheduler } from '../scheduling/index.js';
import { StatsRecorder } from '../scheduling/stats.js';
import { readOutputLabels } from './classification.js';
import { hasKey, parseConfigOverride } from './config-override.js';
import { checkInstanceCount } from './instance-limit.js';
import { createLoadedVersion, type LoadedVersion } from './loaded-version.js';
import type { ResponseCache } from './response-cache.js';
import { versionCache } from './version-cache.js';

/** What the loader needs to turn a repository directory into loaded model versions. */
export interface ModelLoaderOptions {
  readonly backends: readonly AnyBackend[];
  readonly clock: Clock;
  readonly logger: Logger;
  /** Refuse models without a config file (Triton's --strict-model-config / auto-complete off). */
  readonly strictModelConfig: boolean;
  readonly defaultMaxBatchSize: number;
  readonly gpuCount: number;
  /** Most instances a version may have, summed over its instance groups (`--max-instance-count`). */
  readonly maxInstanceCount: number;
  /** The server's response cache (`--cache-config`); absent: nothing is cached. */
  readonly responseCache?: ResponseCache;
}

/**
 * Reads a model's config (or uses `configOverride`, JSON text) and returns the plan the registry
 * runs: which versions to load and how. Config problems become a plan with an error, so the model
 * is UNAVAILABLE with that reason instead of taking anything else down; they are logged at
 * warning. Every reason names paths relative to the repository, never where it lives on the host.
 *
 * @example
 * await registry.load('simple', await planModelLoad(scan.models.get('simple')!, opts));
 */
export async function planModelLoad(
  model: RepositoryModel,
  opts: ModelLoaderOptions,
  configOverride?: string,
): Promise<LoadPlan<LoadedVersion>> {
  const roots = await repositoryRootForms(path.dirname(model.dir));
  const relative = (message: string) => withoutRepositoryRoot(message, roots);
  const refuse = (message: string): LoadPlan<LoadedVersion> => {
    const reason = relative(message);
    opts.logger.log('warn', 'model UNAVAILABLE', { model: model.name, reason });
    return { error: reason };
  };
  const noEffect = (line: string) => opts.logger.log('warn', 'config field has no effect', { model: model.name, field: relative(line) });
  let config: ModelConfig;
  let explicitMaxBatch: boolean;
  let source: ConfigSource | undefined;
  try {
    ({ config, explicitMaxBatch, source } = await readConfig(model, { ...opts, warn: noEffect }, configOverride));
  } catch (e) {
    return refuse(toEngineError(e, 'INVALID_ARG').message);
  }
  try {
    checkInstanceCount(config, { modelName: model.name, gpuCount: opts.gpuCount, limit: opts.maxInstanceCount });
  } catch (e) {
    return refuse((e as EngineError).message);
  }
  if (model.versions.length === 0) return refuse(`no version directories found in ${model.dir}`);
  const versions = selectVersions(config.version_policy, model.versions);
  const missing = missingVersions(config.version_policy, model.versions);
  if (missing.length > 0) return refuse(`version(s) ${missing.join(', ')} named by version_policy not found in ${model.dir}`);
  return {
    versions,
    loadVersion: (v, signal) =>
      loadVersion(model, v, config, explicitMaxBatch, { ...opts, ...(source ? { source } : {}) }, signal).catch((e: EngineError) => {
        throw new EngineError(e.code, relative(e.message), { cause: e, reason: e.reason });
      }),
  };
}

/**
 * Reads and parses a model's config, or the JSON override given to a load request; `source`
 * says which file it came from, for load errors that point into it.
 */
export async function readConfig(
  model: RepositoryModel,
  opts: Pick<ModelLoaderOptions, 'strictModelConfig'> & { readonly warn?: (line: string) => void },
  configOverride: string | undefined,
): Promise<{ config: ModelConfig; explicitMaxBatch: boolean; source?: ConfigSource }> {
  if (configOverride !== undefined) return parseConfigOverride(model.name, configOverride, opts.warn);
  const read = await readModelConfig(model.dir);
  if (read.file === undefined && opts.strictModelConfig) {
    throw new EngineError('INVALID_ARG', `model '${model.name}' has no config file and --strict-model-config is set`);
  }
  const config = parseModelConfig(read.raw ?? {}, {
    modelName: model.name,
    ...(opts.warn ? { warn: opts.warn } : {}),
    ...(read.file === undefined ? {} : { file: read.file }),
    ...(read.source === undefined ? {} : { source: read.source }),
  });
  const source = configSource(read);
  return { config, explicitMaxBatch: hasKey(read.raw, 'max_batch_size'), ...(source ? { source } : {}) };
}

async function loadVersion(
  model: RepositoryModel,
  version: number,
  config: ModelConfig,
  explicitMaxBatch: boolean,
  opts: ModelLoaderOptions & { readonly source?: ConfigSource },
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
    const { scheduler, dependencies } = await versionScheduler(prepared, stats, opts, log, signal);
    const loaded = createLoadedVersion({ name: model.name, version, config: prepared.config, scheduler, stats, labels, dependencies, clock: opts.clock, ...(cache ? { cache } : {}) });
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
  { backend, files, config, signature }: PreparedVersion,
  stats: StatsRecorder,
  opts: ModelLoaderOptions & { readonly source?: ConfigSource },
  logger: Logger,
  signal: AbortSignal,
): Promise<{ scheduler: Scheduler; dependencies?: readonly ModelDependency[] }> {
  const source = opts.source ? { source: opts.source } : {};
  if ('createScheduler' in backend) {
    // Its scheduler answers each request once; streaming a pipeline's last step is not built yet.
    if (config.model_transaction_policy.decoupled) {
      throw new EngineError('INVALID_ARG', `model '${files.modelName}': model_transaction_policy.decoupled is set, but backend '${backend.name}' sends exactly one response per request`);
    }
    const dependencies = await backend.dependencies(files, { config, ...source });
    const scheduler = await backend.createScheduler(config, files, { signal, signature, stats, ...source });
    return { scheduler, dependencies };
  }
  const instances = await createInstances(backend, config, files, opts, signal);
  const version = String(files.version);
  return { scheduler: createScheduler({ modelName: files.modelName, version, config, instances, clock: opts.clock, stats, logger }) };
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
  opts: Pick<ModelLoaderOptions, 'backends' | 'defaultMaxBatchSize' | 'gpuCount'> & { readonly source?: ConfigSource },
): Promise<PreparedVersion> {
  const versionDir = path.join(model.dir, String(version));
  const backend = resolveBackend(config, opts.backends, await readdir(versionDir));
  const files = modelFiles(path.dirname(model.dir), model.name, version, config, backend);
  const signature = await backend.describe(files, { config, ...(opts.source ? { source: opts.source } : {}) });
  const completed = completeModelConfig(config, signature, {
    backend,
    // An explicit `max_batch_size: 0` means "no batching"; only an absent one is auto-completed.
    // A model that schedules itself (a pipeline) never batches: the models it calls do.
    defaultMaxBatchSize: explicitMaxBatch || 'createScheduler' in backend ? 0 : opts.defaultMaxBatchSize,
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
  opts: ModelLoaderOptions,
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
    const gpus = g.gpus.length > 0 ? g.gpus : Array.from({ length: Math.max(gpuCount, 1) }, (_, i) => i);
    for (let c = 0; c < g.count; c++) {
      if (g.kind === 'KIND_CPU') out.push({ kind: 'CPU' });
      else for (const id of gpus) out.push(g.kind === 'KIND_GPU' ? { kind: 'GPU', id } : { kind: 'AUTO', id });
    }
  }
  return out.length > 0 ? out : [{ kind: 'CPU' }];
}


/**
 * The models a version of `model` calls, when its backend schedules itself (a pipeline);
 * undefined for ordinary models. Used to load pipelines after the models they use. Never throws: a model
 * whose config or files cannot be read has no known dependencies (its load reports why).
 */
export async function modelDependencies(
  model: RepositoryModel,
  opts: Pick<ModelLoaderOptions, 'backends' | 'strictModelConfig'>,
): Promise<ModelDependency[] | undefined> {
  try {
    const version = model.versions.at(-1);
    if (version === undefined) return undefined;
    const { config } = await readConfig(model, opts, undefined);
    const backend = resolveBackend(config, opts.backends, await readdir(path.join(model.dir, String(version))));
    if (!('createScheduler' in backend)) return undefined;
    return await backend.dependencies(modelFiles(path.dirname(model.dir), model.name, version, config, backend), { config });
  } catch {
    return undefined;
  }
}
