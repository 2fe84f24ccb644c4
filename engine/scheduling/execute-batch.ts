/**
 * @module Runs one batch on one instance: join inputs, execute, split outputs, record the
 * execution statistics and, when any request in it is traced, the batch's compute span.
 */
import type { ComputeMark, ExecuteOptions, ModelInstance } from '../core/backend.js';
import type { Clock } from '../core/clock.js';
import { toEngineError } from '../core/errors.js';
import type { Mutable } from '../core/mutable.js';
import type { EngineError } from '../core/errors.js';
import type { ExecutionStats, ScheduledRequest } from '../core/scheduler.js';
import { startBatchSpan } from '../core/telemetry.js';
import type { TraceSpan } from '../core/telemetry.js';
import type { TensorMap } from '../core/tensor.js';
import { concatBatch, splitBatch } from './batch-tensors.js';

/** What {@link executeBatch} needs of its scheduler. */
export interface BatchContext {
  /** `model 'm' version v`, used in error messages. */
  readonly label: string;
  readonly clock: Clock;
  readonly stats: ExecutionStats;
}

/** Outputs per request, in request order, or the one error that failed the whole batch. */
export type BatchResult =
  | { readonly ok: true; readonly outputs: readonly TensorMap[] }
  | { readonly ok: false; readonly error: EngineError };

const NS_PER_MS = 1e6;

/**
 * Executes `requests` as one batch. Never throws: an instance failure becomes the result of
 * every request (EngineError as thrown, anything else INTERNAL naming the model, reason
 * BACKEND). Records one execution of the summed batch size once the instance returned.
 * Compute phases come from the backend's `mark` calls; without them joining inputs counts as
 * compute_input, the whole `execute` as compute_infer and splitting outputs as compute_output.
 *
 * @example
 * const r = await executeBatch(ctx, instance, [reqA, reqB], controller.signal);
 * if (r.ok) resolveA(r.outputs[0]);
 */
export async function executeBatch(
  ctx: BatchContext,
  instance: ModelInstance,
  requests: readonly ScheduledRequest[],
  signal: AbortSignal,
): Promise<BatchResult> {
  const { clock, label } = ctx;
  const t0 = clock.now();
  const size = requests.reduce((n, r) => n + r.batchSize, 0);
  const span = startBatchSpan(requests, {
    startAt: t0,
    attributes: { 'braid.batch_size': size, 'braid.request_count': requests.length },
  });
  const marks: Partial<Record<ComputeMark, number>> = {};
  let out: TensorMap;
  let t1: number;
  let t2: number;
  let result: BatchResult;
  try {
    const inputs = concatBatch(
      label,
      requests.map(r => r.inputs),
    );
    const outputs = outputUnion(requests);
    t1 = clock.now();
    const mark = (point: ComputeMark): void => {
      marks[point] = clock.now();
    };
    const opts: Mutable<ExecuteOptions> = { signal, mark };
    if (outputs !== undefined) opts.outputs = outputs;
    if (span.recording) opts.trace = span;
    const movable = movableInputs(requests, inputs);
    if (movable) opts.movable = movable;
    out = await instance.execute(inputs, opts);
    t2 = clock.now();
  } catch (e) {
    result = { ok: false, error: toEngineError(e, 'INTERNAL', `${label}: execution failed`) };
    span.fail(result.error);
    span.end();
    return result;
  }
  try {
    result = { ok: true, outputs: splitOutputs(label, out, requests) };
  } catch (e) {
    result = {
      ok: false,
      error: toEngineError(e, 'INTERNAL', `${label}: cannot split the batch outputs`),
    };
  }
  const t3 = clock.now();
  const inputEnd = clamp(marks.COMPUTE_INPUT_END ?? t1, t0, t3);
  const outputStart = clamp(marks.COMPUTE_OUTPUT_START ?? t2, inputEnd, t3);
  ctx.stats.execution(
    size,
    (inputEnd - t0) * NS_PER_MS,
    (outputStart - inputEnd) * NS_PER_MS,
    (t3 - outputStart) * NS_PER_MS,
  );
  if (span.recording) traceCompute(span, [t0, inputEnd, outputStart, t3], result);
  return result;
}

/**
 * Records the compute phases on the batch's span: Triton's timestamps as events (what Triton's
 * trace tools read) and one child span per phase (what a trace viewer draws).
 */
function traceCompute(
  span: TraceSpan,
  [t0, inputEnd, outputStart, t3]: readonly number[],
  result: BatchResult,
): void {
  span.event('COMPUTE_START', t0);
  span.event('COMPUTE_INPUT_END', inputEnd);
  span.event('COMPUTE_OUTPUT_START', outputStart);
  span.event('COMPUTE_END', t3);
  span.child('compute_input', { startAt: t0 }).end(inputEnd);
  span
    .child('compute_infer', {
      startAt: inputEnd,
      attributes: { 'braid.phase': 'kernel execution' },
    })
    .end(outputStart);
  span.child('compute_output', { startAt: outputStart }).end(t3);
  if (!result.ok) span.fail(result.error);
  span.end(t3);
}

/**
 * Inputs the instance may move: a single request's own choice; in a batch of several, every
 * input, since joining them made fresh tensors that only this execution reads.
 */
function movableInputs(
  requests: readonly ScheduledRequest[],
  inputs: TensorMap,
): ReadonlySet<string> | undefined {
  if (requests.length === 1) return requests[0]!.movableInputs;
  return new Set(inputs.keys());
}

/** Every output any request asked for; `undefined` (all outputs) if one asked for all. */
function outputUnion(requests: readonly ScheduledRequest[]): readonly string[] | undefined {
  if (requests.length === 1) return requests[0]!.outputs;
  const names = new Set<string>();
  for (const r of requests) {
    if (r.outputs === undefined) return undefined;
    for (const n of r.outputs) names.add(n);
  }
  return [...names];
}

function splitOutputs(
  label: string,
  out: TensorMap,
  requests: readonly ScheduledRequest[],
): TensorMap[] {
  if (requests.length === 1) return [out];
  const parts = splitBatch(
    label,
    out,
    requests.map(r => r.batchSize),
  );
  return parts.map((part, i) => {
    const wanted = requests[i]!.outputs;
    if (wanted === undefined) return part;
    const picked: TensorMap = new Map();
    for (const name of wanted) {
      const t = part.get(name);
      if (t) picked.set(name, t);
    }
    return picked;
  });
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}
