/**
 * @module Which step inputs a pipeline request may give up to the model it calls
 * (InferRequest.movableInputs), so that a tensor on its way into a worker thread is moved
 * rather than copied. A buffer is moved only when nothing else will ever read it: the tensor
 * is produced by a step (pipeline inputs are the client's), read by exactly one step and bound
 * there to one input, is no pipeline output and no early return's value, and that step neither
 * maps over it (every item is a view of it) nor retries (a retry sends its inputs again).
 */
import type { ExecutionPlan, PlanStep } from '../engine/core/plan.js';

/**
 * The movable inputs of each step, by step index; steps with none are absent. A request that
 * captures intermediate tensors (`braid_debug`) reads them after the steps, so it must move
 * nothing.
 *
 * @example
 * const movable = movableInputs(plan);
 * if (!debug) request.movableInputs = movable.get(step.index);
 */
export function movableInputs(plan: ExecutionPlan): ReadonlyMap<number, ReadonlySet<string>> {
  const readers = new Map<string, number>();
  for (const step of plan.steps)
    for (const t of new Set(step.reads)) readers.set(t, (readers.get(t) ?? 0) + 1);
  const results = new Set(plan.outputs.map(o => o.tensor));
  const out = new Map<number, ReadonlySet<string>>();
  for (const step of plan.steps) {
    if (step.retry || step.target.kind !== 'model') continue;
    const params = new Set(
      step.inputs
        .filter(b => soleReader(plan, step, b.tensor, { readers, results }))
        .map(b => b.param),
    );
    if (params.size > 0) out.set(step.index, params);
  }
  return out;
}

function soleReader(
  plan: ExecutionPlan,
  step: PlanStep,
  tensor: string,
  seen: { readers: ReadonlyMap<string, number>; results: ReadonlySet<string> },
): boolean {
  if (!plan.producer.has(tensor) || seen.results.has(tensor) || seen.readers.get(tensor) !== 1)
    return false;
  if (step.map?.over === tensor) return false;
  return step.inputs.filter(b => b.tensor === tensor).length === 1;
}

const byPlan = new WeakMap<ExecutionPlan, ReadonlyMap<number, ReadonlySet<string>>>();

/**
 * {@link movableInputs}, worked out once per plan.
 *
 * @example
 * const movable = movableInputsOf(plan).get(step.index);
 */
export function movableInputsOf(plan: ExecutionPlan): ReadonlyMap<number, ReadonlySet<string>> {
  let m = byPlan.get(plan);
  if (!m) byPlan.set(plan, (m = movableInputs(plan)));
  return m;
}
