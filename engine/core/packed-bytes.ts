/**
 * @module BYTES tensors packed into one buffer, the form they take to cross a thread boundary
 * (a worker's postMessage): one transferable buffer instead of one object per element.
 */

/** BYTES elements packed into one buffer: element i is `bytes[offsets[i], offsets[i + 1])`. */
export interface PackedBytes {
  readonly bytes: Uint8Array;
  readonly offsets: Uint32Array;
}

/**
 * Packs byte strings into one buffer with `n + 1` offsets.
 *
 * @example
 * packBytes([Uint8Array.of(1), Uint8Array.of(2, 3)]); // bytes [1,2,3], offsets [0,1,3]
 */
export function packBytes(items: readonly Uint8Array[]): PackedBytes {
  const offsets = new Uint32Array(items.length + 1);
  let total = 0;
  for (let i = 0; i < items.length; i++) {
    total += items[i]!.length;
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < items.length; i++) bytes.set(items[i]!, offsets[i]);
  return { bytes, offsets };
}

/**
 * Splits packed byte strings back into views of the one buffer (no copy).
 *
 * @example
 * unpackBytes(Uint8Array.of(1, 2, 3), Uint32Array.of(0, 1, 3)); // [[1], [2, 3]]
 */
export function unpackBytes(bytes: Uint8Array, offsets: Uint32Array): Uint8Array[] {
  const out = new Array<Uint8Array>(Math.max(0, offsets.length - 1));
  for (let i = 0; i < out.length; i++) out[i] = bytes.subarray(offsets[i], offsets[i + 1]);
  return out;
}
