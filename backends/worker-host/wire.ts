/**
 * @module Tensors and errors crossing a worker-thread boundary. Typed-array data travels as it
 * is, its ArrayBuffer transferred (moved, never cloned element by element); BYTES elements are
 * packed into one buffer plus offsets, so a tensor is at most two transfers however many
 * strings it holds. Errors travel as plain objects that keep the engine's code.
 */
import type { DataType } from '../../engine/core/datatype.js';
import type { ErrorCode } from '../../engine/core/errors.js';
import { EngineError } from '../../engine/core/errors.js';
import type { PackedBytes } from '../../engine/core/packed-bytes.js';
import { packBytes, unpackBytes } from '../../engine/core/packed-bytes.js';
import type { Tensor, TensorData, TensorMap } from '../../engine/core/tensor.js';

type FixedData = Exclude<TensorData, Uint8Array[]>;

/**
 * A tensor as it crosses the thread boundary: typed-array data as it is, arrays of byte strings
 * packed. The form follows the data, not the datatype, so a tensor whose data does not fit its
 * datatype arrives as it was sent and is refused by the receiver with its usual message.
 */
export type WireTensor = {
  readonly name: string;
  readonly datatype: DataType;
  readonly shape: readonly number[];
} & ({ readonly data: FixedData } | { readonly packed: PackedBytes });

/** Tensors ready for `postMessage(message, transfer)`. */
export interface WirePayload {
  readonly tensors: WireTensor[];
  readonly transfer: ArrayBuffer[];
}

/** An error as it crosses the thread boundary; `code` is absent for errors a library threw. */
export interface WireError {
  readonly code?: ErrorCode;
  readonly message: string;
}

/**
 * Whether a typed array can be transferred as it is: it must own its whole, non-shared buffer,
 * or the transfer would move memory that belongs to something else (a SharedArrayBuffer cannot
 * be transferred at all).
 *
 * @example
 * ownsBuffer(new Float32Array(4)); // true
 * ownsBuffer(new Float32Array(4).subarray(1)); // false
 */
export function ownsBuffer(data: ArrayBufferView): boolean {
  const { buffer } = data;
  return (
    buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === buffer.byteLength
  );
}

/** Options of {@link toWire}. */
export interface ToWireOptions {
  /**
   * Copy typed arrays into fresh buffers before they are transferred, so the caller keeps its
   * tensors (request inputs may be views into one body buffer, pipeline tensors may have other
   * readers). Without it, arrays that own their whole buffer are transferred as they are.
   */
  readonly copy: boolean;
  /**
   * With `copy`, tensors the caller gave up (ExecuteOptions.movable): transferred as they are
   * when they own their whole buffer and no tensor that is not moved shares that buffer.
   */
  readonly move?: ReadonlySet<string> | undefined;
}

/**
 * Prepares tensors for posting. With `copy` every typed array is copied into a fresh buffer
 * first (the one copy of an input on its way to a worker), except those named in `move`.
 * Without it, arrays that own their whole buffer are transferred as they are (the sender must
 * not use them afterwards) and views of part of a buffer are copied.
 *
 * @example
 * const { tensors, transfer } = toWire(inputs, { copy: true, move: opts.movable });
 * worker.postMessage({ type: 'run', inputs: tensors }, transfer);
 */
export function toWire(
  map: TensorMap | ReadonlyMap<string, Tensor>,
  opts: ToWireOptions,
): WirePayload {
  const tensors: WireTensor[] = [];
  const transfer = new Set<ArrayBuffer>();
  const kept = opts.copy ? keptBuffers(map, opts.move) : undefined;
  for (const [name, t] of map) {
    if (Array.isArray(t.data)) {
      const packed = packBytes(t.data);
      tensors.push({ name, datatype: t.datatype, shape: t.shape, packed });
      transfer.add(packed.bytes.buffer as ArrayBuffer).add(packed.offsets.buffer as ArrayBuffer);
      continue;
    }
    const fixed = t.data as FixedData;
    const moved = kept === undefined || (opts.move?.has(name) === true && !kept.has(fixed.buffer));
    const data = moved && ownsBuffer(fixed) ? fixed : fixed.slice();
    tensors.push({ name, datatype: t.datatype, shape: t.shape, data });
    transfer.add(data.buffer as ArrayBuffer);
  }
  return { tensors, transfer: [...transfer] };
}

/** Buffers of the tensors that stay the caller's: a moved tensor sharing one is copied instead. */
function keptBuffers(
  map: ReadonlyMap<string, Tensor>,
  move: ReadonlySet<string> | undefined,
): Set<ArrayBufferLike> {
  const kept = new Set<ArrayBufferLike>();
  for (const [name, t] of map)
    if (!Array.isArray(t.data) && move?.has(name) !== true) kept.add((t.data as FixedData).buffer);
  return kept;
}

/**
 * Rebuilds tensors from the wire, without copying: BYTES elements become views of the packed
 * buffer.
 *
 * @example
 * const outputs = fromWire(reply.outputs);
 */
export function fromWire(tensors: readonly WireTensor[]): TensorMap {
  const map: TensorMap = new Map();
  for (const w of tensors) {
    const data = 'packed' in w ? unpackBytes(w.packed.bytes, w.packed.offsets) : w.data;
    map.set(w.name, { datatype: w.datatype, shape: w.shape, data } satisfies Tensor);
  }
  return map;
}

/**
 * An error as a plain object that survives structured cloning, keeping the engine code.
 *
 * @example
 * port.postMessage({ type: 'failed', error: toWireError(e) });
 */
export function toWireError(e: unknown): WireError {
  const message = e instanceof Error ? e.message : String(e);
  return e instanceof EngineError ? { code: e.code, message } : { message };
}

/**
 * The error a worker reported: an EngineError with its code when it had one, otherwise a plain
 * Error carrying the library's text for the caller to classify.
 *
 * @example
 * throw fromWireError(reply.error);
 */
export function fromWireError(e: WireError): Error {
  return e.code === undefined ? new Error(e.message) : new EngineError(e.code, e.message);
}
