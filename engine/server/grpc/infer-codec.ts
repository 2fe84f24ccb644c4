/**
 * @module ModelInferRequest / ModelInferResponse (reference §2.2) to and from the engine's
 * tensors. Inputs come either all as `raw_input_contents` (little-endian, BYTES length-prefixed,
 * the same layout as the HTTP binary extension, so the same zero-copy decoder reads them) or as
 * typed `contents`; answers always go back raw, as Triton sends them.
 */
import { Buffer } from 'node:buffer';
import { describeValue, quote } from '../../core/client-value.js';
import { isDataType } from '../../core/datatype.js';
import { EngineError } from '../../core/errors.js';
import type { InferResponse, ParameterValue, RequestedOutput } from '../../core/request.js';
import type { Tensor, TensorData, TensorMap } from '../../core/tensor.js';
import { encodeBytesElements } from '../../core/bytes-elements.js';
import { inputData } from './tensor-contents.js';
import type { GrpcContents } from './tensor-contents.js';

/** `InferParameter` as proto-loader decodes it (`oneofs: true`, int64 as strings). */
export interface GrpcParameter {
  readonly parameter_choice?:
    'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param';
  readonly bool_param?: boolean;
  readonly int64_param?: string;
  readonly string_param?: string;
  readonly double_param?: number;
  readonly uint64_param?: string;
}

/** `ModelInferRequest` as decoded. */
export interface GrpcInferRequest {
  readonly model_name: string;
  readonly model_version: string;
  readonly id: string;
  readonly parameters?: Readonly<Record<string, GrpcParameter>>;
  readonly inputs: readonly {
    readonly name: string;
    readonly datatype: string;
    readonly shape: readonly string[];
    readonly parameters?: Readonly<Record<string, GrpcParameter>>;
    readonly contents?: GrpcContents | null;
  }[];
  readonly outputs?: readonly {
    readonly name: string;
    readonly parameters?: Readonly<Record<string, GrpcParameter>>;
  }[];
  readonly raw_input_contents?: readonly Uint8Array[];
}

/** What the engine needs of a decoded request. */
export interface DecodedGrpcInfer {
  readonly modelName: string;
  readonly modelVersion?: number;
  readonly id?: string;
  readonly inputs: TensorMap;
  readonly outputs?: RequestedOutput[];
  readonly parameters?: Record<string, ParameterValue>;
}

/** `ModelInferResponse` as proto-loader encodes it. */
export interface GrpcInferResponse {
  readonly model_name: string;
  readonly model_version: string;
  readonly id: string;
  readonly parameters: Record<string, GrpcParameter>;
  readonly outputs: { name: string; datatype: string; shape: number[] }[];
  readonly raw_output_contents: Buffer[];
}

const invalid = (message: string) => new EngineError('INVALID_ARG', message);

/**
 * A requested output: its name, and `classification` as Triton's gRPC frontend reads it
 * (src/grpc/grpc_utils.cc `ParseClassificationParams`: an int64_param of at least 1).
 */
function requestedOutput(o: NonNullable<GrpcInferRequest['outputs']>[number]): RequestedOutput {
  const p = o.parameters;
  if (p && 'shared_memory_region' in p) {
    throw new EngineError('UNSUPPORTED', `output ${quote(o.name)}: shared memory is not supported`);
  }
  const c = p?.['classification'];
  if (c === undefined) return { name: o.name };
  if (c.parameter_choice !== 'int64_param') {
    throw invalid(
      `invalid value type for 'classification' parameter of output ${quote(o.name)}, expected int64_param`,
    );
  }
  const k = Number(c.int64_param);
  if (!(k >= 1))
    throw invalid(
      `invalid value for 'classification' parameter of output ${quote(o.name)}, expected >= 1, got ${c.int64_param}`,
    );
  return { name: o.name, parameters: { classification: Math.min(k, 2 ** 32 - 1) } };
}

/**
 * Reads a version string: empty is the server's choice, otherwise a non-negative integer.
 *
 * @example
 * grpcVersion('2', 'simple'); // 2
 */
export function grpcVersion(raw: string, model: string): number | undefined {
  if (raw === '') return undefined;
  const v = Number(raw);
  if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(v)) {
    throw invalid(
      `version ${quote(raw)} of model ${quote(model)} is not valid: expected a non-negative integer`,
    );
  }
  return v;
}

/**
 * Decodes a ModelInferRequest. Throws INVALID_ARG naming the input for unknown datatypes, bad
 * shapes, contents of the wrong kind or count, raw contents mixed with typed ones or not one per
 * input; UNSUPPORTED for shared memory.
 *
 * @example
 * const { modelName, inputs } = decodeGrpcInfer(call.request);
 */
export function decodeGrpcInfer(msg: GrpcInferRequest): DecodedGrpcInfer {
  const model = msg.model_name;
  const raw = msg.raw_input_contents ?? [];
  if (raw.length > 0 && raw.length !== msg.inputs.length) {
    throw invalid(
      `expected ${msg.inputs.length} raw input contents (one per input) for model ${quote(model)}, got ${raw.length}`,
    );
  }
  const inputs: TensorMap = new Map();
  msg.inputs.forEach((input, i) => {
    const name = input.name;
    if (inputs.has(name))
      throw invalid(`input ${quote(name)} of model ${quote(model)} is given more than once`);
    if (input.parameters && 'shared_memory_region' in input.parameters) {
      throw new EngineError('UNSUPPORTED', `input ${quote(name)}: shared memory is not supported`);
    }
    if (!isDataType(input.datatype))
      throw invalid(`input ${quote(name)} has unknown datatype ${quote(input.datatype)}`);
    const shape = input.shape.map(d => Number(d));
    if (shape.some(d => !Number.isSafeInteger(d) || d < 0))
      throw invalid(`input ${quote(name)} has an invalid shape ${describeValue(shape)}`);
    const data = inputData(
      name,
      input.datatype,
      shape,
      raw.length > 0 ? raw[i]! : undefined,
      input.contents,
    );
    inputs.set(name, { datatype: input.datatype, shape, data });
  });
  const outputs = msg.outputs?.map(requestedOutput);
  const parameters = readGrpcParameters(msg.parameters);
  const version = grpcVersion(msg.model_version, model);
  return {
    modelName: model,
    ...(version === undefined ? {} : { modelVersion: version }),
    ...(msg.id ? { id: msg.id } : {}),
    inputs,
    ...(outputs && outputs.length > 0 ? { outputs } : {}),
    ...(parameters ? { parameters } : {}),
  };
}

/**
 * Reads request parameters: bool, string, double, and int64/uint64 as numbers (refused beyond
 * 2^53, where a number would change the value).
 */
export function readGrpcParameters(
  params: Readonly<Record<string, GrpcParameter>> | undefined,
): Record<string, ParameterValue> | undefined {
  if (!params) return undefined;
  const out: Record<string, ParameterValue> = {};
  for (const [key, p] of Object.entries(params)) {
    switch (p.parameter_choice) {
      case 'bool_param':
        out[key] = p.bool_param ?? false;
        break;
      case 'string_param':
        out[key] = p.string_param ?? '';
        break;
      case 'double_param':
        out[key] = p.double_param ?? 0;
        break;
      case 'int64_param':
      case 'uint64_param': {
        const text = (p.parameter_choice === 'int64_param' ? p.int64_param : p.uint64_param) ?? '0';
        const n = Number(text);
        if (!Number.isSafeInteger(n))
          throw invalid(
            `parameter ${quote(key)} = ${text} is beyond the integers this server represents exactly (2^53)`,
          );
        out[key] = n;
        break;
      }
      default:
        throw invalid(`parameter ${quote(key)} has no value`);
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Encodes the engine's answer: every output raw, in the order the client asked for them (all
 * outputs in the model's order when it asked for none).
 *
 * @example
 * callback(null, encodeGrpcInfer(response, decoded.outputs));
 */
export function encodeGrpcInfer(
  res: InferResponse,
  requested: readonly RequestedOutput[] | undefined,
): GrpcInferResponse {
  const names = requested?.map(o => o.name) ?? [...res.outputs.keys()];
  const outputs: GrpcInferResponse['outputs'] = [];
  const raw: Buffer[] = [];
  for (const name of names) {
    const t = res.outputs.get(name);
    if (!t) continue;
    outputs.push({ name, datatype: t.datatype, shape: [...t.shape] });
    raw.push(rawBytes(t));
  }
  return {
    model_name: res.modelName,
    model_version: res.modelVersion,
    id: res.id ?? '',
    parameters: grpcParameters(res.parameters),
    outputs,
    raw_output_contents: raw,
  };
}

function rawBytes(t: Tensor): Buffer {
  if (Array.isArray(t.data)) {
    const packed = encodeBytesElements(t.data);
    return Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  }
  const d = t.data as Exclude<TensorData, Uint8Array[]>;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

function grpcParameters(
  params: Readonly<Record<string, ParameterValue>> | undefined,
): Record<string, GrpcParameter> {
  const out: Record<string, GrpcParameter> = {};
  for (const [key, v] of Object.entries(params ?? {})) {
    if (typeof v === 'boolean') out[key] = { bool_param: v };
    else if (typeof v === 'string') out[key] = { string_param: v };
    else if (Number.isInteger(v)) out[key] = { int64_param: String(v) };
    else out[key] = { double_param: v };
  }
  return out;
}
