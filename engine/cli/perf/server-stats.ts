/**
 * A model's statistics-extension counters (`GET /v2/models/{m}/stats`, Triton's and Braid's)
 * read from a running server and differenced between two snapshots, as perf_analyzer does
 * around each measurement window. Every field is cumulative, so only differences mean anything.
 *
 * @module
 */
import { EngineError } from '../../core/errors.js';
import { sendOnce } from './send-once.js';

/** Cumulative execution time at one batch size (from `batch_stats`). */
export interface BatchPhases {
  readonly executions: number;
  readonly computeInputNs: number;
  readonly computeInferNs: number;
  readonly computeOutputNs: number;
}

/** The counters of one model, summed over the versions listed. */
export interface StatsSnapshot {
  readonly inferenceCount: number;
  readonly executionCount: number;
  /** Successful requests and their cumulative time in the server. */
  readonly successCount: number;
  readonly successNs: number;
  readonly failCount: number;
  readonly queueCount: number;
  readonly queueNs: number;
  readonly computeInputNs: number;
  readonly computeInferNs: number;
  readonly computeOutputNs: number;
  /** `inference_stats.compute_infer.count`: per request in Triton, per execution in Braid. */
  readonly computeCount: number;
  /** By batch size (inferences per execution). */
  readonly batches: ReadonlyMap<number, BatchPhases>;
}

/** Differences of two snapshots, and the averages the benchmarks print. */
export interface StatsDelta extends StatsSnapshot {
  /** inference_count / execution_count over the window: the average batch the server formed. */
  readonly averageBatch: number;
  /** Mean time a successful request waited in the queue (µs). */
  readonly queueUsPerRequest: number;
  /** Mean model execution time per execution (µs). */
  readonly computeInferUsPerExecution: number;
}

interface Duration {
  readonly count: number;
  readonly ns: number;
}

interface ModelStatsJson {
  readonly inference_count?: number;
  readonly execution_count?: number;
  readonly inference_stats?: Partial<Record<string, Duration>>;
  readonly batch_stats?: readonly {
    readonly batch_size: number;
    readonly compute_input?: Duration;
    readonly compute_infer?: Duration;
    readonly compute_output?: Duration;
  }[];
}

/** The path of a model's (or one version's) statistics. */
export function statsPath(model: string, version?: string): string {
  const v =
    version === undefined || version === '' ? '' : `/versions/${encodeURIComponent(version)}`;
  return `/v2/models/${encodeURIComponent(model)}${v}/stats`;
}

function batchesOf(list: readonly ModelStatsJson[]): Map<number, BatchPhases> {
  const out = new Map<number, BatchPhases>();
  for (const b of list.flatMap(s => s.batch_stats ?? [])) {
    const prev = out.get(b.batch_size);
    out.set(b.batch_size, {
      executions: (prev?.executions ?? 0) + (b.compute_infer?.count ?? 0),
      computeInputNs: (prev?.computeInputNs ?? 0) + (b.compute_input?.ns ?? 0),
      computeInferNs: (prev?.computeInferNs ?? 0) + (b.compute_infer?.ns ?? 0),
      computeOutputNs: (prev?.computeOutputNs ?? 0) + (b.compute_output?.ns ?? 0),
    });
  }
  return out;
}

/**
 * Sums a statistics response's `model_stats` entries into one snapshot. Throws when the body is
 * not a statistics response.
 *
 * @example
 * parseStats(JSON.parse(body), 'simple').successCount;
 */
export function parseStats(json: unknown, model: string): StatsSnapshot {
  const list = (json as { model_stats?: unknown } | null)?.model_stats;
  if (!Array.isArray(list) || list.length === 0) {
    throw new EngineError(
      'INVALID_ARG',
      `statistics of model '${model}': expected a non-empty model_stats list`,
    );
  }
  const stats = list as ModelStatsJson[];
  const sum = (f: (s: ModelStatsJson) => number | undefined) =>
    stats.reduce((acc, s) => acc + (f(s) ?? 0), 0);
  const phase = (name: string, field: 'count' | 'ns') =>
    sum(s => s.inference_stats?.[name]?.[field]);
  return {
    inferenceCount: sum(s => s.inference_count),
    executionCount: sum(s => s.execution_count),
    successCount: phase('success', 'count'),
    successNs: phase('success', 'ns'),
    failCount: phase('fail', 'count'),
    queueCount: phase('queue', 'count'),
    queueNs: phase('queue', 'ns'),
    computeInputNs: phase('compute_input', 'ns'),
    computeInferNs: phase('compute_infer', 'ns'),
    computeOutputNs: phase('compute_output', 'ns'),
    computeCount: phase('compute_infer', 'count'),
    batches: batchesOf(stats),
  };
}

/**
 * Fetches the statistics of `model` (one version when given) from `origin` and sums them over
 * the versions listed.
 *
 * @example
 * const before = await readStats('http://127.0.0.1:8000', 'mlp_batch');
 */
export async function readStats(
  origin: string,
  model: string,
  version?: string,
): Promise<StatsSnapshot> {
  const res = await sendOnce(origin + statsPath(model, version));
  if (res.status !== 200) {
    const body = res.body.toString('utf8').slice(0, 300);
    throw new EngineError(
      'UNAVAILABLE',
      `statistics of model '${model}': HTTP ${res.status}: ${body}`,
    );
  }
  return parseStats(JSON.parse(res.body.toString('utf8')) as unknown, model);
}

function diffBatches(before: StatsSnapshot, after: StatsSnapshot): Map<number, BatchPhases> {
  const out = new Map<number, BatchPhases>();
  for (const [size, a] of after.batches) {
    const b = before.batches.get(size);
    const d = {
      executions: a.executions - (b?.executions ?? 0),
      computeInputNs: a.computeInputNs - (b?.computeInputNs ?? 0),
      computeInferNs: a.computeInferNs - (b?.computeInferNs ?? 0),
      computeOutputNs: a.computeOutputNs - (b?.computeOutputNs ?? 0),
    };
    if (d.executions > 0) out.set(size, d);
  }
  return out;
}

/**
 * `after - before`, with the averages that follow from it.
 *
 * @example
 * diffStats(before, after).averageBatch;
 */
export function diffStats(before: StatsSnapshot, after: StatsSnapshot): StatsDelta {
  const d = {
    inferenceCount: after.inferenceCount - before.inferenceCount,
    executionCount: after.executionCount - before.executionCount,
    successCount: after.successCount - before.successCount,
    successNs: after.successNs - before.successNs,
    failCount: after.failCount - before.failCount,
    queueCount: after.queueCount - before.queueCount,
    queueNs: after.queueNs - before.queueNs,
    computeInputNs: after.computeInputNs - before.computeInputNs,
    computeInferNs: after.computeInferNs - before.computeInferNs,
    computeOutputNs: after.computeOutputNs - before.computeOutputNs,
    computeCount: after.computeCount - before.computeCount,
    batches: diffBatches(before, after),
  };
  return {
    ...d,
    averageBatch: d.executionCount > 0 ? d.inferenceCount / d.executionCount : NaN,
    queueUsPerRequest: d.successCount > 0 ? d.queueNs / d.successCount / 1000 : NaN,
    computeInferUsPerExecution:
      d.executionCount > 0 ? d.computeInferNs / d.executionCount / 1000 : NaN,
  };
}
