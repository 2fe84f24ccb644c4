/**
 * @module
 * The statistics extension: `GET /v2/models[/{m}[/versions/{v}]]/stats` (reference §5.3).
 */
import type { InferenceEngine } from '../../runtime/types.js';
import { modelPaths, modelTarget, route } from '../routing.js';
import type { BraidApp } from '../routing.js';

/**
 * Registers the statistics endpoints, each answering `{"model_stats": [...]}` with the engine's
 * statistics as they are. Register before the metadata routes: `/v2/models/stats` is matched
 * exactly before any model path, as in Triton, so it is never read as a model named `stats`.
 *
 * @example
 * registerStatsRoutes(app, engine);
 */
export function registerStatsRoutes(app: BraidApp, engine: InferenceEngine): void {
  route(app, ['/v2/models/stats'], { GET: c => c.json({ model_stats: engine.statistics() }) });
  route(app, modelPaths('/stats'), {
    GET: c => {
      const { name, version } = modelTarget(c);
      return c.json({ model_stats: engine.statistics(name, version) });
    },
  });
}
