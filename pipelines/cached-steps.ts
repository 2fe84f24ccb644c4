/**
 * @module Steps with `cache: true`: the catalog a pipeline's steps call models through, with
 * the calls to those steps' models marked for the model's response cache. Chosen once per plan
 * at load; the executor calls it like any catalog. Steps calling one model agree on `cache`
 * (checked when the pipeline is compiled), so marking by model is marking by step.
 */
import type { CatalogCallContext, ModelCatalog } from '../engine/core/model-catalog.js';
import type { ExecutionPlan } from '../engine/core/plan.js';
import type { InferRequest } from '../engine/core/request.js';

const CACHED: CatalogCallContext = Object.freeze({ cache: true });

/**
 * `catalog`, with `infer` calls to the models of `plan`'s cached steps asking for the response
 * cache; `catalog` itself when no step is cached.
 *
 * @example
 * const stepCatalog = cachedStepCatalog(opts.catalog, plan);
 */
export function cachedStepCatalog(catalog: ModelCatalog, plan: ExecutionPlan): ModelCatalog {
  const cached = new Set<string>();
  for (const step of plan.steps) {
    if (step.cache && step.target.kind === 'model')
      cached.add(targetKey(step.target.model, step.target.version));
  }
  if (cached.size === 0) return catalog;
  const infer = (req: InferRequest, ctx?: CatalogCallContext) =>
    cached.has(targetKey(req.modelName, req.modelVersion))
      ? catalog.infer(req, ctx ? { ...ctx, cache: true } : CACHED)
      : catalog.infer(req, ctx);
  const wrapped: ModelCatalog = {
    metadata: (name, version) => catalog.metadata(name, version),
    infer,
  };
  if (catalog.stream) wrapped.stream = catalog.stream.bind(catalog);
  return wrapped;
}

function targetKey(model: string, version: number | undefined): string {
  return `${model}@${version ?? 'latest'}`;
}
