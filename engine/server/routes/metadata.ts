/**
 * @module
 * Server metadata, model metadata, model readiness and model configuration (reference §1.2,
 * §1.4, §1.5, §3.9).
 */
import type { InferenceEngine } from '../../runtime/types.js';
import { jsonError } from '../errors.js';
import { modelPaths, modelTarget, route } from '../routing.js';
import type { BraidApp } from '../routing.js';

/** Body of the 400 answer of a model-ready probe, exactly as Triton sends it. */
export const MODEL_NOT_READY = 'Model version not ready';

/**
 * Registers `GET /v2` (server metadata, its extensions the engine's plus `httpExtensions`, those
 * this HTTP endpoint alone serves), `GET /v2/models/{m}[/versions/{v}]` (model metadata),
 * `…/ready` (200 empty, or 400 `{"error":"Model version not ready"}`) and `…/config`.
 * Register after the statistics routes, whose `/v2/models/stats` these patterns also match.
 *
 * @example
 * registerMetadataRoutes(app, engine, ['trace', 'logging']);
 */
export function registerMetadataRoutes(
  app: BraidApp,
  engine: InferenceEngine,
  httpExtensions: readonly string[] = [],
): void {
  route(app, ['/v2'], {
    GET: c => {
      const meta = engine.serverMetadata();
      return c.json(
        httpExtensions.length === 0
          ? meta
          : { ...meta, extensions: [...meta.extensions, ...httpExtensions] },
      );
    },
  });
  route(app, modelPaths(), {
    GET: c => {
      const { name, version } = modelTarget(c);
      return c.json(engine.modelMetadata(name, version));
    },
  });
  route(app, modelPaths('/ready'), {
    GET: c => {
      const { name, version } = modelTarget(c);
      return engine.isModelReady(name, version)
        ? c.body(null, 200)
        : jsonError(400, MODEL_NOT_READY);
    },
  });
  route(app, modelPaths('/config'), {
    GET: c => {
      const { name, version } = modelTarget(c);
      return c.json(engine.modelConfig(name, version));
    },
  });
}
