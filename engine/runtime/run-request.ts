/**
 * @module One inference request on a loaded model version: inputs checked against its config,
 * the request queued at its scheduler (or handed whole to a pipeline), outputs shaped back, and
 * the request's statistics and model span recorded however it ends.
 */
import type { Mutable } from '../core/mutable.js';
import type { Clock } from '../core/clock.js';
import { isEngineError, type FailureReason } from '../core/errors.js';
import type { InferRequest, InferResponse } from '../core/request.js';
import { startModelSpan } from '../core/telemetry.js';
import type { ScheduledRequest } from '../scheduling/scheduler.js';
import { classifyOutputs } from './classification.js';
import type { LoadedVersion } from './loaded-version.js';
import { schedulingParameters } from './parameters.js';
import type { InferContext } from './types.js';
import { finishOutputs, prepareInputs, resolveOutputs } from './validate.js';

/**
 * Runs `req` on `lv`. Under a recording `ctx.trace` the request gets Triton's model span.
 * Rejects with the EngineError of whatever failed: bad inputs, a full or timed-out queue, the
 * backend.
 *
 * @example
 * const res = await runRequest(registry.get('simple'), { modelName: 'simple', inputs }, {}, clock);
 */
export async function runRequest(lv: LoadedVersion, req: InferRequest, ctx: InferContext, clock: Clock): Promise<InferResponse> {
  const start = clock.now();
  const span = ctx.trace?.recording ? startModelSpan(ctx.trace, lv.name, lv.version, req.id, start) : undefined;
  let ok = false;
  let reason: FailureReason | undefined;
  try {
    const { inputs, batchSize } = prepareInputs(lv.config, lv.name, req.inputs);
    const names = resolveOutputs(lv.config, lv.name, req.outputs);
    if (span) {
      span.setAttributes({ 'braid.batch_size': batchSize });
      span.event('QUEUE_START');
    }
    if (lv.direct) {
      const { scheduler, instance } = lv.direct;
      // A pipeline answers whole requests itself, debug outputs and parameters included.
      const res = await scheduler.run(() => instance.infer(inputs === req.inputs ? req : { ...req, inputs }, span ? { trace: span } : {}));
      lv.stats.ranWhole(batchSize);
      const classified = classifyOutputs(lv, req.outputs, res.outputs);
      ok = true;
      return { ...res, outputs: classified, modelName: lv.name, modelVersion: String(lv.version) };
    }
    // Built field by field: conditional spreads cost more than the rest of this path.
    const scheduled: Mutable<ScheduledRequest> = { inputs, batchSize, outputs: names };
    if (req.parameters) Object.assign(scheduled, schedulingParameters(req.parameters, lv.name));
    if (req.signal) scheduled.signal = req.signal;
    if (span) scheduled.trace = span;
    const outputs = classifyOutputs(lv, req.outputs, finishOutputs(lv.config, names, await lv.scheduler.enqueue(scheduled), lv.name));
    ok = true;
    const modelVersion = String(lv.version);
    return req.id ? { id: req.id, modelName: lv.name, modelVersion, outputs } : { modelName: lv.name, modelVersion, outputs };
  } catch (e) {
    reason = isEngineError(e) ? e.reason : 'OTHER';
    span?.fail(e);
    throw e;
  } finally {
    const end = clock.now();
    lv.stats.request(ok, (end - start) * 1e6, clock.wallNow(), reason);
    span?.event('REQUEST_END', end);
    span?.end(end);
  }
}
