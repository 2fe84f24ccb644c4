/**
 * @module A request's sequence parameters (`sequence_id`, `sequence_start`, `sequence_end`), read
 * and checked as Triton reads them from HTTP and gRPC requests to a sequence-batched model.
 */
import { describeValue } from '../../core/client-value.js';
import { EngineError } from '../../core/errors.js';
import type { ParameterValue } from '../../core/request.js';
import type { ScheduledRequest } from '../../core/scheduler.js';

/** Which sequence a request belongs to, and whether it starts or ends it. */
export interface SequenceFlags {
  /** The correlation ID as sent: an unsigned integer or a non-empty string. */
  readonly id: number | string;
  /** Tells a numeric ID from the same digits sent as a string, as Triton does. */
  readonly key: string;
  readonly start: boolean;
  readonly end: boolean;
}

/**
 * Reads the sequence parameters of a request to `model`. Throws EngineError INVALID_ARG, with
 * Triton's words, when `sequence_id` is absent, 0 or empty (0 is reserved for requests outside
 * any sequence), or when a parameter has the wrong type.
 *
 * @example
 * readSequenceFlags({ sequence_id: 1000, sequence_start: true }, 'simple_sequence');
 * // { id: 1000, key: '#1000', start: true, end: false }
 */
export function readSequenceFlags(
  params: Readonly<Record<string, ParameterValue>> | undefined,
  model: string,
): SequenceFlags {
  const id = params?.['sequence_id'];
  if (id === undefined || id === 0 || id === '') {
    throw new EngineError(
      'INVALID_ARG',
      `inference request to model '${model}' must specify a non-zero or non-empty correlation ID (request parameter 'sequence_id')`,
    );
  }
  if (
    typeof id === 'boolean' ||
    (typeof id === 'number' && !(Number.isSafeInteger(id) && id > 0))
  ) {
    throw new EngineError(
      'INVALID_ARG',
      `parameter 'sequence_id' of a request to model '${model}' must be an unsigned integer or a string, got ${describeValue(id)}`,
    );
  }
  return {
    id,
    key: typeof id === 'number' ? `#${id}` : `'${id}`,
    start: flag(params, 'sequence_start', model),
    end: flag(params, 'sequence_end', model),
  };
}

/**
 * The sequence flags of a request to `model`, after Triton's check that it has batch size 1
 * (EngineError INVALID_ARG otherwise, and as {@link readSequenceFlags}).
 *
 * @example
 * const flags = requestFlags(req, 'simple_sequence');
 */
export function requestFlags(req: ScheduledRequest, model: string): SequenceFlags {
  if (req.batchSize > 1) {
    throw new EngineError(
      'INVALID_ARG',
      `inference request to model '${model}' must specify batch-size 1 due to requirements of sequence batcher`,
    );
  }
  return readSequenceFlags(req.parameters, model);
}

/**
 * Triton's error for a request of a sequence that is not open and does not START one.
 *
 * @example
 * throw notStarted(flags, 'simple_sequence');
 */
export function notStarted(flags: SequenceFlags, model: string): EngineError {
  return new EngineError(
    'INVALID_ARG',
    `inference request for sequence ${flags.id} to model '${model}' must specify the START flag on the first request of the sequence`,
  );
}

function flag(
  params: Readonly<Record<string, ParameterValue>> | undefined,
  name: string,
  model: string,
): boolean {
  const v = params?.[name];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') {
    throw new EngineError(
      'INVALID_ARG',
      `parameter '${name}' of a request to model '${model}' must be a bool, got ${describeValue(v)}`,
    );
  }
  return v;
}
