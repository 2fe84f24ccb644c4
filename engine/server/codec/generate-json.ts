/**
 * @module The generate extension's JSON (Triton's docs/protocol/extension_generate.md and
 * src/http_server.cc, `GenerateRequestClass`): a flat object whose keys name the model's inputs
 * or request parameters, answered by a flat object of the response's model, version, id,
 * parameters and outputs.
 */
import { quote } from '../../core/client-value.js';
import type { DataType } from '../../core/datatype.js';
import { EngineError } from '../../core/errors.js';
import type { InferResponse, ParameterValue } from '../../core/request.js';
import type { Tensor, TensorMap } from '../../core/tensor.js';
import { typedArrayFor } from '../../core/tensor.js';
import { jsonCapable, outputDataJson } from './output-json.js';

/** An input as the model's metadata declares it (shape with -1 for the batch dimension). */
export interface GenerateInputSpec {
  readonly name: string;
  readonly datatype: DataType;
  readonly shape: readonly number[];
}

/** A generate request mapped onto the model. */
export interface GenerateRequest {
  readonly id?: string;
  readonly inputs: TensorMap;
  readonly parameters?: Record<string, ParameterValue>;
}

const invalid = (message: string) => new EngineError('INVALID_ARG', message);
const encoder = new TextEncoder();

/**
 * Maps a parsed generate body onto the model, as Triton does: `id` is the request id; a key
 * naming an input becomes that input (a scalar or a flat array, shaped into the input's
 * declared shape: fixed dimensions take their size, the innermost variable one the rest, other
 * variable ones 1); any other key is a request parameter (string, number or bool); the object
 * `parameters` holds more keys mapped the same way. Throws INVALID_ARG naming the key.
 *
 * @example
 * const req = readGenerateRequest({ text_input: 'hi', parameters: { stream: false } }, specs);
 * req.inputs.get('text_input'); // BYTES [1] "hi"
 */
export function readGenerateRequest(
  body: unknown,
  specs: readonly GenerateInputSpec[],
): GenerateRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid(`the generate request must be a JSON object, got ${describe(body)}`);
  }
  const byName = new Map(specs.map(s => [s.name, s]));
  const inputs: TensorMap = new Map();
  const parameters: Record<string, ParameterValue> = {};
  let id: string | undefined;
  const map = (key: string, value: unknown): void => {
    const spec = byName.get(key);
    if (spec) inputs.set(key, tensorOf(spec, value));
    else parameters[key] = parameterOf(key, value);
  };
  for (const [key, value] of Object.entries(body)) {
    if (key === 'id') {
      if (typeof value !== 'string')
        throw invalid(`Unable to parse 'id': expected a string, got ${describe(value)}`);
      id = value;
    } else if (key === 'parameters' && !byName.has(key)) {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw invalid(`Expected JSON object for keyword: 'parameters', got ${describe(value)}`);
      for (const [k, v] of Object.entries(value)) map(k, v);
    } else {
      map(key, value);
    }
  }
  return {
    ...(id ? { id } : {}),
    inputs,
    ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
  };
}

function parameterOf(key: string, value: unknown): ParameterValue {
  if (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  )
    return value;
  throw invalid(
    `parameter ${quote(key)} has invalid type. It should be either 'int', 'double', 'bool', or 'string'; got ${describe(value)}`,
  );
}

/** The input `spec` from a scalar or a flat array, shaped as Triton shapes it. */
function tensorOf(spec: GenerateInputSpec, value: unknown): Tensor {
  const values: unknown[] = Array.isArray(value) ? value : [value];
  const shape = fitShape(spec, values.length);
  const where = `input ${quote(spec.name)} of the generate request`;
  if (spec.datatype === 'BYTES') {
    return {
      datatype: 'BYTES',
      shape,
      data: values.map((v, i) => {
        if (typeof v !== 'string')
          throw invalid(`${where}: element ${i} must be a string (BYTES), got ${describe(v)}`);
        return encoder.encode(v);
      }),
    };
  }
  const Ctor = typedArrayFor(spec.datatype);
  const data = new Ctor(values.length);
  values.forEach((v, i) => {
    if (spec.datatype === 'BOOL') {
      if (typeof v !== 'boolean')
        throw invalid(`${where}: element ${i} must be a bool, got ${describe(v)}`);
      (data as Uint8Array)[i] = v ? 1 : 0;
    } else if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw invalid(
        `${where}: element ${i} must be a number (${spec.datatype}), got ${describe(v)}`,
      );
    } else if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
      if (!Number.isInteger(v))
        throw invalid(`${where}: element ${i} must be an integer (${spec.datatype}), got ${v}`);
      data[i] = BigInt(v);
    } else {
      (data as Float64Array)[i] = v;
    }
  });
  return { datatype: spec.datatype, shape, data } as Tensor;
}

/** Triton's two passes: fixed dimensions divide the count, the innermost -1 takes the rest. */
function fitShape(spec: GenerateInputSpec, count: number): number[] {
  const shape = [...spec.shape];
  let rest = count;
  const refuse = () =>
    invalid(
      `The schema can not convert input ${quote(spec.name)} to tensor with proper shape: ${count} element(s) into [${spec.shape.join(',')}]`,
    );
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === -1) continue;
    if (rest % shape[i]! !== 0) throw refuse();
    rest /= shape[i]!;
  }
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== -1) continue;
    shape[i] = rest;
    rest = 1;
  }
  if (rest !== 1) throw refuse();
  return shape;
}

/**
 * The generate response object's JSON text: `model_name`, `model_version`, `id` when set, each
 * response parameter, and each output by name: a single element as itself, more as a flat
 * array. Throws UNSUPPORTED for an output JSON cannot carry (FP16, BF16).
 *
 * @example
 * generateResponseJson(res); // '{"model_name":"word_streamer","model_version":"1","text_output":" world","index":1}'
 */
export function generateResponseJson(res: InferResponse): string {
  let s = `{"model_name":${JSON.stringify(res.modelName)},"model_version":${JSON.stringify(res.modelVersion)}`;
  if (res.id) s += `,"id":${JSON.stringify(res.id)}`;
  for (const [key, value] of Object.entries(res.parameters ?? {}))
    s += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
  for (const [name, t] of res.outputs) {
    if (!jsonCapable(t.datatype))
      throw new EngineError(
        'UNSUPPORTED',
        `output ${quote(name)} is ${t.datatype}, which the generate extension cannot send as JSON`,
      );
    const data = outputDataJson(name, t);
    s += `,${JSON.stringify(name)}:${t.data.length === 1 ? data.slice(1, -1) : data}`;
  }
  return `${s}}`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `the string ${quote(v)}` : typeof v;
}
