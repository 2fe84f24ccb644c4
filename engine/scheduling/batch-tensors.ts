/**
 * @module Joins the inputs of batched requests along axis 0 and splits the outputs back.
 */
import { EngineError } from '../core/errors.js';
import { elementCount, formatShape } from '../core/tensor.js';
import type { Tensor, TensorData, TensorMap } from '../core/tensor.js';

type TypedTensorData = Exclude<TensorData, Uint8Array[]>;
type TypedArrayCtor = new (length: number) => TypedTensorData;

/**
 * Concatenates each input of `requests` along axis 0, in request order. A single request's
 * tensors pass through untouched (no copy). BYTES elements are shared, not copied.
 * Throws EngineError INTERNAL when the requests do not carry the same inputs with equal
 * non-batch dimensions, which batch formation is meant to guarantee.
 *
 * @example
 * concatBatch("model 'm' version 1", [reqA.inputs, reqB.inputs]); // INPUT0: [3,4] + [5,4] → [8,4]
 */
export function concatBatch(label: string, requests: readonly TensorMap[]): TensorMap {
  const first = requests[0];
  if (first === undefined)
    throw new EngineError('INTERNAL', `${label}: cannot form an empty batch`);
  if (requests.length === 1) return first;
  const out: TensorMap = new Map();
  for (const [name, head] of first) {
    const parts = requests.map((r, i) => {
      const t = r.get(name);
      if (!t || !sameItemShape(head, t)) throw batchMismatch(label, name, head, t, i);
      return t;
    });
    out.set(name, concatTensors(parts));
  }
  for (const [i, r] of requests.entries()) {
    if (r.size !== first.size) {
      const extra = [...r.keys()].find(k => !first.has(k));
      throw new EngineError(
        'INTERNAL',
        `${label}: request ${i} of the batch has input '${extra}' that request 0 lacks`,
      );
    }
  }
  return out;
}

function sameItemShape(a: Tensor, b: Tensor): boolean {
  if (a.datatype !== b.datatype || a.shape.length !== b.shape.length || a.shape.length === 0)
    return false;
  for (let i = 1; i < a.shape.length; i++) if (a.shape[i] !== b.shape[i]) return false;
  return true;
}

function batchMismatch(
  label: string,
  name: string,
  head: Tensor,
  t: Tensor | undefined,
  i: number,
): EngineError {
  const got = t ? `${t.datatype} ${formatShape(t.shape)}` : 'nothing';
  return new EngineError(
    'INTERNAL',
    `${label}: cannot batch input '${name}': request ${i} has ${got}, expected ${head.datatype} ` +
      `[N${head.shape
        .slice(1)
        .map(d => `,${d}`)
        .join('')}] like request 0`,
  );
}

function concatTensors(parts: readonly Tensor[]): Tensor {
  const head = parts[0]!;
  const rows = parts.reduce((n, t) => n + (t.shape[0] ?? 0), 0);
  const shape = [rows, ...head.shape.slice(1)];
  if (Array.isArray(head.data)) {
    const data: Uint8Array[] = [];
    for (const t of parts) for (const el of t.data as Uint8Array[]) data.push(el);
    return { datatype: head.datatype, shape, data };
  }
  const total = parts.reduce((n, t) => n + t.data.length, 0);
  const data = new (head.data.constructor as TypedArrayCtor)(total);
  let offset = 0;
  for (const t of parts) {
    // The union of typed arrays has no common `set`; each part has the same element type.
    (data as Float64Array).set(t.data as Float64Array, offset);
    offset += t.data.length;
  }
  return { datatype: head.datatype, shape, data };
}

/**
 * Splits each output along axis 0 into one map per request, `sizes[i]` rows for request i.
 * Typed-array outputs become `subarray` views of the batch output (no copy). Throws
 * EngineError INTERNAL naming the model and output when axis 0 is not the total batch size
 * or the data does not fill the shape.
 *
 * @example
 * splitBatch("model 'm' version 1", outputs, [3, 5]); // OUTPUT0: [8,2] → [3,2] and [5,2]
 */
export function splitBatch(
  label: string,
  outputs: TensorMap,
  sizes: readonly number[],
): TensorMap[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const maps: TensorMap[] = sizes.map(() => new Map());
  for (const [name, t] of outputs) {
    const rows = t.shape[0];
    if (t.shape.length === 0 || rows !== total) {
      throw new EngineError(
        'INTERNAL',
        `${label}: output '${name}' has shape ${formatShape(t.shape)}, expected axis 0 to be the batch size ${total} ` +
          `of ${sizes.length} batched requests`,
      );
    }
    const rowLen = elementCount(t.shape.slice(1));
    if (t.data.length !== total * rowLen) {
      throw new EngineError(
        'INTERNAL',
        `${label}: output '${name}' of shape ${formatShape(t.shape)} holds ${t.data.length} elements, expected ${total * rowLen}`,
      );
    }
    let row = 0;
    for (const [i, n] of sizes.entries()) {
      const start = row * rowLen;
      const end = (row + n) * rowLen;
      const data = Array.isArray(t.data)
        ? t.data.slice(start, end)
        : (t.data as TypedTensorData).subarray(start, end);
      maps[i]!.set(name, { datatype: t.datatype, shape: [n, ...t.shape.slice(1)], data });
      row += n;
    }
  }
  return maps;
}

/**
 * A key equal for two input maps exactly when they can be joined along axis 0: the same
 * inputs with the same datatypes and non-batch dimensions, whatever order they were listed in.
 *
 * @example
 * batchShapeKey(new Map([['X', { datatype: 'FP32', shape: [3, 4], data }]])); // 'X:FP32:4'
 */
export function batchShapeKey(inputs: TensorMap): string {
  if (inputs.size === 1) for (const [name, t] of inputs) return inputKey(name, t);
  const parts: string[] = [];
  for (const [name, t] of inputs) parts.push(inputKey(name, t));
  return parts.sort().join('|');
}

function inputKey(name: string, t: Tensor): string {
  let dims = '';
  for (let i = 1; i < t.shape.length; i++) dims += i === 1 ? `${t.shape[i]}` : `x${t.shape[i]}`;
  return `${name}:${t.datatype}:${dims}`;
}
