/**
 * @module Checks what a module's `execute` returned and turns it into engine tensors: every
 * needed output present, a known datatype, an integer shape whose element count matches the
 * data, and data of the datatype's typed array (plain arrays are converted).
 */
import { isDataType } from '../../engine/core/datatype.js';
import type { DataType } from '../../engine/core/datatype.js';
import { EngineError } from '../../engine/core/errors.js';
import { elementCount, formatShape, typedArrayFor } from '../../engine/core/tensor.js';
import type { Tensor, TensorData, TensorMap } from '../../engine/core/tensor.js';

const encoder = new TextEncoder();

/**
 * Converts the value `execute` returned (a plain object or a Map of tensors) for the outputs
 * the caller needs. Throws EngineError INTERNAL naming the model and output otherwise.
 *
 * @example
 * normalizeOutputs('post', { y: { datatype: 'FP32', shape: [2], data: [1, 2] } }, ['y']);
 */
export function normalizeOutputs(
  model: string,
  returned: unknown,
  wanted: readonly string[],
): TensorMap {
  const where = `model '${model}': execute()`;
  if (returned === null || typeof returned !== 'object') {
    throw new EngineError(
      'INTERNAL',
      `${where} must return an object of output tensors, returned ${returned === null ? 'null' : typeof returned}`,
    );
  }
  const get = (name: string): unknown =>
    returned instanceof Map ? returned.get(name) : (returned as Record<string, unknown>)[name];
  const out: TensorMap = new Map();
  for (const name of wanted) {
    const value = get(name);
    if (value === undefined)
      throw new EngineError('INTERNAL', `${where} returned no output '${name}'`);
    out.set(name, normalizeTensor(`${where} output '${name}'`, value));
  }
  return out;
}

function normalizeTensor(where: string, v: unknown): Tensor {
  const t = v as { datatype?: unknown; shape?: unknown; data?: unknown };
  if (typeof t !== 'object' || t === null)
    throw new EngineError(
      'INTERNAL',
      `${where}: expected { datatype, shape, data }, found ${typeof v}`,
    );
  if (typeof t.datatype !== 'string' || !isDataType(t.datatype))
    throw new EngineError(
      'INTERNAL',
      `${where}: expected a datatype such as FP32, found ${JSON.stringify(t.datatype)}`,
    );
  if (!Array.isArray(t.shape) || !t.shape.every(d => Number.isInteger(d) && d >= 0)) {
    throw new EngineError(
      'INTERNAL',
      `${where}: expected a shape of non-negative integers, found ${JSON.stringify(t.shape)}`,
    );
  }
  const shape = t.shape as number[];
  const data = toData(where, t.datatype, t.data);
  if (data.length !== elementCount(shape)) {
    throw new EngineError(
      'INTERNAL',
      `${where}: shape ${formatShape(shape)} holds ${elementCount(shape)} element(s) but data has ${data.length}`,
    );
  }
  return { datatype: t.datatype, shape, data };
}

function toData(where: string, dt: DataType, data: unknown): TensorData {
  if (dt === 'BYTES') {
    if (!Array.isArray(data))
      throw new EngineError(
        'INTERNAL',
        `${where}: BYTES data must be an array of strings or Uint8Arrays`,
      );
    return data.map((e: unknown, i) => {
      if (e instanceof Uint8Array) return e;
      if (typeof e === 'string') return encoder.encode(e);
      throw new EngineError(
        'INTERNAL',
        `${where}: BYTES element ${i} must be a string or Uint8Array, found ${typeof e}`,
      );
    });
  }
  const Ctor = typedArrayFor(dt);
  if (data instanceof Ctor) return data as TensorData;
  const big = dt === 'INT64' || dt === 'UINT64';
  if (!Array.isArray(data) && !ArrayBuffer.isView(data)) {
    throw new EngineError(
      'INTERNAL',
      `${where}: ${dt} data must be a ${Ctor.name} or an array of numbers, found ${typeof data}`,
    );
  }
  const items = Array.from(data as ArrayLike<unknown>);
  const bad = items.findIndex(
    e => typeof e !== 'number' && typeof e !== 'bigint' && typeof e !== 'boolean',
  );
  if (bad >= 0)
    throw new EngineError(
      'INTERNAL',
      `${where}: ${dt} element ${bad} must be a number, found ${typeof items[bad]}`,
    );
  if (big)
    return (Ctor as BigInt64ArrayConstructor).from(items, e =>
      BigInt(typeof e === 'bigint' ? e : Math.trunc(Number(e))),
    );
  return (Ctor as Float64ArrayConstructor).from(items, e => Number(e));
}
