/**
 * @module What a pipeline reads from a request before running it: symbols that must agree
 * across inputs, the outputs asked for, the debug parameter, and the parameters that flow on to
 * every step.
 */
import { EngineError } from '../../engine/core/errors.js';
import type { ExecutionPlan, PlanResult } from '../../engine/core/plan.js';
import type { ParameterValue } from '../../engine/core/request.js';
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

/** Debug capture asked for by one request. */
export interface DebugRequest {
  /** Tensors to return alongside the outputs. */
  readonly capture: readonly string[];
}

/**
 * Checks what the model config cannot say and so the engine has not checked: one size per
 * symbol across all inputs (`B` in two inputs must be equal). Names, datatypes, ranks, fixed
 * sizes and element counts were checked against the config before the request got here.
 *
 * @example
 * checkSymbols(plan, req.inputs); // throws INVALID_ARG naming both inputs
 */
export function checkSymbols(plan: ExecutionPlan, inputs: TensorMap): void {
  if (plan.inputs.length < 2) return; // one input cannot disagree with itself
  let symbols: Map<string, { size: number; input: string }> | undefined;
  for (const spec of plan.inputs) {
    const t = inputs.get(spec.name);
    if (!t) continue;
    for (let i = 0; i < spec.dims.length; i++) {
      const d = spec.dims[i];
      if (typeof d !== 'string' || d === '?') continue;
      const seen = (symbols ??= new Map()).get(d);
      const size = t.shape[i]!;
      if (seen && seen.size !== size) {
        throw new EngineError(
          'INVALID_ARG',
          `input '${spec.name}' of pipeline '${plan.name}': axis ${i} is ${d} = ${size}, but input '${seen.input}' has ${d} = ${seen.size}`,
        );
      }
      symbols.set(d, { size, input: spec.name });
    }
  }
}

/**
 * The outputs a request asks for (all when `names` is absent, empty, or every output in order).
 * Throws INVALID_ARG for an unknown output.
 */
export function requestedOutputs(
  plan: ExecutionPlan,
  names: readonly string[] | undefined,
): readonly PlanResult[] {
  if (!names || names.length === 0 || allInOrder(plan.outputs, names)) return plan.outputs;
  return names.map(n => {
    const o = plan.outputs.find(x => x.name === n);
    if (!o)
      throw new EngineError(
        'INVALID_ARG',
        `unexpected inference output '${n}' for pipeline '${plan.name}'; outputs are: ${plan.outputs.map(x => `'${x.name}'`).join(', ')}`,
      );
    return o;
  });
}

function allInOrder(outputs: readonly PlanResult[], names: readonly string[]): boolean {
  if (names.length !== outputs.length) return false;
  for (let i = 0; i < names.length; i++) if (names[i] !== outputs[i]!.name) return false;
  return true;
}

/**
 * Reads the debug parameter. Absent or `false`: no capture. Throws INVALID_ARG for an unknown
 * tensor name, listing the known ones.
 *
 * @example
 * parseDebug(plan, { braid_debug: 'boxes,crops' }); // { capture: ['boxes', 'crops'] }
 */
export function parseDebug(
  plan: ExecutionPlan,
  params: Readonly<Record<string, ParameterValue>> | undefined,
): DebugRequest | undefined {
  const v = params?.[DEBUG_PARAMETER];
  if (v === undefined || v === false) return undefined;
  if (v === true || v === '' || v === 'true') return { capture: [] };
  if (typeof v !== 'string')
    throw new EngineError(
      'INVALID_ARG',
      `parameter '${DEBUG_PARAMETER}' of pipeline '${plan.name}' must be true or a list of tensor names, got ${JSON.stringify(v)}`,
    );
  if (v.trim() === '*') {
    const ends = new Set([...plan.inputs.map(t => t.name), ...plan.outputs.map(o => o.tensor)]);
    return { capture: [...plan.tensors.keys()].filter(t => !ends.has(t)) };
  }
  const names = v
    .split(',')
    .map(s => s.trim())
    .filter(s => s !== '');
  for (const n of names) {
    if (!plan.tensors.has(n)) {
      throw new EngineError(
        'INVALID_ARG',
        `parameter '${DEBUG_PARAMETER}' of pipeline '${plan.name}' names unknown tensor '${n}'; tensors are: ${[...plan.tensors.keys()].join(', ')}`,
      );
    }
  }
  return { capture: names };
}

/** Parameters a step's request carries: the client's, without the pipeline's own debug switch. */
export function stepParameters(
  params: Readonly<Record<string, ParameterValue>> | undefined,
): Readonly<Record<string, ParameterValue>> {
  if (!params || !(DEBUG_PARAMETER in params)) return params ?? {};
  const { [DEBUG_PARAMETER]: _debug, ...rest } = params;
  return rest;
}
