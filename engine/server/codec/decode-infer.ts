/**
 * Decoding of an HTTP infer request body: JSON, JSON plus binary tensor data, or a raw
 * binary body (reference §1.6–1.8). The body is parsed once; binary tensors become views
 * over the body wherever alignment allows.
 *
 * @module
 */
import { quote } from '../../core/client-value.js';
import type { Mutable } from '../../core/mutable.js';
import { EngineError } from '../../core/errors.js';
import type { TensorMap } from '../../core/tensor.js';
import { binaryTensorData } from './binary-data.js';
import { readJsonData, readJsonNumberData } from './json-data.js';
import { parseInferJson } from './json-data-scan.js';
import type { JsonNumbers } from './json-numbers.js';
import { decodeRawInput } from './raw-request.js';
import { readId, readInputHeader, readOutputs, readRequestParameters } from './request-fields.js';
import type { DecodedInferBody, RawInputResolver } from './types.js';

/**
 * Decodes an infer request body.
 *
 * @param body - the whole HTTP body; binary inputs and raw inputs may keep views into it, so
 *   the caller must not reuse its memory while the request is alive
 * @param headerLength - `Inference-Header-Content-Length` as a number, or undefined when the
 *   header is absent (the whole body is JSON); 0 means a raw binary request
 * @param rawInputs - the model's inputs, consulted only for raw requests
 * @throws EngineError INVALID_ARG for any malformed body (messages as Triton's where it has
 *   one), UNSUPPORTED for shared-memory tensors
 * @example
 * const decoded = decodeInferBody(body, headerLength, () => engine.modelMetadata(name).inputs);
 * await engine.infer({ modelName: name, ...decoded });
 */
export function decodeInferBody(
  body: Uint8Array,
  headerLength: number | undefined,
  rawInputs: RawInputResolver,
): DecodedInferBody {
  if (headerLength === undefined) return decodeJsonBody(body, body.byteLength);
  if (!Number.isInteger(headerLength) || headerLength < 0 || headerLength > body.byteLength) {
    throw new EngineError(
      'INVALID_ARG',
      `inference header size should be in range (0, ${body.byteLength}), got: ${headerLength}`,
    );
  }
  if (headerLength === 0) {
    const { name, tensor } = decodeRawInput(body, rawInputs());
    return { inputs: new Map([[name, tensor]]), raw: true };
  }
  return decodeJsonBody(body, headerLength);
}

function decodeJsonBody(body: Uint8Array, jsonLength: number): DecodedInferBody {
  const { json, numbers } = parseInferJson(body.subarray(0, jsonLength));
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new EngineError('INVALID_ARG', 'Unable to parse the request JSON: expected an object');
  }
  const fields = json as Record<string, unknown>;
  const decoded: Mutable<DecodedInferBody> = { inputs: new Map(), raw: false };
  const id = readId(fields['id']);
  if (id !== undefined) decoded.id = id;
  const parameters = readRequestParameters(fields['parameters']);
  if (parameters !== undefined) decoded.parameters = parameters;
  const outputs = readOutputs(fields['outputs']);
  if (outputs !== undefined) decoded.outputs = outputs;
  decoded.inputs = readInputs(fields['inputs'], body, jsonLength, numbers);
  return decoded;
}

function readInputs(
  v: unknown,
  body: Uint8Array,
  jsonLength: number,
  numbers: ReadonlyMap<number, JsonNumbers> | undefined,
): TensorMap {
  if (!Array.isArray(v)) {
    throw new EngineError('INVALID_ARG', "Unable to parse 'inputs': expected an array");
  }
  const inputs: TensorMap = new Map();
  const binaryNames: string[] = [];
  let offset = jsonLength;
  for (let i = 0; i < v.length; i++) {
    const h = readInputHeader(v[i], i);
    if (inputs.has(h.name)) {
      throw new EngineError('INVALID_ARG', `input ${quote(h.name)} already exists in request`);
    }
    if (h.binarySize === undefined) {
      const read = numbers?.get(i);
      const data =
        read === undefined
          ? readJsonData(h.name, h.datatype, h.shape, h.data)
          : readJsonNumberData(h.name, h.datatype, h.shape, read);
      inputs.set(h.name, { datatype: h.datatype, shape: h.shape, data });
      continue;
    }
    const end = offset + h.binarySize;
    if (end > body.byteLength) {
      throw missingBytes(h.name, end - body.byteLength, jsonLength === body.byteLength);
    }
    const data = binaryTensorData(h.name, h.datatype, h.shape, body.subarray(offset, end));
    inputs.set(h.name, { datatype: h.datatype, shape: h.shape, data });
    binaryNames.push(h.name);
    offset = end;
  }
  if (offset !== body.byteLength) throw extraBytes(body.byteLength - offset, binaryNames);
  return inputs;
}

function missingBytes(name: string, missing: number, noHeader: boolean): EngineError {
  if (noHeader) {
    return new EngineError(
      'INVALID_ARG',
      "must specify valid 'Infer-Header-Content-Length' in request header and 'binary_data_size' " +
        `when passing inputs in binary data format (input ${quote(name)})`,
    );
  }
  return new EngineError(
    'INVALID_ARG',
    `unexpected size for input ${quote(name)}, expecting ${missing} additional bytes`,
  );
}

function extraBytes(extra: number, binaryNames: readonly string[]): EngineError {
  const names = binaryNames.map(quote).join(', ');
  const after =
    binaryNames.length === 0
      ? 'the JSON header, but no input sets binary_data_size'
      : `the binary data of input${binaryNames.length > 1 ? 's' : ''} ${names}`;
  return new EngineError(
    'INVALID_ARG',
    `unexpected additional input data: ${extra} bytes follow ${after}`,
  );
}
