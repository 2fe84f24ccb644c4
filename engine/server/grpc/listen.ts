/**
 * @module Serving `inference.GRPCInferenceService` and `grpc.health.v1.Health` on a port, with
 * the same graceful close as HTTP: calls in flight finish within the grace period.
 */
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { systemClock } from '../../core/clock.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { InferenceEngine } from '../../runtime/types.js';
import type { Restrictions } from '../restricted-api.js';
import { grpcServerCredentials } from '../tls.js';
import type { ServerTls } from '../tls.js';
import { InFlight } from '../drain.js';
import { HealthService } from './health.js';
import { healthServiceDefinition, inferenceServiceDefinition } from './protos.js';
import type { RequestTracer } from '../../core/telemetry.js';
import { grpcHandlers } from './service.js';

export { inferenceServiceDefinition } from './protos.js';

/**
 * Connection limits, in ms, as Triton's `--grpc-keepalive-time`, `--grpc-keepalive-timeout`,
 * `--grpc-max-connection-age` and `--grpc-max-connection-age-grace`; absent: grpc-js's default.
 */
export interface GrpcKeepalive {
  readonly timeMs?: number;
  readonly timeoutMs?: number;
  readonly maxConnectionAgeMs?: number;
  readonly maxConnectionAgeGraceMs?: number;
}

/** Options of {@link listenGrpc}. */
export interface GrpcListenOptions {
  /** Port to bind; 0 picks a free one. */
  readonly port: number;
  /** Interface to bind. Default `0.0.0.0`. */
  readonly host?: string;
  /** Largest message accepted, in bytes (the HTTP body limit's counterpart). */
  readonly maxMessageBytes: number;
  readonly logger?: Logger;
  /** Time source of the close grace period. Default the system clock. */
  readonly clock?: Clock;
  /** Categories that require metadata (Triton's `--grpc-restricted-protocol`). Default: none. */
  readonly restrictedProtocols?: Restrictions;
  /** Serve TLS (Triton's `--grpc-use-ssl`, `--grpc-use-ssl-mutual`). Default: plaintext. */
  readonly tls?: ServerTls;
  /** True once a graceful shutdown has begun: ModelInfer calls are then UNAVAILABLE. Default: never. */
  readonly isDraining?: () => boolean;
  readonly keepalive?: GrpcKeepalive;
  /** Samples ModelInfer calls into traces. Default: none traced. */
  readonly tracer?: RequestTracer;
}

/** A listening gRPC server. */
export interface GrpcServerHandle {
  readonly port: number;
  /** Resolves once every call received so far has been answered; the server goes on serving meanwhile. */
  settled(): Promise<void>;
  /** Refuses new calls, lets running ones finish for `graceMs`, then cancels the rest. Idempotent. */
  close(graceMs: number): Promise<void>;
}

/**
 * Serves the engine over gRPC and resolves once the port is bound.
 *
 * @example
 * const grpc = await listenGrpc(engine, { port: 8001, maxMessageBytes: 1 << 26 });
 * await grpc.close(5000);
 */
export function listenGrpc(
  engine: InferenceEngine,
  opts: GrpcListenOptions,
): Promise<GrpcServerHandle> {
  const server = new Server({
    'grpc.max_receive_message_length': opts.maxMessageBytes,
    'grpc.max_send_message_length': -1,
    ...keepaliveOptions(opts.keepalive ?? {}),
  });
  const inFlight = new InFlight();
  const handlers = grpcHandlers(engine, {
    logger: opts.logger,
    restrictedProtocols: opts.restrictedProtocols,
    isDraining: opts.isDraining,
    inFlight,
    ...(opts.tracer ? { tracer: opts.tracer } : {}),
  });
  server.addService(inferenceServiceDefinition(), handlers);
  const clock = opts.clock ?? systemClock;
  const isDraining = opts.isDraining ?? (() => false);
  const health = new HealthService(engine, {
    restrictions: opts.restrictedProtocols ?? new Map(),
    isDraining,
    clock,
  });
  server.addService(healthServiceDefinition(), health.handlers());
  const address = `${opts.host ?? '0.0.0.0'}:${opts.port}`;
  return new Promise((resolve, reject) => {
    const credentials = opts.tls
      ? grpcServerCredentials(opts.tls)
      : ServerCredentials.createInsecure();
    server.bindAsync(address, credentials, (err, port) => {
      if (err) return reject(err);
      let closing: Promise<void> | undefined;
      resolve({
        port,
        settled: () => inFlight.settled(),
        close(graceMs) {
          health.close();
          closing ??= new Promise<void>(done => {
            const timer = clock.setTimeout(() => server.forceShutdown(), graceMs);
            server.tryShutdown(() => {
              clock.clearTimeout(timer);
              done();
            });
          });
          return closing;
        },
      });
    });
  });
}

/** grpc-js's channel options for `k`; unset limits are left out, keeping grpc-js's defaults. */
function keepaliveOptions(k: GrpcKeepalive): Record<string, number> {
  const all: Record<string, number | undefined> = {
    'grpc.keepalive_time_ms': k.timeMs,
    'grpc.keepalive_timeout_ms': k.timeoutMs,
    'grpc.max_connection_age_ms': k.maxConnectionAgeMs,
    'grpc.max_connection_age_grace_ms': k.maxConnectionAgeGraceMs,
  };
  return Object.fromEntries(
    Object.entries(all).filter((e): e is [string, number] => e[1] !== undefined),
  );
}
