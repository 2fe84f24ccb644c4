/**
 * @module Literal tensors written in a pipeline file (early-return values, on_error defaults),
 * checked and converted once at load.
 */
import { typedArrayFor } from '../engine/core/tensor.js';
import { elementCount, formatShape } from '../engine/core/tensor.js';
import type { Tensor } from '../engine/core/tensor.js';
import type { ConstantDecl } from './schema.js';

const encoder = new TextEncoder();
const INTEGER = new Set(['UINT8', 'UINT16', 'UINT32', 'INT8', 'INT16', 'INT32']);

/**
 * Converts a literal to a tensor, or returns why it cannot be one (wrong element count, element
 * types that do not fit the datatype, FP16/BF16 which have no literal form).
 *
 * @example
 * constantTensor({ datatype: 'FP32', shape: [0, 4], data: [] }); // { tensor: { datatype: 'FP32', shape: [0, 4], data: Float32Array(0) } }
 */
export function constantTensor(c: ConstantDecl): { tensor: Tensor } | { error: string } {
  const n = elementCount(c.shape);
  if (c.data.length !== n) {
    return {
      error: `shape ${formatShape(c.shape)} holds ${n} element(s): expected ${n}, found ${c.data.length} in data`,
    };
  }
  const dt = c.datatype;
  if (dt === 'BYTES') {
    const bad = c.data.findIndex(v => typeof v !== 'string');
    if (bad >= 0)
      return {
        error: `BYTES elements are strings: expected a string at data[${bad}], found ${String(c.data[bad])}`,
      };
    return {
      tensor: { datatype: dt, shape: c.shape, data: c.data.map(v => encoder.encode(v as string)) },
    };
  }
  if (dt === 'FP16' || dt === 'BF16')
    return { error: `${dt} has no literal form: expected a datatype such as FP32, found ${dt}` };
  const values: number[] = [];
  for (const [i, v] of c.data.entries()) {
    const num = typeof v === 'boolean' && dt === 'BOOL' ? Number(v) : v;
    if (
      typeof num !== 'number' ||
      ((INTEGER.has(dt) || dt.endsWith('64') || dt === 'BOOL') &&
        dt !== 'FP64' &&
        !Number.isInteger(num))
    ) {
      return {
        error: `${dt} elements: expected ${dt === 'BOOL' ? 'true/false' : 'a number that fits'} at data[${i}], found ${JSON.stringify(v)}`,
      };
    }
    values.push(num);
  }
  const Ctor = typedArrayFor(dt);
  const data =
    dt === 'INT64' || dt === 'UINT64'
      ? new (Ctor as BigInt64ArrayConstructor)(values.map(v => BigInt(v)))
      : new (Ctor as Float64ArrayConstructor)(values);
  return { tensor: { datatype: dt, shape: c.shape, data: data as Tensor['data'] } };
}
