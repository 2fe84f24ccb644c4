/**
 * @module
 * Remembers the compiled plan of each pipeline version the pipeline backend creates, for the
 * console's graph. Read-only: it wraps scheduler creation, never a request.
 */
import type { ExecutionPlan } from '../core/plan.js';
import type { PipelineBackend } from '../../pipelines/index.js';

/**
 * Plans by pipeline name and version. A reload replaces the version's plan; the console asks
 * the engine first, so the plan of an unloaded version is never shown.
 *
 * @example
 * const plans = new PlanRegistry();
 * const backend = plans.observe(createPipelineBackend({ catalog }));
 * plans.get('ocr', 1)?.steps.length;
 */
export class PlanRegistry {
  readonly #plans = new Map<string, Map<number, ExecutionPlan>>();

  /** `backend`, recording the plan of every scheduler it creates. */
  observe(backend: PipelineBackend): PipelineBackend {
    return {
      ...backend,
      createScheduler: async (config, files, opts) => {
        const scheduler = await backend.createScheduler(config, files, opts);
        let versions = this.#plans.get(files.modelName);
        if (!versions) this.#plans.set(files.modelName, (versions = new Map()));
        versions.set(files.version, scheduler.plan);
        return scheduler;
      },
    };
  }

  /** The plan of `name` at `version`; undefined when none was created. */
  get(name: string, version: number): ExecutionPlan | undefined {
    return this.#plans.get(name)?.get(version);
  }
}
