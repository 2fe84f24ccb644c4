/**
 * @module A request's schedule-policy parameters (`priority`, `timeout`), read and checked.
 */
import { describeValue, quote } from '../core/client-value.js';
import { EngineError } from '../core/errors.js';
import type { ParameterValue } from '../core/request.js';

/**
 * Reads the schedule-policy parameters (`priority`, `timeout` in microseconds) of a request
 * (reference §1.9). Both must be non-negative integers.
 *
 * @example
 * schedulingParameters({ priority: 1, timeout: 5000 }, 'simple'); // { priority: 1, timeoutUs: 5000 }
 */
export function schedulingParameters(
  params: Readonly<Record<string, ParameterValue>> | undefined,
  model: string,
): { priority?: number; timeoutUs?: number } {
  if (!params) return {};
  const out: { priority?: number; timeoutUs?: number } = {};
  const priority = uintParam(params, 'priority', model);
  if (priority !== undefined) out.priority = priority;
  const timeout = uintParam(params, 'timeout', model);
  if (timeout !== undefined) out.timeoutUs = timeout;
  return out;
}

function uintParam(
  params: Readonly<Record<string, ParameterValue>>,
  key: string,
  model: string,
): number | undefined {
  const v = params[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new EngineError(
      'INVALID_ARG',
      `parameter '${key}' of a request to model ${quote(model)} must be a non-negative integer, got ${describeValue(v)}`,
    );
  }
  return v;
}
