/**
 * JSON text of output tensor data, always flat as Triton sends it (http_server.cc
 * WriteDataToJson). Numbers print as JSON.stringify prints finite numbers. Non-finite floats
 * print as `NaN`, `Infinity` and `-Infinity`, which is what Triton writes (its writer sets
 * rapidjson's kWriteNanAndInfFlag): not strict JSON, but what Triton clients already parse.
 * INT64/UINT64 print exactly, with all their digits.
 *
 * @module
 */
import type { DataType } from '../../core/datatype.js';
import { dataTypeSize } from '../../core/datatype.js';
import { EngineError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { elementCount, formatShape } from '../../core/tensor.js';
import { bytesElementsSize } from '../../core/bytes-elements.js';
import { utf8ToString } from './json-text.js';

/** Whether `datatype` can be sent as JSON; Triton sends FP16 and BF16 only as binary. */
export function jsonCapable(datatype: DataType): boolean {
  return datatype !== 'FP16' && datatype !== 'BF16';
}

/**
 * Byte size of an output's binary form, after checking that its data matches its shape.
 *
 * @throws EngineError INTERNAL when the element count differs from the shape
 * @example
 * outputByteSize('OUT', { datatype: 'FP32', shape: [2], data: new Float32Array(2) }); // 8
 */
export function outputByteSize(name: string, t: Tensor): number {
  checkCount(name, t);
  if (Array.isArray(t.data)) return bytesElementsSize(t.data);
  return t.data.byteLength;
}

/**
 * The JSON array text of an output's data, e.g. `[1,2.5,NaN]`.
 *
 * @throws EngineError INTERNAL when the element count differs from the shape
 * @example
 * const t: Tensor = { datatype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) };
 * outputDataJson('OUT', t); // '[true,false]'
 */
export function outputDataJson(name: string, t: Tensor): string {
  checkCount(name, t);
  const data = t.data;
  if (Array.isArray(data)) return bytesJson(data);
  if (t.datatype === 'BOOL') return boolJson(data as Uint8Array);
  return numbersJson(data);
}

// A concatenation loop measured faster than TypedArray.prototype.join on this path.
function numbersJson(data: Exclude<Tensor['data'], Uint8Array[]>): string {
  if (data.length === 0) return '[]';
  let s = `[${data[0]}`;
  for (let i = 1; i < data.length; i++) s += `,${data[i]}`;
  return `${s}]`;
}

function boolJson(data: Uint8Array): string {
  let s = '[';
  for (let i = 0; i < data.length; i++) {
    s += (i === 0 ? '' : ',') + (data[i] === 0 ? 'false' : 'true');
  }
  return `${s}]`;
}

function bytesJson(data: readonly Uint8Array[]): string {
  let s = '[';
  for (let i = 0; i < data.length; i++) {
    s += (i === 0 ? '' : ',') + JSON.stringify(utf8ToString(data[i]!));
  }
  return `${s}]`;
}

function checkCount(name: string, t: Tensor): void {
  const count = elementCount(t.shape);
  const got = Array.isArray(t.data)
    ? t.data.length
    : t.data.byteLength / (dataTypeSize(t.datatype) ?? 1);
  if (got !== count) {
    throw new EngineError(
      'INTERNAL',
      `output tensor shape does not match size of output for '${name}': ${t.datatype} shape ` +
        `${formatShape(t.shape)} needs ${count} elements, got ${got}`,
    );
  }
}
