/**
 * The BYTES wire layout shared by the HTTP binary extension, gRPC raw contents and warmup
 * files: each element is a 4-byte little-endian unsigned length followed by that many bytes,
 * packed with no padding (reference §1.7).
 *
 * @module
 */
import { quote } from './client-value.js';
import { EngineError } from './errors.js';

const MAX_ELEMENT_BYTES = 0xffff_ffff;

/**
 * Number of bytes the length-prefixed layout of `els` takes.
 *
 * @example
 * bytesElementsSize([new Uint8Array(3)]); // 7
 */
export function bytesElementsSize(els: readonly Uint8Array[]): number {
  let size = 4 * els.length;
  for (const el of els) size += el.byteLength;
  return size;
}

/**
 * Writes `els` length-prefixed into `target` at `offset`; returns the offset after the last
 * element. `target` must have room for {@link bytesElementsSize} bytes.
 *
 * @example
 * const end = writeBytesElements(els, body, jsonLength);
 */
export function writeBytesElements(
  els: readonly Uint8Array[],
  target: Uint8Array,
  offset: number,
): number {
  let o = offset;
  for (const el of els) {
    const n = el.byteLength;
    if (n > MAX_ELEMENT_BYTES) {
      throw new EngineError('INVALID_ARG', `BYTES element of ${n} bytes exceeds the 2^32-1 limit`);
    }
    target[o] = n & 0xff;
    target[o + 1] = (n >>> 8) & 0xff;
    target[o + 2] = (n >>> 16) & 0xff;
    target[o + 3] = n >>> 24;
    target.set(el, o + 4);
    o += 4 + n;
  }
  return o;
}

/**
 * Serializes BYTES elements into one buffer in the length-prefixed layout.
 *
 * @example
 * encodeBytesElements([new TextEncoder().encode('ab')]); // 02 00 00 00 61 62
 */
export function encodeBytesElements(els: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(bytesElementsSize(els));
  writeBytesElements(els, out, 0);
  return out;
}

/**
 * Splits a length-prefixed buffer into its elements. The elements are views into `buf`
 * (no copy), so they stay valid only while `buf` is not reused.
 *
 * @param expectedCount - when given, the number of elements the tensor's shape requires
 * @param tensorName - names the tensor in error messages
 * @throws EngineError INVALID_ARG when a length prefix or element is cut short, or when the
 *   element count differs from `expectedCount`
 * @example
 * decodeBytesElements(buf, 2, 'TEXT'); // [Uint8Array, Uint8Array]
 */
export function decodeBytesElements(
  buf: Uint8Array,
  expectedCount?: number,
  tensorName?: string,
): Uint8Array[] {
  const where = tensorName === undefined ? 'BYTES data' : `BYTES data of ${quote(tensorName)}`;
  const els: Uint8Array[] = [];
  const end = buf.byteLength;
  let o = 0;
  while (o < end) {
    if (o + 4 > end) {
      throw new EngineError(
        'INVALID_ARG',
        `${where}: element ${els.length} needs a 4-byte length prefix ` +
          `but only ${end - o} bytes remain`,
      );
    }
    const n = (buf[o]! | (buf[o + 1]! << 8) | (buf[o + 2]! << 16) | (buf[o + 3]! << 24)) >>> 0;
    o += 4;
    if (o + n > end) {
      throw new EngineError(
        'INVALID_ARG',
        `${where}: element ${els.length} declares ${n} bytes but only ${end - o} remain`,
      );
    }
    els.push(buf.subarray(o, o + n));
    o += n;
  }
  if (expectedCount !== undefined && els.length !== expectedCount) {
    throw new EngineError(
      'INVALID_ARG',
      `${where}: expected ${expectedCount} elements for its shape, got ${els.length}`,
    );
  }
  return els;
}
