/**
 * @module Turning a model directory of the repository into a load plan: read and check its
 * config, pick the versions to serve, and load each through load-version.ts; also the models a
 * pipeline depends on, for load order.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ConfigSource, ModelDependency } from '../core/backend.js';
import { EngineError, toEngineError } from '../core/errors.js';
import type { ModelConfig } from '../core/model-config.js';
import type { LoadPlan } from '../lifecycle/model-registry.js';
import {
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
import { hasKey, parseConfigOverride } from './config-override.js';
import { checkInstanceCount } from './instance-limit.js';
import { loadVersion, type LoadVersionOptions } from './load-version.js';
import type { LoadedVersion } from './loaded-version.js';

// Where a version's instances go is decided with the rest of its load; named here as before.
export { placements } from './load-version.js';

/** What the loader needs to turn a repository directory into loaded model versions. */
export interface ModelLoaderOptions extends Omit<LoadVersionOptions, 'source'> {
  /** Refuse models without a config file (Triton's --strict-model-config / auto-complete off). */
  readonly strictModelConfig: boolean;
  /** Most instances a version may have, summed over its instance groups (`--max-instance-count`). */
  readonly maxInstanceCount: number;
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
  const noEffect = (line: string) =>
    opts.logger.log('warn', 'config field has no effect', {
      model: model.name,
      field: relative(line),
    });
  let config: ModelConfig;
  let explicitMaxBatch: boolean;
  let source: ConfigSource | undefined;
  try {
    ({ config, explicitMaxBatch, source } = await readConfig(
      model,
      { ...opts, warn: noEffect },
      configOverride,
    ));
  } catch (e) {
    return refuse(toEngineError(e, 'INVALID_ARG').message);
  }
  try {
    checkInstanceCount(config, {
      modelName: model.name,
      gpuCount: opts.gpuCount,
      limit: opts.maxInstanceCount,
    });
  } catch (e) {
    return refuse((e as EngineError).message);
  }
  if (model.versions.length === 0) return refuse(`no version directories found in ${model.dir}`);
  const versions = selectVersions(config.version_policy, model.versions);
  const missing = missingVersions(config.version_policy, model.versions);
  if (missing.length > 0)
    return refuse(
      `version(s) ${missing.join(', ')} named by version_policy not found in ${model.dir}`,
    );
  return {
    versions,
    loadVersion: (v, signal) =>
      loadVersion(
        model,
        v,
        config,
        explicitMaxBatch,
        { ...opts, ...(source ? { source } : {}) },
        signal,
      ).catch((e: EngineError) => {
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
  if (configOverride !== undefined)
    return parseConfigOverride(model.name, configOverride, opts.warn);
  const read = await readModelConfig(model.dir);
  if (read.file === undefined && opts.strictModelConfig) {
    throw new EngineError(
      'INVALID_ARG',
      `model '${model.name}' has no config file and --strict-model-config is set`,
    );
  }
  const config = parseModelConfig(read.raw ?? {}, {
    modelName: model.name,
    ...(opts.warn ? { warn: opts.warn } : {}),
    ...(read.file === undefined ? {} : { file: read.file }),
    ...(read.source === undefined ? {} : { source: read.source }),
  });
  const source = configSource(read);
  return {
    config,
    explicitMaxBatch: hasKey(read.raw, 'max_batch_size'),
    ...(source ? { source } : {}),
  };
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
    const backend = resolveBackend(
      config,
      opts.backends,
      await readdir(path.join(model.dir, String(version))),
    );
    if (!('createScheduler' in backend)) return undefined;
    return await backend.dependencies(
      modelFiles(path.dirname(model.dir), model.name, version, config, backend),
      { config },
    );
  } catch {
    return undefined;
  }
}
