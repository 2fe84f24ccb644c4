/**
 * @module Runs one request of a decoupled model (model_transaction_policy.decoupled) on one
 * instance: each response the model sends is shaped and handed to the request's sink as it
 * comes, and the execution is recorded once, as Triton records a decoupled execution, with the
 * time of each response besides.
 */
import type { ComputeMark, ModelInstance } from '../core/backend.js';
import { EngineError, toEngineError } from '../core/errors.js';
import type { ScheduledRequest } from '../core/scheduler.js';
import { startBatchSpan } from '../core/telemetry.js';
import type { TensorMap } from '../core/tensor.js';
import type { BatchContext, BatchResult } from './execute-batch.js';
import type { OutputShaper } from './outputs.js';

/** What {@link executeDecoupled} needs besides a batch's context. */
export interface DecoupledContext extends BatchContext {
  readonly modelName: string;
  readonly version: string;
  /** Shapes each response's outputs as the client sees them. */
  readonly shape: OutputShaper;
}

const NS_PER_MS = 1e6;
const NO_OUTPUTS: readonly TensorMap[] = Object.freeze([new Map()]);

/**
 * Executes `req` on `instance`, sending each response to `req.respond` until the request is
 * cancelled. Never throws: a failure (the model's, or a response that cannot be shaped) is the
 * result. Records one execution of the request's batch size: compute_infer spans the call,
 * first to last response; each response's time since the previous one (or since the start)
 * goes to the statistics' per-response record.
 *
 * @example
 * const r = await executeDecoupled(ctx, instance, { ...req, respond: res => stream.write(res) }, signal);
 */
export async function executeDecoupled(
  ctx: DecoupledContext,
  instance: ModelInstance,
  req: ScheduledRequest,
  signal: AbortSignal,
): Promise<BatchResult> {
  const { clock, label } = ctx;
  const t0 = clock.now();
  const span = startBatchSpan([req], {
    startAt: t0,
    attributes: { 'braid.batch_size': req.batchSize, 'braid.request_count': 1 },
  });
  let last = t0;
  let index = 0;
  let failure: EngineError | undefined;
  const send = (produced: TensorMap): void => {
    if (failure || req.signal?.aborted) return;
    const now = clock.now();
    try {
      const outputs = ctx.shape(req.outputs, produced);
      req.respond?.(
        req.id
          ? { id: req.id, modelName: ctx.modelName, modelVersion: ctx.version, outputs }
          : { modelName: ctx.modelName, modelVersion: ctx.version, outputs },
      );
    } catch (e) {
      failure = toEngineError(e, 'INTERNAL', `${label}: response ${index} cannot be sent`);
      return;
    }
    ctx.stats.response?.(index, (now - last) * NS_PER_MS, (now - t0) * NS_PER_MS);
    // Triton's per-response timestamp, on the request's model span where trace viewers look.
    if (req.trace?.recording) {
      req.trace.event('INFER_RESPONSE_COMPLETE', now);
      if (index === 0)
        req.trace.setAttributes({ 'braid.first_response_us': Math.round((now - t0) * 1000) });
    }
    index++;
    last = now;
  };
  const marks: Partial<Record<ComputeMark, number>> = {};
  const mark = (point: ComputeMark): void => {
    marks[point] = clock.now();
  };
  try {
    if (!instance.executeDecoupled)
      throw new EngineError(
        'INTERNAL',
        `${label} is decoupled but its instance sends one response per request`,
      );
    const opts = {
      signal,
      mark,
      ...(req.outputs ? { outputs: req.outputs } : {}),
      ...(span.recording ? { trace: span } : {}),
    };
    await instance.executeDecoupled(req.inputs, opts, send);
  } catch (e) {
    failure ??= toEngineError(e, 'INTERNAL', `${label}: execution failed`);
  }
  const end = clock.now();
  const outcome = req.signal?.aborted ? 'cancel' : failure ? 'fail' : 'empty_response';
  ctx.stats.responsesEnded?.(index, (end - last) * NS_PER_MS, outcome);
  const inputEnd = Math.min(Math.max(marks.COMPUTE_INPUT_END ?? t0, t0), end);
  ctx.stats.execution(req.batchSize, (inputEnd - t0) * NS_PER_MS, (end - inputEnd) * NS_PER_MS, 0);
  if (req.trace?.recording) req.trace.setAttributes({ 'braid.response_count': index });
  if (failure) span.fail(failure);
  span.end(end);
  return failure ? { ok: false, error: failure } : { ok: true, outputs: NO_OUTPUTS };
}
