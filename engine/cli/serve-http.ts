/**
 * @module `braid serve`'s HTTP endpoint: the app on this thread's event loop, or with
 * `--http-thread-count` above 1, frontend threads in front of it.
 */
import type { Logger } from '../core/logger.js';
import type { InferenceMetrics } from '../core/metrics.js';
import type { LoggingControl } from '../core/settings-control.js';
import type { RequestTracer } from '../core/tracing.js';
import type { InferenceEngine } from '../runtime/types.js';
import { startFrontends } from '../server/frontends/frontend-pool.js';
import { listen } from '../server/listen.js';
import type { HttpServerHandle } from '../server/listen.js';
import type { BraidApp } from '../server/routing.js';
import type { ServerTls } from '../server/tls.js';
import type { ServeFlags } from './args.js';

/** What the HTTP endpoint serves besides the flags. */
export interface HttpDeps {
  readonly app: BraidApp;
  readonly engine: InferenceEngine;
  readonly tls: ServerTls | undefined;
  readonly logger: Logger;
  readonly tracer: RequestTracer;
  /** Whether a request could be traced now (some trace level is not OFF). */
  readonly tracingOn: () => boolean;
  readonly metrics: InferenceMetrics | undefined;
  readonly logging: LoggingControl | undefined;
}

/** A listening HTTP endpoint; `drain` tells frontend threads to refuse new inference. */
export type HttpEndpoint = HttpServerHandle & { drain(): void };

/**
 * Listens on `--http-port` with one event loop, or `--http-thread-count` frontend threads.
 *
 * @example
 * const http = await startHttp(flags, { app, engine, tls, logger, tracer, metrics, logging });
 */
export async function startHttp(flags: ServeFlags, deps: HttpDeps): Promise<HttpEndpoint> {
  const common = {
    port: flags.httpPort,
    host: flags.httpAddress,
    tls: deps.tls,
    headersTimeoutMs: flags.httpHeaderTimeoutMs,
    requestTimeoutMs: flags.httpRequestTimeoutMs,
  };
  if (flags.httpThreadCount <= 1) {
    // Draining is read by the app itself (isDraining) on the one loop.
    return { ...(await listen(deps.app, common)), drain: () => {} };
  }
  return startFrontends({
    ...common,
    threads: flags.httpThreadCount,
    app: deps.app,
    engine: deps.engine,
    tracer: deps.tracer,
    tracingOn: deps.tracingOn,
    logger: deps.logger,
    maxInputSize: flags.httpMaxInputSize,
    restrictedApis: flags.restricted.http,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.logging ? { logging: deps.logging } : {}),
  });
}
