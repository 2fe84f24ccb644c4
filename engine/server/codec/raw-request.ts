/**
 * Raw binary requests (`Inference-Header-Content-Length: 0`): the body is the bytes of the
 * model's only input and its shape is deduced from the model metadata, following Triton's
 * InferenceRequest::Normalize (core infer_request.cc).
 *
 * Metadata shapes carry `-1` both for the batch dimension and for variable dimensions, and
 * the two cannot be told apart here. The rule used: when the shape has a single `-1`, that
 * dimension is sized from the byte length; when it has two and the first is leading, the
 * leading one is the batch dimension and is 1. For batching models this matches Triton's
 * "treated as batch 1" whenever the body holds one item, and for non-batching models with a
 * leading variable dimension it matches Triton exactly; the one difference is that a batching
 * model with fixed dims sent k whole items gets batch k where Triton reports a size mismatch.
 *
 * @module
 */
import type { DataType } from '../../core/datatype.js';
import { dataTypeSize } from '../../core/datatype.js';
import { EngineError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { formatShape } from '../../core/tensor.js';
import type { TensorMetadata } from '../../runtime/types.js';
import { binaryTensorData } from './binary-data.js';

/** The single input a raw request carries, with its name. */
export interface RawInput {
  readonly name: string;
  readonly tensor: Tensor;
}

/**
 * Builds the one input of a raw request from `body` and the model's input metadata.
 *
 * @throws EngineError INVALID_ARG with Triton's messages when the model does not have exactly
 *   one input, has more than one variable dimension, is BYTES without shape [1], or when the
 *   byte length does not fit the shape
 * @example
 * decodeRawInput(body, [{ name: 'INPUT0', datatype: 'FP32', shape: [-1, 16] }]);
 * // { name: 'INPUT0', tensor: { datatype: 'FP32', shape: [1, 16], data: Float32Array(16) } }
 */
export function decodeRawInput(body: Uint8Array, inputs: readonly TensorMetadata[]): RawInput {
  const meta = inputs[0];
  if (inputs.length !== 1 || meta === undefined) {
    throw new EngineError(
      'INVALID_ARG',
      'Raw request must only have 1 input (found 1) to be deduced but got ' +
        `${inputs.length} inputs in the model configuration`,
    );
  }
  const shape = [...meta.shape];
  const wild = wildcardAxes(shape);
  if (wild.length >= 2 && wild[0] === 0) {
    shape[0] = 1;
    wild.shift();
  }
  if (wild.length > 1) {
    throw new EngineError(
      'INVALID_ARG',
      `The shape of the raw input '${meta.name}' can not be deduced because there are more ` +
        'than one variable-sized dimension',
    );
  }
  const axis = wild[0];
  if (meta.datatype === 'BYTES') return rawBytes(meta.name, shape, axis, body);
  const { name, datatype } = meta;
  if (axis !== undefined) shape[axis] = deduceDim(name, datatype, shape, axis, body.byteLength);
  return { name, tensor: tensor(datatype, shape, binaryTensorData(name, datatype, shape, body)) };
}

function wildcardAxes(shape: readonly number[]): number[] {
  const axes: number[] = [];
  for (let i = 0; i < shape.length; i++) if (shape[i] === -1) axes.push(i);
  return axes;
}

/** A raw BYTES input is one element: the whole body, without a length prefix on the wire. */
function rawBytes(
  name: string,
  shape: number[],
  axis: number | undefined,
  body: Uint8Array,
): RawInput {
  if (axis === 0) shape[0] = 1;
  let count = 1;
  for (const d of shape) count *= d;
  if (count !== 1) {
    throw new EngineError(
      'INVALID_ARG',
      `For BYTE datatype raw input '${name}', the model must have input shape [1]`,
    );
  }
  return { name, tensor: tensor('BYTES', shape, [body]) };
}

function deduceDim(
  name: string,
  datatype: DataType,
  shape: readonly number[],
  axis: number,
  byteLength: number,
): number {
  let rowBytes = dataTypeSize(datatype) ?? 1;
  for (let i = 0; i < shape.length; i++) if (i !== axis) rowBytes *= shape[i]!;
  if (rowBytes === 0) return 0;
  if (byteLength % rowBytes !== 0) {
    throw new EngineError(
      'INVALID_ARG',
      `raw input '${name}' has ${byteLength} bytes, which is not a whole number of ` +
        `${rowBytes}-byte slices along the variable dimension of ${datatype} shape ` +
        formatShape(shape),
    );
  }
  return byteLength / rowBytes;
}

function tensor(datatype: DataType, shape: readonly number[], data: Tensor['data']): Tensor {
  return { datatype, shape, data };
}
