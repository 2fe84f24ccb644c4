/**
 * @module Tensor elements as a test file writes them (numbers, strings, booleans, nested lists)
 * and as tests compare and print them: building tensors from written values, and reading a
 * tensor's elements back as numbers, bigints or strings.
 */
import type { DataType } from '../../core/datatype.js';
import { EngineError } from '../../core/errors.js';
import { elementCount, formatShape, typedArrayFor } from '../../core/tensor.js';
import type { Tensor, TensorData } from '../../core/tensor.js';
import { fromBf16, fromHalf, toBf16, toHalf } from './half.js';

/** One element as tests see it: floats and small integers as numbers, 64-bit integers as bigints, BYTES as strings. */
export type Element = number | bigint | string;

/** Datatypes compared with tolerances. */
export const FLOAT_TYPES: ReadonlySet<DataType> = new Set(['FP16', 'BF16', 'FP32', 'FP64']);

const SPECIAL: Readonly<Record<string, number>> = {
  nan: NaN,
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
  infinity: Infinity,
  '+infinity': Infinity,
  '-infinity': -Infinity,
};

/**
 * Flattens nested lists row-major and returns their shape (sizes of each nesting level).
 * Throws when sibling lists differ in length.
 *
 * @example
 * flatten([[1, 2], [3, 4]], 'x'); // { values: [1, 2, 3, 4], shape: [2, 2] }
 */
export function flatten(
  data: readonly unknown[],
  what: string,
): { values: unknown[]; shape: number[] } {
  const shape: number[] = [];
  for (let level: unknown = data; Array.isArray(level); level = level[0]) shape.push(level.length);
  const values: unknown[] = [];
  const walk = (v: unknown, depth: number, at: string): void => {
    if (depth === shape.length) {
      if (Array.isArray(v))
        throw new EngineError(
          'INVALID_ARG',
          `${what}: data is ragged: ${at} is a list where siblings hold values`,
        );
      values.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth])
      throw new EngineError(
        'INVALID_ARG',
        `${what}: data is ragged: ${at} should be a list of ${shape[depth]}`,
      );
    v.forEach((x, i) => walk(x, depth + 1, `${at}[${i}]`));
  };
  walk(data, 0, 'data');
  return { values, shape };
}

/** A written value as a number: numbers, booleans, and the strings NaN / Infinity / -Infinity. */
export function toNumber(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const special = SPECIAL[v.trim().toLowerCase()];
    if (special !== undefined) return special;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw new EngineError('INVALID_ARG', `${what}: expected a number, found ${JSON.stringify(v)}`);
}

function toBigInt(v: unknown, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (
    (typeof v === 'number' && Number.isInteger(v)) ||
    (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim()))
  )
    return BigInt(typeof v === 'string' ? v.trim() : v);
  throw new EngineError('INVALID_ARG', `${what}: expected an integer, found ${JSON.stringify(v)}`);
}

/** A written BYTES element: a string (UTF-8), `{ base64 }`, or bytes. */
export function toBytes(v: unknown, what: string): Uint8Array {
  if (typeof v === 'string') return new TextEncoder().encode(v);
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'object' && v !== null && typeof (v as { base64?: unknown }).base64 === 'string')
    return new Uint8Array(Buffer.from((v as { base64: string }).base64, 'base64'));
  throw new EngineError(
    'INVALID_ARG',
    `${what}: expected a string (or { base64: ... }) for a BYTES element, found ${JSON.stringify(v)}`,
  );
}

/**
 * Builds a tensor from written values, checking their count against the shape.
 *
 * @example
 * toTensor('FP32', [2], [1, 'NaN'], "input 'x'"); // Float32Array [1, NaN]
 */
export function toTensor(
  datatype: DataType,
  shape: readonly number[],
  values: readonly unknown[],
  what: string,
): Tensor {
  const n = elementCount(shape);
  if (values.length !== n)
    throw new EngineError(
      'INVALID_ARG',
      `${what}: shape ${formatShape(shape)} holds ${n} element(s), data has ${values.length}`,
    );
  const at = (i: number) => `${what} element ${i}`;
  if (datatype === 'BYTES')
    return { datatype, shape: [...shape], data: values.map((v, i) => toBytes(v, at(i))) };
  const data = new (typedArrayFor(datatype) as Float64ArrayConstructor)(n) as unknown as Exclude<
    TensorData,
    Uint8Array[]
  >;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (data instanceof BigInt64Array || data instanceof BigUint64Array)
      data[i] = toBigInt(v, at(i));
    else if (datatype === 'FP16') data[i] = toHalf(toNumber(v, at(i)));
    else if (datatype === 'BF16') data[i] = toBf16(toNumber(v, at(i)));
    else if (datatype === 'BOOL') data[i] = toNumber(v, at(i)) !== 0 ? 1 : 0;
    else data[i] = toNumber(v, at(i));
  }
  return { datatype, shape: [...shape], data };
}

/**
 * A tensor's elements, row-major: FP16/BF16 decoded, 64-bit integers as bigints, BYTES as
 * UTF-8 strings.
 *
 * @example
 * elements({ datatype: 'BYTES', shape: [1], data: [new TextEncoder().encode('hi')] }); // ['hi']
 */
export function elements(t: Tensor): Element[] {
  if (Array.isArray(t.data)) {
    const decoder = new TextDecoder();
    return (t.data as Uint8Array[]).map(b => decoder.decode(b));
  }
  const data = t.data as Exclude<TensorData, Uint8Array[]>;
  if (t.datatype === 'FP16') return Array.from(data as Uint16Array, fromHalf);
  if (t.datatype === 'BF16') return Array.from(data as Uint16Array, fromBf16);
  return Array.from(data as ArrayLike<number | bigint>);
}

/**
 * The multi-dimensional index of flat element `i` in `shape`, as messages print it.
 *
 * @example
 * indexOf(5, [2, 3]); // '[1,2]'
 */
export function indexOf(i: number, shape: readonly number[]): string {
  if (shape.length <= 1) return `[${i}]`;
  const idx: number[] = [];
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d]! || 1;
    idx.unshift(rest % size);
    rest = Math.floor(rest / size);
  }
  return `[${idx.join(',')}]`;
}

/** An element as messages print it: strings quoted, numbers in their shortest form. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number')
    return Number.isInteger(v) || !Number.isFinite(v)
      ? String(v)
      : String(Number(v.toPrecision(7)));
  return JSON.stringify(v) ?? String(v);
}

/**
 * The first `max` elements of a list as messages print it: `[1, 2, 3, ... (100 in all)]`.
 *
 * @example
 * preview([1, 2, 3], 2); // '[1, 2, ... (3 in all)]'
 */
export function preview(values: readonly unknown[], max = 8): string {
  const head = values.slice(0, max).map(show).join(', ');
  return values.length > max ? `[${head}, ... (${values.length} in all)]` : `[${head}]`;
}
