/**
 * @module How a pipeline request ended, as the driver answers it: from the machine's final
 * state, and the errors a failed step or a cancelling client end it with.
 */
import { EngineError } from '../../engine/core/errors.js';
import type { ExecutionPlan, PlanStep } from '../../engine/core/plan.js';
import type { RequestEnd } from './request-result.js';
import { targetLabel } from './step-call.js';

/**
 * The request's answer once its machine is final: `end` as the table names it, the early
 * return that answered, and the error that failed it.
 *
 * @example
 * requestEnd(plan, table.end(state), answeredBy, error);
 */
export function requestEnd(
  plan: ExecutionPlan,
  end: string | undefined,
  answeredBy: number,
  error: EngineError | undefined,
): RequestEnd {
  if (end === 'succeeded') return { kind: 'succeeded' };
  if (end === 'returned') return { kind: 'returned', step: answeredBy };
  return {
    kind: 'failed',
    error:
      error ?? new EngineError('INTERNAL', `pipeline '${plan.name}' ended ${end} without an error`),
  };
}

/**
 * A step's error as the request reports it: code and reason kept, the message prefixed with
 * pipeline, step and what the step calls.
 *
 * @example
 * stepFailure(plan, step, e).message; // "pipeline 'ocr' step 'detect' (model 'ocr_det'): ..."
 */
export function stepFailure(plan: ExecutionPlan, step: PlanStep, e: EngineError): EngineError {
  return new EngineError(
    e.code,
    `pipeline '${plan.name}' step '${step.name}' (${targetLabel(step)}): ${e.message}`,
    { cause: e, reason: e.reason },
  );
}

/** The error of a request whose client went away (`before`: before it started). */
export function clientCancelled(plan: ExecutionPlan, before = false): EngineError {
  const when = before ? ' before it started' : '';
  return new EngineError(
    'CANCELLED',
    `pipeline '${plan.name}': the client cancelled the request${when}`,
  );
}
