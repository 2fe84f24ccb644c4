/**
 * Encoding of an infer response: a JSON header built by hand (every name and string goes
 * through JSON.stringify for escaping; tensor data through {@link outputDataJson}), followed
 * by the bytes of the binary outputs in output order (reference §1.6, §1.8).
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import type { RequestedOutput } from '../../core/request.js';
import type { Tensor } from '../../core/tensor.js';
import { writeBytesElements } from '../../core/bytes-elements.js';
import { jsonCapable, outputByteSize, outputDataJson } from './output-json.js';
import type { EncodeOptions, EncodedResponse, InferResponse } from './types.js';

interface BinaryPart {
  readonly tensor: Tensor;
  readonly size: number;
}

/**
 * Encodes `resp` as the HTTP response body and its content headers.
 *
 * Outputs come in the order the client requested them, then any others in the order the
 * engine returned them. An output is binary when `allBinary` is set, else when its own
 * `binary_data` parameter says so, else when `binaryDefault` is set. FP16 and BF16 outputs are
 * always binary: Triton refuses to send them as JSON ("sending FP16 data via JSON is not
 * supported"), and sending them binary serves the client instead of failing the request.
 *
 * The body may share its ArrayBuffer with other small buffers (Node's Buffer pool): write it,
 * copy it, or slice it, but never transfer or detach `body.buffer`.
 *
 * @throws EngineError INTERNAL when an output's data does not match its shape
 * @example
 * const { body, contentType, headerLength } = encodeInferResponse(resp, {
 *   requested: decoded.outputs,
 *   binaryDefault: decoded.parameters?.['binary_data_output'] === true,
 *   allBinary: decoded.raw,
 * });
 */
export function encodeInferResponse(resp: InferResponse, opts: EncodeOptions): EncodedResponse {
  const binary: BinaryPart[] = [];
  let json = '{';
  if (resp.id !== undefined && resp.id !== '') json += `"id":${JSON.stringify(resp.id)},`;
  json += `"model_name":${JSON.stringify(resp.modelName)}`;
  json += `,"model_version":${JSON.stringify(resp.modelVersion)}`;
  if (resp.parameters !== undefined && Object.keys(resp.parameters).length > 0) {
    json += `,"parameters":${JSON.stringify(resp.parameters)}`;
  }
  json += ',"outputs":[';
  let first = true;
  for (const [name, tensor, wantsBinary] of orderOutputs(resp.outputs, opts)) {
    json += `${first ? '' : ','}{"name":${JSON.stringify(name)},"datatype":"${tensor.datatype}"`;
    json += `,"shape":[${tensor.shape.join(',')}]`;
    first = false;
    if (wantsBinary || !jsonCapable(tensor.datatype)) {
      const size = outputByteSize(name, tensor);
      binary.push({ tensor, size });
      json += `,"parameters":{"binary_data_size":${size}}}`;
    } else {
      json += `,"data":${outputDataJson(name, tensor)}}`;
    }
  }
  json += ']}';
  if (binary.length === 0) {
    return { body: plain(Buffer.from(json, 'utf8')), contentType: 'application/json' };
  }
  return withBinary(json, binary);
}

/**
 * A Uint8Array over a Buffer's bytes. Buffers come from Node's shared pool for small sizes,
 * which saves an allocation per response; the plain view keeps Uint8Array semantics (Buffer's
 * `slice` does not copy).
 */
function plain(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function withBinary(json: string, parts: readonly BinaryPart[]): EncodedResponse {
  const headerLength = Buffer.byteLength(json, 'utf8');
  let total = headerLength;
  for (const p of parts) total += p.size;
  const body = Buffer.allocUnsafe(total);
  body.write(json, 0, 'utf8');
  let offset = headerLength;
  for (const { tensor, size } of parts) {
    const data = tensor.data;
    if (Array.isArray(data)) writeBytesElements(data, body, offset);
    else body.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
    offset += size;
  }
  return { body: plain(body), contentType: 'application/octet-stream', headerLength };
}

type OrderedOutput = readonly [name: string, tensor: Tensor, binary: boolean];

function orderOutputs(outputs: ReadonlyMap<string, Tensor>, opts: EncodeOptions): OrderedOutput[] {
  const ordered: OrderedOutput[] = [];
  const requested = opts.requested;
  const byDefault = opts.allBinary || opts.binaryDefault;
  if (requested === undefined || requested.length === 0) {
    for (const [name, tensor] of outputs) ordered.push([name, tensor, byDefault]);
    return ordered;
  }
  for (const r of requested) {
    const tensor = outputs.get(r.name);
    if (tensor !== undefined) ordered.push([r.name, tensor, isBinary(r, opts)]);
  }
  if (ordered.length === outputs.size) return ordered;
  const listed = new Set(requested.map(r => r.name));
  for (const [name, tensor] of outputs) {
    if (!listed.has(name)) ordered.push([name, tensor, byDefault]);
  }
  return ordered;
}

function isBinary(r: RequestedOutput, opts: EncodeOptions): boolean {
  if (opts.allBinary) return true;
  const own = r.parameters?.['binary_data'];
  return typeof own === 'boolean' ? own : opts.binaryDefault;
}
