/**
 * @module Runs one batch on one instance: join inputs, execute, split outputs, record the
 * execution statistics.
 */
import type { ComputeMark, ModelInstance } from '../core/backend.js';
import type { Clock } from '../core/clock.js';
import { toEngineError } from '../core/errors.js';
import type { EngineError } from '../core/errors.js';
import type { TensorMap } from '../core/tensor.js';
import { concatBatch, splitBatch } from './batch-tensors.js';
import type { ScheduledRequest } from './scheduler.js';
import type { StatsRecorder } from './stats.js';

/** What {@link runBatch} needs of its scheduler. */
export interface BatchRunContext {
  /** `model 'm' version v`, used in error messages. */
  readonly label: string;
  readonly clock: Clock;
  readonly stats: StatsRecorder;
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
 * const r = await runBatch(ctx, instance, [reqA, reqB], controller.signal);
 * if (r.ok) resolveA(r.outputs[0]);
 */
export async function runBatch(
  ctx: BatchRunContext,
  instance: ModelInstance,
  requests: readonly ScheduledRequest[],
  signal: AbortSignal,
): Promise<BatchResult> {
  const { clock, label } = ctx;
  const t0 = clock.now();
  const marks: Partial<Record<ComputeMark, number>> = {};
  let out: TensorMap;
  let t1: number;
  let t2: number;
  try {
    const inputs = concatBatch(label, requests.map(r => r.inputs));
    const outputs = outputUnion(requests);
    t1 = clock.now();
    const mark = (point: ComputeMark): void => {
      marks[point] = clock.now();
    };
    out = await instance.execute(inputs, outputs === undefined ? { signal, mark } : { signal, outputs, mark });
    t2 = clock.now();
  } catch (e) {
    return { ok: false, error: toEngineError(e, 'INTERNAL', `${label}: execution failed`) };
  }
  let result: BatchResult;
  try {
    result = { ok: true, outputs: splitOutputs(label, out, requests) };
  } catch (e) {
    result = { ok: false, error: toEngineError(e, 'INTERNAL', `${label}: cannot split the batch outputs`) };
  }
  const t3 = clock.now();
  const inputEnd = clamp(marks.COMPUTE_INPUT_END ?? t1, t0, t3);
  const outputStart = clamp(marks.COMPUTE_OUTPUT_START ?? t2, inputEnd, t3);
  const size = requests.reduce((n, r) => n + r.batchSize, 0);
  ctx.stats.execution(
    size,
    (inputEnd - t0) * NS_PER_MS,
    (outputStart - inputEnd) * NS_PER_MS,
    (t3 - outputStart) * NS_PER_MS,
  );
  return result;
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

function splitOutputs(label: string, out: TensorMap, requests: readonly ScheduledRequest[]): TensorMap[] {
  if (requests.length === 1) return [out];
  const parts = splitBatch(label, out, requests.map(r => r.batchSize));
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
