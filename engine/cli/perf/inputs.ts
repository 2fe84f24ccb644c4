/**
 * The requests of a measurement, built from the model's metadata: every input at its full
 * shape, filled with zeros, random values or a data file's values, encoded as JSON or binary.
 *
 * @module
 */
import { EngineError } from '../../core/errors.js';
import type { DataEntry, DataValues } from './input-data-file.js';
import { checkBatchSize, itemDims, requestShape } from './input-shapes.js';
import type { ModelInfo, TensorMetadata } from './model-info.js';
import { binaryInferRequest, jsonInferRequest } from './request-body.js';
import type { InputTensor, PreparedRequest } from './request-body.js';
import { randomValues, valuesFrom, zeroValues } from './tensor-fill.js';

/** Where input values come from. */
export type InputDataSource = 'zero' | 'random' | readonly DataEntry[];

/** Options of {@link buildRequests}. */
export interface RequestBuildOptions {
  readonly batchSize: number;
  /** Item dimensions (without the batch dimension) per input name, from `--shape`. */
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  readonly data: InputDataSource;
  /** `binary` (the binary tensor data extension, outputs binary too) or `json`. */
  readonly encoding: 'binary' | 'json';
  /** Encodes a request's tensors instead of `encoding` (gRPC's ModelInferRequest). */
  readonly encode?: (tensors: readonly InputTensor[]) => PreparedRequest;
}

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** Item dims for data-file values: given, or the one variable dimension inferred from the count. */
function dataDims(
  info: ModelInfo,
  input: TensorMetadata,
  v: DataValues,
  flagged: readonly number[] | undefined,
): readonly number[] | undefined {
  if (v.shape !== undefined) return v.shape;
  if (flagged !== undefined) return flagged;
  const dims = itemDims(info, input);
  const free = dims.filter(d => d < 0).length;
  if (free !== 1) return undefined;
  const fixed = product(dims.filter(d => d >= 0));
  return fixed > 0 && v.values.length % fixed === 0
    ? dims.map(d => (d < 0 ? v.values.length / fixed : d))
    : undefined;
}

function fromData(
  info: ModelInfo,
  input: TensorMetadata,
  v: DataValues,
  opts: RequestBuildOptions,
): InputTensor {
  const shape = requestShape(
    info,
    input,
    opts.batchSize,
    dataDims(info, input, v, opts.shapes.get(input.name)),
  );
  const total = product(shape);
  const n = v.values.length;
  if (n !== total && n * opts.batchSize !== total) {
    throw new EngineError(
      'INVALID_ARG',
      `input data for '${input.name}' of model '${info.name}': ${n} values, ` +
        `expected ${total / opts.batchSize} per batch item (shape [${shape.join(',')}])`,
    );
  }
  const data = valuesFrom(input.datatype, v.values, total / n, input.name);
  return { name: input.name, datatype: input.datatype, shape, data };
}

function generated(
  info: ModelInfo,
  input: TensorMetadata,
  index: number,
  opts: RequestBuildOptions,
): InputTensor {
  const shape = requestShape(info, input, opts.batchSize, opts.shapes.get(input.name));
  const n = product(shape);
  const data =
    opts.data === 'zero'
      ? zeroValues(input.datatype, n, input.name)
      : randomValues(input.datatype, n, index + 1, input.name);
  return { name: input.name, datatype: input.datatype, shape, data };
}

function checkNames(info: ModelInfo, names: Iterable<string>, what: string): void {
  const known = new Set(info.inputs.map(i => i.name));
  for (const name of names) {
    if (!known.has(name)) {
      throw new EngineError(
        'INVALID_ARG',
        `${what} names input '${name}', which model '${info.name}' does not have (inputs: ${[...known].join(', ')})`,
      );
    }
  }
}

function tensorsFor(
  info: ModelInfo,
  entry: DataEntry | undefined,
  opts: RequestBuildOptions,
): InputTensor[] {
  const out: InputTensor[] = [];
  for (const [i, input] of info.inputs.entries()) {
    const v = entry?.get(input.name);
    const optional = info.optionalInputs.has(input.name);
    if (v !== undefined) out.push(fromData(info, input, v, opts));
    else if (entry !== undefined && !optional) {
      throw new EngineError(
        'INVALID_ARG',
        `input data has no values for input '${input.name}' of model '${info.name}'`,
      );
    } else if (!optional || opts.shapes.has(input.name)) out.push(generated(info, input, i, opts));
  }
  return out;
}

/**
 * One prepared request per data entry (one for zero or random data).
 *
 * @example
 * const [request] = buildRequests(info, { batchSize: 1, shapes: new Map(), data: 'random', encoding: 'binary' });
 */
export function buildRequests(info: ModelInfo, opts: RequestBuildOptions): PreparedRequest[] {
  checkBatchSize(info, opts.batchSize);
  checkNames(info, opts.shapes.keys(), '--shape');
  const entries = typeof opts.data === 'string' ? [undefined] : opts.data;
  for (const e of entries) if (e) checkNames(info, e.keys(), 'input data');
  return entries.map(entry => {
    const tensors = tensorsFor(info, entry, opts);
    if (opts.encode) return opts.encode(tensors);
    return opts.encoding === 'json'
      ? jsonInferRequest(tensors)
      : binaryInferRequest(
          tensors,
          info.outputs.map(o => o.name),
        );
  });
}
