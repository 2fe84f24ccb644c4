/**
 * Where a request's time in the server went, per request, from the difference of two
 * statistics snapshots: queue, compute input, compute infer, compute output, and the overhead
 * (everything else), as perf_analyzer splits it.
 *
 * @module
 */
import type { StatsDelta } from './server-stats.js';

/** Mean time per successful request in each server phase (µs), and the batching it saw. */
export interface ServerBreakdown {
  /** Successful requests the server completed in the interval. */
  readonly requests: number;
  readonly inferences: number;
  readonly executions: number;
  /** inferences / executions. */
  readonly averageBatch: number;
  /** Mean time in the server, end to end. */
  readonly requestUs: number;
  readonly queueUs: number;
  readonly computeInputUs: number;
  readonly computeInferUs: number;
  readonly computeOutputUs: number;
  /** requestUs minus every phase above, never below 0 (perf_analyzer's GetOverheadDuration). */
  readonly overheadUs: number;
}

interface ComputePerRequest {
  readonly input: number;
  readonly infer: number;
  readonly output: number;
}

/**
 * Mean compute time per request, in ns. A request experiences the whole execution of the batch
 * it rode in, so each execution counts once per inference in it: Σ size·ns / inferences. Every
 * request of a measurement has the same batch size, so weighting by inferences is weighting by
 * requests. This reads `batch_stats`, which Triton and Braid fill the same way; the fallback,
 * without batch statistics, is the server's own per-count mean.
 */
function computePerRequestNs(d: StatsDelta): ComputePerRequest {
  let input = 0;
  let infer = 0;
  let output = 0;
  let inferences = 0;
  for (const [size, b] of d.batches) {
    input += size * b.computeInputNs;
    infer += size * b.computeInferNs;
    output += size * b.computeOutputNs;
    inferences += size * b.executions;
  }
  if (inferences > 0)
    return { input: input / inferences, infer: infer / inferences, output: output / inferences };
  const n = d.computeCount;
  if (n <= 0) return { input: 0, infer: 0, output: 0 };
  return {
    input: d.computeInputNs / n,
    infer: d.computeInferNs / n,
    output: d.computeOutputNs / n,
  };
}

/**
 * The per-request breakdown of a statistics delta; undefined when no request succeeded in it.
 *
 * @example
 * const b = serverBreakdown(diffStats(before, after));
 * b && b.queueUs + b.computeInputUs + b.computeInferUs + b.computeOutputUs + b.overheadUs; // ≈ b.requestUs
 */
export function serverBreakdown(d: StatsDelta): ServerBreakdown | undefined {
  if (d.successCount <= 0) return undefined;
  const us = (ns: number) => ns / 1000;
  const requestUs = us(d.successNs / d.successCount);
  const queueUs = d.queueCount > 0 ? us(d.queueNs / d.queueCount) : 0;
  const c = computePerRequestNs(d);
  const [computeInputUs, computeInferUs, computeOutputUs] = [
    us(c.input),
    us(c.infer),
    us(c.output),
  ];
  const overheadUs = Math.max(
    0,
    requestUs - queueUs - computeInputUs - computeInferUs - computeOutputUs,
  );
  return {
    requests: d.successCount,
    inferences: d.inferenceCount,
    executions: d.executionCount,
    averageBatch: d.averageBatch,
    requestUs,
    queueUs,
    computeInputUs,
    computeInferUs,
    computeOutputUs,
    overheadUs,
  };
}
