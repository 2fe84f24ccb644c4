/**
 * @module Splitting a tensor into map items along axis 0 and joining item results back. Items
 * are views into the original data (no copy); gathering copies once into a new tensor.
 */
import { EngineError } from '../../engine/core/errors.js';
import type { ExecutionPlan, PlanStep, PlanTensor } from '../../engine/core/plan.js';
import { elementCount, formatShape, typedArrayFor } from '../../engine/core/tensor.js';
import type { Tensor, TensorData } from '../../engine/core/tensor.js';

/** How items relate to the mapped tensor: `concat` keeps axis 0 as size 1, `stack` drops it. */
export type MapMode = 'concat' | 'stack';

type Fixed = Exclude<TensorData, Uint8Array[]>;

/**
 * Item `i` of `t` along axis 0, sharing `t`'s memory.
 *
 * @example
 * sliceItem({ datatype: 'FP32', shape: [3, 4], data }, 1, 'stack').shape; // [4]
 */
export function sliceItem(t: Tensor, i: number, mode: MapMode): Tensor {
  const rest = t.shape.slice(1);
  const stride = elementCount(rest);
  const data = Array.isArray(t.data)
    ? t.data.slice(i * stride, (i + 1) * stride)
    : (t.data as Fixed).subarray(i * stride, (i + 1) * stride);
  return { datatype: t.datatype, shape: mode === 'concat' ? [1, ...rest] : rest, data };
}

/**
 * Joins item results along axis 0. All parts must share datatype and the shape past the
 * joined axis; `what` names the output in the error otherwise.
 *
 * @example
 * gatherItems([a, b], 'concat', "output 'y' of step 'rec'"); // shape [a0 + b0, ...]
 */
export function gatherItems(parts: readonly Tensor[], mode: MapMode, what: string): Tensor {
  const first = parts[0]!;
  const tail = (t: Tensor) => (mode === 'concat' ? t.shape.slice(1) : t.shape);
  const want = formatShape(tail(first));
  parts.forEach((p, i) => {
    if (p.datatype !== first.datatype || formatShape(tail(p)) !== want) {
      throw new EngineError(
        'INTERNAL',
        `${what}: map items must agree to be gathered: item 0 is ${first.datatype}${formatShape(first.shape)}, item ${i} is ${p.datatype}${formatShape(p.shape)}`,
      );
    }
  });
  const axis0 = mode === 'concat' ? parts.reduce((n, p) => n + (p.shape[0] ?? 0), 0) : parts.length;
  const fullShape = [axis0, ...tail(first)];
  if (Array.isArray(first.data)) {
    return {
      datatype: first.datatype,
      shape: fullShape,
      data: parts.flatMap(p => p.data as Uint8Array[]),
    };
  }
  const Ctor = (first.data as Fixed).constructor as new (n: number) => Fixed;
  const total = parts.reduce((n, p) => n + p.data.length, 0);
  const out = new Ctor(total);
  let at = 0;
  for (const p of parts) {
    (out as Float64Array).set(p.data as Float64Array, at);
    at += p.data.length;
  }
  return { datatype: first.datatype, shape: fullShape, data: out };
}

/**
 * The result of mapping over zero items: axis 0 of size 0, the rest from the inferred type
 * (sizes unknown at load become 0, which holds no elements either way).
 *
 * @example
 * emptyGather({ name: 'y', datatype: 'FP32', shape: [-1, 10], dims: ['N', 10], optional: false }).shape; // [0, 10]
 */
export function emptyGather(spec: PlanTensor): Tensor {
  const shape = [0, ...spec.shape.slice(1).map(d => (d < 0 ? 0 : d))];
  if (spec.datatype === 'BYTES') return { datatype: 'BYTES', shape, data: [] };
  return {
    datatype: spec.datatype,
    shape,
    data: new (typedArrayFor(spec.datatype) as Float64ArrayConstructor)(0),
  };
}

/**
 * What a map step returns for each of its outputs when the map has no items: an empty tensor
 * of the pipeline tensor the output becomes.
 *
 * @example
 * emptyOutputs(plan, step)('scores').shape; // [0, 1]
 */
export function emptyOutputs(plan: ExecutionPlan, step: PlanStep): (param: string) => Tensor {
  return param => emptyGather(plan.tensors.get(step.outputs.find(o => o.param === param)!.tensor)!);
}
