/**
 * @module The config parameters a worker host reads: `execute_timeout_ms` and `max_heap_mb`.
 * Parameters are strings, as in Triton's backends.
 */
import { EngineError } from '../../engine/core/errors.js';
import type { ModelConfig } from '../../engine/core/model-config.js';

/** A numeric config parameter: its name, the least value it takes, and what it counts. */
export interface NumberParameter {
  readonly name: string;
  readonly min: number;
  readonly integer: boolean;
  readonly expected: string;
}

/** Longest an execute may run before its worker is stopped and replaced; 0 never stops one. */
export const EXECUTE_TIMEOUT: NumberParameter = {
  name: 'execute_timeout_ms',
  min: 0,
  integer: false,
  expected: 'a non-negative number of milliseconds',
};

/** Heap limit of a worker, in MB. */
export const MAX_HEAP: NumberParameter = {
  name: 'max_heap_mb',
  min: 1,
  integer: true,
  expected: 'a positive whole number of megabytes',
};

/**
 * The parameter's value, undefined when the config sets none; INVALID_ARG naming the model and
 * the parameter when it is malformed.
 *
 * @example
 * numberParameter(config, 'post', EXECUTE_TIMEOUT) ?? 30_000;
 */
export function numberParameter(
  config: ModelConfig,
  model: string,
  p: NumberParameter,
): number | undefined {
  const raw = config.parameters[p.name]?.string_value;
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (
    raw.trim() === '' ||
    !Number.isFinite(n) ||
    (p.integer && !Number.isInteger(n)) ||
    n < p.min
  ) {
    throw new EngineError(
      'INVALID_ARG',
      `model '${model}': parameter ${p.name} must be ${p.expected}, found '${raw}'`,
    );
  }
  return n;
}
