/**
 * @module
 * Health endpoints. Triton answers them with a status code and an empty body, not KServe's
 * `{"live": bool}` (reference §1.2), and probes only look at the status.
 */
import type { InferenceEngine } from '../../runtime/types.js';
import { route } from '../routing.js';
import type { BraidApp } from '../routing.js';

/**
 * Registers `GET /v2/health/live` and `GET /v2/health/ready`: 200 when true, 400 when false,
 * both with empty bodies.
 *
 * @example
 * registerHealthRoutes(app, engine);
 */
export function registerHealthRoutes(app: BraidApp, engine: InferenceEngine): void {
  route(app, ['/v2/health/live'], { GET: c => c.body(null, engine.isLive() ? 200 : 400) });
  route(app, ['/v2/health/ready'], { GET: c => c.body(null, engine.isReady() ? 200 : 400) });
}
