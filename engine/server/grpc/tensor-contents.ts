/**
 * @module The data of one input of a gRPC infer request, from `raw_input_contents` (the layout
 * of the HTTP binary extension, read by the same zero-copy decoder) or from the typed
 * `contents` field its datatype is carried in.
 */
import { describeValue, quote } from '../../core/client-value.js';
import type { DataType } from '../../core/datatype.js';
import { EngineError } from '../../core/errors.js';
import type { TensorData } from '../../core/tensor.js';
import { elementCount, typedArrayFor } from '../../core/tensor.js';
import { binaryTensorData } from '../codec/binary-data.js';

/** `InferTensorContents` as decoded (int64 and uint64 as decimal strings). */
export interface GrpcContents {
  readonly bool_contents?: readonly boolean[];
  readonly int_contents?: readonly number[];
  readonly int64_contents?: readonly string[];
  readonly uint_contents?: readonly number[];
  readonly uint64_contents?: readonly string[];
  readonly fp32_contents?: readonly number[];
  readonly fp64_contents?: readonly number[];
  readonly bytes_contents?: readonly Uint8Array[];
}

const invalid = (message: string) => new EngineError('INVALID_ARG', message);

/**
 * The data of input `name`: read from `raw` when the request carries raw contents (then
 * `contents` must be empty), else from `contents`. Throws INVALID_ARG naming the input when the
 * element count or the field does not fit the datatype and shape.
 *
 * @example
 * const data = inputData('INPUT0', 'INT32', [1, 16], undefined, { int_contents: values });
 */
export function inputData(
  name: string,
  datatype: DataType,
  shape: readonly number[],
  raw: Uint8Array | undefined,
  contents: GrpcContents | null | undefined,
): TensorData {
  return raw
    ? rawData(name, datatype, shape, raw, contents)
    : contentsData(name, datatype, shape, contents ?? undefined);
}

function rawData(
  name: string,
  datatype: DataType,
  shape: readonly number[],
  bytes: Uint8Array,
  contents: GrpcContents | null | undefined,
): TensorData {
  if (contents && Object.values(contents).some(v => Array.isArray(v) && v.length > 0)) {
    throw invalid(
      `input ${quote(name)}: contents must not be set when raw_input_contents are used`,
    );
  }
  return binaryTensorData(name, datatype, shape, bytes);
}

/** The `contents` field each datatype is carried in. */
const FIELD: Readonly<Record<Exclude<DataType, 'FP16' | 'BF16'>, keyof GrpcContents>> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

function contentsData(
  name: string,
  datatype: DataType,
  shape: readonly number[],
  contents: GrpcContents | undefined,
): TensorData {
  if (datatype === 'FP16' || datatype === 'BF16')
    throw invalid(`input ${quote(name)}: ${datatype} data must be sent in raw_input_contents`);
  const field = FIELD[datatype];
  const values = (contents?.[field] ?? []) as readonly unknown[];
  const count = elementCount(shape);
  if (values.length !== count) {
    throw invalid(
      `input ${quote(name)} with shape ${describeValue(shape)} needs ${count} value(s) in ${field}, got ${values.length}`,
    );
  }
  if (datatype === 'BYTES')
    return (values as Uint8Array[]).map(b => new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  if (datatype === 'BOOL') return Uint8Array.from(values as boolean[], b => (b ? 1 : 0));
  if (datatype === 'INT64') return BigInt64Array.from(values as string[], v => BigInt(v));
  if (datatype === 'UINT64') return BigUint64Array.from(values as string[], v => BigInt(v));
  const Ctor = typedArrayFor(datatype) as unknown as { from(v: ArrayLike<number>): TensorData };
  return Ctor.from(values as number[]);
}
