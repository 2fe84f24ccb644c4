/**
 * @module The decoupled step of a streaming pipeline: its model is called through the catalog's
 * stream, and each response is renamed to the pipeline outputs the request asked for and sent
 * on at once, while the step itself resolves with no outputs.
 */
import { EngineError } from '../../engine/core/errors.js';
import type { PlanStep } from '../../engine/core/plan.js';
import type { InferRequest } from '../../engine/core/request.js';
import type { TensorMap } from '../../engine/core/tensor.js';
import type { RequestLayout, StreamedResponses } from './request-layout.js';
import type { StepCall, StepRuntime } from './step-call.js';

const NO_OUTPUTS: TensorMap = new Map();

/**
 * Calls a decoupled model, each of its responses to the step's `onResponse`; resolves with no
 * outputs once the model sent its final flag. Rejects as the catalog's `stream`.
 *
 * @example
 * await streamCall(runtime, call, { modelName: 'ocr_line_stream', inputs });
 */
export function streamCall(rt: StepRuntime, c: StepCall, req: InferRequest): Promise<TensorMap> {
  const onResponse = c.onResponse!;
  if (!rt.catalog.stream)
    return Promise.reject(
      new EngineError('INTERNAL', `step '${c.step.name}': the catalog cannot stream responses`),
    );
  const ctx = c.trace.recording ? { trace: c.trace } : {};
  return rt.catalog.stream(req, res => onResponse(res.outputs), ctx).then(() => NO_OUTPUTS);
}

/**
 * The step's `onResponse` for a streaming pipeline: each response's outputs renamed to the
 * pipeline outputs the request asked for, then sent, until the request has `ended`.
 *
 * @example
 * call.onResponse = streamedOutputs(step, layout, respond, () => finished);
 */
export function streamedOutputs(
  step: PlanStep,
  layout: RequestLayout,
  respond: StreamedResponses,
  ended: () => boolean,
): (outputs: TensorMap) => void {
  const names: [output: string, param: string][] = [];
  for (const o of layout.outputs) {
    const out = step.outputs.find(s => s.tensor === o.tensor);
    if (out) names.push([o.name, out.param]);
  }
  return outputs => {
    if (ended()) return;
    const mapped: TensorMap = new Map();
    for (const [name, param] of names) {
      const t = outputs.get(param);
      if (t) mapped.set(name, t);
    }
    respond(mapped);
  };
}
