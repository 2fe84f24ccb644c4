import { packBytes, unpackBytes } from '../../engine/core/packed-bytes.js';
import type { PackedBytes } from '../../engine/core/packed-bytes.js';
import type { InferenceSession } from 'onnxruntime-node';
import type { DataType } from '../../engine/core/datatype.js';
import type { ErrorCode } from '../../engine/core/errors.js';
import { EngineError } from '../../engine/core/errors.js';
import type { Tensor, TensorData, TensorMap } from '../../engine/core/tensor.js';

/*
 * Messages between an instance and the worker thread that holds its ORT session. Tensors
 * cross the thread boundary by transferring their ArrayBuffers (no copy on the way); BYTES
 * elements are packed into one buffer with offsets so a message carries two buffers per
 * tensor however many elements it has.
 */

type FixedData = Exclude<TensorData, Uint8Array[]>;

export type { PackedBytes } from '../../engine/core/packed-bytes.js';
export { packBytes, unpackBytes };

/**
 * A tensor as it crosses the thread boundary: typed-array data as it is, arrays of byte
 * strings packed. The form follows the data, not the datatype, so a tensor whose data does
 * not fit its datatype arrives as it was sent and is refused with the usual message.
 */
export type WireTensor = {
  readonly name: string;
  readonly datatype: DataType;
  readonly shape: readonly number[];
} & ({ readonly data: FixedData } | { readonly packed: PackedBytes });

/** An error as it crosses the thread boundary; `code` is absent for errors ORT threw. */
export interface WireError {
  readonly code?: ErrorCode;
  readonly message: string;
}

/**
 * When one run happened inside the worker, in epoch milliseconds (`performance.timeOrigin +
 * performance.now()` of the worker), so times of different workers can be compared.
 */
export interface WorkerRunTiming {
  /** The worker took the run message. */
  readonly received: number;
  /** ORT tensors were built; `session.run` starts. */
  readonly runStart: number;
  /** `session.run` returned. */
  readonly runEnd: number;
}

/** Main thread → worker. */
export type WorkerRequest =
  | {
      readonly type: 'open';
      readonly model: string;
      readonly path: string;
      readonly options: InferenceSession.SessionOptions;
    }
  | { readonly type: 'run'; readonly inputs: readonly WireTensor[]; readonly outputs?: readonly string[] }
  | { readonly type: 'close' };

/** Worker → main thread; each request gets exactly one reply. */
export type WorkerReply =
  | { readonly type: 'opened' }
  | { readonly type: 'result'; readonly outputs: readonly WireTensor[]; readonly timing: WorkerRunTiming }
  | { readonly type: 'failed'; readonly error: WireError }
  | { readonly type: 'closed' };

/** A tensor map ready to post: the wire tensors and the buffers to transfer with them. */
export interface WirePayload {
  readonly tensors: WireTensor[];
  readonly transfer: ArrayBuffer[];
}

function ownsWholeBuffer(data: FixedData | Uint8Array): boolean {
  // A SharedArrayBuffer cannot be transferred, and a view of part of a buffer would drag the
  // rest of it along.
  const { buffer } = data;
  return buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === buffer.byteLength;
}



/**
 * Prepares tensors for `postMessage`. With `copy` every typed array is copied into a fresh
 * buffer first (the caller keeps its tensors, which may be views into a request body);
 * without it arrays that own their whole buffer are transferred as they are and the caller
 * must not touch them afterwards.
 *
 * @example
 * const { tensors, transfer } = toWire(inputs, { copy: true });
 * port.postMessage({ type: 'run', inputs: tensors }, transfer);
 */
export function toWire(map: TensorMap, opts: { readonly copy: boolean }): WirePayload {
  const tensors: WireTensor[] = [];
  const transfer = new Set<ArrayBuffer>();
  for (const [name, t] of map) {
    if (Array.isArray(t.data)) {
      const packed = packBytes(t.data);
      tensors.push({ name, datatype: t.datatype, shape: t.shape, packed });
      transfer.add(packed.bytes.buffer as ArrayBuffer).add(packed.offsets.buffer as ArrayBuffer);
      continue;
    }
    const data = opts.copy || !ownsWholeBuffer(t.data) ? t.data.slice() : t.data;
    tensors.push({ name, datatype: t.datatype, shape: t.shape, data });
    transfer.add(data.buffer as ArrayBuffer);
  }
  return { tensors, transfer: [...transfer] };
}

/**
 * Rebuilds a tensor map from wire tensors; BYTES elements become views of the packed buffer.
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
 * The error a worker reported: an EngineError with its code when it had one, otherwise a
 * plain Error carrying ORT's text for the caller to classify.
 *
 * @example
 * throw fromWireError(reply.error);
 */
export function fromWireError(e: WireError): Error {
  return e.code === undefined ? new Error(e.message) : new EngineError(e.code, e.message);
}
