/**
 * @module The call a request makes for one of its steps: the step's inputs from the request's
 * tensors, what it must produce, the request's id, deadline and cancellation, and which inputs
 * the model may take over.
 */
import type { CancelSignal } from '../../engine/core/cancel.js';
import type { Mutable } from '../../engine/core/mutable.js';
import type { ExecutionPlan, PlanStep } from '../../engine/core/plan.js';
import type { ParameterValue } from '../../engine/core/request.js';
import type { TraceSpan } from '../../engine/core/telemetry.js';
import type { Tensor, TensorMap } from '../../engine/core/tensor.js';
import { movableInputsOf } from '../movable.js';
import { emptyOutputs } from './gather.js';
import type { RequestLayout, StreamedResponses } from './request-layout.js';
import { streamedOutputs } from './step-stream.js';
import type { StepCall } from './step-call.js';

/** What a request knows when it starts a step. */
export interface LaunchState {
  readonly plan: ExecutionPlan;
  readonly layout: RequestLayout;
  readonly tensors: ReadonlyMap<string, Tensor>;
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  readonly signal: CancelSignal;
  readonly trace: TraceSpan;
  readonly id?: string;
  /** Clock time the request started. */
  readonly start: number;
  /** A braid_debug request reads every intermediate tensor after the steps: it moves nothing. */
  readonly debug: boolean;
  /** A streaming request's responses (the plan's `streams` step sends them), until it has `ended`. */
  readonly respond?: StreamedResponses;
  readonly ended?: () => boolean;
}

/**
 * The call for `step`, without the callbacks that report back to the request's machine.
 *
 * @example
 * const call = stepCallOf(step, { plan, layout, tensors, parameters, signal, trace, start, debug: false });
 */
export function stepCallOf(step: PlanStep, s: LaunchState): Mutable<StepCall> {
  const index = step.index;
  const call: Mutable<StepCall> = {
    pipeline: s.plan.name,
    step,
    inputs: stepInputs(step, s.tensors),
    outputs: s.layout.stepOutputs[index]!,
    requested: s.layout.stepRequested[index]!,
    parameters: s.parameters,
    signal: s.signal,
    trace: s.trace,
  };
  if (s.id) call.id = s.id;
  if (s.plan.deadlineMs !== undefined) call.deadlineAt = s.start + s.plan.deadlineMs;
  if (step.map) call.empty = emptyOutputs(s.plan, step);
  const movable = s.debug ? undefined : movableInputsOf(s.plan).get(index);
  if (movable) call.movable = movable;
  if (s.respond && index === s.plan.streams)
    call.onResponse = streamedOutputs(step, s.layout, s.respond, s.ended ?? (() => false));
  return call;
}

/**
 * A step's inputs by the target's input names, from the request's tensors; an absent optional
 * input is left out.
 *
 * @example
 * stepInputs(step, store).get('x'); // the tensor bound to input x
 */
export function stepInputs(step: PlanStep, store: ReadonlyMap<string, Tensor>): TensorMap {
  const inputs: TensorMap = new Map();
  for (const b of step.inputs) {
    const t = store.get(b.tensor);
    if (t) inputs.set(b.param, t);
  }
  return inputs;
}
