/**
 * The full shape of every input of a measurement, from the model metadata, the batch size and
 * the user's `--shape` overrides: perf_analyzer's rules (a shape names the dimensions without
 * the batch dimension; every variable dimension must be given).
 *
 * @module
 */
import { EngineError } from '../../core/errors.js';
import type { ModelInfo, TensorMetadata } from './model-info.js';

/**
 * Parses `NAME:d1,d2,...` (perf_analyzer's `--shape`). The name may itself contain colons; the
 * last one separates the dimensions.
 *
 * @example
 * parseShapeFlag('INPUT0:3,224,224'); // ['INPUT0', [3, 224, 224]]
 */
export function parseShapeFlag(flag: string): [string, number[]] {
  const at = flag.lastIndexOf(':');
  const name = flag.slice(0, at);
  const dims = flag
    .slice(at + 1)
    .split(',')
    .map(Number);
  if (at <= 0 || dims.some(d => !Number.isInteger(d) || d < 0)) {
    throw new EngineError(
      'INVALID_ARG',
      `--shape must be NAME:d1,d2,... with non-negative integer dimensions, got '${flag}'`,
    );
  }
  return [name, dims];
}

/** Whether the metadata's first dimension is the batch dimension. */
export function batchesOnFirstDim(info: ModelInfo): boolean {
  return info.maxBatchSize !== undefined && info.maxBatchSize > 0;
}

/**
 * Checks the batch size against the model: at most max_batch_size, and 1 for a model that does
 * not batch.
 *
 * @example
 * checkBatchSize(info, 8);
 */
export function checkBatchSize(info: ModelInfo, batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new EngineError('INVALID_ARG', `batch size must be an integer >= 1, got ${batchSize}`);
  }
  const max = info.maxBatchSize;
  if (max === 0 && batchSize > 1) {
    throw new EngineError(
      'INVALID_ARG',
      `model '${info.name}' does not batch (max_batch_size 0); batch size must be 1, got ${batchSize}`,
    );
  }
  if (max !== undefined && max > 0 && batchSize > max) {
    throw new EngineError(
      'INVALID_ARG',
      `model '${info.name}': batch size ${batchSize} exceeds max_batch_size ${max}`,
    );
  }
}

/** The dimensions of one batch item (metadata shape without the batch dimension). */
export function itemDims(info: ModelInfo, input: TensorMetadata): readonly number[] {
  return batchesOnFirstDim(info) ? input.shape.slice(1) : input.shape;
}

function override(
  info: ModelInfo,
  input: TensorMetadata,
  given: readonly number[],
): readonly number[] {
  const dims = itemDims(info, input);
  const fits = given.length === dims.length && dims.every((d, i) => d === -1 || d === given[i]);
  if (!fits) {
    throw new EngineError(
      'INVALID_ARG',
      `--shape for input '${input.name}' of model '${info.name}': expected dimensions like [${dims.join(',')}] ` +
        `(without the batch dimension; -1 is free), got [${given.join(',')}]`,
    );
  }
  return given;
}

/**
 * The full request shape of `input`: the batch dimension first when the model batches, then the
 * item dimensions with `given` (from --shape or a data file) applied. Throws when a variable
 * dimension is left.
 *
 * @example
 * requestShape(info, info.inputs[0], 4, undefined); // [4, 16] for simple's INPUT0
 */
export function requestShape(
  info: ModelInfo,
  input: TensorMetadata,
  batchSize: number,
  given: readonly number[] | undefined,
): number[] {
  let dims = given === undefined ? itemDims(info, input) : override(info, input, given);
  // Without a config the batch dimension is unknown; a leading -1 is taken as one.
  if (info.maxBatchSize === undefined && given === undefined && dims[0] === -1)
    dims = [batchSize, ...dims.slice(1)];
  if (dims.some(d => d < 0)) {
    throw new EngineError(
      'INVALID_ARG',
      `input '${input.name}' of model '${info.name}' has a variable dimension (shape [${input.shape.join(',')}]); ` +
        `give its dimensions with --shape ${input.name}:d1,d2,...`,
    );
  }
  return batchesOnFirstDim(info) ? [batchSize, ...dims] : [...dims];
}
