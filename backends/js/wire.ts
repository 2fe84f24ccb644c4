/**
 * @module Tensors crossing a worker-thread boundary. Fixed-size data travels as a typed array
 * whose ArrayBuffer is transferred (moved, not copied); BYTES elements are packed into one
 * buffer plus offsets, so a tensor is two transfers however many strings it holds. Nothing is
 * serialized as JSON.
 */
import { packBytes, unpackBytes } from '../../engine/core/packed-bytes.js';
import type { DataType } from '../../engine/core/datatype.js';
import type { Tensor, TensorData, TensorMap } from '../../engine/core/tensor.js';

type FixedData = Exclude<TensorData, Uint8Array[]>;

/** A tensor as posted to or from a worker. */
export type WireTensor = {
  readonly name: string;
  readonly datatype: DataType;
  readonly shape: readonly number[];
} & ({ readonly data: FixedData } | { readonly bytes: Uint8Array; readonly offsets: Uint32Array });

/** Tensors ready for `postMessage(message, transfer)`. */
export interface WirePayload {
  readonly tensors: WireTensor[];
  readonly transfer: ArrayBuffer[];
}

/**
 * Whether a typed array can be transferred as it is: it must own its whole (non-shared)
 * buffer, or the transfer would move memory that belongs to something else.
 */
export function ownsBuffer(data: ArrayBufferView): boolean {
  return data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
}

/**
 * Prepares tensors for posting. With `copy: 'always'` every typed array is copied into a fresh
 * buffer first, so the caller keeps its tensors (request inputs may be views into one body
 * buffer, and pipeline tensors may have other readers). With `copy: 'views'` arrays that own
 * their whole buffer are transferred as they are, and the sender must not use them afterwards.
 *
 * @example
 * const { tensors, transfer } = toWire(inputs, 'always');
 * worker.postMessage({ type: 'execute', inputs: tensors }, transfer);
 */
export function toWire(map: TensorMap | ReadonlyMap<string, Tensor>, copy: 'always' | 'views'): WirePayload {
  const tensors: WireTensor[] = [];
  const transfer = new Set<ArrayBuffer>();
  for (const [name, t] of map) {
    if (Array.isArray(t.data)) {
      const { bytes, offsets } = packBytes(t.data);
      tensors.push({ name, datatype: t.datatype, shape: [...t.shape], bytes, offsets });
      transfer.add(bytes.buffer as ArrayBuffer).add(offsets.buffer as ArrayBuffer);
      continue;
    }
    const fixed = t.data as FixedData;
    const data = copy === 'always' || !ownsBuffer(fixed) ? fixed.slice() : fixed;
    tensors.push({ name, datatype: t.datatype, shape: [...t.shape], data });
    transfer.add(data.buffer as ArrayBuffer);
  }
  return { tensors, transfer: [...transfer] };
}

/**
 * Rebuilds tensors from the wire; BYTES elements become views into the packed buffer.
 *
 * @example
 * const outputs = fromWire(reply.outputs);
 */
export function fromWire(tensors: readonly WireTensor[]): TensorMap {
  const map: TensorMap = new Map();
  for (const w of tensors) {
    const data = 'bytes' in w ? unpackBytes(w.bytes, w.offsets) : w.data;
    map.set(w.name, { datatype: w.datatype, shape: w.shape, data });
  }
  return map;
}


