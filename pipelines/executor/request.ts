/**
 * @module What a pipeline reads from a request before running it: inputs checked against the
 * plan (symbols must agree across inputs), the outputs asked for, the debug parameter, and the
 * parameters that flow on to every step.
 */
import { EngineError } from '../../engine/core/errors.js';
import type { ExecutionPlan, PlanResult } from '../../engine/core/plan.js';
import type { ParameterValue } from '../../engine/core/request.js';
import { elementCount, formatShape } from '../../engine/core/tensor.js';
import type { TensorMap } from '../../engine/core/tensor.js';

/**
 * Request parameter that turns on debug capture: `true` for per-step timings, or a
 * comma-separated list of tensor names (`*` for every intermediate tensor, i.e. neither a pipeline
 * input nor an output) to return as well.
 * Not `triton_`-prefixed: that prefix is reserved by the protocol.
 */
export const DEBUG_PARAMETER = 'braid_debug';

/** Prefix of the response outputs that carry captured intermediate tensors. */
export const DEBUG_OUTPUT_PREFIX = 'braid_debug.';

// Plans are immutable; their input names are indexed on first use.
const inputNames = new WeakMap<ExecutionPlan, ReadonlySet<string>>();

/** Debug capture asked for by one request. */
export interface DebugRequest {
  /** Tensors to return alongside the outputs. */
  readonly capture: readonly string[];
}

/**
 * Checks request inputs: known names, required ones present, datatype, rank, fixed sizes, and
 * one size per symbol across all inputs (`B` in two inputs must be equal).
 *
 * @example
 * checkInputs(plan, req.inputs); // throws INVALID_ARG naming the pipeline and input
 */
export function checkInputs(plan: ExecutionPlan, inputs: TensorMap): void {
  let names = inputNames.get(plan);
  if (!names) inputNames.set(plan, (names = new Set(plan.inputs.map(t => t.name))));
  const where = `pipeline '${plan.name}'`;
  for (const name of inputs.keys()) {
    if (!names.has(name)) throw new EngineError('INVALID_ARG', `unexpected inference input '${name}' for ${where}; allowed inputs are: ${plan.inputs.map(t => `'${t.name}'`).join(', ')}`);
  }
  let symbols: Map<string, { size: number; input: string }> | undefined;
  for (const spec of plan.inputs) {
    const t = inputs.get(spec.name);
    if (!t) {
      if (!spec.optional) throw new EngineError('INVALID_ARG', `${where}: missing required input '${spec.name}'`);
      continue;
    }
    const input = `input '${spec.name}' of ${where}`;
    if (t.datatype !== spec.datatype) throw new EngineError('INVALID_ARG', `unexpected datatype ${t.datatype} for ${input}, expecting ${spec.datatype}`);
    const ok = t.shape.length === spec.dims.length && spec.dims.every((d, i) => typeof d !== 'number' || d < 0 || d === t.shape[i]);
    if (!ok) throw new EngineError('INVALID_ARG', `unexpected shape for ${input}: expected [${spec.dims.join(',')}], got ${formatShape(t.shape)}`);
    if (t.data.length !== elementCount(t.shape)) {
      throw new EngineError('INVALID_ARG', `${input} has shape ${formatShape(t.shape)} (${elementCount(t.shape)} elements) but ${t.data.length} elements of data`);
    }
    if (plan.inputs.length === 1) continue; // one input cannot disagree with itself
    spec.dims.forEach((d, i) => {
      if (typeof d !== 'string' || d === '?') return;
      const seen = (symbols ??= new Map()).get(d);
      const size = t.shape[i]!;
      if (seen && seen.size !== size) {
        throw new EngineError('INVALID_ARG', `${input}: axis ${i} is ${d} = ${size}, but input '${seen.input}' has ${d} = ${seen.size}`);
      }
      symbols.set(d, { size, input: spec.name });
    });
  }
}

/**
 * The outputs a request asks for (all when `names` is absent or empty). Throws INVALID_ARG for
 * an unknown output.
 */
export function requestedOutputs(plan: ExecutionPlan, names: readonly string[] | undefined): readonly PlanResult[] {
  if (!names || names.length === 0) return plan.outputs;
  return names.map(n => {
    const o = plan.outputs.find(x => x.name === n);
    if (!o) throw new EngineError('INVALID_ARG', `unexpected inference output '${n}' for pipeline '${plan.name}'; outputs are: ${plan.outputs.map(x => `'${x.name}'`).join(', ')}`);
    return o;
  });
}

/**
 * Reads the debug parameter. Absent or `false`: no capture. Throws INVALID_ARG for an unknown
 * tensor name, listing the known ones.
 *
 * @example
 * parseDebug(plan, { braid_debug: 'boxes,crops' }); // { capture: ['boxes', 'crops'] }
 */
export function parseDebug(plan: ExecutionPlan, params: Readonly<Record<string, ParameterValue>> | undefined): DebugRequest | undefined {
  const v = params?.[DEBUG_PARAMETER];
  if (v === undefined || v === false) return undefined;
  if (v === true || v === '' || v === 'true') return { capture: [] };
  if (typeof v !== 'string') throw new EngineError('INVALID_ARG', `parameter '${DEBUG_PARAMETER}' of pipeline '${plan.name}' must be true or a list of tensor names, got ${JSON.stringify(v)}`);
  if (v.trim() === '*') {
    const ends = new Set([...plan.inputs.map(t => t.name), ...plan.outputs.map(o => o.tensor)]);
    return { capture: [...plan.tensors.keys()].filter(t => !ends.has(t)) };
  }
  const names = v.split(',').map(s => s.trim()).filter(s => s !== '');
  for (const n of names) {
    if (!plan.tensors.has(n)) {
      throw new EngineError('INVALID_ARG', `parameter '${DEBUG_PARAMETER}' of pipeline '${plan.name}' names unknown tensor '${n}'; tensors are: ${[...plan.tensors.keys()].join(', ')}`);
    }
  }
  return { capture: names };
}

/** Parameters a step's request carries: the client's, without the pipeline's own debug switch. */
export function stepParameters(params: Readonly<Record<string, ParameterValue>> | undefined): Readonly<Record<string, ParameterValue>> {
  if (!params || !(DEBUG_PARAMETER in params)) return params ?? {};
  const { [DEBUG_PARAMETER]: _debug, ...rest } = params;
  return rest;
}
