/**
 * Structural checks of the parsed infer-request JSON (everything but tensor data). Messages
 * follow Triton's http_server.cc ("Unable to parse 'shape'", "Input must set only one of…")
 * and add which tensor and what was found.
 *
 * @module
 */
import type { DataType } from '../../core/datatype.js';
import { describeValue, quote } from '../../core/client-value.js';
import { DATATYPES, isDataType } from '../../core/datatype.js';
import { EngineError } from '../../core/errors.js';
import type { ParameterValue, RequestedOutput } from '../../core/request.js';

/** Protocol parameters, as JSON objects of string, number or bool values. */
export type Parameters = Readonly<Record<string, ParameterValue>>;

/** One entry of `inputs` after its header fields are checked; `data` is still raw JSON. */
export interface InputHeader {
  readonly name: string;
  readonly datatype: DataType;
  readonly shape: readonly number[];
  /** Present when the tensor carries JSON `data`. */
  readonly data?: unknown;
  /** Present when the tensor's bytes follow the JSON header (`binary_data_size`). */
  readonly binarySize?: number;
}

/** Request-level keys with a fixed type (reference §1.9). */
type Check = (v: ParameterValue) => boolean;
const isBool: Check = v => typeof v === 'boolean';
const RESERVED_CHECKS: ReadonlyMap<string, Check> = new Map<string, Check>([
  ['sequence_id', v => typeof v === 'string' || isUint(v)],
  ['sequence_start', isBool],
  ['sequence_end', isBool],
  ['binary_data_output', isBool],
  ['priority', isUint],
  ['timeout', isUint],
]);

function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(message: string): EngineError {
  return new EngineError('INVALID_ARG', message);
}

/**
 * Checks a `parameters` object: values must be string, number or bool.
 *
 * @param where - names the owner in messages, e.g. `input 'X'`
 * @example
 * readParameters({ binary_data_size: 16 }, "input 'A'");
 */
export function readParameters(v: unknown, where: string): Parameters | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) {
    throw invalid(
      `Unable to parse 'parameters' of ${where}: expected an object, got ${describeValue(v)}`,
    );
  }
  for (const key in v) {
    const value = v[key];
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw invalid(
        `parameter ${quote(key)} of ${where} has invalid type. It should be either 'int', ` +
          `'double', 'bool', or 'string', got ${describeValue(value)}`,
      );
    }
  }
  return v as Parameters;
}

/**
 * Checks the request-level `parameters`: value types, reserved keys, and no `triton_` keys.
 *
 * @example
 * readRequestParameters({ binary_data_output: true, priority: 1 });
 */
export function readRequestParameters(v: unknown): Parameters | undefined {
  const params = readParameters(v, 'the request');
  if (params === undefined) return undefined;
  for (const key in params) {
    if (key.startsWith('triton_')) {
      throw invalid(
        "parameter keys starting with 'triton_' are reserved for Triton usage and should " +
          'not be specified.',
      );
    }
    const check = RESERVED_CHECKS.get(key);
    if (check !== undefined && !check(params[key]!)) {
      throw invalid(`Unable to parse ${quote(key)}: got ${describeValue(params[key])}`);
    }
  }
  return params;
}

/**
 * Checks the optional request `id`.
 *
 * @example
 * readId('r1'); // 'r1'
 */
export function readId(v: unknown): string | undefined {
  if (v === undefined || typeof v === 'string') return v;
  throw invalid(`Unable to parse 'id': expected a string, got ${describeValue(v)}`);
}

/**
 * Checks one element of `inputs`: name, datatype, shape, parameters and where its data is.
 *
 * @example
 * readInputHeader({ name: 'A', datatype: 'INT32', shape: [2], data: [1, 2] }, 0);
 */
export function readInputHeader(v: unknown, index: number): InputHeader {
  if (!isObject(v)) throw invalid(`Unable to parse 'inputs': element ${index} is not an object`);
  const name = v['name'];
  if (typeof name !== 'string') {
    throw invalid(
      `Unable to parse 'name' of input ${index}: expected a string, got ${describeValue(name)}`,
    );
  }
  const datatype = v['datatype'];
  if (typeof datatype !== 'string' || !isDataType(datatype)) {
    throw invalid(
      `invalid datatype for input ${quote(name)}: expected one of ${DATATYPES.join(', ')}, ` +
        `got ${describeValue(datatype)}`,
    );
  }
  const shape = readShape(v['shape'], name);
  const params = readParameters(v['parameters'], `input ${quote(name)}`);
  const hasData = 'data' in v;
  const hasBinary = params !== undefined && 'binary_data_size' in params;
  const hasShm = params !== undefined && 'shared_memory_region' in params;
  if (Number(hasData) + Number(hasBinary) + Number(hasShm) !== 1) {
    throw invalid(sourceMessage(name, hasData, hasBinary, hasShm));
  }
  if (hasShm) {
    throw new EngineError('UNSUPPORTED', `input ${quote(name)}: shared memory is not supported`);
  }
  if (hasData) return { name, datatype, shape, data: v['data'] };
  const size = params?.['binary_data_size'];
  if (!isUint(size)) {
    throw invalid(
      `Unable to parse 'binary_data_size' of input ${quote(name)}: got ${describeValue(size)}`,
    );
  }
  return { name, datatype, shape, binarySize: size };
}

function readShape(v: unknown, name: string): number[] {
  if (Array.isArray(v) && v.every(isUint)) return v;
  throw invalid(
    `Unable to parse 'shape' of input ${quote(name)}: expected an array of non-negative integers, ` +
      `got ${describeValue(v)}`,
  );
}

function sourceMessage(name: string, data: boolean, binary: boolean, shm: boolean): string {
  let msg =
    "Input must set only one of the following fields: 'data', 'binary_data_size' in " +
    "'parameters', 'shared_memory_region' in 'parameters'. But";
  if (!data && !binary && !shm) msg += ' no field is set';
  else {
    msg += ' set';
    if (data) msg += " 'data'";
    if (binary) msg += " 'binary_data_size'";
    if (shm) msg += " 'shared_memory_region'";
  }
  return `${msg} for input ${quote(name)}`;
}

/**
 * Checks `outputs`: names, parameters (`binary_data` bool, `classification` non-negative
 * integer) and no duplicates. An empty list means every output, as when it is absent.
 *
 * @example
 * readOutputs([{ name: 'OUT', parameters: { binary_data: true } }]);
 */
export function readOutputs(v: unknown): RequestedOutput[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) {
    throw invalid(`Unable to parse 'outputs': expected an array, got ${describeValue(v)}`);
  }
  if (v.length === 0) return undefined;
  const seen = new Set<string>();
  const outputs: RequestedOutput[] = [];
  for (let i = 0; i < v.length; i++) {
    const o: unknown = v[i];
    if (!isObject(o)) throw invalid(`Unable to parse 'outputs': element ${i} is not an object`);
    const name = o['name'];
    if (typeof name !== 'string') {
      throw invalid(
        `Unable to parse 'name' of output ${i}: expected a string, got ${describeValue(name)}`,
      );
    }
    if (seen.has(name)) throw invalid(`output ${quote(name)} is requested more than once`);
    seen.add(name);
    const parameters = readParameters(o['parameters'], `output ${quote(name)}`);
    if (parameters === undefined) {
      outputs.push({ name });
      continue;
    }
    checkOutputParameters(name, parameters);
    outputs.push({ name, parameters });
  }
  return outputs;
}

function checkOutputParameters(name: string, p: Parameters): void {
  if ('binary_data' in p && typeof p['binary_data'] !== 'boolean') {
    throw invalid(
      `Unable to parse 'binary_data' of output ${quote(name)}: got ${describeValue(p['binary_data'])}`,
    );
  }
  if ('classification' in p && !isUint(p['classification'])) {
    throw invalid(
      `Unable to set 'classification' of output ${quote(name)}: got ${describeValue(p['classification'])}`,
    );
  }
  if ('shared_memory_region' in p) {
    throw new EngineError('UNSUPPORTED', `output ${quote(name)}: shared memory is not supported`);
  }
}
