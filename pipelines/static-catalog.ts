/**
 * @module A {@link ModelCatalog} over a fixed list of model signatures, for checking pipelines
 * without a running engine (`braid validate`) and for tests.
 */
import { EngineError } from '../engine/core/errors.js';
import type { CatalogModel, ModelCatalog } from '../engine/core/model-catalog.js';
import type { InferRequest, InferResponse } from '../engine/core/request.js';

/** Options of {@link createStaticCatalog}. */
export interface StaticCatalogOptions {
  /** Runs requests; without it `infer` rejects with UNSUPPORTED. */
  readonly infer?: (req: InferRequest) => Promise<InferResponse>;
  /** Models that exist but are not ready, with the reason reported for them. */
  readonly unready?: ReadonlyMap<string, string>;
}

/**
 * A catalog that knows `models` (several versions of one name allowed).
 *
 * @example
 * const catalog = createStaticCatalog([{ name: 'det', version: 1, platform: 'onnxruntime_onnx', maxBatchSize: 4, inputs, outputs }]);
 * await compilePipeline(text, { name: 'ocr', file, baseDir, catalog });
 */
export function createStaticCatalog(
  models: readonly CatalogModel[],
  opts: StaticCatalogOptions = {},
): ModelCatalog {
  return {
    metadata(name, version) {
      const reason = opts.unready?.get(name);
      if (reason !== undefined)
        return Promise.reject(
          new EngineError('UNAVAILABLE', `model '${name}' is not ready: ${reason}`),
        );
      const candidates = models.filter(
        m => m.name === name && (version === undefined || m.version === version),
      );
      if (candidates.length === 0) {
        const what = version === undefined ? `'${name}'` : `'${name}' version ${version}`;
        return Promise.reject(
          new EngineError('NOT_FOUND', `Request for unknown model: ${what} is not found`),
        );
      }
      return Promise.resolve(candidates.reduce((a, b) => (b.version > a.version ? b : a)));
    },
    infer(req) {
      if (!opts.infer)
        return Promise.reject(
          new EngineError(
            'UNSUPPORTED',
            `model '${req.modelName}': this catalog only describes models`,
          ),
        );
      return opts.infer(req);
    },
  };
}
