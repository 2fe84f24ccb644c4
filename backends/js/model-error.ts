/**
 * @module How a JS/TS model says a failure is not its own. By default anything `execute` throws
 * is the model's fault: INTERNAL, HTTP 500. A module that finds the request itself wrong (an
 * image that does not decode, a value out of range) throws an error whose `code` is one of
 * {@link MODEL_ERROR_CODES}, and the client gets that code: INVALID_ARG is HTTP 400.
 *
 * ```ts
 * import { ModelError } from 'braid/backends/js/model-error.js';
 * throw new ModelError('INVALID_ARG', "input 'image': not a PNG or JPEG file");
 * // or, without importing anything:
 * throw Object.assign(new Error("input 'image': not a PNG or JPEG file"), { code: 'INVALID_ARG' });
 * ```
 *
 * Imports nothing, so a module in a model repository can import it at run time without
 * pulling in the backend.
 */

/** The codes a module's error may carry, as the engine's error codes spell them. */
export const MODEL_ERROR_CODES = [
  'INVALID_ARG',
  'UNSUPPORTED',
  'UNAVAILABLE',
  'NOT_FOUND',
] as const;

/** One of {@link MODEL_ERROR_CODES}. */
export type ModelErrorCode = (typeof MODEL_ERROR_CODES)[number];

/**
 * An error a model module throws to fail the request with `code` instead of INTERNAL.
 *
 * @example
 * if (bytes.length === 0) throw new ModelError('INVALID_ARG', "input 'image' is empty");
 */
export class ModelError extends Error {
  readonly code: ModelErrorCode;

  constructor(code: ModelErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.name = 'ModelError';
    this.code = code;
  }
}

/**
 * The code a thrown value carries, if it is one of {@link MODEL_ERROR_CODES}; any other value
 * (or code) gives undefined, and the failure stays the model's own.
 *
 * @example
 * modelErrorCode(Object.assign(new Error('bad'), { code: 'INVALID_ARG' })); // 'INVALID_ARG'
 * modelErrorCode(new RangeError('oops')); // undefined
 */
export function modelErrorCode(e: unknown): ModelErrorCode | undefined {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  const code = (e as { code: unknown }).code;
  return (MODEL_ERROR_CODES as readonly unknown[]).includes(code)
    ? (code as ModelErrorCode)
    : undefined;
}
