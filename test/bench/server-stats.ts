/**
 * Reading a model's statistics-extension counters from a running server and differencing two
 * snapshots, as perf_analyzer does around each measurement window.
 *
 * @module
 */
import { sendOnce } from './send-once.js';

/** The counters of one model, summed over its versions. */
export interface StatsSnapshot {
  readonly inferenceCount: number;
  readonly executionCount: number;
  readonly successCount: number;
  readonly queueNs: number;
  readonly computeInferNs: number;
}

/** Differences of two snapshots, and what follows from them. */
export interface StatsDelta extends StatsSnapshot {
  /** inference_count / execution_count over the window: the average batch the server formed. */
  readonly averageBatch: number;
  /** Mean time a request waited in the queue (µs). */
  readonly queueUsPerRequest: number;
  /** Mean model execution time per execution (µs). */
  readonly computeInferUsPerExecution: number;
}

interface Duration {
  readonly count: number;
  readonly ns: number;
}

interface ModelStats {
  readonly inference_count: number;
  readonly execution_count: number;
  readonly inference_stats: {
    readonly success: Duration;
    readonly queue: Duration;
    readonly compute_infer: Duration;
  };
}

/**
 * Fetches `GET /v2/models/{model}/stats` and sums the counters over the versions listed.
 *
 * @example
 * const before = await readStats('http://127.0.0.1:8000', 'mlp_batch');
 */
export async function readStats(origin: string, model: string): Promise<StatsSnapshot> {
  const res = await sendOnce(`${origin}/v2/models/${encodeURIComponent(model)}/stats`);
  if (res.status !== 200) {
    throw new Error(`stats of '${model}': HTTP ${res.status}: ${res.body.toString()}`);
  }
  const { model_stats: list } = JSON.parse(res.body.toString()) as { model_stats: ModelStats[] };
  if (list.length === 0) throw new Error(`stats of '${model}': no versions listed`);
  const sum = (f: (s: ModelStats) => number) => list.reduce((acc, s) => acc + f(s), 0);
  return {
    inferenceCount: sum(s => s.inference_count),
    executionCount: sum(s => s.execution_count),
    successCount: sum(s => s.inference_stats.success.count),
    queueNs: sum(s => s.inference_stats.queue.ns),
    computeInferNs: sum(s => s.inference_stats.compute_infer.ns),
  };
}

/**
 * `after - before`, with the averages the benchmarks print.
 *
 * @example
 * diffStats(before, after).averageBatch;
 */
export function diffStats(before: StatsSnapshot, after: StatsSnapshot): StatsDelta {
  const d = {
    inferenceCount: after.inferenceCount - before.inferenceCount,
    executionCount: after.executionCount - before.executionCount,
    successCount: after.successCount - before.successCount,
    queueNs: after.queueNs - before.queueNs,
    computeInferNs: after.computeInferNs - before.computeInferNs,
  };
  return {
    ...d,
    averageBatch: d.executionCount > 0 ? d.inferenceCount / d.executionCount : NaN,
    queueUsPerRequest: d.successCount > 0 ? d.queueNs / d.successCount / 1000 : NaN,
    computeInferUsPerExecution:
      d.executionCount > 0 ? d.computeInferNs / d.executionCount / 1000 : NaN,
  };
}
