/**
 * @module EngineError and its closed set of codes; engine/server maps each code to its HTTP and
 * gRPC status.
 */
/**
 * The closed set of engine error codes, Triton's `TRITONSERVER_Error` codes plus one for
 * oversized payloads. Each code maps to exactly one HTTP and gRPC status in engine/server.
 */
export const ERROR_CODES = {
  INTERNAL: 'an unexpected failure inside the server or a backend',
  NOT_FOUND: 'the model, version or resource named by the request does not exist',
  UNAVAILABLE: 'the model is not ready, its queue is full, or the request timed out in the queue',
  UNSUPPORTED: 'the request asks for something this server does not implement',
  INVALID_ARG: 'the request is malformed: bad JSON, unknown tensor, wrong datatype or shape',
  ALREADY_EXISTS: 'the resource to create exists already',
  CANCELLED: 'the client cancelled the request or disconnected before it completed',
  UNKNOWN: 'a failure whose cause could not be classified',
  PAYLOAD_TOO_LARGE: 'the request body exceeds the configured size limit',
} as const;

/** One of the engine's error codes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Why a request failed, in the terms of Triton's `nv_inference_request_failure{reason}`:
 * REJECTED by the scheduler (queue full, timeout), CANCELED, failed in the BACKEND, or OTHER.
 */
export type FailureReason = 'REJECTED' | 'CANCELED' | 'BACKEND' | 'OTHER';

/** Options of {@link EngineError}. */
export interface EngineErrorOptions {
  readonly cause?: unknown;
  /** Overrides the failure reason derived from the code. */
  readonly reason?: FailureReason;
}

/**
 * The one error type the engine throws. Messages say where the failure is (model, version,
 * tensor) and what was expected versus found.
 *
 * @example
 * throw new EngineError('INVALID_ARG', "input 'INPUT0' of model 'simple': expected FP32, got INT32");
 */
export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly reason: FailureReason;

  constructor(code: ErrorCode, message: string, options: EngineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EngineError';
    this.code = code;
    this.reason = options.reason ?? defaultReason(code);
  }
}

function defaultReason(code: ErrorCode): FailureReason {
  if (code === 'CANCELLED') return 'CANCELED';
  if (code === 'INTERNAL') return 'BACKEND';
  return 'OTHER';
}

/**
 * Wraps any thrown value as an EngineError, keeping EngineErrors as they are.
 *
 * @example
 * catch (e) { throw toEngineError(e, 'INTERNAL', `model 'm' failed`); }
 */
export function toEngineError(
  e: unknown,
  code: ErrorCode = 'INTERNAL',
  context?: string,
): EngineError {
  if (e instanceof EngineError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return new EngineError(code, context ? `${context}: ${detail}` : detail, { cause: e });
}

/** Whether `e` is an EngineError (also across module copies). */
export function isEngineError(e: unknown): e is EngineError {
  return (
    e instanceof EngineError || (e instanceof Error && e.name === 'EngineError' && 'code' in e)
  );
}
