/**
 * Infer request bodies in the two encodings of the Open Inference Protocol over HTTP: JSON, and
 * the binary tensor data extension (a JSON header followed by each input's raw bytes). Built
 * once per measurement and sent unchanged by every request.
 *
 * @module
 */
import { EngineError } from '../../core/errors.js';

/**
 * Element values of one tensor: a typed array matching the datatype (raw 16-bit patterns for
 * FP16 and BF16, 0/1 bytes for BOOL), or strings for BYTES.
 */
export type TensorValues =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | readonly string[];

/** One input of a request. */
export interface InputTensor {
  readonly name: string;
  /** Full shape, batch dimension included. */
  readonly shape: readonly number[];
  /** Protocol datatype (`FP32`, `INT64`, `BYTES`, …). Default FP32. */
  readonly datatype?: string;
  readonly data: TensorValues;
}

/** A prepared request: body bytes and the headers that go with them. */
export interface PreparedRequest {
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

function jsonValues(t: InputTensor): unknown[] {
  const dt = t.datatype ?? 'FP32';
  if (dt === 'FP16' || dt === 'BF16') {
    throw new EngineError(
      'INVALID_ARG',
      `input '${t.name}': ${dt} travels only as binary data; use --binary`,
    );
  }
  const data = t.data;
  if (dt === 'BYTES') {
    if (!Array.isArray(data))
      throw new EngineError('INVALID_ARG', `input '${t.name}': BYTES data must be strings`);
    return [...(data as readonly string[])];
  }
  if (Array.isArray(data))
    throw new EngineError('INVALID_ARG', `input '${t.name}': ${dt} data must be a typed array`);
  const values = Array.from(data as ArrayLike<number | bigint>, v =>
    typeof v === 'bigint' ? Number(v) : v,
  );
  return dt === 'BOOL' ? values.map(v => v !== 0) : values;
}

/**
 * A JSON infer request; all outputs come back as JSON.
 *
 * @example
 * jsonInferRequest([{ name: 'INPUT0', shape: [1, 16], data: new Float32Array(16) }]);
 */
export function jsonInferRequest(inputs: readonly InputTensor[], id = 'perf'): PreparedRequest {
  const body = {
    id,
    inputs: inputs.map(t => ({
      name: t.name,
      shape: t.shape,
      datatype: t.datatype ?? 'FP32',
      data: jsonValues(t),
    })),
  };
  const headers = { 'content-type': 'application/json' };
  return { body: Buffer.from(JSON.stringify(body)), headers };
}

/** The raw bytes of a tensor in the binary extension: little-endian elements, BYTES length-prefixed. */
export function tensorBytes(t: InputTensor): Buffer {
  const data = t.data;
  if (!Array.isArray(data)) {
    const view = data as Exclude<TensorValues, readonly string[]>;
    return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  }
  const parts: Buffer[] = [];
  for (const s of data as readonly string[]) {
    const bytes = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(bytes.byteLength);
    parts.push(len, bytes);
  }
  return Buffer.concat(parts);
}

/**
 * A request in the binary tensor data extension: JSON header, then each input's raw bytes;
 * every named output is asked for as binary.
 *
 * @example
 * binaryInferRequest([{ name: 'x', shape: [1, 512], data }], ['y']);
 */
export function binaryInferRequest(
  inputs: readonly InputTensor[],
  outputs: readonly string[],
  id = 'perf',
): PreparedRequest {
  const tensors = inputs.map(tensorBytes);
  const header = Buffer.from(
    JSON.stringify({
      id,
      inputs: inputs.map((t, i) => ({
        name: t.name,
        shape: t.shape,
        datatype: t.datatype ?? 'FP32',
        parameters: { binary_data_size: tensors[i]!.byteLength },
      })),
      outputs: outputs.map(name => ({ name, parameters: { binary_data: true } })),
    }),
  );
  return {
    body: Buffer.concat([header, ...tensors]),
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(header.byteLength),
    },
  };
}
