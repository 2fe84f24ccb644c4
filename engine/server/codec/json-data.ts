/**
 * Turns the JSON `data` of an input into the typed array its datatype uses. Flat arrays of
 * the right length take a tight loop straight into a preallocated typed array; nested ones
 * are flattened first (Triton walks them recursively and only checks the total count).
 *
 * INT64 and UINT64 arrive as JSON numbers, i.e. IEEE doubles: integers above 2^53 have
 * already lost precision when JSON.parse hands them over. Clients that need exact 64-bit
 * values must use the binary extension.
 *
 * @module
 */
import { describeValue as describeJson, quote } from '../../core/client-value.js';
import type { DataType } from '../../core/datatype.js';
import { EngineError } from '../../core/errors.js';
import type { TensorData } from '../../core/tensor.js';
import type { JsonNumbers } from './json-numbers.js';
import { elementCount, formatShape } from '../../core/tensor.js';

/** Deepest nesting of `data` that is accepted, as Triton's HTTP_MAX_JSON_NESTING_DEPTH. */
export const MAX_DATA_NESTING = 100;

type IntegerType = 'UINT8' | 'UINT16' | 'UINT32' | 'INT8' | 'INT16' | 'INT32';
type IntArray = Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Int32Array;

/** Valid integer range [min, maxExclusive) and storage of each integer type. */
type IntegerSpec = readonly [min: number, maxExclusive: number, ctor: new (n: number) => IntArray];
const INTEGERS: Readonly<Record<IntegerType, IntegerSpec>> = {
  UINT8: [0, 2 ** 8, Uint8Array],
  UINT16: [0, 2 ** 16, Uint16Array],
  UINT32: [0, 2 ** 32, Uint32Array],
  INT8: [-(2 ** 7), 2 ** 7, Int8Array],
  INT16: [-(2 ** 15), 2 ** 15, Int16Array],
  INT32: [-(2 ** 31), 2 ** 31, Int32Array],
};
const BIG_RANGE = { INT64: [-(2 ** 63), 2 ** 63], UINT64: [0, 2 ** 64] } as const;

const utf8 = new TextEncoder();
// With the u flag a surrogate pair is one code point, so this matches only unpaired halves.
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/**
 * Reads the JSON `data` of input `name` into a typed array (or byte strings for BYTES).
 *
 * @throws EngineError INVALID_ARG for FP16/BF16, a non-array, nesting deeper than
 *   {@link MAX_DATA_NESTING}, an element count that differs from the shape, or an element of
 *   the wrong type or out of range for the datatype
 * @example
 * readJsonData('INPUT0', 'FP32', [2, 2], [[1, 2], [3, 4]]); // Float32Array [1, 2, 3, 4]
 */
export function readJsonData(
  name: string,
  datatype: DataType,
  shape: readonly number[],
  data: unknown,
): TensorData {
  checkJsonDatatype(name, datatype);
  if (!Array.isArray(data)) {
    throw new EngineError(
      'INVALID_ARG',
      `Unable to parse 'data' of input ${quote(name)}: expected an array`,
    );
  }
  const count = elementCount(shape);
  const flat = data.length === count ? data : flatten(name, data, shape);
  let out = fill(datatype, flat, count);
  if (typeof out === 'number' && flat === data) {
    // A flat-looking array may hold nested rows (shape [n,1] sent as [[a],[b]]).
    const leaves = flatten(name, data, shape);
    out = fill(datatype, leaves, count);
    if (typeof out === 'number') throw elementError(name, datatype, out, leaves[out]);
    return out;
  }
  if (typeof out === 'number') throw elementError(name, datatype, out, flat[out]);
  return out;
}

/**
 * {@link readJsonData} for `data` the fast path already read as numbers (nesting and grammar
 * checked there); same checks and messages.
 *
 * @example
 * readJsonNumberData('INPUT0', 'FP32', [2], readJsonNumbers(utf8('[1,2]'), 0, 100)!.numbers);
 */
export function readJsonNumberData(
  name: string,
  datatype: DataType,
  shape: readonly number[],
  numbers: JsonNumbers,
): TensorData {
  checkJsonDatatype(name, datatype);
  const count = elementCount(shape);
  if (numbers.length !== count) throw countError(name, shape, count, numbers.length);
  const values = numbers.valuesFor(datatype);
  const out = fill(datatype, values, count);
  if (typeof out === 'number') throw elementError(name, datatype, out, values[out]);
  return out;
}

function checkJsonDatatype(name: string, datatype: DataType): void {
  if (datatype === 'FP16' || datatype === 'BF16') {
    throw new EngineError(
      'INVALID_ARG',
      `receiving ${datatype} data via JSON is not supported. ` +
        `Please use the binary data format for input ${quote(name)}`,
    );
  }
}

/** Fills the storage of `datatype` from flat `src`; returns the index of a bad element instead. */
function fill(datatype: DataType, src: ArrayLike<unknown>, count: number): TensorData | number {
  switch (datatype) {
    case 'FP32':
      return fillFloat(new Float32Array(count), src);
    case 'FP64':
      return fillFloat(new Float64Array(count), src);
    case 'BOOL':
      return fillBool(new Uint8Array(count), src);
    case 'BYTES':
      return fillBytes(src);
    case 'INT64':
      return fillBig(new BigInt64Array(count), src, BIG_RANGE.INT64);
    case 'UINT64':
      return fillBig(new BigUint64Array(count), src, BIG_RANGE.UINT64);
    case 'FP16':
    case 'BF16':
      // Unreachable: readJsonData rejects both first. Listed so `default` sees integers only.
      return 0;
    default: {
      const [min, max, Ctor] = INTEGERS[datatype];
      return fillInt(new Ctor(count), src, min, max);
    }
  }
}

function fillFloat(out: Float32Array | Float64Array, src: ArrayLike<unknown>): TensorData | number {
  for (let i = 0; i < out.length; i++) {
    const v = src[i];
    if (typeof v !== 'number') return i;
    out[i] = v;
  }
  return out;
}

function fillInt(
  out: IntArray,
  src: ArrayLike<unknown>,
  min: number,
  max: number,
): TensorData | number {
  for (let i = 0; i < out.length; i++) {
    const v = src[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v >= max) return i;
    out[i] = v;
  }
  return out;
}

function fillBig(
  out: BigInt64Array | BigUint64Array,
  src: ArrayLike<unknown>,
  [min, max]: readonly [number, number],
): TensorData | number {
  for (let i = 0; i < out.length; i++) {
    const v = src[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v >= max) return i;
    out[i] = BigInt(v);
  }
  return out;
}

function fillBool(out: Uint8Array, src: ArrayLike<unknown>): TensorData | number {
  for (let i = 0; i < out.length; i++) {
    const v = src[i];
    if (v === true) out[i] = 1;
    else if (v !== false) return i;
  }
  return out;
}

function fillBytes(src: ArrayLike<unknown>): TensorData | number {
  const out: Uint8Array[] = new Array<Uint8Array>(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (typeof v !== 'string' || LONE_SURROGATE.test(v)) return i;
    out[i] = utf8.encode(v);
  }
  return out;
}

/** Collects the leaves of nested `data` in row-major order, checking depth and count. */
function flatten(name: string, data: readonly unknown[], shape: readonly number[]): unknown[] {
  const leaves: unknown[] = [];
  const walk = (arr: readonly unknown[], depth: number): void => {
    if (depth > MAX_DATA_NESTING) {
      throw new EngineError(
        'INVALID_ARG',
        `Unable to parse 'data' of input ${quote(name)}: nesting deeper than ${MAX_DATA_NESTING} levels`,
      );
    }
    for (const v of arr) {
      if (Array.isArray(v)) walk(v, depth + 1);
      else leaves.push(v);
    }
  };
  walk(data, 1);
  const count = elementCount(shape);
  if (leaves.length !== count) throw countError(name, shape, count, leaves.length);
  return leaves;
}

function countError(
  name: string,
  shape: readonly number[],
  count: number,
  got: number,
): EngineError {
  return new EngineError(
    'INVALID_ARG',
    "Unable to parse 'data': Shape does not match true shape of 'data' field " +
      `for input ${quote(name)}: shape ${formatShape(shape)} needs ${count} elements, got ${got}`,
  );
}

function elementError(name: string, datatype: DataType, index: number, v: unknown): EngineError {
  if (datatype === 'BYTES' && typeof v === 'string') {
    // A lone surrogate cannot be UTF-8; TextEncoder would send U+FFFD to the model instead.
    return new EngineError(
      'INVALID_ARG',
      `Unable to parse 'data' of input ${quote(name)}: element ${index} holds an unpaired surrogate ` +
        '(a \\uD800-\\uDFFF escape not in a pair), which is not Unicode text',
    );
  }
  return new EngineError(
    'INVALID_ARG',
    `Unable to parse 'data' of input ${quote(name)}: element ${index} is ${describeValue(v)}, ` +
      `expected ${expectation(datatype)}`,
  );
}

function expectation(datatype: DataType): string {
  if (datatype === 'BOOL') return 'true or false';
  if (datatype === 'BYTES') return 'a string';
  if (datatype === 'FP32' || datatype === 'FP64') return `a number for ${datatype}`;
  const [min, max] =
    datatype === 'INT64' || datatype === 'UINT64'
      ? BIG_RANGE[datatype]
      : INTEGERS[datatype as IntegerType];
  return `an integer in [${bound(min)}, ${bound(max)}) for ${datatype}`;
}

function bound(n: number): string {
  return Math.abs(n) >= 2 ** 53 ? `${n < 0 ? '-' : ''}2^${Math.log2(Math.abs(n))}` : String(n);
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return typeof v === 'string' ? `the string ${describeJson(v)}` : describeJson(v);
}
