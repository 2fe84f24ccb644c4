/**
 * @module
 * The HTTP frontend: a hono app serving the Open Inference Protocol over an InferenceEngine.
 */
import { Hono } from 'hono';
import { EngineError } from '../core/errors.js';
import { noopLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type { InferenceEngine } from '../runtime/types.js';
import { errorResponse, jsonError } from './errors.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerInferRoutes } from './routes/infer.js';
import { registerMetadataRoutes } from './routes/metadata.js';
import { registerRepositoryRoutes } from './routes/repository.js';
import { registerStatsRoutes } from './routes/stats.js';
import type { BraidApp } from './routing.js';

/** Triton's default request body limit, `HTTP_DEFAULT_MAX_INPUT_SIZE` (64 MiB). */
export const DEFAULT_MAX_INPUT_SIZE = 1 << 26;

/** Options of {@link createApp}. */
export interface AppOptions {
  /**
   * Largest request body accepted, in bytes, both as sent and after decompression; larger
   * bodies get 413. Default {@link DEFAULT_MAX_INPUT_SIZE}.
   */
  readonly maxInputSize?: number;
  /** Where failures that are not EngineErrors are logged. Default: dropped. */
  readonly logger?: Logger;
}

/**
 * Creates the HTTP app for `engine`. Every error answer is `{"error": "..."}` with
 * `Content-Type: application/json`: engine errors with their mapped status, unknown paths 404,
 * known paths with the wrong method 405. Serve it with `listen` from ./listen.js.
 *
 * @example
 * const app = createApp(engine, { maxInputSize: 16 << 20 });
 * const res = await app.request('/v2/health/ready'); // 200, empty body
 */
export function createApp(engine: InferenceEngine, opts: AppOptions = {}): BraidApp {
  const maxInputSize = opts.maxInputSize ?? DEFAULT_MAX_INPUT_SIZE;
  if (!Number.isSafeInteger(maxInputSize) || maxInputSize < 1) {
    throw new EngineError('INVALID_ARG', `maxInputSize of the HTTP server must be a positive integer, got ${maxInputSize}`);
  }
  const logger = (opts.logger ?? noopLogger).child({ component: 'http' });
  const app: BraidApp = new Hono();
  registerHealthRoutes(app, engine);
  // Statistics first: its exact path /v2/models/stats must win over the model patterns.
  registerStatsRoutes(app, engine);
  registerMetadataRoutes(app, engine);
  registerInferRoutes(app, engine, maxInputSize);
  registerRepositoryRoutes(app, engine, maxInputSize);
  app.notFound(() => jsonError(404, 'Not Found'));
  app.onError(err => errorResponse(err, logger));
  return app;
}
