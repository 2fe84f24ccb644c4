/**
 * @module Trace spans of pipeline steps, through the engine's tracing port. A step's span sits
 * under the pipeline's request span and the requests it sends to models open under it, so a
 * trace reads pipeline → step → model → compute; retries are events on the step span.
 */
import { EngineError } from '../../engine/core/errors.js';
import type { PlanStep } from '../../engine/core/plan.js';
import { NOOP_SPAN } from '../../engine/core/telemetry.js';
import type { TraceSpan } from '../../engine/core/telemetry.js';
import { targetLabel } from './step-call.js';
import type { StepEvent } from './step-stats.js';

/**
 * Opens the span of a step under the request's span; the no-op span when the request is not
 * traced, so untraced requests pay one property check.
 *
 * @example
 * const span = openStepSpan(req.trace, 'ocr', step);
 */
export function openStepSpan(
  parent: TraceSpan | undefined,
  pipeline: string,
  step: PlanStep,
): TraceSpan {
  if (!parent?.recording) return NOOP_SPAN;
  return parent.child(`step ${step.name}`, {
    attributes: {
      'braid.pipeline': pipeline,
      'braid.step': step.name,
      'braid.step.target': targetLabel(step),
    },
  });
}

/** Records how the step ended on its span and ends it. */
export function closeStepSpan(span: TraceSpan, e: StepEvent): void {
  span.setAttributes({
    'braid.step.status': e.status,
    'braid.step.calls': e.calls,
    'braid.step.retries': e.retries,
    ...(e.items === undefined ? {} : { 'braid.step.items': e.items }),
  });
  if (e.status === 'failed' || e.status === 'cancelled') {
    span.fail(
      new EngineError(e.status === 'failed' ? 'INTERNAL' : 'CANCELLED', e.reason ?? e.status),
    );
  }
  span.end();
}
