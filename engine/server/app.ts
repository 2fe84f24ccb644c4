/**
 * @module
 * The HTTP frontend: a hono app serving the Open Inference Protocol over an InferenceEngine.
 */
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { EngineError } from '../core/errors.js';
import { noopLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type {
  InferenceMetrics,
  LoggingControl,
  RequestTracer,
  TraceSettingsControl,
} from '../core/telemetry.js';
import type { InferenceEngine } from '../runtime/types.js';
import { refuseInferWhileDraining } from './drain.js';
import { errorResponse, jsonError } from './errors.js';
import type { Restrictions } from './restricted-api.js';
import { assertRoutesCategorized, restrictedApiMiddleware } from './restricted-http.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerGenerateRoutes } from './routes/generate.js';
import { registerInferRoutes } from './routes/infer.js';
import { registerLoggingRoutes } from './routes/logging.js';
import { registerMetadataRoutes } from './routes/metadata.js';
import { registerRepositoryRoutes } from './routes/repository.js';
import { registerStatsRoutes } from './routes/stats.js';
import { registerTraceRoutes } from './routes/trace.js';
import type { BraidApp, ServerContext } from './routing.js';
import { CachingRouter } from './route-cache.js';
import { registerConsoleRoutes } from './console/routes.js';
import type { ConsoleAssets } from './console/assets.js';
import type { ConsoleSources } from './console/sources.js';

/** Triton's default request body limit, `HTTP_DEFAULT_MAX_INPUT_SIZE` (64 MiB). */
export const DEFAULT_MAX_INPUT_SIZE = 1 << 26;

/** Options of {@link createApp}. */
export interface AppOptions {
  /**
   * Largest request body accepted, in bytes, both as sent and after decompression; larger
   * bodies get 413. Default {@link DEFAULT_MAX_INPUT_SIZE}.
   */
  readonly maxInputSize?: number;
  /**
   * Where failures that are not EngineErrors are logged, with the request id (the client's
   * `X-Request-Id`, or one made up); with debug on, every request is logged too. Default: dropped.
   */
  readonly logger?: Logger;
  /** Samples infer requests and opens their root spans. Default: nothing is traced. */
  readonly tracer?: RequestTracer;
  /** Backs `/v2[/models/{m}]/trace/setting`; absent, those answer UNAVAILABLE. */
  readonly traceSettings?: TraceSettingsControl;
  /** Backs `/v2/logging`; absent, it answers UNAVAILABLE. */
  readonly logging?: LoggingControl;
  /** Counts every answered request by method, route pattern and status. Default: not counted. */
  readonly metrics?: InferenceMetrics;
  /** Time source of request durations. Default the system clock. */
  readonly clock?: Clock;
  /**
   * API categories that require a header and value (Triton's `--http-restricted-api`); a request
   * without them is refused with 403 before any work. Default: nothing restricted.
   */
  readonly restrictedApis?: Restrictions;
  /**
   * True once a graceful shutdown has begun: infer requests arriving then get UNAVAILABLE
   * "server is shutting down" (503), while everything else, health included, is still served.
   * Default: never.
   */
  readonly isDraining?: () => boolean;
  /**
   * Serves the web console at `/console` with these built files and data sources (`braid serve
   * --allow-console`). Absent: no console routes, so `/console` is 404.
   */
  readonly console?: {
    readonly assets: ConsoleAssets;
    readonly sources: ConsoleSources;
    readonly intervalMs?: number;
  };
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
    throw new EngineError(
      'INVALID_ARG',
      `maxInputSize of the HTTP server must be a positive integer, got ${maxInputSize}`,
    );
  }
  const logger = (opts.logger ?? noopLogger).child({ component: 'http' });
  const app: BraidApp = new Hono({ router: new CachingRouter() });
  if (opts.metrics || opts.logging) observeRequests(app, logger, opts, opts.clock ?? systemClock);
  const restrict = opts.restrictedApis && restrictedApiMiddleware(opts.restrictedApis);
  if (restrict) app.use(restrict);
  if (opts.isDraining) refuseInferWhileDraining(app, opts.isDraining);
  registerHealthRoutes(app, engine);
  // Statistics first: its exact path /v2/models/stats must win over the model patterns.
  registerStatsRoutes(app, engine);
  // The trace and logging extensions are served over HTTP only, and only when backed.
  registerMetadataRoutes(app, engine, [
    ...(opts.traceSettings ? ['trace'] : []),
    ...(opts.logging ? ['logging'] : []),
  ]);
  registerInferRoutes(app, engine, maxInputSize, opts.tracer);
  registerGenerateRoutes(app, engine, maxInputSize, opts.tracer);
  registerRepositoryRoutes(app, engine, maxInputSize);
  registerTraceRoutes(app, engine, opts.traceSettings, maxInputSize);
  registerLoggingRoutes(app, opts.logging, maxInputSize);
  if (opts.console) {
    const { isDraining } = opts;
    const clock = opts.clock ?? systemClock;
    registerConsoleRoutes(app, engine, {
      ...opts.console,
      clock,
      maxInputSize,
      ...(isDraining ? { isDraining } : {}),
    });
  }
  assertRoutesCategorized(app);
  app.notFound(() => jsonError(404, 'Not Found'));
  app.onError((err, c) => errorResponse(err, requestLogger(logger, c)));
  return app;
}

/**
 * Counts each answered request, and with a verbose log level logs it with its request id and
 * duration.
 */
function observeRequests(app: BraidApp, logger: Logger, opts: AppOptions, clock: Clock): void {
  const { metrics, logging } = opts;
  app.use(async function observe(c, next) {
    const start = clock.now();
    await next();
    const seconds = (clock.now() - start) / 1000;
    // Route patterns, never raw paths, keep the label set bounded; '/*' is this middleware's own.
    const route = c.req.routePath === '/*' ? 'unmatched' : c.req.routePath;
    const status = c.res.status;
    metrics?.httpRequest({ method: c.req.method, route, status, seconds });
    if (logging && logging.get().log_verbose_level > 0) {
      const durationMs = Math.round(seconds * 1e6) / 1000;
      logger.log('debug', 'http request', {
        ...requestFields(c),
        route,
        status,
        duration_ms: durationMs,
      });
    }
  });
}

/** `logger` with the request's fields, worked out only if a line is written (most errors are not logged). */
function requestLogger(logger: Logger, c: ServerContext): Logger {
  let child: Logger | undefined;
  const get = (): Logger => (child ??= logger.child(requestFields(c)));
  return {
    log: (level, msg, fields) => get().log(level, msg, fields),
    child: fields => get().child(fields),
  };
}

const requestIds = new WeakMap<Request, string>();

/** The request's id (`X-Request-Id`, or one made up once per request), method and path. */
function requestFields(c: ServerContext): { request_id: string; method: string; path: string } {
  let id = requestIds.get(c.req.raw);
  if (id === undefined) {
    id = c.req.header('x-request-id') ?? randomUUID();
    requestIds.set(c.req.raw, id);
  }
  return { request_id: id, method: c.req.method, path: c.req.path };
}
