/**
 * @module A loaded pipeline version as a model instance. Unlike other instances it is
 * reentrant: one instance serves every concurrent request, each with its own run state, and its
 * steps queue at the models they call.
 */
import type { Backend, ExecuteOptions, ModelFiles, ModelInstance } from '../engine/core/backend.js';
import { toConfigDataType } from '../engine/core/datatype.js';
import { EngineError } from '../engine/core/errors.js';
import { ModelConfigSchema } from '../engine/core/model-config.js';
import type { CatalogTensor } from '../engine/core/model-catalog.js';
import type { ExecutionPlan } from '../engine/core/plan.js';
import type { ReentrantInstance } from '../engine/core/reentrant.js';
import type { TraceSpan } from '../engine/core/telemetry.js';
import type { InferRequest, InferResponse } from '../engine/core/request.js';
import type { TensorMap } from '../engine/core/tensor.js';
import type { CompiledPipeline } from './compile.js';
import type { PipelineRunnerOptions } from './executor/runner.js';
import { PipelineRunner } from './executor/runner.js';
import type { StepStatistics } from './executor/step-stats.js';
import { ModulePool } from './module-pool.js';
import { moduleFiles } from './resolve.js';

/**
 * One version of a pipeline, ready to serve.
 *
 * @example
 * const inst = await createPipelineInstance(compiled, { version: 1, catalog, files });
 * const res = await inst.infer({ modelName: 'ocr', inputs });
 */
export class PipelineInstance implements ReentrantInstance {
  readonly reentrant = true;
  readonly #runner: PipelineRunner;
  readonly #pools: readonly ModulePool[];
  #disposed: Promise<void> | undefined;

  constructor(runner: PipelineRunner, pools: readonly ModulePool[]) {
    this.#runner = runner;
    this.#pools = pools;
  }

  get plan(): ExecutionPlan {
    return this.#runner.plan;
  }

  async execute(inputs: TensorMap, opts: ExecuteOptions): Promise<TensorMap> {
    this.#assertLive();
    const result = await this.#runner.run({ inputs, signal: opts.signal, ...(opts.outputs ? { outputs: opts.outputs } : {}) });
    return result.outputs;
  }

  infer(req: InferRequest, ctx: { readonly trace?: TraceSpan } = {}): Promise<InferResponse> {
    this.#assertLive();
    return this.#runner.infer(req, ctx);
  }

  /** Cumulative statistics of each step. */
  stepStatistics(): StepStatistics[] {
    return this.#runner.stepStatistics();
  }

  /** Releases the module steps' workers. Requests still running fail on their module steps. */
  dispose(): Promise<void> {
    this.#disposed ??= Promise.all(this.#pools.map(p => p.dispose())).then(() => undefined);
    return this.#disposed;
  }

  #assertLive(): void {
    if (this.#disposed) throw new EngineError('UNAVAILABLE', `pipeline '${this.plan.name}' is unloaded`);
  }
}

/** What {@link createPipelineInstance} needs besides the compiled pipeline. */
export interface PipelineInstanceOptions extends Omit<PipelineRunnerOptions, 'plan' | 'pools'> {
  /** Creates the workers of `module:` steps. */
  readonly modules?: Backend;
  readonly signal?: AbortSignal;
}

/**
 * Creates the module pools of a compiled pipeline and its runner. Pools already created are
 * disposed again when a later one fails.
 */
export async function createPipelineInstance(compiled: CompiledPipeline, opts: PipelineInstanceOptions): Promise<PipelineInstance> {
  const { plan } = compiled;
  const pools = new Map<number, ModulePool>();
  try {
    for (const step of plan.steps) {
      if (step.target.kind !== 'module') continue;
      if (!opts.modules) throw new EngineError('INVALID_ARG', `pipeline '${plan.name}' step '${step.name}': module steps need the JS backend`);
      const files = moduleFiles(plan.name, step.name, step.target.path);
      const sig = compiled.signatures.get(step.index)!;
      const instances = await createModuleInstances(opts.modules, files, sig.inputs, sig.outputs, step.target.instances, opts.signal);
      pools.set(step.index, new ModulePool(`pipeline '${plan.name}' step '${step.name}'`, instances));
    }
  } catch (e) {
    await Promise.all([...pools.values()].map(p => p.dispose()));
    throw e;
  }
  const runner = new PipelineRunner({ ...opts, plan, pools });
  return new PipelineInstance(runner, [...pools.values()]);
}

async function createModuleInstances(
  backend: Backend,
  files: ModelFiles,
  inputs: readonly CatalogTensor[],
  outputs: readonly CatalogTensor[],
  count: number,
  signal: AbortSignal | undefined,
): Promise<ModelInstance[]> {
  const io = (t: CatalogTensor) => ({ name: t.name, data_type: toConfigDataType(t.datatype), dims: [...t.shape] });
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
      const opts = { signal: signal ?? new AbortController().signal, index, instanceCount: count, device: { kind: 'CPU' as const } };
      created.push(await backend.createInstance(config, files, opts));
    }
    return created;
  } catch (e) {
    await Promise.allSettled(created.map(i => i.dispose()));
    throw e;
  }
}
