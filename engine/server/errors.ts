/**
 * @module
 * The one place where engine error codes become HTTP and gRPC statuses (reference §1.3), and
 * where thrown values become `{"error": "..."}` responses.
 */
import { truncate } from '../core/client-value.js';
import { isEngineError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import { noopLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';

/** gRPC status codes by name (grpc/status.h), so no gRPC library is needed to name them. */
export const GRPC_STATUS = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** The name of a gRPC status, e.g. `INVALID_ARGUMENT`. */
export type GrpcStatusName = keyof typeof GRPC_STATUS;

/** How one engine error code is reported by each frontend. */
export interface StatusMapping {
  readonly http: number;
  readonly grpc: GrpcStatusName;
}

/**
 * Engine error code → HTTP status and gRPC status. Triton's table (http_server.cc
 * `HttpCodeFromError`, grpc_utils.cc) plus PAYLOAD_TOO_LARGE, which Triton reports as a plain
 * 400 but HTTP has a precise status for.
 */
export const ERROR_STATUS: Readonly<Record<ErrorCode, StatusMapping>> = {
  INTERNAL: { http: 500, grpc: 'INTERNAL' },
  NOT_FOUND: { http: 404, grpc: 'NOT_FOUND' },
  UNAVAILABLE: { http: 503, grpc: 'UNAVAILABLE' },
  UNSUPPORTED: { http: 501, grpc: 'UNIMPLEMENTED' },
  INVALID_ARG: { http: 400, grpc: 'INVALID_ARGUMENT' },
  ALREADY_EXISTS: { http: 400, grpc: 'ALREADY_EXISTS' },
  CANCELLED: { http: 400, grpc: 'CANCELLED' },
  UNKNOWN: { http: 400, grpc: 'UNKNOWN' },
  PAYLOAD_TOO_LARGE: { http: 413, grpc: 'RESOURCE_EXHAUSTED' },
};

/**
 * How a request to a restricted API without its header (gRPC: metadata) is refused. Not an engine
 * error: the request never reaches the engine. Triton answers HTTP 403 (src/http_server.cc
 * `RespondIfRestricted`) and gRPC UNAVAILABLE (src/grpc/grpc_handler.h `ExecutePrecondition`).
 */
export const RESTRICTED_STATUS: StatusMapping = { http: 403, grpc: 'UNAVAILABLE' };

/**
 * The HTTP status for an engine error code.
 *
 * @example
 * httpStatusOf('UNAVAILABLE'); // 503
 */
export function httpStatusOf(code: ErrorCode): number {
  return ERROR_STATUS[code].http;
}

/**
 * The numeric gRPC status for an engine error code.
 *
 * @example
 * grpcStatusOf('UNSUPPORTED'); // 12 (UNIMPLEMENTED)
 */
export function grpcStatusOf(code: ErrorCode): number {
  return GRPC_STATUS[ERROR_STATUS[code].grpc];
}

/**
 * Longest error message sent to a client. Messages show client names and values through
 * engine/core/client-value.ts; this bound catches any that carry client text another way.
 */
export const MAX_ERROR_MESSAGE_CHARS = 4096;

/**
 * The message of `err` as a client receives it, over HTTP or gRPC: cut to
 * {@link MAX_ERROR_MESSAGE_CHARS}.
 *
 * @example
 * callback({ code: grpcStatusOf(err.code), details: clientMessage(err.message) });
 */
export function clientMessage(message: string): string {
  return truncate(message, MAX_ERROR_MESSAGE_CHARS);
}

/** Message sent for failures that are not EngineErrors; the real cause goes to the log only. */
export const INTERNAL_ERROR_MESSAGE = 'internal server error';

/**
 * A protocol error response: `{"error": message}` with `Content-Type: application/json`.
 *
 * @example
 * jsonError(404, 'Not Found');
 */
export function jsonError(status: number, message: string): Response {
  return new Response(JSON.stringify({ error: message }), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

/**
 * Turns anything thrown while serving a request into the protocol's error response. An
 * EngineError keeps its message and gets its code's status; anything else is a 500 with a
 * generic message, logged in full through `logger` so internals never reach the client.
 *
 * @example
 * app.onError(err => errorResponse(err, logger));
 */
export function errorResponse(err: unknown, logger: Logger = noopLogger): Response {
  if (isEngineError(err)) {
    if (err.code === 'INTERNAL')
      logger.log('error', err.message, { code: err.code, cause: describe(err.cause) });
    return jsonError(httpStatusOf(err.code), clientMessage(err.message));
  }
  logger.log('error', 'unexpected failure while serving a request', describeFields(err));
  return jsonError(500, INTERNAL_ERROR_MESSAGE);
}

function describe(e: unknown): string | undefined {
  if (e === undefined) return undefined;
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

function describeFields(e: unknown): Record<string, unknown> {
  return {
    error: e instanceof Error ? e.message : String(e),
    stack: e instanceof Error ? e.stack : undefined,
  };
}
