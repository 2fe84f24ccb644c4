/**
 * @module Engine tensors and ONNX Runtime tensors share their typed arrays: inputs go in without a
 * copy and outputs come back as the arrays ORT allocated. Only BYTES is converted, because
 * onnxruntime-node takes and returns string tensors as JS strings; elements it would corrupt
 * (invalid UTF-8, embedded NUL) are refused instead.
 */
import { Tensor as OrtTensor } from 'onnxruntime-node';
import type { DataType } from '../../engine/core/datatype.js';
import { EngineError } from '../../engine/core/errors.js';
import type { Tensor, TensorData } from '../../engine/core/tensor.js';
import { elementCount, formatShape } from '../../engine/core/tensor.js';

const FROM_ORT: Readonly<Record<string, DataType>> = {
  bool: 'BOOL',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  float16: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  bfloat16: 'BF16',
  string: 'BYTES',
};

const TO_ORT: Readonly<Record<DataType, string>> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BF16: 'bfloat16',
  BYTES: 'string',
};

/**
 * The protocol datatype of an ONNX Runtime element type, or `undefined` for types the
 * protocol has no name for (`int4`, `uint4`).
 *
 * @example
 * fromOrtType('float32'); // 'FP32'
 * fromOrtType('string'); // 'BYTES'
 */
export function fromOrtType(ortType: string): DataType | undefined {
  return FROM_ORT[ortType];
}

/**
 * The ONNX Runtime element type of a protocol datatype.
 *
 * @example
 * toOrtType('BOOL'); // 'bool'
 */
export function toOrtType(dt: DataType): string {
  return TO_ORT[dt];
}

// fatal: BYTES may hold any bytes, and silently replacing invalid UTF-8 would corrupt data.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

function badElement(name: string, model: string, i: number, why: string): EngineError {
  const where = `input '${name}' of model '${model}'`;
  return new EngineError('INVALID_ARG', `${where}: BYTES element ${i} ${why}`);
}

function decodeStrings(name: string, model: string, data: readonly Uint8Array[]): string[] {
  const out = new Array<string>(data.length);
  for (let i = 0; i < data.length; i++) {
    const bytes = data[i]!;
    // onnxruntime-node copies strings as C strings and would cut them at the first NUL.
    if (bytes.includes(0)) {
      const why = 'contains a NUL byte, which onnxruntime-node string tensors cannot carry';
      throw badElement(name, model, i, why);
    }
    try {
      out[i] = utf8Decoder.decode(bytes);
    } catch {
      throw badElement(
        name,
        model,
        i,
        'is not valid UTF-8, which onnxruntime-node string tensors need',
      );
    }
  }
  return out;
}

/**
 * Wraps an engine tensor as an ORT tensor. Typed arrays are shared, not copied; BYTES
 * elements are decoded from UTF-8. Throws INVALID_ARG naming the tensor when the data length
 * does not match the shape, the array type does not match the datatype, or a BYTES element is
 * not UTF-8 or contains a NUL byte.
 *
 * @example
 * const data = new Float32Array(2);
 * const t = toOrtTensor('INPUT0', 'simple', { datatype: 'FP32', shape: [1, 2], data });
 */
export function toOrtTensor(name: string, model: string, tensor: Tensor): OrtTensor {
  const expected = elementCount(tensor.shape);
  if (tensor.data.length !== expected) {
    throw new EngineError(
      'INVALID_ARG',
      `input '${name}' of model '${model}': shape ${formatShape(tensor.shape)} needs ` +
        `${expected} elements, got ${tensor.data.length}`,
    );
  }
  const dims = tensor.shape;
  if (tensor.datatype === 'BYTES') {
    if (!Array.isArray(tensor.data)) throw dataMismatch(name, model, tensor);
    return new OrtTensor('string', decodeStrings(name, model, tensor.data), dims);
  }
  if (Array.isArray(tensor.data)) throw dataMismatch(name, model, tensor);
  // The engine stores every fixed-size type in the typed array ORT expects for it
  // (BOOL as Uint8Array, FP16/BF16 as Uint16Array), so the data goes in as it is.
  try {
    return new (OrtTensor as unknown as AnyTensorCtor)(TO_ORT[tensor.datatype], tensor.data, dims);
  } catch (e) {
    // ORT checks the array type against the element type (a Float32Array for float32, ...).
    const detail = e instanceof Error ? e.message : String(e);
    const where = `input '${name}' of model '${model}' (${tensor.datatype})`;
    throw new EngineError('INVALID_ARG', `${where}: ${detail}`, { cause: e });
  }
}

type FixedData = Exclude<TensorData, Uint8Array[]>;
type AnyTensorCtor = new (type: string, data: FixedData, dims: readonly number[]) => OrtTensor;

function dataMismatch(name: string, model: string, tensor: Tensor): EngineError {
  const got = Array.isArray(tensor.data)
    ? 'an array of byte strings'
    : tensor.data.constructor.name;
  const where = `input '${name}' of model '${model}'`;
  return new EngineError('INVALID_ARG', `${where}: ${tensor.datatype} data cannot be ${got}`);
}

/**
 * Converts an ORT output tensor to an engine tensor. Typed arrays are kept as ORT returned
 * them; strings are encoded to UTF-8. Throws INTERNAL for element types the protocol lacks.
 *
 * @example
 * const out = fromOrtTensor('OUTPUT0', 'simple', results.OUTPUT0);
 */
export function fromOrtTensor(name: string, model: string, t: OrtTensor): Tensor {
  const datatype = fromOrtType(t.type);
  if (datatype === undefined) {
    throw new EngineError(
      'INTERNAL',
      `output '${name}' of model '${model}' has element type '${t.type}', which the protocol cannot carry`,
    );
  }
  const shape = t.dims.slice();
  if (datatype === 'BYTES') {
    const strings = t.data as string[];
    const data = new Array<Uint8Array>(strings.length);
    for (let i = 0; i < strings.length; i++) data[i] = utf8Encoder.encode(strings[i]);
    return { datatype, shape, data };
  }
  return { datatype, shape, data: t.data as FixedData };
}
