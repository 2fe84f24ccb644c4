/**
 * @module A loaded pipeline version as the engine runs it: the pipeline scheduler, engine/core's
 * Scheduler contract as Triton's ensemble scheduler is its Scheduler. No queue and no batching
 * of its own: every request runs at once with its own run state, and its steps queue and batch
 * at the models they call. It owns the workers of its `module:` steps.
 */
import type { Backend, ModelFiles, ModelInstance } from '../engine/core/backend.js';
import { toConfigDataType } from '../engine/core/datatype.js';
import { EngineError } from '../engine/core/errors.js';
import { ModelConfigSchema } from '../engine/core/model-config.js';
import type { CatalogTensor } from '../engine/core/model-catalog.js';
import { cachedStepCatalog } from './cached-steps.js';
import type { Mutable } from '../engine/core/mutable.js';
import type { ExecutionPlan } from '../engine/core/plan.js';
import { systemClock, type Clock } from '../engine/core/clock.js';
import type { InferResponse, ResponseSink } from '../engine/core/request.js';
import type {
  ExecutionStats,
  ScheduledRequest,
  Scheduler,
  SchedulerStats,
} from '../engine/core/scheduler.js';
import type { TensorMap } from '../engine/core/tensor.js';
import type { CompiledPipeline } from './compile.js';
import { DEBUG_OUTPUT_PREFIX, DEBUG_PARAMETER } from './executor/request-checks.js';
import type { PipelineResult } from './executor/request-result.js';
import { PipelineRunner, type PipelineRunnerOptions } from './executor/pipeline-runner.js';
import { ResponseStream } from './executor/response-stream.js';
import type { StepStatistics } from './executor/step-stats.js';
import { ModulePool } from './module-pool.js';
import { moduleFiles } from './resolve.js';

/** What the pipeline scheduler reports: the contract's counts and its steps' statistics. */
export interface PipelineSchedulerStats extends SchedulerStats {
  readonly fields: { readonly braid_steps: StepStatistics[] };
}

/**
 * One version of a pipeline, ready to serve.
 *
 * @example
 * const scheduler = await createPipelineScheduler(compiled, { version: 1, catalog, stats });
 * const { outputs } = await scheduler.run({ inputs, batchSize: 1 });
 */
export class PipelineScheduler implements Scheduler {
  readonly #runner: PipelineRunner;
  readonly #pools: readonly ModulePool[];
  readonly #stats: ExecutionStats;
  readonly #version: string;
  readonly #clock: Clock;
  #inflight = 0;
  /** Set by {@link stop}: called once no request is running. */
  #idle: (() => void) | undefined;
  #stopped: Promise<void> | undefined;

  constructor(parts: {
    runner: PipelineRunner;
    pools: readonly ModulePool[];
    stats: ExecutionStats;
    version: number;
    clock?: Clock;
  }) {
    this.#runner = parts.runner;
    this.#pools = parts.pools;
    this.#stats = parts.stats;
    this.#version = String(parts.version);
    this.#clock = parts.clock ?? systemClock;
  }

  get plan(): ExecutionPlan {
    return this.#runner.plan;
  }

  /**
   * See {@link Scheduler.run}. With the debug parameter the response also carries
   * `braid_debug.<tensor>` outputs and a `braid_debug` parameter holding per-step timings as JSON.
   */
  async run(req: ScheduledRequest): Promise<InferResponse> {
    if (this.#stopped)
      throw new EngineError(
        'UNAVAILABLE',
        `pipeline '${this.plan.name}' version ${this.#version} is unloading`,
      );
    this.#inflight++;
    try {
      if (req.respond) return await this.#stream(req, req.respond);
      const result = await this.#runner.run(req);
      this.#stats.ranWhole(req.batchSize);
      return this.#response(req, result);
    } finally {
      if (--this.#inflight === 0) this.#idle?.();
    }
  }

  /** See {@link Scheduler.stop}: requests running finish first, then the module workers stop. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise<void>(resolve => {
      this.#idle = resolve;
      if (this.#inflight === 0) resolve();
    }).then(() => Promise.all(this.#pools.map(p => p.dispose())).then(() => undefined));
    return this.#stopped;
  }

  stats(): PipelineSchedulerStats {
    return {
      pending: 0,
      inflight: this.#inflight,
      fields: { braid_steps: this.#runner.stepStatistics() },
    };
  }

  /**
   * A decoupled request: each response of the streaming step goes to `sink` as it comes; an
   * early return's answer is one response. Resolves with the final flag's empty response.
   */
  async #stream(req: ScheduledRequest, sink: ResponseSink): Promise<InferResponse> {
    const stream = new ResponseStream({
      req,
      sink,
      modelName: this.plan.name,
      version: this.#version,
      clock: this.#clock,
      stats: this.#stats,
    });
    try {
      const result = await this.#runner.run(req, stream.send);
      this.#stats.ranWhole(req.batchSize);
      // A pipeline that does not stream (or answered early) sends its one answer.
      if (this.plan.streams === undefined || result.returnedBy !== undefined)
        stream.send(this.#response(req, result).outputs);
    } catch (e) {
      stream.end(e);
      throw e;
    }
    stream.end();
    const res: Mutable<InferResponse> = {
      modelName: this.plan.name,
      modelVersion: this.#version,
      outputs: new Map(),
    };
    if (req.id) res.id = req.id;
    return res;
  }

  #response(req: ScheduledRequest, result: PipelineResult): InferResponse {
    const res: Mutable<InferResponse> = {
      modelName: this.plan.name,
      modelVersion: this.#version,
      outputs: result.outputs,
    };
    if (req.id) res.id = req.id;
    if (result.debug) {
      const outputs: TensorMap = new Map(result.outputs);
      for (const [name, t] of result.debug.tensors) outputs.set(`${DEBUG_OUTPUT_PREFIX}${name}`, t);
      res.outputs = outputs;
      const debug = {
        pipeline: this.plan.name,
        returned_by: result.returnedBy ?? null,
        steps: result.debug.steps,
      };
      res.parameters = { [DEBUG_PARAMETER]: JSON.stringify(debug) };
    }
    return res;
  }
}

/** What {@link createPipelineScheduler} needs besides the compiled pipeline. */
export interface PipelineSchedulerOptions extends Omit<PipelineRunnerOptions, 'plan' | 'pools'> {
  /** Version reported in responses. */
  readonly version: number;
  /** Where each request is counted as one execution. */
  readonly stats: ExecutionStats;
  /** Creates the workers of `module:` steps. */
  readonly modules?: Backend;
  readonly signal?: AbortSignal;
}

/**
 * Creates the module pools of a compiled pipeline and its scheduler. Pools already created are
 * disposed again when a later one fails.
 *
 * @example
 * const scheduler = await createPipelineScheduler(compiled, { version: 1, catalog, stats, modules: js });
 */
export async function createPipelineScheduler(
  compiled: CompiledPipeline,
  opts: PipelineSchedulerOptions,
): Promise<PipelineScheduler> {
  const { plan } = compiled;
  const pools = new Map<number, ModulePool>();
  try {
    for (const step of plan.steps) {
      if (step.target.kind !== 'module') continue;
      if (!opts.modules)
        throw new EngineError(
          'INVALID_ARG',
          `pipeline '${plan.name}' step '${step.name}': module steps need the JS backend`,
        );
      const files = moduleFiles(plan.name, step.name, step.target.path);
      const sig = compiled.signatures.get(step.index)!;
      const instances = await createModuleInstances(
        opts.modules,
        files,
        sig.inputs,
        sig.outputs,
        step.target.instances,
        opts.signal,
      );
      pools.set(
        step.index,
        new ModulePool(`pipeline '${plan.name}' step '${step.name}'`, instances),
      );
    }
  } catch (e) {
    await Promise.all([...pools.values()].map(p => p.dispose()));
    throw e;
  }
  const runner = new PipelineRunner({
    ...opts,
    catalog: cachedStepCatalog(opts.catalog, plan),
    plan,
    pools,
  });
  return new PipelineScheduler({
    runner,
    pools: [...pools.values()],
    stats: opts.stats,
    version: opts.version,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
}

async function createModuleInstances(
  backend: Backend,
  files: ModelFiles,
  inputs: readonly CatalogTensor[],
  outputs: readonly CatalogTensor[],
  count: number,
  signal: AbortSignal | undefined,
): Promise<ModelInstance[]> {
  const io = (t: CatalogTensor) => ({
    name: t.name,
    data_type: toConfigDataType(t.datatype),
    dims: [...t.shape],
  });
  const config = ModelConfigSchema.parse({
    name: files.modelName,
    backend: backend.name,
    max_batch_size: 0,
    input: inputs.map(io),
    output: outputs.map(io),
    instance_group: [{ kind: 'KIND_CPU', count }],
  });
  const created: ModelInstance[] = [];
  try {
    for (let index = 0; index < count; index++) {
      const opts = {
        signal: signal ?? new AbortController().signal,
        index,
        instanceCount: count,
        device: { kind: 'CPU' as const },
      };
      created.push(await backend.createInstance(config, files, opts));
    }
    return created;
  } catch (e) {
    await Promise.allSettled(created.map(i => i.dispose()));
    throw e;
  }
}
