/**
 * @module Tensors as they travel between codec, engine and backend: typed-array storage per
 * datatype, and shape helpers.
 */
import type { DataType } from './datatype.js';

/**
 * Element storage of a tensor, row-major. Fixed-size types use the natural typed array
 * (BOOL as 0/1 bytes in a Uint8Array; FP16 and BF16 as raw 16-bit patterns in a Uint16Array;
 * INT64/UINT64 as BigInt64Array/BigUint64Array). BYTES is one Uint8Array per element.
 */
export type TensorData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | Uint8Array[];

/** A tensor as it travels between codec, engine and backend. Shapes include the batch dimension. */
export interface Tensor {
  readonly datatype: DataType;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** Named tensors; insertion order is the order clients and models listed them in. */
export type TensorMap = Map<string, Tensor>;

type TypedArrayCtor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Uint16ArrayConstructor
  | Int16ArrayConstructor
  | Uint32ArrayConstructor
  | Int32ArrayConstructor
  | BigUint64ArrayConstructor
  | BigInt64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

const CTORS: Readonly<Record<Exclude<DataType, 'BYTES'>, TypedArrayCtor>> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP16: Uint16Array,
  FP32: Float32Array,
  FP64: Float64Array,
  BF16: Uint16Array,
};

/**
 * The typed-array constructor that stores `dt`.
 *
 * @example
 * new (typedArrayFor('FP32'))(16); // Float32Array(16)
 */
export function typedArrayFor(dt: Exclude<DataType, 'BYTES'>): TypedArrayCtor {
  return CTORS[dt];
}

/**
 * Number of elements in a tensor of `shape` (1 for a scalar shape `[]`).
 *
 * @example
 * elementCount([2, 3]); // 6
 */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Formats a shape the way error messages print it: `[2,3]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * Whether an actual shape matches a declared one, where `-1` in `declared` matches any size.
 *
 * @example
 * shapeMatches([-1, 16], [4, 16]); // true
 */
export function shapeMatches(declared: readonly number[], actual: readonly number[]): boolean {
  if (declared.length !== actual.length) return false;
  for (let i = 0; i < declared.length; i++) {
    const d = declared[i]!;
    if (d !== -1 && d !== actual[i]) return false;
  }
  return true;
}
