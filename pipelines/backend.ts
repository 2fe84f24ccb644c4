/**
 * @module Pipelines served as models: a SchedulerBackend whose model file is `pipeline.yaml`. A
 * pipeline lives in the repository like a model, `<repo>/<name>/<version>/pipeline.yaml`;
 * `describe` compiles it and checks it against the models it uses, and `createScheduler` turns
 * that compiled plan into the version's scheduler, whose steps call those models through the
 * catalog. A Triton ensemble (a config with `ensemble_scheduling`) is the same kind of model,
 * its pipeline declared in the config.
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type {
  Backend,
  ConfigSource,
  CreateSchedulerOptions,
  ModelContext,
  ModelDependency,
  ModelFiles,
  ModelSignature,
  SchedulerBackend,
} from '../engine/core/backend.js';
import { systemClock } from '../engine/core/clock.js';
import type { Clock } from '../engine/core/clock.js';
import { EngineError } from '../engine/core/errors.js';
import { noopLogger } from '../engine/core/logger.js';
import type { Logger } from '../engine/core/logger.js';
import type { ModelCatalog } from '../engine/core/model-catalog.js';
import type { ModelConfig } from '../engine/core/model-config.js';
import { compilePipeline } from './compile.js';
import type { CompiledPipeline } from './compile.js';
import { compileEnsemble, ensembleDependencies } from './ensemble.js';
import type { PipelineObserver } from './executor/step-stats.js';
import { createPipelineScheduler } from './scheduler.js';
import type { PipelineScheduler } from './scheduler.js';

/** The model file of a pipeline version. */
export const PIPELINE_FILENAME = 'pipeline.yaml';

/** Options of {@link createPipelineBackend}. */
export interface PipelineBackendOptions {
  /** The models steps call (the engine). */
  readonly catalog: ModelCatalog;
  /** Runs `module:` steps: the JS backend. Without it module steps are a load error. */
  readonly modules?: Backend;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Receives step and request events, for metrics and traces. */
  readonly observer?: PipelineObserver;
}

/** The pipeline backend: a {@link SchedulerBackend} that can also compile for `braid validate`. */
export interface PipelineBackend extends SchedulerBackend {
  /** Compiles a version without creating it, for `braid validate --explain`. */
  compile(files: ModelFiles, context?: ModelContext): Promise<CompiledPipeline>;
  createScheduler(
    config: ModelConfig,
    files: ModelFiles,
    opts: CreateSchedulerOptions,
  ): Promise<PipelineScheduler>;
}

/**
 * Creates the pipeline backend. Register it like any backend; the engine loads its models after
 * the models they call and runs them through the scheduler it makes.
 *
 * @example
 * const pipelines = createPipelineBackend({ catalog: engineCatalog, modules: createJsBackend() });
 * const engine = await createEngine({ modelRepository, backends: [ort, js, pipelines] });
 */
export function createPipelineBackend(opts: PipelineBackendOptions): PipelineBackend {
  const logger = opts.logger ?? noopLogger;
  const clock = opts.clock ?? systemClock;
  const compile = async (files: ModelFiles, context?: ModelContext): Promise<CompiledPipeline> => {
    const compiled = context?.config.ensemble_scheduling
      ? await compileEnsembleVersion(files, context.config, context.source, opts.catalog)
      : await compilePipeline(await readPipeline(files), {
          name: files.modelName,
          file: files.modelPath,
          baseDir: path.dirname(files.modelPath),
          modelDir: files.modelDir,
          catalog: opts.catalog,
          ...(opts.modules ? { modules: opts.modules } : {}),
        });
    for (const w of compiled.plan.warnings)
      logger.log('warn', w, { model: files.modelName, version: files.version });
    return compiled;
  };
  // What `describe` compiled, by the signature it returned: the load that asked for the
  // signature creates the scheduler from the same plan instead of compiling it again.
  const compiledFor = new WeakMap<ModelSignature, CompiledPipeline>();
  return {
    name: 'pipeline',
    platforms: ['ensemble'],
    defaultModelFilename: PIPELINE_FILENAME,
    compile,
    async describe(files: ModelFiles, context?: ModelContext): Promise<ModelSignature> {
      const compiled = await compile(files, context);
      const { plan } = compiled;
      const inputs = plan.inputs.map(t => ({
        name: t.name,
        datatype: t.datatype,
        shape: t.shape,
        ...(t.optional ? { optional: true } : {}),
      }));
      const signature = {
        ...(plan.streams === undefined ? {} : { decoupled: true }),
        inputs,
        outputs: plan.outputs.map(o => ({
          name: o.name,
          datatype: o.spec.datatype,
          shape: o.spec.shape,
        })),
      };
      compiledFor.set(signature, compiled);
      return signature;
    },
    async createScheduler(
      config: ModelConfig,
      files: ModelFiles,
      load: CreateSchedulerOptions,
    ): Promise<PipelineScheduler> {
      const described = load.signature && compiledFor.get(load.signature);
      const compiled =
        described ??
        (await compile(files, { config, ...(load.source ? { source: load.source } : {}) }));
      return createPipelineScheduler(compiled, {
        version: files.version,
        catalog: opts.catalog,
        clock,
        stats: load.stats,
        signal: load.signal,
        ...(opts.modules ? { modules: opts.modules } : {}),
        ...(opts.observer ? { observer: opts.observer } : {}),
      });
    },
    async dependencies(files: ModelFiles, context?: ModelContext): Promise<ModelDependency[]> {
      if (context?.config.ensemble_scheduling) return ensembleDependencies(context.config);
      const text = await readPipeline(files).catch(() => '');
      return pipelineDependencies(text);
    },
  };
}

/**
 * The models a pipeline file names, without checking anything else.
 *
 * @example
 * pipelineDependencies('steps:\n  - { name: a, model: det, version: 2 }\n'); // [{ name: 'det', version: 2 }]
 */
export function pipelineDependencies(text: string): ModelDependency[] {
  const doc = parseDocument(text, { lineCounter: new LineCounter(), prettyErrors: false });
  const raw = doc.errors.length > 0 ? undefined : (doc.toJS() as { steps?: unknown } | null);
  const steps = Array.isArray(raw?.steps) ? (raw.steps as unknown[]) : [];
  const seen = new Map<string, ModelDependency>();
  for (const s of steps) {
    const { model, version } = (s ?? {}) as { model?: unknown; version?: unknown };
    if (typeof model !== 'string') continue;
    const dep = typeof version === 'number' ? { name: model, version } : { name: model };
    seen.set(`${model}@${dep.version ?? ''}`, dep);
  }
  return [...seen.values()];
}

/** An ensemble from its config; a pipeline file beside it would say something else, so it is refused. */
async function compileEnsembleVersion(
  files: ModelFiles,
  config: ModelConfig,
  source: ConfigSource | undefined,
  catalog: ModelCatalog,
): Promise<CompiledPipeline> {
  const fileExists = await access(files.modelPath).then(
    () => true,
    () => false,
  );
  if (fileExists) {
    throw new EngineError(
      'INVALID_ARG',
      `ensemble '${files.modelName}' version ${files.version}: its config declares ensemble_scheduling and ${files.modelPath} exists too; keep one of them`,
    );
  }
  return compileEnsemble(config, {
    name: files.modelName,
    catalog,
    ...(source ? { source } : {}),
    fallbackFile: path.join(files.modelDir, 'config'),
  });
}

async function readPipeline(files: ModelFiles): Promise<string> {
  try {
    return await readFile(files.modelPath, 'utf8');
  } catch (e) {
    const why =
      (e as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'the file does not exist'
        : (e as Error).message;
    throw new EngineError(
      'INVALID_ARG',
      `pipeline '${files.modelName}' version ${files.version}: cannot read ${files.modelPath}: ${why}`,
      { cause: e },
    );
  }
}
