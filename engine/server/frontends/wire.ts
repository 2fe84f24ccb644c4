/**
 * @module Errors and tensors as they cross between a frontend thread and the engine thread.
 */
import { EngineError, isEngineError } from '../../core/errors.js';
import type { TensorMap } from '../../core/tensor.js';
import type { WireError } from './protocol.js';

/** `e` as a message can carry it; an EngineError keeps its code and reason. */
export function toWire(e: unknown): WireError {
  if (isEngineError(e)) return { code: e.code, reason: e.reason, message: e.message };
  return { message: e instanceof Error ? e.message : String(e) };
}

/**
 * The error `wire` describes: an EngineError with its code, or a plain Error for a failure that
 * was not an EngineError, so the receiving side answers it the way the sender would have.
 */
export function fromWire(wire: WireError): Error {
  if (wire.code === undefined) return new Error(wire.message);
  return new EngineError(wire.code, wire.message, wire.reason ? { reason: wire.reason } : {});
}

/**
 * Buffers small enough to come from Node's shared 8 KiB pool are copied, never moved: moving
 * one would take the pool away from every other Buffer on the thread.
 */
const MIN_MOVED_BYTES = 8 * 1024;

/**
 * The buffers of `inputs` that a postMessage may move instead of copying: the frontend decoded
 * them from a body nothing else reads, so handing them over saves a copy of large tensors.
 *
 * @example
 * port.postMessage({ t: 'infer', id, request }, movableBuffers(request.inputs));
 */
export function movableBuffers(inputs: TensorMap): ArrayBuffer[] {
  const moved = new Set<ArrayBuffer>();
  for (const { data } of inputs.values()) {
    if (Array.isArray(data)) continue;
    const buffer = data.buffer;
    if (buffer instanceof ArrayBuffer && buffer.byteLength >= MIN_MOVED_BYTES) moved.add(buffer);
  }
  return [...moved];
}

/** The bytes of `view` as an ArrayBuffer of their own, which a postMessage can move. */
export function ownBuffer(view: Uint8Array): ArrayBuffer {
  const { buffer } = view;
  if (
    buffer instanceof ArrayBuffer &&
    view.byteOffset === 0 &&
    view.byteLength === buffer.byteLength &&
    buffer.byteLength >= MIN_MOVED_BYTES
  )
    return buffer;
  return view.slice().buffer;
}
