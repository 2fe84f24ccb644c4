/**
 * Turns the raw little-endian bytes of one tensor (binary extension or raw request) into its
 * typed array. This host is little-endian (checked below), so an aligned slice of the body
 * becomes a view with no copy; a misaligned one is copied once, since typed arrays require
 * their byte offset to be a multiple of the element size.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { quote } from '../../core/client-value.js';
import type { DataType } from '../../core/datatype.js';
import { dataTypeSize } from '../../core/datatype.js';
import { EngineError } from '../../core/errors.js';
import type { TensorData } from '../../core/tensor.js';
import { elementCount, typedArrayFor } from '../../core/tensor.js';
import { decodeBytesElements } from '../../core/bytes-elements.js';

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  // Every zero-copy view here assumes the wire byte order is the host's.
  throw new EngineError('INTERNAL', 'the binary tensor codec requires a little-endian host');
}

/**
 * Interprets `bytes` as the data of tensor `name` with `datatype` and `shape`. The result may
 * share memory with `bytes`, or (when copied) with Node's Buffer pool; either way its
 * `buffer` can be larger than the tensor, so consumers must honour `byteOffset`/`length`.
 *
 * @throws EngineError INVALID_ARG when the byte size is not element count × element size, or
 *   when BYTES data is malformed or holds the wrong number of elements
 * @example
 * binaryTensorData('INPUT0', 'FP32', [2], body.subarray(64, 72)); // Float32Array(2)
 */
export function binaryTensorData(
  name: string,
  datatype: DataType,
  shape: readonly number[],
  bytes: Uint8Array,
): TensorData {
  const count = elementCount(shape);
  if (datatype === 'BYTES') return decodeBytesElements(bytes, count, name);
  const size = dataTypeSize(datatype) ?? 1;
  if (bytes.byteLength !== count * size) {
    throw new EngineError(
      'INVALID_ARG',
      `unexpected total byte size ${bytes.byteLength} for input ${quote(name)}, ` +
        `expecting ${count * size}`,
    );
  }
  const Ctor = typedArrayFor(datatype);
  if (bytes.byteOffset % size === 0) {
    return new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
  }
  // Small copies come from Node's Buffer pool (8-byte aligned slices), which measured about
  // 1 µs cheaper per input than allocating an ArrayBuffer of their own.
  const copy = Buffer.allocUnsafe(bytes.byteLength);
  if (copy.byteOffset % size !== 0) return new Ctor(bytes.slice().buffer, 0, count);
  copy.set(bytes);
  return new Ctor(copy.buffer, copy.byteOffset, count);
}
