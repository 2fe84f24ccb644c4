/**
 * @module The backends `braid serve` and `braid validate` register: ONNX Runtime, JS/TS models
 * and pipelines, the pipelines' steps calling models through the engine's catalog.
 */
import { createJsBackend, type JsBackendOptions } from '../../backends/js/index.js';
import { createOnnxRuntimeBackend } from '../../backends/onnxruntime/index.js';
import type { AnyBackend } from '../core/backend.js';
import type { Logger } from '../core/logger.js';
import type { ModelCatalog } from '../core/model-catalog.js';
import type { PipelineStepMetrics } from '../telemetry/metrics/metrics.js';
import { createPipelineBackend, type PipelineObserver } from '../../pipelines/index.js';
import type { PlanRegistry } from './plan-registry.js';

/**
 * Every backend Braid serves with: ONNX Runtime, JS/TS models in worker threads, and pipelines,
 * whose steps call the engine's other models through `catalog`.
 *
 * @example
 * const engine = await createEngine({ backends: catalog => standardBackends(catalog, { logger }) });
 */
export function standardBackends(
  catalog: ModelCatalog,
  opts: {
    logger: Logger;
    metrics?: PipelineStepMetrics;
    js?: Pick<JsBackendOptions, 'executeTimeoutMs' | 'maxHeapMb'>;
    plans?: PlanRegistry;
  },
): AnyBackend[] {
  const js = createJsBackend({ ...opts.js, logger: opts.logger });
  const { metrics } = opts;
  const observer: PipelineObserver = metrics
    ? {
        onStep: e =>
          metrics.pipelineStep({
            pipeline: e.pipeline,
            step: e.step,
            outcome: e.status,
            retries: e.retries,
            seconds: e.durationMs / 1000,
          }),
      }
    : {};
  const pipelines = createPipelineBackend({ catalog, modules: js, logger: opts.logger, observer });
  return [
    createOnnxRuntimeBackend({ logger: opts.logger }),
    js,
    opts.plans ? opts.plans.observe(pipelines) : pipelines,
  ];
}
