/**
 * @module The metrics endpoint: `GET /metrics` in the Prometheus text format on its own port
 * (Triton's 8002), apart from the inference port so scrapes never queue behind inference.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../core/logger.js';
import { noopLogger } from '../../core/logger.js';

/** What the endpoint serves: a renderer and its content type (a BraidMetrics). */
export interface MetricsRenderer {
  readonly contentType: string;
  render(): Promise<string>;
}

/** Options of {@link serveMetrics}. */
export interface MetricsServerOptions {
  /** Port to bind; 0 picks a free one. */
  readonly port: number;
  /** Interface to bind. Default `0.0.0.0`. */
  readonly host?: string;
  readonly logger?: Logger;
}

/** A listening metrics endpoint. */
export interface MetricsServerHandle {
  readonly port: number;
  /** Stops listening and closes open connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves `metrics` at `GET /metrics` (HEAD too); other paths get 404, other methods 405.
 * Resolves once the port is bound.
 *
 * @example
 * const endpoint = await serveMetrics(metrics, { port: 8002 });
 * // curl localhost:8002/metrics
 */
export function serveMetrics(
  metrics: MetricsRenderer,
  opts: MetricsServerOptions,
): Promise<MetricsServerHandle> {
  const logger = opts.logger ?? noopLogger;
  const server = createServer((req, res) => void handle(metrics, req, res, logger));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : opts.port;
      let closing: Promise<void> | undefined;
      resolve({
        port,
        close: () =>
          (closing ??= new Promise<void>(done => {
            server.close(() => done());
            server.closeAllConnections();
          })),
      });
    });
  });
}

async function handle(
  metrics: MetricsRenderer,
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/metrics') return reply(res, 404, 'text/plain', 'Not Found\n');
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return reply(res, 405, 'text/plain', 'Method Not Allowed\n');
  try {
    const text = await metrics.render();
    reply(res, 200, metrics.contentType, req.method === 'HEAD' ? '' : text);
  } catch (e) {
    logger.log('error', 'rendering metrics failed', {
      error: e instanceof Error ? e.message : String(e),
    });
    reply(res, 500, 'text/plain', 'metrics unavailable\n');
  }
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType });
  res.end(body);
}
